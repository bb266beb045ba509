"""The demo's steps: each is a real `bridge` command, run as a user would type it, and
prints what it did.

A step whose capability is not in this version is listed as "not available yet", and a
step the chosen LMS cannot do (its simulator says which, ``demo_unavailable``) as "not
available" with the reason, never shown as done; any step that is available and fails
makes the demo exit non-zero. The demo is handed the `bridge` command group it runs, so it
needs no import of the CLI's entry point (which registers the demo). It reads the LMS back
through the connector's own ``read_state``, as the push worker verifies, so it works for
every kind.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from pydantic import SecretStr

from bridge.cli.render import out
from bridge.services.database import Session, open_register
from bridge.services.lms import open_connector
from bridge.services.register.learners import Learner, enrolled_students
from bridge.services.status import collect_status
from bridge.settings import Settings, load_settings
from connectors.base import LmsState
from connectors.simulation import LmsSimulator, SimulatedSite

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


@dataclass
class Outcome:
    title: str
    status: str  # done | failed | not available yet | not available
    seconds: float = 0.0
    note: str = ""


class Demo:
    def __init__(
        self,
        cli: click.Group,
        workspace: Path,
        kind: str,
        simulator: LmsSimulator | None,
        site: SimulatedSite | None,
    ) -> None:
        self.cli, self.workspace, self.kind = cli, workspace, kind
        self.simulator, self.site = simulator, site
        self.lms = simulator.lms_name if simulator else kind
        self.config = workspace / "bridge.toml"
        self.outcomes: list[Outcome] = []

    # -------------------------------------------------------------- plumbing

    def bridge(self, *args: str) -> int:
        """Run one `bridge` command in-process; returns its exit code."""
        shown = " ".join(args)
        out.print(f"$ bridge {shown}", style="dim")
        try:
            self.cli.main(
                ["--config", str(self.config), *args],
                prog_name="bridge",
                standalone_mode=False,
            )
        except SystemExit as exit_:
            return int(exit_.code or 0)
        except click.ClickException as exc:
            exc.show()
            return exc.exit_code
        return 0

    def available(self, *path: str) -> bool:
        group: click.Command | None = self.cli
        for name in path:
            if not isinstance(group, click.Group) or name not in group.commands:
                return False
            group = group.commands[name]
        return True

    def step(
        self,
        title: str,
        needs: tuple[str, ...],
        body: Callable[[], str | None],
        key: str = "",
    ) -> None:
        out.rule(f"[bold]{title}")
        unavailable = self.simulator.demo_unavailable.get(key) if self.simulator else None
        if unavailable:
            out.print(f"not available with {self.lms}: {unavailable}", style="yellow")
            self.outcomes.append(Outcome(title, "not available", note=unavailable))
            return
        if not self.available(*needs):
            out.print(f"not available yet (`bridge {' '.join(needs)}`)", style="yellow")
            self.outcomes.append(Outcome(title, "not available yet"))
            return
        started = time.monotonic()
        try:
            note = body() or ""
            status = "done"
        except StepFailed as exc:
            note, status = str(exc), "failed"
            out.print(f"step failed: {exc}", style="bold red")
        self.outcomes.append(Outcome(title, status, time.monotonic() - started, note))

    def run(self, *args: str, ok: tuple[int, ...] = (0,)) -> None:
        code = self.bridge(*args)
        if code not in ok:
            raise StepFailed(f"`bridge {' '.join(args)}` exited {code}")

    @contextmanager
    def register(self) -> Iterator[tuple[Settings, Session]]:
        """The workspace's register, read through the services as the commands read it."""
        settings = load_settings(self.config)
        register = open_register(settings)
        try:
            with register.sessions() as session:
                yield settings, session
        finally:
            register.close()

    def students(self) -> list[Learner]:
        """Persons enrolled as students (person id, e-mail, LMS user id), in id order."""
        with self.register() as (_settings, session):
            return enrolled_students(session)

    def last_sync_run(self) -> dict[str, Any]:
        """The newest sync run as `bridge status` reports it."""
        with self.register() as (settings, session):
            connectors = collect_status(settings, session)["connectors"].values()
        runs = [c["last_run"] for c in connectors if c["last_run"] is not None]
        if not runs:
            raise StepFailed("no sync run in the register")
        return max(runs, key=lambda run: run["id"])

    def lms_account(self, lms_user_id: int) -> LmsState:
        """Read the account back through the connector, as the push worker verifies."""
        assert self.site is not None
        connector = open_connector(
            load_settings(self.config), self.kind, SecretStr(self.site.token)
        )
        try:
            return connector.read_state(lms_user_id)
        finally:
            connector.close()

    # -------------------------------------------------------------- the steps

    def all_steps(self) -> None:
        self.step("1. Create the register", ("db", "upgrade"), lambda: self.run("db", "upgrade"))
        self.step("2. Import the customer spreadsheet", ("import", "persons"), self.import_step)
        lms = self.lms
        self.step(f"3. Check the {lms} connector", ("check",), lambda: self.run("check"), "check")
        self.step(
            f"4. Full sync from {lms}", ("sync",), lambda: self.run("sync", "--full"), "sync"
        )
        self.step(
            f"5. Second sync: nothing changed in {lms}", ("sync",), self.second_sync, "sync"
        )
        self.step(
            "6. Withdraw a learner's service consent",
            ("consent", "withdraw"),
            self.withdraw_step,
            "withdraw",
        )
        self.step(
            "7. Erase a person, with receipt", ("subject", "erase"), self.erase_step, "erase"
        )
        self.step(
            "8. Data-subject access export", ("subject", "export"), self.export_step, "export"
        )
        self.step(
            "9. A data-subject request and its deadline", ("request", "open"), self.request_step
        )
        self.step(
            "10. Retention plan", ("retention", "plan"), lambda: self.run("retention", "plan")
        )
        self.step("11. Status", ("status",), lambda: self.run("status"))

    def import_step(self) -> str:
        source = EXAMPLES / "customers.csv"
        if not source.exists():
            raise StepFailed(f"{source} is missing")
        self.run("import", "persons", str(source))
        return "customers imported"

    def second_sync(self) -> str:
        self.run("sync", "--all-streams")
        streams = self.last_sync_run()["streams"]
        fetched = sum(s["fetched"] for s in streams.values())
        written = sum(s["rows_written"] for s in streams.values())
        changed = sum(s["created"] + s["updated"] for s in streams.values())
        return f"{fetched} records read again, {changed} created or updated, {written} rows written"

    def withdraw_step(self) -> str:
        students = self.students()
        if not students:
            raise StepFailed("no enrolled student in the register")
        person_id, email, lms_id = students[0]
        self.run(
            "consent",
            "withdraw",
            "--email",
            email,
            "--purpose",
            "service",
            "--reason",
            "the learner asked by e-mail",
        )
        self.run("push", "run", "--once")
        state = self.lms_account(lms_id)
        out.print(f"read back from {self.lms}: user {lms_id} suspended = {state.suspended}")
        if state.suspended is not True:
            raise StepFailed(f"{self.lms} does not show user {lms_id} suspended")
        return f"person {person_id}: {self.lms} user {lms_id} suspended and verified"

    def erase_step(self) -> str:
        students = self.students()
        if not students:
            raise StepFailed("no enrolled student left in the register")
        person_id, _email, lms_id = students[0]
        self.run("subject", "erase", "--person", str(person_id), "--dry-run")
        letter = self.workspace / "erasure-receipt.html"
        self.run("subject", "erase", "--person", str(person_id), "--yes",
                 "--format", "html", "--out", str(letter))
        self.run("push", "run", "--once")
        ran = self.site.run_background_jobs() if self.site else None
        if ran is not None:  # e.g. Moodle's cron completes approved privacy requests
            out.print(ran)
            self.run("push", "run", "--once")
        self.run("push", "list")
        state = self.lms_account(lms_id)
        gone = "deleted" if not state.exists else f"still listed (suspended={state.suspended})"
        account = f"{self.lms} user {lms_id} {gone}"
        return f"person {person_id}: {account}; receipt letter {_file(letter)}"

    def export_step(self) -> str:
        person_id = self.students()[0][0]
        target = self.workspace / "export.html"
        self.run(
            "subject",
            "export",
            "--person",
            str(person_id),
            "--format",
            "html",
            "--out",
            str(target),
        )
        return _file(target)

    def request_step(self) -> str:
        person_id = self.students()[0][0]
        self.run(
            "request",
            "open",
            "--person",
            str(person_id),
            "--type",
            "access",
            "--received",
            time.strftime("%Y-%m-%d"),
            "--channel",
            "email",
        )
        self.run("request", "list")
        return "request opened"


def _file(path: Path) -> str:
    """A written file as the demo reports it: where, how big, and who may read it."""
    return f"{path} ({path.stat().st_size} bytes, mode {oct(path.stat().st_mode)[-3:]})"


class StepFailed(Exception):
    """A step that is available did not do what it should."""
