"""`bridge audit verify` tells every kind of tampering apart, naming the first bad
sequence number; an untouched chain verifies, also after retention and an erasure
(CONTRACTS 9). Tampering goes around the triggers, as an attacker owning the database
or its file would."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bridge.services.audit import Actor, record
from bridge.services.audit.chain import GENESIS, canonical, legacy_digest, row_content, row_mac
from bridge.services.rights import erasure, retention
from bridge.settings import load_settings
from bridge.store.models import AuditEntry, Person
from tests.audit_guard import bypassing_audit_guard
from tests.cli import run
from tests.configs import write_config
from tests.rights.conftest import Register, lms_person

pytestmark = pytest.mark.registry

DPO = Actor("dora.dpo", "dpo")
ADMIN = Actor("tester", "admin")


@pytest.fixture
def config(tmp_path: Path, db_url: str) -> Path:
    return write_config(tmp_path, db_url)


def _append(sessions, count: int) -> None:
    for person in range(1, count + 1):
        with sessions() as session, session.begin():
            record(session, DPO, "person show", person_id=person)


def _verify(config: Path) -> tuple[int, dict[str, Any]]:
    outcome = run("audit", "verify", "--json", config=config)
    return outcome.exit_code, json.loads(outcome.last_line)


def _assert_broken(config: Path, kind: str, seq: int) -> dict[str, Any]:
    exit_code, report = _verify(config)
    assert (exit_code, report["kind"], report["first_bad_seq"]) == (1, kind, seq), report
    text = run("audit", "verify", config=config)
    assert text.exit_code == 1 and f"seq {seq} ({kind})" in text.stderr
    return report


def _tamper(engine: sa.Engine, statement: sa.Executable) -> None:
    with bypassing_audit_guard(engine) as connection:
        connection.execute(statement)


def _rows(engine: sa.Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(sa.select(AuditEntry.__table__).order_by(AuditEntry.seq))
        return [dict(row) for row in rows.mappings()]


def test_untouched_chain_verifies(config: Path, sessions) -> None:
    _append(sessions, 3)
    exit_code, report = _verify(config)
    assert exit_code == 0 and report["ok"] is True
    assert (report["rows"], report["head_seq"], report["anchor"]["seq"]) == (3, 3, 3)
    assert run("audit", "verify", config=config).stdout.strip() == "intact: 3 rows, head seq 3"


def test_every_row_records_seq_uid_and_host(engine, sessions) -> None:
    _append(sessions, 2)
    rows = _rows(engine)
    assert [r["seq"] for r in rows] == [1, 2]
    assert all(r["uid"] is not None and r["host"] and len(r["mac"]) == 64 for r in rows)


@pytest.mark.parametrize("seq", [2, 5])
def test_a_changed_row_is_named(config: Path, engine, sessions, seq: int) -> None:
    _append(sessions, 5)
    _tamper(engine, sa.update(AuditEntry).where(AuditEntry.seq == seq).values(person_id=99))
    _assert_broken(config, "changed", seq)


def test_a_changed_identity_is_named(config: Path, engine, sessions) -> None:
    _append(sessions, 3)
    _tamper(engine, sa.update(AuditEntry).where(AuditEntry.seq == 2).values(host="elsewhere"))
    _assert_broken(config, "changed", 2)


def test_a_deleted_middle_row_is_missing(config: Path, engine, sessions) -> None:
    _append(sessions, 5)
    _tamper(engine, sa.delete(AuditEntry).where(AuditEntry.seq.in_([3, 4])))
    report = _assert_broken(config, "missing", 3)
    assert "2 row(s) missing" in report["message"]


def test_deleted_last_rows_are_a_tail_cut(config: Path, engine, sessions) -> None:
    _append(sessions, 5)
    _tamper(engine, sa.delete(AuditEntry).where(AuditEntry.seq >= 4))
    report = _assert_broken(config, "tail cut", 4)
    assert "behind the anchor by 2 row(s)" in report["message"]


def test_an_emptied_table_is_named(config: Path, engine, sessions) -> None:
    _append(sessions, 3)
    _tamper(engine, sa.delete(AuditEntry))
    report = _assert_broken(config, "emptied", 1)
    assert "the anchor says 3 row(s)" in report["message"]


def _recompute(engine: sa.Engine, from_seq: int, link_of_row) -> None:
    """Edit row ``from_seq`` and rewrite the chain from there with ``link_of_row``."""
    _tamper(engine, sa.update(AuditEntry).where(AuditEntry.seq == from_seq).values(person_id=99))
    rows = _rows(engine)
    link = GENESIS if from_seq == 1 else rows[from_seq - 2]["mac"]
    with bypassing_audit_guard(engine) as connection:
        for row in rows[from_seq - 1 :]:
            values = link_of_row(row, link)
            connection.execute(
                sa.update(AuditEntry).where(AuditEntry.seq == row["seq"]).values(**values)
            )
            link = values["mac"] or values["row_hash"]


def _plain_sha256(row: dict[str, Any], link: str) -> dict[str, Any]:
    entry = AuditEntry(**row)
    text = f"{row['seq']}|{link}|{canonical(row_content(entry))}"
    return {"mac": hashlib.sha256(text.encode()).hexdigest(), "row_hash": None}


def _guessed_key(row: dict[str, Any], link: str) -> dict[str, Any]:
    return {"mac": row_mac(b"guess", row["seq"], link, AuditEntry(**row)), "row_hash": None}


def _old_unkeyed_chain(row: dict[str, Any], link: str) -> dict[str, Any]:
    digest = legacy_digest(link, AuditEntry(**row))
    return {"mac": None, "prev_hash": link, "row_hash": digest}


@pytest.mark.parametrize("rewrite", [_plain_sha256, _guessed_key, _old_unkeyed_chain])
def test_a_chain_recomputed_without_the_key_is_named(
    config: Path, engine, sessions, rewrite
) -> None:
    _append(sessions, 5)
    _recompute(engine, 3, rewrite)
    _assert_broken(config, "unkeyed rewrite", 3)


def test_a_rewritten_last_row_is_told_from_a_changed_one(config: Path, engine, sessions) -> None:
    _append(sessions, 4)
    _recompute(engine, 4, _guessed_key)
    _assert_broken(config, "unkeyed rewrite", 4)


def test_a_restored_older_register_is_behind_the_anchor(config: Path, engine, sessions) -> None:
    _append(sessions, 2)
    backup = _rows(engine)
    _append(sessions, 2)  # the anchor moves on to seq 4
    with bypassing_audit_guard(engine) as connection:  # the restore of the older copy
        connection.execute(sa.delete(AuditEntry))
        connection.execute(sa.insert(AuditEntry), backup)
    report = _assert_broken(config, "tail cut", 3)
    assert "behind the anchor by 2 row(s)" in report["message"]
    assert "restored from an older backup" in report["message"]
    # The bridge writes on: the chain forks at the anchored seq, and the anchor stays there.
    _append(sessions, 3)
    report = _assert_broken(config, "behind the anchor", 4)
    assert report["anchor"]["seq"] == 4 and report["head_seq"] == 5


def test_chain_stays_intact_after_retention_and_erasure(
    tmp_path: Path, config: Path, sessions
) -> None:
    register = Register(config, load_settings(config), sessions)
    old = date(2023, 1, 1)
    lms_person(register, 1, uid=11, course_end=old, activity=old, relationship_end=old)
    lms_person(register, 2, uid=12, course_end=old, activity=old)
    _append(sessions, 2)
    with sessions() as session, session.begin():
        counts = retention.run(session, register.settings, ADMIN, date(2026, 6, 1))
    assert counts["deleted"] > 0
    with sessions() as session, session.begin():
        person = session.get(Person, 2)
        assert person is not None
        erasure.execute(session, register.settings, ADMIN, person, reason="request")
    exit_code, report = _verify(config)
    assert exit_code == 0 and report["rows"] == report["head_seq"] == 4, report


def test_audit_anchor_prints_the_head(config: Path, engine, sessions) -> None:
    assert "no anchor" in run("audit", "anchor", config=config).stdout
    _append(sessions, 2)
    printed = json.loads(run("audit", "anchor", "--json", config=config).last_line)
    head = _rows(engine)[-1]
    assert printed["anchor"] == {"seq": 2, "mac": head["mac"]}
    assert run("audit", "anchor", config=config).stdout.strip() == f"seq 2 mac {head['mac']}"
