"""A real browser for the letter tests: Debian's chromium, headless, for a screenshot of a
page and the text a person sees on it (the DOM after rendering, tags and styles left out)."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

NAMES = ("chromium", "chromium-browser", "google-chrome")

#: How a letter test skipped for a missing system program begins its reason; `make test`
#: ends with these (tests/conftest.py), so that nobody takes the letters as tested.
UNTESTED = "letters untested: "


def untested(program: str, package: str) -> str:
    """The skip reason for a letter test that needs ``program`` from Debian's ``package``."""
    return (
        f"{UNTESTED}{program} not installed — make system-packages "
        f"(or as root: apt-get install {package})"
    )


def chromium() -> str:
    """The browser's path; the test is skipped, saying why, when none is installed."""
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip(untested("chromium", "chromium"))


def _run(page: Path, profile: Path, *flags: str) -> str:
    browser = chromium()
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *flags,
        page.resolve().as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def screenshot(page: Path, target: Path, *, width: int = 1000, height: int = 2600) -> Path:
    _run(
        page,
        target.parent / "chromium-profile",
        f"--screenshot={target}",
        f"--window-size={width},{height}",
    )
    assert target.read_bytes().startswith(b"\x89PNG"), "chromium wrote no PNG"
    return target


def pdf_pages(pdf: Path, prefix: Path, *, last: int = 2, dpi: int = 70) -> list[Path]:
    """The first ``last`` pages of a PDF as PNG pictures, drawn by poppler's pdftoppm (the
    test is skipped, saying why, when it is not installed)."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        pytest.skip(untested("pdftoppm", "poppler-utils"))
    command = [tool, "-png", "-r", str(dpi), "-f", "1", "-l", str(last), str(pdf), str(prefix)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    pages = sorted(prefix.parent.glob(f"{prefix.name}-*.png"))
    assert pages and all(p.read_bytes().startswith(b"\x89PNG") for p in pages)
    return pages


class _Text(HTMLParser):
    """The text of a page's body, as a person sees it: no tags, no style, no script."""

    HIDDEN = frozenset({"style", "script", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hidden = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def page_text(html: str) -> str:
    """The text a person sees in a page's HTML, each block on its own line."""
    parser = _Text()
    parser.feed(html.replace("<", "\n<"))
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


def visible_text(page: Path, profile: Path) -> tuple[str, str]:
    """(the rendered DOM, the text a person sees in it)."""
    dom = _run(page, profile, "--dump-dom")
    parser = _Text()
    parser.feed(dom)
    return dom, " ".join(" ".join(parser.parts).split())
