"""The simulator's cost model: an answer costs what the real Moodle 4.5 took for it, and
no more calls than the site's workers are answered at once. No test here waits for real:
the model is handed a ``wait`` that records or blocks."""

from __future__ import annotations

import threading

import requests

from connectors.moodle.simulator import SimulatedMoodle
from connectors.moodle.simulator.costs import REAL_MOODLE_45, Cost, CostModel
from connectors.moodle.simulator.server import running_server


def test_an_answer_costs_its_fixed_part_and_its_size() -> None:
    model = CostModel({"f": Cost(0.1, 0.002)})
    assert model.cost("f", 0) == 0.1
    assert model.cost("f", 10 * 1024) == 0.1 + 0.02
    assert model.cost("unknown", 0) > 0  # an unmeasured function still costs a light read


def test_the_user_report_of_a_1000_learner_course_costs_its_measured_100_s() -> None:
    report = CostModel().cost("gradereport_user_get_grade_items", 56 * 1024 * 1024)
    assert 90 < report < 115
    reader = CostModel().cost("local_registrybridge_get_grades", 120 * 1024)  # 1,000 grades
    assert reader < 0.5
    assert CostModel().cost("core_webservice_get_site_info", 2000) == REAL_MOODLE_45[
        "core_webservice_get_site_info"].fixed_s


def test_no_more_calls_than_workers_are_answered_at_once() -> None:
    model = CostModel({"f": Cost(1.0)}, workers=2)
    active, most, release = 0, 0, threading.Event()
    lock, changed = threading.Lock(), threading.Condition()

    def wait(_seconds: float) -> None:
        nonlocal active, most
        with changed:
            active += 1
            most = max(most, active)
            changed.notify_all()
        release.wait()
        with lock:
            active -= 1

    threads = [threading.Thread(target=model.charge, args=("f", 0, wait)) for _ in range(5)]
    for thread in threads:
        thread.start()
    with changed:
        assert changed.wait_for(lambda: active == 2, timeout=10)
    assert most == 2  # the other three wait for a worker
    release.set()
    for thread in threads:
        thread.join(timeout=10)
    assert most == 2 and active == 0


def test_the_served_simulator_charges_each_answer_by_its_function_and_size() -> None:
    sim = SimulatedMoodle("tiny")
    charged: list[tuple[str, int]] = []

    class Recording(CostModel):
        def charge(self, function, answer_bytes, wait):  # type: ignore[no-untyped-def]
            charged.append((function, answer_bytes))
            super().charge(function, answer_bytes, lambda _s: None)

    with running_server(sim, costs=Recording()) as url:
        answer = requests.post(
            f"{url}/webservice/rest/server.php", timeout=10,
            data={"wstoken": sim.token, "moodlewsrestformat": "json",
                  "wsfunction": "core_webservice_get_site_info"},
        )
    assert charged == [("core_webservice_get_site_info", len(answer.content))]
