"""A mutated Moodle record through a real sync into a real register: no traceback, the bad
record quarantined with its reason, every other row as a clean run stores it.

One record of an answer the sync stores (a user's details, a gradebook cell, a
submission, an assignment grade, a message) is mutated; the sync runs against the
recorded site with the register on SQLite or PostgreSQL (the ``db_url`` fixture).
The mutated record may be stored (a change Moodle may legitimately send), or
quarantined; a record Moodle no longer lists is simply absent. Nothing else may
differ from the clean run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from bridge.services.sync.engine import SyncOptions, run_sync
from bridge.settings import Settings, load_settings
from tests.configs import SENTINEL_TOKEN, write_config
from tests.fuzz.counting import count_case, seeded
from tests.fuzz.mutations import Mutation, apply, mutations
from tests.fuzz.register import Keyed, keyed_rows, quarantined
from tests.fuzz.site import USERS, base_answers, connector, site
from tests.sync.helpers import reset_register

BASE = base_answers()
STREAMS = ["users", "gradebook", "submissions", "assignment_grades", "messages"]
#: Accounts that are never persons (guest, the service user): dropped, not quarantined.
NOT_PERSONS = {1, 25}


def _records() -> list[tuple[str, tuple[Any, ...]]]:
    """``(function, path)`` of every record the synced streams store."""
    found: list[tuple[str, tuple[Any, ...]]] = [(USERS, (i,)) for i in range(len(BASE[USERS]))]
    for i, user in enumerate(BASE["gradereport_user_get_grade_items"]["usergrades"][:3]):
        found += [
            ("gradereport_user_get_grade_items", ("usergrades", i, "gradeitems", j))
            for j in range(len(user["gradeitems"]))
        ]
    for function, key in (("mod_assign_get_submissions", "submissions"),
                          ("mod_assign_get_grades", "grades")):
        for i, assignment in enumerate(BASE[function]["assignments"]):
            found += [(function, ("assignments", i, key, j)) for j in range(len(assignment[key]))]
    messages = "core_message_get_conversation_messages"
    found += [(messages, ("messages", i)) for i in range(len(BASE[messages]["messages"]))]
    return found


RECORDS = _records()
#: The clean run's rows, per register.
CLEAN: dict[str, Keyed] = {}


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


def affected_keys(function: str, path: tuple[Any, ...]) -> set[tuple[str, tuple[Any, ...]]]:
    """The register rows the record at ``path`` (as recorded) is stored in."""
    raw = _at(BASE[function], path)
    if function == USERS:
        return {("lms_accounts", (raw["id"],))}
    if function == "gradereport_user_get_grade_items":
        user = BASE[function]["usergrades"][path[1]]["userid"]
        return {("lms_grade_items", (raw["id"],)), ("lms_grades", (raw["id"], user))}
    table = {
        "mod_assign_get_submissions": "lms_submissions",
        "mod_assign_get_grades": "lms_assignment_grades",
        "core_message_get_conversation_messages": "lms_messages",
    }[function]
    return {(table, (raw["id"],))}


@pytest.fixture
def fuzz_settings(tmp_path: Path, db_url: str) -> Settings:
    streams = ", ".join(f'"{s}"' for s in STREAMS)
    return load_settings(write_config(tmp_path, db_url, connector_extra=f"streams = [{streams}]\n"))


def sync(settings: Settings, sessions: sessionmaker[Session], data: dict[str, Any]) -> None:
    with site(data):
        result = run_sync(
            settings,
            sessions,
            "moodle",
            SecretStr(SENTINEL_TOKEN),
            SyncOptions(all_streams=True, full=True),
            connector_factory=lambda stop: connector(),
        )
    for name, stats in result.streams.items():
        assert stats.status == "ok", f"{name}: {stats.error}"


def _claimed(mutation: Mutation) -> set[int]:
    """Ids the mutated record may now claim (a swapped-in small id collides with a real one)."""
    value = mutation.value
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, bool) or not isinstance(value, int | str):
        return set()
    return {int(value)} if str(value).isdigit() else set()


def check_against_clean(
    clean: Keyed, fuzzed: Keyed, affected: set[tuple[str, tuple[Any, ...]]], mutation: Mutation,
    quarantine: list[tuple[str, str]], stream: str,
) -> None:
    claimed = _claimed(mutation)
    tables = {table for table, _ in affected}
    for table, rows in clean.items():
        for key, row in rows.items():
            if (table, key) in affected or claimed & set(key):
                continue
            assert fuzzed[table].get(key) == row, f"{table} {key} differs from the clean run"
        extra = set(fuzzed[table]) - set(rows)
        assert len(extra) <= (1 if table in tables else 0), f"{table}: unexpected rows {extra}"
    assert all(reason for _, reason in quarantine), "a record quarantined without a reason"
    missing = {(t, k) for t, k in affected if k in clean[t] and k not in fuzzed[t]}
    if not missing or mutation.op == "remove" or claimed & NOT_PERSONS:
        return
    if missing == {("lms_grades", k) for t, k in affected if t == "lms_grades"}:
        return  # the cell lost its grade: an empty cell, which Moodle also sends
    assert any(s == stream for s, _ in quarantine), f"{sorted(missing)} lost without quarantine"


STREAM_OF = {
    USERS: "users",
    "gradereport_user_get_grade_items": "gradebook",
    "mod_assign_get_submissions": "submissions",
    "mod_assign_get_grades": "assignment_grades",
    "core_message_get_conversation_messages": "messages",
}


@seeded(30)
@given(data=st.data())
def test_a_bad_record_is_quarantined_and_the_rest_matches_a_clean_run(
    data: st.DataObject, fuzz_settings: Settings, sessions: sessionmaker[Session], db_url: str
) -> None:
    count_case("moodle sync")
    function, path = data.draw(st.sampled_from(RECORDS), label="record")
    inner = data.draw(mutations(_at(BASE[function], path), depth=3), label="mutation")
    mutation = Mutation((*path, *inner.path), inner.op, inner.value)
    if db_url not in CLEAN:  # one clean run per register, before the first mutated one
        sync(fuzz_settings, sessions, BASE)
        with sessions() as session:
            CLEAN[db_url] = keyed_rows(session)
    clean = CLEAN[db_url]
    reset_register(db_url)
    sync(fuzz_settings, sessions, {**BASE, function: apply(BASE[function], mutation)})
    with sessions() as session:
        fuzzed, quarantine = keyed_rows(session), quarantined(session)
    affected = affected_keys(function, path)
    check_against_clean(clean, fuzzed, affected, mutation, quarantine, STREAM_OF[function])
