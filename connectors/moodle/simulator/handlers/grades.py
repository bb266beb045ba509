"""``gradereport_user_get_grade_items``: the user report of the gradebook; and the
companion plugin's ``local_registrybridge_get_grades``, the same values read as stored.

The course uses natural aggregation with "exclude empty grades": an item's
weight is its maximum over the maxima of the user's graded items, and the
course total sums the graded items. A user's grade rows exist only while
they are enrolled; the last unenrolment removes them (``lifecycle.unenrol``),
which is why a former participant reads as all ``null``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors.moodle.functions import GRADES_FUNCTION
from connectors.moodle.simulator import errors
from connectors.moodle.simulator.access import ROLE_IDS
from connectors.moodle.simulator.handlers.registry import Call, ws_function
from connectors.moodle.simulator.handlers.site import DEFAULT_LOG_LIMIT, MAX_LOG_LIMIT
from connectors.moodle.simulator.model import Course, GradeItem, User
from connectors.moodle.simulator.state import SiteState
from connectors.moodle.simulator.validation import Int


@dataclass
class Cell:
    """One user's value of one grade item."""

    grade: float | None = None
    dategraded: int | None = None
    datesubmitted: int | None = None
    feedback: str = ""
    feedbackformat: int = 2
    hidden: bool = False
    overridden: bool = False


def _number(value: float) -> int | float:
    """PHP's ``json_encode`` writes integral floats without a fraction."""
    return int(value) if float(value).is_integer() else value


def _cell(state: SiteState, item: GradeItem, userid: int) -> Cell:
    stored = state.gradebook.get((item.id, userid))
    if stored is not None and (item.itemtype == "manual" or stored.overridden):
        return Cell(stored.finalgrade, stored.timemodified if stored.finalgrade is not None
                    else None, None, stored.feedback, 2, stored.hidden, stored.overridden)
    if item.itemtype != "mod":
        return Cell()
    grade = state.assign_grades[item.iteminstance or 0].get(userid)
    if grade is not None:
        return Cell(grade.grade, grade.timemodified, None, grade.feedback, 1)
    submission = state.submissions[item.iteminstance or 0].get(userid)
    return Cell(datesubmitted=submission.timemodified if submission else None)


def _formatted(value: float | None, grademax: float) -> tuple[str, str]:
    if value is None:
        return "-", "-"
    percent = value / grademax * 100 if grademax else 0
    return f"{value:.2f}", f"{percent:.2f} %"


def _render(item: GradeItem, cell: Cell, grademax: float, *, has_rows: bool,
            weight: float | None) -> dict[str, Any]:
    is_course = item.itemtype == "course"
    record: dict[str, Any] = {
        "id": item.id, "itemname": item.itemname, "itemtype": item.itemtype,
        "itemmodule": item.itemmodule, "iteminstance": item.iteminstance,
        "itemnumber": None if is_course else 0, "idnumber": None if is_course else item.idnumber,
        "categoryid": item.categoryid, "outcomeid": None, "scaleid": None, "locked": False,
    }
    if item.cmid is not None:
        record["cmid"] = item.cmid
    if has_rows and weight is not None:
        record.update(weightraw=_number(round(weight, 5)),
                      weightformatted=f"{weight * 100:.2f} %")
        if cell.grade is None:
            record["status"] = "novalue"
    gradeformatted, percentage = _formatted(cell.grade, grademax)
    record.update({
        "graderaw": None if cell.grade is None else _number(cell.grade),
        "gradedatesubmitted": cell.datesubmitted, "gradedategraded": cell.dategraded,
        "gradehiddenbydate": False, "gradeneedsupdate": False, "gradeishidden": cell.hidden,
        "gradeislocked": False, "gradeisoverridden": cell.overridden,
        "gradeformatted": gradeformatted, "grademin": 0, "grademax": _number(grademax),
        "rangeformatted": f"0&ndash;{_number(grademax)}", "percentageformatted": percentage,
        "feedback": cell.feedback, "feedbackformat": cell.feedbackformat if has_rows else 0,
    })
    return record


def user_grades(state: SiteState, course: Course, user: User) -> dict[str, Any]:
    items = [state.grade_items[i] for i in state.course_items[course.id]]
    graded_items = [i for i in items if i.itemtype != "course"]
    has_rows = bool(state.enrolments_of(user.id, course.id))
    cells = {i.id: _cell(state, i, user.id) if has_rows else Cell(feedbackformat=0)
             for i in graded_items}
    graded = [i for i in graded_items if cells[i.id].grade is not None]
    graded_ids = {i.id for i in graded}
    denominator = sum(i.grademax for i in graded)
    rendered = [
        _render(i, cells[i.id], i.grademax, has_rows=has_rows,
                weight=i.grademax / denominator if i.id in graded_ids else 0.0)
        for i in graded_items
    ]
    total = Cell(feedbackformat=2 if has_rows else 0)
    if graded:
        total.grade = sum(cells[i.id].grade or 0.0 for i in graded)
        total.dategraded = max(cells[i.id].dategraded or 0 for i in graded)
    course_item = next(i for i in items if i.itemtype == "course")
    maximum = denominator if graded else sum(i.grademax for i in graded_items)
    rendered.append(_render(course_item, total, maximum, has_rows=has_rows, weight=None))
    return {"courseid": course.id, "courseidnumber": course.idnumber, "userid": user.id,
            "userfullname": user.fullname, "useridnumber": user.idnumber, "maxdepth": 2,
            "gradeitems": rendered}


def graded_users(state: SiteState, course: Course) -> list[User]:
    """Holders of the student role with an active enrolment, sorted by last name."""
    now, student = state.now(), ROLE_IDS["student"]
    users = [
        state.users[userid]
        for userid, enrolments in state.course_enrolments[course.id].items()
        if any(e.roleid == student for e in enrolments) and any(e.is_active(now)
                                                                 for e in enrolments)
    ]
    return sorted(users, key=lambda u: (u.lastname, u.firstname, u.id))


@ws_function("gradereport_user_get_grade_items", courseid=Int(), userid=Int(0), groupid=Int(0))
def get_grade_items(call: Call) -> dict[str, Any]:
    course = call.course(call.params["courseid"])
    call.course_context(course)
    call.require("gradereport/user:view")
    userid = call.params["userid"]
    if userid != call.user.id:
        call.require("moodle/grade:viewall")
    if userid:
        user = call.state.users.get(userid)
        if user is None:
            raise errors.invalid_user()
        if user.deleted:
            raise errors.moodle_exception("userdeleted")
        users = [user]
    else:
        users = graded_users(call.state, course)
    return {"usergrades": [user_grades(call.state, course, u) for u in users], "warnings": []}


#: The companion plugin's grade ids: stable, ascending by user and then by item, like the
#: ids of a site whose grades were written learner by learner.
_ID_STRIDE = 1_000_000


def _stored_grade(user: User, cell: dict[str, Any], viewhidden: bool) -> dict[str, Any]:
    shown = viewhidden or not cell["gradeishidden"]
    return {
        "id": user.id * _ID_STRIDE + cell["id"], "itemid": cell["id"], "userid": user.id,
        "finalgrade": cell["graderaw"] if shown else None,
        "feedback": (cell["feedback"] or None) if shown else None,
        "dategraded": cell["gradedategraded"], "hidden": cell["gradeishidden"],
        "overridden": cell["gradeisoverridden"],
    }


@ws_function(GRADES_FUNCTION, courseid=Int(), sinceid=Int(0), limit=Int(DEFAULT_LOG_LIMIT))
def get_grades(call: Call) -> dict[str, Any]:
    """``local_registrybridge_get_grades``, as the companion plugin implements it: the
    course's items with the first page, then its grades that hold a value or feedback, of
    every user with grade rows (any enrolment, suspended and ended included), by id."""
    course = call.course(call.params["courseid"])
    call.course_context(course)
    call.require("moodle/grade:viewall")
    limit, since = call.params["limit"], call.params["sinceid"]
    if limit < 1:
        raise errors.invalid_parameter("limit must be at least 1")
    limit, viewhidden = min(limit, MAX_LOG_LIMIT), call.has("moodle/grade:viewhidden")
    grades: list[dict[str, Any]] = []
    hasmore = False
    for userid in sorted(u for u in call.state.course_enrolments[course.id] if
                         u >= since // _ID_STRIDE):
        rendered = user_grades(call.state, course, call.state.users[userid])["gradeitems"]
        cells = sorted((c for c in rendered if c["graderaw"] is not None or c["feedback"]),
                       key=lambda c: c["id"])
        for cell in cells:
            if userid * _ID_STRIDE + cell["id"] <= since:
                continue
            if len(grades) == limit:
                hasmore = True
                break
            grades.append(_stored_grade(call.state.users[userid], cell, viewhidden))
        if hasmore:
            break
    items = [] if since else [
        {"id": i.id, "itemname": i.itemname, "itemtype": i.itemtype, "itemmodule": i.itemmodule,
         "iteminstance": i.iteminstance, "grademax": _number(i.grademax), "grademin": 0}
        for i in (call.state.grade_items[g] for g in sorted(call.state.course_items[course.id]))
    ]
    lastid = grades[-1]["id"] if grades else since
    return {"items": items, "grades": grades, "lastid": lastid, "hasmore": hasmore}
