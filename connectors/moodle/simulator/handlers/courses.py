"""``core_course_get_courses_by_field`` and ``core_course_get_courses``."""

from __future__ import annotations

from typing import Any

from connectors.moodle.simulator import errors
from connectors.moodle.simulator.access import ROLES
from connectors.moodle.simulator.handlers.registry import Call, ws_function
from connectors.moodle.simulator.model import Course
from connectors.moodle.simulator.state import SITE_ID
from connectors.moodle.simulator.validation import OPTIONAL, Int, ListOf, Struct, Text

_FILTERS = ("displayh5p", "activitynames", "mathjaxloader", "emoticon", "urltolink",
            "mediaplugin")
_FORMAT_OPTIONS = ({"name": "hiddensections", "value": 1}, {"name": "coursedisplay", "value": 0},
                   {"name": "indentation", "value": "1"})


def _is_site(course: Course) -> bool:
    return course.id == SITE_ID


def _public(call: Call, course: Course) -> dict[str, Any]:
    state = call.state
    site = _is_site(course)
    teachers = sorted(
        userid for userid, enrolments in state.course_enrolments[course.id].items()
        if any(ROLES[e.roleid] == "editingteacher" for e in enrolments)
    )
    methods = [] if site else ["manual", *(["self"] if course.self_enrolment else [])]
    category = state.categories.get(course.categoryid)
    return {
        "id": course.id, "fullname": course.fullname, "displayname": course.fullname,
        "shortname": course.shortname,
        "courseimage": f"{state.config.wwwroot}/pluginfile.php/{course.id}/course/generated/"
                       "course.svg",
        "categoryid": course.categoryid, "categoryname": category.name if category else "",
        "sortorder": course.sortorder, "summary": course.summary,
        "summaryformat": 0 if site else 1, "summaryfiles": [], "overviewfiles": [],
        "showactivitydates": False, "showcompletionconditions": None if site else True,
        "contacts": [{"id": t, "fullname": state.users[t].fullname} for t in teachers],
        "enrollmentmethods": methods,
    }


def _settings(course: Course, *, can_update: bool) -> dict[str, Any]:
    """The keys sent to users who can enter the course (some only with course:update)."""
    site = _is_site(course)
    settings: dict[str, Any] = {
        "idnumber": course.idnumber, "format": course.format, "showgrades": 1,
        "newsitems": 3 if site else 0, "startdate": course.startdate, "enddate": course.enddate,
        "maxbytes": 0, "showreports": 0, "visible": int(course.visible), "groupmode": 0,
        "groupmodeforce": 0, "defaultgroupingid": 0, "enablecompletion": 0 if site else 1,
        "completionnotify": 0, "lang": "", "theme": "", "marker": 0, "legacyfiles": 0,
        "calendartype": "", "timecreated": course.timecreated,
        "timemodified": course.timemodified, "requested": 0, "cacherev": course.timemodified,
        "filters": [{"filter": f, "localstate": 0, "inheritedstate": 1} for f in _FILTERS],
    }
    if not site:
        settings["courseformatoptions"] = [dict(option) for option in _FORMAT_OPTIONS]
    if not can_update:
        for key in ("idnumber", "legacyfiles", "calendartype", "timecreated", "timemodified",
                    "requested", "cacherev"):
            del settings[key]
    return settings


def _select(call: Call, field: str, value: str) -> list[Course]:
    courses = call.state.courses
    if field == "":
        return list(courses.values())
    if field in ("id", "category", "sectionid"):
        if not value.lstrip("-").isdigit():
            raise errors.invalid_parameter(f"Invalid value for {field}")
        number = int(value)
        if field == "id":
            return [courses[number]] if number in courses else []
        return [c for c in courses.values() if field == "category" and c.categoryid == number]
    if field == "ids":
        ids = [int(v) for v in value.split(",") if v.strip().lstrip("-").isdigit()]
        if any(i not in courses for i in ids):
            raise errors.php_error('Attempt to assign property "contextvalidated" on null')
        return [courses[i] for i in sorted(set(ids))]
    if field in ("shortname", "idnumber"):
        return [c for c in courses.values() if getattr(c, field) == value]
    raise errors.invalid_parameter("Invalid field name")


@ws_function("core_course_get_courses_by_field", field=Text(""), value=Text(""))
def get_courses_by_field(call: Call) -> dict[str, Any]:
    """Tolerant: courses the caller cannot enter come back with public information only."""
    call.system_context()
    records = []
    for course in sorted(_select(call, call.params["field"], call.params["value"]),
                         key=lambda c: c.id):
        if not course.visible and not call.has("moodle/course:viewhiddencourses"):
            continue
        record = _public(call, course)
        if call.course_context_failure(course) is None:
            record.update(_settings(course, can_update=call.has("moodle/course:update")))
        records.append(record)
    return {"courses": records, "warnings": []}


_UPDATE_ONLY = ("categorysortorder", "idnumber", "showgrades", "showreports", "newsitems",
                "visible", "maxbytes", "hiddensections", "groupmode", "groupmodeforce",
                "defaultgroupingid", "lang", "timecreated", "timemodified", "forcetheme",
                "enablecompletion", "completionnotify", "courseformatoptions")


def _course(course: Course, *, can_update: bool) -> dict[str, Any]:
    site = _is_site(course)
    record: dict[str, Any] = {
        "id": course.id, "shortname": course.shortname, "categoryid": course.categoryid,
        "categorysortorder": course.sortorder, "fullname": course.fullname,
        "displayname": course.fullname, "idnumber": course.idnumber, "summary": course.summary,
        "summaryformat": 0 if site else 1, "format": course.format, "showgrades": 1,
        "newsitems": 3 if site else 0, "startdate": course.startdate,
        "enddate": course.enddate, "numsections": 1 if site else 3, "maxbytes": 0,
        "showreports": 0, "visible": int(course.visible),
        **({} if site else {"hiddensections": 1}),
        "groupmode": 0, "groupmodeforce": 0, "defaultgroupingid": 0,
        "timecreated": course.timecreated, "timemodified": course.timemodified,
        "enablecompletion": 0 if site else 1, "completionnotify": 0, "lang": "",
        "forcetheme": "",
        "courseformatoptions": [{"name": "numsections", "value": 1}] if site
        else [dict(option) for option in _FORMAT_OPTIONS[:2]],
        "showactivitydates": False, "showcompletionconditions": None if site else True,
    }
    if not can_update:
        for key in _UPDATE_ONLY:
            record.pop(key, None)
    return record


@ws_function("core_course_get_courses",
             options=Struct({"ids": ListOf(Int(), OPTIONAL)}, {}))
def get_courses(call: Call) -> list[dict[str, Any]]:
    """One course the caller cannot enter fails the whole call; order is not by id."""
    courses = call.state.courses
    ids = call.params["options"].get("ids")
    selected = list(courses.values()) if ids is None else [courses[i] for i in ids
                                                            if i in courses]
    records = []
    for course in sorted(selected, key=lambda c: (c.fullname, c.id)):
        if not _is_site(course):
            call.course_context(course)
        records.append(_course(course, can_update=call.has("moodle/course:update")))
    return records
