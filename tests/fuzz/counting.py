"""How many cases the fuzz tests generate, and the budget (seeded, bounded) they run under.

Each fuzz test calls :func:`count_case` once per generated example; the suite's
closing summary (``tests/fuzz/conftest.py``) prints ``fuzz: N cases`` with the
split per test, with or without ``-s``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TypeVar

from hypothesis import HealthCheck, settings

T = TypeVar("T")

CASES: Counter[str] = Counter()


def count_case(test: str) -> None:
    CASES[test] += 1


def summary() -> str | None:
    if not CASES:
        return None
    parts = ", ".join(f"{name} {n}" for name, n in sorted(CASES.items()))
    return f"fuzz: {sum(CASES.values())} cases ({parts})"


def seeded(max_examples: int) -> Callable[[T], T]:
    """Hypothesis settings of every fuzz test: derandomized (the same cases every run,
    so a failure reproduces and ``make test`` stays fast) and bounded."""
    return settings(
        max_examples=max_examples,
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
