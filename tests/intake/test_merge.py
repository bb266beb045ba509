"""Duplicates merged and wrong e-mail matches undone: everything moves, nothing is lost,
every step audited."""

from __future__ import annotations

import json

import sqlalchemy as sa

from bridge.clock import utcnow
from bridge.store.models import (
    AuditEntry,
    Consent,
    CustomerRelationship,
    LmsAccount,
    Organisation,
    Person,
    PersonOrganisation,
)
from tests.cli import run
from tests.configs import OS_USER
from tests.intake.factories import FI_PERSON_HEADERS, person_row, write_csv

CONSENTS = ("Sähköposti", "Tarkoitus", "Kanava", "Tila", "Päivämäärä", "Todiste")


def account(session, uid: int, person_id: int, connector: str = "moodle") -> None:
    session.add(LmsAccount(connector=connector, lms_user_id=uid, person_id=person_id,
                           email=f"user{uid}@example.fi", email_normalised=f"user{uid}@example.fi",
                           content_hash="x", first_seen_at=utcnow()))


def setup_duplicates(tmp_path, importer, sessions) -> tuple[int, int]:
    """KEEP works at Kraatz; DROP (another e-mail of the same person) works at Kraatz and
    Tammi, has a consent, a relationship and a Moodle account."""
    importer("persons", write_csv(tmp_path / "p.csv", [
        FI_PERSON_HEADERS,
        person_row(1, email="aino.virtanen@kraatz.example.fi", Puhelin=None),
        person_row(2, email="aino.virtanen@example.fi", Etunimi="Aino"),
        person_row(2, email="aino.virtanen@example.fi", business_id="2345678-0",
                   employer="Tammi Rakennus Oy")]), skip_invalid=True)
    importer("persons", write_csv(tmp_path / "p2.csv", [
        FI_PERSON_HEADERS,
        person_row(2, email="aino.virtanen@example.fi", business_id="2345678-0",
                   employer="Tammi Rakennus Oy")]))
    importer("consents", write_csv(tmp_path / "c.csv", [
        CONSENTS, ("aino.virtanen@example.fi", "marketing", "email", "granted", "1.1.2026",
                   "Lomake")]))
    importer("relationships", write_csv(tmp_path / "r.csv", [
        ("Sähköposti", "Laji", "Alkaa"), ("aino.virtanen@example.fi", "sopimus", "1.1.2025")]))
    with sessions() as session, session.begin():
        keep, drop = (session.scalar(sa.select(Person.id).where(Person.email_normalised == e))
                      for e in ("aino.virtanen@kraatz.example.fi", "aino.virtanen@example.fi"))
        account(session, 501, drop)
        account(session, 77, drop, connector="moodle-archive")
    return keep, drop


def test_merge_moves_links_consents_and_lms_accounts_and_is_audited(
        tmp_path, config, sessions, importer) -> None:
    keep, drop = setup_duplicates(tmp_path, importer, sessions)
    outcome = run("person", "merge", str(keep), str(drop), "--json", config=config)
    assert outcome.exit_code == 0, outcome.stderr
    result = json.loads(outcome.last_line)
    assert result["moved"] == {"consents": 1, "customer_relationships": 1, "lms_accounts": 2,
                               "person_organisations": 1}
    assert result["filled"] == ["phone"]
    assert "aino.virtanen@example.fi is no longer in the register" in result["warnings"][0]
    with sessions() as session:
        assert session.get(Person, drop) is None
        assert session.get(Person, keep).phone == "+358401000002"
        employers = session.scalars(sa.select(Organisation.business_id).join(
            PersonOrganisation, PersonOrganisation.organisation_id == Organisation.id)
            .where(PersonOrganisation.person_id == keep).order_by(Organisation.business_id)).all()
        assert employers == ["0104505-9", "2345678-0"]
        for model in (Consent, CustomerRelationship, LmsAccount):
            assert set(session.scalars(sa.select(model.person_id))) == {keep}
        audit = session.execute(sa.select(AuditEntry.person_id, AuditEntry.details).where(
            AuditEntry.action == "person merge").order_by(AuditEntry.id)).all()
    assert [(pid, details.get("dropped_person_id"), details.get("merged_into"))
            for pid, details in audit] == [(keep, drop, None), (drop, None, keep)]


def test_merge_is_refused_when_both_have_an_account_on_the_same_lms(
        tmp_path, config, sessions, importer) -> None:
    keep, drop = setup_duplicates(tmp_path, importer, sessions)
    with sessions() as session, session.begin():
        account(session, 502, keep)
    refused = run("person", "merge", str(keep), str(drop), config=config)
    assert refused.exit_code == 1
    assert "both have an LMS account on moodle" in refused.stderr
    with sessions() as session:
        assert session.get(Person, drop) is not None
        assert session.scalar(sa.select(sa.func.count()).select_from(Consent).where(
            Consent.person_id == drop)) == 1
    assert run("person", "merge", str(keep), str(keep), config=config).exit_code == 2


def test_unlink_gives_the_account_a_person_of_its_own(tmp_path, config, sessions,
                                                      importer) -> None:
    keep, drop = setup_duplicates(tmp_path, importer, sessions)
    outcome = run("lms", "unlink", "--person", str(drop), "--connector", "moodle", "--json",
                  config=config)
    assert outcome.exit_code == 0, outcome.stderr
    new_person = json.loads(outcome.last_line)["unlinked"][0]["new_person_id"]
    with sessions() as session:
        moved = session.scalars(sa.select(LmsAccount).where(LmsAccount.lms_user_id == 501)).one()
        assert moved.person_id == new_person
        person = session.get(Person, new_person)
        assert (person.email_normalised, person.source) == (None, "lms_sync")
        assert person.source_ref == f"moodle:user/501 (unlinked from person {drop} by {OS_USER})"
        audited = session.execute(sa.select(AuditEntry.person_id).where(
            AuditEntry.action == "lms unlink")).scalars().all()
    assert sorted(audited) == sorted([drop, new_person])
    again = run("lms", "unlink", "--person", str(drop), "--connector", "moodle", config=config)
    assert again.exit_code == 1 and "has no account on connector 'moodle'" in again.stderr
    merged = run("person", "merge", str(keep), str(new_person), config=config)
    assert merged.exit_code == 0, merged.stderr
