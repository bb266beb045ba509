"""Deterministic generated sites: ``tiny``, ``demo``, ``bench-10k``, ``bench-100k``, and
``bench-real`` (the sample site grown with uneven courses, see ``grown.py``).

``build_dataset(size, seed)`` always gives the same site for the same seed and
reference time: people (teachers and students with Finnish-looking invented
names), courses, enrolments in every state Moodle knows (suspended, ended,
ending, self-enrolled), groups, and then the activity of ``activity.py``.
``sample-site`` is the recorded site of ``sample_site.py`` instead.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable

from connectors.moodle.simulator import activity, grown, names, sample_site
from connectors.moodle.simulator.access import SiteConfig
from connectors.moodle.simulator.activity import between, pick
from connectors.moodle.simulator.base_site import DAY, base_site
from connectors.moodle.simulator.model import Course, User
from connectors.moodle.simulator.sizes import SIZES
from connectors.moodle.simulator.state import SiteState

SAMPLE_SITE = "sample-site"


def dataset_sizes() -> tuple[str, ...]:
    return (*SIZES, SAMPLE_SITE)


def build_dataset(size: str = "tiny", seed: int = 1, *, now: int | None = None,
                  clock: Callable[[], float] | None = None) -> SiteState:
    """A fresh site. ``now`` (default: the clock's day) anchors every timestamp."""
    clock = clock or time.time
    if now is None:
        now = int(clock()) // DAY * DAY
    state = SiteState(clock=clock, config=SiteConfig())
    if size == SAMPLE_SITE:
        sample_site.build(state, now)
        return state
    try:
        spec = SIZES[size]
    except KeyError:
        raise ValueError(
            f"unknown dataset size {size!r}; choose one of {dataset_sizes()}") from None
    rng = random.Random(f"{size}:{seed}")
    if spec.shapes:
        grown.build(state, rng, spec, now)
        return state
    base_site(state, now)
    state.add_service_user()
    people = People(state, rng, now)
    teachers = [people.person(teacher=True) for _ in range(spec.teachers)]
    students = [people.person(teacher=False) for _ in range(spec.students)]
    courses = add_courses(state, rng, spec.courses, now)
    enrol_people(state, rng, courses, teachers, students, now)
    activity.generate(state, rng, spec, now)
    return state




class People:
    """Creates users with unique ``firstname.lastname[N]`` usernames."""

    def __init__(self, state: SiteState, rng: random.Random, now: int) -> None:
        self.state, self.rng, self.now = state, rng, now
        self.taken: Counter[str] = Counter()
        self.serial = Counter[str]()

    def person(self, *, teacher: bool) -> User:
        rng, now = self.rng, self.now
        first, last = pick(rng, names.FIRST_NAMES), pick(rng, names.LAST_NAMES)
        base = f"{names.fold(first)}.{names.fold(last)}"
        self.taken[base] += 1
        username = base if self.taken[base] == 1 else f"{base}{self.taken[base]}"
        kind = "T" if teacher else "S"
        self.serial[kind] += 1
        idnumber = f"T-{1000 + self.serial[kind]}" if teacher else f"S-{20000 + self.serial[kind]}"
        accessed = rng.random() < 0.75
        created = now - between(rng, 60, 400) * DAY
        user = self.state.add_user(
            username, first, last, f"{username}@example.fi", idnumber=idnumber,
            city=pick(rng, names.CITIES), country="SE" if rng.random() < 0.04 else "FI",
            timezone="Europe/Helsinki", timecreated=created,
            timemodified=created + between(rng, 0, 30) * DAY,
            firstaccess=created + DAY if accessed else 0,
            lastaccess=now - between(rng, 600, 20 * DAY) if accessed else 0,
            department="Tietotekniikka" if teacher else "",
            institution="Oppimo" if teacher else "",
            phone1=f"+358 40 {between(rng, 1000000, 9999999)}" if rng.random() < 0.2 else "",
        )
        if rng.random() < 0.3:
            user.customfields["employer"] = pick(rng, names.EMPLOYERS)
        if not teacher and rng.random() < 0.2:
            user.customfields["studentno"] = str(20000 + self.serial[kind])
        if rng.random() < 0.1:
            user.description = "<p>Opiskelen työn ohessa.</p>"
        return user


def add_courses(state: SiteState, rng: random.Random, count: int, now: int) -> list[Course]:
    courses = []
    subjects = names.SUBJECTS
    for index in range(count):
        code, title = subjects[index % len(subjects)]
        level = 101 + index // len(subjects)
        languages = code in ("RUO", "ENG")
        course = state.add_course(
            f"{code}{level}", title if level == 101 else f"{title} {level - 100}",
            3 if languages else (4 if code == "TSK" else 2), idnumber=f"C-{code}{level}",
            summary=f"<p>{title} (simuloitu kurssi)</p>",
            visible=not (code == "TSK" and level == 101) and rng.random() > 0.01,
            startdate=now - 60 * DAY, enddate=now + 120 * DAY,
            timecreated=now - 90 * DAY, timemodified=now - 90 * DAY,
            sortorder=10000 * (3 if languages else 2) + index + 1, self_enrolment=languages,
        )
        courses.append(course)
    return courses


def enrol_people(state: SiteState, rng: random.Random, courses: list[Course],
                 teachers: list[User], students: list[User], now: int) -> None:
    """Teachers per course, 1-3 courses per student, and every enrolment state once."""
    for index, course in enumerate(courses):
        teacher = teachers[index % len(teachers)]
        state.enrol(teacher.id, course.id, "editingteacher", timecreated=now - 90 * DAY)
        if len(teachers) > 1 and index % 3 == 0:
            helper = teachers[(index + 1) % len(teachers)]
            state.enrol(helper.id, course.id, "teacher", timecreated=now - 90 * DAY)
    for position, student in enumerate(students):
        wanted = 1 + (rng.random() < 0.4) + (rng.random() < 0.15)
        picked = _distinct(rng, courses, wanted) if position else courses[:2]
        for course in picked:
            roll = rng.random()
            state.enrol(
                student.id, course.id,
                method="self" if course.self_enrolment and roll < 0.3 else "manual",
                status=1 if roll > 0.97 else 0, timestart=now - 60 * DAY,
                timeend=(now - 5 * DAY if 0.93 < roll <= 0.95
                         else now + 90 * DAY if 0.88 < roll <= 0.93 else 0),
                timecreated=now - 60 * DAY,
            )
            if rng.random() < 0.6:
                state.lastcourseaccess[(student.id, course.id)] = now - between(rng, 600, 30 * DAY)
    _special_cases(state, students, courses, now)
    for course in courses:
        members = sorted(state.course_enrolments[course.id])
        state.add_group(course.id, "Ryhmä A", "Aamuryhmä", members[1::2])
        state.add_group(course.id, "Ryhmä B", "Iltaryhmä", members[2::2])


def _distinct(rng: random.Random, courses: list[Course], count: int) -> list[Course]:
    picked: dict[int, Course] = {}
    while len(picked) < min(count, len(courses)):
        course = pick(rng, courses)
        picked[course.id] = course
    return list(picked.values())


def _special_cases(state: SiteState, students: list[User], courses: list[Course],
                   now: int) -> None:
    """Make sure even the tiny site has each state a sync must handle."""
    first = students[0]
    first.customfields.update(employer=names.EMPLOYERS[0], phone="+358 44 700 0001",
                              studentno=first.idnumber[2:])
    if len(students) > 1:
        students[1].suspended = True
    if len(students) > 2:
        state.enrolments_of(students[2].id, _course_of(state, students[2], courses))[0].status = 1
    if len(students) > 3:
        students[3].auth = "nologin"
    if len(students) > 4:
        enrolment = state.enrolments_of(students[4].id, _course_of(state, students[4], courses))[0]
        enrolment.timeend = now - 5 * DAY


def _course_of(state: SiteState, user: User, courses: list[Course]) -> int:
    return min(state.user_courses[user.id])
