"""Change hints: which courses an incremental run must read again.

``gradereport_user_get_grade_items`` has no ``since`` filter and
``mod_assign_get_assignments`` none either (reference 2.11, 2.14), so without hints
every incremental run reads every course's gradebook and assignments again. Moodle's
``core_course_get_updates_since`` (reference 2.22) answers per course, cheaply, which
assignments changed after ``since``: their settings (``configuration``), anyone's
submissions (``usersubmissions``) and grades (``usergrades``) for a caller with
``mod/assign:viewgrades``. Together with the course's own ``timemodified`` that is
what the course's gradebook and assignment rows are made of, except manual grade
items and gradebook overrides: Moodle reports those for the calling user only, so a
scheduled full run (``[daemon] full_sync``) is what catches them.

The hint's ``since`` is the stream's bookmark: the newest change time seen so far
(course, assignment settings, grades), never the local clock. Without the function in
the service, every course counts as changed and the run reads them all as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from connectors.moodle.functions import HINT_FUNCTION
from connectors.moodle.paging import StreamContext, int_or_none, object_list


@dataclass(frozen=True, slots=True)
class Hints:
    """The courses to read again, and the newest change time the hints showed."""

    changed: frozenset[int]
    newest: int


def course_times(courses: Iterable[Mapping[str, object]]) -> dict[int, int]:
    """Course id → ``timemodified`` (0 when the service user may not see it)."""
    times: dict[int, int] = {}
    for course in courses:
        course_id = int_or_none(course.get("id"))
        if course_id is not None:
            times[course_id] = int_or_none(course.get("timemodified")) or 0
    return times


def changed_courses(ctx: StreamContext, times: Mapping[int, int], since: int) -> Hints:
    """The courses changed after ``since``: all of them on a first run or without hints."""
    if not since or HINT_FUNCTION not in ctx.site.functions:
        return Hints(frozenset(times), max(times.values(), default=0))
    changed = {c for c, modified in times.items() if modified > since}
    asked = sorted(set(times) - changed)
    newest = max(times.values(), default=0)
    calls = ((HINT_FUNCTION, {"courseid": c, "since": since}) for c in asked)
    for course_id, answer in zip(asked, ctx.client.call_many(calls), strict=True):
        instances = object_list(answer, "instances", HINT_FUNCTION)
        if any(object_list(i, "updates", HINT_FUNCTION) for i in instances):
            changed.add(course_id)
        for instance in instances:
            for update in object_list(instance, "updates", HINT_FUNCTION):
                newest = max(newest, int_or_none(update.get("timeupdated")) or 0)
    return Hints(frozenset(changed), newest)
