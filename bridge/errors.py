"""The product's one exception root, each error carrying the exit code the CLI maps it to
and, where there is one, what to do about it.

The connectors' errors (``connectors.base.ConnectorError`` and its transient and
terminal branches) live beneath this root too, so the CLI maps every failure in one
``except`` and a fix is worded in one place (:func:`describe`). This module imports
nothing of the product: it is the one module of ``bridge`` a connector may import.

Exit codes (CONTRACTS 3): 0 success, 1 operation failed, 2 usage or configuration
error, 3 another process holds the lease, 4 operator not permitted.
"""

from __future__ import annotations


class BridgeError(Exception):
    """Root of every error the bridge reports to a user."""

    exit_code = 1
    #: What to do about it, in the user's own terms; None when the message says it all.
    fix: str | None = None

    def described(self) -> str:
        """The error as a person reads it: the message, and the fix when there is one."""
        return describe(self)


def describe(error: BridgeError, fix: str | None = None) -> str:
    """An error as one line with what to do about it: ``message (fix: ...)``.

    The one place the fix is worded, so a push's last error, a sync run's error and
    the CLI's message read alike. ``fix`` replaces the error's own when the caller
    knows a more precise one.
    """
    fix = fix or error.fix
    return f"{error} (fix: {fix})" if fix else str(error)


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
