"""Two push workers on PostgreSQL share 1,000 commands: none is executed twice."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from bridge.services.push import outbox
from bridge.services.push.worker import PushRunStats, PushWorker
from bridge.store.db import make_engine, session_factory
from connectors.base import Connector, PushCommand, PushResult
from tests.conftest import TEST_DATABASE_URL
from tests.pushback.helpers import ACTOR, Site, served_site

pytestmark = [
    pytest.mark.registry,
    pytest.mark.slow,
    pytest.mark.skipif(
        not TEST_DATABASE_URL,
        reason="several workers at once is PostgreSQL's job (FOR UPDATE SKIP LOCKED); on SQLite "
        "the daemon runs push in one process (CONTRACTS 11): set BRIDGE_TEST_DATABASE_URL",
    ),
]

COMMANDS = 1000


class CountingConnector:
    """Wraps a worker's real Moodle connector and counts every push it is asked to execute."""

    def __init__(self, inner: Connector, counts: Counter[int], lock: threading.Lock) -> None:
        self.inner, self.counts, self.lock = inner, counts, lock

    def push(self, command: PushCommand) -> PushResult:
        with self.lock:
            self.counts[command.lms_user_id] += 1
        return self.inner.push(command)

    def push_many(self, commands: list[PushCommand]) -> list[PushResult]:
        with self.lock:
            self.counts.update(command.lms_user_id for command in commands)
        return self.inner.push_many(commands)

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


def run_worker(site: Site, counts: Counter[int], lock: threading.Lock,
               results: list[PushRunStats]) -> None:
    engine = make_engine(site.db_url)  # its own connections, as a second process would have
    plain = PushWorker(site.settings, session_factory(engine), site.settings.connector_token)
    worker = PushWorker(
        site.settings, session_factory(engine), site.settings.connector_token, actor=ACTOR,
        connector_factory=lambda name, stop: CountingConnector(  # type: ignore[arg-type,return-value]
            plain.connector(name), counts, lock
        ),
    )
    try:
        results.append(worker.run_once(limit=25))
    finally:
        plain.close()
        engine.dispose()


def test_two_workers_never_execute_a_command_twice(tmp_path: Path, db_url: str) -> None:
    with served_site(tmp_path, db_url) as site:
        state, users = site.sim.state, []
        for n in range(COMMANDS):
            users.append(state.add_user(f"load{n:04d}", "Kuorma", f"Testi{n}",
                                        f"load{n:04d}@example.fi").id)
        with site.sessions() as session, session.begin():
            for uid in users:
                outbox.enqueue(session, connector="moodle", lms_user_id=uid, action="suspend",
                               person_id=None, operator="tester", reason="load")
        counts: Counter[int] = Counter()
        lock, results = threading.Lock(), []
        threads = [
            threading.Thread(target=run_worker, args=(site, counts, lock, results))
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=240)
        assert len(results) == 2, "a worker died"
        assert all(r.claimed > 0 for r in results), [r.as_dict() for r in results]  # both worked
        assert sum(r.claimed for r in results) == COMMANDS
        assert sum(r.lost for r in results) == 0
        assert counts == Counter({uid: 1 for uid in users})
        updates = Counter(
            row.relateduserid for row in state.logs
            if row.eventname == "\\core\\event\\user_updated"
        )
        assert all(updates[uid] == 1 for uid in users)
        assert all(state.users[uid].suspended for uid in users)
        with site.engine.connect() as connection:
            states = dict(connection.execute(
                sa.text("SELECT state, count(*) FROM outbox GROUP BY state")
            ).all())
        assert states == {"done": COMMANDS}
