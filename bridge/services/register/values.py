"""Parsers for the values of a register spreadsheet cell (and of CLI options).

Each parser takes the cell text (already stripped, never empty) and returns the stored
value, or raises ``ValueError`` with a message an office administrator can act on. The
import adds the file, line and column; the CLI adds the option name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time

import phonenumbers

from bridge.clock import LOCAL_ZONE
from bridge.settings.identifiers import validate_business_id
from bridge.store.people import (
    CHANNELS,
    LEGAL_BASES,
    PURPOSES,
    RELATIONSHIP_KINDS,
    normalise_email,
)

#: Dates without a time are taken as midnight in Finland (where the spreadsheets are kept).
DEFAULT_REGION = "FI"
CONSENT_STATUSES = ("granted", "withdrawn")

#: Field limits, the same on SQLite (which stores any length) and PostgreSQL (which
#: refuses with an error that quotes the row): checked here, before the database sees them.
NAME_MAX = 200
LONG_TEXT_MAX = 2000
EMAIL_MAX, EMAIL_LOCAL_MAX = 254, 64
#: C0 and C1 control characters (NUL and ESC among them) and DEL; tab and line breaks
#: are allowed only in multi-line fields (an address, a consent's evidence).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile(r"[\t\n\r]")
#: Bidirectional embeddings, overrides and isolates: they make a name read differently
#: from what is stored (``Trojan Source``), so the register never takes them in.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")

_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@"
    r"(?:[A-Za-z0-9\u00c0-\u024f](?:[A-Za-z0-9\u00c0-\u024f-]{0,61}[A-Za-z0-9\u00c0-\u024f])?\.)+"
    r"[A-Za-z]{2,63}$"
)
_FI_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+(\d{1,2})[:.](\d{2}))?$")
_FI_PHONE = re.compile(r"^(\+358[ -]?|0)([1-9][0-9]*(?:[ -][0-9]+)*)$")
_VAT_ID = re.compile(r"^FI(\d{7})(\d)$", re.IGNORECASE)


def _key(text: str) -> str:
    """Compare words loosely: case, spaces, hyphens and underscores do not matter."""
    return re.sub(r"[\s_\-]+", "", text.casefold())


#: Accepted spellings of the coded values, Finnish and English (the English code itself
#: is always accepted).
SYNONYMS: dict[str, dict[str, str]] = {
    "purpose": {
        "palvelu": "service", "palvelunkäyttö": "service", "käyttö": "service",
        "markkinointi": "marketing", "suoramarkkinointi": "marketing",
        "directmarketing": "marketing",
    },
    "channel": {
        "sähköposti": "email", "sposti": "email",
        "tekstiviesti": "sms", "teksti": "sms", "text": "sms",
        "puhelin": "phone", "puhelu": "phone", "call": "phone", "telephone": "phone",
        "posti": "post", "kirje": "post", "mail": "post", "letter": "post",
    },
    "legal_basis": {
        "asiakassuhde": "customer_relationship", "customer": "customer_relationship",
        "muuyhteys": "other_connection", "muuasiallinenyhteys": "other_connection",
        "suostumus": "consent",
    },
    "kind": {"sopimus": "contract", "muu": "other"},
    "status": {
        "annettu": "granted", "myönnetty": "granted", "kyllä": "granted", "yes": "granted",
        "peruttu": "withdrawn", "peruutettu": "withdrawn", "ei": "withdrawn", "no": "withdrawn",
    },
}
CODES: dict[str, tuple[str, ...]] = {
    "purpose": PURPOSES, "channel": CHANNELS, "legal_basis": LEGAL_BASES,
    "kind": RELATIONSHIP_KINDS, "status": CONSENT_STATUSES,
}


def parse_code(kind: str, text: str, allowed: tuple[str, ...] | None = None) -> str:
    """A coded value (purpose, channel, …) from its English code or a Finnish word."""
    codes = allowed if allowed is not None else CODES[kind]
    code = ({_key(c): c for c in CODES[kind]} | SYNONYMS[kind]).get(_key(text))
    if code is None or code not in codes:
        label = kind.replace("_", " ")
        raise ValueError(f"unknown {label} {text!r} (known: {', '.join(codes)})")
    return code


def check_text(text: str, limit: int = NAME_MAX, *, multiline: bool = False) -> str:
    """``text`` unchanged if it fits the register: at most ``limit`` characters, no
    control or bidirectional-override characters. The message names the character by its
    code point and never quotes the value (it may be long, and it is personal data)."""
    found = _CONTROL.search(text) or _BIDI.search(text)
    if found is None and not multiline:
        found = _LINE_BREAKS.search(text)
    if found is not None:
        kind = "a bidirectional-override" if _BIDI.match(found.group()) else "a control"
        raise ValueError(
            f"contains {kind} character (U+{ord(found.group()):04X}) at position "
            f"{found.start() + 1}; remove it"
        )
    if len(text) > limit:
        raise ValueError(f"is {len(text)} characters long; at most {limit} are kept")
    return text


def text_parser(limit: int = NAME_MAX, *, multiline: bool = False) -> Callable[[str], str]:
    """A parser for a free-text field of at most ``limit`` characters."""
    return lambda text: check_text(text.strip(), limit, multiline=multiline)


def parse_email(text: str) -> str:
    """An e-mail address as written (trimmed); its key is ``normalise_email`` of it.
    At most 254 characters with a local part of at most 64 (RFC 5321)."""
    email = check_text(text.strip(), EMAIL_MAX)
    if len(email.partition("@")[0]) > EMAIL_LOCAL_MAX:
        raise ValueError(
            f"the part before @ is longer than {EMAIL_LOCAL_MAX} characters; not an e-mail "
            "address")
    if not _EMAIL.match(email) or ".." in email:
        raise ValueError(f"not an e-mail address: {text!r}")
    return email


def email_key(email: str) -> str:
    key = normalise_email(email)
    assert key is not None
    return key


def _finnish_fast(text: str) -> str | None:
    """E.164 of a plainly written Finnish number (``040 123 4567``, ``+358 40-1234567``),
    checked against phonenumbers' metadata without its general parser, which is three
    times slower; anything else gets ``None`` and the full parse. Keeps a 100,000-row
    import in its time budget."""
    match = _FI_PHONE.match(text)
    if match is None:
        return None
    national = match.group(2).replace(" ", "").replace("-", "")
    number = phonenumbers.PhoneNumber(country_code=358, national_number=int(national))
    return f"+358{national}" if phonenumbers.is_valid_number(number) else None


def parse_phone(text: str, region: str = DEFAULT_REGION) -> str:
    """A phone number in E.164 (``+358401234567``); numbers without a country code are
    taken as Finnish."""
    if region == DEFAULT_REGION and (fast := _finnish_fast(text.strip())) is not None:
        return fast
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ValueError(f"not a phone number: {text!r}") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"not a valid phone number: {text!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_business_id(text: str) -> str:
    """A Finnish business ID (Y-tunnus) with a correct check digit; the VAT form
    ``FI01045059`` is accepted too."""
    vat = _VAT_ID.match(text.strip())
    return validate_business_id(f"{vat.group(1)}-{vat.group(2)}" if vat else text)


def _fi_or_iso(text: str) -> tuple[date, time | None, datetime | None]:
    text = text.strip()
    match = _FI_DATE.match(text)
    try:
        if match:
            day, month, year, hour, minute = match.groups()
            on = date(int(year), int(month), int(day))
            return on, (time(int(hour), int(minute)) if hour else None), None
        if len(text) == 10:
            return date.fromisoformat(text), None, None
        moment = datetime.fromisoformat(text.replace(" ", "T", 1))
        return moment.date(), moment.time(), moment
    except ValueError:
        pass
    raise ValueError(f"not a date: {text!r} (write 31.1.2026 or 2026-01-31)")


def parse_date(text: str) -> date:
    """A date written ``31.1.2026`` or ``2026-01-31``."""
    return _fi_or_iso(text)[0]


def parse_moment(text: str) -> datetime:
    """A point in time (UTC) from a date, or a date and time (Finnish time unless the
    ISO text names its offset)."""
    on, at, moment = _fi_or_iso(text)
    if moment is not None and moment.tzinfo is not None:
        return moment.astimezone(UTC)
    return datetime.combine(on, at or time(0), LOCAL_ZONE).astimezone(UTC)


def parse_text(text: str) -> str:
    """A one-line text such as a name: at most ``NAME_MAX`` characters."""
    return check_text(text.strip())
