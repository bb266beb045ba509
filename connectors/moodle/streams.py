"""The Moodle streams: one table row each, run by the shared engine.

A stream is declared as data: a name, a parser from
:mod:`connectors.moodle.parse`, a fetcher that knows which web-service calls to
make, and a replication mode. :func:`connectors.streams.run_stream` does the
rest, the same for every stream and every LMS.

Requests grow with courses, assignments, teachers and pages, never with
students (CONTRACTS 5): rosters are read in pages (:mod:`connectors.moodle.paging`),
ids are sent in batches sized by :meth:`MoodleClient.chunk_ids` under
``max_form_fields``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from connectors.base import StreamUnavailable
from connectors.moodle import conversations, parse
from connectors.moodle.digests import stream_digest
from connectors.moodle.errors import (
    AccessException,
    FunctionNotInstalled,
)
from connectors.moodle.fields import Raw, kind_of
from connectors.moodle.functions import GRADES_FUNCTION, LOG_FUNCTION, TEACHER_CAPABILITY
from connectors.moodle.hints import changed_courses, course_times
from connectors.moodle.paging import (
    StreamContext,
    entries,
    expect,
    int_or_none,
    keyset_pages,
    object_list,
    recent_conversations,
    roster_pages,
)
from connectors.streams import FULL, PER_COURSE, SINCE_MODIFIED, Replication, Row, StreamSpec, Unit

log = logging.getLogger("connectors.moodle.streams")

#: Moodle's guest account (``$CFG->siteguest``), never a person.
GUEST_USER_ID = 1
GUEST_USERNAME = "guest"

#: ``mod_assign_*`` warning codes that say something is missing from the answer
#: ("1" no access, "2" not enrolled); "3" only means "nothing found".
_HARMLESS_WARNINGS = frozenset({"3"})

#: Why a paged roster is not a complete listing (users left or joined while paging).
SHIFTED = "the roster changed while it was read page by page"
#: Why an answer with Moodle's per-item warnings is not a complete listing.
WARNED = "Moodle warned that it left items out"


# --------------------------------------------------------------------------- building blocks


def _warned(ctx: StreamContext, function: str, answer: Any) -> bool:
    """Log Moodle's per-item warnings (code and item only); True when one means data is missing."""
    partial = False
    warnings = answer.get("warnings") if isinstance(answer, Mapping) else None
    for warning in expect(warnings or [], list, function):
        if not isinstance(warning, Mapping):
            log.warning("%s sent a warning that is not an object", function)
            partial = True  # cannot tell what it is about: assume something is missing
            continue
        code = str(warning.get("warningcode"))
        if code in _HARMLESS_WARNINGS:
            continue
        partial = True
        # Never the message: Moodle words it for people and it can name one (an e-mail).
        item = f"{warning.get('item')} {warning.get('itemid')}"
        log.warning("%s warns about %s: %s", function, item, code)
    return partial




def _cell(item: Any, user: Raw) -> str:
    """A gradebook cell's quarantine id: the item's and the user's ids as Moodle sent them."""
    item_id = item.get("id") if isinstance(item, Mapping) else None
    return f"{item_id}:{user.get('userid')}"


def _is_person(raw: Raw, ctx: StreamContext) -> bool:
    """CONTRACTS 2: guest, service user, webservice accounts and excluded names aren't persons."""
    user_id = int_or_none(raw.get("id"))
    username = str(raw.get("username") or "").lower()
    excluded = {name.lower() for name in ctx.config.exclude_usernames} | {GUEST_USERNAME}
    return (
        user_id not in (GUEST_USER_ID, ctx.site.service_user_id)
        and username not in excluded
        and raw.get("auth") != "webservice"
    )


def _course_times(ctx: StreamContext) -> dict[int, int]:
    """Every course (front page excluded) with its ``timemodified``."""
    function = "core_course_get_courses_by_field"
    courses = object_list(ctx.client.call(function), "courses", function)
    return {c: t for c, t in course_times(courses).items() if c != ctx.site.site_id}


def _course_ids(ctx: StreamContext) -> list[int]:
    return sorted(_course_times(ctx))


def _course_batches(
    ctx: StreamContext, other_params: Mapping[str, Any], per_item: int = 1
) -> list[list[int]]:
    """All course ids (front page excluded) in batches that fit one request each."""
    return list(
        ctx.client.chunk_ids(
            _course_ids(ctx),
            per_item_fields=per_item,
            other_params=other_params,
            max_items=ctx.config.page_sizes.courses,
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
        for course in object_list(answer, "courses", function)
        for a in object_list(course, "assignments", function)
    ]


# --------------------------------------------------------------------------- fetchers


def fetch_users(ctx: StreamContext, _start: int) -> Iterator[Unit]:
    """Front-page roster trick for the ids (paged), then details in batches per page."""
    function = "core_user_get_users_by_field"
    for page, shifted in roster_pages(ctx, ctx.site.site_id, "id"):
        ids: list[int] = []
        invalid: list[tuple[Raw, str]] = []
        for row in page:
            user_id = int_or_none(row.get("id"))
            if user_id is None:
                reason = f"roster entry without a valid id: {kind_of(row.get('id'))}"
                invalid.append((row, reason))
            elif user_id not in (GUEST_USER_ID, ctx.site.service_user_id):
                ids.append(user_id)
        batches = list(
            ctx.client.chunk_ids(
                ids, other_params={"field": "id"}, max_items=ctx.config.page_sizes.users
            )
        )
        calls = ((function, {"field": "id", "values": [str(i) for i in b]}) for b in batches)
        answers = list(ctx.client.call_many(calls))
        users = [u for answer in answers for u in expect(answer, list, function)]
        rows = [Row(u) for u in users if not isinstance(u, Mapping) or _is_person(u, ctx)]
        yield Unit(rows=rows, invalid=invalid, partial=shifted, why=SHIFTED if shifted else "")


def fetch_courses(ctx: StreamContext, _start: int) -> Iterator[Unit]:
    function = "core_course_get_courses_by_field"
    answer = ctx.client.call(function)
    courses = object_list(answer, "courses", function)
    rows = [Row(c) for c in courses if int_or_none(c.get("id")) != ctx.site.site_id]
    partial = _warned(ctx, function, answer)
    yield Unit(rows=rows, partial=partial, why=WARNED if partial else "")


def fetch_enrolments(ctx: StreamContext, _start: int) -> Iterator[Unit]:
    """Per course: the roster with roles and groups, and the ``onlysuspended`` ids."""
    fields = "id,username,roles,groups,lastcourseaccess"
    suspended_option = {"name": "onlysuspended", "value": 1}
    for course_id in _course_ids(ctx):
        rows: list[Row] = []
        shifted = False
        suspended: set[int | None] = set()
        for page, moved in roster_pages(ctx, course_id, "id", suspended_option):
            suspended.update(int_or_none(r.get("id")) for r in page)
            shifted = shifted or moved
        for page, moved in roster_pages(ctx, course_id, fields):
            shifted = shifted or moved
            for raw in page:
                if _is_person(raw, ctx):
                    is_suspended = int_or_none(raw.get("id")) in suspended
                    rows.append(Row(raw, {"course_id": course_id, "suspended": is_suspended}))
        why = f"{SHIFTED} (course {course_id})" if shifted else ""
        yield Unit(rows=rows, scope={"course": course_id}, partial=shifted, why=why)


def fetch_gradebook(ctx: StreamContext, since: int) -> Iterator[Unit]:
    """Each course's gradebook; after the first run only the courses the change hints name
    (:mod:`connectors.moodle.hints`). With the companion plugin's reader, a bounded page of
    stored grades at a time (:func:`_stored_gradebook`); without it, one
    ``gradereport_user_get_grade_items`` call per course, whose cost grows with the course.
    """
    function = "gradereport_user_get_grade_items"
    hints = changed_courses(ctx, _course_times(ctx), since)
    course_ids = sorted(hints.changed)
    if not course_ids:
        yield Unit(cursor=hints.newest)
    if GRADES_FUNCTION in ctx.site.functions:
        for course_id in course_ids:
            yield from _stored_gradebook(ctx, course_id, hints.newest)
        return
    answers = ctx.client.call_many((function, {"courseid": c}) for c in course_ids)
    for course_id, answer in zip(course_ids, answers, strict=True):
        rows = [
            Row(item, {"course_id": course_id, "user_id": user.get("userid")}, _cell(item, user))
            for user in object_list(answer, "usergrades", function)
            for item in entries(user, "gradeitems", function)
        ]
        partial = _warned(ctx, function, answer)
        why = WARNED if partial else ""
        scope = {"course": course_id}
        yield Unit(rows=rows, scope=scope, partial=partial, why=why, cursor=hints.newest)


def _stored_gradebook(ctx: StreamContext, course_id: int, cursor: int) -> Iterator[Unit]:
    """One course's items and grades as the companion plugin reads them, page by page; every
    page belongs to the course's listing (its scope), so removals are still marked per
    course. Grades of learners whose enrolment is suspended or has ended are included."""
    limit, context = ctx.config.page_sizes.grades, {"course_id": course_id}
    pages = keyset_pages(ctx, GRADES_FUNCTION, {"courseid": course_id}, 0, limit)
    for answer, _ in pages:
        rows = [
            Row(item, {**context, "shape": "item"})
            for item in object_list(answer, "items", GRADES_FUNCTION)
        ] + [
            Row(grade, {**context, "shape": "grade"}, _stored_grade_id(grade))
            for grade in object_list(answer, "grades", GRADES_FUNCTION)
        ]
        yield Unit(rows=rows, scope={"course": course_id}, cursor=cursor)


def _stored_grade_id(grade: Raw) -> str | None:
    """A stored grade's quarantine id, in the form of a report cell's: item and user."""
    return _cell({"id": grade.get("itemid")}, grade) if isinstance(grade, Mapping) else None


def fetch_assignments(ctx: StreamContext, _start: int) -> Iterator[Unit]:
    for answer in _assignments(ctx):
        partial = _warned(ctx, "mod_assign_get_assignments", answer)
        rows = [Row(a) for a in _assignment_rows(answer)]
        yield Unit(rows=rows, partial=partial, why=WARNED if partial else "")


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
            ids.update(i for a in _assignment_rows(answer) if (i := int_or_none(a.get("id"))))
        params = {"since": since} if since else {}
        batches = ctx.client.chunk_ids(
            sorted(ids), other_params=params, max_items=ctx.config.page_sizes.assignments
        )
        calls = ((self.function, {"assignmentids": b, **params}) for b in batches)
        units = 0
        for answer in ctx.client.call_many(calls):
            rows = [
                Row(child, {"assignment_id": assignment.get("assignmentid")})
                for assignment in object_list(answer, "assignments", self.function)
                for child in entries(assignment, self.list_key, self.function)
            ]
            partial = listing_partial or _warned(ctx, self.function, answer)
            units += 1
            yield Unit(rows=rows, partial=partial, why=WARNED if partial else "")
        if not units and listing_partial:
            yield Unit(partial=True, why=WARNED)


def _teacher_ids(ctx: StreamContext) -> list[int]:
    function = "core_enrol_get_enrolled_users_with_capability"
    options = [{"name": "userfields", "value": "id"}]
    teachers: set[int] = set()
    # Each course adds two fields: courseid and capabilities[0].
    for batch in _course_batches(ctx, {"options": options}, per_item=2):
        pairs = [{"courseid": c, "capabilities": [TEACHER_CAPABILITY]} for c in batch]
        answer = ctx.client.call(function, {"coursecapabilities": pairs, "options": options})
        for entry in expect(answer, list, function):
            users = object_list(entry, "users", function) if isinstance(entry, Mapping) else []
            teachers.update(i for u in users if (i := int_or_none(u.get("id"))))
    return sorted(teachers)


def fetch_messages(ctx: StreamContext, timefrom: int) -> Iterator[Unit]:
    """Teachers' individual and group conversations, each read from both sides.

    One unit per teacher; a conversation shared by two teachers is read once.
    See :mod:`connectors.moodle.conversations` for why two views and which.
    """
    teachers = _teacher_ids(ctx)
    seen: set[int] = set()
    for teacher in teachers:
        rows: list[Row] = []
        for conversation in recent_conversations(ctx, teacher, timefrom):
            conversation_id = int_or_none(conversation.get("id"))
            if conversation_id is None or conversation_id in seen:
                continue  # the same conversation, seen from its other teacher
            if not conversations.is_teacher_student(conversation):
                continue  # the teacher's own notes (self-conversation)
            seen.add(conversation_id)
            rows += conversations.conversation_rows(ctx, teacher, conversation, teachers, timefrom)
        yield Unit(rows=rows)


_LOG_FIX = (
    "Install the bridge's companion plugin (local_registrybridge) on the Moodle site and add "
    f"{LOG_FUNCTION} to the bridge's external service; or disable the 'logs' stream."
)


def fetch_logs(ctx: StreamContext, since_id: int) -> Iterator[Unit]:
    """Keyset pages of the companion plugin's log reader; each page is a safe checkpoint."""
    if LOG_FUNCTION not in ctx.site.functions:
        raise StreamUnavailable("companion plugin not installed", fix=_LOG_FIX)
    pages = keyset_pages(ctx, LOG_FUNCTION, {}, since_id, ctx.config.page_sizes.logs)
    try:
        for answer, last_id in pages:
            entries = object_list(answer, "entries", LOG_FUNCTION)
            # The service user's own calls and the echoes of its pushes are not learner
            # activity (CONTRACTS 1): leave them out, but still move the bookmark past them.
            own = ctx.site.service_user_id
            rows = [Row(e) for e in entries if not (isinstance(e, dict) and e.get("userid") == own)]
            yield Unit(rows=rows, checkpoint={"sinceid": last_id})
    except (FunctionNotInstalled, AccessException) as exc:
        raise StreamUnavailable("companion plugin not installed", fix=_LOG_FIX) from exc


# --------------------------------------------------------------------------- the table

_SUBMISSIONS = AssignmentChildren("mod_assign_get_submissions", "submissions")
_GRADES = AssignmentChildren("mod_assign_get_grades", "grades")
_MESSAGES = Replication("incremental", "timefrom", "time_created")
#: Per course, re-read only where the change hints say something changed since the bookmark.
_HINTED = Replication("per_course", "since", "graded_at")

def _fingerprinted(
    name: str, parser: Any, fetch: Any, replication: Replication
) -> StreamSpec[StreamContext]:
    """A stream skipped when its tables' fingerprints did not change
    (:mod:`connectors.moodle.digests`)."""
    return StreamSpec(name, parser, fetch, replication, stream_digest(name))


#: Every stream, in the order a full sync runs them; each but the log (whose keyset pages
#: cost one short call when nothing is new) skipped when its tables did not change.
STREAMS: dict[str, StreamSpec[StreamContext]] = {
    spec.name: spec
    for spec in (
        _fingerprinted("users", parse.parse_user, fetch_users, FULL),
        _fingerprinted("courses", parse.parse_course, fetch_courses, FULL),
        _fingerprinted("enrolments", parse.parse_enrolment, fetch_enrolments, PER_COURSE),
        _fingerprinted("gradebook", parse.parse_gradebook_row, fetch_gradebook, _HINTED),
        _fingerprinted("assignments", parse.parse_assignment, fetch_assignments, FULL),
        _fingerprinted("submissions", parse.parse_submission, _SUBMISSIONS, SINCE_MODIFIED),
        _fingerprinted(
            "assignment_grades", parse.parse_assignment_grade, _GRADES, SINCE_MODIFIED
        ),
        _fingerprinted("messages", parse.parse_message, fetch_messages, _MESSAGES),
        StreamSpec("logs", parse.parse_log_entry, fetch_logs, Replication("keyset", "sinceid")),
    )
}
