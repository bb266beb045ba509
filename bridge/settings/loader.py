"""Loading the configuration: TOML file, then ``BRIDGE_*`` environment overrides.

Every error becomes one :class:`~bridge.errors.ConfigError` that names the file,
the key path and, where the file gives one, the line.
"""

from __future__ import annotations

import os
import re
import tomllib
import warnings
from pathlib import Path
from typing import Any

from pydantic import Field, PrivateAttr, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bridge.errors import ConfigError
from bridge.settings.connector_section import ConnectorSettings
from bridge.settings.operators import (
    Roles,
    check_operator_names,
    refuse_environment_grants,
    refuse_foreign_file,
)
from bridge.settings.paths import apply_secret_overrides, resolve_against
from bridge.settings.schema import (
    ControllerSettings,
    DaemonSettings,
    DatabaseSettings,
    MarketingSettings,
    NotifySettings,
    ProcessorSettings,
    ReconcileSettings,
    RegisterSettings,
    RetentionSettings,
)
from bridge.settings.suggest import did_you_mean, known_keys

DEFAULT_CONFIG = Path("bridge.toml")
ENV_PREFIX = "BRIDGE_"
# ``register`` is a section name; it shadows ABCMeta.register on the class only.
warnings.filterwarnings("ignore", message='Field name "register"', category=UserWarning)


class Settings(BaseSettings):
    """The whole configuration, built once and passed down explicitly."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid", case_sensitive=False
    )

    register: RegisterSettings = Field(...)  # required; without it pydantic takes ABCMeta.register
    controller: ControllerSettings
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    connectors: dict[str, ConnectorSettings] = Field(default_factory=dict)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    marketing: MarketingSettings = Field(default_factory=MarketingSettings)
    operators: dict[str, Roles] = Field(
        default_factory=dict,
        description="OS account name → role or roles (N12); unlisted names are viewers. "
        "Only the file can grant roles, never the environment.",
    )
    processors: dict[str, ProcessorSettings] = Field(
        default_factory=dict, description="Processors and their DPA references (N8)."
    )
    daemon: DaemonSettings = Field(default_factory=DaemonSettings)
    reconcile: ReconcileSettings = Field(default_factory=ReconcileSettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    #: The file these settings came from and its text, so that a late error (a token
    #: file that cannot be read) still names the file, the key and the line.
    _source: tuple[Path, str] | None = PrivateAttr(None)

    def connector_token(self, name: str) -> SecretStr:
        """The named connector's token: the inline one, or the token file read now.

        A missing or empty token file is a :class:`ConfigError` naming file, key and
        line; it is raised when the token is needed, not at load, so that commands
        without a connection (``config show``) still work while the file is missing.
        """
        try:
            return self.connectors[name].resolve_token()
        except ValueError as exc:
            key = ["connectors", name, "token_file"]
            file, line = None, None
            if self._source is not None:
                file, line = str(self._source[0]), locate_key(self._source[1], key)
            raise ConfigError(str(exc), file=file, key=".".join(key), line=line) from None

    @field_validator("operators")
    @classmethod
    def _no_reserved_operators(cls, operators: dict[str, Any]) -> dict[str, Any]:
        check_operator_names(operators)
        return operators

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Environment overrides the file (the file's values arrive as init kwargs).
        return (env_settings, init_settings)


def config_path(explicit: str | Path | None) -> Path:
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("BRIDGE_CONFIG") or DEFAULT_CONFIG)


def load_settings(path: str | Path | None = None) -> Settings:
    """Read, override from the environment and validate the configuration."""
    file = config_path(path)
    if not file.is_file():
        raise ConfigError(
            "configuration file not found (give --config PATH or set BRIDGE_CONFIG; "
            "config.example.toml is a documented starting point)",
            file=str(file),
        )
    refuse_environment_grants(os.environ, file)
    refuse_foreign_file(file)
    text = _read_text(file)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _line_of_decode_error(exc)
        raise ConfigError(f"TOML syntax error: {exc}", file=str(file), line=line) from None
    apply_secret_overrides(data, os.environ, ENV_PREFIX)
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        raise _first_error(exc, str(file), text, data) from None
    resolve_against(
        file.resolve().parent, settings.register, settings.database, settings.connectors
    )
    settings._source = (file, text)
    return settings


def _read_text(file: Path) -> str:
    """The file's text; a binary or non-UTF-8 file (a copied database, a key, a file saved
    in another encoding) is one error naming the file and the line of the first bad byte."""
    data = file.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"not a UTF-8 text file (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "a configuration file is TOML text in UTF-8",
            file=str(file), line=line,
        ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ConfigError(
            "contains a NUL byte: a binary file, not TOML text", file=str(file), line=line
        )
    return text


def _line_of_decode_error(exc: tomllib.TOMLDecodeError) -> int | None:
    lineno = getattr(exc, "lineno", None)
    if lineno:
        return int(lineno)
    match = re.search(r"line (\d+)", str(exc))
    return int(match.group(1)) if match else None


def _first_error(
    exc: ValidationError, file: str, text: str, data: dict[str, Any]
) -> ConfigError:
    """The error to report: an unknown key before the rest, since a misspelt key is the
    usual cause of a missing one (``[controler]`` leaves ``controller`` missing)."""
    errors = exc.errors(include_url=False)
    error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    path = [str(p) for p in error["loc"]]
    key = ".".join(path)
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if error["type"] == "extra_forbidden":
        message = "unknown key (check the spelling; config.example.toml lists every key)"
        guess = did_you_mean(path[-1], known_keys(Settings, path, data))
        if guess:
            message = f"unknown key: did you mean `{guess}`? (config.example.toml lists every key)"
    elif error["type"] == "missing":
        message = "missing: this key is required"
    elif "input" in error and error["type"] not in ("value_error", "assertion_error"):
        shown = error["input"]
        if "token" not in key and not isinstance(shown, dict):
            message = f"{message} (got {shown!r})"
    more = len(exc.errors()) - 1
    if more:
        message += f" (and {more} more error{'s' if more > 1 else ''})"
    return ConfigError(message, file=file, key=key or None, line=locate_key(text, path))


_TABLE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"'. ]+?)\s*=")


def _split_key(raw: str) -> list[str]:
    return [part.strip().strip("\"'") for part in raw.split(".")]


def locate_key(text: str, path: list[str]) -> int | None:
    """The line where ``path`` is defined in the TOML text (a small source map).

    Falls back to the nearest enclosing table or key, so a missing key points at
    its section.
    """
    best: tuple[int, int] | None = None  # (matched depth, line)
    table: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _TABLE.match(line)
        if match:
            table = _split_key(match.group(1))
            candidate = table
        else:
            key = _KEY.match(line)
            if not key:
                continue
            candidate = table + _split_key(key.group(1))
        depth = _common_prefix(candidate, path)
        if depth == len(candidate) and (best is None or depth > best[0]):
            best = (depth, number)
    return best[1] if best else None


def _common_prefix(a: list[str], b: list[str]) -> int:
    depth = 0
    for x, y in zip(a, b, strict=False):
        if x.lower() != y.lower():
            break
        depth += 1
    return depth
