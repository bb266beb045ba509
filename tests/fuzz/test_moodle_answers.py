"""Mutated Moodle answers through the connector: a typed error or quarantined records,
never a traceback.

Every function the sync reads is served from its recorded sample; one answer is
mutated (see :mod:`tests.fuzz.mutations`), or replaced by JSON nested up to 200,000
deep or by an answer over ``max_answer_size``, and every stream is pulled. A broken
answer as a whole may fail its stream with a typed connector error (the engine turns
it into one line); a broken record must come back as a reject with its reason.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from connectors.base import ConnectorError
from tests.fuzz.counting import count_case, seeded
from tests.fuzz.mutations import apply, mutations
from tests.fuzz.site import base_answers, connector, site

BASE = base_answers()
_COURSE_LISTING = ("courses", "enrolments", "gradebook", "assignments", "messages")
#: Function → the streams that read it (the log reader needs the companion plugin,
#: which the recorded site lacks, so no stream reads ``logs`` here).
READERS: dict[str, tuple[str, ...]] = {
    "core_webservice_get_site_info": ("users", "courses"),
    "core_course_get_courses_by_field": _COURSE_LISTING,
    "frontpage": ("users",),
    "core_user_get_users_by_field": ("users",),
    "core_enrol_get_enrolled_users": ("enrolments",),
    "gradereport_user_get_grade_items": ("gradebook",),
    "mod_assign_get_assignments": ("assignments", "submissions", "assignment_grades"),
    "mod_assign_get_submissions": ("submissions",),
    "mod_assign_get_grades": ("assignment_grades",),
    "core_enrol_get_enrolled_users_with_capability": ("messages",),
    "core_message_get_conversations": ("messages",),
    "core_message_get_conversation_messages": ("messages",),
}


@seeded(150)
@given(data=st.data())
def test_a_mutated_answer_gives_records_rejects_or_a_typed_error(data: st.DataObject) -> None:
    count_case("moodle answers")
    function = data.draw(st.sampled_from(sorted(BASE)), label="function")
    mutation = data.draw(mutations(BASE[function]), label="mutation")
    pull_every_reader(function, {**BASE, function: apply(BASE[function], mutation)})


#: The most one answer may bring in the oversized cases (the recorded ones are smaller).
MAX_ANSWER = 1_000_000


@st.composite
def unbounded_answers(draw: st.DrawFn, recorded: Any) -> bytes:
    """``recorded`` nested inside many lists, one of its values so nested, or grown past
    :data:`MAX_ANSWER`: as bytes, since ``json.dumps`` cannot write the deepest ones."""
    depth = draw(st.one_of(st.integers(1, 1200), st.sampled_from([5_000, 100_000, 200_000])))
    text = json.dumps(recorded)
    kind = draw(st.sampled_from(["around", "inside", "oversized"]))
    if kind == "around":
        return ("[" * depth + text + "]" * depth).encode()
    if kind == "inside" and isinstance(recorded, dict) and recorded:
        key = draw(st.sampled_from(sorted(recorded)))
        nested = "[" * depth + json.dumps(recorded[key]) + "]" * depth
        return ("{" + json.dumps(key) + ": " + nested + text[1:]).encode()
    if kind == "inside" and isinstance(recorded, list) and recorded:
        return ("[" + "[" * depth + text[1:-1] + "]" * depth + "]").encode()
    padding = " " * (MAX_ANSWER + draw(st.integers(1, 2 * MAX_ANSWER)))
    return (text + padding).encode()


@seeded(60)
@given(data=st.data())
def test_a_nested_or_oversized_answer_gives_records_rejects_or_a_typed_error(
    data: st.DataObject,
) -> None:
    count_case("moodle answers unbounded")
    function = data.draw(st.sampled_from(sorted(BASE)), label="function")
    body = data.draw(unbounded_answers(BASE[function]), label="answer")
    pull_every_reader(function, {**BASE, function: body}, max_answer_size=MAX_ANSWER)


def pull_every_reader(function: str, answers: dict[str, Any], **settings: Any) -> None:
    """Pull every stream that reads ``function``: records, rejects with a reason, or a
    typed error with a message; anything else is a traceback that fails the test."""
    with site(answers):
        lms = connector(**settings)
        for stream in READERS[function]:
            try:
                batches = list(lms.pull(stream, None))
            except ConnectorError as exc:
                assert str(exc), f"{stream}: a typed error without a message"
                continue
            for batch in batches:
                for reject in batch.rejects:
                    assert reject.reason and reject.stream == stream
