"""Gathering the LMS part of the access export (N6 d): per account its profile, courses
(enrolment, grades, assignments with the person's submissions and assignment grades), the
conversations the person is in and the activity log.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.services.rights.export_access import access_state
from bridge.services.rights.export_items import all_rows, item
from bridge.store.models import (
    LmsAccount,
    LmsAssignment,
    LmsAssignmentGrade,
    LmsCourse,
    LmsEnrolment,
    LmsGrade,
    LmsGradeItem,
    LmsLogEntry,
    LmsMessage,
    LmsSubmission,
    Person,
)
from bridge.store.queries import consents_of, conversation_message_ids, lms_accounts


def _course_data(session: Session, account: LmsAccount) -> list[dict[str, Any]]:
    conn, uid = account.connector, account.lms_user_id
    enrolments = {
        e.lms_course_id: e
        for e in all_rows(
            session,
            sa.select(LmsEnrolment).where(
                LmsEnrolment.connector == conn, LmsEnrolment.lms_user_id == uid
            ),
        )
    }
    grades = all_rows(
        session,
        sa.select(LmsGrade)
        .where(LmsGrade.connector == conn, LmsGrade.lms_user_id == uid)
        .order_by(LmsGrade.lms_item_id),
    )
    submissions = all_rows(
        session,
        sa.select(LmsSubmission)
        .where(LmsSubmission.connector == conn, LmsSubmission.lms_user_id == uid)
        .order_by(LmsSubmission.lms_submission_id),
    )
    assignment_grades = all_rows(
        session,
        sa.select(LmsAssignmentGrade)
        .where(LmsAssignmentGrade.connector == conn, LmsAssignmentGrade.lms_user_id == uid)
        .order_by(LmsAssignmentGrade.lms_grade_id),
    )
    assignment_ids = {s.lms_assignment_id for s in submissions} | {
        g.lms_assignment_id for g in assignment_grades
    }
    assignments = {
        a.lms_assignment_id: a
        for a in all_rows(
            session,
            sa.select(LmsAssignment).where(
                LmsAssignment.connector == conn, LmsAssignment.lms_assignment_id.in_(assignment_ids)
            ),
        )
    }
    items = {
        i.lms_item_id: i
        for i in all_rows(
            session,
            sa.select(LmsGradeItem).where(
                LmsGradeItem.connector == conn,
                LmsGradeItem.lms_item_id.in_([g.lms_item_id for g in grades]),
            ),
        )
    }
    course_ids = (
        set(enrolments)
        | {g.lms_course_id for g in grades}
        | {a.lms_course_id for a in assignments.values()}
    )
    courses = {
        c.lms_course_id: c
        for c in all_rows(
            session,
            sa.select(LmsCourse).where(
                LmsCourse.connector == conn, LmsCourse.lms_course_id.in_(course_ids)
            ),
        )
    }
    result = []
    for course_id in sorted(course_ids):
        course = courses.get(course_id)
        enrolment = enrolments.get(course_id)
        result.append(
            {
                "course": item(
                    course, ("lms_course_id", "shortname", "fullname", "start_date", "end_date")
                )
                if course
                else {"lms_course_id": course_id},
                "enrolment": item(enrolment, ("roles", "status", "groups", "last_course_access"))
                if enrolment
                else None,
                "grades": [
                    item(
                        g,
                        ("grade", "feedback", "graded_at", "hidden", "overridden"),
                        **_grade_item(items.get(g.lms_item_id)),
                    )
                    for g in grades
                    if g.lms_course_id == course_id
                ],
                "assignments": [
                    {
                        "assignment": item(a, ("lms_assignment_id", "name", "due_date")),
                        "submissions": [
                            item(
                                s,
                                (
                                    "status",
                                    "attempt",
                                    "grading_status",
                                    "online_text",
                                    "files",
                                    "time_created",
                                    "time_modified",
                                ),
                            )
                            for s in submissions
                            if s.lms_assignment_id == a.lms_assignment_id
                        ],
                        "assignment_grades": [
                            item(g, ("attempt", "grade", "time_created", "time_modified"))
                            for g in assignment_grades
                            if g.lms_assignment_id == a.lms_assignment_id
                        ],
                    }
                    for a in sorted(assignments.values(), key=lambda a: a.lms_assignment_id)
                    if a.lms_course_id == course_id
                ],
            }
        )
    return result


def _grade_item(grade_item: LmsGradeItem | None) -> dict[str, Any]:
    """What a grade is of: the item's name, its type (``course`` for the course total) and
    the scale's range."""
    if grade_item is None:
        return {"item": None}
    return {
        "item": grade_item.name,
        "item_type": grade_item.item_type,
        "grade_min": grade_item.grade_min,
        "grade_max": grade_item.grade_max,
    }


def lms_data(session: Session, person: Person) -> list[dict[str, Any]]:
    accounts = []
    consents = consents_of(session, person.id)
    for account in lms_accounts(session, person.id):
        message_ids = conversation_message_ids(session, account)
        messages = all_rows(
            session,
            sa.select(LmsMessage)
            .where(LmsMessage.id.in_(message_ids))
            .order_by(LmsMessage.time_created, LmsMessage.id),
        )
        uid = account.lms_user_id
        log = all_rows(
            session,
            sa.select(LmsLogEntry)
            .where(
                LmsLogEntry.connector == account.connector,
                sa.or_(LmsLogEntry.user_id == uid, LmsLogEntry.related_user_id == uid),
            )
            .order_by(LmsLogEntry.time_created, LmsLogEntry.id),
        )
        accounts.append(
            {
                **item(
                    account,
                    (
                        "connector",
                        "lms_user_id",
                        "username",
                        "first_name",
                        "last_name",
                        "email",
                        "idnumber",
                        "phone1",
                        "phone2",
                        "institution",
                        "department",
                        "city",
                        "country",
                        "suspended",
                        "first_access",
                        "last_access",
                        "custom_fields",
                    ),
                ),
                "access": access_state(session, account, consents),
                "courses": _course_data(session, account),
                "messages": [
                    item(
                        m,
                        ("lms_conversation_id", "text", "time_created"),
                        sent_by="you" if m.from_user_id == uid else f"LMS user {m.from_user_id}",
                    )
                    for m in messages
                ],
                "activity_log": [
                    item(
                        e,
                        (
                            "time_created",
                            "event_name",
                            "component",
                            "action",
                            "target",
                            "crud",
                            "course_id",
                            "ip",
                            "origin",
                        ),
                    )
                    for e in log
                ],
            }
        )
    return accounts
