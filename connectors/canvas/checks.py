"""``bridge check`` for Canvas: the token, the account, and each account permission.

Canvas answers ``GET /api/v1/accounts/:id/permissions?permissions[]=...`` with true or
false per permission for the token's user, so every permission the enabled streams and
the configured push modes need is asked in one call, without changing anything, and each
missing one is named with where to grant it. The hosting country (N9) is a general key of
the section, refused by the settings themselves when outside the EU/EEA.
"""

from __future__ import annotations

from connectors.base import Check, CheckReport, ConnectorError
from connectors.canvas import endpoints as ep
from connectors.canvas.client import CanvasClient
from connectors.canvas.config import CanvasConfig
from connectors.canvas.push import NO_REQUESTS


def needed_permissions(config: CanvasConfig) -> dict[str, list[str]]:
    """Each permission the configuration needs, with what needs it."""
    needs: dict[str, list[str]] = {}
    uses = [(f"stream {s}", ep.STREAM_ENDPOINTS.get(s, ())) for s in config.streams]
    for key in ("always", config.revoke_access, config.erasure):
        uses.append((f"push ({key})", ep.PUSH_ENDPOINTS.get(key, ())))
    for user, endpoints in uses:
        for permission in (p for endpoint in endpoints for p in endpoint.permissions):
            needs.setdefault(permission, [])
            if user not in needs[permission]:
                needs[permission].append(user)
    return needs


def diagnose(client: CanvasClient, config: CanvasConfig) -> CheckReport:
    checks: list[Check] = []
    try:
        me = client.get(ep.SELF)
    except ConnectorError as exc:
        fix = getattr(exc, "fix", None)
        return CheckReport(None, (Check("token", False, str(exc), fix),))
    checks.append(Check("token", True, f"accepted; acts as user {me.get('id')}"))
    try:
        account = client.get(ep.ACCOUNT, account_id=config.account_id)
    except ConnectorError as exc:
        checks.append(Check("account", False, str(exc), getattr(exc, "fix", None)))
        return CheckReport(None, tuple(checks))
    name = str(account.get("name") or config.account_id)
    checks.append(Check("account", True, f"{name} (id {account.get('id')})"))
    needs = needed_permissions(config)
    try:
        granted = client.get(ep.PERMISSIONS, {"permissions[]": sorted(needs)},
                             account_id=config.account_id)
    except ConnectorError as exc:
        checks.append(Check("permissions", False, str(exc), getattr(exc, "fix", None)))
        return CheckReport(None, tuple(checks))
    for permission in sorted(needs):
        ok = bool(granted.get(permission))
        detail = "needed by " + ", ".join(needs[permission])
        fix = None if ok else ep.where_to_grant(permission, name)
        checks.append(Check(f"permission {permission}", ok, detail, fix))
    if config.erasure != "delete_user":
        checks.append(Check("erasure", False, f"erasure = {config.erasure!r}", NO_REQUESTS))
    return CheckReport("Canvas", tuple(checks))
