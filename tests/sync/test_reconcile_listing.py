"""Reconciliation never mistakes a broken listing for people leaving: a roster that moves
while it is paged marks nothing, a listing that comes back nearly empty trips the safety
valve until an operator confirms it, and drift enforcement leaves alone accounts an
incomplete listing did not read. Against the simulator over real HTTP, on both databases."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import sqlalchemy as sa

from bridge.store.models import AuditEntry, LmsAccount, OutboxCommand
from connectors.moodle.functions import DIGEST_FUNCTION
from connectors.moodle.simulator import lifecycle
from connectors.moodle.simulator.protocol import Response
from connectors.moodle.simulator.state import ADMIN_ID
from tests.configs import OS_USER
from tests.pushback.helpers import Site, served_site

pytestmark = [pytest.mark.registry, pytest.mark.slow]

ROSTER = "core_enrol_get_enrolled_users"
#: The users listing reads the front page's roster in pages of ten.
PAGED = "page_sizes = { roster = 10 }\n"


@pytest.fixture
def site(tmp_path: Path, db_url: str) -> Iterator[Site]:
    with served_site(tmp_path, db_url, size="demo", connector_extra=PAGED) as site:
        assert site.sync("--full")["status"] == "ok"
        yield site


def roster_ids(site: Site) -> list[int]:
    """The front page's roster in the order the connector pages it (by id)."""
    rows = site.ws(ROSTER, courseid=1, options=[{"name": "userfields", "value": "id"}])
    return sorted(row["id"] for row in rows)


def person_ids_on_first_page(site: Site, count: int) -> list[int]:
    with site.sessions() as session:
        accounts = set(session.scalars(sa.select(LmsAccount.lms_user_id)))
    return [uid for uid in roster_ids(site)[:9] if uid in accounts][:count]


def marked(site: Site) -> set[int]:
    with site.sessions() as session:
        query = sa.select(LmsAccount.lms_user_id).where(LmsAccount.removed_in_lms_at.is_not(None))
        return set(session.scalars(query))


def audits(site: Site, action: str) -> list[AuditEntry]:
    with site.sessions() as session:
        return list(session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def reconcile_users(site: Site, *extra: str) -> tuple[int, dict[str, Any]]:
    outcome = site.bridge("sync", "--streams", "users", "--full", "--reconcile", "--json", *extra)
    return outcome.exit_code, json.loads(outcome.last_line)


def test_users_deleted_between_pages_mark_nothing_and_the_next_listing_catches_up(
    site: Site,
) -> None:
    deleted = person_ids_on_first_page(site, 3)
    site.sim.delete_users_after(ROSTER, 1, deleted)  # right after page 1 was answered

    code, summary = reconcile_users(site)
    assert code == 0 and summary["status"] == "ok"
    assert summary["streams"]["users"]["removed"] == 0
    assert marked(site) == set()  # before: the live users the shift skipped were marked
    [warning] = [w for w in summary["warnings"] if w.startswith("users:")]
    assert "listing incomplete" in warning and "page by page" in warning
    listing = site.json("status")["connectors"]["moodle"]["streams"]["users"]["listing"]
    assert listing["state"] == "incomplete" and "page by page" in listing["note"]

    code, summary = reconcile_users(site)
    assert code == 0 and summary["status"] == "ok" and "warnings" not in summary
    assert summary["streams"]["users"]["removed"] == 3
    assert marked(site) == set(deleted)
    status = site.json("status")["connectors"]["moodle"]["streams"]["users"]
    assert status["listing"]["state"] == "complete" and status["reconciled_at"]


def test_a_listing_that_comes_back_nearly_empty_trips_the_valve_until_accepted(
    site: Site,
) -> None:
    with site.sessions() as session:
        live = sorted(session.scalars(sa.select(LmsAccount.lms_user_id)))
    gone = live[: len(live) * 2 // 3]
    site.sim.delete_users(gone)

    code, summary = reconcile_users(site)
    assert code == 1 and summary["status"] == "partial"
    assert summary["streams"]["users"]["removed"] == 0 and marked(site) == set()
    [warning] = [w for w in summary["warnings"] if w.startswith("users:")]
    assert f"{len(gone)} of {len(live)} live lms_accounts rows" in warning
    assert "lost a capability" in warning and "--accept-removals" in warning
    [withheld] = audits(site, "reconcile withheld")
    assert withheld.outcome == "refused"
    would_mark = withheld.details["would_mark"]["lms_accounts"]
    assert would_mark == {"marked": len(gone), "live": len(live)}
    listing = site.json("status")["connectors"]["moodle"]["streams"]["users"]["listing"]
    assert listing["state"] == "withheld"

    code, summary = reconcile_users(site, "--accept-removals")
    assert code == 0 and summary["status"] == "ok"
    assert summary["streams"]["users"]["removed"] == len(gone) and marked(site) == set(gone)
    [accepted] = audits(site, "reconcile accepted")
    assert accepted.operator == OS_USER and accepted.details["stream"] == "users"


def test_accept_removals_without_reconcile_is_a_usage_error(site: Site) -> None:
    outcome = site.bridge("sync", "--streams", "users", "--accept-removals")
    assert outcome.exit_code == 2 and "--reconcile" in outcome.stderr


def test_drift_leaves_alone_an_account_an_incomplete_listing_did_not_read(site: Site) -> None:
    ids = roster_ids(site)
    with site.sessions() as session:
        account = session.scalars(
            sa.select(LmsAccount).where(LmsAccount.lms_user_id.in_(ids[10:12]))
        ).first()
        assert account is not None and account.person_id is not None
        uid, person_id = account.lms_user_id, account.person_id
    site.withdraw(person_id)
    with site.sessions() as session, session.begin():  # the suspension failed for good
        session.execute(
            sa.update(OutboxCommand).where(OutboxCommand.lms_user_id == uid).values(state="failed")
        )
    site.sim.delete_users_after(ROSTER, 1, person_ids_on_first_page(site, 3))
    # Nothing changed in Moodle before this run, so its fingerprints would skip the users
    # stream (and drift would rightly trust the register); this is about a listing read.
    site.sim.remove_function(DIGEST_FUNCTION)

    def drift_commands() -> list[OutboxCommand]:
        return [c for c in site.commands(lms_user_id=uid) if (c.reason or "").startswith("drift")]

    summary = site.sync("--streams", "users")  # the shift skips roster rows 10 and 11
    assert drift_commands() == []
    assert any("not checked" in w for w in summary["warnings"])

    site.sync("--streams", "users")  # a complete listing reads the account again
    [command] = drift_commands()
    assert command.action == "suspend" and command.person_id == person_id


def test_a_listed_course_whose_roster_comes_back_empty_trips_the_valve(site: Site) -> None:
    state = site.sim.state
    course = min(c for c in state.courses if c != 1)
    for enrolments in list(state.course_enrolments[course].values()):
        for enrolment in list(enrolments):  # e.g. the course's enrolment method disabled
            lifecycle.unenrol(state, enrolment, ADMIN_ID, origin="web")

    outcome = site.bridge("sync", "--streams", "enrolments", "--reconcile", "--json")
    summary = json.loads(outcome.last_line)
    assert outcome.exit_code == 1 and summary["status"] == "partial"
    assert summary["streams"]["enrolments"]["removed"] == 0
    [warning] = [w for w in summary["warnings"] if w.startswith("enrolments:")]
    assert f"every lms_enrolments row of course(s) {course} (" in warning

    summary = site.sync("--streams", "enrolments", "--reconcile", "--accept-removals")
    assert summary["status"] == "ok" and summary["streams"]["enrolments"]["removed"] > 2


class ShortRoster:
    """Leaves ``hidden`` out of every roster page without a word: a silently short page."""

    def __init__(self, handle: Callable[..., Response], hidden: set[int]) -> None:
        self._handle, self.hidden = handle, hidden

    def __call__(
        self, method: str, path: str, headers: Mapping[str, str] | None = None, body: bytes = b""
    ) -> Response:
        response = self._handle(method, path, headers, body)
        if parse_qs((body or b"").decode()).get("wsfunction") != [ROSTER]:
            return response
        rows = [r for r in json.loads(response.body) if r.get("id") not in self.hidden]
        return response._replace(body=json.dumps(rows).encode())


def test_a_silently_short_last_page_marks_only_the_accounts_moodle_no_longer_has(
    site: Site,
) -> None:
    with site.sessions() as session:
        accounts = set(session.scalars(sa.select(LmsAccount.lms_user_id)))
    ids = roster_ids(site)
    last_page = ids[(len(ids) - 1) // 10 * 10 :]
    hidden = [uid for uid in last_page if uid in accounts][-3:]
    assert len(hidden) == 3
    [deleted] = person_ids_on_first_page(site, 1)
    site.sim.delete_users([deleted])
    site.sim.handle = ShortRoster(site.sim.handle, set(hidden))  # type: ignore[method-assign]

    code, summary = reconcile_users(site)
    assert code == 0 and summary["status"] == "ok"
    assert summary["streams"]["users"]["removed"] == 1
    assert marked(site) == {deleted}  # before: the three live learners were marked too
    [warning] = [w for w in summary["warnings"] if w.startswith("users:")]
    assert "listing incomplete: 3 account(s)" in warning and "still in the LMS" in warning
    listing = site.json("status")["connectors"]["moodle"]["streams"]["users"]["listing"]
    assert listing["state"] == "incomplete" and "kept, not marked removed" in listing["note"]
