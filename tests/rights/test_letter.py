"""The access export and the erasure receipt as letters to the person: rendered by a real
browser (no raw tags, no Unix times, no clause or class codes, the person's data in
Finnish), and as a PDF whose text a PDF reader finds."""

from __future__ import annotations

import io
import json
import re
import stat
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from bridge.store.models import Person
from tests.cli import run
from tests.rights.browser import screenshot, visible_text
from tests.rights.conftest import Register, employee, lms_person, organisation

#: Ten-digit numbers are Unix times that escaped formatting.
EPOCH = re.compile(r"\b\d{10}\b")
#: What must never reach the person: clause codes, class names, column and code names.
CODES = (
    re.compile(r"\bN\d+\b"),
    re.compile(r"SubmissionRecord|\\core\\event|\\mod_assign|moodle:[A-Za-z]+:\d+"),
    re.compile(r"customer_relationship|lms_[a-z_]+|privacy_request|first_seen_at|_at\b"),
)
FILE_TIME = 1795816744  # 27.11.2026 klo 23.59 in Helsinki


def _aino(register: Register) -> None:
    """A person with every category, Moodle HTML in her texts and a file with a Unix time."""
    lms_person(register, 1, uid=11, course_end=date(2024, 6, 1), activity=date(2024, 5, 1))
    register.add(organisation(1), employee(1, 1))
    with register.sessions() as session, session.begin():
        for statement, values in (
            (
                "UPDATE persons SET first_name = :a, last_name = :b WHERE id = 1",
                {"a": "Aino", "b": "Virtanen"},
            ),
            ("UPDATE lms_courses SET fullname = :a", {"a": "Hitsauksen perusteet"}),
            (
                "UPDATE lms_submissions SET online_text = :a",
                {"a": "<p>Hitsasin sauman <b>TIG</b>-menetelmällä.</p><script>alert(1)</script>"},
            ),
            (
                "UPDATE lms_messages SET text = :a",
                {"a": "<p>Hyvä työ, Aino!</p><p>&lt;3 opettaja</p>"},
            ),
            ("UPDATE lms_log_entries SET event_name = :a", {"a": "\\core\\event\\course_viewed"}),
        ):
            session.execute(sa.text(statement), values)
        session.execute(
            sa.text("UPDATE lms_submissions SET files = :f"),
            {
                "f": json.dumps(
                    [
                        {
                            "filename": "sauma.pdf",
                            "filepath": "/",
                            "filesize": 48213,
                            "mimetype": "application/pdf",
                            "time_modified": FILE_TIME,
                        }
                    ]
                )
            },
        )


def _export(register: Register, target: Path, *extra: str) -> Path:
    outcome = register.bridge("subject", "export", "--person", "1", "--out", str(target), *extra)
    assert outcome.exit_code == 0, outcome.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    return target


def _assert_readable(text: str) -> None:
    tag = re.search(r"<[a-zA-Z/!]|&[a-z]+;|&#\d+;", text)
    assert tag is None, text[max(tag.start() - 60, 0) : tag.end() + 60]
    assert not EPOCH.search(text), EPOCH.search(text)
    for code in CODES:
        assert not code.search(text), code.search(text)


@pytest.mark.slow
def test_export_letter_in_a_browser_reads_as_finnish_text(
    register: Register, tmp_path: Path
) -> None:
    _aino(register)
    page = _export(register, tmp_path / "kirje.html", "--format", "html")
    shot = screenshot(page, tmp_path / "export.png")
    dom, text = visible_text(page, tmp_path / "profile")
    assert '<html lang="fi">' in dom
    _assert_readable(text)
    for expected in (
        "Tietosi rekisterissä",
        "Perustietosi",
        "Verkkokurssitietosi",
        "Aino",
        "Virtanen",
        "Hitsauksen perusteet",
        "Hitsasin sauman",  # Moodle's HTML as text: the tags are gone, the words stay
        "-menetelmällä.",
        "Hyvä työ, Aino!",
        "<3 opettaja",  # the teacher's "&lt;3" shows as the characters, not as markup
        "4,5",  # a decimal grade with a Finnish comma
        "katsoit kurssia",
        "sauma.pdf (48 kt, 27.11.2026 klo 23.59)",
        "1.5.2024 klo 15.00",  # 12:00 UTC in Helsinki summer time
        "asiakassuhde",
        "kerätty rekisteröitymisen yhteydessä",
        "Oikeutesi",
    ):
        assert expected in text, expected
    assert "alert(1)" not in text
    assert shot.stat().st_size > 0  # the pictures in docs/ come from test_letter_pictures


@pytest.mark.slow
def test_erasure_receipt_in_a_browser_says_what_was_erased_and_what_remains(
    register: Register, tmp_path: Path
) -> None:
    _aino(register)
    target = tmp_path / "kuitti.html"
    outcome = register.bridge(
        "subject", "erase", "--person", "1", "--yes", "--format", "html", "--out", str(target)
    )
    assert outcome.exit_code == 0, outcome.stderr
    assert "erasure receipt written to" in outcome.stdout
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    shot = screenshot(target, tmp_path / "receipt.png", height=1500)
    dom, text = visible_text(target, tmp_path / "profile")
    assert '<html lang="fi">' in dom
    _assert_readable(text)
    for expected in (
        "Vahvistus tietojesi poistamisesta",
        "Asiakasrekisteri",
        "lokitiedot",
        "verkkokurssien käyttäjätilit",
        "estolistalle",
        "Verkkokurssijärjestelmä: Moodle-oppimisympäristö",
        "Käsittelijä Heini Nyman",  # the controller's contact person, not the OS account
        # CONTRACTS 6: the push is only queued, so the letter does not say Moodle erased it.
        "tämä kuitti ei vielä sisällä vahvistusta",
        "Nimesi jää Moodlen käyttäjätauluun",
    ):
        assert expected in text, expected
    assert shot.stat().st_size > 0


def test_pdf_letter_has_the_persons_data_as_text(register: Register, tmp_path: Path) -> None:
    _aino(register)
    pdf = _export(register, tmp_path / "kirje.pdf", "--format", "pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    for expected in (
        "Tietosi rekisterissä",
        "Aino",
        "Virtanen",
        "Hitsauksen perusteet",
        "Verkkokurssitietosi",
    ):
        assert expected in text, expected
    assert "<p>" not in text and not EPOCH.search(text)


def test_a_pdf_letter_prints_no_font_subsetting_warning(
    register: Register, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where HarfBuzz cannot subset fonts (older than 4.1), WeasyPrint warns on every PDF and
    subsets with fontTools instead: an ordinary success prints nothing."""
    fonts = pytest.importorskip("weasyprint.pdf.fonts")
    monkeypatch.setattr(fonts, "harfbuzz_subset", None)  # the system library of an older host
    _aino(register)
    target = tmp_path / "kirje.pdf"
    outcome = register.bridge("subject", "export", "--person", "1", "--out", str(target),
                              "--format", "pdf")
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.stderr == ""
    assert "Aino" in " ".join(p.extract_text() for p in PdfReader(target).pages)
    loud = run("-vv", "subject", "export", "--person", "1", "--out", str(tmp_path / "v.pdf"),
               "--format", "pdf", config=register.config)
    assert "HarfBuzz" in loud.stderr  # still there for whoever looks


def test_receipt_pdf_and_english_letter(register: Register, tmp_path: Path) -> None:
    _aino(register)
    target = tmp_path / "receipt.pdf"
    register.json(
        "subject",
        "erase",
        "--person",
        "1",
        "--yes",
        "--format",
        "pdf",
        "--out",
        str(target),
        "--lang",
        "en",
    )
    text = " ".join(p.extract_text() for p in PdfReader(target).pages)
    assert "Confirmation of your erasure" in text and "Customer register" in text


def test_english_letter_uses_english_words_and_dates(register: Register, tmp_path: Path) -> None:
    _aino(register)
    page = _export(register, tmp_path / "letter.html", "--format", "html", "--lang", "en")
    html = page.read_text(encoding="utf-8")
    assert '<html lang="en">' in html
    for expected in (
        "Your data in the register",
        "Your online-course data",
        "1 May 2024, 15:00",
        "viewed the course",
        "customer relationship",
    ):
        assert expected in html, expected
    assert "Tietosi" not in html


def test_the_registers_language_is_the_default(
    register: Register, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _aino(register)
    monkeypatch.setenv("BRIDGE_REGISTER__LANGUAGE", "en")
    html = _export(register, tmp_path / "l.html", "--format", "html").read_text(encoding="utf-8")
    assert '<html lang="en">' in html


def test_no_empty_sections(register: Register, tmp_path: Path) -> None:
    """No employer, an assignment without grades: no heading over nothing."""
    lms_person(register, 1, uid=11, course_end=date(2024, 6, 1), activity=date(2024, 5, 1))
    with register.sessions() as session, session.begin():
        session.execute(sa.text("DELETE FROM lms_assignment_grades"))
    html = _export(register, tmp_path / "e.html", "--format", "html").read_text(encoding="utf-8")
    assert "Tehtävän arvosanat" not in html  # the assignment's grades: none
    assert "<h2>Työnantajasi</h2>" not in html
    assert "Asiakasrekisterin omissa tiedoissa ei ole sinusta näitä tietoja: työnantajasi." in html
    # no heading closes a box or meets the next section's
    assert re.search(r"</h\d>(</div>|<h2>)", html) is None


def test_json_export_keeps_its_technical_detail(register: Register, tmp_path: Path) -> None:
    _aino(register)
    doc = json.loads(_export(register, tmp_path / "e.json").read_text(encoding="utf-8"))
    assert doc["categories"]["lms_data"]["clause"] == "N6 d"
    assert doc["legal_basis"]["code"] == "customer_relationship"
    log = doc["categories"]["lms_data"]["items"][0]["activity_log"][0]
    assert log["event_name"] == "\\core\\event\\course_viewed"


def test_html_or_pdf_without_a_file_is_refused_before_anything_is_erased(
    register: Register,
) -> None:
    _aino(register)
    outcome = register.bridge("subject", "erase", "--person", "1", "--yes", "--format", "pdf")
    assert outcome.exit_code == 2 and "--out" in outcome.stderr
    with register.sessions() as session:
        assert session.get(Person, 1).status == "active"  # type: ignore[union-attr]


def test_dry_run_letter_is_a_plan_and_changes_nothing(register: Register, tmp_path: Path) -> None:
    _aino(register)
    target = tmp_path / "plan.html"
    plan = register.json(
        "subject", "erase", "--person", "1", "--dry-run", "--format", "html", "--out", str(target)
    )
    assert plan["delete"]["lms_accounts"] == 1  # the JSON answer keeps its shape
    html = target.read_text(encoding="utf-8")
    assert "Suunnitelma tietojesi poistamisesta" in html
    assert "mitään ei ole vielä poistettu" in html
    with register.sessions() as session:
        assert session.get(Person, 1).status == "active"  # type: ignore[union-attr]


def test_json_receipt_keeps_its_shape_in_a_file(register: Register, tmp_path: Path) -> None:
    _aino(register)
    target = tmp_path / "receipt.json"
    printed = register.json("subject", "erase", "--person", "1", "--yes", "--out", str(target))
    written = json.loads(target.read_text(encoding="utf-8"))
    assert written == printed and written["receipt"] == "erasure"
    assert written["systems"][0]["erased"]["lms_accounts"] == 1


def test_dates_read_as_the_controller_writes_them() -> None:
    from zoneinfo import ZoneInfo

    from bridge.services.rights.letter import Voice

    helsinki = ZoneInfo("Europe/Helsinki")
    winter = "2026-01-31T12:05:00.123456Z"  # UTC, with microseconds, as the JSON has it
    assert Voice("fi", helsinki).when(winter) == "31.1.2026 klo 14.05"
    assert Voice("en", helsinki).when(winter) == "31 Jan 2026, 14:05"
    assert Voice("fi", helsinki).when("2026-01-31") == "31.1.2026"


def test_an_unknown_time_zone_is_named(register: Register) -> None:
    outcome = run(
        "config", "check", config=register.config, env={"BRIDGE_CONTROLLER__TIMEZONE": "Mars/Base"}
    )
    assert outcome.exit_code == 2
    assert "timezone" in outcome.stderr and "Mars/Base" in outcome.stderr
