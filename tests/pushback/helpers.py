"""Shared helpers of the push-back acceptance tests: a simulated Moodle served over real
HTTP, a register configured against it, independent read-backs through the web service,
and whole-register scans."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import requests
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bridge.services.audit import Actor
from bridge.services.register.lookup import find_person
from bridge.services.rights import consent
from bridge.settings import Settings, load_settings
from bridge.store.db import make_engine, session_factory
from bridge.store.models import Base, LmsAccount, OutboxCommand
from connectors.moodle.simulator import SimulatedMoodle
from connectors.moodle.simulator.app import REST_PATH
from connectors.moodle.simulator.protocol import encode_params
from connectors.moodle.simulator.server import running_server
from tests.cli import Outcome, run
from tests.configs import OS_USER, write_config

T = TypeVar("T")

#: The operator the tests act as: the test process's OS user (admin in ``tests/configs.py``).
OPERATOR = OS_USER
ACTOR = Actor(OPERATOR, "admin")
REPO = Path(__file__).resolve().parents[2]


def wait_until(
    probe: Callable[[], T | None], *, timeout: float = 20.0, interval: float = 0.05, what: str = ""
) -> T:
    """Poll ``probe`` until it answers something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or probe}")
        time.sleep(interval)


@dataclass
class Site:
    """A simulated Moodle on a real HTTP port and a register configured against it."""

    sim: SimulatedMoodle
    url: str
    config: Path
    db_url: str
    settings: Settings
    sessions: sessionmaker[Session]
    engine: sa.Engine

    # ------------------------------------------------------------------ the CLI

    def bridge(self, *args: str) -> Outcome:
        return run(*args, config=self.config)

    def ok(self, *args: str) -> Outcome:
        """Run a command that must succeed."""
        outcome = self.bridge(*args)
        assert outcome.exit_code == 0, (args, outcome.stdout, outcome.stderr)
        return outcome

    def json(self, *args: str) -> Any:
        """Run a ``--json`` command that must succeed; its last stdout line, decoded."""
        return json.loads(self.ok(*args, "--json").last_line)

    def push_once(self) -> dict[str, int]:
        return dict(self.json("push", "run", "--once"))

    def sync(self, *args: str) -> dict[str, Any]:
        return dict(self.json("sync", *args))

    # ------------------------------------------------------------------ Moodle, read back

    def ws(self, function: str, **params: Any) -> Any:
        """Call a Moodle web-service function over HTTP, independently of the connector."""
        fields = [
            ("wstoken", self.sim.token),
            ("wsfunction", function),
            ("moodlewsrestformat", "json"),
            *encode_params(params),
        ]
        response = requests.post(self.url + REST_PATH, data=fields, timeout=10)
        response.raise_for_status()
        answer = response.json()
        assert not (isinstance(answer, Mapping) and "exception" in answer), answer
        return answer

    def moodle_user(self, lms_user_id: int) -> dict[str, Any] | None:
        """The account as ``core_user_get_users`` shows it; None once it is deleted."""
        answer = self.ws("core_user_get_users", criteria=[{"key": "id", "value": lms_user_id}])
        users = [u for u in answer.get("users") or () if u.get("id") == lms_user_id]
        return users[0] if users else None

    def suspended(self, lms_user_id: int) -> bool:
        user = self.moodle_user(lms_user_id)
        return bool(user and user.get("suspended"))

    def active_in(self, course_id: int, lms_user_id: int) -> bool:
        """Whether the course roster with ``onlyactive=1`` lists the person."""
        roster = self.ws(
            "core_enrol_get_enrolled_users",
            courseid=course_id,
            options=[{"name": "onlyactive", "value": 1}, {"name": "userfields", "value": "id"}],
        )
        return any(row.get("id") == lms_user_id for row in roster)

    # ------------------------------------------------------------------ the register

    def students(self) -> list[tuple[int, str, int]]:
        """(person id, e-mail, LMS user id) of active persons enrolled as students."""
        with self.engine.connect() as connection:
            rows = connection.execute(sa.text(
                "SELECT DISTINCT p.id, p.email, a.lms_user_id FROM persons p "
                "JOIN lms_accounts a ON a.person_id = p.id "
                "JOIN lms_enrolments e ON e.lms_user_id = a.lms_user_id "
                "WHERE CAST(e.roles AS TEXT) LIKE :role AND p.status = 'active' ORDER BY p.id"
            ), {"role": "%student%"})
            return [(int(r[0]), str(r[1]), int(r[2])) for r in rows]

    def commands(self, **where: Any) -> list[OutboxCommand]:
        with self.sessions() as session:
            query = sa.select(OutboxCommand).filter_by(**where).order_by(OutboxCommand.id)
            return list(session.scalars(query))

    def withdraw(self, person_id: int, purpose: str = "service", **kw: Any) -> dict[str, Any]:
        """Withdraw a consent through the service function (as the CLI does)."""
        return self._consent("withdraw", person_id, purpose, **kw)

    def grant(self, person_id: int, purpose: str = "service", **kw: Any) -> dict[str, Any]:
        return self._consent("grant", person_id, purpose, **kw)

    def _consent(self, verb: str, person_id: int, purpose: str, **kw: Any) -> dict[str, Any]:
        change = getattr(consent, verb)
        with self.sessions() as session, session.begin():
            person = find_person(session, person_id=person_id, email=None)
            result = change(
                session, self.settings, ACTOR, person, purpose=purpose, reason="test", **kw
            )
            return dict(result.as_dict())


def person_of(site: Site, lms_user_id: int) -> int:
    with site.sessions() as session:
        account = session.scalars(
            sa.select(LmsAccount).where(LmsAccount.lms_user_id == lms_user_id)
        ).one()
        assert account.person_id is not None
        return account.person_id


def daemon_section(values: Mapping[str, str]) -> str:
    return "[daemon]\n" + "".join(f'{k} = "{v}"\n' for k, v in values.items())


@contextmanager
def served_site(
    directory: Path,
    db_url: str,
    *,
    size: str = "tiny",
    seed: int = 1,
    connector_extra: str = "",
    daemon: Mapping[str, str] | None = None,
    prepare: Callable[[SimulatedMoodle], None] | None = None,
    extra: str = "",
) -> Iterator[Site]:
    """Serve a simulated site and write a register config against it (not yet synced);
    ``extra`` is more configuration (e.g. ``[notify.smtp]``)."""
    sim = SimulatedMoodle(size, seed=seed)
    if prepare is not None:
        prepare(sim)
    with running_server(sim) as url:
        config = write_config(
            directory,
            db_url,
            moodle_url=url,
            token=sim.token,
            connector_extra='timeout = "5s"\n' + connector_extra,
            extra=daemon_section({"privacy_poll": "0s", **(daemon or {})}) + extra,
        )
        engine = make_engine(db_url)
        try:
            yield Site(sim, url, config, db_url, load_settings(config), session_factory(engine),
                       engine)
        finally:
            engine.dispose()


# ---------------------------------------------------------------------- whole-register reads


def register_tables(engine: sa.Engine) -> list[sa.Table]:
    """Every table of the register as the database has it (not only the ORM's view)."""
    metadata = sa.MetaData()
    metadata.reflect(engine)
    known = {t.name for t in Base.metadata.sorted_tables}
    assert known <= set(metadata.tables), known - set(metadata.tables)
    return [metadata.tables[name] for name in sorted(metadata.tables)]


def row_counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            t.name: connection.scalar(sa.select(sa.func.count()).select_from(t)) or 0
            for t in register_tables(engine)
        }


@dataclass(frozen=True)
class Finding:
    table: str
    row: dict[str, Any]
    column: str
    value: str


def scan(engine: sa.Engine, values: Sequence[str]) -> list[Finding]:
    """Every cell of every table, as text, that contains one of ``values`` (case-insensitive)."""
    wanted = [v.casefold() for v in values if v]
    found = []
    with engine.connect() as connection:
        for table in register_tables(engine):
            for row in connection.execute(sa.select(table)).mappings():
                for column, cell in row.items():
                    text = _as_text(cell).casefold()
                    found += [
                        Finding(table.name, dict(row), column, v) for v in wanted if v in text
                    ]
    return found


def _as_text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bytes):
        return cell.decode("utf-8", "replace")
    if isinstance(cell, dict | list):
        return json.dumps(cell, ensure_ascii=False, default=str)
    return str(cell)


# ---------------------------------------------------------------------- worker processes


def start_worker(site: Site, *args: str) -> subprocess.Popen[str]:
    """`bridge push run` in its own process (continuously unless ``--once`` is given)."""
    code = "from bridge.cli.main import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, "--config", str(site.config), "push", "run", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill(process: subprocess.Popen[str]) -> None:
    """SIGKILL: no clean-up of any kind runs in the worker."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=10)


def stop(process: subprocess.Popen[str]) -> tuple[str, str]:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        return process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()
