"""Canvas's account reports: every login's state, and every user's last request, in one
read each.

Canvas lists logins per user only (``pseudonyms#index``), so the users stream would ask
once per learner to know who is suspended, against "requests grow with pages, not people"
(CONTRACTS 5). The provisioning report is the account's bulk read of the same thing: one
``POST`` starts it, a few polls wait for it, one download fetches ``users.csv`` with a
row per login (``canvas_user_id``, ``login_id``, ``status``: the login's
``workflow_state``, ``active`` or ``suspended``; deleted logins are left out). So a users
sync costs the same few requests for ten users as for ten thousand, plus the listing's
pages. The token's user needs "Reports - manage" (``read_reports``); ``bridge check``
names it. There is no per-user fallback: one would cost a request per learner.

The activity log uses the "Last User Access" report (``last_user_access_csv``: ``user
id``, ``last access at``, the login's ``last_request_at``) the same way, to ask for page
views only the users who made a request since the last read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from connectors.base import TerminalError
from connectors.canvas import endpoints as ep
from connectors.canvas import parse
from connectors.canvas.client import CanvasClient
from connectors.canvas.config import CanvasConfig
from connectors.canvas.errors import ServerError

#: The first wait before asking again, and the longest; each wait doubles the last.
FIRST_POLL_S = 0.5
LONGEST_POLL_S = 15.0
#: Canvas's ``AccountReport`` workflow states that will never become ``complete``.
FAILED = ("error", "aborted", "deleted")

Logins = dict[int, list[dict[str, str]]]
PROVISIONING = "provisioning_csv"
LAST_ACCESS = "last_user_access_csv"
#: The columns read from the Last User Access report (``student_reports.rb#last_user_access``).
ACCESS_COLUMNS = ("user id", "last access at")


def login_states(client: CanvasClient, config: CanvasConfig) -> Logins:
    """Each Canvas user id with its logins (``unique_id``, ``workflow_state``) in the root
    account, as the provisioning report lists them."""
    return parse_users_csv(run(client, config, PROVISIONING, {"parameters[users]": "true"}))


def last_access(client: CanvasClient, config: CanvasConfig) -> dict[int, int]:
    """Each Canvas user id with the time of its last request (epoch seconds), from the
    "Last User Access" report: a user whose last request is older than a time has no page
    views since it, so the activity log asks only the others."""
    return parse_access_csv(run(client, config, LAST_ACCESS))


def run(client: CanvasClient, config: CanvasConfig, report_type: str,
        parameters: Mapping[str, str] | None = None) -> bytes:
    """Start one account report, poll it until complete (doubling waits, within
    ``report_timeout_s``, ended by a stop) and download its file."""
    account = config.account_id
    report = client.send(ep.START_REPORT, dict(parameters or {}), account_id=account,
                         report=report_type)
    waited, delay = 0.0, FIRST_POLL_S
    while _status(report) != "complete":
        if _status(report) in FAILED:
            raise ServerError(f"Canvas's {report_type} report ended {_status(report)!r} "
                              "instead of complete")
        if waited >= config.report_timeout_s:
            raise TerminalError(
                f"Canvas's {report_type} report was not complete after "
                f"{config.report_timeout_s:g}s ({_progress(report)})",
                fix="check Canvas's job queue (Admin > Reports shows the report), or raise "
                "report_timeout_s in the connector's section")
        client.pause(delay)
        waited, delay = waited + delay, min(delay * 2, LONGEST_POLL_S)
        report = client.get(ep.REPORT_STATUS, account_id=account, report=report_type,
                            report_id=report.get("id"))
    attachment = report.get("attachment")
    url = attachment.get("url") if isinstance(attachment, Mapping) else None
    if not isinstance(url, str) or not url:
        raise ServerError(f"Canvas's complete {report_type} report has no attachment url")
    return client.download(ep.REPORT_FILE, url)


def _reader(content: bytes, columns: tuple[str, ...], report_type: str) -> csv.DictReader:
    reader = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
    if not set(columns) <= set(reader.fieldnames or ()):
        raise ServerError(f"Canvas's {report_type} report has no {' and '.join(columns)} "
                          f"columns (it has {', '.join(reader.fieldnames or ()) or 'none'})")
    return reader


def parse_access_csv(content: bytes) -> dict[int, int]:
    """``last_user_access_csv`` as user id → its latest request (a row per login; a login
    that never made a request has an empty time and no entry)."""
    latest: dict[int, int] = {}
    for row in _reader(content, ACCESS_COLUMNS, LAST_ACCESS):
        user_id, when = (row.get(c) or "" for c in ACCESS_COLUMNS)
        try:
            seconds = parse.epoch(when.strip() or None)
        except ValueError:
            raise ServerError(f"Canvas's {LAST_ACCESS} report has a time that is not ISO "
                              f"8601: {when[:40]!r}") from None
        if user_id.strip().isdigit() and seconds is not None:
            latest[int(user_id)] = max(seconds, latest.get(int(user_id), seconds))
    return latest


def parse_users_csv(content: bytes) -> Logins:
    """``users.csv`` as user id → logins; rows without a numeric ``canvas_user_id`` are
    skipped (the report's columns are translated headers only in a non-English locale,
    which ``bridge check`` cannot see: such a file yields no rows and fails loudly)."""
    reader = _reader(content, ("canvas_user_id", "status"), PROVISIONING)
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
