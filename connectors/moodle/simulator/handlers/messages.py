"""``core_message_get_conversations`` and ``core_message_get_conversation_messages``.

Reads are per member: a message one member deleted (for themselves) is gone
from that member's view only.
"""

from __future__ import annotations

from typing import Any

from connectors.moodle.simulator import errors
from connectors.moodle.simulator.handlers.registry import Call, ws_function
from connectors.moodle.simulator.handlers.render import member
from connectors.moodle.simulator.model import Conversation, Message
from connectors.moodle.simulator.state import SiteState
from connectors.moodle.simulator.validation import Bool, Int

NO_PERMISSION = "You do not have permission to perform this action."
NOT_MEMBER = "User is not part of conversation."
INDIVIDUAL, GROUP, SELF = 1, 2, 3


def _check_access(call: Call, userid: int) -> None:
    call.system_context()
    if not call.state.config.messaging:
        raise errors.moodle_exception("disabled", "The messaging system is disabled")
    if userid != call.user.id and not call.has("moodle/site:readallmessages"):
        raise errors.messaging_error(NO_PERMISSION)


def visible_messages(state: SiteState, conversation: Conversation, userid: int) -> list[Message]:
    deleted = state.message_deletions
    return [m for m in state.messages[conversation.id] if (userid, m.id) not in deleted]


def _is_staff(state: SiteState, userid: int) -> bool:
    return any(roleid != 5 for courseid in state.user_courses.get(userid, ())
               for roleid in state.roles_in(userid, courseid))


def _latest(messages: list[Message]) -> Message | None:
    return max(messages, key=lambda m: (m.timecreated, m.id)) if messages else None


def _message(m: Message) -> dict[str, Any]:
    return {"id": m.id, "useridfrom": m.useridfrom, "text": m.text,
            "timecreated": m.timecreated}


def _conversation(call: Call, conversation: Conversation, userid: int,
                  messages: list[Message]) -> dict[str, Any]:
    state = call.state
    latest = _latest(messages)
    if conversation.type == INDIVIDUAL:
        other = next((m for m in conversation.members if m != userid), userid)
        members = [member(state, state.users[other],
                          iscontact=frozenset((userid, other)) in state.contacts,
                          even_if_blocked=_is_staff(state, other))]
    elif conversation.type == GROUP:
        members = [member(state, state.users[latest.useridfrom])] if latest else []
    else:
        members = [member(state, state.users[userid])]
    unread = sum(1 for m in messages if m.useridfrom != userid)
    is_self = conversation.type == SELF
    return {
        "id": conversation.id, "name": conversation.name, "subname": None, "imageurl": None,
        "type": conversation.type, "membercount": len(conversation.members), "ismuted": False,
        "isfavourite": is_self, "isread": is_self or unread == 0,
        "unreadcount": None if is_self else unread, "members": members,
        "messages": [_message(latest)] if latest else [], "candeletemessagesforallusers": False,
    }


@ws_function("core_message_get_conversations", userid=Int(), limitfrom=Int(0), limitnum=Int(0),
             type=Int(None), favourites=Bool(None), mergeself=Bool(False))
def get_conversations(call: Call) -> dict[str, Any]:
    """Most recent message first, conversations without messages last."""
    params, state = call.params, call.state
    _check_access(call, params["userid"])
    if params["userid"] not in state.users:
        raise errors.invalid_user()
    userid = params["userid"]
    listed = []
    for conversationid in state.user_conversations.get(userid, []):
        conversation = state.conversations[conversationid]
        if params["type"] is not None and conversation.type != params["type"]:
            continue
        if params["favourites"] is not None and (conversation.type == SELF) != params["favourites"]:
            continue
        listed.append((conversation, visible_messages(state, conversation, userid)))
    def recency(pair: tuple[Conversation, list[Message]]) -> tuple[int, int]:
        latest = _latest(pair[1])
        return (-(latest.timecreated if latest else -1), -pair[0].id)

    listed.sort(key=recency)
    start, count = params["limitfrom"], params["limitnum"]
    page = listed[start:start + count] if count > 0 else listed[start:]
    return {"conversations": [_conversation(call, c, userid, m) for c, m in page]}


@ws_function("core_message_get_conversation_messages", currentuserid=Int(), convid=Int(),
             limitfrom=Int(0), limitnum=Int(0), newest=Bool(False), timefrom=Int(0))
def get_conversation_messages(call: Call) -> dict[str, Any]:
    """``timefrom`` is inclusive and capped at now - 1 s; unknown = not a member."""
    params, state = call.params, call.state
    userid = params["currentuserid"]
    _check_access(call, userid)
    conversation = state.conversations.get(params["convid"])
    if conversation is None or userid not in conversation.members:
        raise errors.messaging_error(NOT_MEMBER)
    messages = visible_messages(state, conversation, userid)
    if params["timefrom"]:
        until = call.now() - 1
        messages = [m for m in messages if params["timefrom"] <= m.timecreated <= until]
    messages.sort(key=lambda m: (m.timecreated, m.id), reverse=params["newest"])
    start, count = params["limitfrom"], params["limitnum"]
    page = messages[start:start + count] if count > 0 else messages[start:]
    senders = list(dict.fromkeys(m.useridfrom for m in page))
    return {"id": conversation.id,
            "members": [member(state, state.users[s]) for s in senders],
            "messages": [_message(m) for m in page]}
