"""The product's one exception root, each error carrying the exit code the CLI maps it to
and, where there is one, what to do about it.

The root itself, :class:`BridgeError`, is defined in :mod:`connectors.root` and named
here: connectors never import ``bridge`` (CONTRACTS 2), yet their errors
(``connectors.base.ConnectorError`` and its transient and terminal branches) live beneath
the same root, so the CLI maps every failure in one ``except`` and a fix is worded in one
place (:func:`describe`).

Exit codes (CONTRACTS 3): 0 success, 1 operation failed, 2 usage or configuration
error, 3 another process holds the lease, 4 operator not permitted.
"""

from __future__ import annotations

from connectors.root import BridgeError, describe

__all__ = [
    "BridgeError",
    "ConfigError",
    "DatabaseNotReady",
    "LeaseHeld",
    "NotPermitted",
    "OperationFailed",
    "UsageError",
    "describe",
]


class OperationFailed(BridgeError):
    """The operation ran and failed (or partly failed)."""

    exit_code = 1


class UsageError(BridgeError):
    """The command was given something it cannot work with."""

    exit_code = 2


class ConfigError(BridgeError):
    """The configuration is wrong. Names the file, the key path and the line when known."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        key: str | None = None,
        line: int | None = None,
    ) -> None:
        self.file, self.key, self.line, self.detail = file, key, line, message
        where = ": ".join(
            part
            for part in (
                file,
                (f"{key} (line {line})" if line else key)
                if key
                else (f"line {line}" if line else None),
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)


class DatabaseNotReady(BridgeError):
    """The register's schema is behind the code."""

    exit_code = 2


class LeaseHeld(BridgeError):
    """Another process holds the lease for this work."""

    exit_code = 3


class NotPermitted(BridgeError):
    """The acting operator's role does not allow this command."""

    exit_code = 4
