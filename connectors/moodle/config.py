"""What the Moodle connector needs to know about one site.

:class:`MoodleSettings` is the one declaration of the keys of ``[connectors.NAME]``
that only a Moodle site has (request budgets, page sizes, accounts that are not
persons), with their defaults and descriptions; the register's settings loader
validates the section's remaining keys with it. :class:`MoodleConfig` adds what
every connector gets from the register's general keys (site, token, streams,
policies), so the connector does not depend on the register's configuration classes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ByteSize, ConfigDict, Field, SecretStr

from connectors.base import LmsSettings
from connectors.common import GeneralConfig, build_config, general_options


class PageSizes(BaseModel):
    """How many items one web-service call asks for, per kind of call."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    roster: int = Field(1000, ge=1, le=10000, description="Users per roster page.")
    users: int = Field(200, ge=1, le=2000, description="User ids per detail request.")
    courses: int = Field(50, ge=1, le=500, description="Course ids per assignment request.")
    assignments: int = Field(
        25, ge=1, le=900, description="Assignment ids per submission or grade request."
    )
    conversations: int = Field(50, ge=1, le=500, description="Conversations per page.")
    logs: int = Field(2000, ge=1, le=10000, description="Log rows per page (companion plugin).")
    grades: int = Field(
        2000, ge=1, le=5000, description="Grades per page (companion plugin's gradebook reader)."
    )
    data_requests: int = Field(
        100, ge=1, le=1000, description="Learners' data requests per page."
    )


class MoodleSettings(LmsSettings):
    """The Moodle-only keys of ``[connectors.NAME]``."""

    #: Default per-stream cadence: cheap incremental streams often, full listings
    #: hourly, the heavy gradebook every six hours.
    default_schedule: ClassVar[Mapping[str, str]] = {
        "users": "1h",
        "courses": "1h",
        "enrolments": "1h",
        "gradebook": "6h",
        "assignments": "1h",
        "submissions": "5m",
        "assignment_grades": "5m",
        "messages": "5m",
        "logs": "5m",
    }

    max_parallel_requests: int = Field(
        4, ge=1, le=16, description="Requests in flight at once (Moodle copes with 2-4)."
    )
    max_form_fields: int = Field(
        1000,
        ge=50,
        description="PHP max_input_vars of the site: the most form fields one request may "
        "carry, counting wstoken, wsfunction and moodlewsrestformat.",
    )
    max_answer_size: ByteSize = Field(
        ByteSize(128_000_000),
        ge=1_000_000,
        le=2_000_000_000,
        description="The longest answer one request may bring (\"128MB\", \"256MiB\"); a longer "
        "one is an LMS fault, read no further. About four times as much memory is used to decode "
        "it. The default leaves room for the user report of a course of 2,000 learners.",
    )
    page_sizes: PageSizes = Field(default_factory=PageSizes, description="Items per call.")
    exclude_usernames: tuple[str, ...] = Field(
        ("admin",), description="LMS accounts that are not persons (site admins, test accounts)."
    )


class MoodleConfig(MoodleSettings, GeneralConfig):
    """One site as the connector runs it: the Moodle keys plus the register's general ones."""

    verify_tls: bool = True
    ca_bundle: str | None = None
    #: How erasure is carried out in Moodle.
    erasure: str = "privacy_request"

    @classmethod
    def from_options(cls, options: Mapping[str, Any], token: SecretStr) -> MoodleConfig:
        """Build from the register's validated section ``connectors.NAME`` (plain values)."""
        ca_bundle = options.get("ca_bundle")
        general = general_options(options, token) | {
            "verify_tls": options.get("verify_tls"),
            "ca_bundle": str(ca_bundle) if ca_bundle else None,
        }
        return build_config(cls, MoodleSettings, options, general)
