"""Data pulled from the LMS (N6d): accounts, courses, enrolments, grades, assignments,
submissions, messages and activity logs. Every table is keyed by (connector, LMS id)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from bridge.store.base import Base, LmsRow

_BIG = sa.BigInteger


class LmsAccount(LmsRow, Base):
    __tablename__ = "lms_accounts"
    __table_args__ = (sa.UniqueConstraint("connector", "lms_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lms_user_id: Mapped[int] = mapped_column(_BIG)
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("persons.id"), index=True)
    username: Mapped[str | None] = mapped_column(sa.String(200))
    first_name: Mapped[str | None] = mapped_column(sa.String(200))
    last_name: Mapped[str | None] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    email_normalised: Mapped[str | None] = mapped_column(sa.String(320), index=True)
    idnumber: Mapped[str | None] = mapped_column(sa.String(100))
    phone1: Mapped[str | None] = mapped_column(sa.String(40))
    phone2: Mapped[str | None] = mapped_column(sa.String(40))
    institution: Mapped[str | None] = mapped_column(sa.String(255))
    department: Mapped[str | None] = mapped_column(sa.String(255))
    city: Mapped[str | None] = mapped_column(sa.String(120))
    country: Mapped[str | None] = mapped_column(sa.String(2))
    auth: Mapped[str | None] = mapped_column(sa.String(20))
    suspended: Mapped[bool] = mapped_column(default=False)
    deleted: Mapped[bool] = mapped_column(default=False)
    first_access: Mapped[int | None] = mapped_column(_BIG)
    last_access: Mapped[int | None] = mapped_column(_BIG)
    custom_fields: Mapped[dict[str, Any] | None]


class LmsCourse(LmsRow, Base):
    __tablename__ = "lms_courses"
    __table_args__ = (sa.UniqueConstraint("connector", "lms_course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lms_course_id: Mapped[int] = mapped_column(_BIG)
    shortname: Mapped[str] = mapped_column(sa.String(255))
    fullname: Mapped[str] = mapped_column(sa.String(500))
    category_id: Mapped[int | None] = mapped_column(_BIG)
    start_date: Mapped[int | None] = mapped_column(_BIG)
    end_date: Mapped[int | None] = mapped_column(_BIG)
    visible: Mapped[bool] = mapped_column(default=True)


class LmsEnrolment(LmsRow, Base):
    __tablename__ = "lms_enrolments"
    __table_args__ = (sa.UniqueConstraint("connector", "lms_course_id", "lms_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lms_course_id: Mapped[int] = mapped_column(_BIG)
    lms_user_id: Mapped[int] = mapped_column(_BIG, index=True)
    roles: Mapped[list[Any]]
    status: Mapped[str] = mapped_column(sa.String(20))
    groups: Mapped[list[Any]]
    last_course_access: Mapped[int | None] = mapped_column(_BIG)


class LmsGradeItem(LmsRow, Base):
    __tablename__ = "lms_grade_items"
    __table_args__ = (sa.UniqueConstraint("connector", "lms_item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lms_item_id: Mapped[int] = mapped_column(_BIG)
    lms_course_id: Mapped[int] = mapped_column(_BIG, index=True)
    name: Mapped[str | None] = mapped_column(sa.String(500))
    item_type: Mapped[str] = mapped_column(sa.String(30))
    item_module: Mapped[str | None] = mapped_column(sa.String(50))
    item_instance: Mapped[int | None] = mapped_column(_BIG)
    grade_max: Mapped[float | None]
    grade_min: Mapped[float | None]


class LmsGrade(LmsRow, Base):
    __tablename__ = "lms_grades"
    __table_args__ = (sa.UniqueConstraint("connector", "lms_item_id", "lms_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lms_item_id: Mapped[int] = mapped_column(_BIG)
    lms_user_id: Mapped[int] = mapped_column(_BIG, index=True)
    lms_course_id: Mapped[int] = mapped_column(_BIG, index=True)
    grade: Mapped[float | None]
    feedback: Mapped[str | None] = mapped_column(sa.Text)
    graded_at: Mapped[int | None] = mapped_column(_BIG)
    hidden: Mapped[bool] = mapped_column(default=False)
    overridden: Mapped[bool] = mapped_column(default=False)


class LmsAssignment(LmsRow, Base):
    __tablename__ = "lms_assignments"
    __table_args__ = (sa.UniqueConstraint("connector", "lms_assignment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lms_assignment_id: Mapped[int] = mapped_column(_BIG)
    lms_course_id: Mapped[int] = mapped_column(_BIG, index=True)
    cmid: Mapped[int] = mapped_column(_BIG)
    name: Mapped[str] = mapped_column(sa.String(500))
    due_date: Mapped[int | None] = mapped_column(_BIG)
    cutoff_date: Mapped[int | None] = mapped_column(_BIG)
    max_grade: Mapped[float | None]
    blind_marking: Mapped[bool] = mapped_column(default=False)
    team_submission: Mapped[bool] = mapped_column(default=False)
    time_modified: Mapped[int | None] = mapped_column(_BIG)
    settings: Mapped[dict[str, Any] | None]


class LmsSubmission(LmsRow, Base):
    __tablename__ = "lms_submissions"
    __table_args__ = (sa.UniqueConstraint("connector", "lms_submission_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lms_submission_id: Mapped[int] = mapped_column(_BIG)
    lms_assignment_id: Mapped[int] = mapped_column(_BIG, index=True)
    lms_user_id: Mapped[int | None] = mapped_column(_BIG, index=True)
    group_id: Mapped[int | None] = mapped_column(_BIG)
    status: Mapped[str] = mapped_column(sa.String(30))
    attempt: Mapped[int]
    grading_status: Mapped[str | None] = mapped_column(sa.String(30))
    online_text: Mapped[str | None] = mapped_column(sa.Text)
    files: Mapped[list[Any]]
    time_created: Mapped[int | None] = mapped_column(_BIG)
    time_modified: Mapped[int | None] = mapped_column(_BIG)


class LmsAssignmentGrade(LmsRow, Base):
    __tablename__ = "lms_assignment_grades"
    __table_args__ = (sa.UniqueConstraint("connector", "lms_grade_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lms_grade_id: Mapped[int] = mapped_column(_BIG)
    lms_assignment_id: Mapped[int] = mapped_column(_BIG, index=True)
    lms_user_id: Mapped[int] = mapped_column(_BIG, index=True)
    attempt: Mapped[int]
    grade: Mapped[float | None]
    grader_id: Mapped[int | None] = mapped_column(_BIG)
    time_created: Mapped[int | None] = mapped_column(_BIG)
    time_modified: Mapped[int | None] = mapped_column(_BIG)


class LmsMessage(LmsRow, Base):
    """A message of a teacher–student conversation."""

    __tablename__ = "lms_messages"
    __table_args__ = (sa.UniqueConstraint("connector", "lms_message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lms_message_id: Mapped[int] = mapped_column(_BIG)
    lms_conversation_id: Mapped[int] = mapped_column(_BIG, index=True)
    from_user_id: Mapped[int] = mapped_column(_BIG, index=True)
    member_ids: Mapped[list[Any]]
    text: Mapped[str] = mapped_column(sa.Text)
    time_created: Mapped[int] = mapped_column(_BIG)


class LmsLogEntry(LmsRow, Base):
    __tablename__ = "lms_log_entries"
    __table_args__ = (sa.UniqueConstraint("connector", "lms_log_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lms_log_id: Mapped[int] = mapped_column(_BIG)
    event_name: Mapped[str] = mapped_column(sa.String(255))
    component: Mapped[str] = mapped_column(sa.String(100))
    action: Mapped[str] = mapped_column(sa.String(100))
    target: Mapped[str] = mapped_column(sa.String(100))
    crud: Mapped[str] = mapped_column(sa.String(1))
    edu_level: Mapped[int]
    context_id: Mapped[int] = mapped_column(_BIG)
    context_level: Mapped[int]
    context_instance_id: Mapped[int] = mapped_column(_BIG)
    user_id: Mapped[int] = mapped_column(_BIG, index=True)
    course_id: Mapped[int | None] = mapped_column(_BIG)
    related_user_id: Mapped[int | None] = mapped_column(_BIG, index=True)
    anonymous: Mapped[bool] = mapped_column(default=False)
    other: Mapped[str | None] = mapped_column(sa.Text)
    time_created: Mapped[int] = mapped_column(_BIG)
    origin: Mapped[str | None] = mapped_column(sa.String(10))
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    real_user_id: Mapped[int | None] = mapped_column(_BIG)
    object_table: Mapped[str | None] = mapped_column(sa.String(50))
    object_id: Mapped[int | None] = mapped_column(_BIG)


#: The register's tables of LMS data, one or more per stream.
LMS_TABLES: tuple[type[Base], ...] = (
    LmsAccount,
    LmsCourse,
    LmsEnrolment,
    LmsGradeItem,
    LmsGrade,
    LmsAssignment,
    LmsSubmission,
    LmsAssignmentGrade,
    LmsMessage,
    LmsLogEntry,
)
