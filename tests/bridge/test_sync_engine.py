"""The sync engine against a scripted LMS: idempotent writes, quarantine, reconciliation,
person linking and the lease."""

from __future__ import annotations

import dataclasses
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bridge.errors import LeaseHeld
from bridge.services.sync.budget import RunBudget
from bridge.services.sync.engine import RunContext, RunResult, SyncOptions, run_sync
from bridge.services.sync.run_plan import NoProgress
from bridge.settings import Settings, load_settings
from bridge.store.models import LmsAccount, LmsCourse, Person, QuarantinedRecord, SyncRun
from bridge.store.write_counter import WriteCounter
from connectors.base import TerminalError
from connectors.records import Reject
from tests.bridge.fake_connector import FakeConnector, ScriptedLms, course
from tests.configs import SENTINEL_TOKEN, write_config


@pytest.fixture
def lms() -> ScriptedLms:
    lms = ScriptedLms()
    for uid in (11, 12, 13):
        lms.add_user(uid)
    lms.records["courses"] = [course(2), course(3)]
    return lms


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return load_settings(
        write_config(tmp_path, db_url, connector_extra='streams = ["users", "courses"]\n')
    )


def sync(
    settings: Settings, sessions: sessionmaker[Session], lms: ScriptedLms, **options: object
) -> RunResult:
    from pydantic import SecretStr

    return run_sync(
        settings,
        sessions,
        "moodle",
        SecretStr(SENTINEL_TOKEN),
        SyncOptions(**{"all_streams": True, **options}),  # type: ignore[arg-type]
        connector_factory=lambda stop: FakeConnector(lms),
    )


def count(session: Session, model: type) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_first_sync_creates_rows_and_persons(settings, sessions, lms) -> None:
    result = sync(settings, sessions, lms)
    assert result.status == "ok"
    assert result.streams["users"].created == 3
    assert result.streams["courses"].created == 2
    with sessions() as session:
        assert count(session, LmsAccount) == 3
        assert count(session, Person) == 3
        person = session.scalars(sa.select(Person).where(Person.email == "user11@example.fi")).one()
        assert person.source == "lms_sync"
        account = session.scalars(sa.select(LmsAccount).where(LmsAccount.lms_user_id == 11)).one()
        assert account.person_id == person.id and account.first_seen_at is not None


def test_second_identical_run_writes_no_data_row(settings, sessions, engine, lms) -> None:
    sync(settings, sessions, lms)
    counter = WriteCounter(engine)
    second = sync(settings, sessions, lms)
    counter.close()
    assert counter.rows == 0, counter.statements
    for stats in second.streams.values():
        assert (stats.created, stats.updated) == (0, 0)
    assert second.streams["users"].unchanged == 3


def test_changed_record_is_updated_and_provenance_kept(settings, sessions, lms) -> None:
    sync(settings, sessions, lms)
    with sessions() as session:
        first_seen = session.scalars(
            sa.select(LmsAccount.first_seen_at).where(LmsAccount.lms_user_id == 12)
        ).one()
    lms.add_user(12, city="Espoo")
    result = sync(settings, sessions, lms)
    assert (result.streams["users"].updated, result.streams["users"].unchanged) == (1, 2)
    with sessions() as session:
        account = session.scalars(sa.select(LmsAccount).where(LmsAccount.lms_user_id == 12)).one()
        assert account.city == "Espoo"
        assert account.first_seen_at == first_seen
        assert account.changed_at >= first_seen


def test_user_links_to_existing_person_case_insensitively(settings, sessions, lms) -> None:
    with sessions() as session, session.begin():
        session.add(
            Person(
                first_name="Eero",
                last_name="M",
                email="Eero.M@Example.fi",
                email_normalised="eero.m@example.fi",
                source="registration",
            )
        )
    lms.add_user(14, email="EERO.M@example.FI")
    sync(settings, sessions, lms)
    with sessions() as session:
        account = session.scalars(sa.select(LmsAccount).where(LmsAccount.lms_user_id == 14)).one()
        person = session.get(Person, account.person_id)
        assert person is not None and person.source == "registration"
        assert count(session, Person) == 4


def test_malformed_record_is_quarantined_and_the_rest_lands(settings, sessions, lms) -> None:
    lms.rejects["users"] = [Reject("users", "missing id", {"username": "broken"})]
    result = sync(settings, sessions, lms)
    assert result.status == "ok"
    assert result.streams["users"].quarantined == 1
    assert result.streams["users"].created == 3
    sync(settings, sessions, lms)
    with sessions() as session:
        rows = session.scalars(sa.select(QuarantinedRecord)).all()
        assert len(rows) == 1 and rows[0].reason == "missing id"


def test_token_is_scrubbed_from_quarantined_payload(settings, sessions, lms) -> None:
    lms.rejects["users"] = [Reject("users", f"bad {SENTINEL_TOKEN}", {"x": SENTINEL_TOKEN})]
    sync(settings, sessions, lms)
    with sessions() as session:
        row = session.scalars(sa.select(QuarantinedRecord)).one()
        assert SENTINEL_TOKEN not in str(row.payload) + row.reason


def test_reconcile_marks_and_unmarks_without_deleting(settings, sessions, lms) -> None:
    sync(settings, sessions, lms)
    removed = lms.records["users"].pop()  # user 13 vanishes from the LMS
    plain = sync(settings, sessions, lms)
    assert plain.streams["users"].removed == 0
    result = sync(settings, sessions, lms, reconcile=True)
    assert result.streams["users"].removed == 1
    with sessions() as session:
        gone = session.scalars(sa.select(LmsAccount).where(LmsAccount.lms_user_id == 13)).one()
        assert gone.removed_in_lms_at is not None
        assert count(session, LmsAccount) == 3
        kept = session.scalars(sa.select(LmsAccount).where(LmsAccount.lms_user_id == 11)).one()
        assert kept.removed_in_lms_at is None and kept.last_seen_at is not None
    lms.records["users"].append(removed)
    back = sync(settings, sessions, lms)
    assert back.streams["users"].updated == 1
    with sessions() as session:
        again = session.scalars(sa.select(LmsAccount).where(LmsAccount.lms_user_id == 13)).one()
        assert again.removed_in_lms_at is None


def test_failing_stream_gives_partial_status(settings, sessions, lms) -> None:
    lms.fail["courses"] = TerminalError("missing capability", fix="allow moodle/course:view")
    result = sync(settings, sessions, lms)
    assert result.status == "partial"
    assert result.streams["courses"].status == "failed"
    assert "moodle/course:view" in (result.streams["courses"].error or "")
    with sessions() as session:
        run = session.get(SyncRun, result.run_id)
        assert run is not None and run.status == "partial"


def test_second_concurrent_sync_is_refused_and_wait_waits(settings, sessions, lms) -> None:
    lms.release.clear()
    first: dict[str, RunResult] = {}
    thread = threading.Thread(target=lambda: first.setdefault("r", sync(settings, sessions, lms)))
    thread.start()
    assert lms.pull_started.wait(10)
    with pytest.raises(LeaseHeld, match="held by"):
        sync(settings, sessions, lms)
    waiter: dict[str, RunResult] = {}
    second = threading.Thread(
        target=lambda: waiter.setdefault("r", sync(settings, sessions, lms, wait=True))
    )
    second.start()
    lms.release.set()
    thread.join(30)
    second.join(30)
    assert first["r"].status == "ok" and waiter["r"].status == "ok"
    assert waiter["r"].run_id > first["r"].run_id


def test_courses_stream_idempotent(settings, sessions, lms) -> None:
    sync(settings, sessions, lms)
    sync(settings, sessions, lms)
    with sessions() as session:
        assert count(session, LmsCourse) == 2


def test_a_runs_context_is_complete_when_built_and_cannot_change(settings, sessions, lms) -> None:
    context = RunContext(
        settings=settings, sessions=sessions, name="moodle", connector=FakeConnector(lms),
        options=SyncOptions(), actor=None, progress=NoProgress(), stop=threading.Event(),
        secrets=(SENTINEL_TOKEN,), budget=RunBudget.starting_now(timedelta(hours=1)),
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        context.actor = None  # type: ignore[misc]
