"""Helpers of the daemon tests: a simulated Moodle served in this process, `bridge daemon`
in a child process logging JSON lines to a file, and polls of the register."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bridge.store.db import make_engine, session_factory
from bridge.store.models import OutboxCommand, SyncLease, SyncRun
from connectors.moodle.simulator import SimulatedMoodle
from connectors.moodle.simulator.protocol import Response
from connectors.moodle.simulator.server import running_server
from tests.cli import Outcome, run
from tests.configs import write_config
from tests.pushback.helpers import wait_until

REPO = Path(__file__).resolve().parents[2]

#: Second-level schedules, so a test sees several slots in a few seconds.
FAST = {
    "sync_interval": "1s",
    "push_interval": "0.2s",
    "heartbeat_interval": "1s",
    "housekeeping_interval": "1s",
    "lease_ttl": "5s",
    "privacy_poll": "0s",
    "shutdown_grace": "20s",
}

__all__ = ["FAST", "Daemon", "Site", "free_port", "served", "wait_until"]


@dataclass
class Gate:
    """Makes the served site answer every web-service call with 503 ``Retry-After``."""

    retry_after: int | None = None

    def wrap(self, handle: Callable[..., Response]) -> Callable[..., Response]:
        def gated(method: str, path: str, headers: Any = None, body: Any = b"") -> Response:
            if self.retry_after is not None and "/webservice/" in path:
                return Response(503, {"Retry-After": str(self.retry_after),
                                      "Content-Type": "text/html"}, b"<h1>maintenance</h1>")
            return handle(method, path, headers, body)

        return gated


@dataclass
class Site:
    sim: SimulatedMoodle
    url: str
    directory: Path
    db_url: str
    sessions: sessionmaker[Session]
    gate: Gate
    config: Path = field(init=False)

    def configure(self, connector_extra: str = "", **daemon: str | int) -> Path:
        values = {**FAST, **daemon}
        section = "[daemon]\n" + "".join(
            f"{k} = {v}\n" if isinstance(v, int) else f'{k} = "{v}"\n' for k, v in values.items()
        )
        self.config = write_config(
            self.directory, self.db_url, moodle_url=self.url, token=self.sim.token,
            connector_extra='timeout = "5s"\n' + connector_extra, extra=section,
        )
        return self.config

    def bridge(self, *args: str) -> Outcome:
        return run(*args, config=self.config)

    def status(self) -> dict[str, Any]:
        outcome = self.bridge("status", "--json")
        assert outcome.exit_code == 0, outcome.stderr
        return dict(json.loads(outcome.last_line))

    def runs(self, **where: Any) -> list[SyncRun]:
        with self.sessions() as session:
            return list(session.scalars(sa.select(SyncRun).filter_by(**where)))

    def leases(self) -> list[SyncLease]:
        with self.sessions() as session:
            return list(session.scalars(sa.select(SyncLease)))

    def command(self, command_id: int) -> OutboxCommand:
        with self.sessions() as session:
            found = session.get(OutboxCommand, command_id)
            assert found is not None
            return found


@contextmanager
def served(directory: Path, db_url: str) -> Iterator[Site]:
    sim = SimulatedMoodle("tiny", seed=1)
    gate = Gate()
    sim.handle = gate.wrap(sim.handle)  # type: ignore[method-assign]
    with running_server(sim) as url:
        engine = make_engine(db_url)
        try:
            yield Site(sim, url, directory, db_url, session_factory(engine), gate)
        finally:
            engine.dispose()


class Daemon:
    """`bridge daemon --log-format json` in a child process; its log goes to a file."""

    def __init__(self, config: Path, log_path: Path, *args: str) -> None:
        self.log_path = log_path
        self._log = log_path.open("w", encoding="utf-8")
        code = "from bridge.cli.main import main; main()"
        self.process = subprocess.Popen(
            [sys.executable, "-c", code, "--config", str(config), "daemon",
             "--log-format", "json", *args],
            cwd=REPO, stdout=subprocess.DEVNULL, stderr=self._log, text=True,
        )

    def lines(self) -> list[dict[str, Any]]:
        """The JSON log lines so far (a torn last line is left for the next read)."""
        entries = []
        for line in self.log_path.read_text(encoding="utf-8").splitlines():
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return entries

    def logged(self, predicate: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
        return [entry for entry in self.lines() if predicate(entry)]

    def alive(self) -> bool:
        return self.process.poll() is None

    def terminate(self, timeout: float = 30.0) -> tuple[int, float]:
        """SIGTERM; the exit code and how long the daemon took to exit."""
        started = time.monotonic()
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"daemon did not exit within {timeout}s:\n{self.text()}") from None
        return code, time.monotonic() - started

    def wait_exit(self, timeout: float = 30.0) -> int:
        return self.process.wait(timeout=timeout)

    def text(self) -> str:
        return self.log_path.read_text(encoding="utf-8")[-5000:]

    def close(self) -> None:
        if self.alive():
            self.process.kill()
            self.process.wait()
        self._log.close()


@contextmanager
def daemon(config: Path, log_path: Path, *args: str) -> Iterator[Daemon]:
    process = Daemon(config, log_path, *args)
    try:
        yield process
    finally:
        process.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def job_failures(d: Daemon, job: str, error_type: str) -> list[Mapping[str, Any]]:
    return d.logged(lambda e: e.get("job") == job and e.get("error_type") == error_type)
