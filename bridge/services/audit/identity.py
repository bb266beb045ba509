"""Who is acting: the name the operating system gives the person who ran the command.

The identity is never something the caller types (no option, no variable of the bridge's
own). It is the login name of the process's **real** uid, read from the system's user
database (``pwd``), not ``getpass.getuser()``, which believes ``$USER`` and ``$LOGNAME``.

Through sudo the process runs as the service account (``sudo -u bridge bridge ...``) and
the person is the caller sudo names in ``SUDO_USER``. ``SUDO_USER`` and ``SUDO_UID`` alone
can be typed by anyone, so they count only with proof that sudo really started this
process for that caller: the parent process is the sudo program, set-uid root, running
with the real uid ``SUDO_UID`` names, and that uid is ``SUDO_USER``'s in the user
database. Nobody but that caller (or root) can make such a parent. A claim without the
proof is refused (:class:`ForgedSudo`, exit 4, and the CLI audits the attempt); a
``SUDO_UID`` equal to the real uid claims nothing and is ignored.

A ``system:`` name never comes out of here: ``system:daemon`` belongs to the daemon's jobs
alone. No login name can contain ``:`` (it separates ``/etc/passwd``'s fields), but a
directory service or a forged ``SUDO_USER`` could say so, and that is refused outright.
"""

from __future__ import annotations

import os
import pwd
from collections.abc import Mapping
from pathlib import Path

from bridge.errors import NotPermitted
from bridge.settings.operators import SYSTEM_PREFIX

#: The daemon's jobs act under this name; no command line can claim it.
DAEMON = f"{SYSTEM_PREFIX}daemon"
#: The audit row's ``operator`` column holds this many characters.
MAX_NAME = 100
#: What the parent's program may be called when it is sudo.
SUDO_PROGRAMS = frozenset({"sudo", "sudo-rs"})
PROC = Path("/proc")


class ForgedSudo(NotPermitted):
    """``SUDO_USER`` names a caller, but sudo did not start this process for them."""

    def __init__(self, login: str, user: str, caller_uid: int, reason: str) -> None:
        super().__init__(
            f"SUDO_USER={user!r} SUDO_UID={caller_uid} is refused: {reason}, so sudo did "
            f"not start this command for {user!r}; run it through sudo, or unset SUDO_USER "
            f"and SUDO_UID to act as {login!r}"
        )
        self.login = login
        self.claim = {"sudo_user": user, "sudo_uid": caller_uid, "reason": reason}


def operator_name(
    environ: Mapping[str, str] | None = None,
    uid: int | None = None,
    *,
    parent: int | None = None,
    proc: Path = PROC,
) -> str:
    """The acting person's name as the operating system says it (see the module docstring).

    ``uid`` and ``parent`` default to this process's real uid and parent pid; ``proc`` is
    where the parent's ``/proc`` entry is read (tests give a folder of their own).
    """
    env = os.environ if environ is None else environ
    real_uid = os.getuid() if uid is None else uid
    login = _login_name(real_uid)
    claim = _sudo_claim(env, real_uid)
    if claim is None:
        return _usable(login)
    user, caller_uid = _usable(claim[0]), claim[1]
    reason = sudo_proof_failure(user, caller_uid, os.getppid() if parent is None else parent, proc)
    if reason is not None:
        raise ForgedSudo(login, user, caller_uid, reason)
    return user


def _usable(name: str) -> str:
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


def _sudo_claim(env: Mapping[str, str], real_uid: int) -> tuple[str, int] | None:
    """(``SUDO_USER``, ``SUDO_UID``) when they claim a caller other than the real uid."""
    user, caller_uid = env.get("SUDO_USER", "").strip(), env.get("SUDO_UID", "").strip()
    if not user or not caller_uid.isdigit() or int(caller_uid) == real_uid:
        return None
    return user, int(caller_uid)


def sudo_proof_failure(user: str, caller_uid: int, parent: int, proc: Path = PROC) -> str | None:
    """Why the ``parent`` process is not sudo run by ``user`` (uid ``caller_uid``); None
    when it is."""
    try:
        if pwd.getpwnam(user).pw_uid != caller_uid:
            return f"the user database gives {user!r} another uid than {caller_uid}"
    except KeyError:
        return f"the user database has no {user!r}"
    entry = proc / str(parent)
    try:
        lines = (entry / "status").read_text().splitlines()
        status = dict(line.split(":", 1) for line in lines if ":" in line)
    except OSError as exc:
        return f"the parent process {parent} cannot be read ({exc.strerror})"
    uids = status.get("Uid", "").split()  # real, effective, saved, filesystem
    if len(uids) < 2 or uids[0] != str(caller_uid):
        return f"the parent process {parent} does not run with the real uid {caller_uid}"
    if uids[1] != "0":
        return f"the parent process {parent} is not set-uid root as sudo is"
    program = _program(entry, status.get("Name", "").strip())
    if program not in SUDO_PROGRAMS:
        return f"the parent process {parent} is {program!r}, not sudo"
    return None


def _program(entry: Path, name: str) -> str:
    """The parent's program file name. Linux lets only root and the process's own account
    see where a set-uid process's ``exe`` points; to anyone else the name the kernel keeps
    in ``status`` is what is left, and only the process itself (already set-uid root with
    the caller's real uid) could change it."""
    try:
        return Path(os.readlink(entry / "exe")).name.removesuffix(" (deleted)")
    except PermissionError:
        return name
    except OSError:
        return ""


def _login_name(uid: int) -> str:
    """The user database's name for ``uid``; ``uid:N`` for an account without one (a
    container's arbitrary uid), which [operators] can still map."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid:{uid}"
