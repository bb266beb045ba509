"""`bridge subject rectify`: the register changes and the LMS gets a rectify push per
account in the same transaction; audited without the values."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from bridge.store.models import AuditEntry, LmsAccount, OutboxCommand, Person, SubjectRequest
from tests.rights.conftest import Register, lms_person, person


def test_rectify_changes_the_register_and_queues_a_push(register: Register) -> None:
    lms_person(register, 1, uid=11, course_end=date(2024, 6, 1), activity=date(2024, 5, 1))
    register.add(
        SubjectRequest(
            id=7,
            person_id=1,
            type="rectification",
            received_on=date(2024, 5, 2),
            deadline=date(2024, 6, 2),
        )
    )
    result = register.json(
        "subject",
        "rectify",
        "--person",
        "1",
        "--set",
        "last_name=Virtanen",
        "--set",
        "email=New@Example.fi",
        "--set",
        "profession=Teacher",
        "--set",
        "institution=New Inst",
        "--set",
        "custom.shoe=43",
        "--request",
        "7",
    )
    assert result["register"] == ["email", "last_name", "profession"]
    assert result["lms"] == ["custom_fields", "email", "institution", "last_name"]
    with register.sessions() as session:
        subject = session.get(Person, 1)
        assert subject is not None
        assert (subject.last_name, subject.email_normalised) == ("Virtanen", "new@example.fi")
        assert subject.source == "data_subject"
        command = session.scalars(sa.select(OutboxCommand)).one()
        assert command.action == "rectify" and command.lms_user_id == 11
        assert command.request_id == 7
        assert command.payload == {
            "changes": {
                "last_name": "Virtanen",
                "email": "New@Example.fi",
                "institution": "New Inst",
                "custom_fields": {"shoe": "43"},
            }
        }
        account = session.scalars(sa.select(LmsAccount)).one()
        assert account.institution == "New Inst" and account.custom_fields == {"shoe": "43"}
        request = session.get(SubjectRequest, 7)
        assert request is not None and request.artefact["rectification"]["pushes"]
        entry = session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "subject rectify")
        ).one()
        assert "Virtanen" not in str(entry.details)


def test_register_only_field_pushes_nothing(register: Register) -> None:
    lms_person(register, 1, uid=11, course_end=date(2024, 6, 1), activity=date(2024, 5, 1))
    result = register.json("subject", "rectify", "--person", "1", "--set", "profession=Cook")
    assert result["pushes"] == [] and result["register"] == ["profession"]


def test_bad_values_are_refused(register: Register) -> None:
    register.add(person(1), person(2))
    cases = [
        ("--set", "email=p2@example.fi"),  # another person's e-mail
        ("--set", "email="),  # the key cannot be emptied
        ("--set", "shoe=42"),  # not a rectifiable field
        ("--set", "institution=X"),  # no LMS account holds it
        ("--set", "phone=not a phone"),
        ("--set", "custom.shoe\u202e=42"),  # a field name Moodle cannot have
    ]
    lms_person(register, 3, uid=13, course_end=date(2024, 6, 1), activity=date(2024, 5, 1))
    lms_only = [
        ("--set", "city=Turku\u202egnp.exe", "city", "U+202E"),  # bidi override
        ("--set", "institution=A\x1b[2J", "institution", "U+001B"),  # terminal escape
        ("--set", "custom.shoe=4\x002", "custom.shoe", "U+0000"),
        ("--set", f"department={'x' * 256}", "department", "at most 255"),
    ]
    for flag, value, field, why in lms_only:
        outcome = register.bridge("subject", "rectify", "--person", "3", flag, value)
        assert outcome.exit_code == 2 and field in outcome.stderr and why in outcome.stderr
        assert "Traceback" not in outcome.stderr
    for args in cases:
        outcome = register.bridge("subject", "rectify", "--person", "1", *args)
        assert outcome.exit_code in (1, 2), (args, outcome.stdout)
    with register.sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(OutboxCommand)) == 0
