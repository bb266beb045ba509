"""How many cases the fuzz tests generated in this run, so the number is easy to quote.

Each fuzz test calls :func:`count_case` once per generated example; the suite's
closing summary (``tests/fuzz/conftest.py``) prints ``fuzz: N cases`` with the
split per test, with or without ``-s``.
"""

from __future__ import annotations

from collections import Counter

CASES: Counter[str] = Counter()


def count_case(test: str) -> None:
    CASES[test] += 1


def summary() -> str | None:
    if not CASES:
        return None
    parts = ", ".join(f"{name} {n}" for name, n in sorted(CASES.items()))
    return f"fuzz: {sum(CASES.values())} cases ({parts})"
