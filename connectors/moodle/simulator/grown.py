"""Sites whose courses differ in size: the seeded sample site grown like a real one.

The real Moodle the cost model was measured on was the seeded site of ``sample_site.py``
grown in two steps, which this module repeats for each ``CourseShape`` of a size:

1. Moodle's test-course generator (``maketestcourse.php``) made each course with its
   assignments and enrolled the first learners of its ``tool_generator_NNNNNN`` users,
   made once and shared by every course it made;
2. a grow script enrolled a seeded teacher as the editing teacher, gave the first
   assignments a submission from every learner but each tenth and a grade (the
   assignment's and the gradebook's) to every second one, and had the teacher and the
   course's first learners exchange a message each, in one conversation per pair.

The log holds what those steps log on Moodle: accounts, enrolments and role assignments,
courses and their assignments, one ``user_graded`` per gradebook grade and the messages.
The generator's other modules (pages, files, a forum) are not kept.
"""

from __future__ import annotations

import random
from typing import Any

from connectors.moodle.simulator import names, sample_site
from connectors.moodle.simulator.access import ROLE_IDS
from connectors.moodle.simulator.activity import between, message_sent, pick
from connectors.moodle.simulator.model import Assignment, Course, GradeItem, User
from connectors.moodle.simulator.sizes import CourseShape, SizeSpec
from connectors.moodle.simulator.state import (
    ADMIN_ID,
    CONTEXT_COURSE,
    CONTEXT_MODULE,
    CONTEXT_USER,
    SiteState,
)

DAY, HOUR = 86400, 3600
#: The category ``maketestcourse.php`` puts its courses in (Moodle's default one).
GENERATOR_CATEGORY = 1
#: Every ``SKIPPED``-th learner (counting from 1) never submits; every second is graded.
SKIPPED = 10


def build(state: SiteState, rng: random.Random, spec: SizeSpec, now: int) -> None:
    """The sample site, then the generator's courses, then the grow script's work."""
    sample_site.build(state, now)
    made, grown = now - 3 * HOUR, now - 2 * HOUR
    learners = _learners(state, rng, max(s.learners for s in spec.shapes), made)
    courses = [_course(state, index, shape, learners, made + index * 60)
               for index, shape in enumerate(spec.shapes)]
    teachers = {u.username: u.id for u in state.users.values()}
    conversations: dict[tuple[int, int], int] = {}
    for index, (shape, course) in enumerate(zip(spec.shapes, courses, strict=True)):
        when = grown + index * 60
        teacher = teachers[shape.teacher]
        _enrol(state, teacher, course.id, "editingteacher", when)
        students = [u.id for u in learners[:shape.learners]]
        for assignment in state.course_assignments(course.id)[:shape.worked_assignments]:
            _work(state, rng, assignment, students, teacher, when)
        for student in students[:shape.conversations]:
            _exchange(state, conversations, course, teacher, student, when + 30)


def _learners(state: SiteState, rng: random.Random, count: int, when: int) -> list[User]:
    """The generator's users: numbered usernames, invented names, no activity."""
    learners = []
    for number in range(1, count + 1):
        username = f"tool_generator_{number:06d}"
        user = state.add_user(username, pick(rng, names.FIRST_NAMES),
                              pick(rng, names.LAST_NAMES), f"{username}@example.com",
                              idnumber=str(number), timecreated=when, timemodified=when)
        _log(state, "\\core\\event\\user_created", when, contextlevel=CONTEXT_USER,
             contextinstanceid=user.id, relateduserid=user.id, objecttable="user",
             objectid=user.id)
        learners.append(user)
    return learners


def _course(state: SiteState, index: int, shape: CourseShape, learners: list[User],
            when: int) -> Course:
    """A generator course: its assignments (maximum 100), then its learners."""
    course = state.add_course(
        shape.shortname, f"Test course: {shape.shortname}", GENERATOR_CATEGORY,
        startdate=when, timecreated=when, timemodified=when, sortorder=10001 + index)
    _log(state, "\\core\\event\\course_created", when, courseid=course.id,
         contextlevel=CONTEXT_COURSE, contextinstanceid=course.id, objecttable="course",
         objectid=course.id, other={"shortname": course.shortname,
                                    "fullname": course.fullname})
    for number in range(1, shape.assignments + 1):
        assignment = state.add_assignment(course.id, f"Assignment {number}", grade=100,
                                          timemodified=when)
        _log(state, "\\core\\event\\course_module_created", when, edulevel=1,
             courseid=course.id, contextlevel=CONTEXT_MODULE, contextinstanceid=assignment.id,
             objecttable="course_modules", objectid=assignment.id,
             other={"modulename": "assign", "instanceid": assignment.id,
                    "name": assignment.name})
    for learner in learners[:shape.learners]:
        _enrol(state, learner.id, course.id, "student", when)
    return course


def _enrol(state: SiteState, userid: int, courseid: int, role: str, when: int) -> None:
    enrolment = state.enrol(userid, courseid, role, timecreated=when)
    common: dict[str, Any] = {"courseid": courseid, "contextlevel": CONTEXT_COURSE,
                              "contextinstanceid": courseid, "relateduserid": userid}
    _log(state, "\\core\\event\\user_enrolment_created", when, objecttable="user_enrolments",
         objectid=enrolment.id, other={"enrol": "manual"}, **common)
    _log(state, "\\core\\event\\role_assigned", when, objecttable="role",
         objectid=ROLE_IDS[role], other={"component": "", "itemid": 0}, **common)


def _work(state: SiteState, rng: random.Random, assignment: Assignment, students: list[int],
          teacher: int, when: int) -> None:
    """Submissions and grades of one assignment, written straight into the tables."""
    item = _item_of(state, assignment)
    for position, userid in enumerate(students):
        if position % SKIPPED == SKIPPED - 1:
            continue
        submitted = when - between(rng, HOUR, 30 * DAY)
        state.add_submission(assignment.id, userid, "submitted", submitted, submitted)
        if position % 2:
            continue
        grade = float(between(rng, 40, 100))
        state.add_assign_grade(assignment.id, userid, grade, teacher, submitted + HOUR,
                               timecreated=submitted + HOUR)
        _log(state, "\\core\\event\\user_graded", when, crud="u", edulevel=1,
             courseid=assignment.courseid, contextlevel=CONTEXT_COURSE,
             contextinstanceid=assignment.courseid, relateduserid=userid,
             objecttable="grade_grades", objectid=state.next_id("grade_grades"),
             other={"itemid": item.id, "overridden": False, "finalgrade": grade})


def _item_of(state: SiteState, assignment: Assignment) -> GradeItem:
    return next(item for i in state.course_items[assignment.courseid]
                if (item := state.grade_items[i]).itemtype == "mod"
                and item.iteminstance == assignment.id)


def _exchange(state: SiteState, conversations: dict[tuple[int, int], int], course: Course,
              teacher: int, student: int, when: int) -> None:
    """The teacher's feedback and the learner's thanks, in the pair's one conversation."""
    conversationid = conversations.get((teacher, student))
    if conversationid is None:
        conversationid = state.add_conversation(1, (teacher, student)).id
        conversations[(teacher, student)] = conversationid
    for sender, other, text in (
            (teacher, student, f"Palaute tehtävästä kurssilla {course.shortname}"),
            (student, teacher, f"Kiitos palautteesta ({course.shortname})")):
        message = state.add_message(conversationid, sender, text, when)
        _, eventname, fields = message_sent(message.id, sender, other, when)
        state.log(eventname, timecreated=when, origin="cli", **fields)


def _log(state: SiteState, eventname: str, when: int, *, crud: str = "c",
         **fields: Any) -> None:
    """A row logged by a command-line script run as the admin."""
    state.log(eventname, crud=crud, userid=ADMIN_ID, timecreated=when, origin="cli", **fields)

