"""The Moodle streams: one table row each, run by one engine loop.

In the Singer SDK's manner a stream is mostly declaration: a name, a parser
from :mod:`connectors.moodle.parse`, a fetcher that knows which web-service
calls to make, and a replication mode. :func:`run_stream` does the rest for
every stream alike: it parses each raw object, quarantines the ones that fail
validation, de-duplicates records within a batch, tracks the incremental
cursor and decides when a checkpoint is safe and when a listing is complete.

Requests grow with courses, assignments, teachers and pages, never with
students (CONTRACTS 5): rosters are read in pages, ids are sent in batches sized
by :meth:`MoodleClient.chunk_ids` under ``max_form_fields``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from connectors.base import Batch, Bookmark, Record, Reject, StreamUnavailable, TerminalError
from connectors.moodle import parse
from connectors.moodle.client import MoodleClient
from connectors.moodle.config import MoodleConfig
from connectors.moodle.errors import (
    AccessException,
    FunctionNotInstalled,
    RecordNotFound,
    UnexpectedResponse,
)
from connectors.moodle.functions import LOG_FUNCTION, TEACHER_CAPABILITY
from connectors.moodle.parse import Raw, SiteInfo

T = TypeVar("T")

log = logging.getLogger("connectors.moodle.streams")

#: Moodle's guest account (``$CFG->siteguest``), never a person.
GUEST_USER_ID = 1
GUEST_USERNAME = "guest"

ROSTER = "core_enrol_get_enrolled_users"

#: ``mod_assign_*`` warning codes that say something is missing from the answer
#: ("1" no access, "2" not enrolled); "3" only means "nothing found".
_HARMLESS_WARNINGS = frozenset({"3"})


@dataclass(frozen=True, slots=True)
class StreamContext:
    client: MoodleClient
    config: MoodleConfig
    site: SiteInfo


@dataclass(frozen=True, slots=True)
class Row:
    """One raw Moodle object and what the stream knows about it (passed to the parser)."""

    payload: Raw
    context: Mapping[str, Any] = field(default_factory=dict)
    lms_id: str | None = None


@dataclass(frozen=True, slots=True)
class Unit:
    """What a fetcher hands the engine for one batch.

    ``partial`` says Moodle left something out (a warning, a roster that moved
    while paging), so the unit must not count as a complete listing.
    ``scope`` marks a unit that is by itself the full listing of one course.
    """

    rows: Sequence[Row] = ()
    invalid: Sequence[tuple[Raw, str]] = ()
    scope: Mapping[str, Any] | None = None
    partial: bool = False
    checkpoint: Bookmark | None = None


Fetch = Callable[[StreamContext, int], Iterator[Unit]]


@dataclass(frozen=True, slots=True)
class Replication:
    """How a stream resumes and when its listing is complete.

    * ``full``: no server filter; the whole listing is one scope ``{"kind": "all"}``.
    * ``per_course``: no server filter; each course's batch is its own scope.
    * ``incremental``: a server ``since``-style filter; the bookmark is the
      highest ``cursor_field`` seen (server time, never the local clock) and
      is only safe once the whole run is read, so it rides on the last batch.
    * ``keyset``: an id cursor that is safe after every page.
    """

    mode: Literal["full", "per_course", "incremental", "keyset"]
    bookmark_key: str | None = None
    cursor_field: str | None = None

    def start(self, bookmark: Bookmark | None) -> int:
        if self.bookmark_key is None or not bookmark:
            return 0
        value = bookmark.get(self.bookmark_key) or 0
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise TerminalError(
                f"bookmark {dict(bookmark)!r}: {self.bookmark_key!r} must be a non-negative int",
                fix="Reset the stream's bookmark (the next run then reads everything).",
            )
        return value


FULL = Replication("full")
PER_COURSE = Replication("per_course")
SINCE_MODIFIED = Replication("incremental", "since", "time_modified")


@dataclass(frozen=True, slots=True)
class StreamSpec:
    name: str
    parse: Callable[..., Record | Iterable[Record]]
    fetch: Fetch
    replication: Replication


# --------------------------------------------------------------------------- engine


def run_stream(spec: StreamSpec, ctx: StreamContext, bookmark: Bookmark | None) -> Iterator[Batch]:
    """Run one stream: fetch units, parse them, and yield batches with safe checkpoints."""
    rep = spec.replication
    start = rep.start(bookmark)
    if rep.mode == "keyset":  # every page is safe to resume from: no lookahead needed
        for unit in spec.fetch(ctx, start):
            yield Batch(spec.name, *_parse_unit(spec, unit), checkpoint=unit.checkpoint)
        return
    cursor, partial = start, False
    for unit, final in _with_last(spec.fetch(ctx, start), empty=Unit()):
        records, rejects = _parse_unit(spec, unit)
        partial = partial or unit.partial
        if rep.cursor_field:
            seen = (getattr(r, rep.cursor_field, None) for r in records)
            cursor = max([cursor, *(s for s in seen if isinstance(s, int))])
        meta = _meta(rep, unit, final=final, cursor=cursor, partial=partial, scratch=start == 0)
        yield Batch(spec.name, records, rejects, **meta)


def _meta(
    rep: Replication, unit: Unit, *, final: bool, cursor: int, partial: bool, scratch: bool
) -> dict[str, Any]:
    """Checkpoint, completeness and scope of one batch (see :class:`Replication`)."""
    checkpoint = None
    if final:
        checkpoint = {rep.bookmark_key: cursor} if rep.bookmark_key else {}
    if rep.mode == "per_course":
        complete = unit.scope is not None and not unit.partial
        return {
            "checkpoint": checkpoint,
            "complete": complete,
            "scope": unit.scope if complete else None,
        }
    # An incremental run is a full listing only when it started from nothing.
    complete = final and not partial and (rep.mode == "full" or scratch)
    return {
        "checkpoint": checkpoint,
        "complete": complete,
        "scope": {"kind": "all"} if complete else None,
    }


def _parse_unit(spec: StreamSpec, unit: Unit) -> tuple[tuple[Record, ...], tuple[Reject, ...]]:
    records: dict[tuple[type, tuple[Any, ...]], Record] = {}
    rejects = [
        Reject(spec.name, reason, payload, _raw_id(payload)) for payload, reason in unit.invalid
    ]
    for row in unit.rows:
        try:
            produced = spec.parse(row.payload, **row.context)
        except ValueError as exc:
            lms_id = row.lms_id or _raw_id(row.payload)
            rejects.append(Reject(spec.name, str(exc), row.payload, lms_id))
            continue
        for record in [produced] if isinstance(produced, Record) else produced:
            records.setdefault((type(record), record.key), record)
    return tuple(records.values()), tuple(rejects)


def _raw_id(payload: Raw) -> str | None:
    value = payload.get("id") if isinstance(payload, Mapping) else None
    return None if value is None else str(value)


def _with_last(items: Iterator[T], empty: T) -> Iterator[tuple[T, bool]]:
    """Pairs each item with whether it is the last (one item of lookahead); ``empty`` if none."""
    previous: list[T] = []
    for item in items:
        if previous:
            yield previous[0], False
        previous = [item]
    yield (previous[0] if previous else empty), True


# --------------------------------------------------------------------------- building blocks


def _expect(answer: Any, kind: type, function: str) -> Any:
    if not isinstance(answer, kind):
        raise UnexpectedResponse(
            f"expected a JSON {kind.__name__}, got {type(answer).__name__}", function=function
        )
    return answer


def _list(answer: Any, key: str, function: str) -> list[Raw]:
    items = _expect(answer, dict, function).get(key) or []
    return [item for item in _expect(items, list, function) if isinstance(item, Mapping)]


def _int_or_none(value: Any) -> int | None:
    try:
        return parse.req_id({"id": value})
    except ValueError:
        return None


def _warned(ctx: StreamContext, function: str, answer: Any) -> bool:
    """Log Moodle's per-item warnings; True when one means data is missing."""
    partial = False
    warnings = answer.get("warnings") if isinstance(answer, Mapping) else None
    for warning in warnings or ():
        code = str(warning.get("warningcode"))
        if code in _HARMLESS_WARNINGS:
            continue
        partial = True
        item = f"{warning.get('item')} {warning.get('itemid')}"
        log.warning("%s warns about %s: %s (%s)", function, item, code, warning.get("message"))
    return partial


def roster_pages(
    ctx: StreamContext, course_id: int, fields: str, *extra: Mapping[str, Any]
) -> Iterator[tuple[list[Raw], bool]]:
    """Pages of ``core_enrol_get_enrolled_users`` (sorted by id) as ``(rows, shifted)``.

    Each page re-reads the previous page's last row. If that row is not where
    it was, users before it left the roster while paging and a row may have
    been skipped: the page is marked ``shifted`` so its listing is not trusted
    as complete. Rows read twice (a user inserted before) are dropped.
    """
    size = ctx.config.roster_page_size
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
        page = [row for row in _expect(answer, list, ROSTER) if isinstance(row, Mapping)]
        ids = [_int_or_none(row.get("id")) for row in page]
        shifted = bool(offset and page and (ids[0] or 0) > last_id)
        fresh = [row for row, i in zip(page, ids, strict=True) if i is None or i > last_id]
        last_id = max([last_id, *(i for i in ids if i is not None)])
        yield fresh, shifted
        if len(page) < size:
            return
        offset += len(page) - overlap


def _is_person(raw: Raw, ctx: StreamContext) -> bool:
    """CONTRACTS 2: guest, service user, webservice accounts and excluded names aren't persons."""
    user_id = _int_or_none(raw.get("id"))
    username = str(raw.get("username") or "").lower()
    excluded = {name.lower() for name in ctx.config.exclude_usernames} | {GUEST_USERNAME}
    return (
        user_id not in (GUEST_USER_ID, ctx.site.service_user_id)
        and username not in excluded
        and raw.get("auth") != "webservice"
    )


def _course_ids(ctx: StreamContext) -> list[int]:
    function = "core_course_get_courses_by_field"
    courses = _list(ctx.client.call(function), "courses", function)
    ids = {_int_or_none(course.get("id")) for course in courses}
    return sorted(i for i in ids if i is not None and i != ctx.site.site_id)


def _course_batches(
    ctx: StreamContext, other_params: Mapping[str, Any], per_item: int = 1
) -> list[list[int]]:
    """All course ids (front page excluded) in batches that fit one request each."""
    return list(
        ctx.client.chunk_ids(
            _course_ids(ctx),
            per_item_fields=per_item,
            other_params=other_params,
            max_items=ctx.config.course_batch_size,
        )
    )


def _assignments(ctx: StreamContext) -> Iterator[Any]:
    """``mod_assign_get_assignments`` answers, one per batch of courses."""
    function = "mod_assign_get_assignments"
    flag = {"includenotenrolledcourses": 1}  # the service user is enrolled nowhere (ref. 2.14)
    calls = ((function, {"courseids": b, **flag}) for b in _course_batches(ctx, flag))
    return ctx.client.call_many(calls)


def _assignment_rows(answer: Any) -> list[Raw]:
    function = "mod_assign_get_assignments"
    return [
        a
        for course in _list(answer, "courses", function)
        for a in _list(course, "assignments", function)
    ]


# --------------------------------------------------------------------------- fetchers


def fetch_users(ctx: StreamContext, _start: int) -> Iterator[Unit]:
    """Front-page roster trick for the ids (paged), then details in batches per page."""
    function = "core_user_get_users_by_field"
    for page, shifted in roster_pages(ctx, ctx.site.site_id, "id"):
        ids: list[int] = []
        invalid: list[tuple[Raw, str]] = []
        for row in page:
            user_id = _int_or_none(row.get("id"))
            if user_id is None:
                invalid.append((row, f"roster entry without a valid id: {row.get('id')!r}"))
            elif user_id not in (GUEST_USER_ID, ctx.site.service_user_id):
                ids.append(user_id)
        batches = list(
            ctx.client.chunk_ids(
                ids, other_params={"field": "id"}, max_items=ctx.config.user_batch_size
            )
        )
        calls = ((function, {"field": "id", "values": [str(i) for i in b]}) for b in batches)
        answers = list(ctx.client.call_many(calls))
        users = [u for answer in answers for u in _expect(answer, list, function)]
        rows = [Row(u) for u in users if isinstance(u, Mapping) and _is_person(u, ctx)]
        yield Unit(rows=rows, invalid=invalid, partial=shifted)


def fetch_courses(ctx: StreamContext, _start: int) -> Iterator[Unit]:
    function = "core_course_get_courses_by_field"
    answer = ctx.client.call(function)
    courses = _list(answer, "courses", function)
    rows = [Row(c) for c in courses if _int_or_none(c.get("id")) != ctx.site.site_id]
    yield Unit(rows=rows, partial=_warned(ctx, function, answer))


def fetch_enrolments(ctx: StreamContext, _start: int) -> Iterator[Unit]:
    """Per course: the roster with roles and groups, and the ``onlysuspended`` ids."""
    fields = "id,username,roles,groups,lastcourseaccess"
    suspended_option = {"name": "onlysuspended", "value": 1}
    for course_id in _course_ids(ctx):
        rows: list[Row] = []
        shifted = False
        suspended: set[int | None] = set()
        for page, moved in roster_pages(ctx, course_id, "id", suspended_option):
            suspended.update(_int_or_none(r.get("id")) for r in page)
            shifted = shifted or moved
        for page, moved in roster_pages(ctx, course_id, fields):
            shifted = shifted or moved
            for raw in page:
                if _is_person(raw, ctx):
                    is_suspended = _int_or_none(raw.get("id")) in suspended
                    rows.append(Row(raw, {"course_id": course_id, "suspended": is_suspended}))
        yield Unit(rows=rows, scope={"course": course_id}, partial=shifted)


def fetch_gradebook(ctx: StreamContext, _start: int) -> Iterator[Unit]:
    """One ``gradereport_user_get_grade_items`` call per course (all graded users)."""
    function = "gradereport_user_get_grade_items"
    course_ids = _course_ids(ctx)
    answers = ctx.client.call_many((function, {"courseid": c}) for c in course_ids)
    for course_id, answer in zip(course_ids, answers, strict=True):
        rows = [
            Row(
                item,
                {"course_id": course_id, "user_id": user.get("userid")},
                lms_id=f"{item.get('id')}:{user.get('userid')}",
            )
            for user in _list(answer, "usergrades", function)
            for item in _list(user, "gradeitems", function)
        ]
        partial = _warned(ctx, function, answer)
        yield Unit(rows=rows, scope={"course": course_id}, partial=partial)


def fetch_assignments(ctx: StreamContext, _start: int) -> Iterator[Unit]:
    for answer in _assignments(ctx):
        partial = _warned(ctx, "mod_assign_get_assignments", answer)
        yield Unit(rows=[Row(a) for a in _assignment_rows(answer)], partial=partial)


@dataclass(frozen=True, slots=True)
class AssignmentChildren:
    """Fetcher for per-assignment lists with a ``since`` filter (submissions, grades).

    The two streams differ only in the function and the list key.
    """

    function: str
    list_key: str

    def __call__(self, ctx: StreamContext, since: int) -> Iterator[Unit]:
        ids: set[int] = set()
        listing_partial = False
        for answer in _assignments(ctx):
            listing_partial = _warned(ctx, "mod_assign_get_assignments", answer) or listing_partial
            ids.update(i for a in _assignment_rows(answer) if (i := _int_or_none(a.get("id"))))
        params = {"since": since} if since else {}
        batches = ctx.client.chunk_ids(
            sorted(ids), other_params=params, max_items=ctx.config.assignment_batch_size
        )
        calls = ((self.function, {"assignmentids": b, **params}) for b in batches)
        units = 0
        for answer in ctx.client.call_many(calls):
            rows = [
                Row(child, {"assignment_id": assignment.get("assignmentid")})
                for assignment in _list(answer, "assignments", self.function)
                for child in _list(assignment, self.list_key, self.function)
            ]
            partial = listing_partial or _warned(ctx, self.function, answer)
            units += 1
            yield Unit(rows=rows, partial=partial)
        if not units and listing_partial:
            yield Unit(partial=True)


def _teacher_ids(ctx: StreamContext) -> list[int]:
    function = "core_enrol_get_enrolled_users_with_capability"
    options = [{"name": "userfields", "value": "id"}]
    teachers: set[int] = set()
    # Each course adds two fields: courseid and capabilities[0].
    for batch in _course_batches(ctx, {"options": options}, per_item=2):
        pairs = [{"courseid": c, "capabilities": [TEACHER_CAPABILITY]} for c in batch]
        answer = ctx.client.call(function, {"coursecapabilities": pairs, "options": options})
        for entry in _expect(answer, list, function):
            users = entry.get("users") if isinstance(entry, Mapping) else None
            teachers.update(i for u in users or () if (i := _int_or_none(u.get("id"))))
    return sorted(teachers)


def _latest_message_time(conversation: Raw) -> int | None:
    messages = conversation.get("messages") or []
    times = [m.get("timecreated") for m in messages if isinstance(m, Mapping)]
    return max((t for t in times if isinstance(t, int)), default=None)


def _recent_conversations(ctx: StreamContext, teacher: int, timefrom: int) -> Iterator[Raw]:
    """A teacher's individual conversations, newest first, until one is older than ``timefrom``."""
    function = "core_message_get_conversations"
    size = ctx.config.conversation_page_size
    offset = 0
    while True:
        params = {"userid": teacher, "type": 1, "limitfrom": offset, "limitnum": size}
        page = _list(ctx.client.call(function, params), "conversations", function)
        for conversation in page:
            latest = _latest_message_time(conversation)
            if latest is None or latest < timefrom:
                return  # sorted by latest message: every later one is older
            yield conversation
        if len(page) < size:
            return
        offset += len(page)


def fetch_messages(ctx: StreamContext, timefrom: int) -> Iterator[Unit]:
    """Teachers' conversations with messages at or after ``timefrom``; one unit per teacher."""
    function = "core_message_get_conversation_messages"
    seen: set[int] = set()
    for teacher in _teacher_ids(ctx):
        rows: list[Row] = []
        for conversation in _recent_conversations(ctx, teacher, timefrom):
            conversation_id = _int_or_none(conversation.get("id"))
            if conversation_id is None or conversation_id in seen:
                continue  # the same conversation, seen from its other teacher
            seen.add(conversation_id)
            listed = _list(conversation, "members", "core_message_get_conversations")
            members = {_int_or_none(m.get("id")) for m in listed}
            member_ids = tuple(sorted({teacher, *(m for m in members if m)}))
            params = {"currentuserid": teacher, "convid": conversation_id, "timefrom": timefrom}
            try:
                answer = ctx.client.call(function, params)
            except RecordNotFound as exc:  # deleted between listing and reading
                log.warning("conversation %s vanished while reading: %s", conversation_id, exc)
                continue
            context = {"conversation_id": conversation_id, "member_ids": member_ids}
            rows.extend(Row(m, context) for m in _list(answer, "messages", function))
        yield Unit(rows=rows)


_LOG_FIX = (
    "Install the bridge's companion plugin (local_registrybridge) on the Moodle site and add "
    f"{LOG_FUNCTION} to the bridge's external service; or disable the 'logs' stream."
)


def fetch_logs(ctx: StreamContext, since_id: int) -> Iterator[Unit]:
    """Keyset pages of the companion plugin's log reader; each page is a safe checkpoint."""
    if LOG_FUNCTION not in ctx.site.functions:
        raise StreamUnavailable("companion plugin not installed", fix=_LOG_FIX)
    while True:
        params = {"sinceid": since_id, "limit": ctx.config.log_page_size}
        try:
            answer = _expect(ctx.client.call(LOG_FUNCTION, params), dict, LOG_FUNCTION)
        except (FunctionNotInstalled, AccessException) as exc:
            raise StreamUnavailable("companion plugin not installed", fix=_LOG_FIX) from exc
        entries = _list(answer, "entries", LOG_FUNCTION)
        last_id = _int_or_none(answer.get("lastid")) or since_id
        has_more = bool(answer.get("hasmore"))
        if last_id < since_id or (has_more and last_id == since_id):
            raise UnexpectedResponse(
                f"log reader did not advance (sinceid {since_id}, lastid {last_id})",
                function=LOG_FUNCTION,
            )
        # The service user's own calls and the echoes of its pushes are not learner
        # activity (CONTRACTS 1): leave them out, but still move the bookmark past them.
        own = ctx.site.service_user_id
        rows = [Row(e) for e in entries if not (isinstance(e, dict) and e.get("userid") == own)]
        yield Unit(rows=rows, checkpoint={"sinceid": last_id})
        if not has_more:
            return
        since_id = last_id


# --------------------------------------------------------------------------- the table

_SUBMISSIONS = AssignmentChildren("mod_assign_get_submissions", "submissions")
_GRADES = AssignmentChildren("mod_assign_get_grades", "grades")
_MESSAGES = Replication("incremental", "timefrom", "time_created")

#: Every stream, in the order a full sync runs them.
STREAMS: dict[str, StreamSpec] = {
    spec.name: spec
    for spec in (
        StreamSpec("users", parse.parse_user, fetch_users, FULL),
        StreamSpec("courses", parse.parse_course, fetch_courses, FULL),
        StreamSpec("enrolments", parse.parse_enrolment, fetch_enrolments, PER_COURSE),
        StreamSpec("gradebook", parse.parse_grade_cell, fetch_gradebook, PER_COURSE),
        StreamSpec("assignments", parse.parse_assignment, fetch_assignments, FULL),
        StreamSpec("submissions", parse.parse_submission, _SUBMISSIONS, SINCE_MODIFIED),
        StreamSpec("assignment_grades", parse.parse_assignment_grade, _GRADES, SINCE_MODIFIED),
        StreamSpec("messages", parse.parse_message, fetch_messages, _MESSAGES),
        StreamSpec("logs", parse.parse_log_entry, fetch_logs, Replication("keyset", "sinceid")),
    )
}
