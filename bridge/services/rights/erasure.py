"""Erasure (N11): the person's data is deleted or irreversibly anonymised in the register,
except what a legal hold keeps (N10); their identifiers go to the suppression list; the
erasure is pushed to every LMS through the outbox. The plan that ``--dry-run`` prints is
the plan that is executed. What still names the person in the register's bookkeeping
(quarantine, run records, push rows, notes) is swept by :mod:`.residue`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.clock import utcnow
from bridge.services import audit
from bridge.services.access.suppression import suppress
from bridge.services.audit import Actor, journal
from bridge.services.push.outbox import (
    OPEN_STATES,
    AccountKey,
    Push,
    enqueue_for_accounts,
    reachable,
)
from bridge.services.rights import erasure_record, lms_requests
from bridge.services.rights.holds import HOLD_KEEPS
from bridge.services.rights.lms_remains import MODE_LIMITS
from bridge.services.rights.requests import link_artefact
from bridge.services.rights.residue import (
    Identifiers,
    checkpoint_after_commit,
    scrub_bookkeeping,
)
from bridge.settings import Settings
from bridge.store.models import (
    Consent,
    CustomerRelationship,
    LegalHold,
    LmsAccount,
    LmsAssignmentGrade,
    LmsEnrolment,
    LmsGrade,
    LmsLogEntry,
    LmsMessage,
    LmsSubmission,
    MarketingProhibition,
    OutboxCommand,
    Person,
    PersonOrganisation,
)
from bridge.store.queries import (
    active_holds_on,
    conversation_message_ids,
    lms_accounts,
    member_conversation_ids,
)

MODE_ACTION = {"privacy_request": "privacy_delete", "delete_user": "delete_user"}


@dataclass
class ErasurePlan:
    person_id: int
    deletes: dict[str, int] = field(default_factory=dict)
    anonymise: list[str] = field(default_factory=list)
    kept: list[dict[str, Any]] = field(default_factory=list)
    pushes: list[dict[str, Any]] = field(default_factory=list)
    suppress: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "person_id": self.person_id,
            "delete": self.deletes,
            "anonymise": self.anonymise,
            "keep": self.kept,
            "push": self.pushes,
            "suppress": self.suppress,
        }


def _kept_parts(holds: list[LegalHold]) -> dict[str, LegalHold]:
    kept: dict[str, LegalHold] = {}
    for hold in holds:
        for part in HOLD_KEEPS.get(hold.category, (hold.category,)):
            kept.setdefault(part, hold)
    return kept


def _lms_queries(account: LmsAccount) -> dict[str, Any]:
    """Per LMS table, the condition selecting this account's rows."""
    uid, conn = account.lms_user_id, account.connector
    return {
        "lms_enrolments": sa.and_(LmsEnrolment.connector == conn, LmsEnrolment.lms_user_id == uid),
        "lms_grades": sa.and_(LmsGrade.connector == conn, LmsGrade.lms_user_id == uid),
        "lms_submissions": sa.and_(
            LmsSubmission.connector == conn, LmsSubmission.lms_user_id == uid
        ),
        "lms_assignment_grades": sa.and_(
            LmsAssignmentGrade.connector == conn, LmsAssignmentGrade.lms_user_id == uid
        ),
        "lms_log_entries": sa.and_(
            LmsLogEntry.connector == conn,
            sa.or_(LmsLogEntry.user_id == uid, LmsLogEntry.related_user_id == uid),
        ),
    }


_LMS_MODELS = {
    "lms_enrolments": LmsEnrolment,
    "lms_grades": LmsGrade,
    "lms_submissions": LmsSubmission,
    "lms_assignment_grades": LmsAssignmentGrade,
    "lms_log_entries": LmsLogEntry,
}


def _count(session: Session, model: Any, condition: Any) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(condition)) or 0


def plan(session: Session, settings: Settings, person: Person) -> ErasurePlan:
    today = utcnow().date()
    kept = _kept_parts(active_holds_on(session, person.id, today))
    result = ErasurePlan(person.id)
    for part, hold in kept.items():
        result.kept.append(
            {
                "part": part,
                "hold_id": hold.id,
                "category": hold.category,
                "until": hold.until.isoformat(),
                "reason": hold.reason,
            }
        )
    accounts = lms_accounts(session, person.id)
    if "lms_data" not in kept:
        for account in accounts:
            for table, condition in _lms_queries(account).items():
                n = _count(session, _LMS_MODELS[table], condition)
                result.deletes[table] = result.deletes.get(table, 0) + n
            messages = len(conversation_message_ids(session, account))
            result.deletes["lms_messages"] = result.deletes.get("lms_messages", 0) + messages
        result.deletes["lms_accounts"] = len(accounts)
    if "consents" not in kept:
        result.deletes["consents"] = _count(session, Consent, Consent.person_id == person.id)
        result.deletes["marketing_prohibitions"] = _count(
            session, MarketingProhibition, MarketingProhibition.person_id == person.id
        )
    if "relationships" not in kept:
        result.deletes["customer_relationships"] = _count(
            session, CustomerRelationship, CustomerRelationship.person_id == person.id
        )
    if "employer" not in kept:
        result.deletes["person_organisations"] = _count(
            session, PersonOrganisation, PersonOrganisation.person_id == person.id
        )
    result.anonymise = (
        ["status"]
        if "identity" in kept
        else ["first_name", "last_name", "email", "phone", "profession", "status"]
    )
    result.deletes = {k: v for k, v in result.deletes.items() if v}
    for account in reachable(accounts, settings.connectors):
        section = settings.connectors[account.connector]
        result.pushes.append(
            {
                "connector": account.connector,
                "action": MODE_ACTION[section.erasure],
                "mode": section.erasure,
                "limits": MODE_LIMITS[section.erasure],
            }
        )
    result.suppress = {
        "emails": 1 if person.email_normalised else 0,
        "lms_ids": len(accounts),
        "conversations": len(_own_conversations(session, accounts)),
    }
    return result


def execute(
    session: Session,
    settings: Settings,
    actor: Actor,
    person: Person,
    *,
    reason: str,
    request_id: int | None = None,
) -> dict[str, Any]:
    """Carry out the plan in the caller's transaction; returns the erasure receipt."""
    steps = plan(session, settings, person)
    now = utcnow()
    journal.note(session, journal.ERASURE, person)  # a restore from backup re-applies it
    accounts = lms_accounts(session, person.id)
    emails = [e for e in {person.email_normalised, *(a.email_normalised for a in accounts)} if e]
    live = reachable(accounts, settings.connectors)
    for account in live:
        _cancel_open_commands(session, account)
    filed = lms_requests.filed_in_lms(session, request_id)  # the person's own, in an LMS

    def pushes(account: AccountKey) -> list[Push]:
        mode = settings.connectors[account.connector].erasure
        return lms_requests.erasure_pushes(filed, account, mode, MODE_ACTION[mode])

    queued = enqueue_for_accounts(
        session, live, pushes, person_id=person.id, operator=actor.name, reason="erasure",
        request_id=request_id,
    )
    lms_requests.attach(filed, queued)
    push_ids = [command.id for _, command in queued if command.action in MODE_ACTION.values()]
    suppress(
        session,
        settings,
        emails=emails,
        lms_ids=[(a.connector, a.lms_user_id) for a in accounts],
        conversations=_own_conversations(session, accounts),
        now=now,
    )
    # Before the person's fields are anonymised: they are what the sweep looks for.
    scrub_bookkeeping(session, Identifiers.of(person, accounts))
    checkpoint_after_commit(session)
    if "lms_accounts" in steps.deletes:
        for account in accounts:
            for table, condition in _lms_queries(account).items():
                session.execute(sa.delete(_LMS_MODELS[table]).where(condition))
            message_ids = conversation_message_ids(session, account)
            if message_ids:
                session.execute(sa.delete(LmsMessage).where(LmsMessage.id.in_(message_ids)))
            session.delete(account)
    for table, model, column in (
        ("consents", Consent, Consent.person_id),
        ("marketing_prohibitions", MarketingProhibition, MarketingProhibition.person_id),
        ("customer_relationships", CustomerRelationship, CustomerRelationship.person_id),
        ("person_organisations", PersonOrganisation, PersonOrganisation.person_id),
    ):
        if table in steps.deletes:
            session.execute(sa.delete(model).where(column == person.id))
    for name in steps.anonymise:
        if name != "status":
            setattr(person, name, None)
    if "email" in steps.anonymise:
        person.email_normalised, person.source_ref, person.content_hash = None, None, None
    person.status = "erased"
    receipt = _receipt(settings, actor, person.id, steps, push_ids, request_id, reason, now)
    link_artefact(session, request_id, person.id, "erasure", receipt)
    erasure_record.keep(session, receipt, now)
    audit.record(
        session,
        actor,
        "subject erase",
        person_id=person.id,
        request_id=request_id,
        details={"receipt": receipt},
    )
    return receipt


def _own_conversations(session: Session, accounts: list[LmsAccount]) -> list[tuple[str, int]]:
    """(connector, conversation id) of the conversations whose messages are erased whole
    and must stay out of every later sync (:mod:`bridge.services.access.suppression`)."""
    return [
        (account.connector, conversation)
        for account in accounts
        for conversation in member_conversation_ids(session, account)
    ]


def _cancel_open_commands(session: Session, account: LmsAccount) -> None:
    """Open pushes for the account are superseded by the erasure (and lose their values)."""
    session.execute(
        sa.update(OutboxCommand)
        .where(
            OutboxCommand.connector == account.connector,
            OutboxCommand.lms_user_id == account.lms_user_id,
            sa.or_(
                OutboxCommand.state.in_(OPEN_STATES), OutboxCommand.alarm_id.is_not(None)
            ),  # a push held by an alarm would run again once it clears
        )
        .values(state="failed", last_error="superseded by erasure", payload={}, alarm_id=None)
    )
    session.execute(
        sa.update(OutboxCommand)
        .where(
            OutboxCommand.connector == account.connector,
            OutboxCommand.lms_user_id == account.lms_user_id,
        )
        .values(payload={})
    )


def _receipt(
    settings: Settings,
    actor: Actor,
    person_id: int,
    steps: ErasurePlan,
    push_ids: list[int],
    request_id: int | None,
    reason: str,
    now: Any,
) -> dict[str, Any]:
    controller = settings.controller
    systems: list[dict[str, Any]] = [
        {
            "system": f"register: {settings.register.name}",
            "erased": {**steps.deletes, "person fields anonymised": steps.anonymise},
            "kept": steps.kept,
            "suppressed identifiers": steps.suppress,
        }
    ]
    for push, command_id in zip(steps.pushes, push_ids, strict=False):
        systems.append(
            {
                "system": f"LMS connector {push['connector']}",
                "mode": push["mode"],
                "push": command_id,
                "state": "queued: `bridge push list` shows when the read-back verified it",
                "remains": push["limits"],
            }
        )
    return {
        "receipt": "erasure",
        "person_id": person_id,
        "request_id": request_id,
        "erased_at": now.isoformat().replace("+00:00", "Z"),
        "operator": actor.name,
        "reason": reason,
        "controller": {
            "name": controller.name,
            "business_id": controller.business_id,
            "address": controller.address,
            "contact": controller.contact_name,
            "contact_email": controller.contact_email,
        },
        "systems": systems,
    }


def dry_run(session: Session, settings: Settings, actor: Actor, person: Person) -> ErasurePlan:
    """The plan an operator previews with ``--dry-run``: reading it is audited too."""
    steps = plan(session, settings, person)
    audit.record(session, actor, "subject erase dry-run", person_id=person.id)
    return steps
