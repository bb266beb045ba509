"""The daemon's heartbeat log line carries the audit chain's anchored head (issue
"Trustworthy evidence"): a log shipped off the host keeps a copy an attacker cannot edit."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bridge.services.audit import Actor, record
from bridge.services.audit.anchor import anchor_path, read_anchor
from bridge.services.ops.heartbeat import beat

pytestmark = pytest.mark.registry


def test_each_beat_logs_the_anchored_head(
    sessions: sessionmaker[Session], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret = tmp_path / "register.secret"
    with sessions() as session, session.begin():
        record(session, Actor("tester", "admin"), "status")
        record(session, Actor("tester", "admin"), "status")
    head = read_anchor(anchor_path(secret))
    assert head is not None and head.seq >= 2

    with caplog.at_level(logging.INFO, logger="bridge.services.ops.heartbeat"):
        beat(sessions, None, secret)

    lines = [r for r in caplog.records if r.getMessage().startswith("heartbeat:")]
    assert len(lines) == 1
    assert lines[0].ctx_audit_seq == head.seq and lines[0].ctx_audit_mac == head.mac
    assert f"seq {head.seq} mac {head.mac}" in lines[0].getMessage()


def test_a_register_without_keyed_rows_logs_seq_zero(
    sessions: sessionmaker[Session], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="bridge.services.ops.heartbeat"):
        beat(sessions, None, tmp_path / "elsewhere.secret")
    [line] = [r for r in caplog.records if r.getMessage().startswith("heartbeat:")]
    assert line.ctx_audit_seq == 0 and line.ctx_audit_mac is None
