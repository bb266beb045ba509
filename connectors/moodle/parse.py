"""Moodle JSON → typed records, validated at the edge.

Every function here is pure: it takes one decoded Moodle object (plus the
context the stream knows, such as the course it asked about) and returns
records, or raises :class:`ValueError` with a reason precise enough to fix the
data. The stream engine turns that error into a quarantined
:class:`~connectors.records.Reject` and goes on with the next object.

Moodle's conventions (reference 1.3, 2.4) are handled once, in the small
readers at the top: an optional key may be missing, ``null`` or ``""``; ``0``
is "never" for timestamps; some ids and grades arrive as strings. Profile image
URLs and file URLs are never read: they embed a theme revision or a path that
changes without the person's data changing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.records import (
    AssignmentGradeRecord,
    AssignmentRecord,
    CourseRecord,
    EnrolmentRecord,
    GradeItemRecord,
    GradeRecord,
    LogEntryRecord,
    MessageRecord,
    Record,
    SubmissionFile,
    SubmissionRecord,
    UserRecord,
)

Raw = Mapping[str, Any]

_INT_TEXT = re.compile(r"-?\d+")

#: ``mod_assign_get_grades`` sends this for "no grade" (reference 2.16).
_NO_ASSIGN_GRADE = -1.0

# --------------------------------------------------------------------------- readers


def _present(raw: Raw, key: str) -> Any:
    value = raw.get(key)
    return None if value is None or value == "" else value


def _as_int(value: Any, where: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{where}: expected an integer, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INT_TEXT.fullmatch(value.strip()):
        return int(value)  # PARAM_ALPHANUM ids come back as strings (reference 1.3)
    raise ValueError(f"{where}: expected an integer, got {value!r}")


def req_id(raw: Raw, key: str = "id") -> int:
    """A required positive id."""
    value = raw.get(key)
    if value is None or value == "":
        raise ValueError(f"{key}: missing")
    number = _as_int(value, key)
    if number <= 0:
        raise ValueError(f"{key}: must be a positive id, got {number}")
    return number


def _opt_id(raw: Raw, key: str) -> int | None:
    """An optional id where ``0`` (and ``-1``, "hidden") means "none"."""
    value = _present(raw, key)
    if value is None:
        return None
    number = _as_int(value, key)
    return number if number > 0 else None


def _opt_int(raw: Raw, key: str) -> int | None:
    value = _present(raw, key)
    return None if value is None else _as_int(value, key)


def _count(raw: Raw, key: str) -> int:
    """A non-negative counter such as an attempt number (missing means 0)."""
    number = _opt_int(raw, key) or 0
    if number < 0:
        raise ValueError(f"{key}: must not be negative, got {number}")
    return number


def _time(raw: Raw, key: str) -> int | None:
    """A Unix timestamp; ``0``, ``null`` and missing all mean "never"."""
    number = _opt_int(raw, key)
    if number is None:
        return None
    if number < 0:
        raise ValueError(f"{key}: timestamp must not be negative, got {number}")
    return number or None


def _req_time(raw: Raw, key: str) -> int:
    stamp = _time(raw, key)
    if stamp is None:
        raise ValueError(f"{key}: missing timestamp")
    return stamp


def _opt_str(raw: Raw, key: str) -> str | None:
    value = _present(raw, key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"{key}: expected text, got {type(value).__name__}")
    return str(value)


def _req_str(raw: Raw, key: str) -> str:
    text = _opt_str(raw, key)
    if text is None:
        raise ValueError(f"{key}: missing")
    return text


def _bool(raw: Raw, key: str, default: bool = False) -> bool:
    value = raw.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if value in (0, 1, "0", "1"):
        return bool(int(value))
    raise ValueError(f"{key}: expected a boolean, got {value!r}")


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{where}: expected a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: expected a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{where}: expected a finite number, got {value!r}")
    return number


def _opt_number(raw: Raw, key: str) -> float | None:
    value = _present(raw, key)
    return None if value is None else _number(value, key)


def _items(raw: Raw, key: str) -> Sequence[Raw]:
    """A list of objects; Moodle omits empty lists (e.g. ``groups``)."""
    value = raw.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise ValueError(f"{key}: expected a list of objects")
    return value


def _texts(raw: Raw, key: str, field: str) -> list[str]:
    """``field`` of every object in the list ``key``, each required."""
    texts = []
    for index, item in enumerate(_items(raw, key)):
        text = _opt_str(item, field)
        if text is None:
            raise ValueError(f"{key}[{index}].{field}: missing")
        texts.append(text)
    return texts


# --------------------------------------------------------------------------- site


@dataclass(frozen=True, slots=True)
class SiteInfo:
    """What ``core_webservice_get_site_info`` says about the site and the token."""

    site_id: int
    service_user_id: int
    functions: frozenset[str]
    version: str | None = None
    release: str | None = None
    is_site_admin: bool = False


def parse_site_info(raw: Raw) -> SiteInfo:
    functions = frozenset(_texts(raw, "functions", "name"))
    return SiteInfo(
        site_id=req_id(raw, "siteid") if "siteid" in raw else 1,
        service_user_id=req_id(raw, "userid"),
        functions=functions,
        version=_opt_str(raw, "version"),
        release=_opt_str(raw, "release"),
        is_site_admin=_bool(raw, "userissiteadmin"),
    )


# --------------------------------------------------------------------------- users and courses


def parse_user(raw: Raw) -> UserRecord:
    """A user of ``core_user_get_users(_by_field)`` (reference 2.4)."""
    names = _texts(raw, "customfields", "shortname")
    values = [_opt_str(field, "value") for field in _items(raw, "customfields")]
    custom = [(name, value) for name, value in zip(names, values, strict=True) if value is not None]
    return UserRecord(
        lms_user_id=req_id(raw),
        username=_opt_str(raw, "username"),
        first_name=_opt_str(raw, "firstname"),
        last_name=_opt_str(raw, "lastname"),
        email=_opt_str(raw, "email"),
        idnumber=_opt_str(raw, "idnumber"),
        phone1=_opt_str(raw, "phone1"),
        phone2=_opt_str(raw, "phone2"),
        institution=_opt_str(raw, "institution"),
        department=_opt_str(raw, "department"),
        city=_opt_str(raw, "city"),
        country=_opt_str(raw, "country"),
        auth=_opt_str(raw, "auth"),
        suspended=_bool(raw, "suspended"),
        first_access=_time(raw, "firstaccess"),
        last_access=_time(raw, "lastaccess"),
        custom_fields=tuple(sorted(custom)),
    )


def parse_course(raw: Raw) -> CourseRecord:
    """A course of ``core_course_get_courses_by_field`` (reference 2.6)."""
    return CourseRecord(
        lms_course_id=req_id(raw),
        shortname=_req_str(raw, "shortname"),
        fullname=_req_str(raw, "fullname"),
        category_id=_opt_id(raw, "categoryid"),
        start_date=_time(raw, "startdate"),
        end_date=_time(raw, "enddate"),
        visible=_bool(raw, "visible", default=True),
    )


def parse_enrolment(raw: Raw, *, course_id: int, suspended: bool) -> EnrolmentRecord:
    """A roster entry of ``core_enrol_get_enrolled_users`` (reference 2.8).

    Roles are keyed on ``shortname`` because ``name`` is ``""`` for standard
    roles; ``groups`` is omitted for users in no group.
    """
    return EnrolmentRecord(
        lms_course_id=course_id,
        lms_user_id=req_id(raw),
        roles=tuple(sorted(set(_texts(raw, "roles", "shortname")))),
        status="suspended" if suspended else "active",
        groups=tuple(sorted(set(_texts(raw, "groups", "name")))),
        last_course_access=_time(raw, "lastcourseaccess"),
    )


# --------------------------------------------------------------------------- grades


def parse_grade_cell(raw: Raw, *, course_id: int, user_id: object) -> list[Record]:
    """One item of ``gradereport_user_get_grade_items`` for one user (reference 2.11).

    Yields the grade item and, when the cell holds a grade, feedback or a
    graded date, the user's grade. Course-total items have no name.
    ``user_id`` is the enclosing ``usergrades[].userid`` as Moodle sent it.
    """
    item_id = req_id(raw)
    lms_user_id = req_id({"userid": user_id}, "userid")
    item = GradeItemRecord(
        lms_item_id=item_id,
        lms_course_id=course_id,
        name=_opt_str(raw, "itemname"),
        item_type=_req_str(raw, "itemtype"),
        item_module=_opt_str(raw, "itemmodule"),
        item_instance=_opt_id(raw, "iteminstance"),
        grade_max=_opt_number(raw, "grademax"),
        grade_min=_opt_number(raw, "grademin"),
    )
    grade = GradeRecord(
        lms_item_id=item_id,
        lms_user_id=lms_user_id,
        lms_course_id=course_id,
        grade=_opt_number(raw, "graderaw"),
        feedback=_opt_str(raw, "feedback"),
        graded_at=_time(raw, "gradedategraded"),
        hidden=_bool(raw, "gradeishidden"),
        overridden=_bool(raw, "gradeisoverridden"),
    )
    if grade.grade is None and grade.feedback is None and grade.graded_at is None:
        return [item]  # an empty cell: there is no grade row in Moodle
    return [item, grade]


def parse_assignment_grade(raw: Raw, *, assignment_id: int) -> AssignmentGradeRecord:
    """A grade of ``mod_assign_get_grades``: the grade is a string, ``"-1.00000"`` = none."""
    value = _present(raw, "grade")
    grade = None if value is None else _number(value, "grade")
    if grade is not None and grade < 0:
        if grade != _NO_ASSIGN_GRADE:
            raise ValueError(f"grade: negative grade {value!r} is impossible")
        grade = None
    return AssignmentGradeRecord(
        lms_grade_id=req_id(raw),
        lms_assignment_id=assignment_id,
        lms_user_id=req_id(raw, "userid"),
        attempt=_count(raw, "attemptnumber"),
        grade=grade,
        grader_id=_opt_id(raw, "grader"),  # -1 = grader hidden
        time_created=_time(raw, "timecreated"),
        time_modified=_time(raw, "timemodified"),
    )


# --------------------------------------------------------------------------- assignments


def parse_assignment(raw: Raw) -> AssignmentRecord:
    """An assignment of ``mod_assign_get_assignments`` (reference 2.14).

    ``grade`` is the maximum grade, or minus a scale id; only points count as
    ``max_grade``. Plugin settings become sorted ``("plugin.subtype.name",
    value)`` pairs so the hash is stable whatever order Moodle sends.
    """
    settings = []
    for index, config in enumerate(_items(raw, "configs")):
        parts = [_opt_str(config, key) for key in ("plugin", "subtype", "name")]
        if None in parts:
            raise ValueError(f"configs[{index}]: needs plugin, subtype and name")
        settings.append((".".join(p for p in parts if p), _opt_str(config, "value") or ""))
    max_grade = _opt_number(raw, "grade")
    return AssignmentRecord(
        lms_assignment_id=req_id(raw),
        lms_course_id=req_id(raw, "course"),
        cmid=req_id(raw, "cmid"),
        name=_req_str(raw, "name"),
        due_date=_time(raw, "duedate"),
        cutoff_date=_time(raw, "cutoffdate"),
        max_grade=max_grade if max_grade is not None and max_grade > 0 else None,
        blind_marking=_bool(raw, "blindmarking"),
        team_submission=_bool(raw, "teamsubmission"),
        time_modified=_time(raw, "timemodified"),
        settings=tuple(sorted(settings)),
    )


def _plugins(raw: Raw, kind: str) -> Iterable[Raw]:
    return (p for p in _items(raw, "plugins") if p.get("type") == kind)


def _online_text(raw: Raw) -> str | None:
    texts = [
        text
        for plugin in _plugins(raw, "onlinetext")
        for field in _items(plugin, "editorfields")
        if (text := _opt_str(field, "text")) is not None
    ]
    return "\n".join(texts) if texts else None


def _file(raw: Raw) -> SubmissionFile:
    size = _count(raw, "filesize")
    return SubmissionFile(
        filename=_req_str(raw, "filename"),
        filepath=_opt_str(raw, "filepath") or "/",
        filesize=size,
        mimetype=_opt_str(raw, "mimetype"),
        time_modified=_time(raw, "timemodified"),
    )


def _files(raw: Raw) -> tuple[SubmissionFile, ...]:
    """File metadata only: ``fileurl`` is left out (unstable, and not data)."""
    files = [
        _file(entry)
        for plugin in _plugins(raw, "file")
        for area in _items(plugin, "fileareas")
        for entry in _items(area, "files")
    ]
    return tuple(sorted(files, key=lambda f: (f.filepath, f.filename)))


def parse_submission(raw: Raw, *, assignment_id: int) -> SubmissionRecord:
    """A submission of ``mod_assign_get_submissions`` (reference 2.15).

    ``userid`` 0 marks a team submission; ``timestarted`` is ``null`` when
    unused and is not kept.
    """
    return SubmissionRecord(
        lms_submission_id=req_id(raw),
        lms_assignment_id=assignment_id,
        lms_user_id=_opt_id(raw, "userid"),
        group_id=_opt_id(raw, "groupid"),
        status=_req_str(raw, "status"),
        attempt=_count(raw, "attemptnumber"),
        grading_status=_opt_str(raw, "gradingstatus"),
        online_text=_online_text(raw),
        files=_files(raw),
        time_created=_time(raw, "timecreated"),
        time_modified=_time(raw, "timemodified"),
    )


# --------------------------------------------------------------------------- messages and logs


def parse_message(raw: Raw, *, conversation_id: int, member_ids: tuple[int, ...]) -> MessageRecord:
    """A message of ``core_message_get_conversation_messages`` (reference 2.19)."""
    text = raw.get("text")
    if text is not None and not isinstance(text, str):
        raise ValueError(f"text: expected text, got {type(text).__name__}")
    return MessageRecord(
        lms_message_id=req_id(raw),
        lms_conversation_id=conversation_id,
        from_user_id=req_id(raw, "useridfrom"),
        member_ids=member_ids,
        text=text or "",
        time_created=_req_time(raw, "timecreated"),
    )


def parse_log_entry(raw: Raw) -> LogEntryRecord:
    """A row of the companion plugin's log reader (``logstore_standard_log`` layout, ref. 4.3).

    ``userid`` may be ``-1`` or ``0`` (system, not logged in); ``courseid`` is
    ``0`` for site-level events and becomes ``None``; ``other`` holds the text
    ``null`` for events without data.
    """
    other = _opt_str(raw, "other")
    crud = _req_str(raw, "crud")
    if crud not in ("c", "r", "u", "d"):
        raise ValueError(f"crud: expected one of c, r, u, d, got {crud!r}")
    user_id = _opt_int(raw, "userid")
    if user_id is None:
        raise ValueError("userid: missing")
    return LogEntryRecord(
        lms_log_id=req_id(raw),
        event_name=_req_str(raw, "eventname"),
        component=_req_str(raw, "component"),
        action=_req_str(raw, "action"),
        target=_req_str(raw, "target"),
        crud=crud,
        edu_level=_count(raw, "edulevel"),
        context_id=req_id(raw, "contextid"),
        context_level=req_id(raw, "contextlevel"),
        context_instance_id=_count(raw, "contextinstanceid"),
        user_id=user_id,
        course_id=_opt_id(raw, "courseid"),
        related_user_id=_opt_id(raw, "relateduserid"),
        anonymous=_bool(raw, "anonymous"),
        other=None if other == "null" else other,
        time_created=_req_time(raw, "timecreated"),
        origin=_opt_str(raw, "origin"),
        ip=_opt_str(raw, "ip"),
        real_user_id=_opt_id(raw, "realuserid"),
        object_table=_opt_str(raw, "objecttable"),
        object_id=_opt_id(raw, "objectid"),
    )
