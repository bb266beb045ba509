"""A connector section: general keys for the register, the rest for the connector's model."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.errors import ConfigError
from bridge.settings import load_settings
from connectors.moodle.config import MoodleSettings
from tests.cli import run
from tests.configs import SENTINEL_TOKEN, write_config, write_token


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_config(tmp_path, f"sqlite:///{tmp_path / 'r.sqlite3'}")


def _append_to_section(path: Path, lines: str) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace('hosting_country = "FI"\n', f'hosting_country = "FI"\n{lines}', 1),
        encoding="utf-8",
    )


def _line_of(path: Path, text: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if text in line)


def test_a_moodle_key_error_names_its_key_path_and_line(config: Path) -> None:
    _append_to_section(config, "\n[connectors.moodle.page_sizes]\nusers = 0\n")
    outcome = run("config", "check", config=config)
    assert outcome.exit_code == 2
    line = _line_of(config, "users = 0")
    assert f"connectors.moodle.page_sizes.users (line {line})" in outcome.stderr


def test_an_unknown_connector_kind_names_the_kind_key(config: Path) -> None:
    _append_to_section(config, 'kind = "blackboard"\n')
    outcome = run("config", "check", config=config)
    assert outcome.exit_code == 2
    assert f"connectors.moodle.kind (line {_line_of(config, 'kind =')})" in outcome.stderr
    assert "installed: canvas, moodle" in outcome.stderr


def test_the_connectors_keys_are_validated_by_its_model(config: Path) -> None:
    _append_to_section(config, "max_form_fields = 1500\nexclude_usernames = [\"admin\", \"t\"]\n")
    section = load_settings(config).connectors["moodle"]
    assert section.options == MoodleSettings(max_form_fields=1500, exclude_usernames=("admin", "t"))


def test_streams_left_out_of_the_schedule_keep_the_connectors_default(config: Path) -> None:
    _append_to_section(config, '\n[connectors.moodle.schedule]\nusers = "2h"\n')
    schedule = load_settings(config).connectors["moodle"].schedule
    assert str(schedule["users"]) == "2h"
    assert str(schedule["gradebook"]) == MoodleSettings.default_schedule["gradebook"]


def test_config_show_prints_one_flat_section(config: Path) -> None:
    shown = load_settings(config).connectors["moodle"].model_dump(mode="json")
    assert "options" not in shown
    assert shown["max_form_fields"] == 1000 and shown["page_sizes"]["roster"] == 1000


def test_token_from_file_is_read_when_needed(config: Path, tmp_path: Path) -> None:
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace(f'token = "{SENTINEL_TOKEN}"', 'token_file = "moodle.token"'),
        encoding="utf-8",
    )
    settings = load_settings(config)
    with pytest.raises(ConfigError) as missing:
        settings.connector_token("moodle")
    assert missing.value.key == "connectors.moodle.token_file"
    assert missing.value.line == _line_of(config, "token_file =")
    write_token(tmp_path / "moodle.token", "first")
    assert settings.connector_token("moodle").get_secret_value() == "first"
    write_token(tmp_path / "moodle.token", "rotated")
    assert settings.connector_token("moodle").get_secret_value() == "rotated"
