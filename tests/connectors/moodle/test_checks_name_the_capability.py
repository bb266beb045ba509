"""Every check names the missing capability itself (issue 29, point 5).

The course-level answers below are a real Moodle 4.5's with ``moodle/course:view`` removed
from the bridge's role (tests/fixtures/moodle-live, ``*course_view_missing``): the
course-access probe gets ``errorcoursecontextnotvalid``, the teacher lookup an English
sentence as errorcode with an empty "course id:", the gradebook ``requireloginerror`` and
the assignment listing a warning per course. Everything else is the simulator's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import responses
from pydantic import SecretStr

from connectors.base import Check, CheckReport
from connectors.moodle.classify import classify_error
from connectors.moodle.config import MoodleConfig
from connectors.moodle.connector import MoodleConnector
from connectors.moodle.diagnosis import allow, missing_among
from connectors.moodle.errors import ContextNotValid
from connectors.moodle.simulator import SimulatedMoodle
from connectors.moodle.simulator.inprocess import mount

LIVE = Path(__file__).resolve().parents[2] / "fixtures" / "moodle-live"
URL = "https://moodle.test"
ROLE_AT_SYSTEM_LEVEL = "Site administration > Users > Permissions > Define roles"
#: The front page's course id (``siteid``): its roster needs no course:view.
SITE_ID = "1"
RECORDED = {
    "core_enrol_get_enrolled_users_with_capability": "error_course_view_missing",
    "gradereport_user_get_grade_items": "error_course_view_missing",
    "mod_assign_get_assignments": "course_view_missing",
}

Callback = Callable[[Any], tuple[int, list[tuple[str, str]], bytes]]


def recorded(function: str, case: str) -> Any:
    sample = json.loads((LIVE / f"{function}__{case}.json").read_text(encoding="utf-8"))
    return sample["response"]["json"]


class _Catch:
    """Stands in for a RequestsMock to catch the simulator's callback."""

    callback: Callback

    def add_callback(self, method: str, url: Any, callback: Callback, **_: Any) -> None:
        self.callback = callback


@pytest.fixture
def report() -> Iterator[CheckReport]:
    """``bridge check`` where Moodle would not let the service user into any course."""
    sim = SimulatedMoodle("tiny", seed=1)
    catch = _Catch()
    mount(sim, catch, URL)  # type: ignore[arg-type]

    def answer(request: Any) -> tuple[int, list[tuple[str, str]], bytes]:
        fields = parse_qs(request.body if isinstance(request.body, str) else request.body.decode())
        function = fields.get("wsfunction", [""])[0]
        if function == "core_enrol_get_enrolled_users" and fields.get("courseid") != [SITE_ID]:
            body = recorded(function, "error_course_view_missing")
        elif function in RECORDED:
            body = recorded(function, RECORDED[function])
        else:
            return catch.callback(request)
        return 200, [("Content-Type", "application/json")], json.dumps(body).encode()

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_callback("POST", f"{URL}/webservice/rest/server.php", callback=answer)
        config = MoodleConfig(url=URL, token=SecretStr(sim.token), max_retries=0)
        yield MoodleConnector(config).check()


def check(report: CheckReport, name: str) -> Check:
    [found] = [c for c in report.checks if c.name == name]
    assert not found.ok, found
    return found


@pytest.mark.parametrize("name", ["course access", "gradebook", "teacher lookup", "assignments"])
def test_each_course_check_names_course_view_and_the_role_fix(
    report: CheckReport, name: str
) -> None:
    found = check(report, name)
    assert found.detail.startswith("moodle/course:view: "), found.detail
    assert found.fix and "allow moodle/course:view" in found.fix.lower()
    assert "php local/registrybridge/cli/setup.php" in found.fix  # the repair comes first
    assert ROLE_AT_SYSTEM_LEVEL in found.fix and "assigned at system level" in found.fix


def test_the_teacher_lookup_names_the_course_it_asked_about(report: CheckReport) -> None:
    found = check(report, "teacher lookup")
    assert "(course id:)" not in found.detail
    assert "would not let the service user into course " in found.detail
    assert "See the error code and message" not in (found.fix or "")


def test_the_gradebook_does_not_blame_require_login(report: CheckReport) -> None:
    found = check(report, "gradebook")
    assert "require_login" not in (found.fix or "")
    assert "gradereport_user_get_grade_items: requireloginerror" in found.detail


def test_the_sentence_errorcode_is_moodles_context_error() -> None:
    payload = recorded("core_enrol_get_enrolled_users_with_capability", "error_course_view_missing")
    error = classify_error("core_enrol_get_enrolled_users_with_capability", payload)
    assert isinstance(error, ContextNotValid)
    assert error.errorcode == "errorcoursecontextnotvalid"


def test_a_missing_capability_is_named_from_moodles_message() -> None:
    """``nopermissions`` names the capability's title: the check names that one only."""
    payload = {
        "exception": "core\\exception\\required_capability_exception",
        "errorcode": "nopermissions",
        "message": "Sorry, but you do not currently have permissions to do that "
        "(View grades of other users).",
    }
    error = classify_error("gradereport_user_get_grade_items", payload)
    both = ["gradereport/user:view", "moodle/grade:viewall"]
    assert missing_among(both, error) == ["moodle/grade:viewall"]
    assert "allow moodle/grade:viewall in " in allow(missing_among(both, error))


def test_a_sync_meeting_requireloginerror_is_told_the_capability_too() -> None:
    """Outside ``bridge check`` (a sync's gradebook read) the error's own fix names it."""
    payload = recorded("gradereport_user_get_grade_items", "error_course_view_missing")
    error = classify_error("gradereport_user_get_grade_items", payload)
    assert error.fix and "moodle/course:view" in error.fix
    assert "Define roles" in error.fix
