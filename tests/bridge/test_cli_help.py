"""Every command says what it does and shows how to call it; every option says what it is."""

from __future__ import annotations

import shlex

import click
import pytest

from bridge.cli.examples import walk
from bridge.cli.main import cli
from tests.cli import run

COMMANDS = list(walk(cli))
LEAVES = [(path, command) for path, command in COMMANDS if not isinstance(command, click.Group)]


def test_every_command_and_option_has_help() -> None:
    missing = [f"bridge {path}".strip() for path, command in COMMANDS if not command.help]
    missing += [
        f"bridge {path} {param.opts[0]}".replace("  ", " ")
        for path, command in COMMANDS
        for param in command.params
        if isinstance(param, click.Option) and not param.help and param.name != "help"
        and "--version" not in param.opts
    ]
    assert missing == []


def test_every_command_has_an_example() -> None:
    missing = [path for path, command in LEAVES if "Examples:" not in (command.epilog or "")]
    assert missing == []


def _examples(command: click.Command) -> list[str]:
    text = (command.epilog or "").split("Examples:", 1)[-1]
    lines, current = [], ""
    for line in text.replace("\b", "").splitlines():
        current += " " + line.strip().rstrip("\\")
        if not line.rstrip().endswith("\\"):
            if current.strip():
                lines.append(current.strip())
            current = ""
    return [line for line in lines if line.startswith("bridge ")]


def _words(example: str) -> list[str]:
    """The example's arguments after ``bridge``, up to a pipe or a redirection."""
    lexer = shlex.shlex(example, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    words: list[str] = []
    for word in lexer:
        if word in ("|", "<", ">", ">>"):
            break
        words.append(word)
    return words[1:]


@pytest.mark.parametrize("path,command", LEAVES, ids=[path for path, _ in LEAVES])
def test_the_examples_parse(path: str, command: click.Command) -> None:
    """An example with a misspelt option or a value the option refuses fails here."""
    examples = _examples(command)
    assert examples, path
    for example in examples:
        words = _words(example)
        if words[:1] == ["--config"]:
            words = words[2:]
        names = path.split()
        assert words[: len(names)] == names, example
        command.make_context(path, words[len(names) :])


def test_help_shows_the_examples() -> None:
    outcome = run("consent", "withdraw", "--help")
    assert outcome.exit_code == 0
    assert "Examples:" in outcome.stdout
    assert "--purpose" in outcome.stdout and "service: the courses" in outcome.stdout


def test_a_misspelt_command_gets_a_suggestion() -> None:
    outcome = run("statsu")
    assert outcome.exit_code == 2
    assert "Did you mean 'status'?" in outcome.stderr
    outcome = run("request", "opne")
    assert "Did you mean 'open'?" in outcome.stderr
