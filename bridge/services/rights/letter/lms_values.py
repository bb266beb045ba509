"""How the LMS part of the access letter states facts that are more than one value: the
person's access (what the bridge did and verified), a grade on its scale, the course total by
its name, and the state of an enrolment beside a course's grades."""

from __future__ import annotations

from html import escape
from typing import Any

from bridge.services.rights.letter.values import Voice

#: Access states whose sentence names when the bridge asked and when the LMS showed it done.
DONE_STATES = {"blocked": "access_blocked", "reopened": "access_reopened"}
ASKED_STATES = {"blocking": "access_blocking", "reopening": "access_reopening"}
SEEN_STATES = {"open": "access_open", "suspended": "access_suspended"}
#: Enrolment states a grade is shown beside (point: a suspended or ended learner's grades).
NOT_ACTIVE = frozenset({"suspended", "ended"})


def access_text(v: Voice, access: dict[str, Any]) -> str:
    """The access sentence (HTML), led by the withdrawal of consent when there is one."""
    state = access.get("state")
    if state in DONE_STATES:
        said = v.text(DONE_STATES[state]).format(
            done=v.when(access.get("done_at")), read=v.when(access.get("read_back_at"))
        )
    elif state in ASKED_STATES:
        said = v.text(ASKED_STATES[state]).format(requested=v.when(access.get("requested_at")))
    elif state in SEEN_STATES:
        seen = v.when(access.get("seen_at"))
        said = v.text(SEEN_STATES[state]).format(seen=seen)
        if not seen:  # never checked: the sentence without its parenthesis
            said = said.partition(" (")[0] + "."
    else:
        return ""
    withdrawn = access.get("consent_withdrawn_at")
    if withdrawn:
        said = f"{v.text('consent_withdrawn').format(when=v.when(withdrawn))} {said}"
    return escape(said)


def grade_item(v: Voice, grade: dict[str, Any]) -> str:
    """What was graded: the course total by that name, any other item by its own."""
    if grade.get("item_type") == "course":
        return v.text("course_total")
    return str(grade.get("item") or "")


def grade_text(v: Voice, grade: dict[str, Any]) -> str | None:
    """A grade on its scale ("7 / 10"; "4,5 / 5" in Finnish), or as given without one."""
    value = grade.get("grade")
    if not isinstance(value, int | float) or isinstance(value, bool):
        return value
    top = grade.get("grade_max")
    if isinstance(top, int | float) and top:
        return f"{v.number(float(value))} / {v.number(float(top))}"
    return v.number(float(value))


def enrolment_state(enrolment: dict[str, Any] | None, *, has_grades: bool) -> str | None:
    """The state shown beside a course: suspended or ended; a course the person has grades
    in but no enrolment any more has ended for them."""
    if enrolment is None:
        return "ended" if has_grades else None
    status = enrolment.get("status")
    return status if status in NOT_ACTIVE else None
