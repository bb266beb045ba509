"""What the Moodle connector needs to know about one site.

The register's settings are mapped onto this small type, so that the connector
does not depend on the register's configuration classes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pydantic import SecretStr

from connectors.base import STREAM_NAMES


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
    assignment_batch_size: int = 25
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
        default=STREAM_NAMES
    )

    @classmethod
    def from_options(cls, options: Mapping[str, Any], token: SecretStr) -> MoodleConfig:
        """Build from the register's plain configuration section (``connectors.NAME``)."""
        pages = options.get("page_sizes") or {}
        timeout = options.get("timeout", 30.0)
        ca_bundle = options.get("ca_bundle")
        known = {
            "url": str(options["url"]).rstrip("/"),
            "token": token,
            "timeout_s": timeout.total_seconds() if isinstance(timeout, timedelta) else timeout,
            "max_parallel_requests": options.get("max_parallel_requests"),
            "verify_tls": options.get("verify_tls"),
            "ca_bundle": str(ca_bundle) if ca_bundle else None,
            "max_form_fields": options.get("max_form_fields"),
            "roster_page_size": pages.get("roster"),
            "user_batch_size": pages.get("users"),
            "course_batch_size": pages.get("courses"),
            "assignment_batch_size": pages.get("assignments"),
            "conversation_page_size": pages.get("conversations"),
            "log_page_size": pages.get("logs"),
            "exclude_usernames": tuple(options.get("exclude_usernames") or ()) or None,
            "revoke_access": options.get("revoke_access"),
            "erasure": options.get("erasure"),
            "streams": tuple(options.get("streams") or ()) or None,
        }
        return cls(**{k: v for k, v in known.items() if v is not None})

    def __repr__(self) -> str:  # the token is a SecretStr, but be explicit
        return f"MoodleConfig(url={self.url!r}, token=SecretStr('**********'))"
