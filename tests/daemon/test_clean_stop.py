"""A clean stop is quiet: the daemon's own lease (on SQLite, the one that makes it the only
daemon of the register) is released without a warning; only a lease a job still held at
the stop is worth one."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from bridge.clock import utcnow
from bridge.services.audit import Actor
from bridge.services.audit.identity import DAEMON
from bridge.services.ops.sqlite_guard import take_sqlite_guard
from bridge.settings import load_settings
from bridge.store.models import SyncLease
from jobs.daemon import Daemon
from tests.configs import write_config


def _daemon(tmp_path: Path, db_url: str, sessions: sessionmaker[Session]) -> Daemon:
    settings = load_settings(write_config(tmp_path, db_url))
    daemon = Daemon(settings, sessions, lambda name: SecretStr("x"),
                    actor=Actor(DAEMON, "operator"))
    daemon.guard = take_sqlite_guard(sessions, DAEMON, settings.daemon.lease_ttl)
    return daemon


def _leases(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(session.scalars(sa.select(SyncLease.name)))


def test_a_clean_stop_releases_everything_without_a_warning(
    tmp_path: Path, db_url: str, sessions: sessionmaker[Session],
    caplog: pytest.LogCaptureFixture,
) -> None:
    daemon = _daemon(tmp_path, db_url, sessions)
    with caplog.at_level(logging.INFO):
        daemon.shutdown()
    assert _leases(sessions) == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_a_lease_a_job_left_behind_is_released_and_reported(
    tmp_path: Path, db_url: str, sessions: sessionmaker[Session],
    caplog: pytest.LogCaptureFixture,
) -> None:
    daemon = _daemon(tmp_path, db_url, sessions)
    now = utcnow()
    with sessions() as session, session.begin():
        session.add(SyncLease(name="sync:moodle", holder=f"{daemon.ctx.holder_prefix}abc123",
                              acquired_at=now, expires_at=now + timedelta(minutes=2)))
    with caplog.at_level(logging.INFO):
        daemon.shutdown()
    assert _leases(sessions) == []
    [line] = [r for r in caplog.records if "lease(s)" in r.getMessage()]
    assert line.getMessage() == "released 1 lease(s) left by stopped jobs"
    assert line.levelno == logging.INFO  # no job was still running: a routine release
