"""A thousand revocations at once: an employer's relationship ends, its employees whose only
basis it was lose access; those with another basis keep it; an end recorded ahead takes
effect on its day, once; the pushes go in batches within the form-field budget and every
account is verified by reading it back."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from urllib.parse import parse_qsl

import pytest
import sqlalchemy as sa

from bridge.clock import register_today
from bridge.services.access.contract_ends import ACTION, DueEnd, carry_out_due, due_ends
from bridge.services.access.employer import EmployerRevocation
from bridge.services.audit import Actor
from bridge.services.audit.identity import DAEMON
from bridge.store.models import AuditEntry, CustomerRelationship, Person
from jobs import contract_ends
from jobs.context import JobContext, JobSkipped
from tests.pushback.conftest import SiteFactory
from tests.pushback.helpers import ACTOR, Site

EMPLOYER, OTHER = "0104505-9", "2345678-0"


def _setup_employers(site: Site) -> list[tuple[int, str, int]]:
    """Four students, all employed by EMPLOYER, whose contract is the basis of their access."""
    site.ok("org", "add", "--business-id", EMPLOYER, "--name", "Oppiva Oy")
    site.ok("org", "add", "--business-id", OTHER, "--name", "Toinen Oy")
    site.ok("relationship", "add", "--org", EMPLOYER, "--kind", "contract", "--start", "2024-01-01")
    site.ok("relationship", "add", "--org", OTHER, "--kind", "contract", "--start", "2024-01-01")
    students = [s for s in site.students() if not site.suspended(s[2])][:4]
    assert len(students) == 4
    for person_id, _, _ in students:
        site.ok("person", "link", str(person_id), "--org", EMPLOYER)
    return students


def test_ending_a_relationship_withdraws_only_those_with_no_other_basis(site: Site) -> None:
    only, employed_elsewhere, own_contract, own_consent = _setup_employers(site)
    site.ok("person", "link", str(employed_elsewhere[0]), "--org", OTHER)
    site.ok("relationship", "add", "--person", str(own_contract[0]), "--kind", "other",
            "--start", "2025-01-01")
    with site.sessions() as session, session.begin():
        session.get(Person, own_consent[0]).legal_basis = "consent"
    site.grant(own_consent[0])

    today = register_today().isoformat()
    result = site.json("relationship", "end", "--org", EMPLOYER, "--date", today)

    assert [w["person_id"] for w in result["withdrawn"]] == [only[0]]
    kept = {k["person_id"]: " ".join(k["because"]) for k in result["kept"]}
    assert set(kept) == {employed_elsewhere[0], own_contract[0], own_consent[0]}
    assert OTHER in kept[employed_elsewhere[0]]
    assert "own other" in kept[own_contract[0]]
    assert "own service consent" in kept[own_consent[0]]
    assert len(result["relationships_ended"]) == 1

    assert site.push_once()["done"] >= 1
    assert site.suspended(only[2])
    for _, _, lms_user_id in (employed_elsewhere, own_contract, own_consent):
        assert not site.suspended(lms_user_id)
    again = site.json("relationship", "end", "--org", EMPLOYER, "--date", today)
    assert again["withdrawn"] == [] and again["relationships_ended"] == []


def _withdrawn(done: list[tuple[DueEnd, EmployerRevocation]]) -> list[int]:
    return [w["person_id"] for _, result in done for w in result.withdrawn]


def test_an_end_ahead_takes_effect_on_its_day_and_once(site: Site) -> None:
    only, employed_elsewhere, _, _ = _setup_employers(site)
    site.ok("person", "link", str(employed_elsewhere[0]), "--org", OTHER)
    today = register_today()
    ahead = today + timedelta(days=30)

    outcome = site.ok("relationship", "end", "--org", EMPLOYER, "--date", ahead.isoformat(),
                      "--json")
    result = json.loads(outcome.last_line)

    assert 'daemon.role = "dpo"' in outcome.stderr  # the default role would never do it
    assert result["scheduled"] is True and result["withdrawn"] == []
    assert len(result["relationships_ended"]) == 1
    assert carry_out_due(site.sessions, site.settings, ACTOR, today) == []
    assert not site.commands()  # nobody loses access before the day

    done = carry_out_due(site.sessions, site.settings, ACTOR, ahead)

    assert [end.business_id for end, _ in done] == [EMPLOYER]
    assert only[0] in _withdrawn(done) and employed_elsewhere[0] not in _withdrawn(done)
    kept = {k["person_id"]: " ".join(k["because"]) for _, r in done for k in r.kept}
    assert OTHER in kept[employed_elsewhere[0]]
    assert site.push_once()["done"] >= 1
    assert site.suspended(only[2]) and not site.suspended(employed_elsewhere[2])
    assert carry_out_due(site.sessions, site.settings, ACTOR, ahead + timedelta(days=1)) == []


def test_an_end_moved_ahead_again_is_carried_out_on_its_new_day(site: Site) -> None:
    only = _setup_employers(site)[0]
    ahead = register_today() + timedelta(days=30)
    site.ok("relationship", "end", "--org", EMPLOYER, "--date", ahead.isoformat())
    assert len(carry_out_due(site.sessions, site.settings, ACTOR, ahead)) == 1
    site.grant(only[0])  # the contract was extended after all: access given back
    later = ahead + timedelta(days=60)
    with site.sessions() as session, session.begin():
        for relationship in session.scalars(sa.select(CustomerRelationship)):
            if relationship.end_date == ahead:  # as an import of the new end date does
                relationship.end_date = relationship.pending_end_on = later

    assert carry_out_due(site.sessions, site.settings, ACTOR, later - timedelta(days=1)) == []
    done = carry_out_due(site.sessions, site.settings, ACTOR, later)

    assert _withdrawn(done) == [only[0]]


def test_a_renewed_contract_keeps_everyone_s_access(site: Site) -> None:
    _setup_employers(site)
    ahead = register_today() + timedelta(days=30)
    site.ok("relationship", "end", "--org", EMPLOYER, "--date", ahead.isoformat())
    site.ok("relationship", "add", "--org", EMPLOYER, "--kind", "contract",
            "--start", ahead.isoformat())

    done = carry_out_due(site.sessions, site.settings, ACTOR, ahead)

    assert len(done) == 1 and _withdrawn(done) == [] and not site.commands()
    with site.sessions() as session:
        row = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == ACTION)).one()
    assert row.details is not None and row.details["renewed_by"] is not None


def test_only_an_employer_s_end_recorded_ahead_is_an_instruction(site: Site) -> None:
    students = _setup_employers(site)
    site.ok("relationship", "add", "--org", EMPLOYER, "--kind", "contract",
            "--start", "2020-01-01", "--end", "2021-01-01")  # history
    ahead = register_today() + timedelta(days=3)
    site.ok("relationship", "add", "--person", str(students[0][0]), "--kind", "contract",
            "--start", "2024-01-01", "--end", ahead.isoformat())  # a person's own
    with site.sessions() as session:
        assert due_ends(session, ahead + timedelta(days=365)) == []


def test_the_command_on_the_day_carries_out_a_pending_end(site: Site) -> None:
    """With a daemon that may not withdraw, the operator does it: the end is then done."""
    person_id = _make_due_today(site)
    today = register_today().isoformat()

    result = site.json("relationship", "end", "--org", "1572860-0", "--date", today)

    assert [w["person_id"] for w in result["withdrawn"]] == [person_id]
    with site.sessions() as session:
        assert due_ends(session, register_today()) == []


def _make_due_today(site: Site) -> int:
    """An employer whose relationship end was recorded ahead and whose day is today; the
    person who learned under it."""
    site.ok("org", "add", "--business-id", "1572860-0", "--name", "Kolmas Oy")
    ahead = register_today() + timedelta(days=2)
    site.ok("relationship", "add", "--org", "1572860-0", "--kind", "contract",
            "--start", "2024-01-01", "--end", ahead.isoformat())
    person_id = site.students()[0][0]
    site.ok("person", "link", str(person_id), "--org", "1572860-0")
    with site.sessions() as session, session.begin():  # two days later
        for relationship in session.scalars(sa.select(CustomerRelationship)):
            if relationship.pending_end_on == ahead:
                relationship.end_date = relationship.pending_end_on = register_today()
    return person_id


def _job_context(site: Site, role: str) -> JobContext:
    return JobContext(site.settings, site.sessions, site.settings.connector_token,
                      Actor(DAEMON, role))


def test_the_daemon_job_carries_out_an_end_with_a_role_that_may(site: Site) -> None:
    _make_due_today(site)

    assert contract_ends.run(_job_context(site, "dpo")) == 1

    assert len(site.commands()) >= 1
    with pytest.raises(JobSkipped):
        contract_ends.run(_job_context(site, "dpo"))


def test_the_daemon_job_only_warns_with_a_role_that_may_not(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    _make_due_today(site)
    root = logging.getLogger()
    root.addHandler(caplog.handler)  # the CLI runs above replaced the root's handlers
    try:
        with caplog.at_level(logging.WARNING, logger="jobs"), pytest.raises(JobSkipped):
            contract_ends.run(_job_context(site, "operator"))
    finally:
        root.removeHandler(caplog.handler)

    assert not site.commands()
    assert "1572860-0" in caplog.text and 'daemon.role = "dpo"' in caplog.text


def test_consent_withdraw_for_an_employer_works_directly(site: Site) -> None:
    students = _setup_employers(site)
    result = site.json("consent", "withdraw", "--org", EMPLOYER, "--purpose", "service",
                       "--reason", "contract ended")
    assert sorted(w["person_id"] for w in result["withdrawn"]) == [s[0] for s in students]
    refused = site.bridge("consent", "withdraw", "--org", EMPLOYER, "--purpose", "marketing",
                          "--channel", "email", "--reason", "x")
    assert refused.exit_code == 2 and "--org" in refused.stderr


BUDGET = 60


def _count_fields(sim, log: list[tuple[str, int]]) -> None:  # type: ignore[no-untyped-def]
    answer = sim.handle

    def handle(method, path, headers=None, body=b""):  # type: ignore[no-untyped-def]
        fields = parse_qsl((body or b"").decode(), keep_blank_values=True)
        log.append((dict(fields).get("wsfunction", ""), len(fields)))
        return answer(method, path, headers, body)

    sim.handle = handle


def test_bulk_pushes_respect_the_field_budget_and_verify_every_user(
    make_site: SiteFactory,
) -> None:
    site = make_site(
        connector_extra=f"max_form_fields = {BUDGET}\n",
        prepare=lambda sim: sim.add_students(120),
    )
    site.sync("--full")
    students = site.students()
    assert len(students) >= 100
    for person_id, _, _ in students:
        site.withdraw(person_id)
    log: list[tuple[str, int]] = []
    _count_fields(site.sim, log)

    stats = site.push_once()

    assert stats["done"] == len(students) and stats["failed"] == 0
    assert all(fields <= BUDGET for _, fields in log), max(log, key=lambda x: x[1])
    updates = [n for n, _ in log if n == "core_user_update_users"]
    assert 1 < len(updates) < len(students) // 10  # batched, yet split by the budget
    with site.sessions() as session:
        done = session.scalars(sa.text("SELECT state FROM outbox")).all()
    assert set(done) == {"done"}
    assert all(site.sim.state.users[lms_id].suspended for _, _, lms_id in students)
