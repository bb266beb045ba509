"""Canvas's JSON objects as the register's records (:mod:`connectors.records`).

Canvas speaks in ISO-8601 times and its own words; the register stores epoch seconds and
the vocabulary Moodle's connector established, so that it never learns Canvas:

* enrolment states: ``active`` is active; ``invited``, ``creation_pending``, ``inactive``
  and ``completed`` keep the enrolment without access (``suspended``); ``deleted`` and
  ``rejected`` ones are not listed, so the register marks them removed;
* enrolment types become role names: StudentEnrollment ``student``, TeacherEnrollment
  ``editingteacher``, TaEnrollment ``teacher``, DesignerEnrollment ``designer``,
  ObserverEnrollment ``observer`` (a custom role keeps its own name);
* gradebook items are the assignments (their id) and one course total per course whose
  id is the course id negated (Canvas has no id for it);
* a page view's id is a UUID; its log id is the UUID's first 63 bits.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from connectors import records as rec

Raw = Mapping[str, Any]

ROLES = {
    "StudentEnrollment": "student",
    "TeacherEnrollment": "editingteacher",
    "TaEnrollment": "teacher",
    "DesignerEnrollment": "designer",
    "ObserverEnrollment": "observer",
}
#: Enrolment states the connector lists; any other one is gone for the register.
LISTED_STATES = ("active", "invited", "creation_pending", "inactive", "completed")


def epoch(value: Any) -> int | None:
    """Epoch seconds of a Canvas ISO-8601 time (None stays None)."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO-8601 time, got {type(value).__name__}")
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


def iso(seconds: int) -> str:
    """An epoch second as Canvas's ISO-8601 UTC form."""
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ident(raw: Raw, key: str = "id") -> int:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key} must be an integer, got {type(value).__name__}")
    return value


def _score(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"a score must be a number, got {type(value).__name__}")
    return float(value)


def _names(raw: Raw) -> tuple[str | None, str | None]:
    """First and last name: Canvas's own fields when given, else ``sortable_name``."""
    if raw.get("first_name") is not None or raw.get("last_name") is not None:
        return raw.get("first_name"), raw.get("last_name")
    sortable = str(raw.get("sortable_name") or "")
    if "," in sortable:
        last, first = (part.strip() for part in sortable.split(",", 1))
        return first or None, last or None
    return None, sortable or raw.get("name")


def parse_user(raw: Raw, logins: Sequence[Raw]) -> rec.UserRecord:
    first, last = _names(raw)
    states = [login.get("workflow_state") for login in logins]
    return rec.UserRecord(
        lms_user_id=ident(raw),
        username=raw.get("login_id"),
        first_name=first,
        last_name=last,
        email=raw.get("email"),
        idnumber=raw.get("sis_user_id"),
        auth="canvas",
        suspended=all(state == "suspended" for state in states),  # no login: no access
        last_access=epoch(raw.get("last_login")),
    )


def parse_course(raw: Raw) -> rec.CourseRecord:
    return rec.CourseRecord(
        lms_course_id=ident(raw),
        shortname=str(raw.get("course_code") or ""),
        fullname=str(raw.get("name") or ""),
        category_id=raw.get("account_id"),
        start_date=epoch(raw.get("start_at")),
        end_date=epoch(raw.get("end_at")),
        visible=raw.get("workflow_state") in ("available", "completed"),
    )


def parse_enrolment(raw: Raw, course_id: int) -> rec.EnrolmentRecord:
    """One user's enrolments in one course (``raw["enrollments"]``, grouped by the fetcher)."""
    rows = raw["enrollments"]
    roles = sorted({ROLES.get(str(e.get("type")), str(e.get("role") or e.get("type")))
                    for e in rows})
    active = any(e.get("enrollment_state") == "active" for e in rows)
    seen = [t for t in (epoch(e.get("last_activity_at")) for e in rows) if t is not None]
    return rec.EnrolmentRecord(course_id, ident(raw, "user_id"), tuple(roles),
                           "active" if active else "suspended",
                           last_course_access=max(seen) if seen else None)


def parse_grade_row(raw: Raw, course_id: int, shape: str) -> Iterator[rec.GradeItemRecord |
                                                                        rec.GradeRecord]:
    """An assignment (item), a submission (its grade) or an enrolment (the course grade)."""
    if shape == "item":
        yield rec.GradeItemRecord(ident(raw), course_id, raw.get("name"), "mod", "assign",
                              ident(raw), _score(raw.get("points_possible")), 0.0)
    elif shape == "grade":
        if raw.get("score") is not None or raw.get("grade") is not None:
            yield rec.GradeRecord(ident(raw, "assignment_id"), ident(raw, "user_id"), course_id,
                              _score(raw.get("score")), None, epoch(raw.get("graded_at")))
    else:  # an enrolment with Canvas's course grade
        grades = raw.get("grades") or {}
        yield rec.GradeItemRecord(-course_id, course_id, None, "course", grade_max=100.0,
                              grade_min=0.0)
        yield rec.GradeRecord(-course_id, ident(raw, "user_id"), course_id,
                          _score(grades.get("final_score", grades.get("current_score"))),
                          grades.get("final_grade"))


def parse_assignment(raw: Raw, course_id: int) -> rec.AssignmentRecord:
    types = ",".join(raw.get("submission_types") or ())
    return rec.AssignmentRecord(
        lms_assignment_id=ident(raw), lms_course_id=course_id, cmid=ident(raw),
        name=str(raw.get("name") or ""), due_date=epoch(raw.get("due_at")),
        cutoff_date=epoch(raw.get("lock_at")), max_grade=_score(raw.get("points_possible")),
        blind_marking=bool(raw.get("anonymous_grading")),
        team_submission=raw.get("group_category_id") is not None,
        time_modified=epoch(raw.get("updated_at")),
        settings=(("grading_type", str(raw.get("grading_type") or "")),
                  ("submission_types", types)),
    )


def parse_submission(raw: Raw) -> rec.SubmissionRecord:
    return rec.SubmissionRecord(
        lms_submission_id=ident(raw), lms_assignment_id=ident(raw, "assignment_id"),
        lms_user_id=ident(raw, "user_id"), group_id=None,
        status=str(raw.get("workflow_state") or ""), attempt=int(raw.get("attempt") or 0),
        grading_status="graded" if raw.get("workflow_state") == "graded" else "notgraded",
        online_text=raw.get("body"), time_created=epoch(raw.get("submitted_at")),
        time_modified=epoch(raw.get("graded_at") or raw.get("submitted_at")),
    )


def parse_assignment_grade(raw: Raw) -> rec.AssignmentGradeRecord:
    return rec.AssignmentGradeRecord(
        lms_grade_id=ident(raw), lms_assignment_id=ident(raw, "assignment_id"),
        lms_user_id=ident(raw, "user_id"), attempt=int(raw.get("attempt") or 0),
        grade=_score(raw.get("score")), grader_id=raw.get("grader_id"),
        time_created=epoch(raw.get("graded_at")), time_modified=epoch(raw.get("graded_at")),
    )


def parse_message(raw: Raw, conversation_id: int, members: tuple[int, ...]) -> rec.MessageRecord:
    return rec.MessageRecord(ident(raw), conversation_id, ident(raw, "author_id"), members,
                         str(raw.get("body") or ""), epoch(raw.get("created_at")) or 0)


def log_id(page_view_id: str) -> int:
    """A page view's UUID as a stable positive 63-bit integer."""
    return uuid.UUID(str(page_view_id)).int >> 65


def parse_page_view(raw: Raw, user_id: int) -> rec.LogEntryRecord:
    links = raw.get("links") or {}
    context = links.get("context")
    in_course = raw.get("context_type") == "Course" and isinstance(context, int)
    controller, action = str(raw.get("controller") or ""), str(raw.get("action") or "")
    created = epoch(raw.get("created_at"))
    if created is None:
        raise ValueError("a page view without created_at")
    return rec.LogEntryRecord(
        lms_log_id=log_id(str(raw.get("id"))), event_name=f"page_view:{controller}#{action}",
        component="canvas", action=action, target=str(raw.get("asset_type") or controller),
        crud="c" if raw.get("contributed") else "r",
        edu_level=2 if raw.get("participated") else 0,
        context_id=context if isinstance(context, int) else 0,
        context_level=50 if in_course else 10,
        context_instance_id=context if isinstance(context, int) else 0, user_id=user_id,
        course_id=context if in_course else None, related_user_id=None, anonymous=False,
        other=raw.get("url"), time_created=created, origin=raw.get("app_name") or "web",
        ip=raw.get("remote_ip"), real_user_id=links.get("real_user"),
    )
