"""Erasure-residue test (issue 16): a truncated Moodle answer during a sync, then the
erasure of a learner in it; afterwards the learner's names and e-mail are found nowhere:
not in the register's bytes (the SQLite file and its ``-wal``/``-shm``, or every row of
every table on PostgreSQL) and not in the logs of the sync and the erasure at debug level.

A register written by an older version may already hold run records, push rows and
quarantined records that quote the learner; the erasure sweeps those too."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from bridge.clock import utcnow
from bridge.services.sync.engine import run_sync
from bridge.services.sync.run_plan import SyncOptions
from bridge.store.models import OutboxCommand, QuarantinedRecord, SyncRun
from connectors.base import Connector
from connectors.moodle.config import MoodleConfig
from connectors.moodle.connector import MoodleConnector
from connectors.moodle.functions import GRADES_FUNCTION
from connectors.moodle.simulator import SimulatedMoodle
from connectors.moodle.simulator.protocol import Response
from tests.pushback.conftest import SiteFactory
from tests.pushback.helpers import Site, person_of, register_tables
from tests.pushback.test_erasure import Marked

pytestmark = [pytest.mark.registry, pytest.mark.slow]

GRADE_REPORT = b"gradereport_user_get_grade_items"


def truncate_grade_reports(sim: SimulatedMoodle, name: str) -> list[int]:
    """Cut every grade report that names ``name`` shortly after it, as a proxy that drops
    the connection mid-answer would; returns the full sizes of the answers cut."""
    original = sim.app.handle
    cut: list[int] = []

    def handle(
        method: str, path: str, headers: Mapping[str, str], body: bytes | None
    ) -> Response:
        response = original(method, path, headers, body)
        at = response.body.find(name.encode())
        if GRADE_REPORT in (body or b"") and at >= 0:
            cut.append(len(response.body))
            return response._replace(body=response.body[: at + len(name) + 40])
        return response

    sim.app.handle = handle  # type: ignore[method-assign]
    return cut


def sync_without_retries(site: Site) -> str:
    """One in-process sync whose client gives up on the first transient failure (the
    CLI's would retry with real backoff); returns the run's status."""
    options = site.settings.connectors["moodle"].model_dump(exclude={"token", "token_file"})
    token = site.settings.connector_token("moodle")

    def factory(stop: threading.Event) -> Connector:
        config = MoodleConfig.from_options(options, token)
        return MoodleConnector(config.model_copy(update={"max_retries": 0}), stop_event=stop)

    result = run_sync(
        site.settings, site.sessions, "moodle", SecretStr(token.get_secret_value()),
        SyncOptions(full=True), connector_factory=factory,
    )
    return result.status


def plant_old_residue(site: Site, marked: Marked) -> None:
    """What a register written by an older version holds: answer excerpts in run records,
    a push reason and a quarantined record quoting the learner."""
    excerpt = (
        'answer is not JSON ([{"userid": 9, "userfullname": '
        f'"{marked.first_name} {marked.last_name}", "email": "{marked.email}"…)'
    )
    now = utcnow()
    with site.sessions() as session, session.begin():
        session.add(SyncRun(connector="moodle", started_at=now, finished_at=now,
                            status="partial", error=f"gradebook: {excerpt}",
                            streams={"gradebook": {"status": "failed", "error": excerpt,
                                                   "fetched": 3}}))
        session.add(OutboxCommand(connector="moodle", lms_user_id=999_001, action="suspend",
                                  state="failed", reason=f"asked by {marked.email}",
                                  last_error=excerpt, payload={"note": marked.last_name}))
        session.add(QuarantinedRecord(connector="moodle", stream="users", lms_id="999002",
                                      reason="email: invalid",
                                      payload={"id": 999002, "email": marked.email},
                                      payload_hash="0" * 64))


def register_bytes(site: Site) -> bytes:
    """The register as stored: every file that starts with the SQLite file's name (the
    database, ``-wal``, ``-shm``), or on PostgreSQL the text of every row of every table."""
    url = make_url(site.db_url)
    if url.get_backend_name() == "sqlite":
        path = Path(str(url.database))
        files = sorted(path.parent.glob(path.name + "*"))
        assert path in files
        return b"".join(f.read_bytes() for f in files)
    chunks = []
    with site.engine.connect() as connection:
        for table in register_tables(site.engine):
            name = connection.dialect.identifier_preparer.quote(table.name)
            rows = connection.exec_driver_sql(f"SELECT t::text FROM {name} t").scalars()
            chunks += [row.encode() for row in rows]
    return b"\n".join(chunks)


def occurrences(haystack: bytes, value: str) -> int:
    folded = haystack.decode("utf-8", "replace").casefold()
    return haystack.count(value.encode()) + folded.count(value.casefold())


def test_erased_learner_is_nowhere_after_a_truncated_answer(
    make_site: SiteFactory, caplog: pytest.LogCaptureFixture
) -> None:
    # The grade report lists learners by last name: this one comes first in it.
    marked = Marked(last_name="Aaqworpenheimo", email="zyx.aaqworpenheimo@example.fi")
    site = make_site(synced=False, prepare=marked.prepare)
    watched = [marked.first_name, marked.last_name, marked.email]
    # The user report is the gradebook read that names learners: read it, not the plugin's.
    site.sim.remove_function(GRADES_FUNCTION)
    cut = truncate_grade_reports(site.sim, marked.last_name)

    caplog.set_level(logging.DEBUG)
    assert sync_without_retries(site) == "partial"
    sync_log = caplog.text
    assert cut, "the grade report naming the learner was never asked for"
    with site.sessions() as session:
        run = session.scalars(sa.select(SyncRun).order_by(SyncRun.id.desc())).first()
        assert run is not None and run.error is not None
        # The run record says what broke, from facts: function, status, where, size.
        assert "gradereport_user_get_grade_items: HTTP 200, invalid JSON" in run.error
        assert "byte answer" in run.error
    assert "invalid JSON" in sync_log
    plant_old_residue(site, marked)
    assert all(occurrences(register_bytes(site), v) for v in watched)  # the test can see

    person_id = person_of(site, marked.lms_user_id)
    erased = site.bridge("-vv", "subject", "erase", "--person", str(person_id), "--yes",
                         "--json")
    assert erased.exit_code == 0, erased.stderr

    stored = register_bytes(site)
    logs = (sync_log + caplog.text + erased.stderr + erased.stdout).encode()
    found = {v: (occurrences(stored, v), occurrences(logs, v)) for v in watched}
    assert found == dict.fromkeys(watched, (0, 0))
    with site.sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(QuarantinedRecord)
                              .where(QuarantinedRecord.lms_id == "999002")) == 0
        old = session.scalars(sa.select(SyncRun).where(SyncRun.status == "partial")).all()
        assert all(marked.last_name not in str(r.streams) for r in old)
        assert any(r.streams.get("gradebook", {}).get("fetched") == 3 for r in old)  # counts kept
    assert site.ok("audit", "verify").exit_code == 0
