"""Small factory for configuration files used by CLI tests."""

from __future__ import annotations

from pathlib import Path

from bridge.services.secrets import ensure_register_secret

SENTINEL_TOKEN = "SENTINEL-TOKEN-5b1e9c"

BASE = """\
[register]
name = "Test register"
secret_file = "{secret}"

[controller]
name = "BPW Kraatz Oy"
business_id = "0104505-9"
address = "Ruukinmestarintie 9, 02330 Espoo"
contact_name = "Heini Nyman"
contact_email = "heini.nyman@kraatz.fi"

[database]
url = "{db_url}"

[connectors.moodle]
kind = "moodle"
url = "{moodle_url}"
token = "{token}"
hosting_country = "FI"
"""

OPERATORS = """
[operators]
"tester" = "admin"
"olli.operator" = "operator"
"dora.dpo" = "dpo"
"""


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
    text = BASE.format(
        db_url=db_url,
        moodle_url=moodle_url,
        token=token,
        secret=directory / "register.secret",
    )
    ensure_register_secret(directory / "register.secret")
    path = directory / "bridge.toml"
    path.write_text(text + connector_extra + "\n" + OPERATORS + extra, encoding="utf-8")
    return path
