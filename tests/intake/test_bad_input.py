"""Every bad input ends in one line naming what is wrong and where, exit 2, nothing
stored, no traceback and no personal data echoed: on SQLite and PostgreSQL alike."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from bridge.store.models import Person
from tests.cli import Outcome, run
from tests.intake.factories import FI_PERSON_HEADERS, count, person_row, write_csv, write_xlsx


def one_line_error(outcome: Outcome, code: int = 2) -> str:
    """The single stderr line of a refused command (a traceback would fail the runner)."""
    lines = outcome.stderr.strip().splitlines()
    assert outcome.exit_code == code, outcome.stderr + outcome.stdout
    assert len(lines) == 1 and lines[0].startswith("error: "), outcome.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("--first-name", "x" * 201, "--first-name: is 201 characters long; at most 200"),
        ("--first-name", "An\x00na", "--first-name: contains a control character (U+0000)"),
        ("--last-name", "Esc\x1b[2J", "--last-name: contains a control character (U+001B)"),
        ("--first-name", "Anna\u202eevil", "bidirectional-override character (U+202E)"),
        ("--profession", "\u2066x", "bidirectional-override character (U+2066)"),
    ],
)
def test_person_add_and_edit_refuse_bad_names_before_the_database(
    config, sessions, option, value, expected
) -> None:
    refused = run("person", "add", "--email", "anna@example.fi", option, value, config=config)
    assert expected in one_line_error(refused)
    assert count(sessions, Person) == 0
    assert run("person", "add", "--email", "anna@example.fi", config=config).exit_code == 0
    edited = run("person", "edit", "anna@example.fi", option, value, config=config)
    assert expected in one_line_error(edited)
    with sessions() as session:
        person = session.query(Person).one()
        assert (person.first_name, person.last_name, person.profession) == (None, None, None)


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("a" * 65 + "@example.fi", "the part before @ is longer than 64"),
        ("a" * 300 + "@example.fi", "at most 254"),
        ("b" * 60 + "@" + "c" * 63 + "." + "d" * 63 + "." + "e" * 63 + ".fi", "at most 254"),
    ],
)
def test_overlong_email_addresses_are_refused(config, sessions, email, expected) -> None:
    line = one_line_error(run("person", "add", "--email", email, config=config))
    assert expected in line and email not in line
    assert count(sessions, Person) == 0


def test_200_character_name_and_64_character_local_part_are_kept(config, sessions) -> None:
    email = "a" * 64 + "@example.fi"
    added = run("person", "add", "--email", email, "--first-name", "n" * 200, config=config)
    assert added.exit_code == 0, added.stderr
    with sessions() as session:
        assert len(session.query(Person).one().first_name) == 200


def test_rectify_refuses_control_characters(config, sessions) -> None:
    assert run("person", "add", "--email", "anna@example.fi", config=config).exit_code == 0
    refused = run("subject", "rectify", "--email", "anna@example.fi",
                  "--set", "first_name=A\x00", config=config)
    assert refused.exit_code == 2 and "U+0000" in refused.stderr


def test_person_show_with_an_id_beyond_64_bits_is_a_usage_error(config) -> None:
    line = one_line_error(run("person", "show", "99999999999999999999999", config=config))
    assert "out of range" in line


def test_person_lookup_by_text_with_nul_is_a_usage_error(config) -> None:
    line = one_line_error(run("person", "show", "a\x00@example.fi", config=config))
    assert "U+0000" in line


def test_ids_of_other_commands_beyond_64_bits_are_usage_errors(config) -> None:
    refused = run("push", "retry", "99999999999999999999999", config=config)
    assert refused.exit_code == 2 and "Traceback" not in refused.stderr


def test_unknown_connector_lists_the_configured_ones(config) -> None:
    line = one_line_error(run("sync", "--connector", "nosuch", config=config))
    assert "no connector named 'nosuch' (configured: moodle)" in line
    assert "did you mean" not in line
    close = one_line_error(run("sync", "--connector", "modle", config=config))
    assert "did you mean 'moodle'?" in close
    checked = one_line_error(run("check", "--connector", "modle", config=config))
    assert "did you mean 'moodle'?" in checked


@pytest.mark.parametrize("name", ["[/x]", "[/b]oops", "[bold]Anna[/bold]", "a\\[/x]"])
def test_text_from_data_is_never_terminal_markup(config, name) -> None:
    added = run("person", "add", "--email", "anna@example.fi", "--last-name", name,
                config=config)
    assert added.exit_code == 0, added.stderr
    assert name in added.stdout
    shown = run("person", "show", "anna@example.fi", config=config)
    assert shown.exit_code == 0 and name in shown.stdout
    listed = run("person", "list", config=config)
    assert name in listed.stdout
    refused = run("person", "show", f"{name}@example.fi", config=config)
    assert f"no person with e-mail {name}@example.fi" in one_line_error(refused)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("person", "show", "999999"), "no person with register id 999999"),
        (("marketing", "deny", "--person", "999999"), "no person with register id 999999"),
        (("marketing", "deny", "--email", "nobody@example.fi"),
         "no person with e-mail nobody@example.fi in the register"),
        (("marketing", "deny"), "name a person by register id or by e-mail (one of the two)"),
        (("marketing", "deny", "--person", "1", "--email", "anna@example.fi"),
         "name a person by register id or by e-mail (one of the two)"),
    ],
)
def test_a_person_who_cannot_be_found_is_named_as_a_person(config, args, expected) -> None:
    assert run("person", "add", "--email", "anna@example.fi", config=config).exit_code == 0
    args = (*args, "--channel", "email", "--evidence", "letter") if args[0] == "marketing" else args
    assert one_line_error(run(*args, config=config)).endswith(expected)


def test_moodle_text_with_escape_and_bidi_is_shown_escaped(config, sessions) -> None:
    """Sync stores what Moodle says; the terminal shows it escaped, never raw."""
    assert run("person", "add", "--email", "anna@example.fi", config=config).exit_code == 0
    with sessions.begin() as session:
        person = session.query(Person).one()
        person.first_name, person.last_name = "Anna\x1b[31m", "\u202enimikkoM"
    shown = run("person", "show", "anna@example.fi", config=config)
    assert "Anna\\x1b[31m" in shown.stdout and "\\u202enimikkoM" in shown.stdout
    assert "\x1b" not in shown.stdout and "\u202e" not in shown.stdout
    listed = run("person", "list", config=config)
    assert "\\u202enimikkoM" in listed.stdout and "\u202e" not in listed.stdout
    as_json = run("person", "show", "anna@example.fi", "--json", config=config)
    assert "\\u202e" in as_json.last_line and "\u202e" not in as_json.stdout


def test_import_rejects_bad_names_naming_line_and_column(tmp_path, config, sessions) -> None:
    path = write_csv(tmp_path / "asiakkaat.csv", [
        FI_PERSON_HEADERS, person_row(1, Etunimi="x" * 201), person_row(2, Sukunimi="A\x00"),
        person_row(3, Etunimi="Anna\u202e"), person_row(4)])
    refused = run("import", "persons", str(path), "--json", config=config)
    assert refused.exit_code == 1
    assert "Traceback" not in refused.stderr and "x" * 201 not in refused.stderr
    errors = refused.last_line
    assert 'asiakkaat.csv:2: column A \\"Etunimi\\": is 201 characters long' in errors
    assert 'asiakkaat.csv:3: column B \\"Sukunimi\\": contains a control character' in errors
    assert "asiakkaat.csv:4" in errors and "U+202E" in errors
    assert count(sessions, Person) == 0


def test_csv_byte_invalid_in_cp1252_names_line_and_byte(tmp_path, config, sessions) -> None:
    path = tmp_path / "asiakkaat.csv"
    path.write_bytes(b"Etunimi;Sukunimi;S\xe4hk\xf6posti\r\nAnna;M\x81ki;anna@example.fi\r\n")
    line = one_line_error(run("import", "persons", str(path), config=config))
    assert "asiakkaat.csv: line 2, byte 7: 0x81 is neither UTF-8 nor Windows-1252" in line
    assert count(sessions, Person) == 0


def _with_entity_expansion(source: Path, target: Path) -> Path:
    """``source`` with a "billion laughs" entity declaration in its first worksheet."""
    entities = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    with zipfile.ZipFile(source) as book, zipfile.ZipFile(target, "w") as out:
        for item in book.infolist():
            data = book.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = data.decode("utf-8").split("?>", 1)[-1]
                data = f'<?xml version="1.0"?><!DOCTYPE w [{entities}]>{body}'.encode()
            out.writestr(item, data)
    return target


def test_xlsx_with_entity_expansion_is_refused_in_one_line(tmp_path, config, sessions) -> None:
    plain = write_xlsx(tmp_path / "plain.xlsx", [FI_PERSON_HEADERS, person_row(1)])
    hostile = _with_entity_expansion(plain, tmp_path / "laughs.xlsx")
    line = one_line_error(run("import", "persons", str(hostile), config=config))
    assert "laughs.xlsx: not a readable .xlsx workbook (it declares XML entities" in line
    assert count(sessions, Person) == 0


def test_xlsx_formula_cells_are_rejections_with_their_reference(
    tmp_path, config, sessions
) -> None:
    path = write_xlsx(tmp_path / "asiakkaat.xlsx", [
        FI_PERSON_HEADERS, person_row(1), person_row(2, Sukunimi="=UPPER(A3)")])
    refused = run("import", "persons", str(path), "--json", config=config)
    assert refused.exit_code == 1
    assert ("asiakkaat.xlsx:3: column B \\\"Sukunimi\\\": Sheet!B3: formula cells are not "
            "read; paste values") in refused.last_line
    skipped = run("import", "persons", str(path), "--skip-invalid", "--json", config=config)
    assert skipped.exit_code == 0, skipped.stderr
    assert count(sessions, Person) == 1


@pytest.mark.parametrize(
    "headers", [["Nimi", "Sähköposti"], ["Name", "Email"], ["Etunimi", "Koko nimi", "Sähköposti"]]
)
def test_a_whole_name_column_is_refused_before_anything_is_written(
    tmp_path, config, sessions, headers
) -> None:
    """One cell "Virtanen Matti" or "Matti Virtanen" cannot be split safely: the file is
    refused, naming the column, instead of importing persons without names."""
    rows = [headers, [*(["Aino"] if len(headers) == 3 else []), "Korhonen Aino",
                      "aino.korhonen@example.fi"]]
    line = one_line_error(run("import", "persons", str(write_csv(tmp_path / "p.csv", rows)),
                              config=config))
    column = next(h for h in headers if h in ("Nimi", "Name", "Koko nimi"))
    assert f'p.csv: column {"AB"[headers.index(column)]} "{column}" holds whole names' in line
    assert "split it into Etunimi and Sukunimi columns" in line
    assert "Korhonen" not in line  # a refusal echoes no personal data
    assert count(sessions, Person) == 0


def test_a_whole_name_column_beside_first_and_last_names_is_not_used(
    tmp_path, config, sessions
) -> None:
    rows = [["Etunimi", "Sukunimi", "Nimi", "Sähköposti"],
            ["Matti", "Virtanen", "Virtanen Matti", "matti.virtanen@example.fi"]]
    outcome = run("import", "persons", str(write_csv(tmp_path / "p.csv", rows)), "--json",
                  config=config)
    assert outcome.exit_code == 0, outcome.stderr
    assert '"ignored_columns": ["Nimi"]' in outcome.last_line
    with sessions() as session:
        assert [(p.first_name, p.last_name) for p in session.query(Person)] == [
            ("Matti", "Virtanen")]
