"""Small factory for configuration files used by CLI tests."""

from __future__ import annotations

from pathlib import Path

from bridge.files import write_private
from bridge.services.secrets import ensure_register_secret
from bridge.settings.template import config_text

SENTINEL_TOKEN = "SENTINEL-TOKEN-5b1e9c"

OPERATORS = {"tester": "admin", "olli.operator": "operator", "dora.dpo": "dpo"}


def write_config(
    directory: Path,
    db_url: str,
    *,
    moodle_url: str = "https://moodle.test",
    token: str = SENTINEL_TOKEN,
    extra: str = "",
    connector_extra: str = "",
) -> Path:
    """Write a bridge.toml for a test; ``connector_extra`` lines go into [connectors.moodle]."""
    text = config_text(
        register_name="Test register",
        secret_file=directory / "register.secret",
        database_url=db_url,
        moodle_url=moodle_url,
        token=token,
        operators=OPERATORS,
        connector_extra=connector_extra,
        extra=extra,
    )
    ensure_register_secret(directory / "register.secret")
    path = directory / "bridge.toml"
    path.unlink(missing_ok=True)
    write_private(path, text.encode("utf-8"))  # it holds the token: owner only, as deployed
    return path


def write_token(path: Path, token: str) -> None:
    """A token file as deployed (0600): the bridge refuses one that others can read."""
    write_private(path, f"{token}\n".encode("ascii"), replace=True)
