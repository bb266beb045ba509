"""The Canvas streams, declared against the shared engine (:mod:`connectors.streams`).

Listings are read page by page as Canvas links them. Per-course streams are complete
per course (their scope), so the register marks removals course by course; the users
and courses listings are complete for the whole account. The activity log (page views)
is incremental by time: each active user's page views since the bookmark, read from the
server time Canvas gives, never the local clock. Canvas offers no change filter for users,
courses, enrolments or grades, so those are full listings; the register skips rows whose
content did not change, so a second sync writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from connectors.canvas import endpoints as ep
from connectors.canvas import parse, reports
from connectors.canvas.client import CanvasClient
from connectors.canvas.config import CanvasConfig
from connectors.streams import FULL, PER_COURSE, Replication, Row, StreamSpec, Unit

Raw = Mapping[str, Any]
TEACHER_TYPES = ("TeacherEnrollment", "TaEnrollment")
#: A user's conversations are the inbox (no scope), the archived and the sent ones.
SCOPES: tuple[dict[str, str], ...] = ({}, {"scope": "archived"}, {"scope": "sent"})


@dataclass
class CanvasContext:
    """What every fetcher gets: the client, the settings and the token's own user."""

    client: CanvasClient
    config: CanvasConfig
    self_id: int

    @cached_property
    def course_ids(self) -> list[int]:
        """Every course of the account (one listing per run of a stream)."""
        pages = self.client.pages(ep.COURSES, account_id=self.config.account_id)
        ids = (c.get("id") for page in pages for c in page if isinstance(c, Mapping))
        return sorted(i for i in ids if isinstance(i, int) and not isinstance(i, bool))

    def is_person(self, raw: Raw) -> bool:
        """The token's own user and excluded login ids are not persons (CONTRACTS 2)."""
        excluded = {name.lower() for name in self.config.exclude_login_ids}
        login = str(raw.get("login_id") or "").lower()
        return raw.get("id") != self.self_id and login not in excluded

    def account_users(self) -> Iterator[list[Raw]]:
        params = {"include[]": ["email", "last_login"]}
        yield from self.client.pages(ep.ACCOUNT_USERS, params, account_id=self.config.account_id)


def fetch_users(ctx: CanvasContext, _start: int) -> Iterator[Unit]:
    """The account's users page by page, each with its logins (suspended or not).

    Login states come from one provisioning report (:mod:`connectors.canvas.reports`), not
    a login read per user: requests grow with pages, not people (CONTRACTS 5). The listing
    is read first and the report started after it, so every listed user existed when the
    report began: one created in between cannot be taken for a user without a login."""
    pages = list(ctx.account_users())
    logins = reports.login_states(ctx.client, ctx.config)
    for page in pages:
        rows = []
        for user in page:
            if isinstance(user, Mapping) and not ctx.is_person(user):
                continue
            user_id = user.get("id") if isinstance(user, Mapping) else None
            rows.append(Row(user, {"logins": logins.get(user_id, []) if isinstance(
                user_id, int) else []}))
        yield Unit(rows=rows)


def fetch_courses(ctx: CanvasContext, _start: int) -> Iterator[Unit]:
    for page in ctx.client.pages(ep.COURSES, account_id=ctx.config.account_id):
        yield Unit(rows=[Row(course) for course in page])


def _enrollments(ctx: CanvasContext, course_id: int, **params: Any) -> list[Raw]:
    query = {"state[]": list(parse.LISTED_STATES), **params}
    return [e for page in ctx.client.pages(ep.ENROLLMENTS, query, course_id=course_id)
            for e in page if isinstance(e, Mapping)]


def fetch_enrolments(ctx: CanvasContext, _start: int) -> Iterator[Unit]:
    """Per course: the enrolments in every listed state, grouped per user."""
    for course_id in ctx.course_ids:
        grouped: dict[Any, list[Raw]] = {}
        for enrolment in _enrollments(ctx, course_id):
            if enrolment.get("user_id") != ctx.self_id:
                grouped.setdefault(enrolment.get("user_id"), []).append(enrolment)
        rows = [Row({"user_id": user, "enrollments": group}, {"course_id": course_id})
                for user, group in grouped.items()]
        yield Unit(rows=rows, scope={"course": course_id})


def _submissions(ctx: CanvasContext, course_id: int) -> list[Raw]:
    pages = ctx.client.pages(ep.SUBMISSIONS, {"student_ids[]": "all"}, course_id=course_id)
    return [s for page in pages for s in page if isinstance(s, Mapping)]


def _assignments(ctx: CanvasContext, course_id: int) -> list[Raw]:
    pages = ctx.client.pages(ep.ASSIGNMENTS, course_id=course_id)
    return [a for page in pages for a in page if isinstance(a, Mapping)]


def fetch_gradebook(ctx: CanvasContext, _start: int) -> Iterator[Unit]:
    """Per course: assignments as items, scored submissions as grades, course grades."""
    for course_id in ctx.course_ids:
        context = {"course_id": course_id}
        rows = [Row(a, {**context, "shape": "item"}) for a in _assignments(ctx, course_id)]
        rows += [Row(s, {**context, "shape": "grade"}) for s in _submissions(ctx, course_id)]
        students = _enrollments(ctx, course_id, **{"type[]": ["StudentEnrollment"]})
        rows += [Row(e, {**context, "shape": "course"}) for e in students]
        yield Unit(rows=rows, scope={"course": course_id})


def fetch_assignments(ctx: CanvasContext, _start: int) -> Iterator[Unit]:
    for course_id in ctx.course_ids:
        rows = [Row(a, {"course_id": course_id}) for a in _assignments(ctx, course_id)]
        yield Unit(rows=rows, scope={"course": course_id})


def fetch_submissions(ctx: CanvasContext, _start: int) -> Iterator[Unit]:
    """Per course: every submission a learner made (unsubmitted placeholders left out)."""
    for course_id in ctx.course_ids:
        rows = [Row(s) for s in _submissions(ctx, course_id)
                if s.get("workflow_state") != "unsubmitted"]
        yield Unit(rows=rows, scope={"course": course_id})


def fetch_assignment_grades(ctx: CanvasContext, _start: int) -> Iterator[Unit]:
    for course_id in ctx.course_ids:
        rows = [Row(s) for s in _submissions(ctx, course_id) if s.get("score") is not None]
        yield Unit(rows=rows, scope={"course": course_id})


def fetch_messages(ctx: CanvasContext, _start: int) -> Iterator[Unit]:
    """The conversations of every teacher of every course, read as that teacher
    (``as_user_id``: Canvas lists conversations only to their participants)."""
    teachers: set[int] = set()
    for course_id in ctx.course_ids:
        staff = _enrollments(ctx, course_id, **{"type[]": list(TEACHER_TYPES)})
        teachers.update(e["user_id"] for e in staff if isinstance(e.get("user_id"), int))
    seen: set[int] = set()
    for teacher in sorted(teachers - {ctx.self_id}):
        as_user = {"as_user_id": teacher}
        rows: list[Row] = []
        listed = (conversation for scope in SCOPES
                  for page in ctx.client.pages(ep.CONVERSATIONS, {**as_user, **scope})
                  for conversation in page)
        for conversation in listed:
            conversation_id = conversation.get("id")
            if isinstance(conversation_id, int) and conversation_id not in seen:
                seen.add(conversation_id)
                query = {**as_user, "auto_mark_as_read": "false"}  # leave their unread as is
                full = ctx.client.get(ep.CONVERSATION, query, conversation_id=conversation_id)
                members = tuple(sorted(p["id"] for p in full.get("participants") or ()
                                       if isinstance(p.get("id"), int)))
                if not set(members) - teachers - {ctx.self_id}:
                    continue  # among staff only: not a teacher's talk with a learner
                context = {"conversation_id": conversation_id, "members": members}
                rows += [Row(m, context) for m in full.get("messages") or ()]
        yield Unit(rows=rows)


def fetch_logs(ctx: CanvasContext, since: int) -> Iterator[Unit]:
    """Each user's page views since the bookmark (less the overlap: Canvas stores page
    views asynchronously, so one can appear later than a newer one). Users who never
    logged in have none. After the first read, the "Last User Access" report says, in one
    read, who made a request since the bookmark: only they can have new page views, so only
    they are asked, and a read after a quiet spell asks nobody (CONTRACTS 5)."""
    since = max(0, since - ctx.config.page_view_overlap_s) if since else 0
    start = {"start_time": parse.iso(since)} if since else {}
    active = reports.last_access(ctx.client, ctx.config) if since else None
    for page in ctx.account_users():
        for user in page:
            user_id = user.get("id") if isinstance(user, Mapping) else None
            if not isinstance(user_id, int) or not ctx.is_person(user):
                continue  # the users stream quarantines what is not a user
            if active is not None and active.get(user_id, 0) < since:
                continue  # no request since the bookmark: no page view either
            if active is None and user.get("last_login") in (None, ""):
                continue  # never logged in
            views = [v for p in ctx.client.pages(ep.PAGE_VIEWS, start, user_id=user_id)
                     for v in p]
            yield Unit(rows=[Row(v, {"user_id": user_id}) for v in views])


LOGS = Replication("incremental", "since", "time_created")

STREAMS: dict[str, StreamSpec[CanvasContext]] = {
    "users": StreamSpec("users", parse.parse_user, fetch_users, FULL),
    "courses": StreamSpec("courses", parse.parse_course, fetch_courses, FULL),
    "enrolments": StreamSpec("enrolments", parse.parse_enrolment, fetch_enrolments, PER_COURSE),
    "gradebook": StreamSpec("gradebook", parse.parse_grade_row, fetch_gradebook, PER_COURSE),
    "assignments": StreamSpec("assignments", parse.parse_assignment, fetch_assignments,
                              PER_COURSE),
    "submissions": StreamSpec("submissions", parse.parse_submission, fetch_submissions,
                              PER_COURSE),
    "assignment_grades": StreamSpec("assignment_grades", parse.parse_assignment_grade,
                                    fetch_assignment_grades, PER_COURSE),
    "messages": StreamSpec("messages", parse.parse_message, fetch_messages, FULL),
    "logs": StreamSpec("logs", parse.parse_page_view, fetch_logs, LOGS),
}
