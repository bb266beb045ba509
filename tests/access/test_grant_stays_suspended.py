"""A service consent grant gives back only the access the register took: an account that is
suspended in Moodle for another reason stays suspended, nothing is pushed, and the answer
says so, why, and what would lift it."""

from __future__ import annotations

import json

import pytest

from bridge.services.access.suppression import suppress
from tests.pushback.helpers import Site

pytestmark = [pytest.mark.registry, pytest.mark.slow]


def grant(site: Site, person_id: int, *extra: str) -> str:
    outcome = site.ok(
        "consent", "grant", "--person", str(person_id), "--purpose", "service",
        "--reason", "came back", *extra,
    )
    return outcome.stdout


def suspended_in_moodle(site: Site) -> tuple[int, str, int]:
    """A student whom Moodle shows suspended although the register never asked for it."""
    student = next((s for s in site.students() if site.suspended(s[2])), None)
    if student is None:  # a dataset without one: an LMS admin suspends a student by hand
        student = site.students()[0]
        user = site.sim.state.users[student[2]]
        user.suspended, user.timemodified = True, site.sim.state.now()
        assert site.sync("--streams", "users")["status"] == "ok"
    assert site.commands(lms_user_id=student[2]) == []
    return student


def test_grant_says_an_admins_suspension_stays_and_how_to_lift_it(site: Site) -> None:
    person_id, _, uid = suspended_in_moodle(site)
    stdout = grant(site, person_id)
    assert "queued push" not in stdout
    assert (
        f"the moodle account (user id {uid}) stays suspended: suspended in Moodle, not by "
        "the register; to lift it: an LMS admin unsuspends the user in Moodle: Site "
        "administration > Users > Accounts > Browse list of users" in " ".join(stdout.split())
    )
    assert site.commands(lms_user_id=uid) == []  # nothing pushed
    assert site.suspended(uid)


def test_grant_json_lists_the_accounts_that_stay_suspended(site: Site) -> None:
    person_id, _, uid = suspended_in_moodle(site)
    answer = json.loads(site.ok(
        "consent", "grant", "--person", str(person_id), "--purpose", "service",
        "--reason", "came back", "--json",
    ).last_line)
    assert answer["pushes"] == []
    [kept] = answer["stays_suspended"]
    assert kept["connector"] == "moodle" and kept["lms_user_id"] == uid
    assert kept["because"] == "suspended in Moodle, not by the register"
    assert "Site administration > Users > Accounts > Browse list of users" in kept["to_lift"]


def test_grant_after_the_registers_own_withdrawal_restores_and_notes_nothing(
    site: Site,
) -> None:
    person_id, _, _ = next(s for s in site.students() if not site.suspended(s[2]))
    site.withdraw(person_id)
    site.push_once()
    assert site.sync("--streams", "users")["status"] == "ok"
    answer = site.grant(person_id)
    assert [p["action"] for p in answer["pushes"]] == ["unsuspend"]
    assert answer["stays_suspended"] == []


def test_grant_names_the_registers_own_reason_a_suppressed_email(site: Site) -> None:
    person_id, email, uid = suspended_in_moodle(site)
    with site.sessions() as session, session.begin():
        suppress(session, site.settings, emails=[email], lms_ids=[])
    [kept] = site.grant(person_id)["stays_suspended"]
    assert kept["lms_user_id"] == uid
    assert kept["because"].startswith("suspended by the register: the e-mail is suppressed")
    assert kept["to_lift"] == f"`bridge suppression lift --email {email} --evidence TEXT`"
