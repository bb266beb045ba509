"""How one value reads in a letter: dates in the controller's time zone and local format,
Moodle (Unix) times as dates, Moodle's HTML as clean text, codes as names.

Every function returns HTML that is safe to put in the page: plain values are escaped,
Moodle's HTML goes through nh3 (a maintained sanitiser) with a handful of text tags kept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

import nh3

from bridge.notice import LANGUAGES
from bridge.services.rights.letter import lms_words
from bridge.services.rights.letter.labels import CODES, WORDS

#: The tags kept from Moodle's HTML: paragraphs, breaks, lists and emphasis; no attributes.
TEXT_TAGS = {"p", "br", "ul", "ol", "li", "strong", "em", "b", "i"}
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: "12 months", "30 days", "6 years": how a retention period is written in the settings.
PERIOD = re.compile(r"^(\d+)\s+(\w+)$")
#: A Finnish number written as one run of digits: +358 or 0, then the subscriber number.
FINNISH_PHONE = re.compile(r"^(\+358|0)(\d{6,10})$")
#: Quotation marks: Finnish writes ”…” on both sides, English “…”.
QUOTES = {"fi": ("\u201d", "\u201d"), "en": ("\u201c", "\u201d")}


@dataclass(frozen=True)
class Voice:
    """The letter's language and the controller's time zone: what every value needs, and the
    kind of each configured LMS connector (name → kind) so that a system reads by its name."""

    lang: str
    tz: ZoneInfo
    systems: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.lang not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")

    @property
    def index(self) -> int:
        return LANGUAGES.index(self.lang)

    def text(self, key: str) -> str:
        """A label or phrase in the letter's language, as plain text."""
        return WORDS[key][self.index]

    def word(self, key: str) -> str:
        """A label or phrase in the letter's language, as HTML."""
        return escape(self.text(key))

    def code(self, field: str, value: Any) -> str:
        """The readable name of a code; an unknown code is shown as words, never as a key."""
        names = CODES.get(field, {})
        if isinstance(value, str) and value in names:
            return escape(names[value][self.index])
        return escape(str(value).replace("_", " "))

    def when(self, value: Any) -> str:
        """A moment as ``31.1.2026 klo 14.05`` / ``31 Jan 2026, 14:05``; a date alone
        without the time. Accepts ISO text (the JSON export's), datetimes and Unix seconds."""
        moment = _moment(value)
        if moment is None:
            return ""
        if isinstance(moment, datetime):
            local = moment.astimezone(self.tz)
            if self.lang == "fi":
                return f"{_day(local, 'fi')} klo {local.hour}.{local.minute:02d}"
            return f"{_day(local, 'en')}, {local.hour:02d}:{local.minute:02d}"
        return _day(moment, self.lang)

    def number(self, value: float) -> str:
        """A grade as people write it: 88.0 → "88", 4.5 → "4,5" in Finnish."""
        shown = f"{value:.0f}" if value == int(value) else f"{value:.2f}".rstrip("0")
        return shown.replace(".", ",") if self.lang == "fi" else shown

    def yes_no(self, value: bool) -> str:
        return self.word("yes" if value else "no")

    def period(self, text: str) -> str:
        """ "12 months" → "12 kuukautta"."""
        match = PERIOD.match(text.strip())
        if not match:
            return escape(text)
        return f"{match[1]} {self.code('unit', match[2])}"

    def event(self, entry: dict[str, Any]) -> str:
        """What a Moodle log event means for the person (``\\core\\event\\course_viewed`` →
        "viewed the course"); an unknown event reads as its area and what was done."""
        return escape(
            lms_words.event_words(
                str(entry.get("event_name") or ""),
                str(entry.get("component") or ""),
                str(entry.get("action") or ""),
                str(entry.get("crud") or ""),
                self.index,
            )
        )

    def quote(self, text: str) -> str:
        """Text in the language's quotation marks, as plain text."""
        opening, closing = QUOTES[self.lang]
        return f"{opening}{text}{closing}"

    def system(self, name: str) -> str:
        """A connector by what it is (``moodle`` → "Moodle-oppimisympäristö"); its configured
        name is added only where two connectors of one kind would otherwise read alike."""
        kind = self.systems.get(name, name)
        if kind not in lms_words.SYSTEM_KINDS:
            return escape(lms_words.OTHER_SYSTEM[self.index].format(name=name))
        shown = lms_words.SYSTEM_KINDS[kind][self.index]
        alike = [n for n, k in self.systems.items() if k == kind]
        return escape(f"{shown} ({name})" if len(alike) > 1 else shown)

    def country(self, code: str) -> str:
        """An ISO country code as the country's name ("FI" → "Suomi"), as plain text."""
        names = lms_words.COUNTRIES.get(code.upper())
        return names[self.index] if names else code

    def profile_field(self, name: str) -> str:
        """A Moodle custom profile field's label: known short names in words, others as
        an additional field with the site's name for it."""
        known = lms_words.PROFILE_FIELDS.get(name.lower())
        if known:
            return escape(known[self.index])
        return escape(lms_words.OTHER_FIELD[self.index].format(name=self.quote(name)))


def phone(text: str) -> str:
    """A Finnish phone number grouped as Finns write it (``+358506243562`` →
    ``+358 50 624 3562``, ``0401234567`` → ``040 123 4567``); other numbers as given."""
    match = FINNISH_PHONE.match(re.sub(r"[\s\-()]", "", text))
    if not match:
        return text
    country, number = match[1], match[2]
    # Mobile and national prefixes (4x, 50, 1x, 2x, 30, 60, 70, 80) have two digits;
    # the old area codes (2, 3, 5, 6, 8, 9) one.
    area = 2 if number[0] in "147" or number[:2] in ("50", "20", "30", "60", "80") else 1
    rest = number[area:]
    groups = [rest[:-4], rest[-4:]] if len(rest) > 4 else [rest]
    prefix = f"+358 {number[:area]}" if country == "+358" else f"0{number[:area]}"
    return " ".join([prefix, *[g for g in groups if g]])


def _moment(value: Any) -> datetime | date | None:
    if value is None or value == "" or value == 0:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    text = str(value)
    if "T" not in text:
        return date.fromisoformat(text)
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _day(day: date, lang: str) -> str:
    if lang == "fi":
        return f"{day.day}.{day.month}.{day.year}"
    return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"


def clean_html(text: str) -> str:
    """Moodle's HTML (a submission, a message, feedback) as clean text: scripts and styles
    dropped with their content, other tags dropped except paragraphs, lists and emphasis."""
    return nh3.clean(text, tags=TEXT_TAGS, attributes={}, link_rel=None, strip_comments=True)


def file_size(size: int, lang: str) -> str:
    """Bytes in the units people read: "12 kt" / "12 kB"."""
    units = ("t", "kt", "Mt", "Gt") if lang == "fi" else ("B", "kB", "MB", "GB")
    amount, unit = float(size), 0
    while amount >= 1000 and unit < len(units) - 1:
        amount, unit = amount / 1000, unit + 1
    shown = f"{amount:.0f}" if unit == 0 or amount >= 10 else f"{amount:.1f}"
    return f"{shown.replace('.', ',') if lang == 'fi' else shown} {units[unit]}"


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}
