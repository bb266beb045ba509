"""What Moodle does to the site when accounts and enrolments go away.

Shared by the web-service handlers and the test controls so that a deletion
looks the same whichever way it happened: ``delete_user()``, the last
enrolment's clean-up (``grade_user_unenrol()``), the privacy task run by cron,
and ``\\core\\task\\context_cleanup_task``.
"""

from __future__ import annotations

import hashlib

from connectors.moodle.functions import (
    PRIVACY_STATUS_APPROVED,
    PRIVACY_STATUS_AWAITING_APPROVAL,
    PRIVACY_STATUS_DELETED,
    PRIVACY_TYPE_DELETE,
)
from connectors.moodle.simulator.model import DataRequest, Enrolment, User
from connectors.moodle.simulator.state import (
    ADMIN_ID,
    CONTEXT_COURSE,
    CONTEXT_USER,
    SiteState,
)

#: Status of an export request once cron has built the download.
PRIVACY_STATUS_DOWNLOAD_READY = 8
AUTOMATIC_COMMENT = "Automatically created upon user deletion."


def new_request(state: SiteState, type_: int, userid: int, requestedby: int, *,
                comments: str = "", creationmethod: int = 0) -> DataRequest:
    now = state.now()
    request = DataRequest(
        id=state.next_id("tool_dataprivacy_request"), type=type_, userid=userid,
        requestedby=requestedby, timecreated=now, timemodified=now, usermodified=requestedby,
        comments=comments, status=PRIVACY_STATUS_AWAITING_APPROVAL,
        creationmethod=creationmethod,
    )
    state.requests[request.id] = request
    return request


def unenrol(state: SiteState, enrolment: Enrolment, actor: int, origin: str = "ws") -> None:
    """Remove one enrolment; the last one also takes groups, grades and last access."""
    last = state.remove_enrolment(enrolment)
    userid, courseid = enrolment.userid, enrolment.courseid
    if last:
        for group in state.groups.values():
            if group.courseid == courseid:
                group.members.discard(userid)
        for itemid in state.course_items[courseid]:
            state.gradebook.pop((itemid, userid), None)
        state.lastcourseaccess.pop((userid, courseid), None)
    snapshot = {
        "id": str(enrolment.id), "status": str(enrolment.status), "userid": str(userid),
        "timestart": str(enrolment.timestart), "timeend": str(enrolment.timeend),
        "courseid": str(courseid), "enrol": enrolment.method, "lastenrol": last,
    }
    state.log("\\core\\event\\user_enrolment_deleted", crud="d", userid=actor,
              contextlevel=CONTEXT_COURSE, contextinstanceid=courseid, courseid=courseid,
              relateduserid=userid, objecttable="user_enrolments", objectid=enrolment.id,
              other={"userenrolment": snapshot, "enrol": enrolment.method}, origin=origin)


def delete_user(state: SiteState, user: User, actor: int, *, origin: str = "ws",
                privacy: bool = False) -> None:
    """``delete_user()``: keep the row, anonymise the identifiers, drop memberships.

    Names, city, country and content (submissions, messages, logs) stay; a
    privacy erasure (``privacy=True``) has already scrubbed them. The user leaves
    every conversation: the other members' messages stay, and an individual
    conversation lists the remaining member alone (as seen on 4.5).
    """
    snapshot = {"username": user.username, "email": user.email,
                "idnumber": "" if privacy else user.idnumber, "picture": "0",
                "mnethostid": "1"}
    for courseid in sorted(state.user_courses.get(user.id, ())):
        for enrolment in list(state.enrolments_of(user.id, courseid)):
            unenrol(state, enrolment, actor, origin)
    now = state.now()
    stem = user.email if "@" in user.email else user.username
    user.username = f"{stem}.{now}"
    user.email = hashlib.md5(snapshot["username"].encode()).hexdigest()
    user.idnumber = ""
    user.deleted = True
    user.timemodified = now
    user.customfields = {}
    user.preferences = {}
    for token in [t for t in state.tokens.values() if t.userid == user.id]:
        del state.tokens[token.token]
    _leave_conversations(state, user.id)
    state.log("\\core\\event\\user_deleted", crud="d", userid=actor, contextlevel=CONTEXT_USER,
              contextinstanceid=user.id, relateduserid=user.id, objecttable="user",
              objectid=user.id, other=snapshot, origin=origin,
              ip="127.0.0.1" if origin == "ws" else None)
    if state.config.automaticdeletionrequests and not privacy:
        new_request(state, PRIVACY_TYPE_DELETE, user.id, actor, comments=AUTOMATIC_COMMENT,
                    creationmethod=1)


def _leave_conversations(state: SiteState, userid: int) -> None:
    """The deleted user's conversation memberships go; the conversations and the other
    members' messages stay."""
    for conversationid in state.user_conversations.pop(userid, []):
        conversation = state.conversations[conversationid]
        conversation.members = tuple(m for m in conversation.members if m != userid)


def _erase_content(state: SiteState, userid: int) -> None:
    """What the privacy providers of the other plugins remove for one user.

    The log store deletes the rows the user did (``userid``) in the contexts it is handed;
    rows naming them as ``relateduserid`` stay by design (CONTRACTS 6).
    """
    for per_user in (*state.submissions.values(), *state.assign_grades.values()):
        per_user.pop(userid, None)
    for key in [k for k in state.gradebook if k[1] == userid]:
        del state.gradebook[key]
    for conversation_messages in state.messages.values():
        conversation_messages[:] = [m for m in conversation_messages if m.useridfrom != userid]
    handed = _log_contexts_handed(state, userid)
    state.logs[:] = [r for r in state.logs if r.userid != userid or r.contextid not in handed]


def _log_contexts_handed(state: SiteState, userid: int) -> set[int]:
    """The log contexts Moodle 4.5 hands the log store's provider: ``add_from_sql`` lists a
    context per log row naming the user, ``contextlist_base::set_contextids()`` keeps
    ``array_unique``'s gaps in the keys, and the iterator stops at the first gap, so only
    the contexts before the first repeated one are deleted (the fault of CONTRACTS 6)."""
    handed: list[int] = []
    for row in state.logs:
        if userid in (row.userid, row.relateduserid, row.realuserid):
            if row.contextid in handed:
                break
            handed.append(row.contextid)
    return set(handed)


def _scrub_profile(user: User) -> None:
    """The core_user privacy provider blanks the profile beyond ``delete_user()``."""
    user.city = user.country = user.timezone = user.lang = ""
    user.description = user.institution = user.department = ""
    user.phone1 = user.phone2 = user.address = ""
    user.firstaccess = user.lastaccess = user.mailformat = 0


def run_cron(state: SiteState) -> list[int]:
    """Run the ad-hoc privacy tasks: approved requests go straight to their final status."""
    done = []
    for request in sorted(state.requests.values(), key=lambda r: r.id):
        if request.status != PRIVACY_STATUS_APPROVED:
            continue
        user = state.users[request.userid]
        if request.type == PRIVACY_TYPE_DELETE:
            _erase_content(state, user.id)
            if not user.deleted:
                _scrub_profile(user)
                delete_user(state, user, ADMIN_ID, origin="cli", privacy=True)
            request.status = PRIVACY_STATUS_DELETED
        else:
            request.status = PRIVACY_STATUS_DOWNLOAD_READY
        request.timemodified = state.now()
        request.usermodified = ADMIN_ID
        done.append(request.id)
    return done


def run_context_cleanup(state: SiteState) -> list[int]:
    """``context_cleanup_task``: deleted users lose their user context."""
    cleaned = [u.id for u in state.users.values() if u.deleted and not u.context_removed]
    for userid in cleaned:
        state.users[userid].context_removed = True
    return cleaned


def log_user_updated(state: SiteState, user: User, actor: int, origin: str = "ws") -> None:
    state.log("\\core\\event\\user_updated", crud="u", userid=actor, contextlevel=CONTEXT_USER,
              contextinstanceid=user.id, relateduserid=user.id, objecttable="user",
              objectid=user.id, origin=origin)
