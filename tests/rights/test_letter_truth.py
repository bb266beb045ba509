"""The letters tell the truth in the person's words: access from what the bridge did and
verified, no internal codes or accounts, Moodle's events, totals, scales and profile fields
in Finnish and English, Finnish phones and quotation marks, the state of a suspended or
ended enrolment beside its grades, and a PDF that is a posted letter."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from pypdf import PdfReader

from bridge.services.rights.letter.labels import CODES, WORDS
from bridge.services.rights.letter.lms_words import PROFILE_FIELDS
from bridge.store.models import OutboxCommand
from tests.rights.browser import page_text
from tests.rights.conftest import Register
from tests.rights.letter_data import EVENTS, EVENTS_FI, learner

#: Words of Moodle's English and of the register's internals that a Finnish letter never
#: shows (whole words, case-insensitive).
ENGLISH = (
    "sent",
    "notification",
    "assigned",
    "role",
    "added",
    "group",
    "member",
    "uploaded",
    "assessable",
    "created",
    "submission",
    "viewed",
    "course",
    "loggedin",
    "message",
    "graded",
    "subscription",
    "frobbed",
    "thing",
    "employer",
    "studentno",
    "moodle",
    "root",
    "the",
    "and",
    "your",
    "you",
    "of",
    "total",
    "grade",
    "final",
    "suspended",
    "ended",
    "active",
    "student",
    "yes",
    "no",
    "web",
)
ENGLISH_WORD = re.compile(r"(?<![\w-])(" + "|".join(ENGLISH) + r")(?![\w-])", re.IGNORECASE)


def _letter(register: Register, tmp_path: Path, *extra: str, fmt: str = "html") -> Path:
    target = tmp_path / f"letter-{'-'.join(extra) or 'fi'}.{fmt}"
    outcome = register.bridge(
        "subject", "export", "--person", "1", "--format", fmt, "--out", str(target), *extra
    )
    assert outcome.exit_code == 0, outcome.stderr
    return target


def _text(register: Register, tmp_path: Path, *extra: str) -> str:
    return page_text(_letter(register, tmp_path, *extra).read_text(encoding="utf-8"))


def _verify_every_push(register: Register, at: datetime) -> None:
    """What the push worker does when the read-back shows the account suspended."""
    with register.sessions() as session, session.begin():
        session.execute(sa.update(OutboxCommand).values(state="done", done_at=at, verified_at=at))


def test_access_after_a_verified_withdrawal_is_what_the_bridge_did(
    register: Register, tmp_path: Path
) -> None:
    learner(register)
    register.json(
        "consent", "withdraw", "--person", "1", "--purpose", "service", "--reason", "pyysi"
    )
    asked = _text(register, tmp_path)
    assert "Pääsysi sulkemista pyydettiin" in asked and "ei ole vielä vahvistanut" in asked
    _verify_every_push(register, datetime(2026, 3, 2, 10, 30, tzinfo=UTC))
    text = _text(register, tmp_path, "--force")
    # The account row still holds the last sync's "not suspended"; the letter does not.
    assert "Kirjautuminen estetty" not in text
    assert "Peruit suostumuksesi" in text
    assert "Pääsysi suljettiin 2.3.2026 klo 12.30" in text
    assert "järjestelmästä luettu tila vahvisti sen 2.3.2026 klo 12.30" in text
    english = _text(register, tmp_path, "--lang", "en")
    assert "Your access was ended on 2 Mar 2026, 12:30" in english


def test_letters_name_the_system_country_and_contact_not_codes(
    register: Register, tmp_path: Path
) -> None:
    learner(register)
    text = _text(register, tmp_path)
    assert "Järjestelmä\nMoodle-oppimisympäristö" in text
    assert "Maa\nSuomi" in text
    assert not re.search(r"\bmoodle\b|\bFI\b", text)
    receipt = tmp_path / "kuitti.html"
    outcome = register.bridge(
        "subject", "erase", "--person", "1", "--yes", "--format", "html", "--out", str(receipt)
    )
    assert outcome.exit_code == 0, outcome.stderr
    said = page_text(receipt.read_text(encoding="utf-8"))
    assert "Verkkokurssijärjestelmä: Moodle-oppimisympäristö" in said
    assert "Käsittelijä\nHeini Nyman" in said  # the controller's contact person
    assert "toimeksianto" not in said and "nro" not in said
    assert not re.search(r"\bmoodle\b|\broot\b", said)


def test_moodle_events_read_in_finnish_and_english(register: Register, tmp_path: Path) -> None:
    learner(register)
    text = _text(register, tmp_path)
    for said in EVENTS_FI:
        assert f"\n{said}\n" in text, said
    english = _text(register, tmp_path, "--lang", "en")
    for said in ("a notification was sent", "a course role was assigned", "forum: created"):
        assert said in english, said
    for name, *_ in EVENTS:
        assert name.rpartition("\\")[2] not in text


def test_course_total_is_named_and_grades_have_their_scale(
    register: Register, tmp_path: Path
) -> None:
    learner(register)
    text = _text(register, tmp_path)
    assert "Kurssin kokonaisarvosana\n4,5 / 5" in text
    assert "Suullinen koe\n7 / 10" in text
    assert "Course total\n4.5 / 5" in _text(register, tmp_path, "--lang", "en")


def test_custom_profile_fields_are_labelled_and_not_contradicted(
    register: Register, tmp_path: Path
) -> None:
    learner(register)
    text = _text(register, tmp_path)
    assert "Työnantaja\nEsimerkki Oy" in text
    assert "Opiskelijanumero\n20001" in text
    assert "Lisäkenttä ”shoe”\n42" in text
    assert "employer" not in text
    # The register's own records have no employer; the letter says whose records it means.
    assert "Asiakasrekisterin omissa tiedoissa ei ole sinusta näitä tietoja: työnantajasi." in text
    assert "on kohdassa ”Verkkokurssitietosi”" in text


def test_finnish_phones_and_quotation_marks(register: Register, tmp_path: Path) -> None:
    learner(register)
    text = _text(register, tmp_path)
    assert "+358 50 624 3562" in text and "040 123 4567" in text
    assert "+358506243562" not in text
    assert "“" not in text and "”Esimerkki" not in text
    assert re.search(r"Tietosi rekisterissä ”[^”“]+”", text)
    assert "“" in _text(register, tmp_path, "--lang", "en")


def test_grades_of_a_suspended_or_ended_enrolment_show_its_state(
    register: Register, tmp_path: Path
) -> None:
    learner(register)
    text = _text(register, tmp_path)
    assert "Kurssi: Putkihitsaus (osallistumisesi kurssille on keskeytetty)" in text
    assert "Kurssi: Työturvallisuus (osallistumisesi kurssille on päättynyt)" in text
    assert "Kurssi: Hitsauksen perusteet\n" in text  # an active enrolment: nothing beside it
    english = _text(register, tmp_path, "--lang", "en")
    assert "Course: Putkihitsaus (your enrolment in the course is suspended)" in english


def test_the_pdf_is_a_posted_letter(register: Register, tmp_path: Path) -> None:
    learner(register)
    html = _letter(register, tmp_path).read_text(encoding="utf-8")
    assert "<thead>" in html and "break-inside: avoid" in html
    assert "display: table-header-group" in html
    pdf = _letter(register, tmp_path, "--force", fmt="pdf")
    pages = PdfReader(io.BytesIO(pdf.read_bytes())).pages
    first = pages[0].extract_text()
    # The recipient's address block opens the first page, the sender's beside it.
    assert first.index("Aino Virtanen") < first.index("Tietosi rekisterissä")
    assert "Espoo" in first and "Suomi" in first and "Ruukinmestarintie" in first
    for number, one in enumerate(pages, start=1):
        assert f"Sivu {number} / {len(pages)}" in one.extract_text()
    assert len(pages) <= 4, len(pages)


def test_no_line_of_the_finnish_letter_is_english(register: Register, tmp_path: Path) -> None:
    learner(register)
    register.json(
        "consent", "withdraw", "--person", "1", "--purpose", "service", "--reason", "pyysi"
    )
    html = _letter(register, tmp_path).read_text(encoding="utf-8")
    text = page_text(html)
    english = [line for line in text.splitlines() if ENGLISH_WORD.search(line)]
    # The person's own data may be in any language; none of it here is English.
    assert not english, english
    # Every label of a record or a table is one of the letter's Finnish labels.
    finnish = {fi for fi, _ in WORDS.values()} | {fi for fi, _ in PROFILE_FIELDS.values()}
    finnish |= {fi for names in CODES.values() for fi, _ in names.values()}
    labels = {page_text(th) for th in re.findall(r"<th>(.*?)</th>", html)}
    strays = {label for label in labels if label not in finnish}
    assert strays <= {"Lisäkenttä ”shoe”"}, strays
