"""Reading one teacher–student conversation from both sides.

Moodle hides a message from the member who deleted it "for themselves" and
from no one else (reference 2.19; recorded: ``student_view_with_deleted`` vs
``teacher_view``). The teacher's view alone misses what the teacher deleted;
the student's view alone misses what the student deleted. So a conversation is
read twice: as the teacher who lists it, and as one other member, and the two
answers are merged by message id. That is two requests per conversation,
whatever the number of students in it (CONTRACTS 5).

Which other member: in an individual conversation the listing names the
other participant. For a group conversation Moodle's answers name only
members who sent something (the listing: the latest sender; the messages: the
senders of the page), so the reader is the first of those who is not a
teacher. A message deleted by that student *and* by the teacher is gone from
both views; Moodle offers no cheaper way to find it than reading every
member's view, which would be one request per student.

Self-conversations (type 3) are not teacher–student communication (N6 d) and
are never read.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from connectors.moodle.errors import RecordNotFound
from connectors.moodle.fields import Raw
from connectors.moodle.paging import StreamContext, entries, expect, int_or_none, object_list
from connectors.streams import Row

log = logging.getLogger("connectors.moodle.conversations")

LISTING = "core_message_get_conversations"
MESSAGES = "core_message_get_conversation_messages"

#: Conversation types read: 1 individual, 2 group. 3 (self) is left out on purpose.
TEACHER_STUDENT_TYPES = frozenset({1, 2})


def is_teacher_student(conversation: Raw) -> bool:
    """Individual and group conversations; never a user's conversation with themself."""
    return int_or_none(conversation.get("type")) in TEACHER_STUDENT_TYPES


def _view(ctx: StreamContext, reader: int, conversation_id: int, timefrom: int) -> Raw | None:
    """``reader``'s view of the conversation, or ``None`` if Moodle says it is not theirs."""
    params = {"currentuserid": reader, "convid": conversation_id, "timefrom": timefrom}
    try:
        return expect(ctx.client.call(MESSAGES, params), dict, MESSAGES)
    except RecordNotFound:
        # Gone or left since the listing: Moodle answers both the same way (reference 2.19).
        log.warning("conversation %s: user %s is no longer a member", conversation_id, reader)
        return None


def _senders(view: Raw | None) -> list[int]:
    """The member ids an answer names (its ``members``, each message's sender): candidates
    for the second reader."""
    if view is None:
        return []
    ids = [int_or_none(m.get("id")) for m in object_list(view, "members", MESSAGES)]
    ids += [int_or_none(m.get("useridfrom")) for m in object_list(view, "messages", MESSAGES)]
    return [i for i in ids if i is not None]


def _other_reader(
    teacher: int, candidates: Iterable[int], teachers: Collection[int]
) -> int | None:
    """The member whose view complements the teacher's: a student if one is known."""
    others = [c for c in dict.fromkeys(candidates) if c != teacher]
    students = [c for c in others if c not in teachers]
    return (students or others or [None])[0]


def conversation_rows(
    ctx: StreamContext,
    teacher: int,
    conversation: Raw,
    teachers: Collection[int],
    timefrom: int,
) -> list[Row]:
    """Every message of ``conversation`` at or after ``timefrom`` that either side still sees."""
    conversation_id = int_or_none(conversation.get("id"))
    if conversation_id is None:
        return []
    listed = [int_or_none(m.get("id")) for m in object_list(conversation, "members", LISTING)]
    known = [i for i in listed if i is not None]
    first = _view(ctx, teacher, conversation_id, timefrom)
    reader = _other_reader(teacher, [*known, *_senders(first)], teachers)
    second = _view(ctx, reader, conversation_id, timefrom) if reader is not None else None
    if reader is None:
        log.info("conversation %s: no other member named; teacher's side only", conversation_id)
    messages: dict[int, Mapping] = {}
    unreadable: list[Any] = []  # no valid id: kept, so that the parser quarantines them
    for view in (first, second):
        for message in entries(view, "messages", MESSAGES) if view is not None else ():
            if not isinstance(message, Mapping):
                unreadable.append(message)
                continue
            message_id = int_or_none(message.get("id"))
            if message_id is None:
                unreadable.append(message)
            else:
                messages.setdefault(message_id, message)  # the same message seen from both sides
    # Members as far as they are known the same way on every run (a record must not change
    # with the time window): the teacher, the other participant of an individual
    # conversation, and the message's sender. Who else is in a group no answer says.
    members = {teacher, *known} if int_or_none(conversation.get("type")) == 1 else {teacher}
    ordered = [messages[i] for i in sorted(messages)] + unreadable
    return [Row(message, _context(conversation_id, members, message)) for message in ordered]


def _context(conversation_id: int, members: set[int], message: Any) -> dict[str, object]:
    sender = int_or_none(message.get("useridfrom")) if isinstance(message, Mapping) else None
    ids = members | {sender} if sender is not None else members
    return {"conversation_id": conversation_id, "member_ids": tuple(sorted(ids))}
