"""Whether a push held: the one place that judges a connector's read-back.

A connector carries out a command and reads the account back (``PushResult.state``); it
reports what it read and never judges it. Here the read-back is held against what the
command asked for, so every connector is judged by the same rule and ``done`` means the
same thing for each:

* suspend and privacy_delete: the account is gone or cannot log in;
* unsuspend: the account exists and can log in;
* delete_user: the account is gone;
* unenrol: no named course still lists the account as actively enrolled;
* rectify: every asked-for field holds the asked-for value (missing, null and empty text
  alike, as an LMS stores them).

A read-back that contradicts the command fails it (the LMS did not keep the change, and
trying again would only repeat it: a person must look); a result with no read-back at all
stays pending, to be read at the next attempt.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bridge.services.push.outbox import Outcome
from connectors.base import LmsState, PushCommand, PushResult

#: A push's result → the outbox state it leaves its command in.
_STATE_OF = {
    "applied": "done",
    "already_applied": "done",
    "pending": "waiting",
    "transient_error": "pending",
    "terminal_error": "failed",
}


def judge(command: PushCommand, result: PushResult) -> Outcome:
    """The outcome to record: ``done`` only when the read-back shows what was asked."""
    if result.outcome in ("applied", "already_applied"):
        if result.state is None:
            why = "the connector reported no read-back of the account"
            return Outcome("pending", f"{result.reason}; but {why}", result.lms_request_id)
        problem = contradiction(command, result.state)
        if problem:
            reason = f"{problem} (the connector reported: {result.reason})"
            return Outcome("failed", reason, result.lms_request_id)
    state = _STATE_OF[result.outcome]
    remains = result.state.remains if result.state is not None else None
    refused = result.refused if state == "failed" else None
    return Outcome(state, result.reason or result.outcome, result.lms_request_id, remains, refused)


def contradiction(command: PushCommand, state: LmsState) -> str | None:
    """How the read-back contradicts the command, or None when it shows what was asked."""
    action = command.action
    if action in ("suspend", "privacy_delete"):
        if state.exists and not state.suspended:
            return "read-back shows the account active"
    elif action == "unsuspend":
        if not state.exists or state.suspended:
            return "read-back does not show the account active"
    elif action == "delete_user":
        if state.exists:
            return "read-back still lists the account"
    elif action == "unenrol":
        still = sorted(set(command.course_ids) & set(state.active_course_ids))
        if still:
            return (
                f"still actively enrolled in course(s) {still} after the unenrolment: the "
                "person is enrolled by another method (self, cohort, ...) that the web "
                "services cannot remove (fix: remove that enrolment in the LMS by hand)"
            )
    elif action == "rectify":
        differing = _differing(command.changes, state) if state.exists else ["account"]
        if differing:
            return f"read-back differs for: {', '.join(differing)}"
    return None


def _differing(changes: Mapping[str, Any], state: LmsState) -> list[str]:
    """The asked-for fields whose read-back value is not the asked-for one."""
    wrong = []
    for name, wanted in changes.items():
        held = state.fields.get(name)
        if isinstance(wanted, Mapping):
            held = held if isinstance(held, Mapping) else {}
            wrong += [f"{name}.{k}" for k, v in wanted.items() if _text(held.get(k)) != _text(v)]
        elif _text(held) != _text(wanted):
            wrong.append(name)
    return wrong


def _text(value: Any) -> str:
    """A profile value as an LMS stores it: text, with None as empty."""
    return "" if value is None else str(value)
