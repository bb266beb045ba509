"""One ``[connectors.NAME]`` section: the register's general keys, and the connector's own.

The register knows what every LMS connection has (site, token, hosting country,
streams and their cadence, how rights are carried out, how the site is reached).
Every other key belongs to the connector kind: its ``settings_model`` validates them,
so a typo is still an error and still names its key path. The user writes one flat
section either way, and ``config show`` prints it flat again.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    SerializeAsAny,
    SerializerFunctionWrapHandler,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from bridge.files import chmod_fix, exposure_of, open_bits
from bridge.settings.connector_kinds import connector_class
from bridge.settings.durations import Duration, ScheduleSpec, interval_within, within
from bridge.settings.identifiers import is_eu_eea
from bridge.settings.transport import url_errors
from connectors.base import STREAM_NAMES, LmsSettings, StreamName

CountryCode = Annotated[str, Field(pattern=r"^[A-Za-z]{2}$"), AfterValidator(str.upper)]

DEFAULT_KIND = "moodle"
#: The field that holds the connector's own keys; not a key the user writes.
OWN_KEYS = "options"


class ConnectorSettings(BaseModel):
    """``[connectors.NAME]``: the general keys, plus the kind's own in ``options``."""

    model_config = ConfigDict(extra="forbid", validate_default=True)

    kind: str = Field(
        DEFAULT_KIND, description="Connector kind (entry point in bridge.connectors)."
    )
    url: str = Field(description="Base URL of the LMS site (wwwroot).")
    token: SecretStr | None = Field(None, description="Web-service token (prefer token_file).")
    token_file: Path | None = Field(None, description="File holding the web-service token.")
    hosting_country: CountryCode = Field(
        description="ISO country code where the LMS is hosted; must be in the EU/EEA (N9)."
    )
    streams: list[StreamName] = Field(
        default_factory=lambda: list(STREAM_NAMES), description="Streams to pull."
    )
    schedule: dict[StreamName, Annotated[ScheduleSpec, interval_within("1s", "366d")]] = Field(
        default_factory=dict,
        description='Cadence per stream: a duration ("5m") or "cron: ..."; the connector '
        "gives the default of each stream left out.",
    )
    revoke_access: Literal["suspend", "suspend_and_unenrol"] = Field(
        "suspend", description="How consent withdrawal revokes course access (N3)."
    )
    erasure: Literal["delete_user", "privacy_request"] = Field(
        "privacy_request", description="How erasure is carried out in the LMS (N11)."
    )
    timeout: Annotated[Duration, within("1s", "10m")] = Field(
        timedelta(seconds=30), description="Timeout of one request."
    )
    run_budget: Annotated[Duration, within("1m", "7d")] = Field(
        timedelta(hours=1),
        description="The longest one sync run may take: when it is spent the run stops at "
        "its next batch boundary, keeps what it stored (each stream resumes from its "
        "bookmark) and names the streams it did not finish.",
    )
    ca_bundle: Path | None = Field(None, description="CA bundle for TLS verification.")
    verify_tls: bool = Field(
        True, description="Verify the LMS's TLS certificate; false warns on every run."
    )
    allow_insecure_http: bool = Field(
        False,
        description="Accept an http:// URL to a host other than this one (the token and "
        "personal data then travel in clear); warns on every run.",
    )
    options: SerializeAsAny[LmsSettings] = Field(
        default_factory=LmsSettings,
        description="The connector kind's own keys, validated by its settings_model.",
    )

    @field_validator("kind")
    @classmethod
    def _installed(cls, kind: str) -> str:
        connector_class(kind)
        return kind

    @field_validator("revoke_access", mode="before")
    @classmethod
    def _not_unenrol_alone(cls, value: object) -> object:
        """``unenrol`` alone is refused with the reason, not listed as a choice."""
        if value == "unenrol":
            raise ValueError(
                'revoke_access = "unenrol" does not keep the notice\'s promise (N3): an '
                'unenrolled account can still log in; use "suspend" or "suspend_and_unenrol"'
            )
        return value

    @model_validator(mode="wrap")
    @classmethod
    def _own_keys_to_the_connector(
        cls, data: Any, handler: ValidatorFunctionWrapHandler
    ) -> ConnectorSettings:
        """Validate the general keys here and the rest with the kind's ``settings_model``;
        report the errors of both, each under its own key path."""
        if not isinstance(data, dict):
            return handler(data)
        general = {k: v for k, v in data.items() if k in cls.model_fields and k != OWN_KEYS}
        own = {k: v for k, v in data.items() if k not in general}
        try:
            model = connector_class(general.get("kind", DEFAULT_KIND)).settings_model
        except ValueError:
            return handler(general)  # the kind's own error names connectors.NAME.kind
        general["schedule"] = _with_default_schedule(general.get("schedule"), model)
        errors: list[Any] = []
        try:
            general[OWN_KEYS] = model.model_validate(own)
        except ValidationError as exc:
            errors = exc.errors()
        try:
            section = handler(general)
        except ValidationError as exc:
            errors = exc.errors() + errors
        else:
            errors = url_errors(section.url, section.allow_insecure_http) + errors
        if errors:
            raise ValidationError.from_exception_data(cls.__name__, errors)
        return section

    @model_serializer(mode="wrap")
    def _flat(self, handler: SerializerFunctionWrapHandler) -> Any:
        """One flat section, as the user wrote it."""
        data = handler(self)
        data.update(data.pop(OWN_KEYS, None) or {})
        return data

    @model_validator(mode="after")
    def _check(self) -> ConnectorSettings:
        if self.token is None and self.token_file is None:
            raise ValueError("missing: set token or token_file")
        if self.token is not None and self.token_file is not None:
            raise ValueError("set either token or token_file, not both")
        if not is_eu_eea(self.hosting_country):
            raise ValueError(
                f"hosting_country {self.hosting_country} is outside the EU/EEA; the privacy "
                "notice (N9) promises no transfer outside the EU/EEA"
            )
        return self

    def resolve_token(self) -> SecretStr:
        """The token, read from ``token_file`` each time it is asked for, so that a rotated
        token needs no restart; ``ValueError`` says why the file gives none."""
        if self.token is not None:
            return self.token
        assert self.token_file is not None
        try:
            with self.token_file.open(encoding="utf-8") as handle:
                mode = os.fstat(handle.fileno()).st_mode
                if open_bits(mode):
                    # As ssh refuses an open private key: a token others can read is
                    # everyone's Moodle access, so it is not used until it is private.
                    raise ValueError(
                        f"token_file refused: {exposure_of(self.token_file, mode)}; the "
                        f"token must be its owner's alone: {chmod_fix(self.token_file)}"
                    )
                value = handle.read().strip()
        except OSError as exc:
            raise ValueError(
                f"token_file {self.token_file} cannot be read: {exc.strerror}"
            ) from None
        if not value:
            raise ValueError(f"token_file {self.token_file} is empty")
        return SecretStr(value)


def _with_default_schedule(given: object, model: type[LmsSettings]) -> object:
    """The connector's default cadence for every stream the section leaves out."""
    if given is None:
        return dict(model.default_schedule)
    if isinstance(given, dict):
        return {**model.default_schedule, **given}
    return given  # not a table: the schedule's own validation says so

