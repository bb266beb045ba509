"""Transport faults are seeded, reproducible and never applied after a write."""

from __future__ import annotations

import pytest
import requests
import responses

from connectors.moodle.simulator import SimulatedMoodle
from connectors.moodle.simulator.app import REST_PATH
from connectors.moodle.simulator.faults import InjectedFault
from connectors.moodle.simulator.inprocess import mount
from connectors.moodle.simulator.protocol import encode_params

NOW = 1_800_000_000
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def body(sim: SimulatedMoodle, function: str, **params: object) -> bytes:
    fields = [("wstoken", sim.token), ("wsfunction", function), ("moodlewsrestformat", "json"),
              *encode_params(params)]
    return "&".join(f"{k}={v}" for k, v in fields).encode()


def outcomes(seed: int, rate: float = 0.3) -> list[str]:
    sim = SimulatedMoodle("tiny", seed=seed, faults=rate, token="t" * 32, now=NOW)
    seen = []
    for userid in [*range(1, 25), *range(1, 25)]:  # every request twice: retries roll again
        try:
            status = sim.handle("POST", REST_PATH, FORM, body(
                sim, "core_user_get_users_by_field", field="id", values=[userid])).status
            seen.append(str(status))
        except InjectedFault as fault:
            seen.append(fault.kind)
    return seen


def test_the_same_seed_gives_the_same_faults() -> None:
    first = outcomes(seed=7)
    assert first == outcomes(seed=7)
    assert first != outcomes(seed=8)
    assert {"200"} < set(first) and len(set(first)) > 2


def test_no_faults_unless_asked() -> None:
    assert set(outcomes(seed=7, rate=0.0)) == {"200"}


def test_a_faulted_write_never_takes_effect() -> None:
    sim = SimulatedMoodle("tiny", faults=1.0, fault_kinds=("unavailable",), now=NOW)
    response = sim.handle("POST", REST_PATH, FORM, body(
        sim, "core_user_update_users", users=[{"id": 5, "suspended": 1}]))
    assert (response.status, response.headers["Retry-After"]) == (503, "1")
    assert response.headers["Content-type"].startswith("text/html")
    assert not sim.state.users[5].suspended
    sim.set_faults(rate=0.0)
    sim.call("core_user_update_users", users=[{"id": 5, "suspended": 1}])
    assert sim.state.users[5].suspended


@pytest.mark.parametrize(("kind", "raised"), [
    ("timeout", requests.exceptions.ReadTimeout),
    ("reset", requests.exceptions.ConnectionError),
])
def test_in_process_faults_are_what_requests_would_raise(kind: str, raised: type) -> None:
    sim = SimulatedMoodle("tiny", faults=1.0, fault_kinds=(kind,), now=NOW)
    with responses.RequestsMock() as rsps:
        mount(sim, rsps, "https://moodle.test")
        with pytest.raises(raised):
            requests.post("https://moodle.test" + REST_PATH, data={"wstoken": sim.token},
                          timeout=1)


def test_in_process_mount_answers_like_the_server() -> None:
    sim = SimulatedMoodle("tiny", now=NOW)
    with responses.RequestsMock() as rsps:
        mount(sim, rsps, "https://moodle.test/moodle", methods=("GET", "POST"))
        answer = requests.post("https://moodle.test/moodle" + REST_PATH, timeout=5, data={
            "wstoken": sim.token, "wsfunction": "core_webservice_get_site_info",
            "moodlewsrestformat": "json"})
        page = requests.get("https://moodle.test/moodle" + REST_PATH, timeout=5)
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json()["siteurl"] == "https://moodle.test/moodle"
    assert page.status_code == 200 and page.text.startswith("<?xml")


def test_html_error_pages_for_server_errors() -> None:
    sim = SimulatedMoodle("tiny", faults=1.0, fault_kinds=("error500",), now=NOW)
    response = sim.handle("POST", REST_PATH, FORM, body(sim, "core_webservice_get_site_info"))
    assert response.status == 500 and response.body.startswith(b"<!DOCTYPE html>")
