"""``SUDO_USER`` names the person only when sudo really started the command for them
(CONTRACTS 9): the parent process is the sudo program, set-uid root, with the caller's
real uid, and the user database gives the caller that uid. A forged claim is refused with
exit 4 and audited as the account that really ran the command."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from bridge.services.audit.identity import ForgedSudo, operator_name
from bridge.store.models import AuditEntry
from tests.cli import run
from tests.configs import write_config

LOGIN = pwd.getpwuid(os.getuid()).pw_name
#: Another account of the user database, as a forger would name it.
OTHER = next(entry for entry in pwd.getpwall() if entry.pw_uid != os.getuid())
SERVICE_UID = os.getuid() + 4242  # the account the command runs as, through sudo
PARENT = 4321


def fake_parent(
    tmp_path: Path, *, real_uid: int, effective_uid: int = 0, exe: str = "/usr/bin/sudo"
) -> Path:
    """A /proc folder whose process PARENT runs ``exe`` with the given uids."""
    entry = tmp_path / "proc" / str(PARENT)
    entry.mkdir(parents=True)
    uids = "\t".join(str(uid) for uid in (real_uid, effective_uid, effective_uid, effective_uid))
    (entry / "status").write_text(f"Name:\t{Path(exe).name}\nUid:\t{uids}\n")
    (entry / "exe").symlink_to(exe)
    return tmp_path / "proc"


def claim(user: pwd.struct_passwd = OTHER) -> dict[str, str]:
    return {"SUDO_USER": user.pw_name, "SUDO_UID": str(user.pw_uid)}


def test_sudo_started_by_the_caller_names_the_caller(tmp_path: Path) -> None:
    proc = fake_parent(tmp_path, real_uid=OTHER.pw_uid)
    assert operator_name(claim(), SERVICE_UID, parent=PARENT, proc=proc) == OTHER.pw_name


@pytest.mark.parametrize(
    ("parent", "reason"),
    [
        ({"exe": "/bin/bash"}, "is 'bash', not sudo"),
        ({"exe": "/tmp/sudo", "effective_uid": SERVICE_UID}, "not set-uid root"),
        ({"real_uid": SERVICE_UID}, f"does not run with the real uid {OTHER.pw_uid}"),
    ],
)
def test_a_parent_that_is_not_the_callers_sudo_is_refused(
    tmp_path: Path, parent: dict, reason: str
) -> None:
    proc = fake_parent(tmp_path, **{"real_uid": OTHER.pw_uid, **parent})
    with pytest.raises(ForgedSudo, match=reason):
        operator_name(claim(), SERVICE_UID, parent=PARENT, proc=proc)


def test_a_caller_the_user_database_does_not_know_by_that_uid_is_refused(tmp_path) -> None:
    proc = fake_parent(tmp_path, real_uid=OTHER.pw_uid)
    wrong_uid = {"SUDO_USER": OTHER.pw_name, "SUDO_UID": str(OTHER.pw_uid + 1)}
    with pytest.raises(ForgedSudo, match="another uid"):
        operator_name(wrong_uid, SERVICE_UID, parent=PARENT, proc=proc)
    with pytest.raises(ForgedSudo, match="has no 'nobody-here'"):
        operator_name({"SUDO_USER": "nobody-here", "SUDO_UID": "7"}, SERVICE_UID, parent=PARENT)


def test_a_parent_gone_from_proc_is_no_proof(tmp_path: Path) -> None:
    with pytest.raises(ForgedSudo, match=f"parent process {PARENT} cannot be read"):
        operator_name(claim(), SERVICE_UID, parent=PARENT, proc=tmp_path)


def test_without_access_to_sudos_exe_the_kernels_name_for_it_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unprivileged service account may not read where a set-uid root process's exe
    points; its status still says who it is."""
    proc = fake_parent(tmp_path, real_uid=OTHER.pw_uid)

    def denied(_path: object) -> str:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "readlink", denied)
    assert operator_name(claim(), SERVICE_UID, parent=PARENT, proc=proc) == OTHER.pw_name


def test_a_forged_sudo_environment_is_refused_and_audited(
    tmp_path: Path, db_url: str, sessions
) -> None:
    config = write_config(
        tmp_path, db_url, roles=(), extra=f'[operators]\n"{OTHER.pw_name}" = "admin"\n'
    )
    outcome = run("audit", "list", config=config, env=claim())
    assert outcome.exit_code == 4, outcome.stdout
    message = " ".join(outcome.stderr.split())
    assert f"SUDO_USER='{OTHER.pw_name}' SUDO_UID={OTHER.pw_uid} is refused" in message
    assert "sudo did not start this command" in message
    with sessions() as session:
        [row] = session.scalars(sa.select(AuditEntry)).all()
        assert (row.operator, row.role, row.action, row.outcome) == (
            LOGIN, "viewer", "audit list", "denied"
        )
        assert row.details["forged_sudo"]["sudo_user"] == OTHER.pw_name


@pytest.mark.skipif(shutil.which("sudo") is None, reason="sudo is not installed on this machine")
@pytest.mark.skipif(os.geteuid() != 0, reason="sudo -u nobody without a password needs root")
def test_the_real_sudo_names_its_caller() -> None:
    """Through the real sudo, run as another account, the caller (this test's user) acts."""
    code = "from bridge.services.audit.identity import operator_name; print(operator_name())"
    source = str(Path(__file__).resolve().parents[2])
    done = subprocess.run(
        ["sudo", "-u", "nobody", "env", f"PYTHONPATH={source}", sys.executable, "-c", code],
        capture_output=True, text=True, check=False, cwd="/",
    )
    assert (done.returncode, done.stdout.strip()) == (0, LOGIN), done.stderr
