"""The erasure receipt is never lost: every precondition of writing it is checked before
anything is erased, and the register's record of the erasure issues it again at any time,
with or without a linked request, holding no personal data the erasure removed."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from bridge.store.models import AuditEntry, ErasureRecord, OutboxCommand, Person
from tests.rights.conftest import Register, lms_person

ERASED_VALUES = ("First1", "Last1", "p1@example.fi", "u11", "Welder", "REF-1")


def _learner(register: Register) -> None:
    lms_person(register, 1, uid=11, course_end=date(2024, 6, 1), activity=date(2024, 5, 1))


def _untouched(register: Register) -> None:
    """Nothing was erased, queued or audited."""
    with register.sessions() as session:
        assert session.get(Person, 1).status == "active"  # type: ignore[union-attr]
        assert session.scalar(sa.select(sa.func.count()).select_from(OutboxCommand)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(ErasureRecord)) == 0
        assert list(session.scalars(sa.select(AuditEntry.action))) == []


def test_a_receipt_folder_that_does_not_exist_is_refused_before_anything_is_erased(
    register: Register, tmp_path: Path
) -> None:
    _learner(register)
    target = tmp_path / "missing" / "r.html"
    outcome = register.bridge(
        "subject", "erase", "--person", "1", "--yes", "--format", "html", "--out", str(target)
    )
    assert outcome.exit_code == 2, outcome.stdout
    assert f"the folder {tmp_path / 'missing'} does not exist" in outcome.stderr
    _untouched(register)
    assert not target.parent.exists()


def test_a_file_where_the_receipt_folder_should_be_is_refused_before_anything_is_erased(
    register: Register, tmp_path: Path
) -> None:
    _learner(register)
    (tmp_path / "letters").write_text("not a folder\n", encoding="utf-8")
    target = tmp_path / "letters" / "r.pdf"
    outcome = register.bridge(
        "subject", "erase", "--person", "1", "--yes", "--format", "pdf", "--out", str(target)
    )
    assert outcome.exit_code == 2
    assert f"{tmp_path / 'letters'} is not a folder" in outcome.stderr
    _untouched(register)


def test_the_receipt_is_issued_again_from_the_record_without_a_request(
    register: Register, tmp_path: Path
) -> None:
    _learner(register)
    first = register.json("subject", "erase", "--person", "1", "--yes")
    again = register.json("subject", "receipt", "--person", "1")
    assert again["person_id"] == 1 and again["request_id"] is None
    assert again["erased_at"] == first["erased_at"] and again["issued_at"]
    assert again["systems"][0] == first["systems"][0]  # the register part, as it was
    lms = again["systems"][1]
    assert lms["push"] == first["systems"][1]["push"] and lms["remains"]
    # The LMS part was only requested: the push has not even run.
    assert again["status"] == "requested" and again["confirmed_at"] is None
    assert lms["confirmed_at"] is None and lms["state"].startswith("requested")

    letter = tmp_path / "again.html"
    register.json("subject", "receipt", "--person", "1", "--format", "html", "--out", str(letter))
    html = letter.read_text(encoding="utf-8")
    assert "Vahvistus tietojesi poistamisesta" in html
    assert "tämä kuitti ei vielä sisällä vahvistusta" in html
    with register.sessions() as session:
        audited = session.scalars(
            sa.select(AuditEntry.action).where(AuditEntry.person_id == 1)
        ).all()
    assert audited.count("subject receipt") == 2


def test_the_record_of_an_erasure_holds_none_of_the_erased_values(register: Register) -> None:
    _learner(register)
    register.json("subject", "erase", "--person", "1", "--yes")
    with register.sessions() as session:
        [record] = session.scalars(sa.select(ErasureRecord)).all()
        text = json.dumps([record.receipt, record.lms_confirmed], ensure_ascii=False).casefold()
    assert record.person_id == 1 and record.confirmed_at is None
    assert not [v for v in ERASED_VALUES if v.casefold() in text]


def test_the_receipt_is_found_by_its_request_too(register: Register) -> None:
    _learner(register)
    opened = register.json(
        "request",
        "open",
        "--person",
        "1",
        "--type",
        "erasure",
        "--received",
        date.today().isoformat(),
    )
    register.json("subject", "erase", "--person", "1", "--yes", "--request", str(opened["id"]))
    again = register.json("subject", "receipt", "--request", str(opened["id"]))
    assert again["person_id"] == 1 and again["request_id"] == opened["id"]


def test_a_receipt_of_no_erasure_and_an_unwritable_target_are_refused(
    register: Register, tmp_path: Path
) -> None:
    _learner(register)
    never = register.bridge("subject", "receipt", "--person", "1")
    assert never.exit_code == 2 and "holds no erasure of person 1" in never.stderr
    neither = register.bridge("subject", "receipt")
    assert neither.exit_code == 2 and "--person ID or --request ID" in neither.stderr
    register.json("subject", "erase", "--person", "1", "--yes")
    missing = tmp_path / "nowhere" / "r.pdf"
    refused = register.bridge(
        "subject", "receipt", "--person", "1", "--format", "pdf", "--out", str(missing)
    )
    assert refused.exit_code == 2 and str(missing.parent) in refused.stderr
    with register.sessions() as session:  # refused before it was read: nothing audited
        actions = session.scalars(sa.select(AuditEntry.action)).all()
    assert "subject receipt" not in actions


def test_erasures_made_before_the_record_existed_are_recorded_from_the_audit_trail(
    register: Register,
) -> None:
    from alembic import command

    from bridge.store.schema import alembic_config, upgrade

    _learner(register)
    first = register.json("subject", "erase", "--person", "1", "--yes")
    engine = register.sessions.kw["bind"]
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0003")
    upgrade(engine)
    again = register.json("subject", "receipt", "--person", "1")
    assert again["systems"] == [
        first["systems"][0],
        {**first["systems"][1], "state": again["systems"][1]["state"], "confirmed_at": None},
    ]
    assert again["status"] == "requested"
    with register.sessions() as session:
        [record] = session.scalars(sa.select(ErasureRecord)).all()
    assert record.notified_at is not None  # an old erasure is not announced again
