"""The sections of the access letter after the data itself: legal basis (N3), purposes
(N4), sources (N7), disclosures (N8), transfers (N9), retention (N10), rights and requests
(N11), each in the notice's words and the letter's language."""

from __future__ import annotations

from html import escape
from typing import Any

from bridge import notice
from bridge.services.rights.letter.fields import Fields
from bridge.services.rights.letter.page import paragraph, section, table


def _section(fields: Fields, key: str, *parts: str) -> str:
    title, about = notice.SECTIONS[key][fields.v.lang]
    return section(title, about, parts)


def closing_sections(fields: Fields, doc: dict[str, Any]) -> list[str]:
    v, lang = fields.v, fields.v.lang
    texts = notice.TEXTS[lang]
    legal_basis = doc.get("legal_basis") or {}
    recipients = doc.get("recipients") or {}
    processors = [
        [
            escape(p["name"]),
            escape(p.get("purpose") or ""),
            escape(p.get("dpa_reference") or ""),
            escape(v.country(p.get("hosting_country") or "")),
        ]
        for p in recipients.get("processors", [])
    ]
    systems = [
        [v.system(s["system"]), escape(v.country(s.get("hosting_country") or ""))]
        for s in (doc.get("transfers") or {}).get("systems", [])
    ]
    sources = [[escape(notice.source_text(code, lang))] for code in (doc.get("sources") or {})]
    return [
        _section(
            fields,
            "legal_basis",
            paragraph(notice.legal_basis_letter(legal_basis.get("code", ""), lang)),
        ),
        _section(fields, "purposes", paragraph(texts["purposes"])),
        _section(fields, "sources", table([v.word("meaning")], sources)),
        _section(
            fields,
            "recipients",
            paragraph(texts["no_disclosure"]),
            table(
                [
                    v.word("name"),
                    v.word("purpose"),
                    v.word("dpa_reference"),
                    v.word("hosting_country"),
                ],
                processors,
            ),
        ),
        _section(
            fields,
            "transfers",
            paragraph(texts["no_transfer"]),
            table([v.word("system"), v.word("hosting_country")], systems),
        ),
        _section(fields, "retention", *_retention(fields, doc.get("retention") or {})),
        _section(fields, "rights", paragraph(texts["rights"])),
        _section(
            fields,
            "requests",
            fields.grid(doc.get("requests") or [], ("type", "received_on", "due", "status")),
        ),
    ]


def _retention(fields: Fields, retention: dict[str, Any]) -> list[str]:
    v = fields.v
    categories = [
        [v.code("category", name), v.period(c["period"]), v.code("after", c["after"])]
        for name, c in (retention.get("categories") or {}).items()
    ]
    obligations = [
        [v.code("category", name), v.period(h["period"]), escape(h.get("reason") or "")]
        for name, h in (retention.get("legal_obligations") or {}).items()
    ]
    holds = [
        [v.code("category", h["category"]), v.when(h["until"]), escape(h.get("reason") or "")]
        for h in retention.get("holds_on_your_data") or []
    ]
    reason = [v.word("category"), v.word("period"), v.word("reason")]
    return [
        table([v.word("category"), v.word("period"), v.word("after")], categories),
        f"<h4>{v.word('legal_obligations')}</h4>{table(reason, obligations)}"
        if obligations
        else "",
        f"<h4>{v.word('holds_on_your_data')}</h4>"
        f"{table([v.word('category'), v.word('until'), v.word('reason')], holds)}"
        if holds
        else "",
    ]
