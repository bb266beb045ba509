"""Learners' own data requests: a request a learner files on Moodle's Data privacy page is in
`bridge request list` after one sync, with its deadline counted from the day they filed it
(the register's calendar), and carrying it out completes it in Moodle: an erasure approves
their very request (never a second one), an export is approved so Moodle makes its own,
a refusal rejects it. A daemon that was down for days loses none."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bridge.clock import LOCAL_ZONE, utcnow
from bridge.services.audit import Actor
from bridge.services.audit.identity import DAEMON
from bridge.settings.durations import add_months
from bridge.store.models import SyncBookmark
from connectors.moodle.simulator import SimulatedMoodle
from jobs import sync as sync_job
from jobs.context import JobContext
from tests.pushback.conftest import SiteFactory
from tests.pushback.helpers import Site, person_of

pytestmark = [pytest.mark.registry, pytest.mark.slow]

EXPORT, DELETE = 1, 2


def _filed(site: Site, userid: int, type_: int, when: datetime | None = None) -> int:
    """The learner files a request (``when``: while no one was looking)."""
    stamp = int(when.timestamp()) if when else None
    return int(site.sim.file_request(userid, type_, "please", timecreated=stamp)["requestid"])


def _moodle_request(site: Site, requestid: int) -> dict[str, Any]:
    return dict(site.ws("tool_dataprivacy_get_data_request", requestid=requestid)["result"])


def _listed(site: Site) -> dict[int, dict[str, Any]]:
    """The register's requests filed in Moodle, by Moodle's request id."""
    rows = site.json("request", "list", "--all")["requests"]
    return {r["lms_request_id"]: r for r in rows if r["lms_request_id"] is not None}


def _students(site: Site, count: int) -> list[int]:
    return [uid for _, _, uid in site.students()[:count]]


def _helsinki_day(moment: datetime) -> date:
    return moment.astimezone(LOCAL_ZONE).date()


def _daemon_was_down(site: Site, days: int) -> JobContext:
    """The daemon's last sync was ``days`` ago: every stream is long overdue."""
    with site.sessions() as session, session.begin():
        session.execute(sa.update(SyncBookmark).values(
            last_completed_at=utcnow() - timedelta(days=days)))
    return JobContext(site.settings, site.sessions, site.settings.connector_token,
                      Actor(DAEMON, "admin"))


def test_requests_filed_while_the_daemon_was_down_all_appear_after_one_sync(
    make_site: SiteFactory,
) -> None:
    site = make_site(connector_extra="page_sizes = { data_requests = 2 }\n")
    assert site.sync()["status"] == "ok"  # the register has looked once: a mark exists
    a, b, c, d = _students(site, 4)
    now = utcnow()
    # Days of requests while no sync ran; one filed at 22:30 UTC, already the next day in
    # Helsinki (00:30 in winter, 01:30 in summer): its month counts from that day.
    late_evening = datetime.combine(now.date() - timedelta(days=6), datetime.min.time(),
                                    UTC) + timedelta(hours=22, minutes=30)
    filed_at = {
        _filed(site, a, DELETE, now - timedelta(days=9)): now - timedelta(days=9),
        _filed(site, b, EXPORT, late_evening): late_evening,
        _filed(site, c, EXPORT, now - timedelta(days=3)): now - timedelta(days=3),
        _filed(site, d, DELETE, now - timedelta(days=1)): now - timedelta(days=1),
    }
    withdrawn = _filed(site, c, DELETE, now - timedelta(days=2))
    site.sim.cancel_request(withdrawn)
    own = site.ws("tool_dataprivacy_create_data_request", type=DELETE, foruserid=d + 1)
    site.sim.deny_request(int(own["datarequestid"]))  # the bridge's own: not a learner's

    result = sync_job.incremental(_daemon_was_down(site, days=10), "moodle")  # the daemon's
    assert result is not None and result.status == "ok" and not result.warnings
    listed = _listed(site)
    assert set(listed) == set(filed_at)  # the cancelled one and the bridge's own left out
    for requestid, when in filed_at.items():
        row = listed[requestid]
        received = _helsinki_day(when)
        assert row["received_on"] == received.isoformat()
        assert row["deadline"] == add_months(received, 1).isoformat()
        assert row["source"] == f"Moodle data request {requestid}, filed by the learner"
        assert row["channel"] == "lms" and row["status"] == "open"
    assert listed[min(filed_at)]["type"] == "erasure"
    late = next(r for r, w in filed_at.items() if w == late_evening)
    assert listed[late]["received_on"] == (late_evening.date() + timedelta(days=1)).isoformat()
    assert listed[late]["person_id"] == person_of(site, b)

    site.sync()  # recorded once, by Moodle's request id
    assert len(site.json("request", "list", "--all")["requests"]) == len(filed_at)
    table = site.ok("request", "list").stdout
    assert f"Moodle data request {min(filed_at)}, filed by the" in table


def test_a_request_of_an_unknown_moodle_user_is_recorded_with_its_user_id(
    make_site: SiteFactory,
) -> None:
    outsider = 0

    def prepare(sim: SimulatedMoodle) -> None:
        nonlocal outsider
        outsider = sim.state.add_user("outsider", "Ulla", "Ulkona", "ulla@example.fi").id

    # An account the register keeps no person for (excluded, like the site's own staff).
    site = make_site(prepare=prepare, connector_extra='exclude_usernames = ["admin", "outsider"]\n')
    requestid = _filed(site, outsider, EXPORT)
    site.sync()
    row = _listed(site)[requestid]
    assert row["person_id"] is None
    assert f"LMS user {outsider} is linked to no person" in row["note"]


def _erased_on_request(site: Site) -> tuple[int, int, dict[str, int]]:
    """A learner files a delete request, a sync records it and the office erases the person
    on it: (Moodle user id, Moodle request id, the first push pass)."""
    [uid] = _students(site, 1)
    requestid = _filed(site, uid, DELETE)
    site.sync()
    request = _listed(site)[requestid]
    person = str(person_of(site, uid))
    site.json("subject", "erase", "--person", person, "--request", str(request["id"]), "--yes")
    return uid, requestid, site.push_once()


def test_a_learners_erasure_approves_their_own_request(make_site: SiteFactory) -> None:
    site = make_site()
    uid, requestid, first = _erased_on_request(site)
    assert first["done"] == 1 and first["waiting"] == 1  # suspended at once, then approved
    assert site.suspended(uid)
    assert _moodle_request(site, requestid)["status"] == 3
    mine = site.ws("tool_dataprivacy_get_data_requests", userid=uid)["requests"]
    assert [r["id"] for r in mine] == [requestid]  # no second request created
    site.sim.run_cron()
    assert site.push_once()["done"] == 1
    assert _moodle_request(site, requestid)["status"] == 10
    assert site.moodle_user(uid) is None
    assert {c.lms_request_id for c in site.commands(action="privacy_delete")} == {requestid}


def test_with_delete_user_the_learners_request_is_completed_after_the_deletion(
    make_site: SiteFactory,
) -> None:
    site = make_site(connector_extra='erasure = "delete_user"\n')
    _, requestid, first = _erased_on_request(site)
    assert first["done"] == 1 and first["waiting"] == 1
    site.sim.run_cron()
    assert site.push_once()["done"] == 1
    assert _moodle_request(site, requestid)["status"] == 10


def test_an_export_request_is_answered_with_the_letter_and_approved_in_moodle(
    make_site: SiteFactory, tmp_path: Path
) -> None:
    site = make_site()
    [uid] = _students(site, 1)
    requestid = _filed(site, uid, EXPORT)
    site.sync()
    request = _listed(site)[requestid]
    assert request["type"] == "access"
    out = tmp_path / "export.json"
    args = ("subject", "export", "--person", str(person_of(site, uid)),
            "--request", str(request["id"]), "--out", str(out))
    site.json(*args)
    site.json(*args, "--force")  # a second letter asks Moodle nothing more
    assert len(site.commands(action="approve_request")) == 1
    assert site.push_once()["waiting"] == 1
    assert _moodle_request(site, requestid)["status"] == 3
    site.sim.run_cron()
    assert site.push_once()["done"] == 1
    assert _moodle_request(site, requestid)["status"] == 8  # Moodle's own download is ready
    assert out.exists()


def test_a_rejected_request_is_rejected_in_moodle_with_the_reason_in_the_register(
    make_site: SiteFactory,
) -> None:
    site = make_site()
    [uid] = _students(site, 1)
    requestid = _filed(site, uid, DELETE)
    site.sync()
    request = _listed(site)[requestid]
    reason = "Kirjanpitolaki 2:10 requires keeping the invoices for ten years"
    row = site.json("request", "reject", str(request["id"]), "--reason", reason)
    assert row["status"] == "closed" and row["outcome"] == f"rejected: {reason}"
    assert site.push_once()["done"] == 1
    assert _moodle_request(site, requestid)["status"] == 7
    assert not site.suspended(uid)
    site.sync()
    assert _listed(site)[requestid]["status"] == "closed"  # not opened again
