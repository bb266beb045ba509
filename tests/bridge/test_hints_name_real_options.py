"""No message suggests a command or an option that does not exist: every hint, fix and help
text of the code that names a ``bridge`` command or a ``--flag`` is checked against the
click command tree (issue 29, point 4: "add --now to this command" was printed by
``subject erase``, which has no --now)."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator

import click
import pytest

from bridge.cli.examples import walk
from bridge.cli.main import cli
from tests.bridge.hint_texts import Index, Node
from tests.plugin import php

TREE = {tuple(path.split()): command for path, command in walk(cli)}
INDEX = Index()

#: "bridge" as a word, not part of a path, a module or an identifier.
BRIDGE = re.compile(r"(?<![\w./-])bridge(?=[ \t])")
#: Where a command line inside a sentence ends.
END = re.compile(r"[`;()|\"'\n\[\]]|,(?=\s|$)")
FLAG = re.compile(r"(?<![\w-])--([a-z][a-z0-9-]*)")
#: The companion plugin's set-up script, run on the Moodle server: its flags are its own.
SETUP_SCRIPT = re.compile(r"cli/setup\.php")
SETUP_OPTIONS = {f"--{name}" for name in php.setup_script_options()}


def _opts(command: click.Command) -> set[str]:
    return {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}


ROOT = _opts(cli) | {"--help", "--version"}
#: Global options that take a value (``bridge --config FILE status``).
ROOT_VALUED = {
    opt for param in cli.params if isinstance(param, click.Option) and not param.is_flag
    and not param.count for opt in param.opts
}


#: Paths the reference graph finds but no run takes, each with the reason it is not taken:
#: (text's file, flag, command or "*" for every command) → why.
NOT_PRINTED = {
    ("bridge/files.py", "--force", "db upgrade"):
        "the register secret is written only when missing, and PathTaken is caught",
    ("bridge/files.py", "--force", "demo"): "the demo writes into a fresh temporary folder",
    ("bridge/services/rights/consent.py", "--channel", "db restore"):
        "re-applying the journal withdraws the service consent, which has no channel",
    ("bridge/settings/schema.py", "--lang", "*"):
        "a configuration key's description, naming the letter commands' option",
}


def _not_printed(where: str, flag: str, path: tuple[str, ...]) -> bool:
    file = where.rsplit(":", 1)[0]
    return any((file, flag, name) in NOT_PRINTED for name in (" ".join(path), "*"))


def _callbacks() -> dict[Node, list[tuple[str, ...]]]:
    """Each click callback's definition in the source, with the commands it serves."""
    found: dict[Node, list[tuple[str, ...]]] = {}
    for path, command in TREE.items():
        if command.callback is not None:
            function = inspect.unwrap(command.callback)
            found.setdefault((function.__module__, function.__qualname__), []).append(path)
    return found


CALLBACKS = _callbacks()


def _command_lines(text: str) -> Iterator[tuple[bool, list[str], int, int]]:
    """(strict, words after "bridge", start, end) of every command line in ``text``.

    Strict: the line stands alone or in quotes (``"`bridge push list`"``), so its first word
    must be a command; otherwise "bridge" may be prose ("the bridge reads …")."""
    for match in BRIDGE.finditer(text):
        before = text[: match.start()].rstrip(" $")
        strict = not before or before[-1] in "`'\"\n"
        stop = END.search(text, match.end())
        end = stop.start() if stop else len(text)
        yield strict, text[match.end() : end].split(), match.start(), end


def _check_line(strict: bool, words: list[str]) -> str | None:
    """What is wrong with ``bridge <words>``, or None."""
    index = 0
    while index < len(words) and words[index].startswith("-"):
        flag = words[index].split("=", 1)[0]
        if flag not in ROOT:
            return f"bridge has no global option {flag}"
        index += 2 if flag in ROOT_VALUED and "=" not in words[index] else 1
    path: tuple[str, ...] = ()
    while index < len(words):
        word = words[index].rstrip(".:")
        command = TREE[path]
        if not (isinstance(command, click.Group) and (*path, word) in TREE):
            break
        path, index = (*path, word), index + 1
        if words[index - 1] != word:  # the sentence ended after the command
            return None
    if not path:
        first = words[index] if index < len(words) else ""
        if strict and first and "{" not in first:
            return f"no command `bridge {first}`"
        return None
    if strict and isinstance(TREE[path], click.Group) and index < len(words):
        word = words[index]
        if not word.startswith("-") and "{" not in word and word.isidentifier():
            return f"`bridge {' '.join(path)}` has no subcommand {word}"
    known = _opts(TREE[path]) | ROOT
    for word in words[index:]:
        flag = FLAG.match(word)
        if flag and f"--{flag.group(1)}" not in known:
            return f"`bridge {' '.join(path)}` has no option --{flag.group(1)}"
        if word.endswith((".", ":")):
            break
    return None


def _setup_lines(text: str) -> Iterator[tuple[list[str], int, int]]:
    """(flags, start, end) of every run of the plugin's set-up script in ``text``."""
    for match in SETUP_SCRIPT.finditer(text):
        stop = END.search(text, match.end())
        end = stop.start() if stop else len(text)
        yield [f"--{name}" for name in FLAG.findall(text[match.end():end])], match.start(), end


def _bare_flags(text: str) -> list[str]:
    """The flags of ``text`` outside its ``bridge …`` and set-up script command lines."""
    lines = [(start, end) for *_, start, end in _command_lines(text)]
    lines += [(start, end) for _, start, end in _setup_lines(text)]
    for start, end in sorted(lines, reverse=True):
        text = text[:start] + " " + text[end:]
    return [f"--{name}" for name in FLAG.findall(text)]


def _problems_in_code() -> list[str]:
    everywhere = set().union(*(_opts(command) for command in TREE.values())) | ROOT
    problems = []
    for text in INDEX.texts:
        problems += [
            f"{text.where}: the plugin's set-up script has no option {flag}"
            for flags, _, _ in _setup_lines(text.text) for flag in flags
            if flag not in SETUP_OPTIONS
        ]
        for strict, words, _, _ in _command_lines(text.text):
            problem = _check_line(strict, words)
            if problem:
                problems.append(f"{text.where}: {problem} ({text.text.strip()[:80]!r})")
        flags = _bare_flags(text.text)
        if not flags:
            continue
        printers = [
            path for node in INDEX.reachers(text.owner, set(CALLBACKS))
            for path in CALLBACKS[node]
        ]
        for flag in flags:
            lacking = [
                p for p in printers
                if flag not in _opts(TREE[p]) | ROOT and not _not_printed(text.where, flag, p)
            ]
            if lacking or (not printers and flag not in everywhere):
                commands = ", ".join(f"`bridge {' '.join(p)}`" for p in lacking) or "any command"
                problems.append(f"{text.where}: {commands} has no option {flag} "
                                f"({text.text.strip()[:80]!r})")
    return problems


def _problems_in_help() -> list[str]:
    problems = []
    for path, command in TREE.items():
        texts = [command.help, command.epilog, *(getattr(p, "help", None) for p in command.params)]
        own = _opts(command) | ROOT
        if isinstance(command, click.Group):
            own |= set().union(*(_opts(sub) for sub in command.commands.values()))
        for text in filter(None, texts):
            for strict, words, _, _ in _command_lines(text):
                problem = _check_line(strict, words)
                if problem:
                    problems.append(f"help of `bridge {' '.join(path)}`: {problem}")
            problems += [
                f"help of `bridge {' '.join(path)}` names {flag}, not one of its options"
                for flag in _bare_flags(text) if flag not in own
            ]
    return problems


def test_the_scan_finds_the_hints() -> None:
    """The scan sees the texts it must judge (so an empty answer below means something)."""
    texts = [t.text for t in INDEX.texts]
    assert "bridge push run --once" in texts
    assert any("add --force to replace it" in t for t in texts)
    consent = ("bridge.cli.commands.consent", "_consent_command.<locals>.command")
    assert sorted(CALLBACKS[consent]) == [("consent", "grant"), ("consent", "withdraw")]


def test_a_flag_is_checked_against_the_commands_that_print_it() -> None:
    """``when_it_happens`` is printed by ``consent withdraw`` and by ``subject erase``."""
    owner = ("bridge.services.delivery", "when_it_happens")
    printers = {p for node in INDEX.reachers(owner, set(CALLBACKS)) for p in CALLBACKS[node]}
    assert {("consent", "withdraw"), ("subject", "erase")} <= printers


@pytest.mark.parametrize(
    "line,problem",
    [
        ("`bridge subject erase --now`", "`bridge subject erase` has no option --now"),
        ("`bridge push rerun`", "`bridge push` has no subcommand rerun"),
        ("`bridge pushes list`", "no command `bridge pushes`"),
        ("`bridge --config x.toml push run --once`", None),
        ("the bridge reads the roster", None),
    ],
)
def test_command_lines_are_judged(line: str, problem: str | None) -> None:
    [(strict, words, _, _)] = _command_lines(line)
    assert _check_line(strict, words) == problem


def test_no_text_in_the_code_names_a_command_or_option_that_does_not_exist() -> None:
    assert _problems_in_code() == []


def test_no_help_text_names_a_command_or_option_that_does_not_exist() -> None:
    assert _problems_in_help() == []


def test_the_set_up_scripts_flags_are_checked_against_the_plugin() -> None:
    """Flags after ``cli/setup.php`` are the plugin script's: judged against its options."""
    text = "Run php local/registrybridge/cli/setup.php --check --bogus on the server."
    [(flags, _, _)] = list(_setup_lines(text))
    assert flags == ["--check", "--bogus"]
    assert "--check" in SETUP_OPTIONS and "--bogus" not in SETUP_OPTIONS
    assert _bare_flags(text) == []
