"""The receipt letter's account of what an LMS kept: once the read-back has confirmed the
deletion, per place the rows it still counted and why they stay; before, the mode's known
limits; and when nothing was read back, that the letter cannot say (CONTRACTS 6).

Self-contained, with its own labels, so the rest of the letter can change around it.
"""

from __future__ import annotations

from html import escape
from typing import Any

from bridge.services.rights.letter.page import record, table
from bridge.services.rights.letter.values import Voice
from bridge.services.rights.lms_remains import PLACES, ROW_NOTES, WHY

#: The section's labels: key → (fi, en).
LABELS: dict[str, tuple[str, str]] = {
    "kept_title": (
        "Mitä Moodleen jäi (luettu poiston jälkeen)",
        "What Moodle kept (read back after the deletion)",
    ),
    "place": ("Tieto", "Data"),
    "rows": ("Rivejä", "Rows"),
    "why": ("Miksi", "Why"),
    "nothing_kept": (
        "Poiston jälkeen luettuna Moodle ei enää pitänyt yhtään sinua koskevaa riviä.",
        "Read back after the deletion, Moodle held no row about you any more.",
    ),
    "not_read": (
        "Sitä, mitä Moodleen poiston jälkeen jäi, ei luettu takaisin, joten tämä kuitti ei "
        "kerro siitä mitään.",
        "What Moodle kept after the deletion was not read back, so this receipt says nothing "
        "about it.",
    ),
}


def _label(v: Voice, key: str) -> str:
    return escape(LABELS[key][v.index])


def remains_section(
    v: Voice, remains_label: str, mode: str, confirmed: bool, kept: list[dict[str, Any]] | None
) -> str:
    """HTML for what remains of one LMS part. ``kept`` is the confirmed receipt's list
    (:func:`bridge.services.rights.lms_remains.kept`), None when nothing was read back."""
    if not confirmed:
        return record([(remains_label, v.code("remains", mode))])
    if kept is None:
        return f"<p>{_label(v, 'not_read')}</p>"
    if not kept:
        return f"<p>{_label(v, 'nothing_kept')}</p>"
    rows = [[_place(v, row), escape(str(row["rows"])), _why(v, row)] for row in kept]
    columns = [_label(v, "place"), _label(v, "rows"), _label(v, "why")]
    return f"<h4>{_label(v, 'kept_title')}</h4>" + table(columns, rows)


def _place(v: Voice, row: dict[str, Any]) -> str:
    place = str(row["place"])
    return escape(PLACES.get(place, (place.replace("_", " "),) * 2)[v.index])


def _why(v: Voice, row: dict[str, Any]) -> str:
    notes = [ROW_NOTES[k][v.index].format(n=n) for k, n in (row.get("notes") or {}).items()
             if k in ROW_NOTES]
    why = WHY.get(str(row["why"]), WHY["not_removed"])[v.index]
    return escape(why + (f" ({'; '.join(notes)})" if notes else ""))
