"""What the fuzzing found, each as a plain example: hostile Moodle values end as a typed
error or a quarantined record with its reason, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bridge.settings import Settings
from connectors.moodle.errors import UnexpectedResponse
from connectors.moodle.fields import as_int
from connectors.moodle.parse import parse_user
from tests.fuzz.register import keyed_rows, quarantined
from tests.fuzz.site import USERS, base_answers, connector, site
from tests.fuzz.test_moodle_sync import fuzz_settings, sync  # noqa: F401 (a fixture)


def test_warnings_that_are_not_a_list_fail_the_stream_with_a_typed_error() -> None:
    data = base_answers()
    data["core_course_get_courses_by_field"]["warnings"] = 7
    with site(data), pytest.raises(UnexpectedResponse, match="expected a JSON list"):
        list(connector().pull("courses", None))


def test_a_teacher_listing_without_a_user_list_fails_with_a_typed_error() -> None:
    data = base_answers()
    data["core_enrol_get_enrolled_users_with_capability"][1]["users"] = 7
    with site(data), pytest.raises(UnexpectedResponse):
        list(connector().pull("messages", None))


def test_a_user_entry_that_is_not_an_object_is_quarantined_not_lost() -> None:
    data = base_answers()
    data[USERS][2] = 0
    with site(data):
        batches = list(connector().pull("users", None))
    rejects = [r for b in batches for r in b.rejects]
    assert [(r.reason, dict(r.payload)) for r in rejects] == [
        ("expected an object, got int", {"value": 0})
    ]


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 1e300, "9" * 30])
def test_an_integer_past_64_bits_is_refused_at_the_edge(value: object) -> None:
    with pytest.raises(ValueError, match="out of range"):
        as_int(value, "id")
    with pytest.raises(ValueError, match=r"^id: "):
        parse_user({"id": value, "username": "x"})


def test_a_huge_text_in_a_number_field_gives_a_short_reason() -> None:
    with pytest.raises(ValueError) as caught:
        as_int("x" * 10_000_000, "id")
    assert len(str(caught.value)) < 120


def _user(data: dict, index: int, **fields: object) -> int:
    data[USERS][index].update(fields)
    return data[USERS][index]["id"]


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"firstname": "a\x00b"}, "first_name: contains a NUL character"),
        ({"lastname": "x" * 201}, "last_name: 201 characters, at most 200 fit"),
        ({"department": "y" * 10_000_000}, "department: 10000000 characters, at most 255 fit"),
        ({"customfields": [{"shortname": "a", "value": "b\x00"}]}, "custom_fields: contains a NUL"),
    ],
)
def test_a_value_the_register_cannot_hold_is_quarantined_and_the_rest_stored(
    fuzz_settings: Settings,  # noqa: F811
    sessions: sessionmaker[Session],
    fields: dict,
    reason: str,
) -> None:
    data = base_answers()
    clean = copy.deepcopy(data)
    user_id = _user(data, 4, **fields)
    sync(fuzz_settings, sessions, data)
    with sessions() as session:
        rows, quarantine = keyed_rows(session), quarantined(session)
    assert [(s, r[: len(reason)]) for s, r in quarantine] == [("users", reason)]
    stored = {k[0] for k in rows["lms_accounts"]}
    expected = {u["id"] for u in clean[USERS]} - {1, 2, 25, user_id}  # guest, admin, service
    assert stored == expected


def test_a_number_past_a_32_bit_column_is_quarantined(
    fuzz_settings: Settings,  # noqa: F811
    sessions: sessionmaker[Session],
) -> None:
    data = base_answers()
    submissions = data["mod_assign_get_submissions"]["assignments"][0]["submissions"]
    submissions[0]["attemptnumber"] = 2**31
    sync(fuzz_settings, sessions, data)
    with sessions() as session:
        quarantine = quarantined(session)
    reason = f"attempt: number {2**31} is out of range for the register"
    assert quarantine == [("submissions", reason)]
