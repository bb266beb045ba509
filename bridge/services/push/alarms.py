"""Alarms: pushes the LMS refused for a cause a person must fix.

When the LMS refuses the bridge itself (a wrong or rotated token, a missing capability, a
function the service lacks: :class:`connectors.base.AccessRefused`), every push of that
connector would fail alike, and a withdrawal that looks queued would leave the learner in
the course. Such a push is failed *under an alarm* (``outbox.alarm_id``): `bridge status`
shows the alarm first with its fix and `bridge status --check` fails; the daemon logs it
at ERROR and mails the privacy officer once per episode
(:mod:`bridge.services.ops.alarm_notices`). Once the cause is proven fixed (a sync's token
proof for a token or connection cause, a passing `bridge check` for every cause) the alarm
clears and its pushes run again by themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bridge.clock import utcnow
from bridge.settings import Settings
from bridge.store.models import OutboxCommand, PushAlarm

#: Pushes whose failure leaves a person with LMS access they should no longer have.
REVOKING = ("suspend", "unenrol", "delete_user", "privacy_delete")
#: Causes a successful token proof (one cheap call at every sync) shows fixed.
PROVEN_BY_SYNC = ("token", "connection")


@dataclass(frozen=True)
class Alarm:
    """An open alarm as `bridge status`, the log and the mail tell it."""

    id: int
    connector: str
    cause: str
    opened_at: datetime
    #: Pushes held back, and the people (LMS accounts) who keep access because of them.
    pushes: int
    people: int
    fix: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "connector": self.connector,
            "cause": self.cause,
            "opened_at": self.opened_at.isoformat().replace("+00:00", "Z"),
            "pushes": self.pushes,
            "people": self.people,
            "fix": self.fix,
        }

    def headline(self) -> str:
        """One line: who keeps access, and what to do."""
        kept = f"{self.people} person(s) keep LMS access" if self.people else "no one keeps access"
        return (
            f"{self.pushes} push(es) in {self.connector} held back, {kept}: {self.fix}; "
            "they run again by themselves once that works"
        )


def hold(session: Session, command: OutboxCommand, cause: str, detail: str,
         now: datetime) -> None:
    """Put a failed ``command`` under its connector's open alarm for ``cause`` (opening one:
    a new episode, told once) in the caller's transaction."""
    alarm = session.scalars(
        sa.select(PushAlarm).where(
            PushAlarm.connector == command.connector,
            PushAlarm.cause == cause,
            PushAlarm.cleared_at.is_(None),
        ).order_by(PushAlarm.id).limit(1)
    ).first()
    if alarm is None:
        alarm = PushAlarm(connector=command.connector, cause=cause, detail=detail, opened_at=now)
        session.add(alarm)
        session.flush()
    command.alarm_id = alarm.id


def clear(
    sessions: sessionmaker[Session], connector: str, causes: tuple[str, ...] | None = None
) -> int:
    """The cause is proven fixed: close ``connector``'s open alarms (of ``causes``; all when
    None) and queue their pushes again at once. Returns how many pushes were queued."""
    now = utcnow()
    with sessions() as session, session.begin():
        where = [PushAlarm.connector == connector, PushAlarm.cleared_at.is_(None)]
        if causes is not None:
            where.append(PushAlarm.cause.in_(causes))
        ids = list(session.scalars(sa.select(PushAlarm.id).where(*where)))
        if not ids:
            return 0
        session.execute(sa.update(PushAlarm).where(PushAlarm.id.in_(ids)).values(cleared_at=now))
        queued = session.execute(
            sa.update(OutboxCommand)
            .where(OutboxCommand.alarm_id.in_(ids), OutboxCommand.state == "failed")
            .values(state="pending", next_attempt_at=now, attempts=0, alarm_id=None)
        )
        return int(queued.rowcount or 0)  # type: ignore[attr-defined]


def is_open(sessions: sessionmaker[Session], connector: str, cause: str) -> bool:
    """Whether an alarm of ``connector`` for ``cause`` is open (and so already told)."""
    with sessions() as session:
        found = session.scalar(
            sa.select(PushAlarm.id).where(
                PushAlarm.connector == connector,
                PushAlarm.cause == cause,
                PushAlarm.cleared_at.is_(None),
            ).limit(1)
        )
    return found is not None


def open_alarms(settings: Settings, session: Session) -> list[Alarm]:
    """Every open alarm, oldest first, with the pushes it holds back and its fix."""
    alarms = session.scalars(
        sa.select(PushAlarm).where(PushAlarm.cleared_at.is_(None)).order_by(PushAlarm.id)
    )
    found = []
    for alarm in alarms:
        held = sa.and_(OutboxCommand.alarm_id == alarm.id, OutboxCommand.state == "failed")
        pushes = session.scalar(sa.select(sa.func.count()).select_from(OutboxCommand).where(held))
        people = session.scalar(
            sa.select(sa.func.count(sa.distinct(OutboxCommand.lms_user_id))).where(
                held, OutboxCommand.action.in_(REVOKING)
            )
        )
        if not pushes:  # every push it held was retried by hand or superseded
            continue
        fix = fix_for(settings, alarm.connector, alarm.cause, alarm.detail)
        found.append(Alarm(alarm.id, alarm.connector, alarm.cause, alarm.opened_at,
                           pushes, people or 0, fix))
    return found


def fix_for(settings: Settings, connector: str, cause: str, detail: str) -> str:
    """What a person does about an alarm, in the register's own terms (its token file)."""
    section = settings.connectors.get(connector)
    lms = section.kind.capitalize() if section else "the LMS"
    check = f"`bridge check --connector {connector}` tells when it works"
    if cause == "token":
        where = (
            f"in {section.token_file}" if section and section.token_file
            else f"as [connectors.{connector}] token"
        )
        return f"the {lms} token is refused: put a valid token {where} ({check})"
    return f"{lms} refuses the bridge ({cause}): {detail} ({check})"
