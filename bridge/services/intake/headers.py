"""Which spreadsheet column means which register field: the one header table, ``HEADERS``.

Headers are matched loosely: case, spaces, hyphens, underscores and dots do not matter
(``Y-tunnus`` = ``ytunnus``, ``E-mail`` = ``email``). A column the table does not know is
ignored and listed in the import report, so a "Huom." column never blocks an import.
``bridge import columns`` prints the table; ``markdown_table()`` renders it for the docs.

A relationships row names its subject by ``email`` (a person) or ``business_id`` (an
organisation), exactly one of the two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bridge.errors import UsageError

KINDS = ("persons", "organisations", "relationships", "consents")


@dataclass(frozen=True)
class Column:
    field: str
    kinds: tuple[str, ...]
    names: tuple[str, ...]  # Finnish first, then English
    value: str  # what the cell holds, for the documentation


def _column(name: str, kinds: str, names: str, value: str) -> Column:
    return Column(name, tuple(kinds.split()), tuple(n.strip() for n in names.split(",")), value)


#: The header table. Finnish names first, then English ones.
HEADERS: tuple[Column, ...] = (
    _column("first_name", "persons", "Etunimi, Etunimet, first_name, given name", "text"),
    _column("last_name", "persons", "Sukunimi, last_name, surname, family name", "text"),
    _column("full_name", "persons", "Nimi, Koko nimi, Henkilön nimi, Name, full name",
            "not split (Virtanen Matti or Matti Virtanen?): a file with it needs the "
            "Etunimi and Sukunimi columns as well, and then it is not read"),
    _column("email", "persons relationships consents",
            "Sähköposti, Sähköpostiosoite, S-posti, email, email address",
            "e-mail; the key of a person (case-insensitive)"),
    _column("phone", "persons",
            "Puhelin, Puhelinnumero, Matkapuhelin, Puh, GSM, phone, phone number, mobile, "
            "telephone", "stored as E.164; without a country code it is Finnish"),
    _column("profession", "persons", "Ammatti, profession, occupation", "text"),
    _column("legal_basis", "persons", "Oikeusperuste, Käsittelyperuste, legal_basis",
            "customer_relationship (asiakassuhde), other_connection (muu yhteys), "
            "consent (suostumus)"),
    _column("business_id", "persons organisations relationships",
            "Y-tunnus, Yritystunnus, business_id",
            "1234567-8 with a valid check digit (or FI12345678); the key of an organisation"),
    _column("employer", "persons",
            "Yritys, Työnantaja, Organisaatio, Yrityksen nimi, organisation, organization, "
            "company, employer", "employer's name; creates the employer if its ID is new"),
    _column("title", "persons", "Nimike, Tehtävänimike, Titteli, title, job title",
            "the person's title at the employer"),
    _column("name", "organisations",
            "Nimi, Yritys, Yrityksen nimi, Toiminimi, Organisaatio, name, company, company name, "
            "organisation, organization", "text"),
    _column("contact_name", "organisations", "Yhteyshenkilö, contact_name, contact person",
            "text"),
    _column("contact_email", "organisations",
            "Yhteyshenkilön sähköposti, Yhteyssähköposti, contact_email", "e-mail"),
    _column("contact_phone", "organisations",
            "Yhteyshenkilön puhelin, Yhteyspuhelin, contact_phone", "phone, stored as E.164"),
    _column("billing_address", "organisations", "Laskutusosoite, billing_address", "text"),
    _column("billing_email", "organisations",
            "Laskutussähköposti, Laskutuksen sähköposti, billing_email", "e-mail"),
    _column("e_invoice_address", "organisations",
            "Verkkolaskuosoite, OVT, OVT-tunnus, e_invoice_address, einvoice", "text"),
    _column("kind", "relationships", "Laji, Tyyppi, Suhde, kind, type",
            "contract (sopimus), other (muu)"),
    _column("start", "relationships", "Alkaa, Alkupäivä, Alkamispäivä, start, start_date",
            "date: 31.1.2026 or 2026-01-31"),
    _column("end", "relationships", "Päättyy, Loppupäivä, Päättymispäivä, end, end_date",
            "date; empty = open-ended"),
    _column("reference", "relationships",
            "Viite, Sopimusnumero, Sopimus, reference, contract, ref", "text"),
    _column("purpose", "consents", "Tarkoitus, Käyttötarkoitus, purpose",
            "service (palvelu), marketing (markkinointi)"),
    _column("channel", "consents", "Kanava, channel",
            "email (sähköposti), sms (tekstiviesti), phone (puhelin), post (posti); "
            "marketing only"),
    _column("status", "consents", "Tila, Lupa, status, consent",
            "granted (annettu, kyllä), withdrawn (peruttu, ei); empty = granted"),
    _column("date", "consents", "Päivämäärä, Pvm, Päiväys, date, given on",
            "when granted or withdrawn: date, or date and time (Finnish time)"),
    _column("evidence", "consents",
            "Todiste, Näyttö, Suostumusteksti, Lupateksti, evidence, evidence text, consent text",
            "what the person agreed to and how; required for a grant"),
)


def markdown_table() -> str:
    lines = ["| field | files | headers (Finnish, English) | value |", "|---|---|---|---|"]
    lines += [
        f"| {c.field} | {', '.join(c.kinds)} | {', '.join(c.names)} | {c.value} |"
        for c in HEADERS
    ]
    return "\n".join(lines)


def header_key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def column_letter(index: int) -> str:
    """Spreadsheet column name of a 0-based index: 0 → A, 27 → AB."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def column_label(index: int, header: str | None) -> str:
    return f'column {column_letter(index)} "{header or ""}"'


def names_of(field_name: str, kind: str) -> str:
    """The accepted headers of a field, for messages."""
    return ", ".join(next(c.names for c in HEADERS if c.field == field_name and kind in c.kinds))


@dataclass
class HeaderMap:
    """Where each known field sits in the file, and which headers were not understood."""

    headers: list[str | None]
    index_of: dict[str, int] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    def label(self, field_name: str) -> str:
        index = self.index_of[field_name]
        return column_label(index, self.headers[index])


def map_headers(kind: str, headers: list[str | None], file: str) -> HeaderMap:
    lookup = {
        header_key(name): column.field
        for column in HEADERS if kind in column.kinds for name in column.names
    }
    mapped = HeaderMap(headers)
    for index, header in enumerate(headers):
        if not header or not header.strip():
            continue
        field_name = lookup.get(header_key(header))
        if field_name is None:
            mapped.ignored.append(header.strip())
            continue
        if field_name in mapped.index_of:
            first = mapped.label(field_name)
            raise UsageError(
                f"{file}: {first} and {column_label(index, header)} both mean {field_name}; "
                "keep one of them"
            )
        mapped.index_of[field_name] = index
    return mapped
