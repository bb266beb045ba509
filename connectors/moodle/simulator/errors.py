"""Moodle's web-service exceptions as the REST server renders them.

Core classes come namespaced (``core\\exception\\moodle_exception``), a few are
unqualified (``webservice_access_exception``, ``dml_missing_record_exception``)
and PHP engine errors are a bare ``Error`` without ``errorcode``.
"""

from __future__ import annotations

from typing import Any

MOODLE_EXCEPTION = "core\\exception\\moodle_exception"
INVALID_PARAMETER = "core\\exception\\invalid_parameter_exception"
REQUIRED_CAPABILITY = "core\\exception\\required_capability_exception"
CODING_EXCEPTION = "core\\exception\\coding_exception"
ACCESS_EXCEPTION = "webservice_access_exception"
MISSING_RECORD = "dml_missing_record_exception"
PHP_ERROR = "Error"


class MoodleError(Exception):
    """An exception the REST server turns into ``{exception, errorcode, message}``."""

    def __init__(
        self,
        exception: str,
        errorcode: str | None,
        message: str,
        debuginfo: str | None = None,
    ) -> None:
        super().__init__(f"{errorcode}: {message}")
        self.exception = exception
        self.errorcode = errorcode
        self.message = message
        self.debuginfo = debuginfo

    def as_dict(self, *, debug: bool) -> dict[str, Any]:
        body: dict[str, Any] = {"exception": self.exception}
        if self.errorcode is not None:
            body["errorcode"] = self.errorcode
        body["message"] = self.message
        if debug and self.debuginfo and self.exception != PHP_ERROR:
            body["debuginfo"] = self.debuginfo
        return body


def moodle_exception(errorcode: str, message: str | None = None) -> MoodleError:
    """A plain ``moodle_exception``; untranslated codes read ``error/<code>``."""
    return MoodleError(MOODLE_EXCEPTION, errorcode, message or f"error/{errorcode}")


def invalid_parameter(debuginfo: str = "") -> MoodleError:
    return MoodleError(
        INVALID_PARAMETER, "invalidparameter", "Invalid parameter value detected", debuginfo
    )


def coding_error(detail: str) -> MoodleError:
    return MoodleError(
        CODING_EXCEPTION,
        "codingerror",
        f"Coding error detected, it must be fixed by a programmer: {detail}",
    )


def access_exception(debuginfo: str = "") -> MoodleError:
    return MoodleError(ACCESS_EXCEPTION, "accessexception", "Access control exception", debuginfo)


def invalid_token() -> MoodleError:
    return moodle_exception("invalidtoken", "Invalid token - token not found")


def missing_record(table: str) -> MoodleError:
    return MoodleError(
        MISSING_RECORD, "invalidrecord", f"Can't find data record in database table {table}."
    )


def invalid_user() -> MoodleError:
    return MoodleError(MISSING_RECORD, "invaliduser", "Invalid user")


def nopermissions(description: str, capability: str) -> MoodleError:
    return MoodleError(
        REQUIRED_CAPABILITY,
        "nopermissions",
        f"Sorry, but you do not currently have permissions to do that ({description}).",
        f"{capability}",
    )


def php_error(message: str) -> MoodleError:
    return MoodleError(PHP_ERROR, None, message)


def messaging_error(sentence: str) -> MoodleError:
    """Messaging throws with an English sentence as its error code."""
    return moodle_exception(sentence)
