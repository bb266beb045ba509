"""Erasure through Moodle's privacy requests: created, approved, waited for, never duplicated."""

from __future__ import annotations

from typing import Any

import pytest

from tests.connectors.moodle.fake_accounts import Accounts, push
from tests.connectors.moodle.fake_moodle import (
    FakeMoodle,
    answer,
)

# --------------------------------------------------------------------------- privacy requests


class DataRequests:
    """``tool_dataprivacy_*`` for one delete request of niilo (19), recorded shapes."""

    def __init__(self, moodle: FakeMoodle, accounts: Accounts, *, dpo: bool = True) -> None:
        self.accounts, self.dpo = accounts, dpo
        self.request = answer("tool_dataprivacy_get_data_request__after_create")["result"]
        self.exists = False
        moodle.on("tool_dataprivacy_create_data_request", self.create)
        moodle.on("tool_dataprivacy_get_data_requests", self.listing)
        moodle.on("tool_dataprivacy_approve_data_request", self.approve)
        moodle.on(
            "tool_dataprivacy_get_data_request", lambda p: {"result": self.request, "warnings": []}
        )

    def create(self, params: dict[str, Any]) -> Any:
        assert (params["type"], params["foruserid"]) == ("2", "19")
        assert self.accounts.users[19]["suspended"], "access must end before the request"
        if self.exists:
            return answer("tool_dataprivacy_create_data_request__error_already_exists")
        self.exists = True
        return answer("tool_dataprivacy_create_data_request__delete_for_other")

    def listing(self, params: dict[str, Any]) -> Any:
        assert (params["userid"], params["types[0]"]) == ("19", "2")
        return {"requests": [self.request], "warnings": []}

    def approve(self, params: dict[str, Any]) -> Any:
        if not self.dpo:
            return {
                "exception": "core\\exception\\required_capability_exception",
                "errorcode": "nopermissions",
                "message": "Sorry, but you do not currently have permissions to do that.",
            }
        if self.request["status"] != 2:
            return answer("tool_dataprivacy_approve_data_request__error_not_awaiting")
        self.request["status"] = 3
        return answer("tool_dataprivacy_approve_data_request__normal")

    def run_cron(self) -> None:
        self.request["status"] = 10
        self.accounts.users.pop(19)


def test_privacy_delete_suspends_creates_approves_and_waits_for_cron(
    moodle: FakeMoodle, accounts: Accounts
) -> None:
    requests = DataRequests(moodle, accounts)
    first = push("privacy_delete", 19)
    assert (first.outcome, first.lms_request_id) == ("pending", 3)
    assert "cron" in first.reason and accounts.users[19]["suspended"] is True
    assert moodle.count("tool_dataprivacy_approve_data_request") == 1

    still = push("privacy_delete", 19, lms_request_id=3)
    assert still.outcome == "pending" and moodle.count("tool_dataprivacy_create_data_request") == 1

    requests.run_cron()
    done = push("privacy_delete", 19, lms_request_id=3)
    assert (done.outcome, done.lms_request_id) == ("applied", 3)
    assert "account deleted" in done.reason


def test_privacy_delete_retried_after_a_lost_answer_finds_the_ongoing_request(
    moodle: FakeMoodle, accounts: Accounts
) -> None:
    requests = DataRequests(moodle, accounts)
    requests.exists = True  # created by an earlier attempt whose answer was lost
    result = push("privacy_delete", 19)
    assert (result.outcome, result.lms_request_id) == ("pending", 3)
    assert moodle.count("tool_dataprivacy_get_data_requests") == 1


def test_privacy_delete_waits_for_a_human_dpo(moodle: FakeMoodle, accounts: Accounts) -> None:
    DataRequests(moodle, accounts, dpo=False)
    result = push("privacy_delete", 19)
    assert (result.outcome, result.lms_request_id) == ("pending", 3)
    assert "privacy officer" in result.reason


@pytest.mark.parametrize(("status", "word"), [(6, "cancelled"), (7, "rejected")])
def test_privacy_request_cancelled_or_rejected_is_terminal(
    moodle: FakeMoodle, accounts: Accounts, status: int, word: str
) -> None:
    requests = DataRequests(moodle, accounts)
    requests.request["status"] = status
    result = push("privacy_delete", 19, lms_request_id=3)
    assert result.outcome == "terminal_error" and word in result.reason
    assert result.lms_request_id == 3


def test_privacy_request_of_another_person_is_refused(
    moodle: FakeMoodle, accounts: Accounts
) -> None:
    DataRequests(moodle, accounts)
    assert push("privacy_delete", 5, lms_request_id=3).outcome == "terminal_error"
