"""How big each generated site is: the seeded datasets from ``tiny`` to ``bench-100k``,
and ``bench-real``, whose courses differ in size like those of a real grown site."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CourseShape:
    """One course of a site whose courses differ, as Moodle's test-course generator
    (``admin/tool/generator``) makes them and a grow script then fills them.

    Its learners are the first ``learners`` of the site's shared generated learners: the
    generator makes its ``tool_generator_NNNNNN`` users once and enrols the same ones in
    every course it makes.
    """

    shortname: str
    learners: int
    assignments: int
    #: The first this many assignments get work: a submission from 9 learners in 10
    #: and an assignment and gradebook grade for every second learner.
    worked_assignments: int
    #: Conversations of the teacher with the course's first learners, two messages each
    #: (a pair already talking from another course keeps its one conversation).
    conversations: int
    #: Username of the seeded teacher enrolled as the course's editing teacher.
    teacher: str


@dataclass(frozen=True)
class SizeSpec:
    """A generated site. Uniform sizes spread ``students`` at random over ``courses``
    equal courses; a spec with ``shapes`` is the seeded sample site plus those courses
    (the uniform fields then only summarise it)."""

    students: int
    teachers: int
    courses: int
    assignments_per_course: int
    conversations_per_teacher: int
    #: Per-event log rows (submissions, grades) on top of course views and messages.
    detailed_logs: bool = True
    shapes: tuple[CourseShape, ...] = ()


def _generated(prefix: str, count: int, learners: int, assignments: int) -> tuple[
        CourseShape, ...]:
    """Courses made by ``maketestcourse.php`` at one size, teachers taking turns."""
    teachers = ("aino.virtanen", "mikko.korhonen")
    return tuple(CourseShape(f"{prefix}{n}", learners, assignments, worked_assignments=5,
                             conversations=60, teacher=teachers[(n - 1) % 2])
                 for n in range(1, count + 1))


#: The real Moodle 4.5 the cost model was measured on: the four seeded courses, then
#: PERFM1-2 (generator size M: 1,000 learners, 100 assignments) and PERFS1-4 (size S:
#: the first 100 of the same learners, 10 assignments), in the order they were made.
REAL_SITE_COURSES = (*_generated("PERFM", 2, 1_000, 100), *_generated("PERFS", 4, 100, 10))

SIZES: dict[str, SizeSpec] = {
    "tiny": SizeSpec(students=6, teachers=1, courses=2, assignments_per_course=2,
                     conversations_per_teacher=2),
    "demo": SizeSpec(students=45, teachers=2, courses=5, assignments_per_course=3,
                     conversations_per_teacher=5),
    "bench-10k": SizeSpec(students=10_000, teachers=25, courses=50, assignments_per_course=3,
                          conversations_per_teacher=8, detailed_logs=False),
    "bench-100k": SizeSpec(students=100_000, teachers=250, courses=500,
                           assignments_per_course=3, conversations_per_teacher=8,
                           detailed_logs=False),
    "bench-real": SizeSpec(students=1_000, teachers=2, courses=10, assignments_per_course=100,
                           conversations_per_teacher=60, shapes=REAL_SITE_COURSES),
}
