"""Mutated Moodle answers through the connector: a typed error or quarantined records,
never a traceback.

Every function the sync reads is served from its recorded sample; one answer is
mutated (see :mod:`tests.fuzz.mutations`) and every stream is pulled. A broken
answer as a whole may fail its stream with a typed connector error (the engine turns
it into one line); a broken record must come back as a reject with its reason.
"""

from __future__ import annotations

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
    mutated = {**BASE, function: apply(BASE[function], mutation)}
    with site(mutated):
        lms = connector()
        for stream in READERS[function]:
            try:
                batches = list(lms.pull(stream, None))
            except ConnectorError as exc:
                assert str(exc), f"{stream}: a typed error without a message"
                continue
            for batch in batches:
                for reject in batch.rejects:
                    assert reject.reason and reject.stream == stream
