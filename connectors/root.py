"""The product's one exception root, defined where a connector can reach it.

Connectors never import ``bridge`` (CONTRACTS 2), and the product wants one root for every
error it reports, the connectors' included; so the root lives here, below both, and
``bridge.errors`` names it for the register's side. It imports nothing.
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
