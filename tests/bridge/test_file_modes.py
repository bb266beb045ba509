"""Every file the bridge creates is its owner's alone (0600) whatever the umask, and
`bridge check` / `bridge config check` name the ones that are not, with the chmod fix."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from bridge.errors import UsageError
from bridge.files import private_file, write_private
from bridge.services.audit.anchor import anchor_path
from bridge.services.secrets import ensure_register_secret
from bridge.store.db import make_engine, sqlite_companions
from connectors.moodle.simulator import SimulatedMoodle
from connectors.moodle.simulator.server import running_server
from tests.cli import run
from tests.configs import SENTINEL_TOKEN, write_config
from tests.intake.factories import FI_PERSON_HEADERS, person_row, write_csv


@pytest.fixture(autouse=True)
def umask_022() -> Iterator[None]:
    """The usual umask, under which a plain open() makes files everyone can read."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_db_upgrade_and_the_first_command_create_only_private_files(tmp_path: Path) -> None:
    register = tmp_path / "var" / "register.sqlite3"
    config = write_config(tmp_path / "conf", f"sqlite:///{register}")
    (tmp_path / "conf" / "register.secret").unlink()  # `bridge db upgrade` makes it
    upgraded = run("db", "upgrade", config=config)
    assert upgraded.exit_code == 0, upgraded.stderr
    sheet = write_csv(tmp_path / "p.csv", [FI_PERSON_HEADERS, person_row(1)])
    imported = run("import", "persons", str(sheet), config=config)  # an audited write
    assert imported.exit_code == 0, imported.stderr
    secret = tmp_path / "conf" / "register.secret"
    anchor = anchor_path(secret)
    created = [register, secret, anchor, anchor.with_name(anchor.name + ".lock")]
    assert {p.name: mode(p) for p in created} == {p.name: 0o600 for p in created}
    assert {p.name: mode(p) for p in (tmp_path / "var").iterdir()} == {
        p.name: 0o600 for p in (tmp_path / "var").iterdir()}


def test_sqlite_gives_the_wal_and_shm_the_registers_mode(tmp_path: Path) -> None:
    register = tmp_path / "register.sqlite3"
    engine = make_engine(f"sqlite:///{register}")
    with engine.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        connection.exec_driver_sql("INSERT INTO t VALUES (1)")
        wal, shm = sqlite_companions(register)
        assert (mode(register), mode(wal), mode(shm)) == (0o600, 0o600, 0o600)
    engine.dispose()


def test_a_wal_left_wider_than_the_register_is_narrowed_at_connect(tmp_path: Path) -> None:
    register = tmp_path / "register.sqlite3"
    first = make_engine(f"sqlite:///{register}")
    with first.connect() as holding:  # keeps the -wal and -shm in place
        holding.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        holding.commit()
        wal, shm = sqlite_companions(register)
        wal.chmod(0o644)
        shm.chmod(0o664)
        second = make_engine(f"sqlite:///{register}")
        with second.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM t")).scalar() == 0
        assert (mode(wal), mode(shm)) == (0o600, 0o600)
        second.dispose()
    first.dispose()


def test_an_existing_register_keeps_its_data_and_mode(tmp_path: Path) -> None:
    """Creating the file first must not touch a register that is already there."""
    register = tmp_path / "register.sqlite3"
    engine = make_engine(f"sqlite:///{register}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    engine.dispose()
    register.chmod(0o640)
    again = make_engine(f"sqlite:///{register}")
    with again.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM t").scalar() == 0
    again.dispose()
    assert mode(register) == 0o640


def test_the_secret_is_created_whole_and_private(tmp_path: Path) -> None:
    secret = tmp_path / "keys" / "register.secret"
    assert ensure_register_secret(secret) is True
    assert mode(secret) == 0o600 and len(secret.read_text(encoding="ascii").strip()) == 64
    assert ensure_register_secret(secret) is False
    dangling = tmp_path / "linked.secret"
    dangling.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(UsageError, match="symbolic link"):
        ensure_register_secret(dangling)
    assert not (tmp_path / "elsewhere").exists()


def test_private_file_appears_only_when_complete(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "out.csv"
    with pytest.raises(RuntimeError), private_file(target) as handle:
        handle.write("half")
        raise RuntimeError("stopped half-way")
    assert list(folder.iterdir()) == []
    write_private(target, b"one")
    with pytest.raises(UsageError, match="add --force"):
        write_private(target, b"two")
    write_private(target, b"two", replace=True)
    assert target.read_bytes() == b"two" and mode(target) == 0o600


def test_export_refuses_a_link_and_an_existing_file(tmp_path: Path, db_url: str) -> None:
    config = write_config(tmp_path, db_url)
    sheet = write_csv(tmp_path / "p.csv", [FI_PERSON_HEADERS, person_row(1)])
    assert run("import", "persons", str(sheet), config=config).exit_code == 0
    target = tmp_path / "victim.txt"
    target.write_text("precious\n", encoding="utf-8")
    link = tmp_path / "export.json"
    link.symlink_to(target)
    args = ("subject", "export", "--email", "person1@example.fi", "--out", str(link))
    for extra in ((), ("--force",)):
        outcome = run(*args, *extra, config=config)
        assert outcome.exit_code == 2 and "symbolic link" in outcome.stderr
    assert target.read_text(encoding="utf-8") == "precious\n"
    existing = tmp_path / "old.json"
    existing.write_text("old\n", encoding="utf-8")
    args = ("subject", "export", "--email", "person1@example.fi", "--out", str(existing))
    refused = run(*args, config=config)
    assert refused.exit_code == 2 and "add --force" in refused.stderr
    assert existing.read_text(encoding="utf-8") == "old\n"


# ---------------------------------------------------------------- checks of the files


def _open_files(tmp_path: Path, db_url: str, **config: str) -> tuple[Path, Path | None]:
    """A configuration holding its token, and both it and the register readable by all."""
    path = write_config(tmp_path, db_url, **config)
    path.chmod(0o644)
    register = Path(db_url.removeprefix("sqlite:///")) if db_url.startswith("sqlite") else None
    if register is not None:
        register.chmod(0o644)
    return path, register


def test_config_check_warns_of_open_files_with_the_chmod_fix(tmp_path: Path, db_url: str) -> None:
    config, register = _open_files(tmp_path, db_url)
    outcome = run("config", "check", config=config)
    assert outcome.exit_code == 0, outcome.stderr
    assert f"! file mode: configuration (holds a secret): {config} can be read or changed " \
           "by its group and everyone (mode 0644)" in outcome.stderr
    assert f"fix: chmod 600 {config}" in outcome.stderr
    if register is not None:
        assert f"! file mode: register: {register} can be read" in outcome.stderr
        assert f"fix: chmod 600 {register}" in outcome.stderr
    config.chmod(0o600)
    if register is not None:
        register.chmod(0o600)
    clean = run("config", "check", config=config)
    assert clean.exit_code == 0 and "!" not in clean.stderr


def test_bridge_check_fails_on_open_files_with_the_chmod_fix(tmp_path: Path, db_url: str) -> None:
    sim = SimulatedMoodle("tiny", seed=1)
    with running_server(sim) as url:
        config, register = _open_files(tmp_path, db_url, moodle_url=url, token=sim.token)
        outcome = run("check", config=config)
    assert outcome.exit_code == 1
    lines = outcome.stdout.splitlines()
    assert "register files: NOT ready" in lines
    config_line = next(x for x in lines if "configuration (holds a secret)" in x)
    assert config_line.strip().startswith("✗") and "mode 0644" in config_line
    assert lines[lines.index(config_line) + 1].strip() == f"fix: chmod 600 {config}"
    if register is not None:
        register_line = next(x for x in lines if x.strip().startswith("✗ file mode: register:"))
        assert lines[lines.index(register_line) + 1].strip() == f"fix: chmod 600 {register}"
    assert "moodle: ready" in lines  # the LMS itself is fine
    assert "register files: " in outcome.stderr and "SENTINEL" not in outcome.stdout


def test_a_token_file_others_can_read_is_refused(tmp_path: Path, db_url: str) -> None:
    config = write_config(tmp_path, db_url)
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace(f'token = "{SENTINEL_TOKEN}"', 'token_file = "moodle.token"'),
                      encoding="utf-8")
    token = tmp_path / "moodle.token"
    token.write_text(SENTINEL_TOKEN + "\n", encoding="utf-8")
    token.chmod(0o640)
    outcome = run("config", "check", config=config)
    assert outcome.exit_code == 2
    assert "connectors.moodle.token_file (line" in outcome.stderr
    assert "can be read or changed by its group (mode 0640)" in outcome.stderr
    assert f"chmod 600 {token}" in outcome.stderr and SENTINEL_TOKEN not in outcome.stderr
    checked = run("check", config=config)
    assert checked.exit_code == 1
    token_line = next(x for x in checked.stdout.splitlines() if "token file" in x)
    assert token_line.strip().startswith("✗ file mode: token file")
    token.chmod(0o600)
    assert run("config", "check", config=config).exit_code == 0
