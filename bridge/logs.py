"""Logging set-up: readable text or JSON lines, with secrets masked in every record."""

from __future__ import annotations

import json
import logging
import sys
import warnings
from datetime import UTC, datetime
from typing import Any

from connectors.redaction import MASK, redact, secret_forms

__all__ = ["MASK", "configure_logging", "secret_filter"]


class SecretMaskingFilter(logging.Filter):
    """Replaces every registered secret (in each of its encodings) in a record's message.

    The message is not all a line shows: the formatter adds a traceback's text (an
    exception's message can quote a record's fields, the token among them) and the JSON
    lines add ``ctx_`` fields. :class:`_Masked` masks the finished line as well.
    """

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= 4:
            self._secrets.update(secret_forms(secret))

    def mask(self, text: str) -> str:
        return redact(text, self._secrets) if self._secrets else text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        masked = redact(message, self._secrets)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class _Masked(logging.Formatter):
    """A formatter whose finished line (traceback and extra fields included) is masked."""

    def format(self, record: logging.LogRecord) -> str:
        return secret_filter.mask(self._render(record))

    def _render(self, record: logging.LogRecord) -> str:
        return super().format(record)

    def formatException(self, ei: Any) -> str:
        # Cached on the record as exc_text, which other handlers reuse: mask it there too.
        return secret_filter.mask(super().formatException(ei))


class JsonFormatter(_Masked):
    def _render(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key.startswith("ctx_"):
                entry[key[4:]] = value
        if record.exc_info and record.exc_info[0] is not None:
            entry["error_type"] = record.exc_info[0].__name__
        return json.dumps(entry, default=str)


secret_filter = SecretMaskingFilter()


def configure_logging(level: int = logging.WARNING, fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(secret_filter)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(_Masked("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    _quiet_http_library(level)


def _quiet_http_library(level: int) -> None:
    """urllib3's own log lines and warnings (``HTTPConnectionPool(...)``, unverified HTTPS)
    say in library terms what the bridge already says in the user's: show them only at
    debug level (``-vv``). The bridge warns about a weak transport itself."""
    debugging = level <= logging.DEBUG
    logging.getLogger("urllib3").setLevel(logging.NOTSET if debugging else logging.CRITICAL)
    if not debugging:
        warnings.filterwarnings("ignore", module=r"urllib3(\.|$)")
