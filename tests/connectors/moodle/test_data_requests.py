"""Learners' own data requests read from Moodle: the recorded live answer parsed, every
unfinished one and every one above the mark read in bounded pages, the bridge's own and
Moodle's automatic ones left out, and one request approved or rejected."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connectors.base import PushCommand
from connectors.moodle.config import PageSizes
from tests.connectors.moodle.fake_accounts import Accounts
from tests.connectors.moodle.fake_moodle import FakeMoodle, answer, connector, listed

LIVE = Path(__file__).resolve().parents[2] / "fixtures" / "moodle-live"
SERVICE_USER = 25  # core_webservice_get_site_info__normal


def _live(case: str) -> list[dict[str, Any]]:
    sample = json.loads((LIVE / f"tool_dataprivacy_get_data_requests__{case}.json").read_text())
    return list(sample["response"]["json"]["requests"])


class Requests:
    """``tool_dataprivacy_get_data_requests`` over a list of rows, filtered, sorted and paged
    like Moodle (``statuses``, ``types``, ``creationmethods``, ``sort`` by id, limits)."""

    def __init__(self, moodle: FakeMoodle, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        moodle.on("tool_dataprivacy_get_data_requests", self.handle)

    def handle(self, params: dict[str, Any]) -> Any:
        selected = [
            r for r in self.rows
            if all(not listed(params, key) or str(r[field]) in listed(params, key)
                   for key, field in (("statuses", "status"), ("types", "type"),
                                      ("creationmethods", "creationmethod")))
        ]
        selected.sort(key=lambda r: r["id"], reverse=params.get("sort") == "id DESC")
        start, size = int(params["limitfrom"]), int(params["limitnum"])
        return {"requests": selected[start:start + size], "warnings": []}


def test_the_live_answer_gives_each_learners_request_with_the_day_it_was_filed(
    moodle: FakeMoodle,
) -> None:
    Requests(moodle, _live("learners_own_newest_first"))
    found = connector().data_requests(0)
    assert found.last_id == 3 and found.unavailable is None
    assert [(r.lms_request_id, r.lms_user_id, r.kind) for r in found.requests] == [
        (1, 7, "export"), (2, 8, "erasure"), (3, 12, "erasure"),
    ]
    first = found.requests[0]
    assert first.by_the_person and not first.finished and first.lms_status == "Awaiting approval"
    assert first.filed_at == datetime.fromtimestamp(1796680694, UTC)  # its timecreated
    sent = moodle.params("tool_dataprivacy_get_data_requests")
    assert {p["sort"] for p in sent} == {"id ASC", "id DESC"}
    assert all(listed(p, "creationmethods") == ["0"] for p in sent)
    assert all(listed(p, "types") == ["1", "2"] for p in sent)


def test_every_unfinished_request_and_every_one_above_the_mark_in_bounded_pages(
    moodle: FakeMoodle,
) -> None:
    rows = _live("learners_own_after_answers")  # 1 download ready, 2 deleted, 3 rejected
    base = rows[0]
    rows += [{**base, "id": i, "status": 2, "userid": 40 + i, "requestedby": 40 + i}
             for i in range(4, 9)]
    rows.append({**base, "id": 9, "status": 2, "requestedby": SERVICE_USER})  # the bridge's
    rows.append({**base, "id": 10, "status": 2, "creationmethod": 1})  # automatic
    unfinished_below_mark = {**base, "id": 2, "status": 2, "userid": 60, "requestedby": 60}
    rows = [unfinished_below_mark if r["id"] == 2 else r for r in rows]
    Requests(moodle, rows)
    found = connector(page_sizes=PageSizes(data_requests=2)).data_requests(6)
    assert [r.lms_request_id for r in found.requests] == [2, 4, 5, 6, 7, 8]
    assert found.last_id == 9  # the bridge's own moves the mark; Moodle never sends automatic
    sizes = {p["limitnum"] for p in moodle.params("tool_dataprivacy_get_data_requests")}
    assert sizes == {"2"}
    # newest first, stopping at the mark: 9 8 | 7 6 -> two pages, not the whole list
    descending = [p for p in moodle.params("tool_dataprivacy_get_data_requests")
                  if p["sort"] == "id DESC"]
    assert len(descending) == 2


def test_without_the_function_in_the_service_nothing_is_read(moodle: FakeMoodle) -> None:
    site = answer("core_webservice_get_site_info__normal")
    site["functions"] = [f for f in site["functions"]
                         if f["name"] != "tool_dataprivacy_get_data_requests"]
    moodle.on("core_webservice_get_site_info", site)
    found = connector().data_requests(5)
    assert found.unavailable and "tool_dataprivacy_get_data_requests" in found.unavailable
    assert found.last_id == 5 and moodle.count("tool_dataprivacy_get_data_requests") == 0


class OneRequest:
    def __init__(self, moodle: FakeMoodle, row: dict[str, Any]) -> None:
        self.row = row
        moodle.on("tool_dataprivacy_get_data_request",
                  lambda p: {"result": dict(self.row), "warnings": []})
        moodle.on("tool_dataprivacy_approve_data_request", lambda p: self.answer(3))
        moodle.on("tool_dataprivacy_deny_data_request", lambda p: self.answer(7))

    def answer(self, status: int) -> Any:
        if self.row["status"] != 2:
            return answer("tool_dataprivacy_approve_data_request__error_not_awaiting")
        self.row["status"] = status
        return answer("tool_dataprivacy_deny_data_request__normal")


def test_an_export_is_approved_and_done_once_moodle_made_its_own(
    moodle: FakeMoodle, accounts: Accounts
) -> None:
    row = {**_live("learners_own_newest_first")[2], "type": 1, "userid": 19}
    request = OneRequest(moodle, row)
    command = PushCommand("approve_request", 19, lms_request_id=3)
    waiting = connector().push(command)
    assert (waiting.outcome, waiting.lms_request_id) == ("pending", 3)
    request.row["status"], request.row["statuslabel"] = 8, "Download ready"
    done = connector().push(command)
    assert done.outcome == "applied" and done.state is not None and done.state.exists
    assert moodle.count("tool_dataprivacy_approve_data_request") == 1


def test_a_rejection_is_read_back_and_said_once(moodle: FakeMoodle, accounts: Accounts) -> None:
    row = {**_live("learners_own_newest_first")[2], "userid": 19}
    OneRequest(moodle, row)
    command = PushCommand("deny_request", 19, lms_request_id=3)
    assert connector().push(command).outcome == "applied"
    again = connector().push(command)
    assert again.outcome == "already_applied"
    assert moodle.count("tool_dataprivacy_deny_data_request") == 1


def test_someone_elses_request_is_refused(moodle: FakeMoodle, accounts: Accounts) -> None:
    OneRequest(moodle, {**_live("learners_own_newest_first")[2]})  # user 12's
    result = connector().push(PushCommand("deny_request", 19, lms_request_id=3))
    assert result.outcome == "terminal_error" and "not user 19's" in result.reason
