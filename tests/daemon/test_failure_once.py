"""A job that keeps failing the same way is one ERROR, not one at every slot: a dead token
found by the daemon's sync job is an alarm in the log once, then a warning per slot, and a
new failure (or the same one after a success) is an ERROR again."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from bridge.errors import OperationFailed
from bridge.services.audit import Actor
from bridge.services.audit.identity import DAEMON
from bridge.settings import load_settings
from bridge.settings.durations import parse_schedule
from jobs.catalogue import JobSpec, guarded
from jobs.context import JobContext
from tests.configs import write_config


def _levels(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.levelname for r in caplog.records if r.levelno >= logging.WARNING]


def test_the_same_failure_at_each_slot_is_one_error_then_warnings(
    tmp_path: Path, db_url: str, sessions: sessionmaker[Session],
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = load_settings(write_config(tmp_path, db_url))
    ctx = JobContext(settings, sessions, lambda name: SecretStr("x"), Actor(DAEMON, "admin"))
    outcome: list[Callable[[], None]] = []

    def run(_: JobContext) -> None:
        outcome[-1]()

    def refused() -> None:
        raise OperationFailed("moodle: Invalid token - token not found")

    def other() -> None:
        raise OperationFailed("moodle: the register is locked")

    spec = JobSpec("sync:moodle:incremental", run, parse_schedule("5m"))
    with caplog.at_level(logging.INFO):
        for step in (refused, refused, refused, other, lambda: None, refused):
            outcome.append(step)
            guarded(ctx, spec)
    assert _levels(caplog) == ["ERROR", "WARNING", "WARNING", "ERROR", "ERROR"]
    warning = next(r for r in caplog.records if r.levelname == "WARNING")
    assert "still failing" in warning.getMessage() and "Invalid token" in warning.getMessage()
    assert ctx.record(spec.id).failures == 5
