"""``core_enrol_*`` rosters and ``enrol_manual_unenrol_users``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from connectors.moodle.simulator import errors, lifecycle
from connectors.moodle.simulator.access import ROLE_CAPABILITIES, ROLES
from connectors.moodle.simulator.handlers.registry import Call, ws_function
from connectors.moodle.simulator.handlers.render import ENROLLED_USER_FIELDS, enrolled_user
from connectors.moodle.simulator.model import Course, User
from connectors.moodle.simulator.state import SITE_ID
from connectors.moodle.simulator.validation import OPTIONAL, Int, ListOf, Struct, Text

_OPTIONS = ListOf(Struct({"name": Text(), "value": Text()}), [])
_SORT_FIELDS = ("id", "firstname", "lastname", "siteorder")


def _int(value: str) -> int:
    """``clean_param(PARAM_INT)``: leading digits, anything else is 0."""
    digits = ""
    for i, char in enumerate(value.strip()):
        if char.isdigit() or (i == 0 and char == "-"):
            digits += char
        else:
            break
    return int(digits) if digits.strip("-") else 0


def _bool(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


class RosterOptions:
    """The ``options`` list of the roster functions, cleaned like Moodle does."""

    def __init__(self, options: Iterable[dict[str, str]]) -> None:
        self.withcapability = ""
        self.groupid = self.limitfrom = self.limitnumber = 0
        self.onlyactive = self.onlysuspended = False
        self.userfields: frozenset[str] | None = None
        self.sortby, self.sortdirection = "id", "ASC"
        for option in options:
            name, value = option["name"], option["value"]
            if name == "withcapability":
                self.withcapability = value
            elif name in ("groupid", "limitfrom", "limitnumber"):
                setattr(self, name, _int(value))
            elif name in ("onlyactive", "onlysuspended"):
                setattr(self, name, _bool(value))
            elif name == "userfields":
                self.userfields = frozenset(f.strip() for f in value.split(",") if f.strip())
            elif name == "sortby":
                if value not in _SORT_FIELDS:
                    raise errors.invalid_parameter("Invalid sort field")
                self.sortby = value
            elif name == "sortdirection":
                if value.upper() not in ("ASC", "DESC"):
                    raise errors.invalid_parameter("Invalid sort direction")
                self.sortdirection = value.upper()
        if self.onlyactive and self.onlysuspended:
            raise errors.coding_error(
                "Both onlyactive and onlysuspended are set, this is probably not what you want!")
        for field in self.userfields or ():
            if field not in ENROLLED_USER_FIELDS:
                raise errors.moodle_exception("invaliduserfield", f"Invalid user field: {field}")


def roster(call: Call, course: Course, options: RosterOptions, capability: str = "") -> list[User]:
    """The users ``get_enrolled_sql()`` would return, sorted and paged."""
    state, now = call.state, call.now()
    if course.id == SITE_ID:
        if options.onlysuspended:
            raise errors.invalid_parameter("onlysuspended is not allowed on the front page")
        users = [u for u in state.users.values() if not u.deleted]
    else:
        enrolled = state.course_enrolments[course.id]
        users = []
        for userid, enrolments in enrolled.items():
            active = any(e.is_active(now) for e in enrolments)
            if (options.onlyactive and not active) or (options.onlysuspended and active):
                continue
            if capability and not any(
                capability in ROLE_CAPABILITIES[ROLES[e.roleid]] for e in enrolments
            ):
                continue
            users.append(state.users[userid])
    if options.groupid:
        group = state.groups.get(options.groupid)
        members = group.members if group else set()
        users = [u for u in users if u.id in members]
    keys = {"id": lambda u: u.id, "firstname": lambda u: (u.firstname, u.id),
            "lastname": lambda u: (u.lastname, u.id),
            "siteorder": lambda u: (u.firstname, u.lastname, u.id)}
    already_sorted = course.id == SITE_ID and options.sortby == "id"  # users are kept by id
    if not already_sorted or options.sortdirection == "DESC":
        users.sort(key=keys[options.sortby], reverse=options.sortdirection == "DESC")
    start = max(options.limitfrom, 0)
    return users[start:start + options.limitnumber] if options.limitnumber > 0 else users[start:]


@ws_function("core_enrol_get_enrolled_users", courseid=Int(), options=_OPTIONS)
def get_enrolled_users(call: Call) -> list[dict[str, Any]]:
    course = call.course(call.params["courseid"])
    call.course_context(course)
    options = RosterOptions(call.params["options"])
    call.require("moodle/site:viewparticipants" if course.id == SITE_ID
                 else "moodle/course:viewparticipants")
    if options.onlyactive or options.onlysuspended:
        call.require("moodle/course:enrolreview")
    if options.withcapability:
        call.require("moodle/role:review")
    users = roster(call, course, options, options.withcapability)
    return [enrolled_user(call.state, u, course.id, options.userfields) for u in users]


#: ``core_enrol_get_enrolled_users_with_capability`` sends neither of these.
_NOT_WITH_CAPABILITY = ("idnumber", "lastcourseaccess")


@ws_function(
    "core_enrol_get_enrolled_users_with_capability",
    coursecapabilities=ListOf(Struct({"courseid": Int(), "capabilities": ListOf(Text())})),
    options=_OPTIONS,
)
def get_enrolled_users_with_capability(call: Call) -> list[dict[str, Any]]:
    options = RosterOptions(call.params["options"])
    result = []
    for pair in call.params["coursecapabilities"]:
        course = call.course(pair["courseid"])
        call.course_context(course)
        call.require("moodle/role:review")
        for capability in pair["capabilities"]:
            users = []
            for user in roster(call, course, options, capability):
                record = enrolled_user(call.state, user, course.id, options.userfields)
                for key in _NOT_WITH_CAPABILITY:
                    record.pop(key, None)
                for group in record.get("groups", ()):
                    group.pop("descriptionformat")
                users.append(record)
            result.append({"courseid": course.id, "capability": capability, "users": users})
    return result


@ws_function(
    "enrol_manual_unenrol_users",
    enrolments=ListOf(Struct({"userid": Int(), "courseid": Int(), "roleid": Int(OPTIONAL)})),
)
def manual_unenrol_users(call: Call) -> None:
    """All or nothing; users without a manual enrolment are a silent no-op."""
    for item in call.params["enrolments"]:
        course = call.course(item["courseid"])
        call.course_context(course)
        call.require("enrol/manual:unenrol")
        if course.id == SITE_ID:
            raise errors.moodle_exception("wsnoinstance", "Manual enrolment plugin instance "
                                          "doesn't exist or is disabled for the course")
        if call.state.live_user(item["userid"]) is None:
            raise errors.invalid_parameter(f"User id not exist: {item['userid']}")
    for item in call.params["enrolments"]:
        for enrolment in list(call.state.enrolments_of(item["userid"], item["courseid"])):
            if enrolment.method == "manual":
                lifecycle.unenrol(call.state, enrolment, call.user.id)
    return None


@ws_function("core_enrol_get_users_courses", userid=Int(), returnusercount=Int(OPTIONAL))
def get_users_courses(call: Call) -> list[dict[str, Any]]:
    """The courses a user is actively enrolled in (a suspended or ended enrolment is left
    out), hidden ones only for a caller who may see them. In the plugin's service (its
    set-up lists it): the bridge's read-back after a revocation."""
    call.system_context()
    user = call.state.live_user(call.params["userid"])
    if user is None:
        raise errors.invalid_parameter(f"User id not exist: {call.params['userid']}")
    if user.id != call.user.id:
        call.require("moodle/user:viewdetails")
    now, courses = call.now(), []
    for course in sorted(call.state.courses.values(), key=lambda c: c.id):
        enrolments = call.state.enrolments_of(user.id, course.id)
        if course.id == SITE_ID or not any(e.is_active(now) for e in enrolments):
            continue
        if not course.visible and not call.has("moodle/course:viewhiddencourses"):
            continue
        courses.append({
            "id": course.id, "shortname": course.shortname, "fullname": course.fullname,
            "displayname": course.fullname, "idnumber": course.idnumber,
            "visible": int(course.visible), "summary": course.summary, "summaryformat": 1,
            "format": course.format, "courseimage": f"{call.state.config.wwwroot}/pluginfile"
            f".php/{course.id}/course/generated/course.svg", "showgrades": True, "lang": "",
            "enablecompletion": True, "completionhascriteria": False,
            "completionusertracked": False, "category": course.categoryid, "progress": None,
            "completed": None, "startdate": course.startdate, "enddate": course.enddate,
            "marker": 0, "lastaccess": None, "isfavourite": False, "hidden": False,
            "overviewfiles": [], "showactivitydates": False, "showcompletionconditions": True,
            "timemodified": course.timemodified,
        })
    return courses
