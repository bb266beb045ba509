"""The companion plugin's fingerprints: a run after a complete one reads no stream whose
tables did not change (the no-change run of issue 26 costs a few calls), a change reads
again exactly the streams made of the changed tables, and the register ends as a full
read would leave it. Without the function, or with ``--full``, everything is read."""

from __future__ import annotations

import time

import pytest

from connectors.moodle.functions import DIGEST_FUNCTION, LOG_FUNCTION, SITE_INFO
from connectors.moodle.streams import STREAMS
from tests.sync.helpers import config_for, reset_register, served, snapshot
from tests.sync.test_change_hints import record_calls
from tests.sync.test_sync_simulator import sync_json

pytestmark = [pytest.mark.registry, pytest.mark.slow]

#: Learners' own data requests are read at every run: the unfinished ones and the newest.
REQUESTS = "tool_dataprivacy_get_data_requests"
FINGERPRINTED = {name for name, spec in STREAMS.items() if spec.digest is not None}


def unchanged(summary: dict) -> set[str]:
    return {n for n, stats in summary["streams"].items() if stats.get("lms_unchanged")}


def test_a_run_in_which_nothing_changed_reads_nothing_but_the_fingerprints(
    tmp_path, db_url
) -> None:
    with served("demo") as (sim, url):
        config = config_for(tmp_path, db_url, url, sim.token)
        full = sync_json(config, "--full")
        assert not unchanged(full)
        calls = record_calls(sim)
        quiet = sync_json(config, "--all-streams")
    assert unchanged(quiet) == FINGERPRINTED == set(STREAMS) - {"logs"}
    assert {name for name, _ in calls} <= {SITE_INFO, DIGEST_FUNCTION, LOG_FUNCTION, REQUESTS}
    assert [name for name, _ in calls].count(REQUESTS) == 2  # learners' requests: two pages
    assert [name for name, _ in calls].count(DIGEST_FUNCTION) == 1  # once per run
    assert quiet["status"] == "ok" and not quiet.get("warnings")  # drift found it current
    assert all(s["fetched"] == 0 for s in quiet["streams"].values())


def move_a_learner(sim) -> None:
    """A learner edits their profile: the users and the rosters show it."""
    user = next(u for u in sim.state.users.values() if u.username.startswith("s"))
    user.city, user.timemodified = "Kuopio", user.timemodified + 1


def learners_work(sim) -> None:
    """Submissions, grades and messages: neither the courses nor the assignments change."""
    sim.touch(3)


def _all(tables: dict[str, set]) -> dict[str, set]:
    return tables


def _comparable(tables: dict[str, set]) -> dict[str, set]:
    """The register without its accounts: a new last access alone does not rewrite an
    account (it is not part of the account's content hash), so an incremental run keeps
    the older one where a full read from nothing stores the newest."""
    return {name: rows for name, rows in tables.items() if name != "lms_accounts"}


@pytest.mark.parametrize(("change", "reread", "compared"), [
    (move_a_learner, {"users", "enrolments"}, _all),
    (learners_work, FINGERPRINTED - {"courses", "assignments"}, _comparable),
])
def test_a_change_reads_again_the_streams_made_of_its_tables(
    tmp_path, db_url, change, reread, compared
) -> None:
    now = [time.time()]
    with served("demo", clock=lambda: now[0]) as (sim, url):
        config = config_for(tmp_path, db_url, url, sim.token)
        sync_json(config, "--full")
        change(sim)
        now[0] += 2  # Moodle leaves the current second's messages to the next read
        after = sync_json(config, "--all-streams")
        assert FINGERPRINTED - unchanged(after) == reread
        incremental = compared(snapshot(db_url))
        reset_register(db_url)
        sync_json(config, "--full")
    assert compared(snapshot(db_url)) == incremental  # what was skipped was current


def test_without_the_fingerprints_or_with_full_every_stream_is_read(tmp_path, db_url) -> None:
    with served("demo") as (sim, url):
        config = config_for(tmp_path, db_url, url, sim.token)
        sync_json(config, "--full")
        assert not unchanged(sync_json(config, "--full"))
        sim.remove_function(DIGEST_FUNCTION)
        calls = record_calls(sim)
        plain = sync_json(config, "--all-streams")
    assert not unchanged(plain)
    assert DIGEST_FUNCTION not in {name for name, _ in calls}


