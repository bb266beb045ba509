"""Requests register: deadlines by calendar month (art. 12(3)), extension, overdue, close."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bridge.clock import utcnow
from bridge.services.rights.requests import due_soon
from bridge.settings.durations import add_months
from bridge.store.models import SubjectRequest
from tests.rights.conftest import Register, person


@pytest.mark.parametrize(
    ("received", "deadline", "extended"),
    [
        (date(2025, 1, 15), date(2025, 2, 15), date(2025, 4, 15)),
        (date(2025, 1, 31), date(2025, 2, 28), date(2025, 4, 30)),  # no 31 Feb, no 31 Apr
        (date(2024, 1, 31), date(2024, 2, 29), date(2024, 4, 30)),  # leap year
        (date(2024, 1, 29), date(2024, 2, 29), date(2024, 4, 29)),
        (date(2023, 1, 29), date(2023, 2, 28), date(2023, 4, 29)),
        (date(2024, 2, 29), date(2024, 3, 29), date(2024, 5, 29)),
        (date(2025, 3, 31), date(2025, 4, 30), date(2025, 6, 30)),
        (date(2025, 11, 30), date(2025, 12, 30), date(2026, 2, 28)),  # across the year end
        (date(2023, 12, 31), date(2024, 1, 31), date(2024, 3, 31)),
        (date(2025, 12, 31), date(2026, 1, 31), date(2026, 3, 31)),
    ],
)
def test_deadline_by_calendar_month(received: date, deadline: date, extended: date) -> None:
    assert add_months(received, 1) == deadline
    assert add_months(received, 3) == extended


def test_open_extend_close_through_the_cli(register: Register) -> None:
    register.add(person(1))
    opened = register.json(
        "request",
        "open",
        "--person",
        "1",
        "--type",
        "access",
        "--received",
        "2024-01-31",
        "--channel",
        "letter",
        "--note",
        "signed",
    )
    assert opened["deadline"] == "2024-02-29" and opened["status"] == "open"
    assert opened["overdue"] is True
    overdue = register.json("request", "list", "--overdue")["requests"]
    assert [r["id"] for r in overdue] == [opened["id"]]
    extended = register.json("request", "extend", str(opened["id"]), "--reason", "many systems")
    assert extended["extended_deadline"] == "2024-04-30" and extended["due"] == "2024-04-30"
    again = register.bridge("request", "extend", str(opened["id"]), "--reason", "more")
    assert again.exit_code == 2 and "already extended" in again.stderr
    closed = register.json("request", "close", str(opened["id"]), "--outcome", "export sent")
    assert closed["status"] == "closed" and closed["outcome"] == "export sent"
    assert register.json("request", "list")["requests"] == []
    assert len(register.json("request", "list", "--all")["requests"]) == 1
    assert register.bridge("request", "close", str(opened["id"]), "--outcome", "x").exit_code == 2


def test_a_request_from_someone_not_in_the_register(register: Register) -> None:
    today = utcnow().date().isoformat()
    opened = register.json("request", "open", "--type", "erasure", "--received", today)
    assert opened["person_id"] is None and opened["overdue"] is False
    future = (utcnow().date() + timedelta(days=2)).isoformat()
    assert (
        register.bridge("request", "open", "--type", "access", "--received", future).exit_code == 2
    )


def test_due_soon_lists_overdue_and_due_within_days(register: Register) -> None:
    today = date(2025, 6, 10)
    register.add(
        SubjectRequest(
            id=1, type="access", received_on=date(2025, 5, 1), deadline=date(2025, 6, 1)
        ),  # overdue
        SubjectRequest(
            id=2, type="access", received_on=date(2025, 5, 15), deadline=date(2025, 6, 15)
        ),  # due in 5 days
        SubjectRequest(
            id=3, type="access", received_on=date(2025, 6, 1), deadline=date(2025, 7, 1)
        ),  # not yet
        SubjectRequest(
            id=4,
            type="access",
            received_on=date(2025, 5, 1),
            deadline=date(2025, 6, 1),
            extended_deadline=date(2025, 8, 1),
        ),
        SubjectRequest(
            id=5,
            type="access",
            received_on=date(2025, 5, 1),
            deadline=date(2025, 6, 1),
            status="closed",
        ),
    )
    with register.sessions() as session:
        assert [r.id for r in due_soon(session, today, 7)] == [1, 2]
        assert [r.id for r in due_soon(session, today, 0)] == [1]
