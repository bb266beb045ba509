"""A minimal configuration file for throw-away workspaces (demo, benchmarks, tests).

The controller is the privacy notice's own (N1); everything else is what the caller
passes. Real installations start from ``config.example.toml`` instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

CONTROLLER = """\
[controller]
name = "BPW Kraatz Oy"
business_id = "0104505-9"
address = "Ruukinmestarintie 9, 02330 Espoo"
contact_name = "Heini Nyman"
contact_email = "heini.nyman@kraatz.fi"
"""


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def config_text(
    *,
    register_name: str,
    secret_file: Path | str,
    database_url: str,
    moodle_url: str | None = None,
    token: str | None = None,
    token_file: str | None = None,
    operators: Mapping[str, str | Sequence[str]] | None = None,
    connector_extra: str = "",
    extra: str = "",
    connector: str = "moodle",
    kind: str | None = None,
) -> str:
    """The TOML text; ``connector_extra`` lines go into ``[connectors.NAME]`` (``connector``,
    of ``kind`` when given).

    ``operators`` maps OS account names to a role or a list of roles; throw-away
    workspaces map the account that runs them (``audit.identity`` decides who acts).
    """
    parts = [
        f"[register]\nname = {_quote(register_name)}\nsecret_file = {_quote(str(secret_file))}\n",
        CONTROLLER,
        f"[database]\nurl = {_quote(database_url)}\n",
    ]
    if moodle_url is not None:
        secret = f"token = {_quote(token)}" if token else f"token_file = {_quote(token_file or '')}"
        kind_line = f"kind = {_quote(kind)}\n" if kind else ""
        parts.append(
            f"[connectors.{connector}]\n{kind_line}url = {_quote(moodle_url)}\n{secret}\n"
            f'hosting_country = "FI"\n{connector_extra}'
        )
    if operators:
        parts.append(operators_section(operators))
    if extra:
        parts.append(extra)
    return "\n".join(parts)


def operators_section(operators: Mapping[str, str | Sequence[str]]) -> str:
    """``[operators]`` as TOML: ``"name" = "role"`` or ``"name" = ["dpo", "operator"]``."""
    lines = "".join(f"{_quote(name)} = {_roles(roles)}\n" for name, roles in operators.items())
    return f"[operators]\n{lines}"


def _roles(roles: str | Sequence[str]) -> str:
    if isinstance(roles, str):
        return _quote(roles)
    return "[" + ", ".join(_quote(role) for role in roles) + "]"
