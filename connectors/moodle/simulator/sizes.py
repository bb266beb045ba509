"""How big each generated site is: the seeded datasets from ``tiny`` to ``bench-100k``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SizeSpec:
    students: int
    teachers: int
    courses: int
    assignments_per_course: int
    conversations_per_teacher: int
    #: Per-event log rows (submissions, grades) on top of course views and messages.
    detailed_logs: bool = True


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
}
