"""The shipped example spreadsheets: valid, the same from CSV and Excel, and overlapping
the simulator's demo users, whom a sync after the import links to the imported persons."""

from __future__ import annotations

from pathlib import Path

import responses
import sqlalchemy as sa
from pydantic import SecretStr

from bridge.services.sync.engine import SyncOptions, run_sync
from bridge.settings import load_settings
from bridge.store.models import LmsAccount, Person
from bridge.store.people import normalise_email
from connectors.moodle.simulator import SimulatedMoodle, build_dataset
from connectors.moodle.simulator.inprocess import mount
from tests.configs import write_config

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TOKEN = "d" * 32
NOW = 1_767_225_600  # 2026-01-01


def example_emails() -> list[str]:
    from bridge.services.intake.sources import open_sheet

    sheet = open_sheet(EXAMPLES / "customers.csv")
    column = sheet.headers.index("Sähköposti")
    return [row.cells[column] or "" for row in sheet.rows()]


def demo_emails() -> set[str]:
    users = build_dataset("demo", 1, now=NOW).users.values()
    return {normalise_email(u.email) or "" for u in users}


def test_every_example_file_imports_without_a_rejected_row(importer) -> None:
    for kind, name in (("persons", "customers.csv"), ("organisations", "organisations.csv"),
                       ("relationships", "relationships.csv"), ("consents", "consents.csv")):
        report = importer(kind, EXAMPLES / name)
        assert (report.status, report.rejected, report.ignored_columns) == ("ok", 0, []), (
            name, report.errors)
        assert report.counts.created + report.counts.updated > 0
    assert importer("persons", EXAMPLES / "customers.xlsx").changes == 0


def test_excel_example_matches_the_csv_example(importer) -> None:
    from_excel = importer("persons", EXAMPLES / "customers.xlsx", dry_run=True)
    from_csv = importer("persons", EXAMPLES / "customers.csv")
    assert from_excel.counts.as_dict() == from_csv.counts.as_dict()


def test_examples_overlap_the_simulator_demo_users_in_mixed_case() -> None:
    emails = example_emails()
    shared = [e for e in emails if normalise_email(e) in demo_emails()]
    assert len(shared) >= 12
    assert any(e != e.lower() for e in shared)


def test_sync_after_import_links_the_simulators_users_case_insensitively(
        tmp_path, db_url, sessions, importer) -> None:
    importer("persons", EXAMPLES / "customers.csv")
    settings = load_settings(write_config(tmp_path, db_url, token=TOKEN,
                                          connector_extra='streams = ["users"]\n'))
    sim = SimulatedMoodle("demo", token=TOKEN, now=NOW)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        mount(sim, rsps, "https://moodle.test")
        result = run_sync(settings, sessions, "moodle", SecretStr(TOKEN),
                          SyncOptions(all_streams=True))
    assert result.status == "ok", result.streams
    with sessions() as session:
        linked = {email: source for email, source in session.execute(
            sa.select(LmsAccount.email_normalised, Person.source)
            .join(Person, Person.id == LmsAccount.person_id))}
    shared = {normalise_email(e) for e in example_emails()} & demo_emails()
    assert shared and all(linked[email] == "registration" for email in shared)
