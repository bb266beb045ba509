"""The configuration's shape: one class per TOML section, every field described.

Unknown keys are errors everywhere (``extra="forbid"``): a typo must not be
silently ignored. A connector section's own keys are its connector's
(:mod:`bridge.settings.connector_section`).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    model_validator,
)

from bridge.settings.connector_section import CountryCode
from bridge.settings.durations import (
    Duration,
    PeriodSpec,
    ScheduleSpec,
    interval_within,
    within,
)
from bridge.settings.identifiers import is_eu_eea, validate_business_id
from bridge.settings.operators import Role

BusinessId = Annotated[str, AfterValidator(validate_business_id)]



class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class RegisterSettings(Section):
    name: str = Field(description="The register's name as the privacy notice gives it (N2).")
    secret_file: Path = Field(
        Path("./var/register.secret"),
        description="Key for the suppression list's keyed hashes; kept outside the database, "
        "created 0600 by `bridge db upgrade` when missing.",
    )
    language: Literal["fi", "en"] = Field(
        "fi",
        description="Language of the letters to a data subject (the access export and the "
        "erasure receipt) unless a command's --lang says otherwise: fi or en.",
    )


def _known_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}; use an IANA name such as Europe/Helsinki"
        ) from None
    return name


class ControllerSettings(Section):
    name: str = Field(description="The controller's legal name (N1).")
    business_id: BusinessId = Field(description="Finnish business ID (Y-tunnus), checked (N1).")
    address: str = Field(description="Postal address of the controller (N1).")
    contact_name: str = Field(description="Contact person for register matters (N1).")
    contact_email: str = Field(description="Contact person's e-mail (N1).")
    contact_phone: str | None = Field(None, description="Contact person's phone (N1).")
    timezone: Annotated[str, AfterValidator(_known_timezone)] = Field(
        "Europe/Helsinki",
        description="The controller's time zone (IANA name): dates in the letters to a data "
        "subject are shown in it.",
    )


class DatabaseSettings(Section):
    url: str = Field(
        "sqlite:///./var/bridge.sqlite3",
        description="SQLAlchemy URL of the register: a SQLite file (default) or "
        "postgresql+psycopg://user@host/db.",
    )


class RetentionCategory(Section):
    period: PeriodSpec = Field(description='How long the data is kept ("12 months").')
    after: Literal["last_activity", "course_end", "relationship_end", "created"] = Field(
        description="The event the period counts from."
    )


class RetentionHold(Section):
    period: PeriodSpec = Field(description="How long the law requires the data to be kept.")
    reason: str = Field(description="The legal ground, e.g. the Accounting Act.")


def _default_retention() -> dict[str, RetentionCategory]:
    return {
        "lms_logs": RetentionCategory(period="12 months", after="last_activity"),
        "messages": RetentionCategory(period="24 months", after="course_end"),
        "submissions": RetentionCategory(period="24 months", after="course_end"),
        "grades": RetentionCategory(period="24 months", after="course_end"),
        "customer_data": RetentionCategory(period="36 months", after="relationship_end"),
    }


class RetentionSettings(Section):
    auto_run: bool = Field(False, description="Let the daemon delete; otherwise it logs the plan.")
    categories: dict[str, RetentionCategory] = Field(
        default_factory=_default_retention, description="Retention period per data category."
    )
    holds: dict[str, RetentionHold] = Field(
        default_factory=dict, description="Legal retention obligations per category (N10)."
    )


Rule = Literal["opt_in", "opt_out"]


class ChannelRule(Section):
    b2c: Rule = Field(description="Private persons: opt_in needs recorded consent.")
    b2b: Rule = Field(description="Employer contacts: opt_out allows unless prohibited.")


def _default_marketing_rules() -> dict[str, ChannelRule]:
    return {
        "email": ChannelRule(b2c="opt_in", b2b="opt_in"),
        "sms": ChannelRule(b2c="opt_in", b2b="opt_in"),
        "phone": ChannelRule(b2c="opt_out", b2b="opt_out"),
        "post": ChannelRule(b2c="opt_out", b2b="opt_out"),
    }


ELECTRONIC_CHANNELS = ("email", "sms")


class MarketingSettings(Section):
    channels: list[Literal["email", "sms", "phone", "post"]] = Field(
        default_factory=lambda: ["email", "sms", "phone", "post"],
        description="Marketing channels in use.",
    )
    rules: dict[str, ChannelRule] = Field(
        default_factory=_default_marketing_rules, description="Who may be contacted per channel."
    )

    @model_validator(mode="after")
    def _electronic_needs_consent(self) -> MarketingSettings:
        for channel in ELECTRONIC_CHANNELS:
            rule = self.rules.get(channel)
            if rule is not None and "opt_out" in (rule.b2c, rule.b2b):
                raise ValueError(
                    f"rules.{channel}: electronic direct marketing needs consent for everyone "
                    "(N11); opt_out is not allowed for e-mail or SMS"
                )
        return self


class ProcessorSettings(Section):
    dpa_reference: str = Field(description="Reference of the data-processing agreement (N8).")
    purpose: str = Field("", description="What the processor does for the controller.")
    hosting_country: CountryCode = Field("FI", description="Where it processes data (N9).")

    @model_validator(mode="after")
    def _eu_eea(self) -> ProcessorSettings:
        if not is_eu_eea(self.hosting_country):
            raise ValueError(f"hosting_country {self.hosting_country} is outside the EU/EEA (N9)")
        return self


class DaemonSettings(Section):
    push_interval: Annotated[Duration, within("0.05s", "1h")] = Field(
        timedelta(seconds=2), description="Push worker poll interval."
    )
    sync_interval: Annotated[Duration, within("1s", "7d")] = Field(
        timedelta(minutes=5), description="Incremental sync cadence."
    )
    reconcile: Annotated[ScheduleSpec, interval_within("1m", "366d")] = Field(
        "cron: 30 2 * * *", description="Reconciliation pass."
    )
    full_sync: Annotated[ScheduleSpec, interval_within("1m", "366d")] = Field(
        "cron: 0 3 * * 0", description="Full sync of every stream."
    )
    retention: Annotated[ScheduleSpec, interval_within("1m", "366d")] = Field(
        "cron: 0 4 * * *", description="Retention run or plan."
    )
    reminders: Annotated[ScheduleSpec, interval_within("1m", "366d")] = Field(
        "cron: 0 8 * * *", description="Request deadline reminders."
    )
    contract_ends: Annotated[ScheduleSpec, interval_within("1m", "366d")] = Field(
        "1h", description="Carry out employer relationship ends recorded ahead (their "
        "employees with no other basis lose access on the day)."
    )
    privacy_poll: Annotated[Duration, within("0s", "1d")] = Field(
        timedelta(seconds=30),
        description="How often a push waiting on the LMS (a data-privacy request) is polled.",
    )
    lms_request_overdue: Annotated[Duration, within("1m", "366d")] = Field(
        timedelta(hours=24),
        description="A push waiting on the LMS (a data-privacy request awaiting approval or "
        "cron) longer than this shows as overdue in `bridge status` and the daemon's log.",
    )
    push_overdue: Annotated[Duration, within("1m", "366d")] = Field(
        timedelta(hours=1),
        description="A push still queued (not done, not waiting on the LMS) this long after it "
        "was queued is overdue: `bridge status` shows it and `bridge status --check` fails.",
    )
    heartbeat_interval: Annotated[Duration, within("1s", "10m")] = Field(
        timedelta(seconds=15), description="Heartbeat cadence."
    )
    lease_ttl: Annotated[Duration, within("1s", "1d")] = Field(
        timedelta(minutes=2), description="Lease expiry without heartbeat."
    )
    push_claim_ttl: Annotated[Duration, within("1s", "1d")] = Field(
        timedelta(minutes=2),
        description="How long a push worker's claim on a command lasts; a crashed worker's "
        "commands are taken over by another worker after it.",
    )
    metrics_port: int | None = Field(None, ge=1, le=65535, description="Prometheus port.")
    log_format: Literal["text", "json"] = Field("text", description="Log line format.")
    role: Role = Field(
        "operator",
        description="Role of system:daemon, the identity every daemon job acts as (never "
        "settable from the environment).",
    )
    reminder_days: int = Field(7, ge=0, description="Remind about requests due within N days.")
    housekeeping_interval: Annotated[Duration, within("1s", "1d")] = Field(
        timedelta(minutes=1),
        description="How often the daemon clears expired leases and marks dead runs interrupted.",
    )
    shutdown_grace: Annotated[Duration, within("0s", "1h")] = Field(
        timedelta(seconds=20),
        description="On SIGTERM, how long running jobs get to reach their batch boundary before "
        "the daemon releases its leases and exits anyway (keep it under systemd's stop timeout).",
    )


class ReconcileSettings(Section):
    """The safety valve of reconciliation, after Moodle's ``enrol_database``: a listing that
    comes back nearly empty (a lost capability, a hidden category, the wrong site) must not
    be believed as a mass departure."""

    max_removed_share: float = Field(
        0.10,
        ge=0.0,
        le=1.0,
        description="Most a run may mark removed, as a share of a stream's live rows (users: "
        "accounts not yet marked removed); above it nothing is marked until an operator "
        "confirms with `bridge sync --reconcile --accept-removals`.",
    )
    always_allowed: int = Field(
        2,
        ge=0,
        description="Marking this many rows or fewer never trips the valve (a small site "
        "where one departure is already a large share).",
    )


class SmtpSettings(Section):
    host: str = Field(description="SMTP server.")
    port: int = Field(587, description="SMTP port.")
    starttls: bool = Field(True, description="Use STARTTLS.")
    username: str | None = Field(None, description="SMTP user.")
    password: SecretStr | None = Field(None, description="SMTP password.")
    sender: str = Field(description="From address.")
    recipients: list[str] = Field(
        description="Who gets deadline reminders and confirmed erasures (ids and dates only)."
    )


class NotifySettings(Section):
    smtp: SmtpSettings | None = Field(
        None, description="Where reminders and erasure confirmations are e-mailed."
    )

