"""A deleted anchor file is a failure while keyed audit rows exist, no write re-creates
it, and only an admin's audited `bridge audit anchor --reset` makes a new one (CONTRACTS
9). Tampering goes around the triggers, as someone owning the database would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from bridge.services.audit.anchor import anchor_path, read_anchor
from bridge.settings import load_settings
from bridge.store.models import AuditEntry
from tests.audit_guard import bypassing_audit_guard
from tests.bridge.test_audit_chain import _append, _verify
from tests.cli import run
from tests.configs import OS_USER, write_config

pytestmark = pytest.mark.registry

@pytest.fixture
def config(tmp_path: Path, db_url: str) -> Path:
    return write_config(tmp_path, db_url)


def anchor_file(config: Path) -> Path:
    return anchor_path(load_settings(config).register.secret_file)


def last_row(sessions) -> AuditEntry:
    with sessions() as session:
        return session.scalars(sa.select(AuditEntry).order_by(AuditEntry.seq.desc())).first()


def test_a_missing_anchor_while_keyed_rows_exist_fails_verify(config: Path, sessions) -> None:
    _append(sessions, 3)
    anchor_file(config).unlink()
    exit_code, report = _verify(config)
    assert (exit_code, report["kind"], report["first_bad_seq"]) == (1, "anchor missing", 3)
    text = run("audit", "verify", config=config)
    assert text.exit_code == 1
    assert "(anchor missing): the anchor file is missing although keyed rows exist" in " ".join(
        text.stderr.split()
    )


def test_no_write_re_creates_a_deleted_anchor_over_a_cut(
    config: Path, engine, sessions
) -> None:
    _append(sessions, 5)
    with bypassing_audit_guard(engine) as connection:
        connection.execute(sa.delete(AuditEntry).where(AuditEntry.seq >= 4))
    anchor_file(config).unlink()
    _append(sessions, 1)  # the bridge writes on
    assert not anchor_file(config).exists()
    exit_code, report = _verify(config)
    assert (exit_code, report["kind"]) == (1, "anchor missing")


def test_an_admin_resets_the_anchor_and_the_reset_is_audited(config: Path, sessions) -> None:
    _append(sessions, 3)
    anchor_file(config).unlink()
    outcome = run("audit", "anchor", "--reset", "--json", config=config)
    assert outcome.exit_code == 0, outcome.stderr
    row = last_row(sessions)
    assert (row.seq, row.operator, row.action, row.outcome) == (
        4, OS_USER, "audit anchor reset", "ok"
    )
    assert row.details["anchor_before"] is None
    assert json.loads(outcome.last_line)["anchor"] == {"seq": 4, "mac": row.mac}
    assert read_anchor(anchor_file(config)).seq == 4  # type: ignore[union-attr]
    exit_code, report = _verify(config)
    assert exit_code == 0 and report["ok"], report
    assert any("reset the anchor" in note for note in report["explained"])
    _append(sessions, 1)  # from here the anchor follows the chain again
    assert read_anchor(anchor_file(config)).seq == 5  # type: ignore[union-attr]


def test_a_reset_after_a_cut_records_the_anchor_it_replaces(
    config: Path, engine, sessions
) -> None:
    _append(sessions, 5)
    old = read_anchor(anchor_file(config))
    with bypassing_audit_guard(engine) as connection:
        connection.execute(sa.delete(AuditEntry).where(AuditEntry.seq >= 4))
    assert _verify(config)[0] == 1
    assert run("audit", "anchor", "--reset", config=config).exit_code == 0
    assert last_row(sessions).details["anchor_before"] == old.as_dict()  # type: ignore[union-attr]
    assert _verify(config)[0] == 0


def test_only_an_admin_may_reset_the_anchor(tmp_path: Path, db_url: str, sessions) -> None:
    config = write_config(tmp_path, db_url, roles=("dpo",))
    _append(sessions, 2)
    anchor_file(config).unlink()
    outcome = run("audit", "anchor", "--reset", config=config)
    assert outcome.exit_code == 4
    row = last_row(sessions)
    assert (row.action, row.outcome) == ("audit anchor", "denied")
    assert not anchor_file(config).exists()


def test_a_reset_does_not_bless_changed_rows(config: Path, engine, sessions) -> None:
    _append(sessions, 3)
    with bypassing_audit_guard(engine) as connection:
        connection.execute(sa.update(AuditEntry).where(AuditEntry.seq == 2).values(person_id=9))
    anchor_file(config).unlink()
    outcome = run("audit", "anchor", "--reset", config=config)
    assert outcome.exit_code == 1
    assert "broken at seq 2 (changed)" in " ".join(outcome.stderr.split())
    assert not anchor_file(config).exists()
