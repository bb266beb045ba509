"""The Canvas connector against the simulator over HTTP, without a register: each push is
read back, Moodle-only actions are refused with the reason, removals and the activity log
behave as the engine expects, and every endpoint the connector calls is declared once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import SecretStr

from connectors.base import PushCommand
from connectors.canvas import endpoints as ep
from connectors.canvas import parse
from connectors.canvas.connector import CanvasConnector
from connectors.canvas.simulator import SimulatedCanvas
from connectors.canvas.simulator.app import ROUTES
from connectors.canvas.simulator.dataset import when
from connectors.canvas.simulator.handlers import HANDLERS
from connectors.canvas.simulator.server import running_server

LEARNER = 10_001  # a learner of the simulated account, active in two courses


@pytest.fixture
def sim() -> SimulatedCanvas:
    return SimulatedCanvas("tiny")


@pytest.fixture
def canvas(sim: SimulatedCanvas) -> Iterator[CanvasConnector]:
    with running_server(sim) as url:
        options = {"url": url, "erasure": "delete_user", "revoke_access": "suspend_and_unenrol",
                   "unenrol_task": "deactivate"}
        connector = CanvasConnector.from_options(options, SecretStr(sim.token))
        yield connector
        connector.close()


def records(canvas: CanvasConnector, stream: str, bookmark: dict | None = None) -> list:
    return [r for batch in canvas.pull(stream, bookmark) for r in batch.records]


def courses_of(sim: SimulatedCanvas, user_id: int) -> tuple[int, ...]:
    return tuple(sorted({e["course_id"] for e in sim.account.enrollments.values()
                         if e["user_id"] == user_id and e["enrollment_state"] == "active"}))


def test_suspend_then_unsuspend_are_read_back(canvas: CanvasConnector) -> None:
    done = canvas.push(PushCommand("suspend", LEARNER))
    assert done.outcome == "applied" and done.state and done.state.suspended is True
    again = canvas.push(PushCommand("suspend", LEARNER))
    assert again.outcome == "already_applied" and again.state and again.state.suspended
    back = canvas.push(PushCommand("unsuspend", LEARNER))
    assert back.outcome == "applied" and back.state and back.state.suspended is False


def test_unenrol_deactivates_and_reads_the_courses_back(
    canvas: CanvasConnector, sim: SimulatedCanvas
) -> None:
    courses = courses_of(sim, LEARNER)
    assert courses
    result = canvas.push(PushCommand("unenrol", LEARNER, course_ids=courses))
    assert result.outcome == "applied" and result.state is not None
    assert result.state.active_course_ids == ()
    states = {e["enrollment_state"] for e in sim.account.enrollments.values()
              if e["user_id"] == LEARNER and e["course_id"] in courses}
    assert states == {"inactive"}
    assert canvas.read_state(LEARNER).active_course_ids == ()
    task = [q for m, q in sim.requests if m == "DELETE"]
    assert task and all(parse_qs(urlsplit(q).query)["task"] == ["deactivate"] for q in task)


def test_delete_user_is_verified_by_reading_back(canvas: CanvasConnector) -> None:
    result = canvas.push(PushCommand("delete_user", LEARNER))
    assert result.outcome == "applied" and result.state and result.state.exists is False
    assert canvas.existing_users({LEARNER, LEARNER + 1}) == {LEARNER + 1}
    assert canvas.push(PushCommand("delete_user", LEARNER)).outcome == "already_applied"


def test_rectify_changes_name_and_email_and_reads_them_back(canvas: CanvasConnector) -> None:
    changes = {"first_name": "Maija", "last_name": "Meikäläinen", "email": "maija@example.fi"}
    result = canvas.push(PushCommand("rectify", LEARNER, changes=changes))
    assert result.outcome == "applied" and result.state is not None
    assert dict(result.state.fields) == changes
    assert canvas.push(PushCommand("rectify", LEARNER, changes=changes)).outcome == (
        "already_applied")
    refused = canvas.push(PushCommand("rectify", LEARNER, changes={"city": "Oulu"}))
    assert refused.outcome == "terminal_error" and "city" in refused.reason


@pytest.mark.parametrize("action", ["privacy_delete", "approve_request", "deny_request"])
def test_moodle_only_actions_are_refused_naming_why(canvas: CanvasConnector, action: str) -> None:
    result = canvas.push(PushCommand(action, LEARNER, lms_request_id=1))  # type: ignore[arg-type]
    assert result.outcome == "terminal_error" and 'erasure = "delete_user"' in result.reason


def test_a_missing_permission_fails_the_push_as_refused(
    canvas: CanvasConnector, sim: SimulatedCanvas
) -> None:
    sim.granted.discard("manage_user_logins")
    result = canvas.push(PushCommand("suspend", LEARNER))
    assert result.outcome == "terminal_error" and result.refused == "permission"
    assert "manage_user_logins" in result.reason and "Permissions" in result.reason


def test_enrolment_states_map_to_the_registers(canvas: CanvasConnector,
                                               sim: SimulatedCanvas) -> None:
    by_key = {(r.lms_course_id, r.lms_user_id): r for r in records(canvas, "enrolments")}
    for e in sim.account.enrollments.values():
        if e["enrollment_state"] in ("active", "invited", "inactive", "completed"):
            record = by_key[(e["course_id"], e["user_id"])]
            assert record.status == ("active" if e["enrollment_state"] == "active"
                                     else "suspended")
    assert not any(r.lms_user_id == 1 for r in by_key.values())  # the integration user


def test_removals_come_only_from_complete_listings(canvas: CanvasConnector,
                                                   sim: SimulatedCanvas) -> None:
    batches = list(canvas.pull("users", None))
    assert batches[-1].complete and batches[-1].scope == {"kind": "all"}
    per_course = list(canvas.pull("enrolments", None))
    assert all(b.complete and b.scope and "course" in b.scope for b in per_course)


def test_the_activity_log_reads_only_what_is_new(canvas: CanvasConnector,
                                                 sim: SimulatedCanvas) -> None:
    batches = list(canvas.pull("logs", None))
    bookmark = batches[-1].checkpoint
    assert bookmark and bookmark["since"] > 0
    view = dict(sim.account.page_views[LEARNER][0], id="0f0e0d0c-0b0a-4908-8706-050403020100",
                created_at=when(10_000))
    sim.account.page_views[LEARNER].insert(0, view)
    sim.requests.clear()
    new = records(canvas, "logs", dict(bookmark))
    assert {r.time_created for r in new} >= {bookmark["since"]}
    assert any(r.other == view["url"] and r.time_created > bookmark["since"] for r in new)
    asked = [parse_qs(urlsplit(q).query) for _, q in sim.requests if "/page_views" in q]
    overlap = parse.iso(bookmark["since"] - canvas.config.page_view_overlap_s)
    assert asked and all(q["start_time"] == [overlap] for q in asked)


def test_every_endpoint_is_declared_once_and_answered_by_the_simulator(
    canvas: CanvasConnector, sim: SimulatedCanvas
) -> None:
    declared = [v for v in vars(ep).values() if isinstance(v, ep.Endpoint)]
    assert sorted(e.name for e in declared) == sorted(e.name for e in ep.ENDPOINTS)
    assert set(HANDLERS) == {e.name for e in ep.ENDPOINTS}
    for endpoint in ep.ENDPOINTS:
        assert endpoint.permission is None or endpoint.permission in ep.PERMISSION_LABELS
        assert re.fullmatch(r"\w+\.rb#\w+", endpoint.controller), endpoint
    canvas.check()
    for stream in canvas.streams:
        records(canvas, stream)
    courses = courses_of(sim, LEARNER)
    for command in (PushCommand("suspend", LEARNER), PushCommand("unenrol", LEARNER,
                    course_ids=courses), PushCommand("rectify", LEARNER,
                    changes={"email": "x@example.fi"}), PushCommand("delete_user", LEARNER)):
        canvas.push(command)
    called = set()
    for method, target in sim.requests:
        path = urlsplit(target).path
        matched = [e.name for e, pattern in ROUTES if e.method == method and pattern.match(path)]
        assert matched, (method, path)  # nothing outside endpoints.py is ever called
        called.add(matched[0])
    assert called == {e.name for e in ep.ENDPOINTS}


def test_an_incremental_log_read_asks_only_recently_active_users(
    canvas: CanvasConnector, sim: SimulatedCanvas
) -> None:
    bookmark = list(canvas.pull("logs", None))[-1].checkpoint
    assert bookmark
    idle = next(u for u in sorted(sim.account.users) if u >= LEARNER + 1)
    sim.account.users[idle]["last_login"] = "2020-01-01T00:00:00Z"  # long before the read
    sim.account.page_views[idle] = []  # and no request since: the access report says so
    sim.requests.clear()
    records(canvas, "logs", dict(bookmark))
    asked = {urlsplit(q).path for _, q in sim.requests if "/page_views" in q}
    assert f"/api/v1/users/{idle}/page_views" not in asked
    assert f"/api/v1/users/{LEARNER}/page_views" in asked


def test_check_names_a_dead_token_and_a_wrong_account_with_their_fixes(
    sim: SimulatedCanvas,
) -> None:
    with running_server(sim) as url:
        dead = CanvasConnector.from_options({"url": url}, SecretStr("7~dead"))
        [token] = dead.check().checks
        assert not token.ok and "new access token" in (token.fix or "")
        wrong = CanvasConnector.from_options({"url": url, "account_id": "42"},
                                             SecretStr(sim.token))
        report = wrong.check()
        account = next(c for c in report.checks if c.name == "account")
        assert not report.ok and not account.ok and "account_id" in (account.fix or "")


def test_check_refuses_moodles_privacy_request_erasure(sim: SimulatedCanvas) -> None:
    with running_server(sim) as url:
        report = CanvasConnector.from_options({"url": url, "erasure": "privacy_request"},
                                              SecretStr(sim.token)).check()
    erasure = next(c for c in report.checks if c.name == "erasure")
    assert not report.ok and not erasure.ok and 'erasure = "delete_user"' in (erasure.fix or "")


def test_messages_are_teachers_talks_with_learners_only(canvas: CanvasConnector,
                                                        sim: SimulatedCanvas) -> None:
    teacher = 100
    sim.account.conversations[9_999] = {
        "id": 9_999, "subject": "Staff", "members": [1, teacher],
        "messages": [{"id": 99_999, "author_id": teacher, "created_at": when(5),
                      "body": "staff only", "participating_user_ids": [1, teacher]}]}
    messages = records(canvas, "messages")
    assert messages and all(set(m.member_ids) - {teacher} for m in messages)
    assert 99_999 not in {m.lms_message_id for m in messages}


def test_a_malformed_user_is_quarantined_not_a_crash(canvas: CanvasConnector,
                                                     sim: SimulatedCanvas) -> None:
    sim.account.users[LEARNER]["id"] = "not-a-number"
    batches = list(canvas.pull("users", None))
    rejects = [r for b in batches for r in b.rejects]
    assert [r.lms_id for r in rejects] == ["not-a-number"]
    assert "integer" in rejects[0].reason
    assert list(canvas.pull("logs", None))  # the log stream skips it


def test_a_missing_permission_is_not_taken_for_a_deleted_user(canvas: CanvasConnector,
                                                              sim: SimulatedCanvas) -> None:
    sim.granted.discard("read_roster")  # GET /users/:id and the listing both refused
    result = canvas.push(PushCommand("delete_user", LEARNER))
    assert result.outcome == "terminal_error" and result.refused == "permission"
    assert sim.account.users[LEARNER]["workflow_state"] != "deleted"
