"""A restore from backup never brings an erased person back: every erasure and withdrawal
made since the backup is re-applied from the journal beside the audit anchor, which
holds keyed identifiers only; the restore is audited and `audit verify` explains the gap
it leaves. Runs on SQLite and, where pg_dump and pg_restore exist, on PostgreSQL."""

from __future__ import annotations

import json
import stat
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bridge.clock import utcnow
from bridge.errors import OperationFailed
from bridge.services.audit.journal import journal_path
from bridge.services.ops.backup import manifest_path, tool
from bridge.store.models import AuditEntry, Consent, LmsAccount, Person, Suppression, SyncLease
from tests.rights.conftest import ADMIN, Register, lms_person


@pytest.fixture(autouse=True)
def _postgres_tools(register: Register) -> None:
    if register.settings.database.url.startswith("postgresql"):
        try:
            tool("pg_dump"), tool("pg_restore")
        except OperationFailed as exc:
            pytest.skip(f"PostgreSQL client programs missing: {exc}")


def _three_learners(register: Register) -> None:
    for pid in (1, 2, 3):
        lms_person(register, pid, uid=10 + pid, course_end=date(2026, 6, 1),
                   activity=date(2026, 5, 1))


def _backup(register: Register, tmp_path: Path) -> Path:
    target = tmp_path / "backups" / "register.bak"
    target.parent.mkdir()
    answer = register.json("db", "backup", "--out", str(target))
    assert answer["file"] == str(target)
    return target


def test_a_restore_re_applies_the_erasures_and_withdrawals_made_since_the_backup(
    register: Register, tmp_path: Path
) -> None:
    _three_learners(register)
    backup = _backup(register, tmp_path)
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert stat.S_IMODE(manifest_path(backup).stat().st_mode) == 0o600

    register.json("subject", "erase", "--person", "1", "--yes")
    register.json("subject", "erase", "--person", "2", "--yes")
    register.json("consent", "withdraw", "--person", "3", "--purpose", "service",
                  "--reason", "asked by phone")

    journal = journal_path(register.settings.register.secret_file)
    assert journal.parent == register.settings.register.secret_file.parent
    assert stat.S_IMODE(journal.stat().st_mode) == 0o600
    text = journal.read_text(encoding="ascii")
    assert len(text.splitlines()) == 3
    for value in ("First1", "Last1", "p1@example.fi", "First2", "p2@example.fi", "u12",
                  "p3@example.fi", "First3", "asked by phone"):
        assert value.lower() not in text.lower()

    restored = register.json("db", "restore", str(backup), "--yes")
    assert restored["reapplied"]["erasures"] == 2
    assert restored["reapplied"]["withdrawals"] == 1

    with register.sessions() as session:
        for pid in (1, 2):
            person = session.get(Person, pid)
            assert person is not None and person.status == "erased"
            assert person.first_name is None and person.email is None
        assert session.scalars(
            sa.select(LmsAccount.lms_user_id).where(LmsAccount.lms_user_id.in_((11, 12)))
        ).all() == []
        kinds = session.scalars(sa.select(Suppression.kind)).all()
        assert kinds.count("email") == 2 and kinds.count("lms_user") == 2
        third = session.get(Person, 3)
        assert third is not None and third.status == "withdrawn"
        service = session.scalars(
            sa.select(Consent.status).where(Consent.person_id == 3, Consent.purpose == "service")
        ).all()
        assert service[-1] == "withdrawn"
        row = session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "db restore")
        ).one()
        assert row.details is not None
        assert row.details["backup"]["file"] == str(backup)
        assert row.details["reapplied"]["erasures"] == 2
        assert row.details["backup"]["taken_at"] == restored["taken_at"]

    verified = register.bridge("audit", "verify", "--json")
    assert verified.exit_code == 0, verified.stderr
    report = json.loads(verified.last_line)
    assert report["ok"] is True
    [explained] = report["explained"]
    head = restored["backup_head_seq"]
    assert f"seq {head + 1}.." in explained
    assert "written after the backup of" in explained and "undone by the restore" in explained
    said = register.bridge("audit", "verify")
    assert "explained: seq" in said.stdout

    # A second restore of the same backup is harmless: the journal's re-applications
    # find the same persons and erase them again, nothing more.
    again = register.json("db", "restore", str(backup), "--yes")
    assert again["reapplied"]["erasures"] == 2
    assert register.bridge("audit", "verify").exit_code == 0


def test_an_anchor_the_restore_could_not_move_is_explained_by_its_row(
    register: Register, tmp_path: Path
) -> None:
    """The restore's signed row records the anchor it replaced: an anchor left there (the
    rewrite failed) is the recorded gap, not tampering."""
    _three_learners(register)
    backup = _backup(register, tmp_path)
    register.json("subject", "erase", "--person", "1", "--yes")
    anchored = register.settings.register.secret_file.with_name("register.secret.anchor")
    before = anchored.read_text(encoding="ascii")
    register.json("db", "restore", str(backup), "--yes")
    anchored.write_text(before, encoding="ascii")  # as if the restore had not moved it
    verified = register.bridge("audit", "verify", "--json")
    report = json.loads(verified.last_line)
    assert verified.exit_code == 0, verified.stderr
    assert report["ok"] and "undone by the restore" in report["explained"][0]

    anchored.write_text(json.dumps({"seq": 99, "mac": "0" * 64}), encoding="ascii")
    cut = register.bridge("audit", "verify", "--json")
    assert cut.exit_code == 1  # an anchor no restore recorded is still a cut


def test_a_restore_is_refused_while_a_lease_is_held(register: Register, tmp_path: Path) -> None:
    _three_learners(register)
    backup = _backup(register, tmp_path)
    register.json("subject", "erase", "--person", "1", "--yes")
    register.add(
        SyncLease(name="sync:moodle", holder="daemon@elsewhere:1:abc",
                  expires_at=utcnow() + timedelta(minutes=5))
    )
    refused = register.bridge("db", "restore", str(backup), "--yes")
    assert refused.exit_code == 3
    assert "sync:moodle is held by daemon@elsewhere" in refused.stderr
    with register.sessions() as session:
        assert session.get(Person, 1).status == "erased"  # type: ignore[union-attr]
        assert session.scalar(
            sa.select(sa.func.count()).where(AuditEntry.action == "db restore")
        ) == 0


def test_backup_and_restore_need_the_admin_role(register: Register, tmp_path: Path) -> None:
    _three_learners(register)
    for roles in (("dpo",), ("operator",), ()):
        denied = register.bridge("db", "backup", "--out", str(tmp_path / "b.bak"), roles=roles)
        assert denied.exit_code == 4, (roles, denied.stdout, denied.stderr)
        assert not (tmp_path / "b.bak").exists()
    backup = _backup(register, tmp_path)
    denied = register.bridge("db", "restore", str(backup), "--yes", roles=("dpo",))
    assert denied.exit_code == 4
    with register.sessions() as session:
        denials = session.scalars(
            sa.select(AuditEntry.action).where(AuditEntry.outcome == "denied")
        ).all()
    assert denials.count("db backup") == 3 and denials.count("db restore") == 1


def test_a_restore_without_yes_is_refused_when_nobody_can_answer(
    register: Register, tmp_path: Path
) -> None:
    _three_learners(register)
    backup = _backup(register, tmp_path)
    refused = register.bridge("db", "restore", str(backup))
    assert refused.exit_code == 2
    assert "add --yes" in refused.stderr


def test_a_backup_without_its_manifest_is_refused(register: Register, tmp_path: Path) -> None:
    _three_learners(register)
    backup = _backup(register, tmp_path)
    manifest_path(backup).unlink()
    refused = register.bridge("db", "restore", str(backup), "--yes")
    assert refused.exit_code == 2
    assert "manifest" in refused.stderr


def test_a_journal_cut_since_the_backup_is_refused_before_anything_is_replaced(
    register: Register, tmp_path: Path
) -> None:
    _three_learners(register)
    register.json("subject", "erase", "--person", "3", "--yes")
    backup = _backup(register, tmp_path)
    register.json("subject", "erase", "--person", "1", "--yes")
    journal_path(register.settings.register.secret_file).unlink()
    refused = register.bridge("db", "restore", str(backup), "--yes")
    assert refused.exit_code == 1
    assert "replaced or cut" in refused.stderr
    with register.sessions() as session:
        assert session.get(Person, 1).status == "erased"  # type: ignore[union-attr]


def test_a_missing_pg_dump_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from bridge.services.ops import backup

    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(backup, "glob", lambda pattern: [])
    with pytest.raises(OperationFailed, match="pg_dump is not installed"):
        backup.tool("pg_dump")


def test_an_erasure_committed_while_the_restore_ran_is_caught_up(
    register: Register, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``subject erase`` takes no lease: one that commits to the register the restore is
    about to replace is journalled, and the restore re-applies it at the end."""
    from bridge.services.ops import restore
    from bridge.services.rights import erasure

    _three_learners(register)
    backup = _backup(register, tmp_path)
    register.json("subject", "erase", "--person", "1", "--yes")
    finish = restore._Stage.finish

    def finish_then_erase_meanwhile(stage: restore._Stage, sessions: object) -> object:
        result = finish(stage, sessions)  # type: ignore[arg-type]
        with register.sessions() as session, session.begin():
            person = session.get(Person, 2)
            assert person is not None
            erasure.execute(session, register.settings, ADMIN, person, reason="meanwhile")
        return result

    monkeypatch.setattr(restore._Stage, "finish", finish_then_erase_meanwhile)
    register.json("db", "restore", str(backup), "--yes")
    with register.sessions() as session:
        for pid in (1, 2):
            assert session.get(Person, pid).status == "erased"  # type: ignore[union-attr]
    assert register.bridge("audit", "verify").exit_code == 0
