"""The worker alone judges a push's read-back (bridge.services.push.verdict): a connector
that reports a change the read-back contradicts never gets its command marked done."""

from __future__ import annotations

import pytest

from bridge.services.push.verdict import judge
from connectors.base import LmsState, PushCommand, PushResult

ACTIVE = LmsState(7, exists=True, suspended=False)
SUSPENDED = LmsState(7, exists=True, suspended=True)
GONE = LmsState(7, exists=False)


@pytest.mark.parametrize(
    ("action", "state"),
    [
        ("suspend", SUSPENDED),
        ("suspend", GONE),
        ("privacy_delete", GONE),
        ("unsuspend", ACTIVE),
        ("delete_user", GONE),
    ],
)
def test_a_read_back_that_shows_the_change_is_done(action: str, state: LmsState) -> None:
    outcome = judge(PushCommand(action, 7), PushResult.applied("did it", state))  # type: ignore[arg-type]
    assert (outcome.state, outcome.reason) == ("done", "did it")


@pytest.mark.parametrize(
    ("action", "state", "said"),
    [
        ("suspend", ACTIVE, "read-back shows the account active"),
        ("privacy_delete", ACTIVE, "read-back shows the account active"),
        ("unsuspend", SUSPENDED, "read-back does not show the account active"),
        ("unsuspend", GONE, "read-back does not show the account active"),
        ("delete_user", SUSPENDED, "read-back still lists the account"),
    ],
)
def test_a_read_back_that_contradicts_the_command_fails_it(
    action: str, state: LmsState, said: str
) -> None:
    for result in (PushResult.applied("done", state), PushResult.already_applied("done", state)):
        outcome = judge(PushCommand(action, 7), result)  # type: ignore[arg-type]
        assert outcome.state == "failed"
        assert outcome.reason.startswith(said)
        assert outcome.reason.endswith("(the connector reported: done)")


def test_an_unenrolment_still_active_in_a_named_course_fails() -> None:
    command = PushCommand("unenrol", 7, course_ids=(3, 4))
    still = PushResult.applied("unenrolled", LmsState(7, True, active_course_ids=(4, 9)))
    outcome = judge(command, still)
    assert outcome.state == "failed" and "course(s) [4]" in outcome.reason
    cleared = PushResult.applied("unenrolled", LmsState(7, True, active_course_ids=(9,)))
    assert judge(command, cleared).state == "done"  # course 9 was not asked about


def test_a_rectification_is_done_only_when_every_field_reads_back_as_asked() -> None:
    command = PushCommand(
        "rectify", 7, changes={"city": "Hamina", "phone1": None, "custom_fields": {"employer": "X"}}
    )
    held = {"city": "Hamina", "phone1": "", "custom_fields": {"employer": "X", "other": "Y"}}
    assert judge(command, PushResult.applied("ok", LmsState(7, True, fields=held))).state == "done"
    wrong = {**held, "city": "Kotka", "custom_fields": {"employer": "Z"}}
    outcome = judge(command, PushResult.applied("ok", LmsState(7, True, fields=wrong)))
    assert outcome.state == "failed"
    assert "read-back differs for: city, custom_fields.employer" in outcome.reason
    gone = judge(command, PushResult.applied("ok", GONE))
    assert gone.state == "failed" and "differs for: account" in gone.reason


def test_a_result_without_a_read_back_stays_pending() -> None:
    outcome = judge(PushCommand("suspend", 7), PushResult.applied("account suspended"))
    assert outcome.state == "pending" and "no read-back" in outcome.reason


@pytest.mark.parametrize(
    ("result", "state"),
    [
        (PushResult("pending", "waiting for Moodle's cron", 12), "waiting"),
        (PushResult.transient_error("timeout"), "pending"),
        (PushResult.terminal_error("invalid token"), "failed"),
    ],
)
def test_results_that_report_no_change_map_to_their_outbox_state(
    result: PushResult, state: str
) -> None:
    outcome = judge(PushCommand("privacy_delete", 7), result)
    assert (outcome.state, outcome.reason) == (state, result.reason)
    assert outcome.lms_request_id == result.lms_request_id
