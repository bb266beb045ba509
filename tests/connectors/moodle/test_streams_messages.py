"""The messages stream against recorded answers: teachers' individual and group
conversations, each read from the teacher's and one other member's side."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from connectors.moodle.config import PageSizes
from connectors.moodle.errors import MissingCapability
from connectors.records import MessageRecord
from tests.connectors.moodle.fake_moodle import FakeMoodle, answer, courses_answer, pull, records

AINO, MIKKO, EERO, VENLA = 3, 4, 5, 8
LISTING = answer("core_message_get_conversations__teacher_all")["conversations"]
#: Aino deleted message 9 of the group for herself: only the students still see it.
HIDDEN_FROM_AINO = {"id": 9, "useridfrom": EERO, "text": "<p>Luin tehtävänannon.</p>",
                    "timecreated": 1794690966}


def serve_teachers(moodle: FakeMoodle) -> None:
    moodle.on("core_course_get_courses_by_field", courses_answer(2, 4))
    moodle.on(
        "core_enrol_get_enrolled_users_with_capability",
        answer("core_enrol_get_enrolled_users_with_capability__teachers_two_courses"),
    )


def views() -> dict[tuple[int, int], list[dict[str, Any]]]:
    """Each member's view of each conversation, from the recordings where there is one."""
    found = {(AINO, c["id"]): c["messages"] for c in LISTING}
    for conversation in LISTING:  # the other participant sees the same latest message
        for member in conversation["members"]:
            found[(member["id"], conversation["id"])] = conversation["messages"]
    found[(AINO, 25)] = answer("core_message_get_conversation_messages__teacher_view")["messages"]
    found[(EERO, 25)] = answer(
        "core_message_get_conversation_messages__student_view_with_deleted")["messages"]
    group = answer("core_message_get_conversation_messages__group_conversation")["messages"]
    found[(AINO, 29)] = group
    found[(VENLA, 29)] = sorted([*group, HIDDEN_FROM_AINO], key=lambda m: m["timecreated"])
    return found


def serve_conversations(moodle: FakeMoodle) -> None:
    # Mikko (4) is in the group conversation 29 too: it must be read once only.
    by_teacher = {AINO: LISTING, MIKKO: [copy.deepcopy(LISTING[0])]}

    def listing(params: dict[str, Any]) -> Any:
        assert "type" not in params  # one listing for individual, group and self
        start, size = int(params["limitfrom"]), int(params["limitnum"])
        return {"conversations": by_teacher.get(int(params["userid"]), [])[start:start + size]}

    seen = views()

    def messages(params: dict[str, Any]) -> Any:
        since, convid = int(params["timefrom"]), int(params["convid"])
        found = [m for m in seen[(int(params["currentuserid"]), convid)]
                 if m["timecreated"] >= since]
        return {"id": convid, "members": [], "messages": found}

    moodle.on("core_message_get_conversations", listing)
    moodle.on("core_message_get_conversation_messages", messages)


def reads(moodle: FakeMoodle) -> list[tuple[int, int]]:
    calls = moodle.params("core_message_get_conversation_messages")
    return [(int(p["currentuserid"]), int(p["convid"])) for p in calls]


def test_every_conversation_is_read_from_the_teachers_and_a_students_side(
    moodle: FakeMoodle,
) -> None:
    serve_teachers(moodle)
    serve_conversations(moodle)
    batches = pull("messages", page_sizes=PageSizes(conversations=2))
    # Two reads per conversation, the group's second one as its latest (student) sender;
    # Aino's self-conversation 1 is never read, nor 29 again through Mikko.
    assert reads(moodle) == [(3, 29), (8, 29), (3, 28), (7, 28), (3, 26), (6, 26), (3, 25),
                             (5, 25)]
    found = records(batches, MessageRecord)
    ids = [m.lms_message_id for m in found]
    assert sorted(ids) == [1, 2, 3, 4, 6, 9, 10, 11, 12, 13]  # each once
    by_id = {m.lms_message_id: m for m in found}
    assert by_id[2].from_user_id == EERO  # deleted by Eero: Aino's side has it
    assert by_id[9].lms_conversation_id == 29  # deleted by Aino: Venla's side has it
    assert by_id[9].member_ids == (AINO, EERO)  # the teacher and the sender
    assert by_id[13].member_ids == (AINO, VENLA)
    assert by_id[6].member_ids == (AINO, 6)
    newest = max(m.time_created for m in found)
    assert batches[-1].checkpoint == {"timefrom": newest} and batches[-1].complete


def test_messages_stop_paging_at_the_bookmark(moodle: FakeMoodle) -> None:
    serve_teachers(moodle)
    serve_conversations(moodle)
    timefrom = 1794723366  # the latest message of conversation 28, second on page 1
    batches = pull("messages", {"timefrom": timefrom}, page_sizes=PageSizes(conversations=2))
    pages = [(p["userid"], p["limitfrom"]) for p in moodle.params("core_message_get_conversations")]
    assert pages == [("3", "0"), ("3", "2"), ("4", "0")]  # 26 is older: no page 3
    assert reads(moodle) == [(3, 29), (8, 29), (3, 28), (7, 28)]
    timefroms = {p["timefrom"] for p in moodle.params("core_message_get_conversation_messages")}
    assert timefroms == {str(timefrom)}
    # Message 9 (1794690966) is older than the bookmark; 10 sits on it (inclusive).
    assert sorted(m.lms_message_id for m in records(batches)) == [10, 11, 12, 13]
    assert not batches[-1].complete


def test_a_member_who_left_leaves_the_teachers_side(moodle: FakeMoodle) -> None:
    serve_teachers(moodle)
    serve_conversations(moodle)
    teacher_side = moodle.handlers["core_message_get_conversation_messages"]

    def left(params: dict[str, Any]) -> Any:
        if params["currentuserid"] == str(VENLA):
            return answer("core_message_get_conversation_messages__error_not_member")
        return teacher_side(params)

    moodle.on("core_message_get_conversation_messages", left)
    found = records(pull("messages"), MessageRecord)
    assert {m.lms_message_id for m in found if m.lms_conversation_id == 29} == {11, 12, 13}


def test_missing_readallmessages_fails_the_stream(moodle: FakeMoodle) -> None:
    serve_teachers(moodle)
    moodle.on(
        "core_message_get_conversations",
        answer("core_message_get_conversations__error_missing_capability_readallmessages"),
    )
    with pytest.raises(MissingCapability) as caught:
        pull("messages")
    assert caught.value.fix
