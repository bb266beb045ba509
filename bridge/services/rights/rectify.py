"""Rectification (N11): correct the register and, for the fields the LMS holds too, push
the correction to every LMS account of the person through the outbox, in the same
transaction. The push worker writes the values and reads them back (verification).

Fields: ``first_name``, ``last_name``, ``email``, ``phone``, ``profession`` (the register's
person row; all but ``profession`` also live in Moodle), ``institution``, ``department``,
``city`` (held on the LMS account only) and ``custom.SHORTNAME`` (a Moodle custom profile
field). The register's copy of the LMS account is updated at once so that an access
export right after shows the corrected data; the next sync confirms it from the LMS.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from bridge.clock import utcnow
from bridge.errors import UsageError
from bridge.services import audit
from bridge.services.audit import Actor
from bridge.services.push.outbox import Push, enqueue_for_accounts, reachable
from bridge.services.register.fields import PERSON_PARSERS
from bridge.services.register.persons import email_free
from bridge.services.register.values import check_text
from bridge.services.rights.requests import link_artefact
from bridge.settings import Settings
from bridge.store.models import LmsAccount, Person
from bridge.store.people import normalise_email
from bridge.store.queries import lms_accounts

#: Register person field → LMS account field (the push worker's change names).
PERSON_TO_LMS = {
    "first_name": "first_name",
    "last_name": "last_name",
    "email": "email",
    "phone": "phone1",
    "profession": None,
}
#: Fields only the LMS account holds.
LMS_ONLY = ("institution", "department", "city")
CUSTOM_PREFIX = "custom."
#: ``custom.SHORTNAME``: a Moodle profile field's short name is letters, digits and ``_``.
CUSTOM_FIELD = re.compile(r"custom\.[A-Za-z0-9_]{1,100}", re.ASCII)
#: A custom profile field's value (Moodle's text fields default to 2,048 characters).
CUSTOM_MAX = 2048
REQUIRED = ("email",)


def parse_assignments(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``field=value`` texts into a mapping; a field named twice is an error."""
    changes: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"--set {pair!r}: write field=value")
        if name in changes:
            raise UsageError(f"--set names {name} twice")
        known = (
            name in PERSON_TO_LMS
            or name in LMS_ONLY
            or CUSTOM_FIELD.fullmatch(name) is not None
        )
        if not known:
            fields = ", ".join([*PERSON_TO_LMS, *LMS_ONLY, "custom.SHORTNAME"])
            raise UsageError(f"--set {name!r}: not a field that can be rectified ({fields})")
        changes[name] = value.strip()
    if not changes:
        raise UsageError("give at least one --set field=value")
    return changes


def _person_value(session: Session, person: Person, name: str, text: str) -> Any:
    if not text:
        if name in REQUIRED:
            raise UsageError(f"{name} cannot be emptied: it is the person's key")
        return None
    try:
        value = PERSON_PARSERS[name](text)
    except ValueError as exc:
        raise UsageError(f"{name}: {exc}") from None
    if name == "email":
        person.email_normalised = email_free(session, value, person.id)
    return value


def _account_value(name: str, text: str) -> str | None:
    """An LMS-only field's value as the register keeps it and the LMS is sent it: the
    same checks as the register's own text (no control or bidi-override characters,
    within the column), so what goes to Moodle could also be stored here."""
    if not text:
        return None
    limit = LmsAccount.__table__.c[name].type.length if name in LMS_ONLY else CUSTOM_MAX
    try:
        return check_text(text, limit)
    except ValueError as exc:
        raise UsageError(f"{name}: {exc}") from None


def _account_changes(
    person_changes: Mapping[str, Any], account_changes: Mapping[str, str]
) -> dict[str, Any]:
    """The push payload's ``changes``: LMS field names, custom fields grouped."""
    changes: dict[str, Any] = {
        PERSON_TO_LMS[k]: v for k, v in person_changes.items() if PERSON_TO_LMS[k]
    }
    custom = {
        k[len(CUSTOM_PREFIX) :]: v
        for k, v in account_changes.items()
        if k.startswith(CUSTOM_PREFIX)
    }
    changes.update({k: v for k, v in account_changes.items() if k in LMS_ONLY})
    if custom:
        changes["custom_fields"] = custom
    return changes


def _mirror(account: LmsAccount, changes: Mapping[str, Any]) -> None:
    for key, value in changes.items():
        if key == "custom_fields":
            account.custom_fields = {**(account.custom_fields or {}), **value}
        else:
            setattr(account, key, value)
            if key == "email":
                account.email_normalised = normalise_email(value)


def rectify(
    session: Session,
    settings: Settings,
    actor: Actor,
    person: Person,
    assignments: Mapping[str, str],
    *,
    request_id: int | None = None,
) -> dict[str, Any]:
    """Apply the corrections; returns what changed and which pushes were queued."""
    if person.status == "erased":
        raise UsageError(f"person {person.id} was erased: there is nothing to rectify")
    person_changes: dict[str, Any] = {}
    for name, text in assignments.items():
        if name in PERSON_TO_LMS:
            value = _person_value(session, person, name, text)
            if getattr(person, name) != value:
                person_changes[name] = value
    for name, value in person_changes.items():
        setattr(person, name, value)
    if person_changes:
        person.source, person.changed_at = "data_subject", utcnow()
        person.source_ref = f"bridge subject rectify by {actor.name}"
    account_only = {
        k: _account_value(k, v) for k, v in assignments.items() if k not in PERSON_TO_LMS
    }
    changes = _account_changes(person_changes, account_only)
    accounts = [a for a in lms_accounts(session, person.id) if not a.deleted]
    if account_only and not accounts:
        raise UsageError(
            f"person {person.id} has no LMS account: {', '.join(sorted(account_only))} "
            "live only in the LMS"
        )
    if changes:
        for account in accounts:
            _mirror(account, changes)
    queued = enqueue_for_accounts(
        session,
        reachable(accounts, settings.connectors) if changes else [],
        lambda _account: [Push("rectify", {"changes": changes})],
        person_id=person.id,
        operator=actor.name,
        reason="rectification",
        request_id=request_id,
    )
    pushes = [
        {
            "id": command.id,
            "connector": account.connector,
            "lms_user_id": account.lms_user_id,
            "fields": sorted(changes),
        }
        for account, command in queued
    ]
    result = {
        "person_id": person.id,
        "request_id": request_id,
        "register": sorted(person_changes),
        "lms": sorted(changes),
        "pushes": pushes,
    }
    link_artefact(
        session,
        request_id,
        person.id,
        "rectification",
        {k: v for k, v in result.items() if k != "request_id"},
    )
    # Field names only: the append-only audit log must not keep the personal data itself.
    audit.record(
        session,
        actor,
        "subject rectify",
        person_id=person.id,
        request_id=request_id,
        details={
            "register": result["register"],
            "lms": result["lms"],
            "pushes": [p["id"] for p in pushes],
        },
    )
    return result
