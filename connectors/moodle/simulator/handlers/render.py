"""User records as the different Moodle functions render them.

The same person comes back in four shapes: the full profile of
``core_user_get_users*`` (2.4), the course-participant record of
``core_enrol_get_enrolled_users`` (2.8), the messaging member and the
data-request user summary. Which keys are omitted when empty differs per
shape; the rules here are the recorded ones.
"""

from __future__ import annotations

from typing import Any

from connectors.moodle.simulator.access import ROLES
from connectors.moodle.simulator.model import User
from connectors.moodle.simulator.state import SiteState

#: Custom profile fields: shortname -> (name, type).
CUSTOM_FIELDS: dict[str, tuple[str, str]] = {
    "employer": ("Employer", "text"),
    "phone": ("Phone (private)", "text"),
    "studentno": ("Student number", "text"),
}
THEME_REVISION = 1795641350


def picture_urls(state: SiteState) -> dict[str, str]:
    base = f"{state.config.wwwroot}/theme/image.php/boost/core/{THEME_REVISION}/u"
    return {"profileimageurlsmall": f"{base}/f2", "profileimageurl": f"{base}/f1"}


def profile_url(state: SiteState, userid: int) -> str:
    return f"{state.config.wwwroot}/user/profile.php?id={userid}"


def text_to_html(text: str) -> str:
    return f'<div class="text_to_html">{text}</div>'


def _if_set(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value}


def custom_fields(user: User, *, display: bool) -> list[dict[str, Any]]:
    fields = []
    for shortname, (name, kind) in CUSTOM_FIELDS.items():
        value = user.customfields.get(shortname)
        if value:
            field: dict[str, Any] = {"type": kind, "value": value}
            if display:
                field["displayvalue"] = value
            fields.append({**field, "name": name, "shortname": shortname})
    return fields


def _identity(state: SiteState, user: User) -> dict[str, Any]:
    shown = state.config.showuseridentity
    return _if_set(phone1=user.phone1 if "phone1" in shown else "",
                   phone2=user.phone2 if "phone2" in shown else "")


def user_details(state: SiteState, user: User, callerid: int) -> dict[str, Any]:
    """``user_get_user_details()`` on the system-profile path (``core_user_get_users*``)."""
    details: dict[str, Any] = {
        "id": user.id, "username": user.username, "firstname": user.firstname,
        "lastname": user.lastname, "fullname": user.fullname, "email": user.email,
        **_identity(state, user), "department": user.department,
        **_if_set(institution=user.institution, idnumber=user.idnumber),
        "firstaccess": user.firstaccess, "lastaccess": user.lastaccess, "auth": user.auth,
        "suspended": user.suspended, "confirmed": user.confirmed, "lang": user.lang,
        "theme": "", **_if_set(timezone=user.timezone),
        "mailformat": user.mailformat, "trackforums": 0,
    }
    if user.description:
        details.update(description=user.description, descriptionformat=1)
    details.update(_if_set(city=user.city, country=user.country))
    details.update(picture_urls(state))
    fields = custom_fields(user, display=True)
    if fields:
        details["customfields"] = fields
    if user.id == callerid and user.preferences:
        details["preferences"] = [{"name": k, "value": v} for k, v in user.preferences.items()]
    return details


#: ``userfields`` accepted by ``core_enrol_get_enrolled_users``.
ENROLLED_USER_FIELDS = frozenset((
    "id", "username", "fullname", "firstname", "lastname", "email", "address", "phone1",
    "phone2", "department", "institution", "interests", "firstaccess", "lastaccess", "auth",
    "confirmed", "idnumber", "lang", "theme", "timezone", "mailformat", "description",
    "descriptionformat", "city", "country", "profileimageurlsmall", "profileimageurl",
    "customfields", "groups", "roles", "preferences", "enrolledcourses", "suspended",
    "lastcourseaccess", "trackforums",
))


def enrolled_user(state: SiteState, user: User, courseid: int,
                  fields: frozenset[str] | None) -> dict[str, Any]:
    """``user_get_user_details()`` in a course (2.8); ``fields`` = the ``userfields`` option."""
    record: dict[str, Any] = {
        "id": user.id, "username": user.username, "firstname": user.firstname,
        "lastname": user.lastname, "fullname": user.fullname, "email": user.email,
        **_identity(state, user), "department": user.department,
        **_if_set(institution=user.institution, idnumber=user.idnumber),
        "firstaccess": user.firstaccess, "lastaccess": user.lastaccess,
        "lastcourseaccess": state.lastcourseaccess.get((user.id, courseid), 0),
    }
    if user.description:
        record.update(description=user.description, descriptionformat=1)
    record.update(_if_set(city=user.city, country=user.country))
    record.update(picture_urls(state))
    wanted = fields if fields is not None else ENROLLED_USER_FIELDS
    extras: dict[str, Any] = {}
    if "customfields" in wanted:
        extras["customfields"] = custom_fields(user, display=False)
    if "groups" in wanted and courseid != 1:
        extras["groups"] = [
            {"id": g.id, "name": g.name, "description": text_to_html(g.description),
             "descriptionformat": 0} for g in state.user_groups(user.id, courseid)
        ]
    if "roles" in wanted:
        extras["roles"] = [{"roleid": r, "name": "", "shortname": ROLES[r], "sortorder": 0}
                           for r in state.roles_in(user.id, courseid)]
    if "enrolledcourses" in wanted:
        extras["enrolledcourses"] = enrolled_courses(state, user.id)
    record.update({k: v for k, v in extras.items() if v or k == "roles"})
    if fields is None:
        return record
    return {k: v for k, v in record.items() if k in fields or k == "fullname"}


def enrolled_courses(state: SiteState, userid: int) -> list[dict[str, Any]]:
    """Courses with an active enrolment that the user can see (hidden ones only as teacher)."""
    now = state.now()
    listed = []
    for courseid in sorted(state.user_courses.get(userid, ())):
        enrolments = state.enrolments_of(userid, courseid)
        course = state.courses[courseid]
        teaches = any(ROLES[e.roleid] != "student" for e in enrolments)
        if any(e.is_active(now) for e in enrolments) and (course.visible or teaches):
            listed.append({"id": course.id, "fullname": course.fullname,
                           "shortname": course.shortname})
    return listed


def user_summary(state: SiteState, user: User) -> dict[str, Any]:
    """The ``user_summary_exporter`` shape used by data requests."""
    return {
        "id": user.id, "email": user.email, "idnumber": user.idnumber,
        "phone1": user.phone1, "phone2": user.phone2, "department": user.department,
        "institution": user.institution, "fullname": user.fullname, "identity": user.email,
        "profileurl": profile_url(state, user.id), **picture_urls(state),
    }


def member(state: SiteState, user: User, *, iscontact: bool = False,
           even_if_blocked: bool | None = None) -> dict[str, Any]:
    """A messaging member; ``even_if_blocked`` is ``None`` outside individual conversations.

    In individual conversations the three "can message" flags are booleans
    (staff may message even when blocked), elsewhere they are ``null``.
    """
    pictures = picture_urls(state)
    return {
        "id": user.id, "fullname": user.fullname, "profileurl": profile_url(state, user.id),
        "profileimageurl": pictures["profileimageurl"],
        "profileimageurlsmall": pictures["profileimageurlsmall"],
        "isonline": False, "showonlinestatus": True, "isblocked": False,
        "iscontact": iscontact, "isdeleted": user.deleted,
        "canmessageevenifblocked": even_if_blocked,
        "canmessage": None if even_if_blocked is None else True,
        "requirescontact": None if even_if_blocked is None else False, "contactrequests": [],
    }
