"""A one-person set-up: paths follow the configuration file, the environment's token wins,
typos are named with a suggestion, and `status` reads like a sentence (issue 20)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest

from bridge.clock import register_today, utcnow
from bridge.settings import load_settings
from bridge.settings.template import config_text
from bridge.store.db import make_engine, session_factory
from bridge.store.models import DaemonHeartbeat, SyncBookmark
from tests.cli import run
from tests.configs import write_config, write_token

RELATIVE = config_text(
    register_name="Test register",
    secret_file="var/register.secret",
    database_url="sqlite:///var/bridge.sqlite3",
    moodle_url="https://moodle.test",
    token_file="moodle.token",
    operators={"tester": "admin"},
)


@contextmanager
def working_folder(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A configuration with relative paths in its own folder, and another working folder."""
    folder = tmp_path / "srv"
    folder.mkdir()
    (tmp_path / "home").mkdir()
    write_token(folder / "moodle.token", "file-token")
    config = folder / "bridge.toml"
    config.write_text(RELATIVE, encoding="utf-8")
    return config


def test_relative_paths_resolve_against_the_config_folder(site: Path, tmp_path: Path) -> None:
    with working_folder(tmp_path / "home"):
        settings = load_settings(site)
    folder = site.parent.resolve()
    assert settings.database.url == f"sqlite:///{folder / 'var' / 'bridge.sqlite3'}"
    assert settings.register.secret_file == folder / "var" / "register.secret"
    assert settings.connectors["moodle"].token_file == folder / "moodle.token"
    assert settings.connector_token("moodle").get_secret_value() == "file-token"


def test_defaults_lie_beside_the_config_too(tmp_path: Path) -> None:
    text = RELATIVE.replace('url = "sqlite:///var/bridge.sqlite3"\n', "")
    text = text.replace('secret_file = "var/register.secret"\n', "")
    (tmp_path / "bridge.toml").write_text(text, encoding="utf-8")
    settings = load_settings(tmp_path / "bridge.toml")
    assert settings.database.url == f"sqlite:///{tmp_path.resolve() / 'var/bridge.sqlite3'}"
    assert settings.register.secret_file == tmp_path.resolve() / "var/register.secret"


def test_no_command_but_db_upgrade_creates_a_register(site: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    with working_folder(home):
        outcome = run("status", config=site)
        assert outcome.exit_code == 2
        register = site.parent.resolve() / "var" / "bridge.sqlite3"
        assert f"no register at {register}: run `bridge db upgrade`" in outcome.stderr
        assert not register.exists()
        assert list(home.iterdir()) == []

        assert run("db", "upgrade", config=site).exit_code == 0
        assert register.is_file()
        assert run("status", config=site).exit_code == 0
    assert list(home.iterdir()) == []


def test_the_environment_token_beats_the_token_file(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIDGE_CONNECTORS__MOODLE__TOKEN", "env-token")
    settings = load_settings(site)
    assert settings.connector_token("moodle").get_secret_value() == "env-token"
    assert settings.connectors["moodle"].token_file is None


def test_token_and_token_file_in_the_file_still_clash(site: Path) -> None:
    text = site.read_text(encoding="utf-8").replace(
        'token_file = "moodle.token"', 'token_file = "moodle.token"\ntoken = "x"'
    )
    site.write_text(text, encoding="utf-8")
    outcome = run("config", "check", config=site)
    assert outcome.exit_code == 2
    assert "not both" in outcome.stderr


def test_a_misspelt_section_names_the_cause_the_line_and_the_fix(site: Path) -> None:
    site.write_text(site.read_text(encoding="utf-8").replace("[controller]", "[controler]"))
    line = site.read_text(encoding="utf-8").splitlines().index("[controler]") + 1
    outcome = run("config", "check", config=site)
    assert outcome.exit_code == 2
    message = " ".join(outcome.stderr.split())
    assert f"controler (line {line}): unknown key: did you mean `controller`?" in message


def test_a_misspelt_key_gets_a_suggestion(site: Path) -> None:
    text = site.read_text(encoding="utf-8").replace(
        'hosting_country = "FI"', 'hosting_country = "FI"\nrevoke_acess = "suspend"'
    )
    site.write_text(text, encoding="utf-8")
    outcome = run("config", "check", config=site)
    message = " ".join(outcome.stderr.split())
    assert "connectors.moodle.revoke_acess" in message
    assert "did you mean `revoke_access`?" in message


def test_revoke_access_choices_leave_out_the_refused_unenrol(site: Path) -> None:
    text = site.read_text(encoding="utf-8").replace(
        'hosting_country = "FI"', 'hosting_country = "FI"\nrevoke_access = "remove"'
    )
    site.write_text(text, encoding="utf-8")
    message = " ".join(run("config", "check", config=site).stderr.split())
    assert "'suspend' or 'suspend_and_unenrol'" in message
    assert "'unenrol'" not in message
    site.write_text(text.replace('"remove"', '"unenrol"'), encoding="utf-8")
    message = " ".join(run("config", "check", config=site).stderr.split())
    assert "unenrolled account can still log in" in message


def test_config_show_is_not_padded_when_piped(site: Path) -> None:
    outcome = run("config", "show", config=site)
    assert outcome.exit_code == 0
    assert json.loads(outcome.stdout)["register"]["name"] == "Test register"
    assert all(line == line.rstrip() for line in outcome.stdout.splitlines())


def test_request_open_defaults_received_to_today(tmp_path: Path, db_url: str) -> None:
    config = write_config(tmp_path, db_url)
    outcome = run("request", "open", "--type", "access", "--json", config=config)
    assert outcome.exit_code == 0, outcome.stderr
    assert json.loads(outcome.last_line)["received_on"] == register_today().isoformat()


def _bookmark(db_url: str, value: dict[str, object]) -> None:
    engine = make_engine(db_url)
    with session_factory(engine)() as session, session.begin():
        session.add(SyncBookmark(connector="moodle", stream="users", bookmark=value))
    engine.dispose()


def test_status_shows_bookmarks_readably_and_json_unchanged(tmp_path: Path, db_url: str) -> None:
    config = write_config(tmp_path, db_url)
    _bookmark(db_url, {"since": 1796047500})
    text = run("status", config=config)
    assert text.exit_code == 0, text.stderr
    assert "since 2026-11-30 14:05 UTC" in text.stdout
    assert "{'since'" not in text.stdout
    data = json.loads(run("status", "--json", config=config).last_line)
    assert data["connectors"]["moodle"]["streams"]["users"]["bookmark"] == {"since": 1796047500}


def _heartbeat(db_url: str, *, stopped: bool, age: timedelta) -> None:
    engine = make_engine(db_url)
    at = utcnow() - age
    with session_factory(engine)() as session, session.begin():
        session.add(
            DaemonHeartbeat(
                host="h", pid=1, started_at=at, beat_at=at, stopped_at=at if stopped else None
            )
        )
    engine.dispose()


@pytest.mark.parametrize(
    "stopped,age,state",
    [(True, timedelta(0), "stopped"), (False, timedelta(hours=1), "stale"),
     (False, timedelta(0), "running")],
)
def test_daemon_state_in_status(
    tmp_path: Path, db_url: str, stopped: bool, age: timedelta, state: str
) -> None:
    config = write_config(tmp_path, db_url)
    _heartbeat(db_url, stopped=stopped, age=age)
    assert re.search(rf"daemon: {state} \(last heartbeat", run("status", config=config).stdout)
    data = json.loads(run("status", "--json", config=config).last_line)
    assert data["daemon"]["state"] == state
    assert data["daemon"]["alive"] is (state == "running")
