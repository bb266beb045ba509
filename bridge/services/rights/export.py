"""The data subject's access export (N11): everything the register holds about a person.

JSON format (``format`` = ``lms-registry-bridge/subject-export``, ``version`` = 1):

- ``controller`` (N1), ``register`` (N2), ``recipient`` (the letter's address block),
  ``legal_basis`` (N3: ``code`` and ``text``),
  ``purposes`` (N4), ``sources`` (N7: what each ``source`` value means),
  ``recipients`` (N8: processors from ``[processors]``), ``transfers`` (N9: where each
  LMS is hosted), ``retention`` (N10: period per category and the holds on the person),
  ``rights`` (N11), ``requests`` (the person's data-subject requests).
- ``categories``: the notice's N6 groups, each ``{"clause", "title", "items"}``:
  ``basic_data`` (a), ``employer`` (b), ``customer_relationship`` (c),
  ``consents_and_marketing`` (c) and ``lms_data`` (d). An LMS item is one account:
  its profile, ``courses`` (each with ``enrolment``, ``grades`` and ``assignments`` with
  the person's ``submissions`` and submitted texts and ``assignment_grades``),
  ``messages`` (the conversations the person is in), ``activity_log`` and ``access``
  (:mod:`bridge.services.rights.export_access`: what the bridge asked of the login and
  what the read-back verified).
- Every item carries ``provenance`` (N7): ``source``, ``source_ref``, ``first_seen_at``,
  ``changed_at``, ``last_seen_at``, ``removed_in_lms_at``. LMS times are ISO-8601 UTC.

HTML and PDF are a letter to the person written from the same document
(:mod:`bridge.services.rights.letter`): in Finnish or English, codes as names, dates local.
Files are created with mode 0600 whatever the umask, never through a symbolic link and
never over an existing file unless asked; every export is audited.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bridge import notice
from bridge.clock import utcnow
from bridge.errors import UsageError
from bridge.files import write_private
from bridge.services import audit
from bridge.services.audit import Actor
from bridge.services.rights import lms_requests
from bridge.services.rights.export_lms import lms_data
from bridge.services.rights.export_register import register_categories, retention_section
from bridge.services.rights.letter import Voice, render_export, to_pdf
from bridge.services.rights.requests import link_artefact
from bridge.settings import Settings
from bridge.store.models import Person
from bridge.store.queries import effective_deadline, list_requests

FORMATS = ("json", "html", "pdf")


def build(
    session: Session, settings: Settings, person: Person, *, request_id: int | None = None
) -> dict[str, Any]:
    """The export document (see the module docstring for its format)."""
    if person.status == "erased":
        raise UsageError(f"person {person.id} was erased: the register holds no data to export")
    today = utcnow().date()
    controller = settings.controller
    accounts = [
        # Each account under its system: the connector's configured name and its kind.
        {**account, "kind": _kind(settings, account["connector"])}
        for account in lms_data(session, person)
    ]
    groups = {**register_categories(session, person), "lms_data": accounts}
    return {
        "format": "lms-registry-bridge/subject-export",
        "version": 1,
        "generated_at": utcnow(),
        "person_id": person.id,
        "request_id": request_id,
        "controller": {
            "name": controller.name,
            "business_id": controller.business_id,
            "address": controller.address,
            "contact_name": controller.contact_name,
            "contact_email": controller.contact_email,
            "contact_phone": controller.contact_phone,
        },
        "register": {"name": settings.register.name},
        "recipient": _recipient(person, groups["lms_data"]),
        "legal_basis": {
            "code": person.legal_basis,
            "text": notice.legal_basis_text(person.legal_basis),
        },
        "purposes": notice.PURPOSES,
        "categories": {
            key: {"clause": clause, "title": title, "items": items}
            for key, items in groups.items()
            for clause, title in [notice.CATEGORIES[key]]
        },
        "sources": dict(notice.SOURCES),
        "recipients": {
            "statement": notice.NO_DISCLOSURE,
            "processors": [
                {
                    "name": name,
                    "purpose": p.purpose,
                    "dpa_reference": p.dpa_reference,
                    "hosting_country": p.hosting_country,
                }
                for name, p in settings.processors.items()
            ],
        },
        "transfers": {
            "statement": notice.NO_TRANSFER,
            "systems": [
                {"system": name, "hosting_country": c.hosting_country}
                for name, c in settings.connectors.items()
            ],
        },
        "retention": retention_section(session, settings, person, today),
        "rights": notice.RIGHTS,
        "requests": [
            {
                "id": r.id,
                "type": r.type,
                "received_on": r.received_on,
                "due": effective_deadline(r),
                "status": r.status,
                "outcome": r.outcome,
            }
            for r in list_requests(session, today, include_closed=True, person_id=person.id)
        ],
    }


def _kind(settings: Settings, connector: str) -> str | None:
    """The kind of LMS a connector reaches; None for one no longer configured."""
    section = settings.connectors.get(connector)
    return section.kind if section is not None else None


def _recipient(person: Person, accounts: list[dict[str, Any]]) -> dict[str, Any]:
    """Whom the posted letter is addressed to: the person's name, and the place the register
    knows for them (the LMS profile's city and country) where it knows one."""
    name = " ".join(part for part in (person.first_name, person.last_name) if part)
    place = next((a for a in accounts if a.get("city") or a.get("country")), {})
    return {"name": name, "city": place.get("city"), "country": place.get("country")}


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot export {type(value).__name__}")


def voice(settings: Settings, lang: str | None) -> Voice:
    """The letter's language (``--lang``, else ``register.language``) and time zone."""
    return Voice(
        lang or settings.register.language,
        ZoneInfo(settings.controller.timezone),
        {name: connector.kind for name, connector in settings.connectors.items()},
    )


def serialise(document: dict[str, Any], fmt: str, render: Callable[[dict[str, Any]], str]) -> bytes:
    """JSON as it is, or the letter ``render`` writes from the plain JSON, as HTML or PDF."""
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}")
    plain = json.loads(json.dumps(document, default=_default, ensure_ascii=False))
    if fmt == "json":
        return (json.dumps(plain, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    html = render(plain)
    return to_pdf(html) if fmt == "pdf" else html.encode("utf-8")


def export(
    session: Session,
    settings: Settings,
    actor: Actor,
    person: Person,
    *,
    fmt: str,
    out: Path,
    request_id: int | None = None,
    replace: bool = False,
    lang: str | None = None,
) -> dict[str, Any]:
    """Write the person's export to ``out`` (0600), audit it and link it to the request.

    HTML and PDF are the letter to the person in ``lang`` (default ``register.language``).
    An existing ``out`` is replaced only with ``replace`` (``--force``); a link is never
    followed (:func:`bridge.files.private_file`)."""
    letter = voice(settings, lang)
    document = build(session, settings, person, request_id=request_id)
    data = serialise(document, fmt, lambda plain: render_export(plain, letter))
    write_private(out, data, replace=replace)
    summary = {
        "path": str(out.resolve()),
        "format": fmt,
        **({} if fmt == "json" else {"language": letter.lang}),
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "created_at": utcnow().isoformat(),
    }
    link_artefact(session, request_id, person.id, "export", summary)
    lms_requests.answer_export(session, settings, actor, request_id)
    audit.record(
        session,
        actor,
        "subject export",
        person_id=person.id,
        request_id=request_id,
        details={k: v for k, v in summary.items() if k != "created_at"},
    )
    return {"person_id": person.id, "request_id": request_id, **summary}
