"""Drift test: an account the register says has no access but Moodle shows active again is
revoked again by the next sync (audited); a returning customer whose suppression was lifted
and consent re-granted is left alone."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bridge.store.models import AuditEntry, LmsAccount, OutboxCommand
from tests.pushback.conftest import SiteFactory
from tests.pushback.helpers import Site

pytestmark = [pytest.mark.registry, pytest.mark.slow]


def drift_commands(site: Site, lms_user_id: int) -> list[OutboxCommand]:
    return [
        c for c in site.commands(lms_user_id=lms_user_id, action="suspend")
        if (c.reason or "").startswith("drift")
    ]


def drift_audits(site: Site) -> list[AuditEntry]:
    with site.sessions() as session:
        query = sa.select(AuditEntry).where(AuditEntry.action == "drift revoke")
        return list(session.scalars(query))


def sync_users(site: Site) -> dict[str, object]:
    summary = site.sync("--streams", "users")
    assert summary["status"] == "ok", summary
    return summary


def test_reactivated_account_is_suspended_again(site: Site) -> None:
    person_id, _, uid = next(s for s in site.students() if not site.suspended(s[2]))
    site.withdraw(person_id)
    site.push_once()
    sync_users(site)
    assert drift_commands(site, uid) == []  # Moodle matches the register: nothing to do

    site.sim.reactivate_user(uid)  # an admin re-enables the account by hand
    assert not site.suspended(uid)
    summary = sync_users(site)
    [command] = drift_commands(site, uid)
    assert command.state == "pending" and command.person_id == person_id
    assert any("drift" in w for w in summary.get("warnings", []))  # type: ignore[union-attr]
    [entry] = drift_audits(site)
    assert entry.person_id == person_id and entry.details["push"] == command.id

    assert site.push_once()["done"] == 1
    assert site.suspended(uid)
    sync_users(site)
    assert len(drift_commands(site, uid)) == 1  # revoked once, not at every sync


def test_returning_customer_after_lift_and_grant_keeps_access(make_site: SiteFactory) -> None:
    site = make_site(connector_extra='erasure = "delete_user"\n')
    person_id, email, old_uid = next(s for s in site.students() if not site.suspended(s[2]))
    site.ok("subject", "erase", "--person", str(person_id), "--yes")
    site.push_once()
    assert site.moodle_user(old_uid) is None

    # Moodle's admin re-creates the account under the same e-mail: revoked again (suppressed).
    [new_uid] = site.sim.add_students(1)["userids"]
    site.sim.state.users[new_uid].email = email
    sync_users(site)
    [command] = drift_commands(site, new_uid)
    assert command.person_id is None  # nobody in the register: the suppression list knew
    assert site.push_once()["done"] == 1 and site.suspended(new_uid)
    with site.sessions() as session:
        assert session.scalars(
            sa.select(LmsAccount).where(LmsAccount.lms_user_id == new_uid)
        ).first() is None

    # The person comes back as a customer: the DPO lifts the suppression, consent is granted.
    site.ok("suppression", "lift", "--email", email, "--evidence", "new contract 2025-06-01")
    sync_users(site)
    with site.sessions() as session:
        account = session.scalars(
            sa.select(LmsAccount).where(LmsAccount.lms_user_id == new_uid)
        ).one()
        returning = account.person_id
    assert returning is not None and returning != person_id
    granted = site.json(
        "consent", "grant", "--person", str(returning), "--purpose", "service", "--reason", "back"
    )
    assert [p["action"] for p in granted["pushes"]] == ["unsuspend"]
    assert site.push_once()["done"] == 1 and not site.suspended(new_uid)

    sync_users(site)
    sync_users(site)
    assert len(drift_commands(site, new_uid)) == 1  # only the one from before the lift
    assert site.push_once()["claimed"] == 0
    assert not site.suspended(new_uid)
