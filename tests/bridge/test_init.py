"""`bridge init`: a working configuration, or one clear line saying what is missing."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

import pytest

from bridge.settings import load_settings
from tests.cli import run

FLAGS = (
    "--register-name", "Verkkokurssiasiakasrekisteri",
    "--controller-name", "BPW Kraatz Oy",
    "--business-id", "0104505-9",
    "--address", "Ruukinmestarintie 9, 02330 Espoo",
    "--contact-name", "Heini Nyman",
    "--contact-email", "heini.nyman@kraatz.fi",
    "--moodle-url", "https://moodle.test",
)


def _init(config: Path, *flags: str, token: str = "the-token\n") -> tuple[int, str, str]:
    from click.testing import CliRunner

    from bridge.cli.main import cli

    result = CliRunner().invoke(cli, ["--config", str(config), "init", *flags], input=token)
    return result.exit_code, result.stdout, result.stderr


def test_init_writes_a_configuration_that_loads(tmp_path: Path) -> None:
    config = tmp_path / "srv" / "bridge.toml"
    code, stdout, stderr = _init(config, *FLAGS)
    assert code == 0, stderr
    settings = load_settings(config)
    me = pwd.getpwuid(os.getuid()).pw_name
    assert settings.operators[me] == ("admin",)
    assert settings.controller.business_id == "0104505-9"
    assert settings.connector_token("moodle").get_secret_value() == "the-token"
    token_file = config.parent / "moodle.token"
    assert token_file.stat().st_mode & 0o777 == 0o600
    assert (config.parent / "var" / "bridge.sqlite3").is_file()
    assert "Next:" in stdout and "import persons" in stdout
    assert run("--config", str(config), "db", "status").exit_code == 0


def test_init_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    config = tmp_path / "bridge.toml"
    config.write_text("# mine\n", encoding="utf-8")
    code, _, stderr = _init(config, *FLAGS)
    assert code == 2
    assert "exists; give --force" in stderr
    assert config.read_text(encoding="utf-8") == "# mine\n"
    code, _, stderr = _init(config, *FLAGS, "--force")
    assert code == 0, stderr


def test_without_a_terminal_a_missing_answer_names_its_flag(tmp_path: Path) -> None:
    code, _, stderr = _init(tmp_path / "bridge.toml", *FLAGS[:-2])
    assert code == 2
    assert "missing --moodle-url" in stderr
    assert not (tmp_path / "bridge.toml").exists()


def test_a_wrong_business_id_is_refused_by_flag(tmp_path: Path) -> None:
    flags = list(FLAGS)
    flags[flags.index("0104505-9")] = "0104505-8"
    code, _, stderr = _init(tmp_path / "bridge.toml", *flags)
    assert code == 2
    assert "--business-id" in stderr and "check digit" in stderr


def test_an_empty_token_is_refused(tmp_path: Path) -> None:
    code, _, stderr = _init(tmp_path / "bridge.toml", *FLAGS, token="")
    assert code == 2
    assert "no Moodle token on standard input" in stderr


@pytest.mark.parametrize(
    ("flag", "answer", "said"),
    [
        ("--moodle-url", "https://u:Pw0rd@moodle.example.fi", "user name or password"),
        ("--moodle-url", "http://moodle.example.fi", "unencrypted"),
        ("--contact-email", "not-an-email", "not an e-mail address"),
        ("--hosting-country", "US", "outside the EU/EEA"),
    ],
    ids=["credentials-in-url", "http-to-remote-host", "not-an-email", "outside-eu"],
)
def test_a_refused_answer_writes_nothing(
    tmp_path: Path, flag: str, answer: str, said: str
) -> None:
    flags = [*FLAGS, "--hosting-country", "FI"]
    flags[flags.index(flag) + 1] = answer
    site = tmp_path / "site"
    code, _, stderr = _init(site / "bridge.toml", *flags)
    assert code == 2
    assert flag in stderr and said in stderr
    assert "Pw0rd" not in stderr
    assert not site.exists()
    code, _, stderr = _init(site / "bridge.toml", *FLAGS)  # no --force needed
    assert code == 0, stderr


def test_the_token_file_of_the_plugins_set_up_is_read_and_copied(tmp_path: Path) -> None:
    """docs/moodle-setup.md step 3: `bridge init --token-file` with the file the companion
    plugin's set-up wrote; nothing is read from standard input, the token is not shown."""
    written = tmp_path / "from-moodle.token"
    written.write_text("abc123token\n", encoding="utf-8")
    config = tmp_path / "srv" / "bridge.toml"
    code, stdout, stderr = _init(config, *FLAGS, "--token-file", str(written), token="")
    assert code == 0, stderr
    assert load_settings(config).connector_token("moodle").get_secret_value() == "abc123token"
    assert (config.parent / "moodle.token").stat().st_mode & 0o777 == 0o600
    assert "abc123token" not in stdout + stderr
    written.write_text("\n", encoding="utf-8")
    code, _, stderr = _init(tmp_path / "other" / "bridge.toml", *FLAGS, "--token-file",
                            str(written))  # fmt: skip
    assert code == 2 and "--token-file" in stderr and "is empty" in stderr
    assert not (tmp_path / "other").exists()
