"""``core_course_get_updates_since`` and ``core_course_check_updates`` (reference 2.22).

Only assignments are modules here. As recorded, a caller with ``mod/assign:viewgrades``
sees ``configuration`` (with ``timeupdated``), ``usersubmissions`` (``assign_submission``
ids) and ``usergrades`` (``assign_grades`` ids) changed strictly after ``since``; the
per-caller areas (``gradeitems``, ``completion``, …) are empty for the service user, and
only modules with at least one updated area are listed.
"""

from __future__ import annotations

from typing import Any

from connectors.moodle.simulator.handlers.registry import Call, ws_function
from connectors.moodle.simulator.model import Assignment
from connectors.moodle.simulator.validation import Int, ListOf, Struct, Text

_ALL_AREAS = ("configuration", "usersubmissions", "usergrades")


def _module_updates(call: Call, assignment: Assignment, since: int,
                    areas: tuple[str, ...]) -> list[dict[str, Any]]:
    state, updates = call.state, []
    if "configuration" in areas and assignment.timemodified > since:
        updates.append({"name": "configuration", "timeupdated": assignment.timemodified})
    if not call.has("mod/assign:viewgrades"):
        return updates
    submissions = [s.id for s in state.submissions[assignment.id].values()
                   if s.timemodified > since]
    if "usersubmissions" in areas and submissions:
        updates.append({"name": "usersubmissions", "itemids": submissions})
    grades = [g.id for g in state.assign_grades[assignment.id].values() if g.timemodified > since]
    if "usergrades" in areas and grades:
        updates.append({"name": "usergrades", "itemids": grades})
    return updates


def _areas(filters: list[str]) -> tuple[str, ...]:
    """Moodle's filter names the areas to evaluate; none means all of them."""
    return tuple(a for a in _ALL_AREAS if not filters or a in filters)


def _course_modules(call: Call, courseid: int) -> list[Assignment]:
    course = call.course(courseid)
    call.course_context(course)
    return sorted((a for a in call.state.assignments.values() if a.courseid == courseid),
                  key=lambda a: a.id)


@ws_function("core_course_get_updates_since", courseid=Int(), since=Int(),
             filter=ListOf(Text(), []))
def get_updates_since(call: Call) -> dict[str, Any]:
    params = call.params
    areas = _areas(params["filter"])
    instances = []
    for assignment in _course_modules(call, params["courseid"]):
        updates = _module_updates(call, assignment, params["since"], areas)
        if updates:
            instances.append({"contextlevel": "module", "id": assignment.id, "updates": updates})
    return {"instances": instances, "warnings": []}


_TOCHECK = Struct({"contextlevel": Text(), "id": Int(), "since": Int()})


@ws_function("core_course_check_updates", courseid=Int(), tocheck=ListOf(_TOCHECK),
             filter=ListOf(Text(), []))
def check_updates(call: Call) -> dict[str, Any]:
    params = call.params
    areas = _areas(params["filter"])
    modules = {a.id: a for a in _course_modules(call, params["courseid"])}
    instances, warnings = [], []
    for item in params["tocheck"]:
        assignment = modules.get(item["id"]) if item["contextlevel"] == "module" else None
        if assignment is None:
            warnings.append({"item": item["contextlevel"], "itemid": item["id"],
                             "warningcode": "missingcontextlevelorid",
                             "message": "Context level or id not found"})
            continue
        updates = _module_updates(call, assignment, item["since"], areas)
        if updates:
            instances.append({"contextlevel": "module", "id": assignment.id, "updates": updates})
    return {"instances": instances, "warnings": warnings}
