"""Canvas's HTTP answers as the connector's errors, each with what to do about it.

Canvas says who refused what in the status and a small JSON body: ``401`` with
``Invalid access token`` (and a ``WWW-Authenticate`` header) for a dead token; ``401`` or
``403`` with ``"status": "unauthorized"`` for a permission the token's user lacks; ``403``
with ``Rate Limit Exceeded`` when the request-cost bucket is empty; ``404`` for a missing
object. The token never appears in any of these messages.
"""

from __future__ import annotations

from typing import ClassVar

from connectors.base import AccessRefused, TerminalError, TransientError
from connectors.canvas.endpoints import Endpoint, where_to_grant


class TokenRefused(AccessRefused):
    """Canvas does not accept the access token (deleted, expired, or mistyped)."""

    cause: ClassVar[str] = "token"


class PermissionRefused(AccessRefused):
    """The token's user lacks an account permission the endpoint needs."""

    cause: ClassVar[str] = "permission"

    def __init__(self, message: str, *, permission: str | None, fix: str | None) -> None:
        super().__init__(message, fix=fix)
        self.permission = permission


class NotFound(TerminalError):
    """Canvas has no such object (or the account id is wrong)."""


class RateLimited(TransientError):
    """Canvas's request-cost bucket is empty: wait, then try again."""


class ServerError(TransientError):
    """Canvas answered 5xx, or not within the timeout."""


def token_fix(token_file: str | None) -> str:
    where = f"put it in {token_file} (readable by its owner only)" if token_file else (
        "put it in the token file named by token_file (readable by its owner only)")
    return (
        "create a new access token in Canvas (Account > Settings > Approved Integrations "
        f"> + New Access Token, as the integration user) and {where}"
    )


def error_for(status: int, body: str, endpoint: Endpoint, *, account: str,
              token_file: str | None = None, retry_after: float | None = None) -> Exception:
    """The error for a non-2xx answer of ``endpoint`` (``body`` is Canvas's text, short)."""
    what = f"{endpoint.method} {endpoint.path}"
    lowered = body.lower()
    if status == 403 and "rate limit exceeded" in lowered:
        return RateLimited(f"{what}: Canvas's rate limit is exceeded", retry_after=retry_after)
    if status == 401 and "as_user_id" in lowered:  # masquerading refused
        return PermissionRefused(f"{what}: Canvas refuses to act as that user",
                                 permission="become_user",
                                 fix=where_to_grant("become_user", account))
    if status == 401 and "not authorized" not in lowered and '"unauthorized"' not in lowered:
        return TokenRefused(f"{what}: Canvas refuses the access token (401 invalid token)",
                            fix=token_fix(token_file))
    if status in (401, 403):
        permission = endpoint.permission
        needs = f" needs the account permission {permission}" if permission else ""
        fix = where_to_grant(permission, account) if permission else (
            "give the token's user an account admin role on the configured account")
        return PermissionRefused(f"{what}: Canvas refuses: the token's user{needs}",
                                 permission=permission, fix=fix)
    if status == 404:
        return NotFound(f"{what}: Canvas has no such object (404)",
                        fix="check account_id and that the object still exists in Canvas")
    if status == 429 or status >= 500:
        return ServerError(f"{what}: Canvas answered {status}", retry_after=retry_after)
    return TerminalError(f"{what}: Canvas answered {status}: {body[:200]}")
