"""`bridge init` asks on the person's terminal even when standard input is the token file.

The README's interactive line (``bridge init --moodle-url … < ~/moodle-token.txt``) is
run as written in a session whose controlling terminal is a pseudo-terminal: the answers
are typed on it, the token comes from the file, and the output is the README's sample.
Without any terminal the same line refuses, naming the first missing flag.
"""

from __future__ import annotations

import io
import os
import pwd
import select
import subprocess
import sys
from pathlib import Path

import pytest

from bridge.cli import terminal
from bridge.settings import load_settings
from tests.readme_setup import README_FOLDER, README_USER, answers, init_lines, shown_output

#: The questions in the order `bridge init` asks them, and the flag answering each.
QUESTIONS = (
    ("Register name", "--register-name"),
    ("Controller", "--controller-name"),
    ("Business ID", "--business-id"),
    ("Controller's postal address", "--address"),
    ("Contact person", "--contact-name"),
    ("Contact e-mail", "--contact-email"),
)


def _environment(home: Path) -> dict[str, str]:
    user = pwd.getpwuid(os.getuid()).pw_name
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIDGE_")}
    return {**env, "HOME": str(home), "USER": user, "LOGNAME": user}


def _bridge() -> str:
    program = Path(sys.executable).with_name("bridge")
    assert program.is_file(), "bridge is installed beside the interpreter (make test)"
    return str(program)


def _readme_line(home: Path, folder: Path) -> tuple[list[str], Path]:
    """The README's interactive line as argv and the file its standard input comes from."""
    interactive, _ = init_lines()
    words = interactive.words({"~/": f"{home}/", README_FOLDER: str(folder)})
    at = words.index("<")
    return [_bridge(), *words[1:at]], Path(words[at + 1])


def _prepared(tmp_path: Path) -> tuple[Path, Path, list[str], Path]:
    """A home with the token saved where the README reads it, an empty folder, the line."""
    home, folder = tmp_path / "home", tmp_path / "srv" / "bridge"
    home.mkdir()
    folder.mkdir(parents=True)
    argv, token_file = _readme_line(home, folder)
    token_file.write_text("the-token\n", encoding="utf-8")
    return home, folder, argv, token_file


def _drain(master: int) -> str:
    """Everything written to the terminal so far (the child has exited)."""
    shown = b""
    while select.select([master], [], [], 0)[0]:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: nothing more
            break
        if not chunk:
            break
        shown += chunk
    return shown.decode("utf-8", "replace")


def test_the_readme_line_asks_on_the_terminal_while_the_token_is_standard_input(
    tmp_path: Path,
) -> None:
    home, folder, argv, token_file = _prepared(tmp_path)
    _, scripted = init_lines()
    given = answers(scripted)

    master, slave = os.openpty()
    slave_name = os.ttyname(slave)

    def take_the_terminal() -> None:
        # In the child, after setsid(): the first terminal it opens becomes its controlling
        # terminal, the one /dev/tty names.
        os.close(os.open(slave_name, os.O_RDWR))

    try:
        # Typed ahead: a terminal keeps the lines until they are read, one per question.
        os.write(master, "".join(f"{given[flag]}\n" for _, flag in QUESTIONS).encode())
        with token_file.open(encoding="utf-8") as stdin:
            child = subprocess.Popen(
                argv, cwd=folder, env=_environment(home), stdin=stdin,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                start_new_session=True, preexec_fn=take_the_terminal,
            )
            stdout, stderr = child.communicate(timeout=120)
        shown = _drain(master)
    finally:
        os.close(slave)
        os.close(master)

    assert child.returncode == 0, stderr + stdout
    for question, _ in QUESTIONS:
        assert f"{question}" in shown, shown
    assert "Register name" not in stdout  # the questions went to the terminal
    me = pwd.getpwuid(os.getuid()).pw_name
    interactive, _ = init_lines()
    assert [row.rstrip() for row in stdout.rstrip().splitlines()] == shown_output(
        interactive, {README_FOLDER: str(folder), f"you, {README_USER},": f"you, {me},"}
    )
    settings = load_settings(folder / "bridge.toml")
    assert settings.controller.name == given["--controller-name"]
    assert settings.connector_token("moodle").get_secret_value() == "the-token"


def test_the_readme_line_with_no_terminal_at_all_names_the_missing_flag(
    tmp_path: Path,
) -> None:
    home, folder, argv, token_file = _prepared(tmp_path)
    with token_file.open(encoding="utf-8") as stdin:
        done = subprocess.run(
            argv, cwd=folder, env=_environment(home), stdin=stdin, capture_output=True,
            text=True, timeout=120, check=False, start_new_session=True,
        )
    assert done.returncode == 2
    assert "missing --register-name (no terminal to ask on" in done.stderr
    assert "Traceback" not in done.stderr
    assert list(folder.iterdir()) == []


class _Typed(io.StringIO):
    """A terminal whose person types ``lines``; what is shown is kept in ``shown``."""

    def __init__(self, *lines: str) -> None:
        super().__init__("".join(f"{line}\n" for line in lines))
        self.shown: list[str] = []

    def write(self, text: str) -> int:
        self.shown.append(text)
        return len(text)


def test_a_refused_answer_is_asked_again_on_the_controlling_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from bridge.cli.main import cli

    typed = _Typed(
        "Verkkokurssiasiakasrekisteri", "BPW Kraatz Oy", "0104505-8", "0104505-9",
        "Ruukinmestarintie 9, 02330 Espoo", "Heini Nyman", "heini.nyman@kraatz.fi",
    )
    monkeypatch.setattr(terminal, "open_controlling_terminal", lambda: typed)
    config = tmp_path / "bridge.toml"
    result = CliRunner().invoke(
        cli, ["--config", str(config), "init", "--moodle-url", "https://moodle.test"],
        input="the-token\n",
    )
    assert result.exit_code == 0, result.output
    shown = "".join(typed.shown)
    assert "check digit" in shown and "try again" in shown
    assert shown.count("Business ID") == 2
    assert load_settings(config).controller.business_id == "0104505-9"


def test_the_token_comes_from_token_file(tmp_path: Path) -> None:
    from tests.bridge.test_init import FLAGS, _init

    token = tmp_path / "moodle-token.txt"
    token.write_text("file-token\n", encoding="utf-8")
    config = tmp_path / "site" / "bridge.toml"
    code, _, stderr = _init(config, *FLAGS, "--token-file", str(token), token="ignored\n")
    assert code == 0, stderr
    assert load_settings(config).connector_token("moodle").get_secret_value() == "file-token"
    assert (config.parent / "moodle.token").stat().st_mode & 0o777 == 0o600

    empty = tmp_path / "empty.txt"
    empty.write_text("\n", encoding="utf-8")
    code, _, stderr = _init(tmp_path / "other" / "bridge.toml", *FLAGS, "--token-file", str(empty))
    assert code == 2 and "--token-file" in stderr and "is empty" in stderr
    code, _, stderr = _init(
        tmp_path / "third" / "bridge.toml", *FLAGS, "--token-file", str(tmp_path / "none")
    )
    assert code == 2 and "--token-file" in stderr and "cannot read" in stderr
