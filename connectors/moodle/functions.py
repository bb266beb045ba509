"""The Moodle web-service functions the bridge calls, grouped by what needs them.

``bridge check`` compares these lists with the functions of the token's
service; the simulator implements exactly these.
"""

from __future__ import annotations

SITE_INFO = "core_webservice_get_site_info"

#: Functions each stream needs.
STREAM_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "users": ("core_enrol_get_enrolled_users", "core_user_get_users_by_field"),
    "courses": ("core_course_get_courses_by_field",),
    "enrolments": ("core_course_get_courses_by_field", "core_enrol_get_enrolled_users"),
    "gradebook": ("core_course_get_courses_by_field", "gradereport_user_get_grade_items"),
    "assignments": ("core_course_get_courses_by_field", "mod_assign_get_assignments"),
    "submissions": (
        "core_course_get_courses_by_field",
        "mod_assign_get_assignments",
        "mod_assign_get_submissions",
    ),
    "assignment_grades": (
        "core_course_get_courses_by_field",
        "mod_assign_get_assignments",
        "mod_assign_get_grades",
    ),
    "messages": (
        "core_course_get_courses_by_field",
        "core_enrol_get_enrolled_users_with_capability",
        "core_message_get_conversations",
        "core_message_get_conversation_messages",
    ),
    "logs": ("local_registrybridge_get_log_entries",),
}

#: Functions each push mode needs.
#: Pushes read the account back with ``core_user_get_users`` by id (it answers ``[]`` for a
#: deleted user), never with ``core_user_get_users_by_field`` (CONTRACTS 13). A
#: reconciliation confirms the same way that an account missing from the users listing
#: is gone before marking it removed (``MoodleConnector.existing_users``).
REVOKE_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "suspend": ("core_user_update_users", "core_user_get_users"),
    "suspend_and_unenrol": (
        "core_user_update_users",
        "core_user_get_users",
        "enrol_manual_unenrol_users",
        "core_enrol_get_enrolled_users",
    ),
}

ERASURE_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "delete_user": ("core_user_update_users", "core_user_delete_users", "core_user_get_users"),
    "privacy_request": (
        "core_user_update_users",
        "tool_dataprivacy_create_data_request",
        "tool_dataprivacy_approve_data_request",
        "tool_dataprivacy_get_data_request",
        "tool_dataprivacy_get_access_information",
        "tool_dataprivacy_get_data_requests",
        "core_user_get_users",
    ),
}

RECTIFY_FUNCTIONS: tuple[str, ...] = ("core_user_update_users", "core_user_get_users")

#: Learners' own export and delete requests, filed on Moodle's Data privacy page: read at
#: every sync and answered by approving or rejecting them, whatever the push modes.
LEARNER_REQUEST_FUNCTIONS: tuple[str, ...] = (
    "tool_dataprivacy_get_data_requests",
    "tool_dataprivacy_approve_data_request",
    "tool_dataprivacy_deny_data_request",
)

#: Change hints: optional. With it, an incremental run re-reads only the courses whose
#: assignments changed (reference 2.22); without it, every course is read as before.
HINT_FUNCTION = "core_course_get_updates_since"

#: The companion plugin's function (activity logs).
LOG_FUNCTION = "local_registrybridge_get_log_entries"

#: The companion plugin's gradebook reader: optional. With it, the gradebook stream reads
#: each course's stored grades a bounded page at a time (every graded user, whatever their
#: enrolment); without it, one ``gradereport_user_get_grade_items`` per course, whose cost
#: grows with the course (about 100 s for 1,000 learners on Moodle 4.5).
GRADES_FUNCTION = "local_registrybridge_get_grades"

#: The companion plugin's table fingerprints: optional. With it, a run skips each stream
#: none of whose tables changed since its last read (:mod:`connectors.moodle.digests`).
DIGEST_FUNCTION = "local_registrybridge_get_digests"

#: The companion plugin's read of what a deleted user leaves behind: optional. With it,
#: an erasure's read-back counts, per place, the rows still naming the user id, and the
#: receipt says what Moodle kept and why; without it, the receipt says they were not read.
REMAINS_FUNCTION = "local_registrybridge_get_user_remains"

#: The functions the companion plugin adds to a site.
PLUGIN_FUNCTIONS: tuple[str, ...] = (
    LOG_FUNCTION, GRADES_FUNCTION, DIGEST_FUNCTION, REMAINS_FUNCTION
)

#: What makes a read lighter when Moodle did not answer it in time (``AnswerTimedOut``).
LIGHTER_READ: dict[str, str] = {
    "gradereport_user_get_grade_items": (
        f"add the companion plugin's {GRADES_FUNCTION} to the bridge's service: it reads "
        "a course's gradebook a page at a time"
    ),
    "core_enrol_get_enrolled_users": "lower page_sizes.roster",
    "core_user_get_users_by_field": "lower page_sizes.users",
    "mod_assign_get_assignments": "lower page_sizes.courses",
    "mod_assign_get_submissions": "lower page_sizes.assignments",
    "mod_assign_get_grades": "lower page_sizes.assignments",
    "core_message_get_conversations": "lower page_sizes.conversations",
    LOG_FUNCTION: "lower page_sizes.logs",
    GRADES_FUNCTION: "lower page_sizes.grades",
}

#: Capability used to find the teachers whose conversations are read.
TEACHER_CAPABILITY = "mod/assign:grade"

#: Data-privacy request types and statuses (tool_dataprivacy constants).
PRIVACY_TYPE_EXPORT = 1
PRIVACY_TYPE_DELETE = 2
PRIVACY_STATUS_AWAITING_APPROVAL = 2
PRIVACY_STATUS_APPROVED = 3
PRIVACY_STATUS_PROCESSING = 4
PRIVACY_STATUS_CANCELLED = 6
PRIVACY_STATUS_REJECTED = 7
PRIVACY_STATUS_DELETED = 10


def all_functions() -> tuple[str, ...]:
    """Every function the bridge may call, sorted."""
    names: set[str] = {SITE_INFO, HINT_FUNCTION, GRADES_FUNCTION, DIGEST_FUNCTION,
                       REMAINS_FUNCTION, *RECTIFY_FUNCTIONS, *LEARNER_REQUEST_FUNCTIONS}
    for group in (STREAM_FUNCTIONS, REVOKE_FUNCTIONS, ERASURE_FUNCTIONS):
        for functions in group.values():
            names.update(functions)
    return tuple(sorted(names))
