"""What a test run left untested, said at its end (`make test`), not only counted.

pytest's ``-rs`` lists every skipped test with its reason; this adds the consequence a
newcomer would miss among them: that the letters to a data subject went unchecked, and
the one command that installs what they need.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any, Protocol

from tests.rights.browser import UNTESTED


class Reporter(Protocol):
    """The part of pytest's terminal reporter used here."""

    stats: dict[str, list[Any]]

    def section(self, title: str, sep: str = ..., **markup: bool) -> None: ...

    def write_line(self, line: str, **markup: bool) -> None: ...


def _reason(report: Any) -> str:
    """A skip's reason: pytest keeps it as (path, line, "Skipped: reason")."""
    longrepr = getattr(report, "longrepr", None)
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr or "")


def untested_lines(skipped: Iterable[Any]) -> list[str]:
    """One line per reason the letters went untested, with how many tests it skipped."""
    counts = Counter(
        reason for reason in map(_reason, skipped) if reason.startswith(UNTESTED)
    )
    return [
        f"{reason} ({count} test{'s' if count != 1 else ''} skipped)"
        for reason, count in sorted(counts.items())
    ]


def report_untested(reporter: Reporter) -> None:
    lines = untested_lines(reporter.stats.get("skipped", []))
    if lines:
        reporter.section("untested for want of a system package", sep="-", yellow=True)
        for line in lines:
            reporter.write_line(line, yellow=True)
