"""Where a command may ask its questions: the terminal a person is sitting at.

Standard input is not always that terminal: ``bridge init ... < moodle-token.txt`` gives
the token on standard input while the person is still at the keyboard. The questions then
go to the controlling terminal (``/dev/tty``), as ssh and sudo do; with no terminal at all
(cron, CI, a pipe from another program) there is nobody to ask, and the caller refuses
with the flag that would have given the answer.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Protocol

import click

CONTROLLING_TERMINAL = "/dev/tty"


class TerminalIO(Protocol):
    """What a question needs of a terminal: lines in, text out."""

    def readline(self) -> str: ...

    def write(self, text: str, /) -> int: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...


class _Tty:
    """A terminal device as text, one stream each way (a terminal cannot seek, so Python
    will not open it as one read-write text file)."""

    def __init__(self, descriptor: int) -> None:
        self._in = open(os.dup(descriptor), encoding="utf-8", errors="replace")  # noqa: SIM115
        self._out = open(descriptor, "w", encoding="utf-8", errors="replace")  # noqa: SIM115

    def readline(self) -> str:
        return self._in.readline()

    def write(self, text: str, /) -> int:
        return self._out.write(text)

    def flush(self) -> None:
        self._out.flush()

    def close(self) -> None:
        self._in.close()
        self._out.close()


def open_controlling_terminal() -> TerminalIO | None:
    """The process's controlling terminal, or None when the process has none (opening
    ``/dev/tty`` then fails with ENXIO)."""
    try:
        descriptor = os.open(CONTROLLING_TERMINAL, os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return None
    return _Tty(descriptor)


class Terminal:
    """Questions on standard input's terminal, else on the controlling terminal.

    ``opener`` finds the controlling terminal (default :func:`open_controlling_terminal`,
    looked up when first needed, so that a test can replace it and a test run from a
    real terminal never waits on it).
    """

    def __init__(self, opener: Callable[[], TerminalIO | None] | None = None) -> None:
        self._opener = opener
        self._tty: TerminalIO | None = None
        self._looked = False

    def _controlling(self) -> TerminalIO | None:
        if not self._looked:
            self._looked = True
            self._tty = (self._opener or open_controlling_terminal)()
        return self._tty

    @property
    def available(self) -> bool:
        """Whether there is a person to ask."""
        return sys.stdin.isatty() or self._controlling() is not None

    def ask(self, question: str, default: str | None = None) -> str:
        """The answer to ``question`` (``default`` for an empty one); asked again while
        empty. Call only when :attr:`available`."""
        if sys.stdin.isatty():
            return str(click.prompt(question, default=default))
        tty = self._controlling()
        if tty is None:
            raise click.UsageError("no terminal to ask on")
        shown = f"{question} [{default}]: " if default is not None else f"{question}: "
        while True:
            tty.write(shown)
            tty.flush()
            line = tty.readline()
            if not line:  # the terminal was closed (Ctrl-D on an empty line)
                raise click.Abort()
            answer = line.strip()
            if answer:
                return answer
            if default is not None:
                return default

    def say(self, text: str) -> None:
        """A line for the person answering (why an answer was refused), on the terminal
        the questions are on."""
        tty = None if sys.stdin.isatty() else self._controlling()
        if tty is None:
            click.echo(text)
        else:
            tty.write(text + "\n")
            tty.flush()

    def close(self) -> None:
        if self._tty is not None:
            self._tty.close()
            self._tty = None
