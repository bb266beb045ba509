"""Outage test: Moodle refuses every request (faults at 100 %); commands stay pending with
growing backoff and are never dropped; when Moodle answers again (0 %), all complete."""

from __future__ import annotations

import itertools
import threading
from datetime import datetime, timedelta

import pytest

from bridge.clock import utcnow
from bridge.services.push import outbox
from bridge.services.push.worker import PushWorker
from connectors.base import Connector
from connectors.moodle.config import MoodleConfig
from connectors.moodle.connector import MoodleConnector
from tests.pushback.helpers import ACTOR, Site, wait_until

pytestmark = [pytest.mark.registry, pytest.mark.slow]

#: Faults that answer at once (a ``timeout`` fault stalls for seconds by design).
QUICK_FAULTS = ["unavailable", "reset", "error500"]


def worker_without_client_retries(site: Site) -> PushWorker:
    """A worker whose connector gives up on the first transient failure, so that each pass
    is one attempt and the outbox's own backoff is what the test observes."""
    section = site.settings.connectors["moodle"]
    options = section.model_dump(exclude={"token", "token_file"})

    def factory(name: str, stop: threading.Event) -> Connector:
        config = MoodleConfig.from_options(options, site.settings.connector_token("moodle"))
        return MoodleConnector(config.model_copy(update={"max_retries": 0}), stop_event=stop)

    return PushWorker(
        site.settings, site.sessions, site.settings.connector_token, actor=ACTOR,
        connector_factory=factory,
    )


def all_due(site: Site) -> bool:
    now = utcnow()
    return all(c.next_attempt_at <= now for c in site.commands())


def naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


def test_commands_wait_out_an_outage_with_growing_backoff(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox, "BACKOFF_BASE_S", 0.5)  # 0.5 s, 1 s, 2 s … (jittered ±20 %)
    people = [s for s in site.students() if not site.suspended(s[2])][:3]
    for person_id, _, _ in people:
        site.withdraw(person_id)
    site.sim.set_faults(rate=1.0, kinds=QUICK_FAULTS)
    worker = worker_without_client_retries(site)
    delays: dict[int, list[timedelta]] = {}
    try:
        for attempt in range(1, 4):
            wait_until(lambda: all_due(site), timeout=30, what="the commands to fall due")
            started = naive(utcnow())
            stats = worker.run_once()
            assert (stats.claimed, stats.retrying, stats.done) == (3, 3, 0)
            for command in site.commands():
                assert command.state == "pending" and command.attempts == attempt
                assert command.last_error and command.claimed_by is None
                delays.setdefault(command.id, []).append(
                    naive(command.next_attempt_at) - started
                )
            assert worker.run_once().claimed == 0  # nothing is tried before its time
        for command_id, waits in delays.items():
            assert all(b > a for a, b in itertools.pairwise(waits)), (command_id, waits)
            assert waits[0] >= timedelta(seconds=0.4)
        # Moodle answers no one, so look at its state directly: nothing was applied.
        assert not any(site.sim.state.users[uid].suspended for _, _, uid in people)

        site.sim.set_faults(rate=0.0)
        wait_until(lambda: all_due(site), timeout=30, what="the commands to fall due")
        assert worker.run_once().done == 3
    finally:
        worker.close()
    assert {c.state for c in site.commands()} == {"done"}
    assert all(site.suspended(uid) for _, _, uid in people)
    # the three suspensions go in one batch: at least one refused request per attempt
    assert len(site.sim.faults.injected) >= 3
