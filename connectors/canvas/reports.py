"""Every login's state in one read: Canvas's provisioning report (``users.csv``).

Canvas lists logins per user only (``pseudonyms#index``), so the users stream would ask
once per learner to know who is suspended, against "requests grow with pages, not people"
(CONTRACTS 5). The provisioning report is the account's bulk read of the same thing: one
``POST`` starts it, a few polls wait for it, one download fetches ``users.csv`` with a
row per login (``canvas_user_id``, ``login_id``, ``status``: the login's
``workflow_state``, ``active`` or ``suspended``; deleted logins are left out). So a users
sync costs the same few requests for ten users as for ten thousand, plus the listing's
pages. The token's user needs "Reports - manage" (``read_reports``); ``bridge check``
names it. There is no per-user fallback: one would cost a request per learner.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from connectors.base import TerminalError
from connectors.canvas import endpoints as ep
from connectors.canvas.client import CanvasClient
from connectors.canvas.config import CanvasConfig
from connectors.canvas.errors import ServerError

#: The first wait before asking again, and the longest; each wait doubles the last.
FIRST_POLL_S = 0.5
LONGEST_POLL_S = 15.0
#: Canvas's ``AccountReport`` workflow states that will never become ``complete``.
FAILED = ("error", "aborted", "deleted")

Logins = dict[int, list[dict[str, str]]]


def login_states(client: CanvasClient, config: CanvasConfig) -> Logins:
    """Each Canvas user id with its logins (``unique_id``, ``workflow_state``) in the root
    account, as the provisioning report lists them."""
    account = config.account_id
    report = client.send(ep.START_REPORT, {"parameters[users]": "true"}, account_id=account)
    waited, delay = 0.0, FIRST_POLL_S
    while _status(report) != "complete":
        if _status(report) in FAILED:
            raise ServerError(f"Canvas's provisioning report ended {_status(report)!r} "
                              "instead of complete")
        if waited >= config.report_timeout_s:
            raise TerminalError(
                f"Canvas's provisioning report was not complete after "
                f"{config.report_timeout_s:g}s ({_progress(report)})",
                fix="check Canvas's job queue (Admin > Reports shows the report), or raise "
                "report_timeout in the connector's section")
        client.pause(delay)
        waited, delay = waited + delay, min(delay * 2, LONGEST_POLL_S)
        report = client.get(ep.REPORT_STATUS, account_id=account, report_id=report.get("id"))
    attachment = report.get("attachment")
    url = attachment.get("url") if isinstance(attachment, Mapping) else None
    if not isinstance(url, str) or not url:
        raise ServerError("Canvas's complete provisioning report has no attachment url")
    return parse_users_csv(client.download(ep.REPORT_FILE, url))


def parse_users_csv(content: bytes) -> Logins:
    """``users.csv`` as user id → logins; rows without a numeric ``canvas_user_id`` are
    skipped (the report's columns are translated headers only in a non-English locale,
    which ``bridge check`` cannot see: such a file yields no rows and fails loudly)."""
    reader = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
    if "canvas_user_id" not in (reader.fieldnames or ()) or "status" not in (
            reader.fieldnames or ()):
        raise ServerError("Canvas's provisioning report has no canvas_user_id and status "
                          f"columns (it has {', '.join(reader.fieldnames or ()) or 'none'})")
    logins: Logins = {}
    for row in reader:
        user_id = (row.get("canvas_user_id") or "").strip()
        if user_id.isdigit():
            logins.setdefault(int(user_id), []).append(
                {"unique_id": row.get("login_id") or "", "workflow_state": row.get("status") or ""})
    return logins


def _status(report: Any) -> str:
    return str(report.get("status") or "") if isinstance(report, Mapping) else ""


def _progress(report: Any) -> str:
    progress = report.get("progress") if isinstance(report, Mapping) else None
    return f"{progress}% done" if progress is not None else "no progress shown"
