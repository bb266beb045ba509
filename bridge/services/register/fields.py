"""The fields of the register's own records and how a text becomes a field value.

The spreadsheet import (``intake``) and the record commands (``bridge person add`` …)
share these names and parsers, so ``--phone`` and a spreadsheet cell are checked the
same way. Values are parsed by ``values``; a new command row's provenance is
``new_provenance``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bridge.clock import utcnow
from bridge.errors import UsageError
from bridge.services.audit import Actor
from bridge.services.register import values as v

Parser = Callable[[str], Any]

DEFAULT_LEGAL_BASIS = "customer_relationship"
PERSON_FIELDS = ("first_name", "last_name", "email", "phone", "profession", "legal_basis")
ORGANISATION_FIELDS = (
    "name",
    "contact_name",
    "contact_email",
    "contact_phone",
    "billing_address",
    "billing_email",
    "e_invoice_address",
)


#: An organisation's name may be longer than a person's (the column holds 300).
ORGANISATION_NAME_MAX = 300


def code_parser(kind: str, allowed: tuple[str, ...] | None = None) -> Parser:
    """A parser for one of the codes of ``kind`` (``legal_basis``, ``channel`` …)."""
    return lambda text: v.parse_code(kind, text, allowed)


#: A person's own fields (``PERSON_FIELDS``).
PERSON_PARSERS: Mapping[str, Parser] = {
    "first_name": v.parse_text,
    "last_name": v.parse_text,
    "email": v.parse_email,
    "phone": v.parse_phone,
    "profession": v.parse_text,
    "legal_basis": code_parser("legal_basis"),
}
#: An organisation's key and fields (``ORGANISATION_FIELDS``).
ORGANISATION_PARSERS: Mapping[str, Parser] = {
    "business_id": v.parse_business_id,
    "name": v.text_parser(ORGANISATION_NAME_MAX),
    "contact_name": v.parse_text,
    "contact_email": v.parse_email,
    "contact_phone": v.parse_phone,
    "billing_address": v.text_parser(v.LONG_TEXT_MAX, multiline=True),
    "billing_email": v.parse_email,
    "e_invoice_address": v.text_parser(100),
}


def parse_option(option: str, parse: Parser, text: Any) -> Any:
    """One command-line value; the error names the option (``--start: …``). A value the
    command line parsed already (a date from the CLI's ``DATE`` type) is taken as it is."""
    if text is not None and not isinstance(text, str):
        return text
    if text is None or not text.strip():
        return None
    try:
        return parse(text)
    except ValueError as exc:
        raise UsageError(f"--{option.replace('_', '-')}: {exc}") from None


def parse_given(
    parsers: Mapping[str, Parser], given: Mapping[str, str | None], names: tuple[str, ...]
) -> dict[str, Any]:
    """Parse the options that were given (None = not given; an empty text clears)."""
    return {n: parse_option(n, parsers[n], given[n]) for n in names if given.get(n) is not None}


def new_provenance(actor: Actor, command: str, source: str = "admin") -> dict[str, Any]:
    """The provenance (N7) of a row a command creates now."""
    now = utcnow()
    return {
        "source": source,
        "source_ref": f"bridge {command} by {actor.name}",
        "first_seen_at": now,
        "changed_at": now,
    }
