"""Typed Moodle web-service errors and the one place that classifies them.

Moodle answers almost every failure with HTTP 200 and a JSON object
``{"exception", "errorcode", "message"[, "debuginfo"]}`` (reference 1.4). The
message is translated, so errors are classified by ``errorcode`` first and by
the exception class (namespace removed) second, never by message text. The one
exception is telling an uninstalled function apart from a missing record: both
are ``dml_missing_record_exception`` / ``invalidrecord`` and only the table name
in the message (``external_functions``) differs.

Every class is a :class:`~connectors.base.TransientError` (retried with
backoff) or a :class:`~connectors.base.TerminalError` (fails at once, with a
``fix`` that says what to change in Moodle). Callers decide by type.

Nothing here knows the token: callers pass text that is already redacted. Nothing
here quotes an answer body either: an error carries the function, the HTTP facts,
Moodle's ``exception``/``errorcode`` and Moodle's own ``message`` (its wording, which in
the recorded samples names ids and field names, never a learner). ``debuginfo`` is
dropped: with debugging on it echoes request values and SQL with values; only its
length is kept, to say that there was more to see in Moodle.
"""

from __future__ import annotations

from typing import Any, ClassVar

from connectors.base import (
    AccessRefused,
    ConnectionRefused,
    ConnectorError,
    TerminalError,
    TransientError,
    Unreachable,
    unreachable_fix,
)

__all__ = [
    "AccessException",
    "AnswerTooLarge",
    "BadUrl",
    "ContextNotValid",
    "FunctionNotInstalled",
    "InvalidParameter",
    "InvalidToken",
    "MissingCapability",
    "MoodleError",
    "MoodleException",
    "MoodleInternalError",
    "MoodleUnreachable",
    "NetworkError",
    "RecordNotFound",
    "ServerError",
    "ServiceUserNotUsable",
    "SiteMaintenance",
    "Stopped",
    "TlsError",
    "UnexpectedResponse",
    "WebServicesDisabled",
]

class MoodleError(ConnectorError):
    """What every Moodle error carries, whichever branch (transient/terminal) it is on.

    ``exception_class`` is the PHP class without its namespace
    (``core\\exception\\moodle_exception`` → ``moodle_exception``).
    ``debuginfo_chars`` is how long Moodle's ``debuginfo`` was; its text is not kept.
    """

    default_fix: ClassVar[str | None] = None

    def __init__(
        self,
        message: str,
        *,
        function: str | None = None,
        errorcode: str | None = None,
        exception_class: str | None = None,
        debuginfo_chars: int = 0,
        fix: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.message = message
        self.function = function
        self.errorcode = errorcode
        self.exception_class = exception_class
        self.debuginfo_chars = debuginfo_chars
        self.fix = fix if fix is not None else self.default_fix

    def __str__(self) -> str:
        head = ": ".join(p for p in (self.function, self.errorcode or self.exception_class) if p)
        text = f"{head}: {self.message}" if head else self.message
        if self.debuginfo_chars:
            text += f" (debuginfo of {self.debuginfo_chars:,} chars not shown: it can hold values)"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(function={self.function!r}, errorcode={self.errorcode!r}, "
            f"exception_class={self.exception_class!r}, message={self.message!r})"
        )


# --------------------------------------------------------------------------- terminal


class InvalidToken(MoodleError, ConnectionRefused):
    cause = "token"
    default_fix = (
        "Moodle does not know this token. Make a new one with php local/registrybridge/cli/"
        "setup.php --new-token --token-file=PATH on the Moodle server (or Set up / repair on "
        "the plugin's set-up page), or by hand for the service user and the bridge's external "
        "service in Site administration > Server > Web services > Manage tokens, and put it "
        "in the bridge's token file."
    )


class AccessException(MoodleError, AccessRefused):
    default_fix = (
        "Moodle refused access to this function. php local/registrybridge/cli/setup.php "
        "--check on the Moodle server names what differs (run it without --check to repair). "
        "Set up by hand, check in Site administration > Server > Web services: the function "
        "is added to the bridge's external service (Functions); "
        "the service is enabled; the service user is an authorised user of a restricted "
        "service; the token has not expired (Manage tokens: valid until) and its IP "
        "restriction matches the bridge's address; the service user has the capability "
        "webservice/rest:use (and the service's required capability, if one is set)."
    )


class WebServicesDisabled(MoodleError, ConnectionRefused):
    default_fix = (
        "Moodle answers 403 before any web-service code runs: enable web services "
        "(Site administration > Advanced features > Enable web services) and the REST "
        "protocol (Site administration > Server > Web services > Manage protocols)."
    )


class MissingCapability(MoodleError, AccessRefused):
    default_fix = (
        "The service user's role lacks a capability this function checks (the message names "
        "its description). Add it to the bridge's role at system level (Site administration > "
        "Users > Permissions > Define roles); see reference 6.2 for the full list."
    )


class InvalidParameter(MoodleError, TerminalError):
    default_fix = (
        "Moodle rejected the request's parameters: this is a bridge bug or a Moodle version "
        "the bridge does not support. The bridge never shows Moodle's debuginfo (it echoes "
        "values): turn debugging on for the service user ($CFG->debugusers) and repeat the "
        "call in Site administration > Development > Web service test client to see the "
        "offending key."
    )


class RecordNotFound(MoodleError, TerminalError):
    default_fix = "The record no longer exists in Moodle (or never did)."


class FunctionNotInstalled(MoodleError, AccessRefused):
    cause = "function"
    default_fix = (
        "This function is not installed on the Moodle site: upgrade Moodle or install the "
        "plugin that provides it (e.g. the bridge's companion plugin), or disable the stream "
        "that needs it."
    )


class ContextNotValid(MoodleError, TerminalError):
    default_fix = (
        "Moodle would not let the service user into the course. Check: the service user has "
        "moodle/course:view (and viewhiddencourses / viewhiddenactivities) at system level; "
        "the account is fully set up (first name, last name, email, required profile fields) "
        "and not forced to change its password; it uses auth = webservice or has agreed to the "
        "site policy; the token is not restricted to another context."
    )


class ServiceUserNotUsable(MoodleError, ConnectionRefused):
    default_fix = (
        "The service user's account cannot be used: fix the account in Site administration > "
        "Users (see the error code)."
    )


class MoodleInternalError(MoodleError, TerminalError):
    default_fix = (
        "Moodle failed with an internal PHP error (a Moodle bug, often triggered by a missing "
        "record). Turn debugging on to see more, and check the site's PHP error log."
    )


class MoodleException(MoodleError, TerminalError):
    """An error code the bridge has no specific class for; ``errorcode`` says which."""

    default_fix = "See the error code and message; Moodle refused the request."


class UnexpectedResponse(MoodleError, TerminalError):
    """Moodle answered in a form the client never asks for (XML, unexpected HTTP status).

    An XML answer means Moodle did not see ``moodlewsrestformat=json``, i.e. it did
    not see the request's fields at all; retrying the same request cannot help.
    """

    default_fix = (
        "Moodle did not see the request's form fields (it answered XML or an unexpected "
        "status). Check that the configured URL is the site's final address (no redirect, "
        "which turns POST into GET) and that no proxy rewrites or strips POST bodies."
    )


class AnswerTooLarge(UnexpectedResponse):
    """An answer longer than ``max_answer_size``: reading stopped there, nothing decoded.

    Not sent again: Moodle would compute and send the same answer, at the same cost.
    """

    default_fix = (
        "Ask for less per call (smaller page_sizes for this stream), or raise the connector's "
        "max_answer_size if the machine has the memory (a decoded answer takes about four "
        "times its size)."
    )


class BadUrl(MoodleError, ConnectionRefused):
    default_fix = (
        "Set the Moodle URL to the site's wwwroot exactly as Moodle's config.php has it "
        "(scheme included, no trailing path, no redirect)."
    )


class TlsError(MoodleError, ConnectionRefused):
    default_fix = (
        "The site's TLS certificate could not be verified: install a valid certificate on "
        "the site, or point ca_bundle at the CA that signed it."
    )


# --------------------------------------------------------------------------- transient


class SiteMaintenance(MoodleError, TransientError):
    default_fix = "The site is in maintenance mode; the bridge retries later."


class ServerError(MoodleError, TransientError):
    default_fix = "The site or a proxy failed (5xx, HTML or empty answer); the bridge retries."


class NetworkError(MoodleError, TransientError):
    default_fix = "Moodle could not be reached (timeout, connection refused or reset)."


class AnswerTimedOut(NetworkError):
    """Moodle took the request and did not answer within the timeout.

    Not sent again as it was: PHP goes on computing an abandoned request, so each retry
    of a heavy read adds a whole computation to a site already too busy to answer
    (CONTRACTS 5). The run goes on without it and the next run asks again; the message
    names what makes the read lighter.
    """


class MoodleUnreachable(NetworkError, Unreachable):
    """No connection to the site at all (refused, unknown host, connect timeout).

    Its text is the plain cause, never the HTTP library's (``HTTPConnectionPool(...)``),
    and its fix says what to check rather than restating the problem.
    """

    def __init__(self, url: str, cause: str, *, function: str | None = None) -> None:
        super().__init__(
            f"cannot reach {url}: {cause}", function=function, url=url, cause=cause, lms="Moodle"
        )
        self.fix = unreachable_fix(url, "Moodle")

    def __str__(self) -> str:
        return self.message


class Stopped(MoodleError, TransientError):
    """A stop was requested while waiting; the work stays pending."""


# --------------------------------------------------------------------------- the tables

# Decoded by connectors.moodle.classify.

#: errorcode → class. Checked before the exception class.
BY_ERRORCODE: dict[str, type[MoodleError]] = {
    "invalidtoken": InvalidToken,
    "accessexception": AccessException,
    "sitemaintenance": SiteMaintenance,
    "nopermissions": MissingCapability,
    "accessdenied": MissingCapability,
    "wsusercannotassign": MissingCapability,
    # Messaging throws moodle_exception with an English sentence as errorcode.
    "You do not have permission to perform this action.": MissingCapability,
    "invalidparameter": InvalidParameter,
    "codingerror": InvalidParameter,
    "invaliduserfield": InvalidParameter,
    "keyalreadyset": InvalidParameter,
    "missingparam": InvalidParameter,
    "invalidrecord": RecordNotFound,
    "invaliduser": RecordNotFound,
    "invalidcourseid": RecordNotFound,
    "invalidcoursemodule": RecordNotFound,
    "User is not part of conversation.": RecordNotFound,
    "errorcoursecontextnotvalid": ContextNotValid,
    "usernotfullysetup": ServiceUserNotUsable,
    "wsaccessusersuspended": ServiceUserNotUsable,
    "wsaccessuserdeleted": ServiceUserNotUsable,
    "wsaccessusernologin": ServiceUserNotUsable,
    "wsaccessuserexpired": ServiceUserNotUsable,
    "wsaccessuserunconfirmed": ServiceUserNotUsable,
    "sitepolicynotagreed": ServiceUserNotUsable,
    "forcepasswordchangenotice": ServiceUserNotUsable,
    "requireloginerror": ServiceUserNotUsable,
    "restrictedcontextexception": ServiceUserNotUsable,
    "invalidresponse": MoodleInternalError,
    # dml_connection_exception: the database was unreachable, nothing ran.
    "dbconnectionfailed": ServerError,
}

#: Error codes Moodle builds from a translated sentence where it meant a code:
#: ``core_enrol_get_enrolled_users_with_capability`` throws
#: ``moodle_exception(get_string('errorcoursecontextnotvalid', ...))`` (Moodle 4.5, with an
#: empty "course id:" in it). The sentence's fixed start → the code it stands for.
SENTENCE_ERRORCODES: dict[str, str] = {
    "You cannot execute functions in the course context": "errorcoursecontextnotvalid",
}

#: exception class (namespace removed) → class, for error codes not listed above.
BY_EXCEPTION: dict[str, type[MoodleError]] = {
    "webservice_access_exception": AccessException,
    "required_capability_exception": MissingCapability,
    "invalid_parameter_exception": InvalidParameter,
    "coding_exception": InvalidParameter,
    "dml_missing_record_exception": RecordNotFound,
    "require_login_exception": ServiceUserNotUsable,
    "invalid_response_exception": MoodleInternalError,
}

#: Fixes more precise than the class's default, by errorcode.
FIX_BY_ERRORCODE: dict[str, str] = {
    "usernotfullysetup": (
        "Fill in the service user's first name, last name, email and every required custom "
        "profile field, and make sure its email is not over the bounce threshold."
    ),
    "wsaccessusersuspended": "Unsuspend the service user (Site administration > Users).",
    "wsaccessuserdeleted": "The service user was deleted: create a new one and a new token.",
    "wsaccessusernologin": (
        "The service user has auth = nologin: set its authentication to 'Web services "
        "authentication' (auth = webservice)."
    ),
    "wsaccessuserexpired": "The service user's password has expired: reset it.",
    "wsaccessuserunconfirmed": "Confirm the service user's account.",
    "sitepolicynotagreed": (
        "Give the service user auth = webservice (the site-policy check is skipped for it) "
        "or accept the site policy on its behalf."
    ),
    "forcepasswordchangenotice": (
        "Remove the 'force password change' flag from the service user "
        "(user preference auth_forcepasswordchange)."
    ),
    "requireloginerror": (
        "Moodle would not let the service user into a course or the site. For a course-level "
        "call that is most often moodle/course:view (moodle/course:viewhiddencourses for a "
        "hidden course) missing from the bridge's role at system level (Site administration "
        "> Users > Permissions > Define roles); otherwise check that the account is fully "
        "set up and not suspended (`bridge check` tells which)."
    ),
    "restrictedcontextexception": (
        "The token is restricted to a context: create a token in the system context."
    ),
    "wsusercannotassign": (
        "Allow the bridge's role to assign the student role (Define roles > Allow role "
        "assignments) and give it enrol/manual:enrol."
    ),
}


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
