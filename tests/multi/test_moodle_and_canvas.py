"""One register, a Moodle site and a Canvas account (issue 31): a person with an account in
each is one person; `consent withdraw --now` revokes both, each by its own LMS's means and
read back (Moodle suspends the user, Canvas suspends every login), `bridge status` shows
both verified, and the access export lists both accounts' data under their kinds."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from bridge.settings import load_settings
from bridge.store.db import make_engine, session_factory
from bridge.store.models import LmsAccount
from connectors.canvas.simulator import SimulatedCanvas
from connectors.canvas.simulator.server import running_server as running_canvas
from connectors.moodle.simulator import SimulatedMoodle
from connectors.moodle.simulator.server import running_server as running_moodle
from tests.configs import write_config, write_token
from tests.multi.sites import Shared
from tests.pushback.helpers import Site

pytestmark = [pytest.mark.registry, pytest.mark.slow]

CANVAS_TEXT = "QX-CANVAS-LMS-3307"


@dataclass
class MoodleAndCanvas:
    register: Site  # the register, through the Moodle site's test helper
    canvas: SimulatedCanvas
    canvas_url: str
    accounts: dict[str, int]  # connector name -> the shared person's account id

    def canvas_logins(self) -> list[dict[str, Any]]:
        """The shared person's Canvas logins, asked of Canvas directly."""
        response = requests.get(
            f"{self.canvas_url}/api/v1/users/{self.accounts['canvas']}/logins",
            headers={"Authorization": f"Bearer {self.canvas.token}"}, timeout=10,
        )
        response.raise_for_status()
        return list(response.json())


def _mark_canvas(canvas: SimulatedCanvas, shared: Shared) -> int:
    """Make an enrolled Canvas learner the shared person (same e-mail, another spelling of
    its case) with a submission text of their own; returns the user's id."""
    account = canvas.account
    learner = min(e["user_id"] for e in account.enrollments.values()
                  if e["type"] == "StudentEnrollment" and e["enrollment_state"] == "active")
    user = account.users[learner]
    user.update(name=f"{shared.first_name} {shared.last_name}",
                sortable_name=f"{shared.last_name}, {shared.first_name}",
                short_name=shared.first_name, first_name=shared.first_name,
                last_name=shared.last_name, email=shared.email.upper())
    submission = next(s for s in account.submissions.values() if s["user_id"] == learner)
    submission["body"] = f"<p>{CANVAS_TEXT}</p>"
    return learner


@pytest.fixture
def both(tmp_path: Path, db_url: str) -> Iterator[MoodleAndCanvas]:
    shared = Shared()
    moodle, canvas = SimulatedMoodle("tiny", seed=1), SimulatedCanvas("tiny")
    accounts = {"moodle": shared.mark(moodle, 0), "canvas": _mark_canvas(canvas, shared)}
    with ExitStack() as stack:
        moodle_url = stack.enter_context(running_moodle(moodle))
        canvas_url = stack.enter_context(running_canvas(canvas))
        canvas_token = tmp_path / "canvas.token"
        write_token(canvas_token, canvas.token)
        section = (
            f'[connectors.canvas]\nkind = "canvas"\nurl = "{canvas_url}"\n'
            f'token_file = "{canvas_token}"\nhosting_country = "SE"\ntimeout = "5s"\n'
            'erasure = "delete_user"\n'
        )
        config = write_config(tmp_path, db_url, moodle_url=moodle_url, token=moodle.token,
                              connector_extra='timeout = "5s"\n', extra=section)
        engine = make_engine(db_url)
        stack.callback(engine.dispose)
        register = Site(moodle, moodle_url, config, db_url, load_settings(config),
                        session_factory(engine), engine)
        synced = register.sync("--full")
        assert {n: r["status"] for n, r in synced["runs"].items()} == {
            "moodle": "ok", "canvas": "ok"}
        yield MoodleAndCanvas(register, canvas, canvas_url, accounts)


def _the_person(both: MoodleAndCanvas) -> int:
    with both.register.sessions() as session:
        people = set(session.scalars(
            sa.select(LmsAccount.person_id).where(
                sa.tuple_(LmsAccount.connector, LmsAccount.lms_user_id).in_(
                    list(both.accounts.items())))
        ))
    assert len(people) == 1 and None not in people, people
    return int(people.pop())


def test_a_withdrawal_revokes_the_moodle_and_the_canvas_account(both: MoodleAndCanvas) -> None:
    register = both.register
    person_id = _the_person(both)
    assert register.ok("check").exit_code == 0
    assert {login["workflow_state"] for login in both.canvas_logins()} == {"active"}

    withdrawn = register.json(
        "consent", "withdraw", "--person", str(person_id), "--purpose", "service",
        "--reason", "the learner asked by e-mail", "--now",
    )
    assert sorted(p["connector"] for p in withdrawn["pushes"]) == ["canvas", "moodle"]
    assert withdrawn["delivered"]["complete"] is True
    moodle_user = register.moodle_user(both.accounts["moodle"])
    assert moodle_user is not None and moodle_user["suspended"] is True
    assert {login["workflow_state"] for login in both.canvas_logins()} == {"suspended"}

    status = register.json("status")
    for name in ("moodle", "canvas"):
        push = status["connectors"][name]["push"]
        assert (push["verified"], push["pending"], push["failed"]) == (1, 0, 0), (name, push)


def test_the_access_export_lists_the_moodle_and_the_canvas_account(
    both: MoodleAndCanvas, tmp_path: Path
) -> None:
    person_id = _the_person(both)
    target = tmp_path / "export.json"
    both.register.ok("subject", "export", "--person", str(person_id), "--format", "json",
                     "--out", str(target))
    export = json.loads(target.read_text(encoding="utf-8"))
    accounts = {a["connector"]: a for a in export["categories"]["lms_data"]["items"]}
    assert {name: a["kind"] for name, a in accounts.items()} == {
        "moodle": "moodle", "canvas": "canvas"}
    assert CANVAS_TEXT in json.dumps(accounts["canvas"], ensure_ascii=False)
    assert CANVAS_TEXT not in json.dumps(accounts["moodle"], ensure_ascii=False)
    letter = tmp_path / "letter.html"
    both.register.ok("subject", "export", "--person", str(person_id), "--format", "html",
                     "--lang", "en", "--out", str(letter))
    html = letter.read_text(encoding="utf-8")
    assert CANVAS_TEXT in html and both.register.sim.token not in html
