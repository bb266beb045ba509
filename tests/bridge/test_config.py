"""Configuration: every error names the file, the key and (where it can) the line; exit 2."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from bridge.settings import load_settings
from bridge.settings.identifiers import validate_business_id
from tests.cli import run
from tests.configs import SENTINEL_TOKEN, write_config, write_token

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_config(tmp_path, f"sqlite:///{tmp_path / 'r.sqlite3'}")


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, text: str) -> int:
    """The 1-based line of the file where ``text`` stands (what the message must name)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if text in line)


def test_valid_config_checks_ok(config: Path) -> None:
    outcome = run("config", "check", config=config)
    assert outcome.exit_code == 0, outcome.stderr
    assert "configuration OK" in outcome.stdout


def test_example_config_loads_and_checks_with_its_token_file(tmp_path: Path) -> None:
    shutil.copy(REPO / "config.example.toml", tmp_path / "bridge.toml")
    settings = load_settings(tmp_path / "bridge.toml")
    assert settings.controller.business_id == "0104505-9"
    assert settings.controller.name == "BPW Kraatz Oy"
    write_token(tmp_path / "moodle.token", "abc123token")
    assert run("config", "check", config=tmp_path / "bridge.toml").exit_code == 0


def test_missing_file_exits_2_naming_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    outcome = run("config", "check", config=missing)
    assert outcome.exit_code == 2
    assert str(missing) in outcome.stderr and "not found" in outcome.stderr
    assert "Traceback" not in outcome.stderr


def test_toml_syntax_error_names_the_line(config: Path) -> None:
    _edit(config, 'name = "Test register"', 'name = "Test register')
    outcome = run("config", "check", config=config)
    assert outcome.exit_code == 2
    assert "TOML syntax error" in outcome.stderr and "line 2" in outcome.stderr


def test_unknown_key_is_an_error_naming_key_and_line(config: Path) -> None:
    _edit(config, 'hosting_country = "FI"', 'hosting_country = "FI"\ntimout = "10s"')
    outcome = run("config", "check", config=config)
    assert outcome.exit_code == 2
    assert f"connectors.moodle.timout (line {line_of(config, 'timout =')})" in outcome.stderr
    assert "unknown key" in outcome.stderr


def test_wrong_type_names_the_key(config: Path) -> None:
    _edit(
        config, 'hosting_country = "FI"', 'hosting_country = "FI"\nmax_parallel_requests = "many"'
    )
    outcome = run("config", "check", config=config)
    assert outcome.exit_code == 2
    line = line_of(config, "max_parallel_requests =")
    assert f"connectors.moodle.max_parallel_requests (line {line})" in outcome.stderr


def test_bad_duration_names_the_key(config: Path) -> None:
    _edit(config, 'hosting_country = "FI"', 'hosting_country = "FI"\ntimeout = "soon"')
    outcome = run("config", "check", config=config)
    assert outcome.exit_code == 2
    assert "connectors.moodle.timeout" in outcome.stderr and "not a duration" in outcome.stderr


def test_invalid_business_id_is_refused(config: Path) -> None:
    _edit(config, "0104505-9", "0104505-8")
    outcome = run("config", "check", config=config)
    assert outcome.exit_code == 2
    assert f"controller.business_id (line {line_of(config, 'business_id =')})" in outcome.stderr
    assert "check digit" in outcome.stderr


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("0104505-9", True),
        ("0104505-8", False),
        ("2617416-4", True),
        ("123-4", False),
        ("1572860-0", True),
        ("abc", False),
    ],
)
def test_business_id_check_digit(value: str, valid: bool) -> None:
    if valid:
        assert validate_business_id(value) == value
    else:
        with pytest.raises(ValueError):
            validate_business_id(value)


def test_missing_token_is_an_error(config: Path) -> None:
    _edit(config, f'token = "{SENTINEL_TOKEN}"\n', "")
    outcome = run("config", "check", config=config)
    assert outcome.exit_code == 2
    assert "connectors.moodle" in outcome.stderr and "token" in outcome.stderr


def test_unreadable_token_file_names_key_and_line(config: Path) -> None:
    _edit(config, f'token = "{SENTINEL_TOKEN}"', 'token_file = "missing.token"')
    outcome = run("config", "check", config=config)
    assert outcome.exit_code == 2
    line = line_of(config, "token_file =")
    assert f"connectors.moodle.token_file (line {line})" in outcome.stderr


def test_missing_required_section_key(config: Path) -> None:
    _edit(config, 'contact_name = "Heini Nyman"\n', "")
    outcome = run("config", "check", config=config)
    assert outcome.exit_code == 2
    assert "controller.contact_name" in outcome.stderr and "missing" in outcome.stderr


@pytest.mark.parametrize("country", ["US", "CN"])
def test_connector_hosted_outside_eu_eea_is_refused(config: Path, country: str) -> None:
    _edit(config, 'hosting_country = "FI"', f'hosting_country = "{country}"')
    outcome = run("config", "check", config=config)
    assert outcome.exit_code == 2
    assert "N9" in outcome.stderr and country in outcome.stderr


@pytest.mark.parametrize("country", ["FI", "DE", "NO"])
def test_connector_hosted_in_eu_eea_is_accepted(config: Path, country: str) -> None:
    _edit(config, 'hosting_country = "FI"', f'hosting_country = "{country}"')
    assert run("config", "check", config=config).exit_code == 0


def test_plain_unenrol_revocation_is_refused_naming_n3(config: Path) -> None:
    _edit(config, 'hosting_country = "FI"', 'hosting_country = "FI"\nrevoke_access = "unenrol"')
    outcome = run("config", "check", config=config)
    assert outcome.exit_code == 2 and "N3" in outcome.stderr


def test_b2b_opt_out_for_email_is_refused_naming_n11(config: Path) -> None:
    config.write_text(
        config.read_text() + '\n[marketing.rules]\nemail = { b2c = "opt_in", b2b = "opt_out" }\n'
    )
    outcome = run("config", "check", config=config)
    assert outcome.exit_code == 2 and "N11" in outcome.stderr


def test_environment_overrides_the_file(config: Path) -> None:
    env = {"BRIDGE_CONNECTORS__MOODLE__TIMEOUT": "7s", "BRIDGE_REGISTER__NAME": "From env"}
    outcome = run("config", "show", "--json", config=config, env=env)
    assert outcome.exit_code == 0, outcome.stderr
    shown = json.loads(outcome.last_line)
    assert shown["connectors"]["moodle"]["timeout"] == "7s"
    assert shown["register"]["name"] == "From env"


def test_config_file_from_environment(config: Path) -> None:
    outcome = run("config", "check", env={"BRIDGE_CONFIG": str(config)})
    assert outcome.exit_code == 0, outcome.stderr


def test_token_never_shown_in_config_show(config: Path) -> None:
    for args in (("config", "show"), ("config", "show", "--json")):
        outcome = run(*args, config=config)
        assert outcome.exit_code == 0
        assert SENTINEL_TOKEN not in outcome.stdout + outcome.stderr
        assert "**********" in outcome.stdout


def test_token_never_in_repr(config: Path) -> None:
    settings = load_settings(config)
    assert SENTINEL_TOKEN not in repr(settings)
    assert SENTINEL_TOKEN not in str(settings)
    assert SENTINEL_TOKEN not in repr(settings.connectors["moodle"])


def test_token_masked_in_logs(config: Path, caplog: pytest.LogCaptureFixture) -> None:
    from bridge.logs import MASK, configure_logging, secret_filter

    configure_logging(logging.DEBUG)
    secret_filter.add(SENTINEL_TOKEN)
    logging.getLogger("test").warning("calling with wstoken=%s", SENTINEL_TOKEN)
    handler = logging.getLogger().handlers[0]
    record = logging.LogRecord(
        "t", logging.WARNING, __file__, 1, "token %s", (SENTINEL_TOKEN,), None
    )
    assert handler.filter(record)
    assert SENTINEL_TOKEN not in handler.format(record) and MASK in handler.format(record)


def test_verbose_cli_logs_do_not_contain_the_token(config: Path) -> None:
    outcome = run("-vv", "config", "show", "--json", config=config)
    assert SENTINEL_TOKEN not in outcome.stdout + outcome.stderr
