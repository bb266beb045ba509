"""What the Canvas connector needs to know about one Canvas instance.

:class:`CanvasSettings` declares the keys of ``[connectors.NAME]`` that only a Canvas
instance has (``kind = "canvas"``); the register's settings loader validates the
section's remaining keys with it. :class:`CanvasConfig` adds what every connector gets
from the register's general keys (url, token, streams, push modes).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import Field, SecretStr

from connectors.base import STREAM_NAMES, LmsSettings
from connectors.common import GeneralConfig, build_config, general_options


class CanvasSettings(LmsSettings):
    """The Canvas-only keys of ``[connectors.NAME]``."""

    #: Page views and conversations often, full listings hourly, grades every six hours.
    default_schedule: ClassVar[Mapping[str, str]] = {
        stream: {"gradebook": "6h", "logs": "15m"}.get(stream, "1h") for stream in STREAM_NAMES
    }

    account_id: str = Field(
        "self",
        pattern=r"^(self|[0-9]+)$",
        description='The account whose users and courses are read: "self" (the root '
        "account of the instance) or its numeric id.",
    )
    unenrol_task: Literal["conclude", "deactivate"] = Field(
        "conclude",
        description='With revoke_access = "suspend_and_unenrol": how an enrolment ends '
        '("conclude" keeps it read-only, "deactivate" hides the course).',
    )
    page_size: int = Field(100, ge=10, le=100, description="Items per page (per_page).")
    rate_limit_floor: float = Field(
        100.0,
        ge=0,
        description="Below this X-Rate-Limit-Remaining the client pauses before its next "
        "request, so Canvas's bucket refills instead of answering 403.",
    )
    throttle_pause_s: float = Field(
        1.0, ge=0, le=60, description="The longest pause of one throttled request, seconds."
    )
    page_view_overlap_s: int = Field(
        3600,
        ge=0,
        le=7 * 86400,
        description="Page views are read again this far back from the newest one synced: "
        "Canvas stores them a little late, and a view stored late must not be skipped "
        "(the register writes nothing for those it already holds).",
    )
    report_timeout_s: float = Field(
        900.0,
        ge=10,
        le=86400,
        description="How long a stream waits for one of Canvas's account reports (the "
        "users stream's login states, the activity log's last access) before it fails.",
    )
    report_file_hosts: tuple[str, ...] = Field(
        (),
        description="Hosts besides the instance's own to which the report's file may "
        "redirect its download (a hosted Canvas's file store); the token is never sent "
        "there, the redirect's own signed address is what lets the download in.",
    )
    exclude_login_ids: tuple[str, ...] = Field(
        (), description="Login ids of accounts that are not persons (integration users)."
    )


class CanvasConfig(CanvasSettings, GeneralConfig):
    """One instance as the connector runs it: the Canvas keys plus the register's general ones."""

    #: Where the token comes from, named in the fix for a refused token.
    token_file: str | None = None
    verify_tls: bool | str = True
    erasure: str = "delete_user"

    @classmethod
    def from_options(cls, options: Mapping[str, Any], token: SecretStr) -> CanvasConfig:
        """Build from the register's validated section ``connectors.NAME`` (plain values)."""
        verify: bool | str = bool(options.get("verify_tls", True))
        if verify and options.get("ca_bundle"):
            verify = str(options["ca_bundle"])
        general = general_options(options, token) | {
            "verify_tls": verify,
            "token_file": str(options["token_file"]) if options.get("token_file") else None,
        }
        return build_config(cls, CanvasSettings, options, general)
