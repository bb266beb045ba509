"""Moodle JSON → typed records, validated at the edge.

Every function here is pure: it takes one decoded Moodle object (plus the
context the stream knows, such as the course it asked about) and returns
records, or raises :class:`ValueError` with a reason precise enough to fix the
data. The stream engine turns that error into a quarantined
:class:`~connectors.records.Reject` and goes on with the next object.

Moodle's conventions (reference 1.3, 2.4) are handled once, in the field
readers of :mod:`connectors.moodle.fields`. Profile image URLs and file URLs
are never read: they embed a theme revision or a path that changes without the
person's data changing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from connectors.moodle.fields import (
    Raw,
    as_number,
    counter,
    flag,
    items,
    kind_of,
    opt_id,
    opt_int,
    opt_number,
    opt_str,
    present,
    req_id,
    req_str,
    req_timestamp,
    texts,
    timestamp,
)
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

#: ``mod_assign_get_grades`` sends this for "no grade" (reference 2.16).
_NO_ASSIGN_GRADE = -1.0

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
    functions = frozenset(texts(raw, "functions", "name"))
    return SiteInfo(
        site_id=req_id(raw, "siteid") if "siteid" in raw else 1,
        service_user_id=req_id(raw, "userid"),
        functions=functions,
        version=opt_str(raw, "version"),
        release=opt_str(raw, "release"),
        is_site_admin=flag(raw, "userissiteadmin"),
    )


# --------------------------------------------------------------------------- users and courses


def parse_user(raw: Raw) -> UserRecord:
    """A user of ``core_user_get_users(_by_field)`` (reference 2.4)."""
    names = texts(raw, "customfields", "shortname")
    values = [opt_str(field, "value") for field in items(raw, "customfields")]
    custom = [(name, value) for name, value in zip(names, values, strict=True) if value is not None]
    return UserRecord(
        lms_user_id=req_id(raw),
        username=opt_str(raw, "username"),
        first_name=opt_str(raw, "firstname"),
        last_name=opt_str(raw, "lastname"),
        email=opt_str(raw, "email"),
        idnumber=opt_str(raw, "idnumber"),
        phone1=opt_str(raw, "phone1"),
        phone2=opt_str(raw, "phone2"),
        institution=opt_str(raw, "institution"),
        department=opt_str(raw, "department"),
        city=opt_str(raw, "city"),
        country=opt_str(raw, "country"),
        auth=opt_str(raw, "auth"),
        suspended=flag(raw, "suspended"),
        first_access=timestamp(raw, "firstaccess"),
        last_access=timestamp(raw, "lastaccess"),
        custom_fields=tuple(sorted(custom)),
    )


def parse_course(raw: Raw) -> CourseRecord:
    """A course of ``core_course_get_courses_by_field`` (reference 2.6)."""
    return CourseRecord(
        lms_course_id=req_id(raw),
        shortname=req_str(raw, "shortname"),
        fullname=req_str(raw, "fullname"),
        category_id=opt_id(raw, "categoryid"),
        start_date=timestamp(raw, "startdate"),
        end_date=timestamp(raw, "enddate"),
        visible=flag(raw, "visible", default=True),
    )


def parse_enrolment(raw: Raw, *, course_id: int, suspended: bool) -> EnrolmentRecord:
    """A roster entry of ``core_enrol_get_enrolled_users`` (reference 2.8).

    Roles are keyed on ``shortname`` because ``name`` is ``""`` for standard
    roles; ``groups`` is omitted for users in no group.
    """
    return EnrolmentRecord(
        lms_course_id=course_id,
        lms_user_id=req_id(raw),
        roles=tuple(sorted(set(texts(raw, "roles", "shortname")))),
        status="suspended" if suspended else "active",
        groups=tuple(sorted(set(texts(raw, "groups", "name")))),
        last_course_access=timestamp(raw, "lastcourseaccess"),
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
    item = parse_grade_item(raw, course_id=course_id)
    grade = GradeRecord(
        lms_item_id=item_id,
        lms_user_id=lms_user_id,
        lms_course_id=course_id,
        grade=opt_number(raw, "graderaw"),
        feedback=opt_str(raw, "feedback"),
        graded_at=timestamp(raw, "gradedategraded"),
        hidden=flag(raw, "gradeishidden"),
        overridden=flag(raw, "gradeisoverridden"),
    )
    if grade.grade is None and grade.feedback is None and grade.graded_at is None:
        return [item]  # an empty cell: there is no grade row in Moodle
    return [item, grade]


def parse_grade_item(raw: Raw, *, course_id: int) -> GradeItemRecord:
    """A grade item, as the user report and the companion plugin both name its fields."""
    return GradeItemRecord(
        lms_item_id=req_id(raw),
        lms_course_id=course_id,
        name=opt_str(raw, "itemname"),
        item_type=req_str(raw, "itemtype"),
        item_module=opt_str(raw, "itemmodule"),
        item_instance=opt_id(raw, "iteminstance"),
        grade_max=opt_number(raw, "grademax"),
        grade_min=opt_number(raw, "grademin"),
    )


def parse_stored_grade(raw: Raw, *, course_id: int) -> GradeRecord:
    """A grade of the companion plugin's ``local_registrybridge_get_grades``: the values the
    user report shows (final grade, feedback, date graded, hidden, overridden), read as
    stored; the plugin lists only grades that hold a value or feedback."""
    return GradeRecord(
        lms_item_id=req_id(raw, "itemid"),
        lms_user_id=req_id(raw, "userid"),
        lms_course_id=course_id,
        grade=opt_number(raw, "finalgrade"),
        feedback=opt_str(raw, "feedback"),
        graded_at=timestamp(raw, "dategraded"),
        hidden=flag(raw, "hidden"),
        overridden=flag(raw, "overridden"),
    )


#: The gradebook's rows by the shape they come in: a user report cell, or the plugin's
#: stored item and grade.
_GRADEBOOK_PARSERS = {"item": parse_grade_item, "grade": parse_stored_grade}


def parse_gradebook_row(
    raw: Raw, *, course_id: int, user_id: object = None, shape: str = "cell"
) -> Record | list[Record]:
    """One row of the gradebook stream, whichever way it was read (see ``fetch_gradebook``)."""
    if shape == "cell":
        return parse_grade_cell(raw, course_id=course_id, user_id=user_id)
    return _GRADEBOOK_PARSERS[shape](raw, course_id=course_id)


def parse_assignment_grade(raw: Raw, *, assignment_id: int) -> AssignmentGradeRecord:
    """A grade of ``mod_assign_get_grades``: the grade is a string, ``"-1.00000"`` = none."""
    value = present(raw, "grade")
    grade = None if value is None else as_number(value, "grade")
    if grade is not None and grade < 0:
        if grade != _NO_ASSIGN_GRADE:
            raise ValueError("grade: a negative grade other than -1 (no grade) is impossible")
        grade = None
    return AssignmentGradeRecord(
        lms_grade_id=req_id(raw),
        lms_assignment_id=assignment_id,
        lms_user_id=req_id(raw, "userid"),
        attempt=counter(raw, "attemptnumber"),
        grade=grade,
        grader_id=opt_id(raw, "grader"),  # -1 = grader hidden
        time_created=timestamp(raw, "timecreated"),
        time_modified=timestamp(raw, "timemodified"),
    )


# --------------------------------------------------------------------------- assignments


def parse_assignment(raw: Raw) -> AssignmentRecord:
    """An assignment of ``mod_assign_get_assignments`` (reference 2.14).

    ``grade`` is the maximum grade, or minus a scale id; only points count as
    ``max_grade``. Plugin settings become sorted ``("plugin.subtype.name",
    value)`` pairs so the hash is stable whatever order Moodle sends.
    """
    settings = []
    for index, config in enumerate(items(raw, "configs")):
        parts = [opt_str(config, key) for key in ("plugin", "subtype", "name")]
        if None in parts:
            raise ValueError(f"configs[{index}]: needs plugin, subtype and name")
        settings.append((".".join(p for p in parts if p), opt_str(config, "value") or ""))
    max_grade = opt_number(raw, "grade")
    return AssignmentRecord(
        lms_assignment_id=req_id(raw),
        lms_course_id=req_id(raw, "course"),
        cmid=req_id(raw, "cmid"),
        name=req_str(raw, "name"),
        due_date=timestamp(raw, "duedate"),
        cutoff_date=timestamp(raw, "cutoffdate"),
        max_grade=max_grade if max_grade is not None and max_grade > 0 else None,
        blind_marking=flag(raw, "blindmarking"),
        team_submission=flag(raw, "teamsubmission"),
        time_modified=timestamp(raw, "timemodified"),
        settings=tuple(sorted(settings)),
    )


def _plugins(raw: Raw, kind: str) -> Iterable[Raw]:
    return (p for p in items(raw, "plugins") if p.get("type") == kind)


def _online_text(raw: Raw) -> str | None:
    texts = [
        text
        for plugin in _plugins(raw, "onlinetext")
        for field in items(plugin, "editorfields")
        if (text := opt_str(field, "text")) is not None
    ]
    return "\n".join(texts) if texts else None


def _file(raw: Raw) -> SubmissionFile:
    size = counter(raw, "filesize")
    return SubmissionFile(
        filename=req_str(raw, "filename"),
        filepath=opt_str(raw, "filepath") or "/",
        filesize=size,
        mimetype=opt_str(raw, "mimetype"),
        time_modified=timestamp(raw, "timemodified"),
    )


def _files(raw: Raw) -> tuple[SubmissionFile, ...]:
    """File metadata only: ``fileurl`` is left out (unstable, and not data)."""
    files = [
        _file(entry)
        for plugin in _plugins(raw, "file")
        for area in items(plugin, "fileareas")
        for entry in items(area, "files")
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
        lms_user_id=opt_id(raw, "userid"),
        group_id=opt_id(raw, "groupid"),
        status=req_str(raw, "status"),
        attempt=counter(raw, "attemptnumber"),
        grading_status=opt_str(raw, "gradingstatus"),
        online_text=_online_text(raw),
        files=_files(raw),
        time_created=timestamp(raw, "timecreated"),
        time_modified=timestamp(raw, "timemodified"),
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
        time_created=req_timestamp(raw, "timecreated"),
    )


def parse_log_entry(raw: Raw) -> LogEntryRecord:
    """A row of the companion plugin's log reader (``logstore_standard_log`` layout, ref. 4.3).

    ``userid`` may be ``-1`` or ``0`` (system, not logged in); ``courseid`` is
    ``0`` for site-level events and becomes ``None``; ``other`` holds the text
    ``null`` for events without data.
    """
    other = opt_str(raw, "other")
    crud = req_str(raw, "crud")
    if crud not in ("c", "r", "u", "d"):
        raise ValueError(f"crud: expected one of c, r, u, d, got {kind_of(crud)}")
    user_id = opt_int(raw, "userid")
    if user_id is None:
        raise ValueError("userid: missing")
    return LogEntryRecord(
        lms_log_id=req_id(raw),
        event_name=req_str(raw, "eventname"),
        component=req_str(raw, "component"),
        action=req_str(raw, "action"),
        target=req_str(raw, "target"),
        crud=crud,
        edu_level=counter(raw, "edulevel"),
        context_id=req_id(raw, "contextid"),
        context_level=req_id(raw, "contextlevel"),
        context_instance_id=counter(raw, "contextinstanceid"),
        user_id=user_id,
        course_id=opt_id(raw, "courseid"),
        related_user_id=opt_id(raw, "relateduserid"),
        anonymous=flag(raw, "anonymous"),
        other=None if other == "null" else other,
        time_created=req_timestamp(raw, "timecreated"),
        origin=opt_str(raw, "origin"),
        ip=opt_str(raw, "ip"),
        real_user_id=opt_id(raw, "realuserid"),
        object_table=opt_str(raw, "objecttable"),
        object_id=opt_id(raw, "objectid"),
    )
