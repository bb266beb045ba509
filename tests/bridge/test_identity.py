"""Who acts is the operating system's answer, and roles come only from ``[operators]``
(CONTRACTS 9): no option, variable or forged sudo variable changes who the audit records."""

from __future__ import annotations

import os
import pwd
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bridge.errors import NotPermitted
from bridge.services.audit import DAEMON, Actor
from bridge.services.audit.identity import operator_name
from bridge.store.models import AuditEntry, Person
from connectors.moodle.simulator import SimulatedMoodle
from connectors.moodle.simulator.server import running_server
from tests.cli import run
from tests.configs import OS_USER, write_config
from tests.intake.factories import FI_PERSON_HEADERS, person_row, write_csv

LOGIN = pwd.getpwuid(os.getuid()).pw_name
OTHER_UID = str(os.getuid() + 4242)


def audit_rows(sessions: sessionmaker[Session]) -> list[AuditEntry]:
    with sessions() as session:
        return list(session.scalars(sa.select(AuditEntry).order_by(AuditEntry.seq)))


def denied_as(sessions: sessionmaker[Session]) -> tuple[str, str]:
    """(operator, role) of the one refused command's audit row."""
    [row] = [r for r in audit_rows(sessions) if r.outcome == "denied"]
    return row.operator, row.role


@pytest.fixture
def viewer_config(tmp_path: Path, db_url: str) -> Path:
    """The test process's OS user is unlisted, so a viewer: `audit list` is refused."""
    return write_config(tmp_path, db_url, roles=())


# ------------------------------------------------------------------ the OS's answer


def test_the_identity_is_the_real_uids_login_name_whatever_user_says() -> None:
    assert operator_name({"USER": "heini.nyman", "LOGNAME": "heini.nyman"}) == LOGIN


def test_a_sudo_user_forged_under_ones_own_uid_is_ignored() -> None:
    own = str(os.getuid())
    assert operator_name({"SUDO_USER": "heini", "SUDO_UID": own}) == LOGIN
    assert operator_name({"SUDO_USER": "heini"}) == LOGIN
    assert operator_name({"SUDO_USER": "heini", "SUDO_UID": "not-a-uid"}) == LOGIN


def test_an_account_without_a_name_acts_by_its_uid() -> None:
    unnamed = next(uid for uid in range(54321, 64000) if not _has_name(uid))
    assert operator_name({}, uid=unnamed) == f"uid:{unnamed}"


def test_no_os_answer_can_be_the_daemon() -> None:
    with pytest.raises(NotPermitted, match="reserved"):
        operator_name({"SUDO_USER": DAEMON, "SUDO_UID": OTHER_UID})
    with pytest.raises(NotPermitted, match="not usable"):
        operator_name({"SUDO_USER": "heini\nforged line", "SUDO_UID": OTHER_UID})


def test_combined_roles_hold_the_union_and_are_recorded_in_few_words() -> None:
    both = Actor.holding("heini", ("dpo", "operator", "viewer"))
    assert both.role == "operator+dpo" and both.may("sync") and both.may("register")
    assert not both.may("retention")
    assert Actor.holding("it", ("admin", "dpo")).role == "admin"


# ------------------------------------------------------------------ through the CLI


def test_the_audit_row_names_the_os_user_with_its_uid_and_host(viewer_config, sessions) -> None:
    outcome = run("audit", "list", config=viewer_config, env={"USER": "heini.nyman"})
    assert outcome.exit_code == 4
    [row] = audit_rows(sessions)
    assert (row.operator, row.role, row.uid, row.host) == (
        OS_USER, "viewer", os.getuid(), socket.gethostname()
    )


def test_the_operator_option_is_gone(viewer_config, sessions) -> None:
    outcome = run("--operator", "heini.nyman", "audit", "list", config=viewer_config)
    assert outcome.exit_code == 2 and "--operator" in outcome.stderr
    assert audit_rows(sessions) == []


def test_bridge_operator_is_ignored_with_a_warning(viewer_config, sessions) -> None:
    outcome = run("audit", "list", config=viewer_config, env={"BRIDGE_OPERATOR": "it.admin"})
    assert outcome.exit_code == 4
    [warning] = [line for line in outcome.stderr.splitlines() if "BRIDGE_OPERATOR" in line]
    assert "ignored" in warning and "OS user" in warning
    assert denied_as(sessions) == (OS_USER, "viewer")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BRIDGE_OPERATORS__MALLORY", "admin"),
        ("bridge_operators__mallory", "admin"),
        ("BRIDGE_OPERATORS", '{"mallory": "admin"}'),
        ("BRIDGE_DAEMON__ROLE", "admin"),
        ("BRIDGE_DAEMON", '{"role": "admin"}'),
    ],
)
def test_environment_variables_cannot_grant_a_role(
    viewer_config: Path, sessions, variable: str, value: str
) -> None:
    outcome = run("audit", "list", config=viewer_config, env={variable: value})
    assert outcome.exit_code == 2
    assert f"error: environment variable {variable}: roles cannot be granted from the " \
        "environment; map the OS user in [operators] of " in " ".join(outcome.stderr.split())
    assert audit_rows(sessions) == []


def test_a_forged_sudo_user_under_ones_own_uid_records_the_os_user(viewer_config, sessions) -> None:
    forged = {"SUDO_USER": "heini", "SUDO_UID": str(os.getuid())}
    assert run("audit", "list", config=viewer_config, env=forged).exit_code == 4
    assert denied_as(sessions) == (LOGIN, "viewer")


def test_the_daemons_name_cannot_be_mapped(tmp_path: Path, db_url: str) -> None:
    config = write_config(
        tmp_path, db_url, roles=(), extra=f'[operators]\n"{DAEMON}" = "admin"\n'
    )
    outcome = run("status", config=config)
    assert outcome.exit_code == 2
    assert "operators" in outcome.stderr and f"'{DAEMON}' cannot be mapped" in outcome.stderr


def test_the_daemons_name_cannot_be_claimed_through_sudo(viewer_config, sessions) -> None:
    outcome = run("status", config=viewer_config, env={"SUDO_USER": DAEMON, "SUDO_UID": OTHER_UID})
    assert outcome.exit_code == 4 and "reserved" in outcome.stderr
    assert audit_rows(sessions) == []


def test_a_dpo_who_is_also_an_operator_may_import_and_sync(
    tmp_path: Path, db_url: str, sessions, served_sim: tuple[SimulatedMoodle, str]
) -> None:
    sim, url = served_sim
    config = write_config(
        tmp_path, db_url, moodle_url=url, token=sim.token, roles=("dpo", "operator")
    )
    people = write_csv(tmp_path / "p.csv", [FI_PERSON_HEADERS, person_row(1)])
    imported = run("import", "persons", str(people), config=config)
    assert imported.exit_code == 0, imported.stderr
    synced = run("sync", "--full", config=config)
    assert synced.exit_code == 0, synced.stderr
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Person)) > 1
    assert [r.outcome for r in audit_rows(sessions)] == ["ok"] * len(audit_rows(sessions))
    assert {r.role for r in audit_rows(sessions) if r.operator == OS_USER} == {"operator+dpo"}


@pytest.fixture
def served_sim() -> Iterator[tuple[SimulatedMoodle, str]]:
    sim = SimulatedMoodle("tiny", seed=1)
    with running_server(sim) as url:
        yield sim, url


def _has_name(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return False
    return True


def test_a_configuration_others_may_write_grants_no_roles(tmp_path: Path, db_url: str) -> None:
    config = write_config(tmp_path, db_url)
    config.chmod(0o664)
    outcome = run("status", config=config)
    assert outcome.exit_code == 2 and f"chmod go-w {config}" in outcome.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="handing a file to another account needs root")
def test_a_configuration_of_another_account_grants_no_roles(tmp_path: Path, db_url: str) -> None:
    """`sudo -u bridge bridge --config ~/mine.toml` must not let the caller map themselves."""
    config = write_config(tmp_path, db_url)
    os.chown(config, int(OTHER_UID), -1)
    outcome = run("status", config=config)
    assert outcome.exit_code == 2 and f"owned by uid {OTHER_UID}" in outcome.stderr
