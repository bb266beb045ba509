"""The companion Moodle plugin's interface (``moodle-plugin/local_registrybridge``).

One place for what the bridge expects from the plugin; ``tests/plugin`` checks the PHP
sources against it, so the plugin and the connector cannot drift apart.
"""

from __future__ import annotations

from connectors.moodle.functions import (
    DIGEST_FUNCTION,
    GRADES_FUNCTION,
    LOG_FUNCTION,
    REMAINS_FUNCTION,
)

#: Frankenstyle name of the plugin (the folder under Moodle's ``local/``).
COMPONENT = "local_registrybridge"

#: Capability the plugin defines; its function also requires ``report/log:view``.
READ_LOGS_CAPABILITY = "local/registrybridge:readlogs"
LOG_CAPABILITIES: tuple[str, ...] = (READ_LOGS_CAPABILITY, "report/log:view")

#: Parameters of :data:`LOG_FUNCTION`, in declaration order (``sinceid`` required,
#: ``limit`` default 1000, ``courseid`` and ``userid`` default 0).
LOG_PARAMETERS: tuple[str, ...] = ("sinceid", "limit", "courseid", "userid")

#: Top-level keys of the function's answer.
LOG_RESULT_KEYS: tuple[str, ...] = ("entries", "lastid", "hasmore")

#: Keys of each entry: the ``logstore_standard_log`` columns (reference 4.3), in table order.
LOG_ENTRY_FIELDS: tuple[str, ...] = (
    "id",
    "eventname",
    "component",
    "action",
    "target",
    "objecttable",
    "objectid",
    "crud",
    "edulevel",
    "contextid",
    "contextlevel",
    "contextinstanceid",
    "userid",
    "courseid",
    "relateduserid",
    "anonymous",
    "other",
    "timecreated",
    "origin",
    "ip",
    "realuserid",
)

#: Entry keys that may be JSON ``null`` (nullable columns; ``other`` is the text "null").
LOG_NULLABLE_FIELDS: frozenset[str] = frozenset(
    {"objecttable", "objectid", "courseid", "relateduserid", "origin", "ip", "realuserid"}
)

#: Parameters of :data:`GRADES_FUNCTION`, in declaration order (``courseid`` required,
#: ``sinceid`` default 0, ``limit`` default 1000).
GRADES_PARAMETERS: tuple[str, ...] = ("courseid", "sinceid", "limit")

#: Top-level keys of its answer; the items come with the first page only.
GRADES_RESULT_KEYS: tuple[str, ...] = ("items", "grades", "lastid", "hasmore")

#: Keys of each item: the names the user report gives the same fields.
GRADES_ITEM_FIELDS: tuple[str, ...] = (
    "id",
    "itemname",
    "itemtype",
    "itemmodule",
    "iteminstance",
    "grademax",
    "grademin",
)

#: Keys of each grade.
GRADES_GRADE_FIELDS: tuple[str, ...] = (
    "id",
    "itemid",
    "userid",
    "finalgrade",
    "feedback",
    "dategraded",
    "hidden",
    "overridden",
)

#: What the grades reader requires in the course (and what shows hidden values).
GRADES_CAPABILITIES: tuple[str, ...] = ("moodle/grade:viewall", "moodle/grade:viewhidden")

#: :data:`DIGEST_FUNCTION` takes no parameters and answers ``digests``: ``name`` (a table)
#: and ``value`` (its fingerprint) pairs. The capability, at system level.
DIGEST_RESULT_KEYS: tuple[str, ...] = ("digests",)
DIGEST_ENTRY_FIELDS: tuple[str, ...] = ("name", "value")
DIGEST_CAPABILITIES: tuple[str, ...] = ("moodle/site:viewparticipants",)

#: :data:`REMAINS_FUNCTION` takes one user id and answers the id, ``places`` (``place`` and
#: ``count`` pairs, in the order of :data:`REMAINS_PLACES`) and ``user`` (flags of the user
#: row, never its values). The capability, at system level.
REMAINS_PARAMETERS: tuple[str, ...] = ("userid",)
REMAINS_RESULT_KEYS: tuple[str, ...] = ("userid", "places", "user")
REMAINS_PLACE_FIELDS: tuple[str, ...] = ("place", "count")
REMAINS_PLACES: tuple[str, ...] = (
    "log_userid",  # logstore_standard_log rows by the user
    "log_relateduserid",  # ... of others' actions naming them (the deletion event among them)
    "log_deletion_event",  # ... of which the \core\event\user_deleted event
    "forum_posts",  # forum_posts by userid
    "forum_posts_blanked",  # ... of which subject and message blanked, marked deleted
    "messages_sent",  # messages by useridfrom
    "conversation_memberships",  # message_conversation_members
    "files",  # files by userid, directory entries left out
    "grade_grades",
    "grade_history",  # grade_grades_history
    "submissions",  # assign_submission
    "privacy_requests",  # tool_dataprivacy_request for the user
)
REMAINS_USER_FIELDS: tuple[str, ...] = (
    "exists",
    "deleted",
    "usernameanonymised",
    "emailanonymised",
    "profilefieldskept",
)
REMAINS_CAPABILITIES: tuple[str, ...] = ("moodle/user:viewalldetails",)

__all__ = [
    "COMPONENT",
    "DIGEST_CAPABILITIES",
    "DIGEST_ENTRY_FIELDS",
    "DIGEST_FUNCTION",
    "DIGEST_RESULT_KEYS",
    "GRADES_CAPABILITIES",
    "GRADES_FUNCTION",
    "GRADES_GRADE_FIELDS",
    "GRADES_ITEM_FIELDS",
    "GRADES_PARAMETERS",
    "GRADES_RESULT_KEYS",
    "LOG_CAPABILITIES",
    "LOG_ENTRY_FIELDS",
    "LOG_FUNCTION",
    "LOG_NULLABLE_FIELDS",
    "LOG_PARAMETERS",
    "LOG_RESULT_KEYS",
    "READ_LOGS_CAPABILITY",
    "REMAINS_CAPABILITIES",
    "REMAINS_FUNCTION",
    "REMAINS_PARAMETERS",
    "REMAINS_PLACES",
    "REMAINS_PLACE_FIELDS",
    "REMAINS_RESULT_KEYS",
    "REMAINS_USER_FIELDS",
]
