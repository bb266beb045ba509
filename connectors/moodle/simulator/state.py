"""The simulated site: every table in memory, with the indexes the handlers need.

``SiteState`` only stores and finds rows; what Moodle *does* when a user is
deleted or unenrolled lives in ``lifecycle.py``. Reads see every change at
once (there is no caching), so a suspend is visible to the next call.
"""

from __future__ import annotations

import functools
import itertools
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from connectors.moodle.simulator.access import CAPABILITIES, ROLE_IDS, SiteConfig, Token
from connectors.moodle.simulator.model import (
    AssignGrade,
    Assignment,
    Category,
    Conversation,
    Course,
    DataRequest,
    Enrolment,
    GradebookGrade,
    GradeItem,
    Group,
    LogRow,
    Message,
    Submission,
    User,
)

SITE_ID = 1
ADMIN_ID = 2
GUEST_ID = 1

#: Context levels and the synthetic context ids used in log rows.
CONTEXT_SYSTEM, CONTEXT_USER, CONTEXT_COURSE, CONTEXT_MODULE = 10, 30, 50, 70
_CONTEXT_BASE = {CONTEXT_SYSTEM: 0, CONTEXT_USER: 3_000_000, CONTEXT_COURSE: 1_000_000,
                 CONTEXT_MODULE: 2_000_000}


@functools.cache
def _event_parts(eventname: str) -> tuple[str, str, str]:
    """``\\core\\event\\user_updated`` -> (``core``, ``user``, ``updated``)."""
    namespace, _, classname = eventname.strip("\\").rpartition("\\event\\")
    target, _, action = classname.rpartition("_")
    return namespace, target, action


def context_id(level: int, instance: int) -> int:
    return 1 if level == CONTEXT_SYSTEM else _CONTEXT_BASE[level] + instance


class SiteState:
    """All rows of one simulated Moodle site."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] | None = None,
        config: SiteConfig | None = None,
    ) -> None:
        self.clock: Callable[[], float] = clock or time.time
        self.config = config or SiteConfig()
        self.users: dict[int, User] = {}
        self.categories: dict[int, Category] = {}
        self.courses: dict[int, Course] = {}
        self.enrolments: dict[int, Enrolment] = {}
        self.course_enrolments: dict[int, dict[int, list[Enrolment]]] = {}
        #: Courses a user has any enrolment in (no entry: none).
        self.user_courses: dict[int, set[int]] = {}
        self.lastcourseaccess: dict[tuple[int, int], int] = {}
        self.groups: dict[int, Group] = {}
        self.grade_items: dict[int, GradeItem] = {}
        self.course_items: dict[int, list[int]] = {}
        self.gradebook: dict[tuple[int, int], GradebookGrade] = {}
        self.assignments: dict[int, Assignment] = {}
        self.submissions: dict[int, dict[int, Submission]] = {}  # assignment -> user -> latest
        self.assign_grades: dict[int, dict[int, AssignGrade]] = {}  # assignment -> user -> grade
        self.conversations: dict[int, Conversation] = {}
        self.user_conversations: dict[int, list[int]] = {}
        self.messages: dict[int, list[Message]] = {}  # conversation -> messages by id
        self.message_deletions: set[tuple[int, int]] = set()  # (userid, messageid)
        self.contacts: set[frozenset[int]] = set()
        self.logs: list[LogRow] = []
        self.requests: dict[int, DataRequest] = {}
        self.tokens: dict[str, Token] = {}
        #: Capabilities held at system level, per user.
        self.capabilities: dict[int, set[str]] = {}
        self.service_userid = 0
        self._sequences: defaultdict[str, Iterator[int]] = defaultdict(
            lambda: itertools.count(1))

    # ------------------------------------------------------------------ basics

    def now(self) -> int:
        return int(self.clock())

    def next_id(self, table: str) -> int:
        """The next value of a table's id sequence (rolled-back calls leave gaps too)."""
        return next(self._sequences[table])

    def live_user(self, userid: int) -> User | None:
        user = self.users.get(userid)
        return user if user is not None and not user.deleted else None

    def is_site_admin(self, userid: int) -> bool:
        return userid == ADMIN_ID

    def capabilities_of(self, userid: int) -> set[str]:
        return self.capabilities.get(userid, set())

    # ------------------------------------------------------------------ builders

    def add_user(self, username: str, firstname: str, lastname: str, email: str,
                 self_conversation: bool = True, **fields: Any) -> User:
        """A new account; like Moodle, it comes with an empty self-conversation."""
        user = User(self.next_id("user"), username, firstname, lastname, email, **fields)
        self.users[user.id] = user
        self.user_conversations[user.id] = []
        if self_conversation:
            self.add_conversation(3, (user.id,))
        return user

    def add_service_user(self, username: str = "bridge_svc") -> User:
        user = self.add_user(username, "Registry", "Bridge", f"{username}@oppimo.example.fi",
                             auth="webservice")
        self.service_userid = user.id
        self.capabilities[user.id] = set(CAPABILITIES)
        return user

    def add_token(self, token: str, userid: int) -> Token:
        self.tokens[token] = Token(token, userid)
        self.capabilities.setdefault(userid, set()).add("webservice/rest:use")
        return self.tokens[token]

    def add_category(self, name: str, parent: int = 0) -> Category:
        category = Category(self.next_id("course_categories"), name, parent)
        self.categories[category.id] = category
        return category

    def add_course(self, shortname: str, fullname: str, categoryid: int, **fields: Any) -> Course:
        course = Course(self.next_id("course"), shortname, fullname, categoryid, **fields)
        self.courses[course.id] = course
        self.course_enrolments[course.id] = {}
        self.course_items[course.id] = []
        if course.id != SITE_ID:
            course.gradecategoryid = self.next_id("grade_categories")
            self.add_grade_item(course.id, "course", 0, iteminstance=course.gradecategoryid)
        return course

    def enrol(self, userid: int, courseid: int, role: str = "student", **fields: Any) -> Enrolment:
        enrolment = Enrolment(self.next_id("user_enrolments"), userid, courseid,
                              ROLE_IDS[role], **fields)
        self.enrolments[enrolment.id] = enrolment
        self.course_enrolments[courseid].setdefault(userid, []).append(enrolment)
        self.user_courses.setdefault(userid, set()).add(courseid)
        return enrolment

    def remove_enrolment(self, enrolment: Enrolment) -> bool:
        """Remove one enrolment; True when it was the user's last in the course."""
        del self.enrolments[enrolment.id]
        per_user = self.course_enrolments[enrolment.courseid]
        remaining = [e for e in per_user[enrolment.userid] if e.id != enrolment.id]
        if remaining:
            per_user[enrolment.userid] = remaining
            return False
        del per_user[enrolment.userid]
        self.user_courses[enrolment.userid].discard(enrolment.courseid)
        return True

    def add_group(self, courseid: int, name: str, description: str,
                  members: Iterable[int]) -> Group:
        group = Group(self.next_id("groups"), courseid, name, description, set(members))
        self.groups[group.id] = group
        return group

    def add_grade_item(self, courseid: int, itemtype: str, grademax: float,
                       **fields: Any) -> GradeItem:
        item = GradeItem(self.next_id("grade_items"), courseid, itemtype, grademax, **fields)
        if itemtype != "course":
            item.categoryid = self.courses[courseid].gradecategoryid
        self.grade_items[item.id] = item
        self.course_items[courseid].append(item.id)
        return item

    def add_assignment(self, courseid: int, name: str, **fields: Any) -> Assignment:
        assignment = Assignment(self.next_id("assign"), courseid, name, **fields)
        self.assignments[assignment.id] = assignment
        self.submissions[assignment.id] = {}
        self.assign_grades[assignment.id] = {}
        self.add_grade_item(courseid, "mod", assignment.grade, itemname=name, itemmodule="assign",
                            iteminstance=assignment.id, cmid=assignment.id)
        return assignment

    def add_submission(self, assignment: int, userid: int, status: str, timecreated: int,
                       timemodified: int, **fields: Any) -> Submission:
        submission = Submission(self.next_id("assign_submission"), assignment, userid, status,
                                timecreated, timemodified, **fields)
        self.submissions[assignment][userid] = submission
        return submission

    def add_assign_grade(self, assignment: int, userid: int, grade: float, grader: int,
                         timemodified: int, **fields: Any) -> AssignGrade:
        row = AssignGrade(self.next_id("assign_grades"), assignment, userid, grade, grader,
                          fields.pop("timecreated", timemodified - 60), timemodified, **fields)
        self.assign_grades[assignment][userid] = row
        return row

    def add_conversation(self, type_: int, members: tuple[int, ...],
                         name: str = "") -> Conversation:
        conversation = Conversation(self.next_id("message_conversations"), type_, members, name)
        self.conversations[conversation.id] = conversation
        self.messages[conversation.id] = []
        for member in members:
            self.user_conversations.setdefault(member, []).append(conversation.id)
        return conversation

    def self_conversation(self, userid: int) -> Conversation | None:
        return next((self.conversations[c] for c in self.user_conversations.get(userid, [])
                     if self.conversations[c].type == 3), None)

    def add_message(self, conversationid: int, useridfrom: int, text: str,
                    timecreated: int) -> Message:
        message = Message(self.next_id("messages"), conversationid, useridfrom, text, timecreated)
        self.messages[conversationid].append(message)
        return message

    # ------------------------------------------------------------------ queries

    def enrolments_of(self, userid: int, courseid: int) -> list[Enrolment]:
        return self.course_enrolments.get(courseid, {}).get(userid, [])

    def roles_in(self, userid: int, courseid: int) -> list[int]:
        return sorted({e.roleid for e in self.enrolments_of(userid, courseid)})

    def user_groups(self, userid: int, courseid: int) -> list[Group]:
        return [g for g in self.groups.values() if g.courseid == courseid and userid in g.members]

    def course_assignments(self, courseid: int) -> list[Assignment]:
        return [a for a in self.assignments.values() if a.courseid == courseid]

    # ------------------------------------------------------------------ log store

    def log(self, eventname: str, *, crud: str, userid: int, contextlevel: int = CONTEXT_SYSTEM,
            contextinstanceid: int = 0, courseid: int = 0, relateduserid: int | None = None,
            objecttable: str | None = None, objectid: int | None = None,
            other: dict[str, Any] | None = None, edulevel: int = 0, origin: str = "ws",
            ip: str | None = "127.0.0.1", timecreated: int | None = None) -> LogRow:
        """Append a ``logstore_standard_log`` row for an event class name."""
        namespace, target, action = _event_parts(eventname)
        row = LogRow(
            id=self.next_id("logstore_standard_log"), eventname=eventname,
            component=namespace, action=action, target=target, objecttable=objecttable,
            objectid=objectid, crud=crud, edulevel=edulevel,
            contextid=context_id(contextlevel, contextinstanceid), contextlevel=contextlevel,
            contextinstanceid=contextinstanceid, userid=userid, courseid=courseid,
            relateduserid=relateduserid, anonymous=0,
            other=json.dumps(other, separators=(",", ":"), ensure_ascii=False) if other else "null",
            timecreated=self.now() if timecreated is None else timecreated,
            origin=origin, ip=ip if origin in ("ws", "web") else None,
        )
        self.logs.append(row)
        return row
