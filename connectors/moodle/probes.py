"""The capability probes of ``bridge check`` for Moodle (reference 6): one cheap read per
capability group, a call that fails when the group's capability is missing and otherwise
returns next to nothing. Write capabilities are not probed: the only way to test them is to
change data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.base import ConnectorError
from connectors.moodle import functions as fn
from connectors.moodle import plugin
from connectors.moodle.diagnosis import (
    COURSE_VIEW,
    PRIVACY_SETTINGS,
    ROLE,
    SERVICE,
    SETUP_GUIDE,
    SETUP_SCRIPT,
    Diagnosis,
    add_functions,
    by_hand,
    repair,
)
from connectors.moodle.errors import AccessException, FunctionNotInstalled

#: Streams whose reads enter courses (``moodle/course:view``).
COURSE_STREAMS = frozenset(
    {"enrolments", "gradebook", "assignments", "submissions", "assignment_grades", "messages"}
)
#: ``sinceid`` of the plugin probe: beyond any real log id, so the answer is empty.
_BEYOND_EVERY_LOG_ID = 2**62
#: ``since`` of the assignment-grades probe: a time no grade has, so the answer is empty.
_FAR_FUTURE = 2**31 - 1
#: The guest account (``$CFG->siteguest``); its messages are nobody's.
_GUEST_ID = 1
#: Courses searched for one assignment to probe.
_ASSIGNMENT_SEARCH_COURSES = 10


def run_probes(run: Diagnosis) -> None:
    streams = set(run.config.streams)
    if "users" in streams:
        _site_roster(run)
    if streams & COURSE_STREAMS or run.config.revoke_access == "suspend_and_unenrol":
        _course(run)
    if "gradebook" in streams:
        _gradebook(run)
    if "messages" in streams:
        _messages(run)
    if streams & {"submissions", "assignment_grades"}:
        _assignments(run)
    if run.config.erasure == "privacy_request":
        _data_requests(run)
    if "logs" in streams:
        _plugin(run)


def _roster_params(course_id: int, count: int) -> dict[str, Any]:
    options = [{"name": "limitnumber", "value": count}, {"name": "userfields", "value": "id"}]
    return {"courseid": course_id, "options": options}


def _ids(answer: Any) -> list[int]:
    rows = answer if isinstance(answer, list) else []
    return [r["id"] for r in rows if isinstance(r, Mapping) and isinstance(r.get("id"), int)]


def _site_roster(run: Diagnosis) -> None:
    """The front-page roster trick the users stream relies on (reference 2.8)."""
    answer = run.probe(
        "site roster",
        ["moodle/site:viewparticipants"],
        "core_enrol_get_enrolled_users",
        _roster_params(run.site.site_id, 3),
    )
    others = [i for i in _ids(answer) if i not in (_GUEST_ID, run.site.service_user_id)]
    run.other_user_id = run.other_user_id or next(iter(others), None)


def _course(run: Diagnosis) -> None:
    """One real course: the course-level probes that follow all use it."""
    answered, answer = run.attempt(
        "course access",
        ["moodle/category:viewcourselist"],
        "core_course_get_courses_by_field",
        {},
    )
    if not answered:
        return
    courses = answer.get("courses") if isinstance(answer, Mapping) else None
    ids = sorted(c["id"] for c in courses or () if isinstance(c.get("id"), int))
    run.course_ids = [i for i in ids if i != run.site.site_id]
    if not run.course_ids:
        run.add("course access", False, "not probed: the site has no course yet", warning=True)
        return
    run.course_id = run.course_ids[0]
    answer = run.probe(
        "course access",
        ["moodle/course:view", "moodle/course:viewparticipants"],
        "core_enrol_get_enrolled_users",
        _roster_params(run.course_id, 1),
        detail=f"course {run.course_id}",
        course_id=run.course_id,
    )
    enrolled = [i for i in _ids(answer) if i != run.site.service_user_id]
    if enrolled:
        run.other_user_id = enrolled[0]  # a real participant is the better probe subject


def _gradebook(run: Diagnosis) -> None:
    if run.course_id is None:
        return
    params = {"courseid": run.course_id, "userid": run.other_user_id or 0}
    run.probe(
        "gradebook",
        ["gradereport/user:view", "moodle/grade:viewall"],
        "gradereport_user_get_grade_items",
        params,
        course_id=run.course_id,
    )


def _messages(run: Diagnosis) -> None:
    if run.course_id is not None:
        pairs = [{"courseid": run.course_id, "capabilities": [fn.TEACHER_CAPABILITY]}]
        run.probe(
            "teacher lookup",
            ["moodle/role:review"],
            "core_enrol_get_enrolled_users_with_capability",
            {"coursecapabilities": pairs, "options": [{"name": "userfields", "value": "id"}]},
            course_id=run.course_id,
        )
    if run.other_user_id is None:
        run.add(
            "messages", False, "not probed: no other user to read the messages of", warning=True
        )
        return
    run.probe(
        "messages",
        ["moodle/site:readallmessages"],
        "core_message_get_conversations",
        {"userid": run.other_user_id, "limitnum": 1},
        detail=f"conversations of user {run.other_user_id}",
    )


def _no_access_warning(answer: Any) -> str | None:
    """``mod_assign_*`` report missing rights as warning code "1", not as an error."""
    warnings = answer.get("warnings") if isinstance(answer, Mapping) else None
    refused = [w for w in warnings or () if str(w.get("warningcode")) == "1"]
    return f"Moodle refused: {refused[0].get('message')}" if refused else None


def _assignments(run: Diagnosis) -> None:
    name, caps = "assignments", ["mod/assign:viewgrades"]  # or mod/assign:grade (ref. 2.15)
    listing = "mod_assign_get_assignments"
    course_ids = run.course_ids[:_ASSIGNMENT_SEARCH_COURSES]
    if not course_ids:
        return  # the course probe already says why
    params = {"courseids": course_ids, "includenotenrolledcourses": 1}
    answered, answer = run.attempt(name, ["mod/assign:view"], listing, params)
    if not answered:
        return
    courses = answer.get("courses") if isinstance(answer, Mapping) else None
    ids = [a.get("id") for c in courses or () for a in c.get("assignments") or ()]
    assignment = next((i for i in ids if isinstance(i, int)), None)
    if assignment is None:
        refused = _no_access_warning(answer)
        if refused:  # Moodle's validate_context failed in every course it was asked about
            detail = f"{COURSE_VIEW}: not probed: {refused}"
            run.add(name, False, detail, run.context_fix(["mod/assign:view", *caps]), warning=True)
        else:
            run.add(name, False, "not probed: no assignment in the first courses", warning=True)
        return
    if run.has("mod_assign_get_submissions"):  # before=1: no rows, but rights are checked
        function = "mod_assign_get_submissions"
        params = {"assignmentids": [assignment], "since": 0, "before": 1}
    else:
        function = "mod_assign_get_grades"
        params = {"assignmentids": [assignment], "since": _FAR_FUTURE}
    run.probe(
        name, caps, function, params, judge=_no_access_warning, detail=f"assignment {assignment}"
    )


def _data_requests(run: Diagnosis) -> None:
    """Erasure through data requests needs the setting and the DPO role mapping (CONTRACTS 6)."""
    answered, answer = run.attempt(
        "data requests",
        ["tool/dataprivacy:managedatarequests"],
        "tool_dataprivacy_get_access_information",
        {},
    )
    if not answered:
        return
    answer = answer if isinstance(answer, Mapping) else {}
    problems, fixes = [], []
    if not answer.get("cancontactdpo"):
        problems.append("'Contact the privacy officer' is off")
        fixes.append(
            f"turn on Contact the privacy officer (tool_dataprivacy | "
            f"contactdataprotectionofficer) in {PRIVACY_SETTINGS}"
        )
    if not answer.get("canmanagedatarequests"):
        problems.append("the service user is not a privacy officer")
        fixes.append(
            f"allow tool/dataprivacy:managedatarequests in {ROLE} (step A4), then tick the "
            f"role in Privacy officer role mapping (tool_dataprivacy | dporoles) in "
            f"{PRIVACY_SETTINGS}"
        )
    detail = "; ".join(problems) or "contact the privacy officer on; privacy officer role mapped"
    fix = f"{repair('the privacy officer settings')} {by_hand('; '.join(fixes), 'A5')}"
    run.add("data requests", not problems, detail, fix)


def _plugin(run: Diagnosis) -> None:
    """The plugin function with an empty answer: proves the plugin and both its capabilities."""
    name, function = "companion plugin", fn.LOG_FUNCTION
    install = (
        f"Install the companion plugin {plugin.COMPONENT} ({SETUP_GUIDE}, step 1: its zip, "
        f"from make package-plugin, in Site administration > Plugins > Install plugins), "
        f"then run its set-up: {SETUP_SCRIPT} puts {function} in the plugin's service. "
        f"{by_hand(f'add {function} to {SERVICE}', 'A6')} Until then the sync skips the "
        "logs stream."
    )
    try:
        run.client.call(function, {"sinceid": _BEYOND_EVERY_LOG_ID, "limit": 1})
    except FunctionNotInstalled:
        run.add(name, False, f"{plugin.COMPONENT} is not installed: the logs are skipped", install)
        return
    except AccessException as exc:
        run.add(
            name, False, f"{function} is not in the service: {exc}",
            add_functions([function], run.config),
        )
        return
    except ConnectorError as exc:
        caps = plugin.LOG_CAPABILITIES
        run.add(name, False, f"{', '.join(caps)}: {exc}", run.fix_for(exc, caps, function))
        return
    run.add(name, True, f"{plugin.COMPONENT} installed; {', '.join(plugin.LOG_CAPABILITIES)}")
