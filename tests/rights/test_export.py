"""`bridge subject export`: every N6 category, provenance, 0600, audited, linked to a request."""

from __future__ import annotations

import json
import os
import stat
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from bridge.store.models import AuditEntry, SubjectRequest
from tests.rights.conftest import Register, employee, lms_person, organisation


def _subject(register: Register) -> None:
    lms_person(register, 1, uid=11, course_end=date(2024, 6, 1), activity=date(2024, 5, 1))
    register.add(organisation(1), employee(1, 1))


def test_json_export_has_a_value_of_every_category(register: Register, tmp_path: Path) -> None:
    _subject(register)
    target = tmp_path / "export.json"
    result = register.json("subject", "export", "--person", "1", "--out", str(target))
    assert result["path"] == str(target.resolve())
    doc = json.loads(target.read_text(encoding="utf-8"))
    cats = doc["categories"]
    assert cats["basic_data"]["items"][0]["profession"] == "Welder"
    assert cats["basic_data"]["items"][0]["provenance"]["source"] == "registration"
    assert cats["employer"]["items"][0]["business_id"] == "0104505-9"
    assert cats["employer"]["items"][0]["billing_address"] == "Billing street 1"
    assert cats["customer_relationship"]["items"][0]["reference"] == "REF-1"
    assert cats["consents_and_marketing"]["items"][0]["channel"] == "email"
    account = cats["lms_data"]["items"][0]
    course = account["courses"][0]
    assert course["course"]["fullname"] == "Welding course 111"
    assert course["enrolment"]["roles"] == ["student"]
    assert course["grades"][0]["grade"] == 4.5 and course["grades"][0]["item"] == "Final grade"
    assignment = course["assignments"][0]
    assert assignment["submissions"][0]["online_text"] == "My seam essay 11"
    assert assignment["assignment_grades"][0]["grade"] == 88.0
    assert account["messages"][0]["text"] == "Teacher says hi 11"
    assert account["activity_log"][0]["action"] == "viewed"
    assert account["activity_log"][0]["time_created"].startswith("2024-05-01T12:00:00")
    assert account["provenance"]["source"] == "lms_sync"
    assert doc["controller"]["business_id"] == "0104505-9"
    assert doc["register"]["name"] == "Test register"
    assert doc["legal_basis"]["code"] == "customer_relationship"
    assert doc["recipients"]["processors"][0]["dpa_reference"] == "DPA-2024-017"
    assert doc["retention"]["categories"]["lms_logs"]["period"] == "12 months"
    assert "right to check" in doc["rights"]


def test_html_export_is_private_escaped_and_audited(register: Register, tmp_path: Path) -> None:
    _subject(register)
    register.add(organisation(2, "1572860-0"))
    with register.sessions() as session, session.begin():
        session.execute(
            sa.text("UPDATE persons SET profession = '<script>x</script>' WHERE id = 1")
        )
    target = tmp_path / "export.html"
    target.write_text("old", encoding="utf-8")
    os.chmod(target, 0o644)
    old_umask = os.umask(0)
    try:
        outcome = register.bridge(
            "subject",
            "export",
            "--email",
            "P1@example.fi",
            "--format",
            "html",
            "--out",
            str(target),
            "--force",
        )
    finally:
        os.umask(old_umask)
    assert outcome.exit_code == 0, outcome.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    page = target.read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page
    for text in (
        "Welding course 111",
        "My seam essay 11",
        "Teacher says hi 11",
        "Employer 1 Oy",
        "REF-1",
        "DPA-2024-017",
        "Verkkokurssitietosi",  # the N6 d heading, in Finnish (register.language)
    ):
        assert text in page
    with register.sessions() as session:
        row = session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "subject export")
        ).one()
        assert row.person_id == 1 and row.details["format"] == "html"


def test_new_file_is_0600_and_export_is_linked_to_the_request(
    register: Register, tmp_path: Path
) -> None:
    _subject(register)
    opened = register.json(
        "request", "open", "--person", "1", "--type", "access", "--received", "2024-05-02"
    )
    target = tmp_path / "new.json"
    register.json(
        "subject", "export", "--person", "1", "--out", str(target), "--request", str(opened["id"])
    )
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with register.sessions() as session:
        request = session.get(SubjectRequest, opened["id"])
        assert request is not None and request.artefact["export"]["format"] == "json"
    assert json.loads(target.read_text(encoding="utf-8"))["request_id"] == opened["id"]


def test_erased_person_has_nothing_to_export(register: Register, tmp_path: Path) -> None:
    from tests.rights.conftest import person

    register.add(person(5, status="erased"))
    outcome = register.bridge("subject", "export", "--person", "5", "--out", str(tmp_path / "x"))
    assert outcome.exit_code == 2 and "erased" in outcome.stderr
