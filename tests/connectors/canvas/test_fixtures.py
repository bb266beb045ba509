"""The simulator answers in Canvas's shapes: for every canvasapi fixture of an endpoint the
connector calls (``tests/fixtures/canvas/``, see its README), the simulator's answer to that
endpoint carries at least the fixture's fields, and its errors are the documented ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connectors.canvas.simulator import SimulatedCanvas

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "canvas"
#: canvasapi's test data, not Canvas's: a misspelt key and a key of its own.
NOT_CANVAS = {"assignments_id", "state"}

#: fixture file, entry -> the request that asks the simulator the same (method, path).
CASES: dict[tuple[str, str], tuple[str, str]] = {
    ("account.json", "get_by_id"): ("GET", "/api/v1/accounts/1"),
    ("account.json", "users"): ("GET", "/api/v1/accounts/1/users"),
    ("account.json", "get_courses"): ("GET", "/api/v1/accounts/1/courses"),
    ("account.json", "delete_user"): ("DELETE", "/api/v1/accounts/1/users/10002"),
    ("user.json", "get_by_id"): ("GET", "/api/v1/users/10001"),
    ("current_user.json", "get_by_id"): ("GET", "/api/v1/users/self"),
    ("user.json", "page_views"): ("GET", "/api/v1/users/10001/page_views"),
    ("user.json", "list_user_logins"): ("GET", "/api/v1/users/10001/logins"),
    ("user.json", "list_enrollments"): ("GET", "/api/v1/users/10001/enrollments"),
    ("login.json", "edit_user_login"): ("PUT", "/api/v1/accounts/1/logins/{login}"),
    ("course.json", "list_enrollments"): ("GET", "/api/v1/courses/200/enrollments"),
    ("course.json", "list_multiple_submissions"): (
        "GET", "/api/v1/courses/200/students/submissions?student_ids[]=all"),
    ("course.json", "get_all_assignments"): ("GET", "/api/v1/courses/200/assignments"),
    ("enrollment.json", "deactivate"): (
        "DELETE", "/api/v1/courses/200/enrollments/{enrollment}?task=deactivate"),
    ("conversation.json", "get_conversations"): ("GET", "/api/v1/conversations?as_user_id=100"),
    ("conversation.json", "get_by_id"): (
        "GET", "/api/v1/conversations/{conversation}?as_user_id=100"),
}


def _fields(data: Any) -> set[str]:
    items = data if isinstance(data, list) else [data]
    return {key for item in items if isinstance(item, dict) for key in item}


def _fixture(name: str) -> dict[str, Any]:
    path = FIXTURES / name
    if not path.exists():
        pytest.skip(f"{path} is not in this tree")
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _ask(sim: SimulatedCanvas, method: str, path: str) -> tuple[int, dict[str, str], Any]:
    account = sim.account
    path = path.format(
        login=next(k for k, x in account.logins.items() if x["user_id"] == 10_001),
        enrollment=next(k for k, e in account.enrollments.items() if e["course_id"] == 200),
        conversation=next(k for k, c in account.conversations.items() if 100 in c["members"]))
    headers = {"Authorization": f"Bearer {sim.token}"}
    (status, answer_headers, body), _ = sim.handle(method, path, headers, b"")
    return status, answer_headers, json.loads(body) if body.startswith((b"{", b"[")) else body


@pytest.mark.parametrize(("fixture", "entry"), sorted(CASES))
def test_the_simulator_answers_at_least_the_fixtures_fields(fixture: str, entry: str) -> None:
    example = _fixture(fixture)[entry]
    sim = SimulatedCanvas("tiny")
    method, path = CASES[(fixture, entry)]
    assert example["method"] == method
    status, _, answer = _ask(sim, method, path)
    assert status == example.get("status_code", 200)
    wanted = _fields(example["data"]) - NOT_CANVAS
    missing = wanted - _fields(answer)
    assert not missing, (fixture, entry, missing)


@pytest.mark.parametrize(("entry", "status"), [("invalid_access_token", 401),
                                               ("not_authorized", 401), ("not_found", 404),
                                               ("rate_limit_exceeded", 403)])
def test_the_simulators_errors_are_canvass(entry: str, status: int) -> None:
    example = _fixture("errors.json")[entry]
    sim = SimulatedCanvas("tiny")
    headers = {"Authorization": f"Bearer {sim.token}"}
    path = "/api/v1/users/10001/page_views"
    if entry == "invalid_access_token":
        headers = {"Authorization": "Bearer wrong"}
    elif entry == "not_authorized":
        sim.granted.discard("view_statistics")
    elif entry == "not_found":
        path = "/api/v1/users/99999"
    else:
        sim.fail_next("rate_limit")
    (got, answer_headers, body), _ = sim.handle("GET", path, headers, b"")
    assert got == example["status_code"] == status
    if "text" in example:
        assert body.decode() == example["text"]
    else:
        assert json.loads(body) == example["data"]
    for name in example.get("headers") or {}:
        if name != "Content-Type":
            assert name in answer_headers


#: The documented example of each endpoint (``documented.json``, keyed as the doc's table)
#: -> the simulator's request for the same endpoint.
DOCUMENTED: dict[str, tuple[str, str]] = {
    "self": ("GET", "/api/v1/users/self"),
    "account": ("GET", "/api/v1/accounts/1"),
    "account_permissions": ("GET", "/api/v1/accounts/1/permissions?permissions[]=read_roster"
                            "&permissions[]=view_user_logins&permissions[]=read_email_addresses"
                            "&permissions[]=read_course_list&permissions[]=view_all_grades"
                            "&permissions[]=read_course_content&permissions[]=view_statistics"
                            "&permissions[]=read_reports&permissions[]=become_user"
                            "&permissions[]=manage_user_logins"
                            "&permissions[]=remove_student_from_course"),
    "account_users": ("GET", "/api/v1/accounts/1/users?include[]=email&include[]=last_login"),
    "user_logins": ("GET", "/api/v1/users/10001/logins"),
    "suspend_login": ("PUT", "/api/v1/accounts/1/logins/{login}"),
    "courses": ("GET", "/api/v1/accounts/1/courses"),
    "enrollments": ("GET", "/api/v1/courses/200/enrollments"),
    "user_enrollments": ("GET", "/api/v1/users/10001/enrollments"),
    "end_enrollment": ("DELETE", "/api/v1/courses/200/enrollments/{enrollment}?task=conclude"),
    "assignments": ("GET", "/api/v1/courses/200/assignments"),
    "submissions": ("GET", "/api/v1/courses/200/students/submissions?student_ids[]=all"),
    "conversations": ("GET", "/api/v1/conversations?as_user_id=100"),
    "conversation": ("GET", "/api/v1/conversations/{conversation}?as_user_id=100"),
    "page_views": ("GET", "/api/v1/users/10001/page_views"),
    "user": ("GET", "/api/v1/users/10001"),
    "update_user": ("PUT", "/api/v1/users/10001"),
    "delete_user": ("DELETE", "/api/v1/accounts/1/users/10002"),
    "start_report": ("POST", "/api/v1/accounts/1/reports/provisioning_csv"),
}
#: Documented fields the simulator leaves out on purpose: first and last names are optional
#: in Canvas (current master only), so the connector's fallback to sortable_name is tested.
OPTIONAL = {"first_name", "last_name"}


def test_the_simulators_provisioning_report_answers_every_documented_field() -> None:
    """Started, polled until complete, its file downloaded: each in the documented shape."""
    sim = SimulatedCanvas("tiny")
    base = "/api/v1/accounts/1/reports/provisioning_csv"
    _, _, started = _ask(sim, "POST", base)
    answers = [_ask(sim, "GET", f"{base}/{started['id']}") for _ in range(2)]
    assert [answer["status"] for _, _, answer in answers] == ["running", "complete"]
    report = answers[-1][2]
    documented = _fixture("documented.json")
    for key, answer in (("start_report", started), ("report_status", report)):
        assert not _fields(documented[key]["data"]) - _fields(answer), key
    attachment = documented["report_status"]["data"]["attachment"]
    assert not set(attachment) - set(report["attachment"])
    url = report["attachment"]["url"]
    assert url.startswith(sim.base_url + "/files/")
    status, headers, body = _ask(sim, "GET", url.removeprefix(sim.base_url))
    header = body.decode().splitlines()[0].split(",")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert header == list(documented["report_file"]["data"][0])


@pytest.mark.parametrize("key", sorted(DOCUMENTED))
def test_the_simulator_answers_every_documented_field(key: str) -> None:
    example = _fixture("documented.json")[key]
    method, path = DOCUMENTED[key]
    assert example["method"] == method
    status, _, answer = _ask(SimulatedCanvas("tiny"), method, path)
    assert status == example.get("status_code", 200)
    missing = _fields(example["data"]) - OPTIONAL - _fields(answer)
    assert not missing, (key, sorted(missing))
