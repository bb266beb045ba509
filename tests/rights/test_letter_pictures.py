"""The Finnish and English letters as a person sees them: the HTML rendered in headless
chromium, the PDF's pages drawn by poppler. With ``BRIDGE_DOCS_SCREENSHOTS=1`` the pictures
replace those in ``docs/``; the Finnish letter's text, as the browser shows it, has no line
in English."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.rights.browser import pdf_pages, screenshot, visible_text
from tests.rights.conftest import Register
from tests.rights.letter_data import learner
from tests.rights.test_letter_truth import ENGLISH_WORD, _letter, _verify_every_push

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _keep(pictures: list[Path], name: str) -> None:
    """``name`` for one picture, ``name-pdf-N`` for the pages of a PDF."""
    if os.environ.get("BRIDGE_DOCS_SCREENSHOTS") != "1":
        return
    for number, picture in enumerate(pictures, start=1):
        suffix = "" if len(pictures) == 1 and "pdf" not in picture.name else f"-pdf-{number}"
        shutil.copyfile(picture, DOCS / f"{name}{suffix}.png")


def _pictures(page: Path, pdf: Path, name: str, tmp_path: Path, height: int = 2400) -> str:
    """Screenshot the page and draw the PDF's first pages; the text the browser shows."""
    _keep([screenshot(page, tmp_path / f"{name}.png", height=height)], name)
    _keep(pdf_pages(pdf, tmp_path / f"{name}-pdf"), name)
    return visible_text(page, tmp_path / f"profile-{name}")[1]


@pytest.mark.slow
def test_the_letters_in_a_browser_and_as_pdf_pages(register: Register, tmp_path: Path) -> None:
    learner(register)
    register.json(
        "consent", "withdraw", "--person", "1", "--purpose", "service",
        "--reason", "pyysi sähköpostitse",
    )  # fmt: skip
    _verify_every_push(register, datetime.now(UTC) + timedelta(minutes=3))
    for lang, name in (("fi", "export-letter-fi"), ("en", "export-letter-en")):
        extra = ("--lang", lang)
        page = _letter(register, tmp_path, *extra)
        pdf = _letter(register, tmp_path, *extra, fmt="pdf")
        text = _pictures(page, pdf, name, tmp_path)
        if lang == "fi":
            assert not ENGLISH_WORD.search(text.replace("”shoe”", "")), ENGLISH_WORD.search(text)
            assert "Pääsysi suljettiin" in text and "Peruit suostumuksesi" in text
        else:
            assert "Your access was ended on" in text
    for lang in ("fi", "en"):
        pictures = {}
        for fmt in ("html", "pdf"):
            target = tmp_path / f"receipt-{lang}.{fmt}"
            erase = ("subject", "erase", "--person", "1", "--yes", "--format", fmt)
            first = lang == "fi" and fmt == "html"
            command = erase if first else ("subject", "receipt", "--person", "1", "--format", fmt)
            outcome = register.bridge(*command, "--out", str(target), "--lang", lang)
            assert outcome.exit_code == 0, outcome.stderr
            pictures[fmt] = target
        receipt = f"erasure-receipt-{lang}"
        text = _pictures(pictures["html"], pictures["pdf"], receipt, tmp_path, height=1250)
        assert (
            "Moodle-oppimisympäristö" if lang == "fi" else "Moodle learning environment"
        ) in text
        assert "Heini Nyman" in text
