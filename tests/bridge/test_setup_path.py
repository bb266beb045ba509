"""The README's set-up path, as a new user follows it, from an empty folder.

`bridge init` is the only configuration step; every later command is run from another
working folder with ``--config`` pointing at the file, against the simulator served over
real HTTP, as separate processes under the OS user who ran `bridge init`.
"""

from __future__ import annotations

import json
import os
import pwd
import signal
import sqlite3
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.bridge.test_init import FLAGS
from tests.pushback.helpers import wait_until

REPO = Path(__file__).resolve().parents[2]
CUSTOMERS = REPO / "examples" / "customers.csv"


@pytest.fixture
def served_site() -> Iterator[dict[str, str]]:
    server = subprocess.Popen(
        [sys.executable, "-m", "bridge.cli", "simulator", "serve", "--size", "demo"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        yield json.loads(server.stdout.readline())
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0


def _environment() -> dict[str, str]:
    """The user's own environment: no test operator, the OS user's own name."""
    user = pwd.getpwuid(os.getuid()).pw_name
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIDGE_")}
    return {**env, "USER": user, "LOGNAME": user}


class User:
    """Someone at a shell in ``home``, with the configuration elsewhere."""

    def __init__(self, home: Path, config: Path) -> None:
        self.home, self.config = home, config

    def bridge(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "bridge.cli", "--config", str(self.config), *args],
            cwd=self.home,
            input=stdin,
            capture_output=True,
            text=True,
            env=_environment(),
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, f"bridge {' '.join(args)}: {done.stderr}{done.stdout}"
        return done

    @contextmanager
    def push_worker(self) -> Iterator[None]:
        """`bridge push run` left running, as the README says, stopped with Ctrl-C."""
        worker = subprocess.Popen(
            [sys.executable, "-m", "bridge.cli", "--config", str(self.config), "push", "run"],
            cwd=self.home, env=_environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            yield
        finally:
            worker.send_signal(signal.SIGINT)
            worker.wait(timeout=60)

    def json(self, *args: str) -> Any:
        return json.loads(self.bridge(*args, "--json").stdout.strip().splitlines()[-1])


def _students(register: Path) -> list[tuple[int, str]]:
    """Imported customers who are enrolled as students in Moodle."""
    with sqlite3.connect(register) as db:
        rows = db.execute(
            "SELECT DISTINCT p.id, p.email FROM persons p "
            "JOIN lms_accounts a ON a.person_id = p.id "
            "JOIN lms_enrolments e ON e.lms_user_id = a.lms_user_id "
            "WHERE e.roles LIKE '%student%' AND p.status = 'active' AND p.source != 'lms' "
            "ORDER BY p.id LIMIT 2"
        ).fetchall()
    assert len(rows) == 2, "the demo site enrols imported customers as students"
    return [(int(row[0]), str(row[1])) for row in rows]


def _push_states(register: Path) -> set[str]:
    with sqlite3.connect(register) as db:
        return {row[0] for row in db.execute("SELECT state FROM outbox")}


def _run_moodle_cron(url: str) -> None:
    """Moodle's scheduled tasks, through the simulator's control endpoint (the served
    simulator's own cron, `--cron-every`, makes this unnecessary once it is there)."""
    request = urllib.request.Request(
        f"{url}/_simulator/run_cron", data=b"{}", method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status == 200


def test_the_readme_setup_path_from_an_empty_folder(
    tmp_path: Path, served_site: dict[str, str]
) -> None:
    install, home = tmp_path / "srv" / "bridge", tmp_path / "home"
    install.mkdir(parents=True)
    home.mkdir()
    user = User(home, install / "bridge.toml")

    user.bridge(
        "init",
        *FLAGS[:-1],
        served_site["url"],
        stdin=served_site["token"] + "\n",
    )
    assert (install / "moodle.token").stat().st_mode & 0o077 == 0
    register = install / "var" / "bridge.sqlite3"
    assert register.is_file()

    imported = user.json("import", "persons", str(CUSTOMERS))
    assert imported["created"] > 0
    assert user.json("sync")["status"] == "ok"

    (person_id, email), (erased_id, _) = _students(register)
    user.bridge(
        "consent", "withdraw", "--email", email, "--purpose", "service", "--reason", "asked",
    )
    user.bridge("push", "run", "--once")

    user.bridge("subject", "erase", "--person", str(erased_id), "--yes")
    user.bridge("push", "run", "--once")  # Moodle approves the data request
    _run_moodle_cron(served_site["url"])  # ... and its cron deletes the account
    with user.push_worker():  # polls the waiting request every daemon.privacy_poll
        wait_until(
            lambda: _push_states(register) == {"done"}, timeout=120, what="erasure to complete"
        )
    commands = user.json("push", "list")["commands"]
    assert commands and all(c["state"] == "done" for c in commands), [
        (c["action"], c["state"], c["last_error"]) for c in commands
    ]

    exported = tmp_path / "export.json"
    user.bridge("subject", "export", "--person", str(person_id), "--out", str(exported))
    assert exported.stat().st_size > 0
    assert user.json("status")["push"]["pending"] == 0

    assert list(home.iterdir()) == []  # nothing was written to the working folder
