"""The README's set-up path, as a new user follows it, from an empty folder.

The lines are the README's own (``tests/readme_setup.py`` reads them), with only the
folder and the Moodle address replaced: activate the clone's ``.venv``, make the folder,
`bridge init` in its scripted form (no terminal: each command runs in a session of its
own), then the "Next:" commands it printed. Every later command is run from another
working folder with ``--config`` pointing at the file, against the simulator served over
real HTTP, as separate processes under the OS user who ran `bridge init`.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
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

from tests.pushback.helpers import wait_until
from tests.readme_setup import (
    README_FOLDER,
    README_URL,
    README_USER,
    Line,
    blocks,
    init_lines,
    shown_output,
)

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


class Shell:
    """The README's ``$`` lines run one by one as a POSIX shell would, with no terminal.

    It knows the few commands the set-up uses; any other is a failure, so that a step
    added to the README is a step added to this test.
    """

    def __init__(self, cwd: Path, env: dict[str, str], replace: dict[str, str]) -> None:
        self.cwd, self.env, self.replace = cwd, env, replace

    def run(self, line: Line) -> subprocess.CompletedProcess[str] | None:
        words = line.words(self.replace)
        done = None
        while words:
            end = words.index("&&") if "&&" in words else len(words)
            done = self._one(words[:end])
            words = words[end + 1 :]
        return done

    def _one(self, words: list[str]) -> subprocess.CompletedProcess[str] | None:
        match words:
            case [".", script]:
                sourced = subprocess.run(
                    ["sh", "-c", '. "$1" && printf %s "$PATH"', "sh", script],
                    cwd=self.cwd, env=self.env, capture_output=True, text=True, check=True,
                )
                self.env = {**self.env, "PATH": sourced.stdout}
            case ["mkdir", "-p", folder]:
                (self.cwd / folder).mkdir(parents=True, exist_ok=True)
            case ["cd", folder]:
                self.cwd = self.cwd / folder
            case ["bridge", *args]:
                return self._bridge(args)
            case _:
                pytest.fail(f"a step of the README's set-up this test does not know: {words}")
        return None

    def _bridge(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        stdin = None
        if "<" in args:
            at = args.index("<")
            stdin, args = self.cwd / args[at + 1], args[:at] + args[at + 2 :]
        program = shutil.which("bridge", path=self.env["PATH"])
        assert program, "`bridge` is not on the PATH after the README's activation line"
        with open(stdin or os.devnull, encoding="utf-8") as given:
            done = subprocess.run(
                [program, *args], cwd=self.cwd, env=self.env, stdin=given,
                capture_output=True, text=True, timeout=300, check=False,
                start_new_session=True,  # no controlling terminal: nobody to ask
            )
        assert done.returncode == 0, f"bridge {' '.join(args)}: {done.stderr}{done.stdout}"
        return done


def _next_commands(printed: list[str]) -> list[Line]:
    """The commands `bridge init` printed under "Next:"."""
    rows = printed[printed.index("Next:") + 1 :]
    return [Line(row.strip(), ()) for row in rows if row.strip()]


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
    home.mkdir()
    token = home / "moodle-token.txt"  # saved where the README's lines read it
    token.write_text(served_site["token"] + "\n", encoding="utf-8")
    me = pwd.getpwuid(os.getuid()).pw_name
    shell = Shell(
        REPO,  # "in the clone"
        {**_environment(), "HOME": str(home)},
        {README_URL: served_site["url"], README_FOLDER: str(install), "~/": f"{home}/"},
    )

    first, *_ = blocks()
    interactive, scripted = init_lines()
    for line in first[: first.index(interactive)]:
        shell.run(line)
    assert shell.cwd == install and list(install.iterdir()) == []
    initialised = shell.run(scripted)  # the README's form for no terminal
    assert initialised is not None
    printed = [row.rstrip() for row in initialised.stdout.rstrip().splitlines()]
    assert printed == shown_output(
        interactive, {README_FOLDER: str(install), f"you, {README_USER},": f"you, {me},"}
    )
    assert (install / "moodle.token").stat().st_mode & 0o077 == 0
    register = install / "var" / "bridge.sqlite3"
    assert register.is_file()

    shutil.copyfile(CUSTOMERS, install / "customers.csv")  # the office's customer list
    for line in _next_commands(printed):
        shell.run(line)
    user = User(home, install / "bridge.toml")

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

    assert list(home.iterdir()) == [token]  # nothing was written to the working folder
