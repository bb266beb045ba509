"""The register's commands as an office administrator uses them: thin, `--json`
everywhere, audited, and refused for roles without the register permission."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from bridge.clock import utcnow
from bridge.store.models import AuditEntry, LmsAccount, Person
from tests.cli import run
from tests.configs import OS_USER, set_roles
from tests.intake.factories import FI_PERSON_HEADERS, count, person_row, write_csv


def as_json(*args: str, config: Path) -> dict:
    outcome = run(*args, "--json", config=config)
    assert outcome.exit_code == 0, outcome.stderr + outcome.stdout
    return json.loads(outcome.last_line)


def actions(sessions) -> list[tuple[str, int | None, str]]:
    with sessions() as session:
        return [(e.action, e.person_id, e.outcome) for e in
                session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))]


def test_import_command_json_exit_codes_and_rejects(tmp_path, config, sessions) -> None:
    path = write_csv(tmp_path / "asiakkaat.csv", [
        FI_PERSON_HEADERS, person_row(1), person_row(2, email="not-an-address")])
    refused = run("import", "persons", str(path), "--json", config=config)
    assert refused.exit_code == 1
    assert "1 invalid row(s) in asiakkaat.csv: nothing imported" in refused.stderr
    summary = json.loads(refused.last_line)
    assert summary["status"] == "invalid" and summary["created"] == 0
    assert summary["errors"] == ["asiakkaat.csv:3: column C \"Sähköposti\": not an e-mail "
                                 "address: 'not-an-address'"]
    dry = as_json("import", "persons", str(path), "--dry-run", "--skip-invalid", config=config)
    assert (dry["dry_run"], dry["created"], count(sessions, Person)) == (True, 1, 0)
    rejects = tmp_path / "hylätyt.csv"
    done = as_json("import", "persons", str(path), "--skip-invalid", "--rejects", str(rejects),
                   config=config)
    assert (done["created"], done["rejected"], done["rejects_file"]) == (1, 1, str(rejects))
    assert "not-an-address" in rejects.read_text(encoding="utf-8-sig")
    shown = run("import", "persons", str(path), "--skip-invalid", config=config)
    assert shown.exit_code == 0 and "unchanged" in shown.stdout and "rejected" in shown.stderr
    assert [a for a in actions(sessions)] == [("import persons", None, "refused")] + [
        ("import persons", None, "ok")] * 3


def test_operator_without_register_permission_is_refused(tmp_path, config, sessions) -> None:
    path = write_csv(tmp_path / "p.csv", [FI_PERSON_HEADERS, person_row(1)])
    set_roles(config, "operator")
    denied = run("import", "persons", str(path), config=config)
    assert denied.exit_code == 4 and count(sessions, Person) == 0
    assert actions(sessions) == [("import persons", None, "denied")]
    set_roles(config, "dpo")
    dpo = run("person", "list", config=config)
    assert dpo.exit_code == 0


def test_single_records_and_person_show_with_provenance(tmp_path, config, sessions) -> None:
    org = as_json("org", "add", "--business-id", "FI01045059", "--name", "BPW Kraatz Oy",
                  "--contact-name", "Heini Nyman", config=config)
    assert org["organisation"]["business_id"] == "0104505-9"
    with sessions() as session, session.begin():
        session.add(LmsAccount(connector="moodle", lms_user_id=31, email="Aino.V@Example.fi",
                               email_normalised="aino.v@example.fi", username="aino.v",
                               content_hash="x", first_seen_at=utcnow()))
    added = as_json("person", "add", "--email", "aino.v@example.fi", "--first-name", "Aino",
                    "--last-name", "Virtanen", "--phone", "040 765 4321", "--org", "0104505-9",
                    "--title", "Kouluttaja", config=config)
    pid = added["person"]["id"]
    assert added["person"]["phone"] == "+358407654321"
    as_json("relationship", "add", "--person", str(pid), "--kind", "sopimus", "--start",
            "1.2.2026", "--reference", "S-1", config=config)
    as_json("relationship", "add", "--org", "0104505-9", "--kind", "contract", "--start",
            "2024-01-01", config=config)
    edited = as_json("person", "edit", str(pid), "--profession", "Insinööri", "--source",
                     "data_subject", config=config)
    assert edited["changed"] == ["profession"]
    view = as_json("person", "show", "AINO.V@example.fi", config=config)
    assert view["person"]["provenance"]["source"] == "data_subject"
    assert view["employers"][0]["title"] == "Kouluttaja"
    assert view["employers"][0]["provenance"]["source_ref"] == f"bridge person add by {OS_USER}"
    assert sorted(r["via"] for r in view["relationships"]) == ["organisation 0104505-9",
                                                              "person"]
    assert [(a["connector"], a["lms_user_id"]) for a in view["lms_accounts"]] == [("moodle", 31)]
    assert view["lms_accounts"][0]["provenance"]["source"] == "lms_sync"
    listed = as_json("person", "list", "--org", "0104505-9", config=config)
    assert [p["id"] for p in listed["persons"]] == [pid]
    shown_org = as_json("org", "show", "0104505-9", config=config)
    assert [p["title"] for p in shown_org["persons"]] == ["Kouluttaja"]
    assert as_json("org", "list", config=config)["organisations"][0]["persons"] == 1
    table = run("person", "show", str(pid), config=config)
    assert table.exit_code == 0 and "Kouluttaja" in table.stdout
    assert "consents: none" in table.stdout
    audited = actions(sessions)
    assert ("person show", pid, "ok") in audited and ("person edit", pid, "ok") in audited
    assert ("person add", pid, "ok") in audited and ("relationship add", pid, "ok") in audited


def test_bad_values_and_unknown_records_are_usage_errors(config) -> None:
    bad = run("person", "add", "--email", "a@example.fi", "--phone", "12", config=config)
    assert bad.exit_code == 2 and "--phone: not a valid phone number: '12'" in bad.stderr
    assert run("person", "show", "404", config=config).exit_code == 2
    missing = run("org", "show", "2345678-0", config=config)
    assert missing.exit_code == 2 and "no organisation 2345678-0" in missing.stderr
    wrong = run("relationship", "add", "--org", "0104505-8", "--kind", "contract", "--start",
                "1.1.2026", config=config)
    assert wrong.exit_code == 2 and "wrong check digit" in wrong.stderr
    assert run("person", "add", "--email", "a@example.fi", config=config).exit_code == 0
    again = run("person", "add", "--email", "A@example.fi", config=config)
    assert again.exit_code == 1 and "already has the e-mail" in again.stderr


def test_import_columns_lists_the_header_table(config) -> None:
    columns = as_json("import", "columns", "--kind", "consents", config=config)["columns"]
    assert {"field": "purpose", "kinds": ["consents"], "headers": [
        "Tarkoitus", "Käyttötarkoitus", "purpose"],
        "value": "service (palvelu), marketing (markkinointi)"} in columns
