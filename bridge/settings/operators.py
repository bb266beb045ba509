"""``[operators]``: OS account names mapped to roles, and the only place roles come from.

A role is a grant of power over personal data, so it is written where only the service
account can write: the configuration file (mode 0600, owned by the service account). The
environment of whoever runs ``bridge`` is theirs to set, so an environment variable that
would add an operator or change the daemon's role is a configuration error naming the
variable, never a silent override (pydantic-settings would otherwise read
``BRIDGE_OPERATORS__MALLORY=admin`` as ``[operators] mallory = "admin"``).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from bridge.errors import ConfigError

#: Operator roles, least to most privileged (N12): the one list of role names.
ROLES: tuple[str, ...] = ("viewer", "operator", "dpo", "admin")
#: A role name as a type (for settings validation).
Role = Literal[ROLES]  # type: ignore[valid-type]
#: Names the bridge keeps for itself (``system:daemon``); no operator can be mapped to one.
SYSTEM_PREFIX = "system:"


def _one_or_more(value: Any) -> Any:
    """``"dpo"`` is accepted as the one-role list ``["dpo"]``."""
    return [value] if isinstance(value, str) else value


#: One role or several (``["dpo", "operator"]``): the operator may do what any of them may.
Roles = Annotated[tuple[Role, ...], BeforeValidator(_one_or_more), Field(min_length=1)]


def check_operator_names(operators: Mapping[str, Any]) -> None:
    """Refuse ``[operators]`` keys the bridge reserves: ``system:daemon`` is the daemon's
    jobs, whose role is ``[daemon] role``; mapping it would hand that name to a person."""
    for name in operators:
        if name.strip().lower().startswith(SYSTEM_PREFIX):
            raise ValueError(
                f"{name!r} cannot be mapped: names starting with {SYSTEM_PREFIX!r} are the "
                "bridge's own (the daemon's jobs act as system:daemon with [daemon] role); "
                "map OS account names only"
            )


def refuse_foreign_file(file: Path) -> None:
    """Refuse a configuration that someone other than the running account (or root) owns
    or may write, as ssh refuses such a key: the file grants the roles, so a caller who
    could hand ``sudo -u bridge bridge --config`` a file of their own would grant
    themselves admin over the service account's register."""
    if not hasattr(os, "geteuid"):
        return
    info = file.stat()
    if info.st_uid not in (os.geteuid(), 0):
        raise ConfigError(
            f"owned by uid {info.st_uid}, not by the account running bridge (uid "
            f"{os.geteuid()}) or root: the file that grants roles must be the service "
            f"account's (chown it, or use the service account's own configuration)",
            file=str(file),
        )
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise ConfigError(
            "writable by group or others, who could grant themselves roles in [operators] "
            f"(chmod go-w {file})",
            file=str(file),
        )


def refuse_environment_grants(environ: Mapping[str, str], file: Path) -> None:
    """A configuration error for the first variable that would grant or change a role."""
    for variable in sorted(environ):
        if _grants_role(variable.upper(), environ[variable]):
            raise ConfigError(
                f"environment variable {variable}: roles cannot be granted from the "
                f"environment; map the OS user in [operators] of {file}"
            )


def _grants_role(name: str, value: str) -> bool:
    if name == "BRIDGE_OPERATORS" or name.startswith("BRIDGE_OPERATORS_"):
        return True
    if name.startswith("BRIDGE_DAEMON_") and name[len("BRIDGE_DAEMON_") :].lstrip("_") == "ROLE":
        return True
    # The whole [daemon] section as JSON (``BRIDGE_DAEMON='{"role": "admin"}'``).
    return name == "BRIDGE_DAEMON" and "role" in value.lower()
