"""Learners' own data requests reach the register's request list (N11, GDPR art. 12(3)).

A person who files "export my data" or "delete my data" in the LMS has made a request to the
controller: its month to answer runs from the day they filed it, not from the day the
register noticed. Each sync (the daemon's too) asks the connector for every request the LMS
has not finished and every one above the highest id already read, and records each new one
once (by the LMS's own request id), linked to the person through the LMS account, received
on the day it was filed in the register's calendar. The mark moves in the same transaction
as the rows it covers, so a crash, an outage or a daemon that was down for days loses none.

A request the person withdrew in the LMS before a sync saw it is not recorded, nor, at the
very first read, a request the LMS had finished before the register was looking. A request
of an LMS user the register has no person for is recorded all the same (the
deadline runs regardless), with the LMS user id and a note saying so; a later sync links it
once the account is linked.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bridge.clock import LOCAL_ZONE, utcnow
from bridge.services.audit import Actor
from bridge.services.register.requests import record_request
from bridge.settings import Settings
from bridge.store.governance import LMS_CHANNEL
from bridge.store.models import DataRequestMark, LmsAccount, SubjectRequest
from connectors.base import Connector, ConnectorError, LmsDataRequest, describe

log = logging.getLogger(__name__)

#: Who the audit rows name when a sync runs without an operator (as the engine's own).
SYNC_ACTOR = "system:sync"
#: What each kind of LMS request asks of the register (``REQUEST_TYPES``).
REQUEST_TYPE = {"export": "access", "erasure": "erasure"}
UNLINKED = "LMS user {uid} is linked to no person in the register: link the account, then act"


def source_of(kind: str, item: LmsDataRequest) -> str:
    """Where the request came from, as ``bridge request list`` shows it."""
    lms = "Moodle" if kind == "moodle" else f"{kind} LMS"
    who = "the learner" if item.by_the_person else f"LMS user {item.filed_by} for the learner"
    return f"{lms} data request {item.lms_request_id}, filed by {who}"


def take_in(
    sessions: sessionmaker[Session],
    settings: Settings,
    name: str,
    actor: Actor | None,
    connector: Connector,
) -> list[str]:
    """Read the LMS's data requests and record the new ones; the run's warnings. Without an
    operator (tests, scripts) the audit rows name the sync itself."""
    actor = actor or Actor(SYNC_ACTOR, "operator")
    kind = settings.connectors[name].kind
    with sessions() as session:
        mark = session.get(DataRequestMark, name)
        after = mark.last_id if mark else 0
    try:
        listing = connector.data_requests(after)
    except ConnectorError as exc:
        return [f"learners' data requests were not read: {describe(exc)}"]
    if listing.unavailable:
        return [f"learners' data requests were not read: {listing.unavailable}"]
    with sessions() as session, session.begin():
        known = set(session.scalars(
            sa.select(SubjectRequest.lms_request_id).where(
                SubjectRequest.lms_connector == name,
                SubjectRequest.lms_request_id.in_([r.lms_request_id for r in listing.requests]),
            )
        ))
        new = [r for r in listing.requests if r.lms_request_id not in known and _wanted(r, mark)]
        for item in new:
            _record(session, actor, name, kind, item)
        _link_waiting(session, name)
        if listing.last_id > after:
            if mark is None:
                session.add(DataRequestMark(connector=name, last_id=listing.last_id))
            else:
                session.execute(
                    sa.update(DataRequestMark)
                    .where(DataRequestMark.connector == name)
                    .values(last_id=listing.last_id, updated_at=utcnow())
                )
    if new:
        log.info("%s: %d new data request(s) filed in the LMS: `bridge request list`",
                 name, len(new))
    return []


def _wanted(item: LmsDataRequest, mark: DataRequestMark | None) -> bool:
    """A request withdrawn in the LMS asks nothing more. At the first read, requests the LMS
    finished before the register was looking are history, not work: left out."""
    return not item.withdrawn and (mark is not None or not item.finished)


def _person_of(session: Session, name: str, lms_user_id: int) -> int | None:
    return session.scalar(
        sa.select(LmsAccount.person_id).where(
            LmsAccount.connector == name, LmsAccount.lms_user_id == lms_user_id
        )
    )


def _record(
    session: Session, actor: Actor, name: str, kind: str, item: LmsDataRequest
) -> SubjectRequest:
    person_id = _person_of(session, name, item.lms_user_id)
    return record_request(
        session,
        actor,
        person_id=person_id,
        type_=REQUEST_TYPE[item.kind],
        received_on=item.filed_at.astimezone(LOCAL_ZONE).date(),
        channel=LMS_CHANNEL,
        note=None if person_id else UNLINKED.format(uid=item.lms_user_id),
        lms={"source": source_of(kind, item), "lms_connector": name,
             "lms_request_id": item.lms_request_id, "lms_user_id": item.lms_user_id},
    )


def _link_waiting(session: Session, name: str) -> None:
    """Open requests of LMS users the register had no person for, linked once it has."""
    waiting = session.scalars(
        sa.select(SubjectRequest).where(
            SubjectRequest.lms_connector == name,
            SubjectRequest.person_id.is_(None),
            SubjectRequest.status == "open",
        )
    )
    for request in waiting:
        person_id = _person_of(session, name, request.lms_user_id or 0)
        if person_id is not None:
            request.person_id, request.note = person_id, None
