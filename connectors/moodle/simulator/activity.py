"""Course activity for generated sites: assignments, submissions, grades, messages, logs.

Times are spread over the two weeks before the reference time so that
``since``/``timefrom`` filters have something to cut, and the seeding writes
the log rows Moodle would have written (``origin`` web for people's clicks).
"""

from __future__ import annotations

import functools
import random
from typing import Any

from connectors.moodle.simulator import names
from connectors.moodle.simulator.access import ROLE_IDS
from connectors.moodle.simulator.model import Assignment, Course, GradebookGrade, SubmissionFile
from connectors.moodle.simulator.sizes import SizeSpec
from connectors.moodle.simulator.state import CONTEXT_COURSE, CONTEXT_MODULE, SITE_ID, SiteState

DAY, HOUR = 86400, 3600


def between(rng: random.Random, low: int, high: int) -> int:
    """``rng.randint`` without its overhead (it dominates generating 100k users)."""
    return low + int(rng.random() * (high - low + 1))


def pick(rng: random.Random, items: tuple[Any, ...] | list[Any]) -> Any:
    return items[int(rng.random() * len(items))]
MAXIMA = (100, 50, 20, 10)
Event = tuple[int, str, dict[str, Any]]


def generate(state: SiteState, rng: random.Random, spec: SizeSpec, now: int) -> None:
    events: list[Event] = []
    courses = [c for c in state.courses.values() if c.id != SITE_ID]
    for position, course in enumerate(courses):
        teacher = course_teacher(state, course.id)
        students = course_students(state, course.id)
        for index in range(spec.assignments_per_course):
            assignment = state.add_assignment(
                course.id, f"{names.ASSIGNMENT_NAMES[index % len(names.ASSIGNMENT_NAMES)]}",
                grade=MAXIMA[(position + index) % len(MAXIMA)],
                duedate=now + (7 + 7 * index) * DAY, allowsubmissionsfromdate=now - 30 * DAY,
                timemodified=now - 30 * DAY, submissiondrafts=index % 2,
                visible=not (position == 1 and index == 1),
                blindmarking=int(position == len(courses) - 1 and index == 0),
                file_submissions=index == 2,
            )
            for userid in students:
                if rng.random() < 0.6:
                    _submit(state, rng, assignment, userid, teacher, now, events, spec)
        _manual_item(state, rng, course, students, now, first=position == 0)
    _messages(state, rng, spec, now, events)
    write_events(state, events)


def write_events(state: SiteState, events: list[Event]) -> None:
    """Seed the log store in time order, with a course view per last course access."""
    for (userid, courseid), when in state.lastcourseaccess.items():
        events.append((when, "\\core\\event\\course_viewed", {
            "crud": "r", "userid": userid, "courseid": courseid, "edulevel": 2,
            "contextlevel": CONTEXT_COURSE, "contextinstanceid": courseid}))
    events.sort(key=lambda event: event[0])
    for when, eventname, fields in events:
        state.log(eventname, timecreated=when, origin="web", ip="192.0.2.10", **fields)


def course_teacher(state: SiteState, courseid: int) -> int:
    return next(u for u, es in state.course_enrolments[courseid].items()
                if any(e.roleid == ROLE_IDS["editingteacher"] for e in es))


def course_students(state: SiteState, courseid: int) -> list[int]:
    return [u for u, es in state.course_enrolments[courseid].items()
            if any(e.roleid == ROLE_IDS["student"] for e in es)]


def _submit(state: SiteState, rng: random.Random, assignment: Assignment, userid: int,
            teacher: int, now: int, events: list[Event], spec: SizeSpec) -> None:
    roll = rng.random
    created = now - HOUR - int(roll() * 13 * DAY)
    modified = created + int(roll() * HOUR)
    status = "draft" if roll() < 0.15 else "submitted"
    files = ()
    if assignment.file_submissions and status == "submitted":
        files = (SubmissionFile("lopputyo.pdf", between(rng, 20_000, 900_000),
                                "application/pdf", modified),)
    submission = state.add_submission(
        assignment.id, userid, status, created, modified,
        text=names.SUBMISSION_TEXTS[int(roll() * 4)], files=files,
    )
    if spec.detailed_logs and status == "submitted":
        events.append((modified, "\\mod_assign\\event\\assessable_submitted", {
            "crud": "u", "userid": userid, "edulevel": 2, "objecttable": "assign_submission",
            "objectid": submission.id, "other": {"submission_editable": False},
            **_module(assignment)}))
    if status == "submitted" and roll() < 0.55:
        grade = between(rng, assignment.grade, assignment.grade * 2) / 2
        graded = min(now - 60, modified + HOUR + int(roll() * 2 * DAY))
        row = state.add_assign_grade(assignment.id, userid, grade, teacher, graded,
                                     feedback=feedback(grade))
        if spec.detailed_logs:
            events.append((graded, "\\mod_assign\\event\\submission_graded", {
                "crud": "u", "userid": teacher, "relateduserid": userid, "edulevel": 1,
                "objecttable": "assign_grades", "objectid": row.id, **_module(assignment)}))


@functools.cache
def feedback(grade: float) -> str:
    """The teacher's comment (cached: 130k grades share a few dozen strings)."""
    return f"<p>Hyvä työ! Arvosana {grade:g}.</p>"


def _module(assignment: Assignment) -> dict[str, Any]:
    return {"courseid": assignment.courseid, "contextlevel": CONTEXT_MODULE,
            "contextinstanceid": assignment.id}


def _manual_item(state: SiteState, rng: random.Random, course: Course, students: list[int],
                 now: int, *, first: bool) -> None:
    """An oral exam graded in the gradebook; the first course also has a hidden grade
    and an overridden assignment grade."""
    item = state.add_grade_item(course.id, "manual", 10, itemname="Suullinen koe",
                                idnumber=f"ORAL-{course.shortname}")
    graded = [u for u in students if rng.random() < 0.5]
    for position, userid in enumerate(graded):
        points = between(rng, 4, 10)
        state.gradebook[(item.id, userid)] = GradebookGrade(
            float(points), now - between(rng, HOUR, 7 * DAY), f"Suullinen koe: {points}/10",
            hidden=first and position == 0)
    if not first:
        return
    for itemid in state.course_items[course.id]:
        mod = state.grade_items[itemid]
        if mod.itemtype != "mod":
            continue
        grades = state.assign_grades[mod.iteminstance or 0]
        if grades:
            userid, original = next(iter(grades.items()))
            state.gradebook[(itemid, userid)] = GradebookGrade(
                min(float(mod.grademax), original.grade + 2), now - HOUR,
                "Arvosana korjattu arviointikeskustelun jälkeen.", overridden=True)
            return


def _messages(state: SiteState, rng: random.Random, spec: SizeSpec, now: int,
              events: list[Event]) -> None:
    teachers = sorted({course_teacher(state, c) for c in state.courses if c != SITE_ID})
    for teacher in teachers:
        pupils = sorted({s for c in state.user_courses[teacher] for s in course_students(state, c)})
        for student in rng.sample(pupils, min(spec.conversations_per_teacher, len(pupils))):
            conversation = state.add_conversation(1, (teacher, student))
            if rng.random() < 0.25:
                state.contacts.add(frozenset((teacher, student)))
            opening, reply = names.MESSAGE_TEXTS[rng.randrange(len(names.MESSAGE_TEXTS))]
            when = now - rng.randint(2 * DAY, 14 * DAY)
            senders = (teacher, student) if rng.random() < 0.5 else (student, teacher)
            for turn in range(rng.randint(2, 4)):
                sender = senders[turn % 2]
                other = senders[(turn + 1) % 2]
                message = state.add_message(conversation.id, sender, (opening, reply)[turn % 2],
                                            when)
                events.append(message_sent(message.id, sender, other, when))
                when += rng.randint(HOUR, 9 * HOUR)
            if teacher == teachers[0] and len(state.messages[conversation.id]) > 1:
                state.message_deletions.add((student, state.messages[conversation.id][1].id))
    first_course = min(c for c in state.courses if c != SITE_ID)
    group = [course_teacher(state, first_course), *course_students(state, first_course)[:3]]
    if len(group) > 2:
        conversation = state.add_conversation(2, tuple(group), "Projektiryhmä A")
        for turn, text in enumerate(("<p>Tervetuloa projektiryhmään!</p>",
                                     "<p>Kiitos! Aloitetaanko maanantaina?</p>",
                                     "<p>Sopii minulle.</p>")):
            sender, when = group[turn % len(group)], now - (3 - turn) * DAY
            message = state.add_message(conversation.id, sender, text, when)
            events.append(message_sent(message.id, sender, None, when))
        note = state.self_conversation(group[1])
        if note is not None:
            state.add_message(note.id, group[1], "<p>Muistiinpano: lopputyön aihe.</p>", now - DAY)


def message_sent(messageid: int, sender: int, recipient: int | None, when: int) -> Event:
    return (when, "\\core\\event\\message_sent", {
        "crud": "c", "userid": sender, "relateduserid": recipient, "objecttable": "messages",
        "objectid": messageid, "other": {"courseid": SITE_ID}})
