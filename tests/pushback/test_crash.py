"""Crash test: the push worker runs as its own process and is SIGKILLed, once exactly between
sending a suspension to Moodle and marking it done, and at seeded random points; after a
restart every command is done exactly once in effect and none is lost."""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from urllib.parse import parse_qs

import pytest

from connectors.moodle.simulator.protocol import Response
from tests.pushback.conftest import SiteFactory
from tests.pushback.helpers import Site, kill, start_worker, wait_until

pytestmark = [pytest.mark.registry, pytest.mark.slow]

CLAIM_TTL = "1s"


class WriteGate:
    """Holds back Moodle's answer to the first ``core_user_update_users`` once armed.

    Moodle has applied the write when the answer is held: a worker killed then has sent
    the command but cannot have marked it.
    """

    def __init__(self, handle: Callable[..., Response]) -> None:
        self._handle = handle
        self.armed = False
        self.sent = threading.Event()
        self.release = threading.Event()
        self.user_id: int | None = None

    def __call__(
        self, method: str, path: str, headers: Mapping[str, str] | None = None, body: bytes = b""
    ) -> Response:
        response = self._handle(method, path, headers, body)
        fields = parse_qs((body or b"").decode())
        if self.armed and fields.get("wsfunction") == ["core_user_update_users"]:
            self.armed = False
            self.user_id = int(fields["users[0][id]"][0])
            self.sent.set()
            self.release.wait(30)
        return response


def updates_per_user(site: Site) -> Counter[int]:
    return Counter(
        row.relateduserid
        for row in site.sim.state.logs
        if row.eventname == "\\core\\event\\user_updated"
    )


def done_count(site: Site) -> int:
    return sum(1 for c in site.commands() if c.state == "done")


def test_killed_workers_lose_nothing_and_repeat_nothing(make_site: SiteFactory) -> None:
    site = make_site(size="demo", daemon={"push_claim_ttl": CLAIM_TTL, "push_interval": "0.1s"})
    students = site.students()
    assert len(students) >= 30
    for person_id, _, _ in students:
        site.withdraw(person_id)
    commands = site.commands()
    assert len(commands) == len(students) and {c.state for c in commands} == {"pending"}
    before = updates_per_user(site)
    already = {uid for _, _, uid in students if site.suspended(uid)}  # suspended by hand earlier

    # 1. Killed exactly between sending (Moodle applied it) and marking done.
    gate = WriteGate(site.sim.handle)
    site.sim.handle = gate  # type: ignore[method-assign]
    gate.armed = True
    worker = start_worker(site)
    try:
        assert gate.sent.wait(60), "the worker never sent a suspension"
    finally:
        kill(worker)
        gate.release.set()
    assert gate.user_id is not None and site.suspended(gate.user_id)
    [caught] = site.commands(lms_user_id=gate.user_id)
    assert caught.state == "in_progress"  # sent, applied, not marked: the crash window

    # 2. Killed at seeded random points: during start-up, claiming, pushing, settling.
    rng = random.Random(6)
    for _ in range(4):
        done = done_count(site)
        worker = start_worker(site)
        # usually once it has started working (a batch may already have finished it all)
        if rng.random() < 0.75 and done < len(students):
            wait_until(lambda d=done: done_count(site) > d, timeout=60, what="progress")
        threading.Event().wait(rng.uniform(0.0, 0.4))  # the kill point, not a synchronisation
        kill(worker)

    # 3. A last worker finishes the work, taking over expired claims.
    worker = start_worker(site)
    try:
        wait_until(lambda: done_count(site) == len(students), timeout=90, what="all done")
    finally:
        kill(worker)

    commands = site.commands()
    assert len(commands) == len(students)  # none lost, none duplicated
    assert {c.state for c in commands} == {"done"}
    assert all(c.verified_at is not None for c in commands)
    assert next(c for c in commands if c.lms_user_id == gate.user_id).attempts >= 2
    after = updates_per_user(site)
    for _, _, uid in students:
        assert site.suspended(uid), uid
        wanted = 0 if uid in already else 1
        assert after[uid] - before[uid] == wanted, f"user {uid}: {after[uid]} updates"
