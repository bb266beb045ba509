"""Who is acting: the name the operating system gives the person who ran the command.

The identity is never something the caller types (no option, no variable of the bridge's
own). It is the login name of the process's **real** uid, read from the system's user
database (``pwd``), not ``getpass.getuser()``, which believes ``$USER`` and ``$LOGNAME``.

Through sudo the process runs as the service account (``sudo -u bridge bridge ...``) and
the person is the caller sudo names in ``SUDO_USER``. That variable is trusted only when
``SUDO_UID`` is set and differs from the real uid, i.e. the process really runs as
another account than the caller: a ``SUDO_USER`` typed into one's own shell, running
under one's own uid, is ignored. sudo resets the environment (``env_reset``), so a caller
cannot smuggle a ``SUDO_USER`` of their choice through sudo; whoever has a *shell* as the
service account can, but that account owns the register's files and is the trust
boundary anyway (docs/deploy.md: give people a sudo rule for the command, not a shell).

A ``system:`` name never comes out of here: ``system:daemon`` belongs to the daemon's jobs
alone. No login name can contain ``:`` (it separates ``/etc/passwd``'s fields), but a
directory service or a forged ``SUDO_USER`` could say so, and that is refused outright.
"""

from __future__ import annotations

import os
import pwd
from collections.abc import Mapping

from bridge.errors import NotPermitted
from bridge.settings.operators import SYSTEM_PREFIX

#: The daemon's jobs act under this name; no command line can claim it.
DAEMON = f"{SYSTEM_PREFIX}daemon"
#: The audit row's ``operator`` column holds this many characters.
MAX_NAME = 100


def operator_name(environ: Mapping[str, str] | None = None, uid: int | None = None) -> str:
    """The acting person's name as the operating system says it (see the module docstring)."""
    env = os.environ if environ is None else environ
    real_uid = os.getuid() if uid is None else uid
    name = _sudo_caller(env, real_uid) or _login_name(real_uid)
    if not name.isprintable() or len(name) > MAX_NAME:
        raise NotPermitted(
            f"the operating system's name for the acting user is not usable as an identity "
            f"(control characters, or longer than {MAX_NAME} characters)"
        )
    if name.lower().startswith(SYSTEM_PREFIX):
        raise NotPermitted(
            f"the operating system names the acting user {name!r}; names starting with "
            f"{SYSTEM_PREFIX!r} are reserved ({DAEMON} is the daemon's) and cannot act "
            "on the register"
        )
    return name


def _sudo_caller(env: Mapping[str, str], real_uid: int) -> str | None:
    """``SUDO_USER`` when the process runs as another account than sudo's caller."""
    user, caller_uid = env.get("SUDO_USER", "").strip(), env.get("SUDO_UID", "").strip()
    if not user or not caller_uid.isdigit() or int(caller_uid) == real_uid:
        return None
    return user


def _login_name(uid: int) -> str:
    """The user database's name for ``uid``; ``uid:N`` for an account without one (a
    container's arbitrary uid), which [operators] can still map."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid:{uid}"
