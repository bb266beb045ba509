"""Reading Moodle lists that do not come in one answer, and checking their shape.

Rosters and conversations are read page by page (CONTRACTS 5): a page is
``limitfrom``/``limitnumber`` (or ``limitnum``) over a stable order, and paging
stops at the first short page. The roster pager also notices when the roster
moved under it. :class:`StreamContext` is what the pagers and the stream
fetchers in :mod:`connectors.moodle.streams` share.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from connectors.moodle.client import MoodleClient
from connectors.moodle.config import MoodleConfig
from connectors.moodle.digests import TableDigests
from connectors.moodle.errors import UnexpectedResponse
from connectors.moodle.fields import Raw, req_id
from connectors.moodle.parse import SiteInfo

ROSTER = "core_enrol_get_enrolled_users"


@dataclass(frozen=True, slots=True)
class StreamContext:
    """What every Moodle fetcher needs: the client, the settings and the site's facts
    (with the plugin's table fingerprints, when the connector reads them)."""

    client: MoodleClient
    config: MoodleConfig
    site: SiteInfo
    digests: TableDigests | None = None


def expect(answer: Any, kind: type, function: str) -> Any:
    """``answer`` if it is a ``kind``; otherwise Moodle answered something we cannot read."""
    if not isinstance(answer, kind):
        raise UnexpectedResponse(
            f"expected a JSON {kind.__name__}, got {type(answer).__name__}", function=function
        )
    return answer


def object_list(answer: Any, key: str, function: str) -> list[Raw]:
    """The objects of the list ``answer[key]`` (missing means empty; stray scalars are dropped)."""
    items = expect(answer, dict, function).get(key) or []
    return [item for item in expect(items, list, function) if isinstance(item, Mapping)]


def int_or_none(value: Any) -> int | None:
    """A positive id, or ``None`` for anything else: the caller decides what that means."""
    try:
        return req_id({"id": value})
    except ValueError:
        return None


def roster_pages(
    ctx: StreamContext, course_id: int, fields: str, *extra: Mapping[str, Any]
) -> Iterator[tuple[list[Raw], bool]]:
    """Pages of ``core_enrol_get_enrolled_users`` (sorted by id) as ``(rows, shifted)``.

    Each page re-reads the previous page's last row. If that row is not where
    it was, users before it left the roster while paging and a row may have
    been skipped: the page is marked ``shifted`` so its listing is not trusted
    as complete. Rows read twice (a user inserted before) are dropped.
    """
    size = ctx.config.page_sizes.roster
    overlap = 1 if size > 1 else 0
    offset, last_id = 0, 0
    while True:
        options = [
            {"name": "userfields", "value": fields},
            *extra,
            {"name": "limitfrom", "value": offset},
            {"name": "limitnumber", "value": size},
        ]
        answer = ctx.client.call(ROSTER, {"courseid": course_id, "options": options})
        page = [row for row in expect(answer, list, ROSTER) if isinstance(row, Mapping)]
        ids = [int_or_none(row.get("id")) for row in page]
        shifted = bool(offset and page and (ids[0] or 0) > last_id)
        fresh = [row for row, i in zip(page, ids, strict=True) if i is None or i > last_id]
        last_id = max([last_id, *(i for i in ids if i is not None)])
        yield fresh, shifted
        if len(page) < size:
            return
        offset += len(page) - overlap


def latest_message_time(conversation: Raw) -> int | None:
    """When the conversation's newest listed message was sent (``None`` without messages)."""
    messages = conversation.get("messages") or []
    times = [m.get("timecreated") for m in messages if isinstance(m, Mapping)]
    return max((t for t in times if isinstance(t, int)), default=None)


def recent_conversations(ctx: StreamContext, teacher: int, timefrom: int) -> Iterator[Raw]:
    """A teacher's conversations, newest first, until one is older than ``timefrom``.

    One listing for every type (``type`` not sent): individual and group
    conversations come in one sequence of pages. Self-conversations (type 3)
    are in it too and the caller leaves them out. A full read (``timefrom`` 0)
    also yields conversations in which the teacher sees no message (listed
    last): the other members may still see messages the teacher deleted.
    """
    function = "core_message_get_conversations"
    size = ctx.config.page_sizes.conversations
    offset = 0
    while True:
        params = {"userid": teacher, "limitfrom": offset, "limitnum": size}
        page = object_list(ctx.client.call(function, params), "conversations", function)
        for conversation in page:
            latest = latest_message_time(conversation)
            if timefrom and (latest is None or latest < timefrom):
                return  # sorted by latest message: every later one is older
            yield conversation
        if len(page) < size:
            return
        offset += len(page)

def entries(answer: Any, key: str, function: str) -> list[Any]:
    """The items of the list ``answer[key]`` where each item is one record: an item that
    is not an object is kept, so that the engine quarantines it instead of losing it."""
    return list(expect(expect(answer, dict, function).get(key) or [], list, function))


def keyset_pages(
    ctx: StreamContext, function: str, params: Mapping[str, Any], since_id: int, limit: int
) -> Iterator[tuple[dict[str, Any], int]]:
    """The companion plugin's keyset pages: each answer with its ``lastid``, calling again
    with ``sinceid = lastid`` while ``hasmore``. A page that does not move the key forward
    is refused rather than asked for again (the paginator never loops)."""
    while True:
        answer = expect(
            ctx.client.call(function, {**params, "sinceid": since_id, "limit": limit}),
            dict,
            function,
        )
        last_id = int_or_none(answer.get("lastid")) or since_id
        has_more = bool(answer.get("hasmore"))
        if last_id < since_id or (has_more and last_id == since_id):
            raise UnexpectedResponse(
                f"{function} did not advance (sinceid {since_id}, lastid {last_id})",
                function=function,
            )
        yield answer, last_id
        if not has_more:
            return
        since_id = last_id
