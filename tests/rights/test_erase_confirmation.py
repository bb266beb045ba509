"""`bridge subject erase` plans in one unit of work and erases in another; the confirmation
sits between them, so no transaction waits for the operator (CONTRACTS 9)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from bridge.store.models import AuditEntry, Person
from tests.rights.conftest import Register, person


def _state(register: Register) -> tuple[str, list[str]]:
    with register.sessions() as session:
        status = session.get(Person, 1).status
        actions = list(session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))
    return status, actions


def test_erasure_without_yes_off_a_terminal_is_refused_and_changes_nothing(
    register: Register,
) -> None:
    register.add(person(1))
    outcome = register.bridge("subject", "erase", "--person", "1")
    assert outcome.exit_code == 2
    assert "add --yes" in outcome.stderr
    assert _state(register) == ("active", [])


def test_dry_run_is_audited_and_erasure_then_runs_in_its_own_unit(register: Register) -> None:
    register.add(person(1))
    assert register.bridge("subject", "erase", "--person", "1", "--dry-run").exit_code == 0
    assert _state(register) == ("active", ["subject erase dry-run"])
    assert register.bridge("subject", "erase", "--person", "1", "--yes").exit_code == 0
    status, actions = _state(register)
    assert status == "erased" and actions[0] == "subject erase dry-run" and len(actions) > 1
    again = register.bridge("subject", "erase", "--person", "1", "--yes")
    assert again.exit_code == 2 and "already erased" in again.stderr


def test_an_existing_receipt_file_is_refused_before_anything_is_erased(
    register: Register, tmp_path: Path
) -> None:
    register.add(person(1))
    target = tmp_path / "receipt.json"
    target.write_text("an earlier receipt\n", encoding="utf-8")
    outcome = register.bridge("subject", "erase", "--person", "1", "--yes", "--out", str(target))
    assert outcome.exit_code == 2 and "--force" in outcome.stderr
    assert _state(register) == ("active", [])
    assert target.read_text(encoding="utf-8") == "an earlier receipt\n"
    forced = register.bridge(
        "subject", "erase", "--person", "1", "--yes", "--out", str(target), "--force"
    )
    assert forced.exit_code == 0 and _state(register)[0] == "erased"
    assert '"systems"' in target.read_text(encoding="utf-8")
