"""Retention: `plan` then `run` deletes exactly what the plan listed, never what a hold
keeps, and leaves tombstones (CONTRACTS 8)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import sqlalchemy as sa

from bridge.services.rights import retention
from bridge.settings import load_settings
from bridge.store.models import (
    AuditEntry,
    CustomerRelationship,
    LegalHold,
    RetentionFloor,
    Tombstone,
)
from tests.configs import write_config
from tests.rights.conftest import ADMIN, Register, lms_person, organisation

TODAY = date(2026, 6, 1)
OLD = date(2023, 1, 1)


def _data(register: Register) -> None:
    lms_person(register, 1, uid=11, course_end=OLD, activity=OLD, relationship_end=date(2022, 1, 1))
    lms_person(register, 2, uid=12, course_end=date(2026, 1, 1), activity=date(2026, 5, 1))
    lms_person(register, 3, uid=13, course_end=OLD, activity=OLD, relationship_end=date(2022, 1, 1))
    register.add(
        organisation(1),
        CustomerRelationship(
            organisation_id=1,
            kind="contract",
            start_date=date(2015, 1, 1),
            end_date=date(2020, 1, 1),
            source="admin",
        ),
        LegalHold(person_id=3, category="lms_data", until=date(2030, 1, 1), reason="dispute"),
        LegalHold(
            organisation_id=1, category="invoicing", until=date(2030, 1, 1), reason="Accounting Act"
        ),
    )


def _present(register: Register) -> set[tuple[str, int]]:
    with register.sessions() as session:
        return {
            (table, row_id)
            for table, model in retention.MODELS.items()
            for row_id in session.scalars(sa.select(model.id))
        }  # type: ignore[attr-defined]


def test_run_deletes_exactly_what_the_plan_listed(register: Register) -> None:
    _data(register)
    with register.sessions() as session:
        planned = retention.plan(session, register.settings, TODAY)
    listed = {(i["table"], i["id"]) for i in planned.delete}
    kept = {(i["table"], i["id"]) for i in planned.kept}
    assert planned.total == len(listed) == 7
    assert {t for t, _ in listed} == {
        "lms_log_entries",
        "lms_messages",
        "lms_submissions",
        "lms_grades",
        "lms_assignment_grades",
        "customer_relationships",
    }
    assert {i["person_id"] for i in planned.delete} == {1, 3}  # 3's relationship only
    assert all(i["kept_by"]["hold_id"] for i in planned.kept)
    assert len(kept) == 6  # person 3's five LMS rows and the organisation's relationship
    before = _present(register)
    with register.sessions() as session, session.begin():
        counts = retention.run(session, register.settings, ADMIN, TODAY)
    after = _present(register)
    assert before - after == listed
    assert kept <= after
    assert counts["deleted"] == 7 and counts["kept"] == 6 and counts["tombstones"] == 5
    with register.sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Tombstone)) == 5
        entry = session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "retention run")
        ).one()
        assert entry.details["counts"]["deleted"] == 7
        again = retention.plan(session, register.settings, TODAY)
    assert again.total == 0


def test_legal_obligation_keeps_customer_data(tmp_path: Path, register: Register) -> None:
    lms_person(register, 1, uid=11, course_end=OLD, activity=OLD, relationship_end=date(2022, 1, 1))
    (tmp_path / "cfg").mkdir()
    config = write_config(
        tmp_path / "cfg",
        str(register.settings.database.url),
        extra="""\
[retention.holds]
invoicing = { period = "6 years", reason = "Kirjanpitolaki 2:10 §" }
""",
    )
    settings = load_settings(config)
    with register.sessions() as session:
        planned = retention.plan(session, settings, TODAY)
    relationship = [i for i in planned.kept if i["table"] == "customer_relationships"]
    assert relationship[0]["kept_by"] == {
        "obligation": "invoicing",
        "until": "2028-01-01",
        "reason": "Kirjanpitolaki 2:10 §",
    }


def test_created_category_leaves_a_floor(tmp_path: Path, register: Register) -> None:
    lms_person(register, 1, uid=11, course_end=OLD, activity=OLD)
    (tmp_path / "cfg").mkdir()
    config = write_config(
        tmp_path / "cfg",
        str(register.settings.database.url),
        extra="""\
[retention.categories]
lms_logs = { period = "12 months", after = "created" }
""",
    )
    settings = load_settings(config)
    with register.sessions() as session, session.begin():
        counts = retention.run(session, settings, ADMIN, TODAY)
    assert counts == {"lms_log_entries": 1, "deleted": 1, "kept": 0, "tombstones": 1, "floors": 1}
    with register.sessions() as session:
        floor = session.scalars(sa.select(RetentionFloor)).one()
    assert (floor.connector, floor.stream) == ("moodle", "logs")


def test_cli_plan_and_run(register: Register) -> None:
    _data(register)
    plan = register.json("retention", "plan")
    assert plan["total"] == 7 and plan["categories"]["lms_logs"]["delete"] == 1
    assert register.bridge("retention", "run").exit_code == 2  # --yes is required
    counts = register.json("retention", "run", "--yes")
    assert counts["deleted"] == 7
    assert register.json("retention", "plan")["total"] == 0


def test_hold_commands(register: Register) -> None:
    lms_person(register, 1, uid=11, course_end=OLD, activity=OLD)
    register.add(organisation(1))
    added = register.json(
        "hold",
        "add",
        "--person",
        "1",
        "--category",
        "lms_data",
        "--until",
        "2030-12-31",
        "--reason",
        "court case",
    )
    assert added["active"] is True and added["person_id"] == 1
    register.json(
        "hold",
        "add",
        "--organisation",
        "0104505-9",
        "--category",
        "invoicing",
        "--until",
        "2031-12-31",
        "--reason",
        "Accounting Act",
    )
    holds = register.json("hold", "list")["holds"]
    assert [(h["category"], h["organisation_id"]) for h in holds] == [
        ("lms_data", None),
        ("invoicing", 1),
    ]
    for bad in (
        ["--category", "nonsense", "--until", "2030-01-01"],
        ["--category", "lms_data", "--until", "2001-01-01"],
    ):
        outcome = register.bridge("hold", "add", "--person", "1", *bad, "--reason", "x")
        assert outcome.exit_code == 2
    assert register.json("retention", "plan")["kept"]
