"""What the Moodle connector needs to know about one site.

The register's settings are mapped onto this small type, so that the connector
does not depend on the register's configuration classes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import SecretStr


@dataclass(frozen=True)
class MoodleConfig:
    url: str
    token: SecretStr
    timeout_s: float = 30.0
    max_parallel_requests: int = 4
    verify_tls: bool = True
    ca_bundle: str | None = None
    #: PHP's ``max_input_vars``: the most form fields one request may carry,
    #: counting ``wstoken``, ``wsfunction`` and ``moodlewsrestformat``.
    max_form_fields: int = 1000
    #: Page size of roster reads (``core_enrol_get_enrolled_users`` limitnumber).
    roster_page_size: int = 1000
    #: Ids per ``core_user_get_users_by_field`` call.
    user_batch_size: int = 200
    #: Course ids per ``mod_assign_get_assignments`` call.
    course_batch_size: int = 50
    #: Assignment ids per ``mod_assign_get_submissions`` / ``get_grades`` call.
    assignment_batch_size: int = 100
    #: Conversations per ``core_message_get_conversations`` page.
    conversation_page_size: int = 50
    #: Log rows per companion-plugin call.
    log_page_size: int = 2000
    #: Retries of transient failures before giving up on one request.
    max_retries: int = 5
    #: Upper bound for one backoff wait (seconds), including Retry-After.
    max_backoff_s: float = 60.0
    #: Accounts that are not persons (site admins and the like).
    exclude_usernames: tuple[str, ...] = ("admin",)
    #: How consent withdrawal revokes access.
    revoke_access: str = "suspend"
    #: How erasure is carried out in Moodle.
    erasure: str = "privacy_request"
    #: Streams that are enabled for this site.
    streams: tuple[str, ...] = field(
        default=(
            "users",
            "courses",
            "enrolments",
            "gradebook",
            "assignments",
            "submissions",
            "assignment_grades",
            "messages",
            "logs",
        )
    )

    def __repr__(self) -> str:  # the token is a SecretStr, but be explicit
        return f"MoodleConfig(url={self.url!r}, token=SecretStr('**********'))"
