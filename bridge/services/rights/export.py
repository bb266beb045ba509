"""The data subject's access export (N11): everything the register holds about a person.

JSON format (``format`` = ``lms-registry-bridge/subject-export``, ``version`` = 1):

- ``controller`` (N1), ``register`` (N2), ``legal_basis`` (N3: ``code`` and ``text``),
  ``purposes`` (N4), ``sources`` (N7: what each ``source`` value means),
  ``recipients`` (N8: processors from ``[processors]``), ``transfers`` (N9: where each
  LMS is hosted), ``retention`` (N10: period per category and the holds on the person),
  ``rights`` (N11), ``requests`` (the person's data-subject requests).
- ``categories``: the notice's N6 groups, each ``{"clause", "title", "items"}``:
  ``basic_data`` (a), ``employer`` (b), ``customer_relationship`` (c),
  ``consents_and_marketing`` (c) and ``lms_data`` (d). An LMS item is one account:
  its profile, ``courses`` (each with ``enrolment``, ``grades`` and ``assignments`` with
  the person's ``submissions`` and submitted texts and ``assignment_grades``),
  ``messages`` (the conversations the person is in) and ``activity_log``.
- Every item carries ``provenance`` (N7): ``source``, ``source_ref``, ``first_seen_at``,
  ``changed_at``, ``last_seen_at``, ``removed_in_lms_at``. LMS times are ISO-8601 UTC.

Files are created with mode 0600 whatever the umask; every export is audited.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.errors import UsageError
from bridge.registry.base import Base, Provenance, utcnow
from bridge.registry.models import (
    Consent,
    CustomerRelationship,
    LegalHold,
    LmsAccount,
    LmsAssignment,
    LmsAssignmentGrade,
    LmsCourse,
    LmsEnrolment,
    LmsGrade,
    LmsGradeItem,
    LmsLogEntry,
    LmsMessage,
    LmsSubmission,
    MarketingProhibition,
    Organisation,
    Person,
    PersonOrganisation,
)
from bridge.registry.queries import lms_accounts
from bridge.services import audit
from bridge.services.audit import Actor
from bridge.services.rights.erasure import conversation_message_ids
from bridge.services.rights.export_html import render_html
from bridge.services.rights.requests import as_dict as request_dict
from bridge.services.rights.requests import link_artefact, list_requests
from bridge.settings import Settings

FORMATS = ("json", "html")
LEGAL_BASIS_TEXT = {
    "customer_relationship": "Your data is processed on the basis of your customer relationship.",
    "other_connection": "Your data is processed on the basis of another relevant connection.",
    "consent": "Your data is processed on the basis of your consent.",
}
LEGAL_BASIS_NOTE = (
    "The service needs some data to work (e-mail, name). Consent can be withdrawn at any "
    "time; you then lose the right to the service."
)
PURPOSES = (
    "Maintaining, managing and developing the customer relationships of the training "
    "services; the controller's own direct marketing (only as your marketing permissions "
    "allow)."
)
SOURCES = {
    "registration": "collected when you registered",
    "lms_sync": "recorded by the online-course system while you used the service",
    "data_subject": "given or corrected by you",
    "admin": "recorded by the controller's staff from your communication with us",
}
RIGHTS = (
    "You have the right to check the data stored about you (this export). A request is "
    "made in writing and signed to the contact person above, or in person at the "
    "controller's address. You have the right to have wrong data corrected, and in some "
    "situations to have your data erased. Electronic direct marketing is sent only with "
    "your consent, and you may withdraw a consent or prohibit direct marketing at any "
    "time. You may lodge a complaint with the supervisory authority (in Finland the Data "
    "Protection Ombudsman, tietosuoja.fi)."
)
NO_DISCLOSURE = (
    "Your data is not disclosed to outsiders and is used only for the purposes above. "
    "Processors that help manage customer data have a GDPR data-processing agreement."
)
#: N6 groups: key → (clause, title).
CATEGORIES = {
    "basic_data": ("N6 a", "Basic data"),
    "employer": ("N6 b", "Employer"),
    "customer_relationship": ("N6 c", "Customer relationship"),
    "consents_and_marketing": ("N6 c", "Consents and direct-marketing permissions"),
    "lms_data": ("N6 d", "Online-course data"),
}


def lms_time(value: int | None) -> str | None:
    """An LMS (Unix) timestamp as ISO-8601 UTC; 0 and None mean "not set"."""
    if not value:
        return None
    return datetime.fromtimestamp(value, UTC).isoformat().replace("+00:00", "Z")


def _provenance(row: Provenance) -> dict[str, Any]:
    return {
        "source": row.source,
        "source_ref": row.source_ref,
        "first_seen_at": row.first_seen_at,
        "changed_at": row.changed_at,
        "last_seen_at": row.last_seen_at,
        "removed_in_lms_at": row.removed_in_lms_at,
    }


def _item(row: Base, names: Iterable[str], **extra: Any) -> dict[str, Any]:
    """The named columns (LMS times ending in ``_at``/``_date``/``time_`` made readable)."""
    values: dict[str, Any] = {}
    for name in names:
        value = getattr(row, name)
        is_lms_time = (
            isinstance(value, int)
            and not isinstance(value, bool)
            and (name.startswith("time_") or name.endswith(("_date", "_access", "_at")))
        )
        values[name] = lms_time(value) if is_lms_time else value
    values.update(extra)
    if isinstance(row, Provenance):
        values["provenance"] = _provenance(row)
    return values


def _all(session: Session, query: Any) -> list[Any]:
    return list(session.scalars(query))


def _register_categories(session: Session, person: Person) -> dict[str, list[dict[str, Any]]]:
    basic = _item(
        person, ("first_name", "last_name", "email", "phone", "profession", "legal_basis", "status")
    )
    links = session.execute(
        sa.select(PersonOrganisation, Organisation)
        .join(Organisation, Organisation.id == PersonOrganisation.organisation_id)
        .where(PersonOrganisation.person_id == person.id)
        .order_by(Organisation.name)
    ).all()
    employers = [
        _item(
            org,
            (
                "name",
                "business_id",
                "contact_name",
                "contact_email",
                "contact_phone",
                "billing_address",
                "billing_email",
                "e_invoice_address",
            ),
            title=link.title,
            link=_provenance(link),
        )
        for link, org in links
    ]
    org_ids = [org.id for _, org in links]
    relationships = _all(
        session,
        sa.select(CustomerRelationship)
        .where(
            sa.or_(
                CustomerRelationship.person_id == person.id,
                CustomerRelationship.organisation_id.in_(org_ids),
            )
        )
        .order_by(CustomerRelationship.start_date, CustomerRelationship.id),
    )
    consents = _all(
        session, sa.select(Consent).where(Consent.person_id == person.id).order_by(Consent.id)
    )
    prohibitions = _all(
        session,
        sa.select(MarketingProhibition)
        .where(
            sa.or_(
                MarketingProhibition.person_id == person.id,
                MarketingProhibition.organisation_id.in_(org_ids),
            )
        )
        .order_by(MarketingProhibition.id),
    )
    return {
        "basic_data": [basic],
        "employer": employers,
        "customer_relationship": [
            _item(
                r,
                ("kind", "start_date", "end_date", "reference"),
                held_by="you" if r.person_id == person.id else "your employer",
            )
            for r in relationships
        ],
        "consents_and_marketing": [
            *(
                _item(
                    c,
                    ("purpose", "channel", "status", "granted_at", "withdrawn_at", "evidence"),
                    record="consent",
                )
                for c in consents
            ),
            *(
                _item(
                    p,
                    ("channel", "prohibited_at", "lifted_at", "evidence"),
                    record="marketing prohibition",
                    held_by="you" if p.person_id == person.id else "your employer",
                )
                for p in prohibitions
            ),
        ],
    }


def _course_data(session: Session, account: LmsAccount) -> list[dict[str, Any]]:
    conn, uid = account.connector, account.lms_user_id
    enrolments = {
        e.lms_course_id: e
        for e in _all(
            session,
            sa.select(LmsEnrolment).where(
                LmsEnrolment.connector == conn, LmsEnrolment.lms_user_id == uid
            ),
        )
    }
    grades = _all(
        session,
        sa.select(LmsGrade)
        .where(LmsGrade.connector == conn, LmsGrade.lms_user_id == uid)
        .order_by(LmsGrade.lms_item_id),
    )
    submissions = _all(
        session,
        sa.select(LmsSubmission)
        .where(LmsSubmission.connector == conn, LmsSubmission.lms_user_id == uid)
        .order_by(LmsSubmission.lms_submission_id),
    )
    assignment_grades = _all(
        session,
        sa.select(LmsAssignmentGrade)
        .where(LmsAssignmentGrade.connector == conn, LmsAssignmentGrade.lms_user_id == uid)
        .order_by(LmsAssignmentGrade.lms_grade_id),
    )
    assignment_ids = {s.lms_assignment_id for s in submissions} | {
        g.lms_assignment_id for g in assignment_grades
    }
    assignments = {
        a.lms_assignment_id: a
        for a in _all(
            session,
            sa.select(LmsAssignment).where(
                LmsAssignment.connector == conn, LmsAssignment.lms_assignment_id.in_(assignment_ids)
            ),
        )
    }
    items = {
        i.lms_item_id: i
        for i in _all(
            session,
            sa.select(LmsGradeItem).where(
                LmsGradeItem.connector == conn,
                LmsGradeItem.lms_item_id.in_([g.lms_item_id for g in grades]),
            ),
        )
    }
    course_ids = (
        set(enrolments)
        | {g.lms_course_id for g in grades}
        | {a.lms_course_id for a in assignments.values()}
    )
    courses = {
        c.lms_course_id: c
        for c in _all(
            session,
            sa.select(LmsCourse).where(
                LmsCourse.connector == conn, LmsCourse.lms_course_id.in_(course_ids)
            ),
        )
    }
    result = []
    for course_id in sorted(course_ids):
        course = courses.get(course_id)
        enrolment = enrolments.get(course_id)
        result.append(
            {
                "course": _item(
                    course, ("lms_course_id", "shortname", "fullname", "start_date", "end_date")
                )
                if course
                else {"lms_course_id": course_id},
                "enrolment": _item(enrolment, ("roles", "status", "groups", "last_course_access"))
                if enrolment
                else None,
                "grades": [
                    _item(
                        g,
                        ("grade", "feedback", "graded_at", "hidden", "overridden"),
                        item=items[g.lms_item_id].name if g.lms_item_id in items else None,
                    )
                    for g in grades
                    if g.lms_course_id == course_id
                ],
                "assignments": [
                    {
                        "assignment": _item(a, ("lms_assignment_id", "name", "due_date")),
                        "submissions": [
                            _item(
                                s,
                                (
                                    "status",
                                    "attempt",
                                    "grading_status",
                                    "online_text",
                                    "files",
                                    "time_created",
                                    "time_modified",
                                ),
                            )
                            for s in submissions
                            if s.lms_assignment_id == a.lms_assignment_id
                        ],
                        "assignment_grades": [
                            _item(g, ("attempt", "grade", "time_created", "time_modified"))
                            for g in assignment_grades
                            if g.lms_assignment_id == a.lms_assignment_id
                        ],
                    }
                    for a in sorted(assignments.values(), key=lambda a: a.lms_assignment_id)
                    if a.lms_course_id == course_id
                ],
            }
        )
    return result


def _lms_data(session: Session, person: Person) -> list[dict[str, Any]]:
    accounts = []
    for account in lms_accounts(session, person.id):
        message_ids = conversation_message_ids(session, account)
        messages = _all(
            session,
            sa.select(LmsMessage)
            .where(LmsMessage.id.in_(message_ids))
            .order_by(LmsMessage.time_created, LmsMessage.id),
        )
        uid = account.lms_user_id
        log = _all(
            session,
            sa.select(LmsLogEntry)
            .where(
                LmsLogEntry.connector == account.connector,
                sa.or_(LmsLogEntry.user_id == uid, LmsLogEntry.related_user_id == uid),
            )
            .order_by(LmsLogEntry.time_created, LmsLogEntry.id),
        )
        accounts.append(
            {
                **_item(
                    account,
                    (
                        "connector",
                        "lms_user_id",
                        "username",
                        "first_name",
                        "last_name",
                        "email",
                        "idnumber",
                        "phone1",
                        "phone2",
                        "institution",
                        "department",
                        "city",
                        "country",
                        "suspended",
                        "first_access",
                        "last_access",
                        "custom_fields",
                    ),
                ),
                "courses": _course_data(session, account),
                "messages": [
                    _item(
                        m,
                        ("lms_conversation_id", "text", "time_created"),
                        sent_by="you" if m.from_user_id == uid else f"LMS user {m.from_user_id}",
                    )
                    for m in messages
                ],
                "activity_log": [
                    _item(
                        e,
                        (
                            "time_created",
                            "event_name",
                            "component",
                            "action",
                            "target",
                            "course_id",
                            "ip",
                            "origin",
                        ),
                    )
                    for e in log
                ],
            }
        )
    return accounts


def _retention(session: Session, settings: Settings, person: Person, today: date) -> dict[str, Any]:
    holds = _all(
        session,
        sa.select(LegalHold).where(
            LegalHold.person_id == person.id,
            LegalHold.lifted_at.is_(None),
            LegalHold.until >= today,
        ),
    )
    return {
        "categories": {
            name: {"period": str(c.period), "after": c.after.replace("_", " ")}
            for name, c in settings.retention.categories.items()
        },
        "legal_obligations": {
            name: {"period": str(h.period), "reason": h.reason}
            for name, h in settings.retention.holds.items()
        },
        "holds_on_your_data": [
            {"category": h.category, "until": h.until, "reason": h.reason} for h in holds
        ],
    }


def build(
    session: Session, settings: Settings, person: Person, *, request_id: int | None = None
) -> dict[str, Any]:
    """The export document (see the module docstring for its format)."""
    if person.status == "erased":
        raise UsageError(f"person {person.id} was erased: the register holds no data to export")
    today = utcnow().date()
    controller = settings.controller
    groups = {**_register_categories(session, person), "lms_data": _lms_data(session, person)}
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
        "legal_basis": {
            "code": person.legal_basis,
            "text": f"{LEGAL_BASIS_TEXT.get(person.legal_basis, '')} {LEGAL_BASIS_NOTE}".strip(),
        },
        "purposes": PURPOSES,
        "categories": {
            key: {"clause": CATEGORIES[key][0], "title": CATEGORIES[key][1], "items": items}
            for key, items in groups.items()
        },
        "sources": SOURCES,
        "recipients": {
            "statement": NO_DISCLOSURE,
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
            "statement": "Your data is not transferred outside the EU/EEA.",
            "systems": [
                {"system": name, "hosting_country": c.hosting_country}
                for name, c in settings.connectors.items()
            ],
        },
        "retention": _retention(session, settings, person, today),
        "rights": RIGHTS,
        "requests": [
            {
                k: v
                for k, v in request_dict(r, today).items()
                if k in ("id", "type", "received_on", "due", "status", "outcome")
            }
            for r in list_requests(session, today, include_closed=True, person_id=person.id)
        ],
    }


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot export {type(value).__name__}")


def serialise(document: dict[str, Any], fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}")
    plain = json.loads(json.dumps(document, default=_default, ensure_ascii=False))
    if fmt == "json":
        return (json.dumps(plain, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    return render_html(plain).encode("utf-8")


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` readable and writable by the owner only (0600).

    ``os.open``'s mode is filtered by the umask and ignored for an existing file, so the
    mode is set again on the open descriptor before anything is written.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb", closefd=False) as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    finally:
        os.close(fd)


def export(
    session: Session,
    settings: Settings,
    actor: Actor,
    person: Person,
    *,
    fmt: str,
    out: Path,
    request_id: int | None = None,
) -> dict[str, Any]:
    """Write the person's export to ``out`` (0600), audit it and link it to the request."""
    data = serialise(build(session, settings, person, request_id=request_id), fmt)
    write_private(out, data)
    summary = {
        "path": str(out.resolve()),
        "format": fmt,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "created_at": utcnow().isoformat(),
    }
    link_artefact(session, request_id, person.id, "export", summary)
    audit.record(
        session,
        actor,
        "subject export",
        person_id=person.id,
        request_id=request_id,
        details={k: v for k, v in summary.items() if k != "created_at"},
    )
    return {"person_id": person.id, "request_id": request_id, **summary}
