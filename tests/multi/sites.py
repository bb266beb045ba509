"""Two simulated Moodle sites served over HTTP and one register configured against both:
``[connectors.moodle]`` and ``[connectors.moodle2]`` (``kind = "moodle"``), as a register
with two LMSs of any kinds is configured."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from bridge.settings import load_settings
from bridge.store.db import make_engine, session_factory
from connectors.moodle.simulator import SimulatedMoodle
from connectors.moodle.simulator.activity import course_students, course_teacher
from connectors.moodle.simulator.app import REST_PATH
from connectors.moodle.simulator.protocol import encode_params
from connectors.moodle.simulator.server import running_server
from tests.configs import write_config
from tests.pushback.helpers import Site, daemon_section

#: The second connector's name in the register.
SECOND = "moodle2"


@dataclass
class Shared:
    """One person with an account in each site: the same e-mail, a submission in each."""

    first_name: str = "Wilhelmiina"
    last_name: str = "Kaksoislinna"
    email: str = "Wilhelmiina.Kaksoislinna@Example.fi"
    texts: tuple[str, str] = ("QX-FIRST-LMS-5120", "QX-SECOND-LMS-8841")

    def mark(self, sim: SimulatedMoodle, nth: int) -> int:
        """Make a student of ``sim`` this person (a different student in each site, so the
        two accounts have different ids); returns the account's id."""
        state, now = sim.state, sim.state.now()
        assignment = state.assignments[min(state.assignments)]
        students = sorted(
            u for u in course_students(state, assignment.courseid) if not state.users[u].suspended
        )
        userid = students[nth]
        user = state.users[userid]
        # The second site spells the e-mail in lower case: linking normalises it.
        email = self.email if nth == 0 else self.email.lower()
        user.firstname, user.lastname, user.email = self.first_name, self.last_name, email
        state.add_submission(
            assignment.id, userid, "submitted", now - 3600, now - 3600, text=self.texts[nth]
        )
        teacher = course_teacher(state, assignment.courseid)
        conversation = state.add_conversation(1, (userid, teacher))
        state.add_message(conversation.id, userid, f"Hei, {self.texts[nth]}", now - 1800)
        return userid


@dataclass
class TwoSites:
    """The register (through ``first``, a :class:`Site` of the first LMS) and the second
    LMS's simulator and URL."""

    first: Site
    second_sim: SimulatedMoodle
    second_url: str
    shared: Shared
    accounts: dict[str, int]  # connector name -> the shared person's account id

    def ws(self, connector: str, function: str, **params: Any) -> Any:
        """A web-service call to one of the two sites, independently of the connectors."""
        if connector != SECOND:
            return self.first.ws(function, **params)
        fields = [
            ("wstoken", self.second_sim.token),
            ("wsfunction", function),
            ("moodlewsrestformat", "json"),
            *encode_params(params),
        ]
        response = requests.post(self.second_url + REST_PATH, data=fields, timeout=10)
        response.raise_for_status()
        return response.json()

    def lms_user(self, connector: str) -> dict[str, Any] | None:
        """The shared person's account as that site shows it; None once it is deleted."""
        uid = self.accounts[connector]
        answer = self.ws(connector, "core_user_get_users", criteria=[{"key": "id", "value": uid}])
        users = [u for u in answer.get("users") or () if u.get("id") == uid]
        return users[0] if users else None

    def run_cron(self) -> None:
        """Both sites run Moodle's cron (approved privacy requests complete)."""
        self.first.sim.run_cron()
        self.second_sim.run_cron()


@contextmanager
def two_sites(directory: Path, db_url: str, *, erasure: str = "privacy_request") -> Iterator[
    TwoSites
]:
    """Serve two sites of different seeds and write one register's configuration for both."""
    shared = Shared()
    first_sim, second_sim = SimulatedMoodle("tiny", seed=1), SimulatedMoodle("tiny", seed=2)
    accounts = {"moodle": shared.mark(first_sim, 0), SECOND: shared.mark(second_sim, 1)}
    with ExitStack() as stack:
        first_url = stack.enter_context(running_server(first_sim))
        second_url = stack.enter_context(running_server(second_sim))
        second = (
            f'[connectors.{SECOND}]\nkind = "moodle"\nurl = "{second_url}"\n'
            f'token = "{second_sim.token}"\nhosting_country = "SE"\ntimeout = "5s"\n'
            f'erasure = "{erasure}"\n'
        )
        config = write_config(
            directory,
            db_url,
            moodle_url=first_url,
            token=first_sim.token,
            connector_extra=f'timeout = "5s"\nerasure = "{erasure}"\n',
            extra=daemon_section({"privacy_poll": "0s"}) + "\n" + second,
        )
        engine = make_engine(db_url)
        stack.callback(engine.dispose)
        first = Site(first_sim, first_url, config, db_url, load_settings(config),
                     session_factory(engine), engine)
        yield TwoSites(first, second_sim, second_url, shared, accounts)
