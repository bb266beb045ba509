"""Small factory for configuration files used by CLI tests.

Who a `bridge` command acts as is the operating system's answer, not a test's choice: the
tests give the roles they need to **their own OS user** (``OS_USER``) in ``[operators]``,
as an installation maps its people (CONTRACTS 9).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from bridge.files import write_private
from bridge.services.audit.identity import operator_name
from bridge.services.secrets import ensure_register_secret
from bridge.settings.template import config_text, operators_section

SENTINEL_TOKEN = "SENTINEL-TOKEN-5b1e9c"

#: The identity every `bridge` command of the test process acts as (and the audit records).
OS_USER = operator_name()

_OPERATORS = re.compile(r"^\[operators\]\n(?:[^\[\n][^\n]*\n)*\n?", re.MULTILINE)


def write_config(
    directory: Path,
    db_url: str,
    *,
    moodle_url: str = "https://moodle.test",
    token: str = SENTINEL_TOKEN,
    extra: str = "",
    connector_extra: str = "",
    roles: Sequence[str] = ("admin",),
) -> Path:
    """Write a bridge.toml for a test; ``connector_extra`` lines go into [connectors.moodle].

    ``roles`` are the test process's OS user's (admin by default; none: unlisted, a viewer).
    """
    text = config_text(
        register_name="Test register",
        secret_file=directory / "register.secret",
        database_url=db_url,
        moodle_url=moodle_url,
        token=token,
        operators={OS_USER: list(roles)} if roles else None,
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


def set_roles(config: Path, *roles: str) -> None:
    """Rewrite ``[operators]`` of ``config`` so that the test process's OS user holds
    ``roles`` from the next command on (no roles: unlisted, so a viewer)."""
    text = _OPERATORS.sub("", config.read_text(encoding="utf-8"))
    if roles:
        text = text.rstrip("\n") + "\n\n" + operators_section({OS_USER: list(roles)})
    config.write_text(text, encoding="utf-8")
