"""The customer spreadsheet into the register: messy files, all-or-nothing, dry runs,
idempotent re-imports, provenance, and linking with LMS accounts by e-mail."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import SecretStr

from bridge.clock import utcnow
from bridge.errors import UsageError
from bridge.services.access.suppression import suppress
from bridge.services.register.persons import edit_person
from bridge.services.secrets import ensure_register_secret
from bridge.services.sync.engine import SyncOptions, run_sync
from bridge.settings import load_settings
from bridge.store.models import (
    AuditEntry,
    LmsAccount,
    Organisation,
    Person,
    PersonOrganisation,
)
from bridge.store.write_counter import WriteCounter
from tests.bridge.fake_connector import FakeConnector, ScriptedLms
from tests.configs import SENTINEL_TOKEN, write_config
from tests.intake.conftest import ADMIN
from tests.intake.factories import (
    FI_PERSON_HEADERS,
    count,
    person_row,
    write_csv,
    write_xlsx,
)

PERSON_TABLES = (Person, Organisation, PersonOrganisation)


def messy_rows() -> list[list[object]]:
    """Lines 2, 3 and 8 are good; 4 repeats 2; 5, 6 and 7 are wrong."""
    return [
        list(FI_PERSON_HEADERS),
        person_row(1, email="Aino.Virtanen@Example.fi"),
        person_row(2, email="eero.maki@example.fi"),
        person_row(1, email="Aino.Virtanen@Example.fi"),
        person_row(3, business_id="1234567-8", employer="Väärä Oy"),
        person_row(4, email="matti.meikäläinen@"),
        person_row(2, email="EERO.MAKI@example.fi", Puhelin="050 7654321"),
        person_row(5, business_id=None, employer=None, Ammatti="Yrittäjä, kouluttaja"),
    ]


def snapshot(sessions) -> list[tuple]:
    with sessions() as session:
        return [tuple(r) for r in session.execute(sa.select(
            Person.first_name, Person.last_name, Person.email, Person.email_normalised,
            Person.phone, Person.profession, Person.legal_basis).order_by(Person.email_normalised))]


@pytest.mark.parametrize(("encoding", "bom", "delimiter"),
                         [("utf-8", True, ";"), ("cp1252", False, ";"), ("utf-8", False, ",")])
def test_messy_file_rejects_the_right_rows_with_file_line_and_column(
        tmp_path: Path, sessions, importer, encoding, bom, delimiter) -> None:
    path = write_csv(tmp_path / "asiakkaat.csv", messy_rows(), encoding=encoding, bom=bom,
                     delimiter=delimiter, newline="\r\n")
    refused = importer("persons", path)
    assert refused.status == "invalid"
    assert (refused.rejected, refused.duplicates) == (3, 1)
    assert count(sessions, Person) == 0
    report = importer("persons", path, skip_invalid=True)
    assert report.status == "ok" and report.rows == 7
    assert (report.counts.created, report.rejected, report.duplicates) == (3, 3, 1)
    assert report.counts.organisations_created == 1
    text = "\n".join(report.errors)
    assert "asiakkaat.csv:5: column F \"Y-tunnus\": business ID '1234567-8' has a wrong" in text
    assert "asiakkaat.csv:6: column C \"Sähköposti\": not an e-mail address" in text
    assert "asiakkaat.csv:7: same e-mail as line 3 but other data" in text
    assert report.notes == ["asiakkaat.csv:4: repeats an earlier row; skipped"]
    people = {row[3]: row for row in snapshot(sessions)}
    assert set(people) == {"aino.virtanen@example.fi", "eero.maki@example.fi",
                           "person5@example.fi"}
    assert people["aino.virtanen@example.fi"][:3] == ("Äänä1", "Öljymäki1",
                                                      "Aino.Virtanen@Example.fi")
    assert people["eero.maki@example.fi"][4] == "+358401000002"
    assert people["person5@example.fi"][5] == "Yrittäjä, kouluttaja"


def test_invalid_file_without_skip_invalid_imports_nothing(tmp_path, sessions, importer) -> None:
    report = importer("persons", write_csv(tmp_path / "p.csv", messy_rows()))
    assert report.status == "invalid" and report.counts.created == 0
    assert [count(sessions, m) for m in PERSON_TABLES] == [0, 0, 0]


def test_dry_run_writes_nothing_and_reports_what_would_happen(tmp_path, sessions,
                                                              importer) -> None:
    path = write_csv(tmp_path / "p.csv", messy_rows())
    importer("persons", write_csv(tmp_path / "first.csv", messy_rows()[:2]))
    before = [count(sessions, m) for m in PERSON_TABLES]
    report = importer("persons", path, dry_run=True, skip_invalid=True)
    assert report.dry_run
    assert (report.counts.created, report.counts.unchanged, report.rejected) == (2, 1, 3)
    assert [count(sessions, m) for m in PERSON_TABLES] == before == [1, 1, 1]
    real = importer("persons", path, skip_invalid=True)
    assert real.counts.as_dict() == report.counts.as_dict()


def test_reimport_reports_zero_changes_and_writes_no_row(tmp_path, engine, sessions,
                                                         importer) -> None:
    path = write_csv(tmp_path / "p.csv", messy_rows())
    importer("persons", path, skip_invalid=True)
    counter = WriteCounter(engine)
    again = importer("persons", path, skip_invalid=True)
    counter.close()
    assert (again.counts.created, again.counts.updated, again.counts.unchanged) == (0, 0, 3)
    assert again.changes == 0
    assert counter.rows == 0, counter.statements


def test_xlsx_gives_the_same_result_as_the_equivalent_csv(tmp_path, sessions, importer) -> None:
    rows = messy_rows()
    excel_rows = [list(r) for r in rows]
    excel_rows[2][3] = 401000002  # a phone number typed as a number: Excel drops the 0
    xlsx = write_xlsx(tmp_path / "asiakkaat.xlsx", excel_rows)
    text = write_csv(tmp_path / "asiakkaat.csv", rows, encoding="cp1252")
    from_excel = importer("persons", xlsx, skip_invalid=True, dry_run=True)
    from_csv = importer("persons", text, skip_invalid=True)
    assert from_excel.counts.as_dict() == from_csv.counts.as_dict()
    assert [e.replace(".xlsx", ".csv") for e in from_excel.errors] == from_csv.errors
    assert (from_excel.rejected, from_excel.duplicates) == (from_csv.rejected, from_csv.duplicates)
    again = importer("persons", xlsx, skip_invalid=True)
    assert (again.counts.unchanged, again.changes) == (3, 0)


def test_rows_carry_provenance_and_the_run_is_audited(tmp_path, sessions, importer) -> None:
    report = importer("persons", write_csv(tmp_path / "p.csv", messy_rows()), skip_invalid=True)
    with sessions() as session:
        person = session.scalars(sa.select(Person).where(
            Person.email_normalised == "eero.maki@example.fi")).one()
        assert person.source == "registration"
        assert person.source_ref == f"p.csv:3 (import {report.run_id})"
        assert person.first_seen_at is not None and person.changed_at is not None
        org = session.scalars(sa.select(Organisation)).one()
        assert (org.business_id, org.name, org.source_ref) == (
            "0104505-9", "BPW Kraatz Oy", f"p.csv:2 (import {report.run_id})")
        link = session.scalars(sa.select(PersonOrganisation).where(
            PersonOrganisation.person_id == person.id)).one()
        assert link.title == "Työnjohtaja" and link.source == "registration"
        entries = session.scalars(sa.select(AuditEntry)).all()
    assert [(e.action, e.person_id) for e in entries] == [("import persons", None)]
    details = entries[0].details
    assert details["run_id"] == report.run_id
    assert (details["created"], details["rejected"], details["dry_run"]) == (3, 3, False)


def test_changed_row_updates_but_a_register_edit_survives_reimport(tmp_path, sessions,
                                                                   importer) -> None:
    header = list(FI_PERSON_HEADERS)
    first = write_csv(tmp_path / "v1.csv", [header, person_row(1), person_row(2)])
    importer("persons", first)
    with sessions() as session, session.begin():
        edit_person(session, ADMIN, "person2@example.fi", {"profession": "Insinööri"})
    assert importer("persons", first).counts.unchanged == 2
    second = write_csv(tmp_path / "v2.csv", [header, person_row(1, Puhelin="+358 50 111 2222"),
                                             person_row(2)])
    report = importer("persons", second)
    assert (report.counts.updated, report.counts.unchanged) == (1, 1)
    with sessions() as session:
        one = session.scalars(sa.select(Person).where(
            Person.email_normalised == "person1@example.fi")).one()
        two = session.scalars(sa.select(Person).where(
            Person.email_normalised == "person2@example.fi")).one()
    assert one.phone == "+358501112222" and one.source_ref.startswith("v2.csv:2 ")
    assert one.first_seen_at < one.changed_at
    assert two.profession == "Insinööri"


def test_lms_accounts_with_the_email_in_another_case_are_linked_on_import(
        tmp_path, sessions, importer) -> None:
    now = utcnow()
    with sessions() as session, session.begin():
        session.add(LmsAccount(connector="moodle", lms_user_id=44, email="PERSON1@EXAMPLE.FI",
                               email_normalised="person1@example.fi", content_hash="x",
                               first_seen_at=now))
    report = importer("persons", write_csv(tmp_path / "p.csv",
                                           [FI_PERSON_HEADERS, person_row(1), person_row(2)]))
    assert report.counts.linked_lms_accounts == 1
    with sessions() as session:
        account = session.scalars(sa.select(LmsAccount)).one()
        person = session.get(Person, account.person_id)
    assert person is not None and person.email == "person1@example.fi"


def test_sync_after_import_links_lms_users_to_imported_persons(tmp_path, db_url, sessions,
                                                               importer) -> None:
    importer("persons", write_csv(tmp_path / "p.csv", [
        FI_PERSON_HEADERS, person_row(1, email="Aino.Virtanen@example.fi"), person_row(2)]))
    lms = ScriptedLms()
    lms.add_user(11, email="AINO.VIRTANEN@EXAMPLE.FI")
    lms.add_user(12, email="someone.else@example.fi")
    settings = load_settings(write_config(tmp_path, db_url,
                                          connector_extra='streams = ["users", "courses"]\n'))
    result = run_sync(settings, sessions, "moodle", SecretStr(SENTINEL_TOKEN),
                      SyncOptions(all_streams=True),
                      connector_factory=lambda stop: FakeConnector(lms))
    assert result.status == "ok"
    with sessions() as session:
        linked = dict(session.execute(sa.select(LmsAccount.lms_user_id, Person.source).join(
            Person, Person.id == LmsAccount.person_id)).all())
    assert linked == {11: "registration", 12: "lms_sync"}
    assert count(sessions, Person) == 3


def test_an_erased_persons_row_is_skipped_and_the_rest_imported(tmp_path, sessions, settings,
                                                                 importer) -> None:
    ensure_register_secret(settings.register.secret_file)
    with sessions() as session, session.begin():
        suppress(session, settings, emails=["person1@example.fi"], lms_ids=[])
    rows = [FI_PERSON_HEADERS, person_row(1, email="Person1@example.fi"), person_row(2),
            person_row(3)]
    report = importer("persons", write_csv(tmp_path / "p.csv", rows))
    assert report.status == "ok" and report.rejected == 0 and not report.errors
    assert (report.suppressed, report.counts.created) == (1, 2)
    assert report.summary()["suppressed"] == 1
    assert report.notes == ["1 row(s) skipped: erased persons (suppression list); lift with "
                            "`bridge suppression lift` for a customer who has come back"]
    assert count(sessions, Person) == 2
    again = importer("persons", write_csv(tmp_path / "p.csv", rows))  # the master file, again
    assert again.status == "ok" and again.suppressed == 1 and again.counts.unchanged == 2


def test_unknown_employer_without_a_name_is_rejected(tmp_path, importer) -> None:
    report = importer("persons", write_csv(tmp_path / "p.csv", [
        FI_PERSON_HEADERS, person_row(1, business_id="2345678-0", employer=None),
        person_row(2, business_id="0104505-9", employer="BPW Kraatz Oy"),
        person_row(3, business_id="0104505-9", employer=None)]), skip_invalid=True)
    assert report.rejected == 1 and report.counts.created == 2
    assert report.errors[0].startswith('p.csv:2: column F "Y-tunnus": no organisation 2345678-0')


def test_header_problems_are_usage_errors_naming_the_file(tmp_path, importer) -> None:
    with pytest.raises(UsageError, match=r"p.csv: no column for email \(Sähköposti"):
        importer("persons", write_csv(tmp_path / "p.csv", [["Etunimi", "Nimi"], ["A", "B"]]))
    with pytest.raises(UsageError, match=r'column A "Sähköposti" and column B "E-mail" both'):
        importer("persons", write_csv(tmp_path / "q.csv", [["Sähköposti", "E-mail"],
                                                           ["a@example.fi", "b@example.fi"]]))


def test_unknown_columns_are_reported_and_stray_cells_rejected(tmp_path, importer) -> None:
    report = importer("persons", write_csv(tmp_path / "p.csv", [
        ["Sähköposti", "Huom."], ["a@example.fi", "vip"], ["b@example.fi", "x", "stray"]]),
        skip_invalid=True)
    assert report.ignored_columns == ["Huom."]
    assert report.errors == ['p.csv:3: column C "": a value right of the last column '
                             "(a separator inside an unquoted cell?)"]


def test_rejects_file_holds_the_rows_and_reasons(tmp_path, importer) -> None:
    rejects = tmp_path / "rejects.csv"
    importer("persons", write_csv(tmp_path / "p.csv", messy_rows()), skip_invalid=True,
             rejects_path=rejects)
    with rejects.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows[0] == [*FI_PERSON_HEADERS, "source_line", "error"]
    assert [row[-2] for row in rows[1:]] == ["5", "6", "7"]
    assert rows[1][5] == "1234567-8" and rows[1][-1].startswith('column F "Y-tunnus": ')
