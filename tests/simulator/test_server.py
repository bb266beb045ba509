"""The simulator over real HTTP: the ``serve`` command and ``running_server``."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from connectors.moodle.simulator import SimulatedMoodle
from connectors.moodle.simulator.app import REST_PATH
from connectors.moodle.simulator.server import running_server

ROOT = Path(__file__).resolve().parents[2]


def site_info(url: str, token: str, timeout: float = 10) -> requests.Response:
    return requests.post(url + REST_PATH, timeout=timeout, data={
        "wstoken": token, "wsfunction": "core_webservice_get_site_info",
        "moodlewsrestformat": "json"})


def test_serve_prints_one_ready_line_answers_and_stops_on_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "connectors.moodle.simulator", "serve", "--size", "tiny",
         "--port", "0"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready = json.loads(process.stdout.readline())  # blocks until the server is ready
        assert ready["url"].startswith("http://127.0.0.1:")
        answer = site_info(ready["url"], ready["token"])
        assert answer.status_code == 200
        assert answer.json()["username"] == "bridge_svc"
        assert answer.json()["siteurl"] == ready["url"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        assert process.stdout.read() == ""
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_running_server_serves_the_simulator_and_its_controls() -> None:
    sim = SimulatedMoodle("tiny")
    with running_server(sim) as url:
        assert site_info(url, sim.token).json()["siteurl"] == url
        control = requests.post(f"{url}/_simulator/disable_webservices", json={}, timeout=10)
        assert control.json()["result"]["enablewebservices"] is False
        assert site_info(url, sim.token).status_code == 403


@pytest.mark.parametrize(("kind", "raised"), [
    ("reset", requests.exceptions.ConnectionError),
    ("timeout", requests.exceptions.ReadTimeout),
])
def test_faults_over_http(kind: str, raised: type) -> None:
    sim = SimulatedMoodle("tiny", faults=1.0, fault_kinds=(kind,), fault_delay=2.0)
    with running_server(sim) as url, pytest.raises(raised):
        site_info(url, sim.token, timeout=0.3)
