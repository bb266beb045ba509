"""Logging set-up: readable text or JSON lines, with secrets masked in every record."""

from __future__ import annotations

import json
import logging
import sys
import warnings
from datetime import UTC, datetime

from connectors.redaction import MASK, redact

__all__ = ["MASK", "configure_logging", "secret_filter"]


class SecretMaskingFilter(logging.Filter):
    """Replaces every registered secret value in a record's final message."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= 4:
            self._secrets.add(secret)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        masked = redact(message, self._secrets)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
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
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
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
