"""The first ``bridge.toml`` of an installation, as ``bridge init`` writes it.

Every path in it is relative, so the folder can be moved or backed up whole: relative
paths are read against the configuration file's folder (:mod:`bridge.settings.paths`).
The person who ran ``bridge init`` is the first ``admin``; others are added by hand with
the roles ``config.example.toml`` explains.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass

from pydantic import ValidationError

from bridge.settings.loader import Settings

#: Where ``bridge init`` puts things, relative to the configuration file.
TOKEN_FILE = "moodle.token"
SECRET_FILE = "var/register.secret"
SQLITE_FILE = "var/bridge.sqlite3"


@dataclass(frozen=True)
class InitialSetup:
    """What a person answers when setting up: the controller (N1), the register (N2), the
    Moodle site and who they are."""

    register_name: str
    controller_name: str
    business_id: str
    address: str
    contact_name: str
    contact_email: str
    contact_phone: str | None
    moodle_url: str
    hosting_country: str
    database_url: str
    admin: str
    token_file: str = TOKEN_FILE


def _quote(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return f'"{escaped}"'


def initial_config(setup: InitialSetup) -> str:
    """The TOML text, commented for the person who will edit it next."""
    phone = (
        f"contact_phone = {_quote(setup.contact_phone)}\n"
        if setup.contact_phone
        else '# contact_phone = "+358 9 000 0000"\n'
    )
    return f"""\
# Written by `bridge init`. config.example.toml documents every key.
# Relative paths are relative to this file's folder, whatever the working folder is.

[register]
name = {_quote(setup.register_name)}
secret_file = {_quote(SECRET_FILE)}

[controller]
name = {_quote(setup.controller_name)}
business_id = {_quote(setup.business_id)}
address = {_quote(setup.address)}
contact_name = {_quote(setup.contact_name)}
contact_email = {_quote(setup.contact_email)}
{phone}
[database]
url = {_quote(setup.database_url)}

[connectors.moodle]
url = {_quote(setup.moodle_url)}
# The web-service token (mode 0600). BRIDGE_CONNECTORS__MOODLE__TOKEN overrides it.
token_file = {_quote(setup.token_file)}
hosting_country = {_quote(setup.hosting_country)}

[operators]
# OS user name = role: viewer, operator, dpo or admin (admin may do everything).
{_quote(setup.admin)} = "admin"
"""


def config_problem(setup: InitialSetup) -> tuple[str, str] | None:
    """The first reason the configuration :func:`initial_config` writes would not load, as
    (key path, message), so that ``bridge init`` refuses before it writes a file."""
    try:
        Settings(**tomllib.loads(initial_config(setup)))
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        message = str(error["msg"]).removeprefix("Value error, ")
        return ".".join(str(part) for part in error["loc"]), message
    return None
