"""The README's "Set-up" section as data: its command lines and the output it shows.

The set-up tests run these lines rather than their own copy of them, so the README
cannot drift from what works: a changed line is a changed test.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"

#: What the README's lines name that a test must replace with its own.
README_URL = "https://moodle.kraatz.fi"
README_FOLDER = "/srv/bridge"
README_USER = "heini"


@dataclass(frozen=True)
class Line:
    """One ``$ `` line of a block (continuations joined) and the output shown below it."""

    command: str
    output: tuple[str, ...]

    def words(self, replace: dict[str, str] | None = None) -> list[str]:
        """The line split as a POSIX shell would (comments dropped), after replacing each
        ``{old: new}`` of ``replace`` in its text."""
        text = self.command
        for old, new in (replace or {}).items():
            text = text.replace(old, new)
        return shlex.split(text, comments=True)


def section(title: str = "Set-up") -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", text, re.M | re.S)
    assert match, f"README.md has no section {title!r}"
    return match.group(1)


def blocks(title: str = "Set-up") -> list[list[Line]]:
    """Each fenced block of the section holding ``$ `` lines, as its lines."""
    found: list[list[Line]] = []
    for body in re.findall(r"^```[a-z]*\n(.*?)^```", section(title), re.M | re.S):
        lines: list[Line] = []
        command: str | None = None
        output: list[str] = []
        pending = ""
        for raw in body.splitlines():
            if pending or raw.startswith("$ "):
                text = pending + (raw[2:] if not pending else raw.strip())
                if text.endswith("\\"):
                    pending = text[:-1].rstrip() + " "
                    continue
                pending = ""
                if command is not None:
                    lines.append(Line(command, tuple(output)))
                command, output = text, []
            elif command is not None:
                output.append(raw)
        if command is not None:
            lines.append(Line(command, tuple(output)))
        if lines:
            found.append(lines)
    return found


def init_lines() -> tuple[Line, Line]:
    """The interactive ``bridge init`` line (with its output) and the scripted one."""
    commands = [line for block in blocks() for line in block]
    inits = [line for line in commands if line.words()[:2] == ["bridge", "init"]]
    assert len(inits) == 2, [line.command for line in inits]
    interactive, scripted = inits
    assert "<" in interactive.words() and "--token-file" in scripted.words()
    return interactive, scripted


def shown_output(line: Line, replace: dict[str, str] | None = None) -> list[str]:
    """The output the README shows under ``line``, trailing blanks dropped."""
    shown = list(line.output)
    while shown and not shown[-1].strip():
        shown.pop()
    text = "\n".join(shown)
    for old, new in (replace or {}).items():
        text = text.replace(old, new)
    return [row.rstrip() for row in text.splitlines()]


def answers(scripted: Line) -> dict[str, str]:
    """The scripted line's flags and their values: the answers to the questions."""
    words = scripted.words()
    return {
        words[i]: words[i + 1]
        for i in range(len(words) - 1)
        if words[i].startswith("--") and not words[i + 1].startswith("--")
    }
