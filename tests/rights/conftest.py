"""Fixtures of the rights tests: a configured register and small factories for N6 data."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bridge.services.audit import Actor
from bridge.settings import Settings, load_settings
from bridge.store.models import (
    Consent,
    CustomerRelationship,
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
    Organisation,
    Person,
    PersonOrganisation,
)
from tests.cli import Outcome, run
from tests.configs import set_roles, write_config

ADMIN = Actor("tester", "admin")
PROCESSORS = """\
[processors]
moodle_hosting = { dpa_reference = "DPA-2024-017", purpose = "Moodle hosting" }
"""


def ts(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, 12, tzinfo=UTC).timestamp())


@dataclass
class Register:
    config: Path
    settings: Settings
    sessions: sessionmaker[Session]

    def bridge(self, *args: str, roles: Sequence[str] = ("admin",)) -> Outcome:
        """Run a command as the test process's OS user holding ``roles`` (``[operators]``
        is rewritten for it; no roles: unlisted, a viewer)."""
        set_roles(self.config, *roles)
        return run(*args, config=self.config)

    def json(self, *args: str, roles: Sequence[str] = ("admin",)) -> Any:
        outcome = self.bridge(*args, "--json", roles=roles)
        assert outcome.exit_code == 0, (args, outcome.stdout, outcome.stderr)
        return json.loads(outcome.last_line)

    def add(self, *rows: Any) -> None:
        """Insert in the given order (the models declare no relationships to sort by)."""
        with self.sessions() as session, session.begin():
            for row in rows:
                session.add(row)
                session.flush()


@pytest.fixture
def register(tmp_path: Path, db_url: str, sessions: sessionmaker[Session]) -> Register:
    config = write_config(tmp_path, db_url, extra=PROCESSORS)
    return Register(config, load_settings(config), sessions)


def person(pid: int, email: str | None = None, status: str = "active", **kw: Any) -> Person:
    return Person(
        id=pid,
        first_name=f"First{pid}",
        last_name=f"Last{pid}",
        email=email or f"p{pid}@example.fi",
        email_normalised=(email or f"p{pid}@example.fi").lower(),
        status=status,
        source="registration",
        **kw,
    )


def organisation(oid: int, business_id: str = "0104505-9") -> Organisation:
    return Organisation(
        id=oid,
        name=f"Employer {oid} Oy",
        business_id=business_id,
        billing_address=f"Billing street {oid}",
        source="admin",
    )


def employee(pid: int, oid: int) -> PersonOrganisation:
    return PersonOrganisation(person_id=pid, organisation_id=oid, title="Engineer", source="admin")


def consent(pid: int, channel: str, status: str = "granted") -> Consent:
    return Consent(
        person_id=pid,
        purpose="marketing",
        channel=channel,
        status=status,
        evidence="web form",
        source="data_subject",
    )


def log_entry(uid: int, course: int, log_id: int, time: int, **event: Any) -> LmsLogEntry:
    """A log row of Moodle's standard store about ``uid`` in ``course`` (a course view
    unless ``event`` names the event class, component, action, target and crud)."""
    defaults = {"component": "core", "action": "viewed", "target": "course", "crud": "r"}
    return LmsLogEntry(
        connector="moodle",
        lms_log_id=log_id,
        edu_level=2,
        context_id=1,
        context_level=50,
        context_instance_id=course,
        user_id=uid,
        course_id=course,
        time_created=time,
        content_hash="h",
        **(defaults | event),
    )


def lms_person(
    register: Register,
    pid: int,
    *,
    uid: int,
    course_end: date,
    activity: date,
    relationship_end: date | None = None,
) -> None:
    """A person with every N6 category: employer, relationship, consent and LMS data."""
    course = 100 + uid
    register.add(
        person(pid, profession="Welder"),
        LmsAccount(
            connector="moodle",
            lms_user_id=uid,
            person_id=pid,
            username=f"u{uid}",
            email=f"p{pid}@example.fi",
            institution="Old Inst",
            content_hash="h",
            last_access=ts(activity),
            custom_fields={"shoe": "42"},
        ),
        LmsCourse(
            connector="moodle",
            lms_course_id=course,
            shortname=f"C{course}",
            fullname=f"Welding course {course}",
            end_date=ts(course_end),
            content_hash="h",
        ),
        LmsEnrolment(
            connector="moodle",
            lms_course_id=course,
            lms_user_id=uid,
            roles=["student"],
            status="active",
            groups=[],
            content_hash="h",
        ),
        LmsGradeItem(
            connector="moodle",
            lms_item_id=uid,
            lms_course_id=course,
            name="Final grade",
            item_type="course",
            content_hash="h",
        ),
        LmsGrade(
            connector="moodle",
            lms_item_id=uid,
            lms_user_id=uid,
            lms_course_id=course,
            grade=4.5,
            graded_at=ts(activity),
            content_hash="h",
        ),
        LmsAssignment(
            connector="moodle",
            lms_assignment_id=uid,
            lms_course_id=course,
            cmid=uid,
            name="Essay on seams",
            content_hash="h",
        ),
        LmsSubmission(
            connector="moodle",
            lms_submission_id=uid,
            lms_assignment_id=uid,
            lms_user_id=uid,
            status="submitted",
            attempt=0,
            files=[],
            online_text=f"My seam essay {uid}",
            time_created=ts(activity),
            content_hash="h",
        ),
        LmsAssignmentGrade(
            connector="moodle",
            lms_grade_id=uid,
            lms_assignment_id=uid,
            lms_user_id=uid,
            attempt=0,
            grade=88.0,
            time_modified=ts(activity),
            content_hash="h",
        ),
        LmsMessage(
            connector="moodle",
            lms_message_id=uid,
            lms_conversation_id=uid,
            from_user_id=2,
            member_ids=[2, uid],
            text=f"Teacher says hi {uid}",
            time_created=ts(activity),
            content_hash="h",
        ),
        log_entry(uid, course, uid, ts(activity), event_name="\\core\\event\\viewed"),
        CustomerRelationship(
            person_id=pid,
            kind="contract",
            start_date=date(2019, 1, 1),
            end_date=relationship_end,
            reference=f"REF-{pid}",
            source="admin",
        ),
        consent(pid, "email"),
    )
