"""The Canvas simulator as generic code starts it: found through the connector kind's
``simulator()`` hook (no Canvas name needed), served in a subprocess that prints its ready
line, answering with the token it printed and paging as Canvas pages."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import requests

from bridge.settings.connector_kinds import connector_class
from connectors.canvas.simulator import SimulatedCanvas


def test_the_kind_offers_its_simulator_and_serve_prints_the_ready_line() -> None:
    simulator = connector_class("canvas").simulator()
    assert simulator is not None and simulator.lms_name == "Canvas"
    assert {"tiny", "demo", "bench-10k"} <= set(simulator.sizes)
    module = type(simulator).__module__.rsplit(".", 1)[0]
    process = subprocess.Popen([sys.executable, "-m", module, "tiny"],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        ready = json.loads(process.stdout.readline())
        headers = {"Authorization": f"Bearer {ready['token']}"}
        me = requests.get(ready["url"] + "/api/v1/users/self", headers=headers, timeout=10)
        assert me.status_code == 200 and me.json()["id"] == 1
        wrong = requests.get(ready["url"] + "/api/v1/users/self", timeout=10,
                             headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and "WWW-Authenticate" in wrong.headers
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0


def test_listings_are_paged_with_link_headers_as_canvas_pages_them() -> None:
    sim = SimulatedCanvas("tiny")
    headers = {"Authorization": f"Bearer {sim.token}"}
    (status, answer_headers, body), _ = sim.handle(
        "GET", "/api/v1/accounts/self/users?per_page=3", headers, b"")
    assert status == 200 and len(json.loads(body)) == 3
    links = requests.utils.parse_header_links(answer_headers["Link"])
    rels = {link["rel"]: link["url"] for link in links}
    assert {"next", "current", "first"} <= set(rels) and "page=2" in rels["next"]
    (_, last_headers, last), _ = sim.handle("GET", "/api/v1/accounts/self/users?per_page=3"
                                            "&page=3", headers, b"")
    assert len(json.loads(last)) == 2  # 8 users: the integration user, a teacher, 6 learners
    assert "next" not in {link["rel"] for link in
                          requests.utils.parse_header_links(last_headers["Link"])}
    (_, _, page), _ = sim.handle("GET", "/api/v1/accounts/self/users", headers, b"")
    assert len(json.loads(page)) == 8  # all: fewer than Canvas's default of 10 a page


def test_served_sites_answer_and_a_fault_share_answers_some_requests_503() -> None:
    simulator = connector_class("canvas").simulator()
    assert simulator is not None
    with simulator.served("tiny", faults=0.5) as site:
        headers = {"Authorization": f"Bearer {site.token}"}
        answers = [requests.get(site.url + "/api/v1/users/self", headers=headers,
                                timeout=10).status_code for _ in range(20)]
    assert set(answers) == {200, 503}
