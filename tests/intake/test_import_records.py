"""Employers, customer relationships and consents from their spreadsheets: validated,
idempotent, and consents never overwritten by an older file."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from bridge.clock import register_today, utcnow
from bridge.store.models import (
    Consent,
    CustomerRelationship,
    LmsAccount,
    Organisation,
    OutboxCommand,
    Person,
)
from tests.intake.factories import FI_PERSON_HEADERS, count, person_row, write_csv

ORG_HEADERS = ("Y-tunnus", "Nimi", "Yhteyshenkilö", "Yhteyshenkilön sähköposti",
               "Laskutusosoite", "Verkkolaskuosoite")
CONSENT_HEADERS = ("Sähköposti", "Tarkoitus", "Kanava", "Tila", "Päivämäärä", "Todiste")


def persons(tmp_path: Path, importer, n: int = 3) -> None:
    rows = [FI_PERSON_HEADERS, *(person_row(i) for i in range(1, n + 1))]
    assert importer("persons", write_csv(tmp_path / "persons.csv", rows)).status == "ok"


def consents(sessions) -> list[tuple]:
    with sessions() as session:
        return [tuple(r) for r in session.execute(sa.select(
            Consent.person_id, Consent.purpose, Consent.channel, Consent.status,
            Consent.granted_at, Consent.withdrawn_at, Consent.evidence).order_by(Consent.id))]


def at(day: str) -> datetime:
    """Midnight in Finland (the time a date-only cell stands for), in UTC."""
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(day).replace(tzinfo=ZoneInfo("Europe/Helsinki")).astimezone(UTC)


def test_organisations_fill_in_employers_created_by_the_persons_file(tmp_path, sessions,
                                                                       importer) -> None:
    persons(tmp_path, importer)
    rows = [ORG_HEADERS,
            ("0104505-9", "BPW Kraatz Oy", "Heini Nyman", "heini.nyman@kraatz.example.fi",
             "Ruukinmestarintie 9, 02330 Espoo", "003701045059"),
            ("FI23456780", "Tammi Rakennus Oy", None, None, None, None),
            ("2345678-1", "Väärä Oy", None, None, None, None)]
    path = write_csv(tmp_path / "yritykset.csv", rows, encoding="cp1252")
    report = importer("organisations", path, skip_invalid=True)
    assert (report.counts.created, report.counts.updated, report.rejected) == (1, 1, 1)
    assert report.errors[0].startswith('yritykset.csv:4: column A "Y-tunnus": business ID')
    with sessions() as session:
        kraatz = session.scalars(sa.select(Organisation).where(
            Organisation.business_id == "0104505-9")).one()
        assert kraatz.contact_name == "Heini Nyman" and kraatz.source == "admin"
        assert session.scalar(sa.select(Organisation.name).where(
            Organisation.business_id == "2345678-0")) == "Tammi Rakennus Oy"
    assert importer("organisations", path, skip_invalid=True).changes == 0


def test_relationships_of_persons_and_organisations(tmp_path, sessions, importer) -> None:
    persons(tmp_path, importer)
    rows = [("Sähköposti", "Y-tunnus", "Laji", "Alkaa", "Päättyy", "Sopimusnumero"),
            ("person1@example.fi", None, "sopimus", "1.2.2025", "31.1.2026", "S-2025-001"),
            (None, "0104505-9", "contract", "2024-01-01", None, "PUITE-7"),
            ("PERSON2@example.fi", None, "muu", "15.3.2025", None, None),
            ("nobody@example.fi", None, "sopimus", "1.1.2025", None, None),
            ("person3@example.fi", "0104505-9", "sopimus", "1.1.2025", None, None),
            ("person3@example.fi", None, "sopimus", "1.1.2025", "1.1.2024", None),
            ("person3@example.fi", None, "vuokra", "32.1.2025", None, None)]
    path = write_csv(tmp_path / "suhteet.csv", rows)
    report = importer("relationships", path, skip_invalid=True)
    assert (report.counts.created, report.rejected) == (3, 4)
    errors = "\n".join(report.errors)
    assert 'suhteet.csv:5: column A "Sähköposti": no person with e-mail nobody@' in errors
    assert "suhteet.csv:6: column A \"Sähköposti\": give either an e-mail" in errors
    assert 'suhteet.csv:7: column E "Päättyy": ends (2024-01-01) before it starts' in errors
    assert "suhteet.csv:8: column C \"Laji\": unknown kind 'vuokra'" in errors
    assert "suhteet.csv:8: column D \"Alkaa\": not a date: '32.1.2025'" in errors
    with sessions() as session:
        rel = session.scalars(sa.select(CustomerRelationship).where(
            CustomerRelationship.reference == "S-2025-001")).one()
        assert (rel.kind, rel.start_date, rel.end_date) == ("contract", date(2025, 2, 1),
                                                            date(2026, 1, 31))
    assert importer("relationships", path, skip_invalid=True).changes == 0
    rows[1] = ("person1@example.fi", None, "sopimus", "1.2.2025", None, "S-2025-001")
    changed = importer("relationships", write_csv(tmp_path / "v2.csv", rows), skip_invalid=True)
    assert (changed.counts.updated, changed.counts.unchanged) == (1, 2)


def test_an_imported_employer_end_ahead_is_pending_and_history_is_not(
    tmp_path, sessions, importer
) -> None:
    """The daemon carries out an employer's end recorded ahead (contract_ends); an end
    already past when imported is history, and an end moved is pending on its new day."""
    persons(tmp_path, importer)
    ahead = register_today() + timedelta(days=10)
    header = ("Y-tunnus", "Laji", "Alkaa", "Päättyy", "Sopimusnumero")

    def imported(end: date) -> dict[str | None, date | None]:
        rows = [header, ("0104505-9", "contract", "2024-01-01", end.isoformat(), "A"),
                ("0104505-9", "other", "2020-01-01", "2021-01-01", "B")]
        assert importer("relationships", write_csv(tmp_path / "r.csv", rows)).status == "ok"
        with sessions() as session:
            return dict(session.execute(sa.select(CustomerRelationship.reference,
                                                  CustomerRelationship.pending_end_on)).all())

    assert imported(ahead) == {"A": ahead, "B": None}
    assert imported(ahead + timedelta(days=30)) == {"A": ahead + timedelta(days=30), "B": None}
    assert imported(register_today() - timedelta(days=1)) == {"A": None, "B": None}


def test_consents_keep_evidence_and_unknown_purpose_is_rejected(tmp_path, sessions,
                                                                importer) -> None:
    persons(tmp_path, importer)
    rows = [CONSENT_HEADERS,
            ("person1@example.fi", "markkinointi", "sähköposti", "annettu", "31.1.2026",
             "Uutiskirjeen tilaus verkkolomakkeella"),
            ("person2@example.fi", "palvelu", None, None, "2026-01-15", "Rekisteröitymislomake"),
            ("person3@example.fi", "uutiskirje", "sähköposti", "annettu", "1.1.2026", "x"),
            ("person3@example.fi", "marketing", None, "granted", "1.1.2026", "x"),
            ("person3@example.fi", "marketing", "sms", "granted", "1.1.2026", None),
            ("person3@example.fi", "marketing", "fax", "granted", "1.1.2026", "x")]
    path = write_csv(tmp_path / "luvat.csv", rows)
    report = importer("consents", path, skip_invalid=True)
    assert (report.counts.created, report.rejected) == (2, 4)
    errors = "\n".join(report.errors)
    assert "luvat.csv:4: column B \"Tarkoitus\": unknown purpose 'uutiskirje'" in errors
    assert 'luvat.csv:5: column C "Kanava": a marketing consent needs a channel' in errors
    assert 'luvat.csv:6: column F "Todiste": a granted consent needs its evidence' in errors
    assert "luvat.csv:7: column C \"Kanava\": unknown channel 'fax'" in errors
    with sessions() as session:
        pid = session.scalar(sa.select(Person.id).where(
            Person.email_normalised == "person1@example.fi"))
    assert (pid, "marketing", "email", "granted", at("2026-01-31"), None,
            "Uutiskirjeen tilaus verkkolomakkeella") in consents(sessions)
    assert importer("consents", path, skip_invalid=True).changes == 0


def test_an_older_consent_file_never_overwrites_a_newer_one(tmp_path, sessions,
                                                            importer) -> None:
    persons(tmp_path, importer, 1)
    newer = write_csv(tmp_path / "2026.csv", [
        CONSENT_HEADERS,
        ("person1@example.fi", "marketing", "email", "withdrawn", "1.3.2026", "Soitti ja perui")])
    older = write_csv(tmp_path / "2025.csv", [
        CONSENT_HEADERS,
        ("person1@example.fi", "marketing", "email", "granted", "1.6.2025", "Messulomake")])
    importer("consents", newer)
    report = importer("consents", older)
    assert (report.counts.older, report.changes) == (1, 0)
    assert [c[3] for c in consents(sessions)] == ["withdrawn"]


def test_consent_history_in_one_file_is_applied_in_date_order(tmp_path, sessions,
                                                              importer) -> None:
    persons(tmp_path, importer, 1)
    path = write_csv(tmp_path / "history.csv", [
        CONSENT_HEADERS,
        ("person1@example.fi", "marketing", "sms", "granted", "1.1.2026", "Lomake B"),
        ("person1@example.fi", "marketing", "sms", "granted", "1.1.2024", "Lomake A"),
        ("person1@example.fi", "marketing", "sms", "peruttu", "1.6.2025", "Sähköpostilla")])
    report = importer("consents", path)
    assert (report.counts.created, report.counts.updated) == (1, 2)
    history = consents(sessions)
    assert [(c[3], c[4], c[5]) for c in history] == [
        ("withdrawn", at("2024-01-01"), at("2025-06-01")),
        ("granted", at("2026-01-01"), None)]
    assert history[0][6] == "Lomake A\nWithdrawn: Sähköpostilla"
    again = importer("consents", path)
    assert (again.counts.older, again.counts.unchanged, again.changes) == (2, 1, 0)


def test_withdrawn_service_consent_revokes_course_access(tmp_path, sessions, importer) -> None:
    persons(tmp_path, importer, 2)
    with sessions() as session, session.begin():
        pid = session.scalar(sa.select(Person.id).where(
            Person.email_normalised == "person1@example.fi"))
        session.add(LmsAccount(connector="moodle", lms_user_id=7, person_id=pid,
                               email="person1@example.fi", content_hash="x",
                               first_seen_at=utcnow()))
    path = write_csv(tmp_path / "service.csv", [
        CONSENT_HEADERS,
        ("person1@example.fi", "service", None, "withdrawn", "2.2.2026", "Kirje 2.2.2026")])
    dry = importer("consents", path, dry_run=True)
    assert dry.counts.access_revoked == 1 and count(sessions, OutboxCommand) == 0
    journal = tmp_path / "register.secret.journal"  # what a restore from backup re-applies
    assert not journal.exists()
    report = importer("consents", path)
    assert report.counts.access_revoked == 1
    [line] = journal.read_text(encoding="ascii").splitlines()
    assert '"kind":"withdrawal"' in line and "person1" not in line
    with sessions() as session:
        assert session.get(Person, pid).status == "withdrawn"
        command = session.scalars(sa.select(OutboxCommand)).one()
    assert (command.action, command.lms_user_id, command.person_id) == ("suspend", 7, pid)
    assert importer("consents", path).counts.access_revoked == 0


def test_channels_outside_the_configured_list_are_rejected(tmp_path, db_url, sessions) -> None:
    from bridge.services.intake import ImportOptions, import_file
    from bridge.settings import load_settings
    from tests.configs import write_config
    from tests.intake.conftest import ADMIN

    settings = load_settings(write_config(tmp_path, db_url,
                                          extra='\n[marketing]\nchannels = ["email"]\n'))
    persons_file = write_csv(tmp_path / "p.csv", [FI_PERSON_HEADERS, person_row(1)])
    import_file(sessions, settings, ADMIN, ImportOptions("persons", persons_file))
    path = write_csv(tmp_path / "c.csv", [
        CONSENT_HEADERS, ("person1@example.fi", "marketing", "sms", "granted", "1.1.2026", "x")])
    report = import_file(sessions, settings, ADMIN, ImportOptions("consents", path))
    assert report.errors == ["c.csv:2: column C \"Kanava\": unknown channel 'sms' (known: email)"]
