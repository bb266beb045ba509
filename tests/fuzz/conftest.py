"""The fuzz tests' closing line: how many cases were generated in this run."""

from __future__ import annotations

import pytest

from tests.fuzz.counting import summary


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    line = summary()
    if line:
        terminalreporter.write_line(line)
