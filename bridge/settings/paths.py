"""Where the configuration's paths point, and which setting of a secret wins.

Every relative path in the configuration (the SQLite file, token files, the register
secret and the audit anchor beside it) is relative to the configuration file's folder,
never the working folder: ``cd ~ && bridge --config /srv/bridge/bridge.toml status`` must
read the register in ``/srv/bridge``, not make an empty one in ``~`` (CONTRACTS 4).
Defaults count too: the default ``./var/bridge.sqlite3`` lies beside the file.

An environment override of a secret replaces the file's setting of the same secret:
``BRIDGE_CONNECTORS__MOODLE__TOKEN`` beats the file's ``token_file`` (and
``..._TOKEN_FILE`` beats the file's ``token``), so a deployment can inject the token
without editing the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from bridge.settings.connector_section import ConnectorSettings
from bridge.settings.schema import DatabaseSettings, RegisterSettings

#: The settings of one secret: each replaces the others when set in the environment.
SECRET_ALTERNATIVES = ("token", "token_file")


def resolve_against(
    base: Path,
    register: RegisterSettings,
    database: DatabaseSettings,
    connectors: dict[str, ConnectorSettings],
) -> None:
    """Make every relative path in these sections absolute, relative to ``base``."""
    register.secret_file = _absolute(register.secret_file, base)
    database.url = sqlite_url_against(database.url, base)
    for section in connectors.values():
        if section.token_file is not None:
            section.token_file = _absolute(section.token_file, base)
        if section.ca_bundle is not None:
            section.ca_bundle = _absolute(section.ca_bundle, base)


def sqlite_url_against(url: str, base: Path) -> str:
    """A SQLite URL whose relative file is made absolute against ``base``; other URLs as
    they are."""
    try:
        parsed = make_url(url)
    except Exception:
        return url
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return url
    if database.startswith("file:") or Path(database).is_absolute():
        return url
    return parsed.set(database=str(_absolute(Path(database), base))).render_as_string(
        hide_password=False
    )


def _absolute(path: Path, base: Path) -> Path:
    path = path.expanduser()
    return path if path.is_absolute() else (base / path).resolve()


def apply_secret_overrides(data: dict[str, Any], environ: Mapping[str, str], prefix: str) -> None:
    """Drop the file's other settings of a secret that the environment sets, so that the
    environment's value replaces them instead of clashing with them."""
    names = {key.upper() for key in environ}
    for name, section in (data.get("connectors") or {}).items():
        if not isinstance(section, dict):
            continue
        stem = f"{prefix}CONNECTORS__{name}__".upper()
        for key in SECRET_ALTERNATIVES:
            if stem + key.upper() in names:
                for other in SECRET_ALTERNATIVES:
                    if other != key:
                        section.pop(other, None)
