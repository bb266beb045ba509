"""The token and personal data never travel in clear unless the configuration says so, and
then every run says so again; credentials in the URL are refused and never repeated."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bridge.errors import ConfigError
from bridge.services.lms import open_connector
from bridge.settings import load_settings
from tests.cli import run
from tests.configs import SENTINEL_TOKEN, write_config

PASSWORD = "Hunter2-pw-7c1d"


def line_of(path: Path, text: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if text in line)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/", "http://127.9.9.9/moodle", "http://localhost:8000",
    "http://[::1]:8080/", "https://moodle.example.fi/"])
def test_https_anywhere_and_http_to_this_host_are_fine(tmp_path: Path, url: str) -> None:
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'r.sqlite3'}", moodle_url=url)
    outcome = run("config", "check", config=config)
    assert outcome.exit_code == 0, outcome.stderr
    assert "transport" not in outcome.stderr


def test_http_to_another_host_is_refused_naming_the_key(tmp_path: Path) -> None:
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'r.sqlite3'}",
                          moodle_url="http://moodle.example.fi/")
    outcome = run("config", "check", config=config)
    assert outcome.exit_code == 2
    line = line_of(config, 'url = "http://moodle')
    assert f"connectors.moodle.url (line {line})" in outcome.stderr
    assert "unencrypted" in outcome.stderr and "allow_insecure_http = true" in outcome.stderr
    assert "Traceback" not in outcome.stderr


def test_allow_insecure_http_is_accepted_and_warned_on_every_run(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'r.sqlite3'}",
                          moodle_url="http://moodle.example.fi/",
                          connector_extra="allow_insecure_http = true\n")
    settings = load_settings(config)
    with caplog.at_level(logging.WARNING, logger="bridge.connectors"):
        for _ in range(2):  # a sync and a push each open the connector
            open_connector(settings, "moodle", settings.connector_token("moodle")).close()
    warned = [r for r in caplog.records if "allow_insecure_http" in r.getMessage()]
    assert len(warned) == 2 and {r.levelno for r in warned} == {logging.WARNING}
    outcome = run("config", "check", config=config)  # (sets up its own logging: last)
    assert outcome.exit_code == 0, outcome.stderr
    assert "! transport: allow_insecure_http = true: http://moodle.example.fi/" in outcome.stderr


def test_verify_tls_false_is_warned_at_every_run_and_in_check(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'r.sqlite3'}",
                          connector_extra="verify_tls = false\n")
    settings = load_settings(config)
    with caplog.at_level(logging.WARNING, logger="bridge.connectors"):
        open_connector(settings, "moodle", settings.connector_token("moodle")).close()
    assert any("verify_tls = false" in r.getMessage() for r in caplog.records)
    outcome = run("config", "check", config=config)  # (sets up its own logging: last)
    assert outcome.exit_code == 0 and "! transport: verify_tls = false" in outcome.stderr


def test_bridge_check_shows_the_transport_warnings(tmp_path: Path, db_url: str) -> None:
    """With a token file others can read the LMS is not contacted, so the check runs here
    without a network and shows the register-side lines alone."""
    config = write_config(tmp_path, db_url, moodle_url="http://moodle.example.fi/",
                          connector_extra="allow_insecure_http = true\n")
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace(f'token = "{SENTINEL_TOKEN}"', 'token_file = "t"'),
                      encoding="utf-8")
    (tmp_path / "t").write_text("token\n", encoding="utf-8")
    (tmp_path / "t").chmod(0o644)
    outcome = run("check", config=config)
    assert outcome.exit_code == 1
    lines = [x.strip() for x in outcome.stdout.splitlines()]
    assert any(x.startswith("! transport: allow_insecure_http = true") for x in lines)
    assert any(x.startswith("✗ file mode: token file") for x in lines)


def test_credentials_in_the_url_are_refused_and_never_repeated(tmp_path: Path) -> None:
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'r.sqlite3'}",
                          moodle_url=f"https://wsuser:{PASSWORD}@moodle.example.fi/")
    with pytest.raises(ConfigError) as refused:
        load_settings(config)
    assert refused.value.key == "connectors.moodle.url"
    assert refused.value.line == line_of(config, 'url = "https://wsuser')
    assert "token_file" in str(refused.value)
    for args in (("config", "check"), ("config", "show"), ("-vv", "config", "show"),
                 ("-vv", "--log-format", "json", "sync")):
        outcome = run(*args, config=config)
        assert outcome.exit_code == 2, args
        assert "user name or password" in outcome.stderr
        assert PASSWORD not in outcome.stdout + outcome.stderr
        assert "wsuser" not in outcome.stdout + outcome.stderr
