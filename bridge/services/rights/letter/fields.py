"""Values, records and tables of a letter in one voice: which fields are times, codes or
Moodle's HTML, and how an item's provenance (N7) reads in one line."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from bridge import notice
from bridge.services.rights.letter.page import Row, table
from bridge.services.rights.letter.values import Voice, clean_html, file_size, is_empty, phone

#: Fields whose values are dates or times, and fields whose values are codes with names.
TIMES = {
    "start_date",
    "end_date",
    "granted_at",
    "withdrawn_at",
    "prohibited_at",
    "lifted_at",
    "first_access",
    "last_access",
    "last_course_access",
    "graded_at",
    "due_date",
    "time_created",
    "time_modified",
    "until",
    "received_on",
    "due",
}
CODED = {
    "legal_basis",
    "status",
    "kind",
    "held_by",
    "record",
    "purpose",
    "channel",
    "roles",
    "grading_status",
    "origin",
    "after",
    "category",
    "type",
}
#: Fields holding Moodle's HTML.
MOODLE_HTML = {"online_text", "text", "feedback"}
#: Fields holding phone numbers, and ISO country codes.
PHONES = {"phone", "phone1", "phone2", "contact_phone"}
COUNTRIES = {"country", "hosting_country"}


class Fields:
    """Renders labelled values, records and tables in one voice."""

    def __init__(self, voice: Voice) -> None:
        self.v = voice

    # -- values -----------------------------------------------------------------------
    def value(self, key: str, value: Any) -> str:
        if is_empty(value):
            return ""
        if isinstance(value, bool):
            return self.v.yes_no(value)
        if isinstance(value, float):
            return self.v.number(value)
        if key in TIMES:
            return self.v.when(value)
        if key in MOODLE_HTML:
            return f'<div class="plain">{clean_html(str(value))}</div>'
        if key == "files":
            return "<br>".join(self.file(f) for f in value)
        if isinstance(value, list):
            return ", ".join(self.value(key, v) for v in value if not is_empty(v))
        if isinstance(value, dict):
            return "<br>".join(f"{escape(str(k))}: {escape(str(v))}" for k, v in value.items())
        if key in CODED:
            return self.v.code(key, value)
        if key in PHONES:
            return escape(phone(str(value)))
        if key in COUNTRIES:
            return escape(self.v.country(str(value)))
        return escape(str(value))

    def file(self, entry: Any) -> str:
        if not isinstance(entry, dict):
            return escape(str(entry))
        details = [file_size(entry["filesize"], self.v.lang)] if entry.get("filesize") else []
        if entry.get("time_modified"):
            details.append(self.v.when(entry["time_modified"]))
        suffix = f" ({', '.join(details)})" if details else ""
        return f"{escape(str(entry.get('filename', '')))}{suffix}"

    def provenance(self, prov: Any) -> str:
        """N7 in one line: what the source means and when the item was recorded/changed."""
        if not isinstance(prov, dict) or not prov.get("source"):
            return ""
        parts = [escape(notice.source_text(prov["source"], self.v.lang))]
        for key in ("first_seen_at", "changed_at", "removed_in_lms_at"):
            if prov.get(key):
                parts.append(f"{self.v.word(key)} {self.v.when(prov[key])}")
        return "; ".join(parts)

    def rows(self, item: dict[str, Any], keys: Iterable[str]) -> list[Row]:
        return [(self.v.word(k), self.value(k, item.get(k))) for k in keys]

    def grid(self, items: list[dict[str, Any]], keys: Iterable[str], **extra: Any) -> str:
        """A table of items with one column per key (and computed columns in ``extra``)."""
        keys = list(keys)
        columns = [self.v.word(k) for k in (*keys, *extra)]
        rows = [
            [self.value(k, i.get(k)) for k in keys] + [compute(i) for compute in extra.values()]
            for i in items
        ]
        return table(columns, rows)
