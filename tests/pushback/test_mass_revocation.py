"""A thousand revocations at once: an employer's relationship ends, its employees whose only
basis it was lose access; those with another basis keep it; the pushes go in batches within
the form-field budget and every account is verified by reading it back."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qsl

import sqlalchemy as sa

from bridge.registry.models import Person
from tests.pushback.conftest import SiteFactory
from tests.pushback.helpers import Site

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

    today = date.today().isoformat()
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


def test_a_future_end_date_is_refused_with_one_line(site: Site) -> None:
    _setup_employers(site)
    outcome = site.bridge("relationship", "end", "--org", EMPLOYER, "--date", "2999-01-01")
    assert outcome.exit_code == 2
    assert "in the future" in outcome.stderr and "Traceback" not in outcome.stderr


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
