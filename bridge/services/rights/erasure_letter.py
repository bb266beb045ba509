"""Writing the erasure receipt or plan to a file: the JSON as it is, or the letter to the
person as HTML or PDF, created 0600 through the access export's write path (a receipt
names the person's request and what was kept about them)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bridge.clock import utcnow
from bridge.files import write_private
from bridge.services.rights.export import serialise, voice
from bridge.services.rights.letter import render_plan, render_receipt
from bridge.settings import Settings

#: How a letter is drawn from the document and the language's voice.
Draw = Callable[[dict[str, Any], Any], str]


def write_receipt(
    settings: Settings,
    receipt: dict[str, Any],
    *,
    fmt: str,
    out: Path,
    lang: str | None,
    replace: bool = False,
) -> dict[str, Any]:
    """Write an erasure receipt (:func:`bridge.services.rights.erasure.execute`)."""
    return _write(settings, receipt, render_receipt, fmt, out, lang, replace)


def write_plan(
    settings: Settings,
    plan: dict[str, Any],
    *,
    fmt: str,
    out: Path,
    lang: str | None,
    replace: bool = False,
) -> dict[str, Any]:
    """Write an erasure plan (``--dry-run``): nothing is erased, the letter says so."""
    prepared = utcnow()

    def draw(plain: dict[str, Any], letter: Any) -> str:
        return render_plan(plain, letter, register_name=settings.register.name, prepared=prepared)

    return _write(settings, plan, draw, fmt, out, lang, replace)


def _write(
    settings: Settings,
    document: dict[str, Any],
    draw: Draw,
    fmt: str,
    out: Path,
    lang: str | None,
    replace: bool,
) -> dict[str, Any]:
    letter = voice(settings, lang)
    data = serialise(document, fmt, lambda plain: draw(plain, letter))
    write_private(out, data, replace=replace)
    return {"path": str(out.resolve()), "format": fmt, "bytes": len(data)}
