"""The simulator lists learners' own data requests like the live Moodle 4.5 did.

Recorded on the real site (``tests/fixtures/moodle-live``): three learners filed their own
requests through Moodle's API as themselves, the bridge read them, then answered them
(export and delete approved and run by cron, the third rejected). The simulator, put in the
same state, answers the bridge's reads with the same structure.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.simulator import scenarios
from tests.simulator.shapes import compare_answers

LIVE = Path(__file__).resolve().parents[1] / "fixtures" / "moodle-live"


@pytest.mark.parametrize(
    ("case", "steps"),
    [
        ("learners_own_newest_first", scenarios.LEARNERS_FILE),
        ("learners_own_after_answers", scenarios.LEARNERS_ANSWERED),
        ("learners_own_unfinished_none", scenarios.LEARNERS_ANSWERED),
    ],
)
def test_learners_requests_listed_like_the_live_site(
    case: str, steps: tuple[scenarios.Step, ...]
) -> None:
    sample = json.loads((LIVE / f"tool_dataprivacy_get_data_requests__{case}.json").read_text())
    sim = scenarios.recorded_site()
    for step in steps:
        step(sim)
    params = {**sample["request"]["params"], "wstoken": sim.token}
    answer = sim.handle("POST", scenarios.REST, {"Content-Type": scenarios.FORM},
                        urlencode(params).encode())
    assert not compare_answers(sample["response"], *answer)
    listed = json.loads(answer[2])["requests"]
    recorded = sample["response"]["json"]["requests"]
    assert [(r["id"], r["type"], r["status"]) for r in listed] == [
        (r["id"], r["type"], r["status"]) for r in recorded
    ]
    assert all(r["requestedby"] == r["userid"] for r in listed)
