"""Each push-back command against the simulator over HTTP: what Moodle shows when read back
through the web service, that a second run is a no-op, and that a dry run changes nothing."""

from __future__ import annotations

import pytest

from bridge.store.models import OutboxCommand
from tests.pushback.conftest import SiteFactory
from tests.pushback.helpers import OPERATOR, Site, row_counts

pytestmark = [pytest.mark.registry, pytest.mark.slow]


def consent(site: Site, verb: str, person_id: int, *extra: str) -> dict[str, object]:
    return dict(
        site.json(
            "consent", verb, "--person", str(person_id), "--reason", "asked by e-mail", *extra
        )
    )


def user_updates(site: Site, lms_user_id: int) -> int:
    """How many times Moodle logged a change of the account (each web-service write logs one)."""
    return sum(
        1
        for row in site.sim.state.logs
        if row.eventname == "\\core\\event\\user_updated" and row.relateduserid == lms_user_id
    )


def test_withdraw_suspends_and_a_second_withdrawal_is_a_no_op(site: Site) -> None:
    person_id, _, uid = site.students()[0]
    assert site.suspended(uid) is False

    first = consent(site, "withdraw", person_id, "--purpose", "service")
    assert first["changed"] is True and [p["action"] for p in first["pushes"]] == ["suspend"]
    assert site.suspended(uid) is False  # nothing reaches Moodle before the worker runs
    assert site.push_once()["done"] == 1
    assert site.suspended(uid) is True
    [command] = site.commands(lms_user_id=uid)
    assert (command.state, command.attempts) == ("done", 1) and command.verified_at is not None

    second = consent(site, "withdraw", person_id, "--purpose", "service")
    assert second["changed"] is False and second["pushes"] == []
    assert len(site.commands()) == 1  # no new outbox row
    assert site.push_once()["claimed"] == 0
    assert user_updates(site, uid) == 1


def test_grant_restores_access_once(site: Site) -> None:
    person_id, _, uid = site.students()[0]
    consent(site, "withdraw", person_id, "--purpose", "service")
    site.push_once()
    assert site.suspended(uid) is True

    granted = consent(site, "grant", person_id, "--purpose", "service")
    assert [p["action"] for p in granted["pushes"]] == ["unsuspend"]
    assert site.push_once()["done"] == 1
    assert site.moodle_user(uid) is not None and site.suspended(uid) is False

    again = consent(site, "grant", person_id, "--purpose", "service")
    assert again["changed"] is False and again["pushes"] == []
    assert [c.action for c in site.commands()] == ["suspend", "unsuspend"]
    assert user_updates(site, uid) == 2


def test_grant_without_an_earlier_revocation_pushes_nothing(site: Site) -> None:
    person_id, _, uid = site.students()[1]
    granted = consent(site, "grant", person_id, "--purpose", "service")
    assert granted["pushes"] == [] and site.commands() == []
    assert user_updates(site, uid) == 0


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_marketing_consent_never_touches_moodle(site: Site, channel: str) -> None:
    person_id, _, uid = site.students()[0]
    before = len(site.sim.state.logs)
    for verb in ("withdraw", "grant", "withdraw"):
        result = consent(site, verb, person_id, "--purpose", "marketing", "--channel", channel)
        assert result["pushes"] == []
    assert site.commands() == []
    assert site.push_once()["claimed"] == 0
    assert site.suspended(uid) is False
    assert user_updates(site, uid) == 0
    reads_only = {r.eventname for r in site.sim.state.logs[before:]}
    assert "\\core\\event\\user_updated" not in reads_only


def test_erase_dry_run_changes_nothing_and_shows_the_plan(site: Site) -> None:
    person_id, email, uid = site.students()[0]
    counts, moodle_log = row_counts(site.engine), len(site.sim.state.logs)

    plan = site.json("subject", "erase", "--person", str(person_id), "--dry-run")
    text = site.ok("subject", "erase", "--email", email, "--dry-run").stdout

    after = row_counts(site.engine)
    # Only the audit trail grows: a dry run reads personal data, and that is recorded.
    assert after.pop("audit_log") == counts.pop("audit_log") + 2
    assert after == counts
    assert site.commands() == []
    assert site.moodle_user(uid) is not None and site.suspended(uid) is False
    assert not [r for r in site.sim.state.logs[moodle_log:] if r.crud != "r"]

    assert plan["person_id"] == person_id
    assert plan["delete"]["lms_accounts"] == 1 and plan["delete"]["lms_enrolments"] >= 1
    assert {"first_name", "last_name", "email"} <= set(plan["anonymise"])
    assert plan["keep"] == []
    assert [(p["connector"], p["action"]) for p in plan["push"]] == [("moodle", "privacy_delete")]
    assert {k: plan["suppress"][k] for k in ("emails", "lms_ids")} == {"emails": 1, "lms_ids": 1}
    for word in ("dry run", "lms_enrolments", "privacy_delete", "anonymise"):
        assert word in text
    assert email not in text  # the plan names categories and counts, not the values


def test_suspend_and_unenrol_leaves_no_active_roster_entry(make_site: SiteFactory) -> None:
    site = make_site(connector_extra='revoke_access = "suspend_and_unenrol"\n')
    person_id, _, uid = site.students()[0]
    courses = [c for c in site.sim.state.courses if c != 1 and site.active_in(c, uid)]
    assert courses

    result = consent(site, "withdraw", person_id, "--purpose", "service")
    assert [p["action"] for p in result["pushes"]] == ["suspend", "unenrol"]
    assert result["pushes"][1]["courses"] == sorted(courses)
    assert site.push_once()["done"] == 2
    assert site.suspended(uid) is True
    assert not [c for c in courses if site.active_in(c, uid)]
    assert {c.state for c in site.commands()} == {"done"}

    assert consent(site, "withdraw", person_id, "--purpose", "service")["pushes"] == []
    assert site.push_once()["claimed"] == 0


def test_terminal_failure_is_listed_and_retried_by_hand(site: Site) -> None:
    person_id, _, uid = site.students()[0]
    site.sim.remove_function("core_user_update_users")
    consent(site, "withdraw", person_id, "--purpose", "service")
    assert site.push_once()["failed"] == 1
    [failed] = site.json("push", "list", "--failed")["commands"]
    assert failed["lms_user_id"] == uid and failed["state"] == "failed" and failed["last_error"]
    assert "core_user_update_users" in failed["last_error"]
    assert site.push_once()["claimed"] == 0  # a failed command waits for a person

    site.sim.add_function("core_user_update_users")
    site.ok("push", "retry", str(failed["id"]))
    assert site.push_once()["done"] == 1
    assert site.suspended(uid) is True
    assert site.json("push", "list", "--failed")["commands"] == []
    assert site.bridge("push", "retry", str(failed["id"])).exit_code == 2  # done, not failed


def test_push_list_shows_open_commands(site: Site) -> None:
    person_id, _, uid = site.students()[0]
    consent(site, "withdraw", person_id, "--purpose", "service")
    rows = site.json("push", "list", "--open")["commands"]
    assert [(r["action"], r["lms_user_id"], r["state"]) for r in rows] == [
        ("suspend", uid, "pending")
    ]
    assert site.commands()[0].operator == OPERATOR
    assert isinstance(site.commands()[0], OutboxCommand)
