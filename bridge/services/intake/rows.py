"""What a valid row of each import kind is: its fields, its key and its content hash.

A row becomes an ``ImportRow`` (typed values, key, hash) or a list of ``RowError``s that
name the line and the column. Only the columns present in the file are part of a row: a
file without a phone column leaves phone numbers alone, an empty phone cell clears one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bridge.errors import UsageError
from bridge.services.intake.headers import HeaderMap, column_label, names_of
from bridge.services.intake.sources import SheetRow
from bridge.services.register import values as v
from bridge.services.register.fields import (
    ORGANISATION_NAME_MAX,
    ORGANISATION_PARSERS,
    PERSON_PARSERS,
    Parser,
    code_parser,
)
from bridge.store.people import CHANNELS


@dataclass(frozen=True)
class RowError:
    line: int
    column: str  # 'column C "Sähköposti"', or "" for the row as a whole
    message: str

    def text(self, file: str) -> str:
        where = f"{file}:{self.line}" + (f": {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class ImportRow:
    line: int
    values: Mapping[str, Any]
    key: tuple[Any, ...]
    digest: str  # hash of the imported fields: unchanged rows are not written again

    def get(self, name: str) -> Any:
        return self.values.get(name)


@dataclass(frozen=True)
class KindSpec:
    """One import kind, declared: fields with their parsers, what is required, the key."""

    kind: str
    parsers: Mapping[str, Parser]
    #: Columns the file must have; a tuple of alternatives means "one of these".
    required_columns: tuple[tuple[str, ...], ...]
    required_values: tuple[str, ...]
    key: Callable[[Mapping[str, Any]], tuple[Any, ...]]
    check: Callable[[Mapping[str, Any]], list[tuple[str, str]]] = lambda values: []
    #: Fields left out of the content hash (they do not change the row's own data).
    unhashed: frozenset[str] = field(default_factory=frozenset)
    default_source: str = "registration"
    #: A column the file may not have without others: field → (the fields it needs, what
    #: the refusal says about it).
    needs_columns: Mapping[str, tuple[tuple[str, ...], str]] = field(default_factory=dict)


def _person_key(values: Mapping[str, Any]) -> tuple[Any, ...]:
    return (v.email_key(values["email"]),)


def _subject_key(values: Mapping[str, Any]) -> tuple[Any, ...]:
    email = values.get("email")
    return (v.email_key(email) if email else None, values.get("business_id"))


def _check_relationship(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    problems = []
    if bool(values.get("email")) == bool(values.get("business_id")):
        problems.append(("email", "give either an e-mail (a person) or a business ID "
                                  "(an organisation), not both or neither"))
    end, start = values.get("end"), values.get("start")
    if end is not None and start is not None and end < start:
        problems.append(("end", f"ends ({end}) before it starts ({start})"))
    return problems


def _check_consent(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    problems = []
    purpose, channel = values.get("purpose"), values.get("channel")
    if purpose == "marketing" and not channel:
        problems.append(("channel", "a marketing consent needs a channel (email, sms, phone, "
                                    "post)"))
    if purpose == "service" and channel:
        problems.append(("channel", "a service consent has no channel; leave the cell empty"))
    if (values.get("status") or "granted") == "granted" and not values.get("evidence"):
        problems.append(("evidence", "a granted consent needs its evidence (what the person "
                                     "agreed to, and how)"))
    return problems


def build_spec(kind: str, channels: tuple[str, ...] = CHANNELS) -> KindSpec:
    """The spec of an import kind; ``channels`` are the marketing channels in use."""
    if kind == "persons":
        return KindSpec(
            kind,
            {**PERSON_PARSERS, "business_id": v.parse_business_id,
             "employer": v.text_parser(ORGANISATION_NAME_MAX), "title": v.parse_text},
            (("email",),), ("email",), _person_key, unhashed=frozenset({"employer"}),
            # A whole name in one cell is not split: Finnish office sheets write it both
            # "Sukunimi Etunimi" and "Etunimi Sukunimi", and a guess would swap names.
            needs_columns={"full_name": (("first_name", "last_name"), "holds whole names, "
                                         "which are not split (Virtanen Matti or Matti "
                                         "Virtanen?)")},
        )
    if kind == "organisations":
        return KindSpec(
            kind,
            ORGANISATION_PARSERS,
            (("business_id",), ("name",)), ("business_id", "name"),
            lambda values: (values["business_id"],), default_source="admin",
        )
    if kind == "relationships":
        return KindSpec(
            kind,
            {"email": v.parse_email, "business_id": v.parse_business_id,
             "kind": code_parser("kind"), "start": v.parse_date, "end": v.parse_date,
             "reference": v.text_parser(300)},
            (("email", "business_id"), ("kind",), ("start",)), ("kind", "start"),
            lambda values: (*_subject_key(values), values["kind"], values["start"]),
            _check_relationship, default_source="admin",
        )
    if kind == "consents":
        return KindSpec(
            kind,
            {"email": v.parse_email, "purpose": code_parser("purpose"),
             "channel": code_parser("channel", channels), "status": code_parser("status"),
             "date": v.parse_moment, "evidence": v.text_parser(v.LONG_TEXT_MAX, multiline=True)},
            (("email",), ("purpose",), ("date",)), ("email", "purpose", "date"),
            lambda values: (v.email_key(values["email"]), values["purpose"],
                            values.get("channel"), values["date"]),
            _check_consent,
        )
    raise UsageError(f"unknown import kind {kind!r}")


def check_columns(spec: KindSpec, headers: HeaderMap, file: str) -> None:
    """Refuse a file that lacks a column every row needs, or has one that needs others
    (before reading any row); a column with its companions is listed as not used."""
    for alternatives in spec.required_columns:
        if not any(name in headers.index_of for name in alternatives):
            wanted = " or ".join(
                f"{name} ({names_of(name, spec.kind)})" for name in alternatives)
            found = ", ".join(str(h) for h in headers.headers if h) or "nothing"
            raise UsageError(
                f"{file}: no column for {wanted}; the header row has: {found}")
    for name, (needed, what) in spec.needs_columns.items():
        if name not in headers.index_of:
            continue
        if all(n in headers.index_of for n in needed):  # not read: reported as unused
            headers.ignored.append(str(headers.headers[headers.index_of[name]]).strip())
        else:
            wanted = " and ".join(names_of(n, spec.kind).split(", ")[0] for n in needed)
            raise UsageError(
                f"{file}: {headers.label(name)} {what}; split it into {wanted} columns and "
                "import again (nothing was written)")


def _digest(values: Mapping[str, Any], unhashed: frozenset[str]) -> str:
    hashed = {k: val for k, val in values.items() if k not in unhashed}
    text = json.dumps(hashed, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_row(spec: KindSpec, headers: HeaderMap, row: SheetRow) -> ImportRow | list[RowError]:
    values: dict[str, Any] = {}
    errors: list[RowError] = []
    for name, index in headers.index_of.items():
        parse = spec.parsers.get(name)
        if parse is None:
            continue
        if index in row.formulas:
            errors.append(RowError(row.line, headers.label(name), f"{row.formulas[index]}: "
                                   "formula cells are not read; paste values"))
            continue
        text = row.cells[index] if index < len(row.cells) else None
        try:
            values[name] = None if text is None else parse(text)
        except ValueError as exc:
            errors.append(RowError(row.line, headers.label(name), str(exc)))
    width = len(headers.headers)
    extra = next((i for i in range(width, len(row.cells)) if row.cells[i]), None)
    if extra is not None:
        errors.append(RowError(row.line, column_label(extra, None),
                               "a value right of the last column (a separator inside an "
                               "unquoted cell?)"))
    failed = {e.column for e in errors}
    for name in spec.required_values:
        if (values.get(name) is None and name in headers.index_of
                and headers.label(name) not in failed):
            errors.append(RowError(row.line, headers.label(name), "is empty"))
    if errors:
        return errors
    for name, message in spec.check(values):
        label = headers.label(name) if name in headers.index_of else ""
        errors.append(RowError(row.line, label, message))
    if errors:
        return errors
    return ImportRow(row.line, values, spec.key(values), _digest(values, spec.unhashed))
