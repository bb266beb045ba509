"""Structure-aware mutations of recorded Moodle answers, as hypothesis strategies.

A mutation picks a spot inside a JSON value (an object's key, a list's item, or the
value itself) and breaks it the way a misbehaving site, a plugin or a proxy could:
types swapped (int, text, null, list, object), keys dropped, text grown (long,
unicode, control characters, NUL, bidi overrides), lists emptied or items
duplicated and dropped (pages shifted), numbers out of range (negative ids, 2**63,
floats).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

#: Values that replace a value of another type.
SWAPS: tuple[Any, ...] = (0, 7, "7", "", "abc", None, [], [1], {}, {"id": 1}, True, 1.5)
#: Numbers a signed 64-bit column, a Unix time or an id cannot hold or mean.
NUMBERS: tuple[Any, ...] = (-1, -(2**63) - 1, 2**63, 2**64, 2**31, 1e300, -0.5, 3.25, 10**12)
#: Text that is long, foreign or hostile to terminals and databases.
TEXTS: tuple[str, ...] = (
    "x" * 201,
    "é" * 300,
    "a\x00b",
    "\x1b[31mred\x1b[0m",
    "\u202eevil\u202c",
    "名前" * 60,
    "\ud83d\ude00" * 70,
    "line\nbreak\ttab\r",
    "[/b] [x]",
    "y" * 20_000,
)

OPERATIONS = ("swap", "drop", "text", "number", "empty", "duplicate", "remove")


@dataclass(frozen=True)
class Mutation:
    """One change to one spot: ``path`` of keys/indexes, ``op`` and its ``value``."""

    path: tuple[Any, ...]
    op: str
    value: Any = None

    def describe(self) -> str:
        return f"{self.op} at {'/'.join(map(str, self.path)) or '(root)'} -> {self.value!r:.40}"


def spots(value: Any, prefix: tuple[Any, ...] = (), depth: int = 4) -> list[tuple[Any, ...]]:
    """Every path into ``value`` down to ``depth`` levels (the value itself first)."""
    found = [prefix]
    if depth == 0:
        return found
    if isinstance(value, dict):
        for key in sorted(value, key=str):
            found += spots(value[key], (*prefix, key), depth - 1)
    elif isinstance(value, list):
        for index, item in enumerate(value[:6]):
            found += spots(item, (*prefix, index), depth - 1)
    return found


@st.composite
def mutations(draw: st.DrawFn, value: Any, depth: int = 4) -> Mutation:
    """A mutation of some spot in ``value``."""
    path = draw(st.sampled_from(spots(value, depth=depth)))
    op = draw(st.sampled_from(OPERATIONS))
    pool = {"swap": SWAPS, "number": NUMBERS, "text": TEXTS}.get(op)
    return Mutation(path, op, draw(st.sampled_from(pool)) if pool else None)


def apply(value: Any, mutation: Mutation) -> Any:
    """A mutated copy of ``value`` (the original is left alone)."""
    result = copy.deepcopy(value)
    if not mutation.path:
        return _replace(result, mutation)
    *parents, last = mutation.path
    holder = result
    for step in parents:
        holder = holder[step]
    removing = mutation.op == "drop" or (mutation.op == "remove" and isinstance(holder, list))
    if removing:
        del holder[last]
    elif mutation.op == "duplicate" and isinstance(holder, list):
        holder.insert(last, copy.deepcopy(holder[last]))
    else:
        holder[last] = _replace(holder[last], mutation)
    return result


def _replace(current: Any, mutation: Mutation) -> Any:
    if mutation.op == "empty":
        return type(current)() if isinstance(current, list | dict | str) else []
    if mutation.op in ("swap", "number", "text"):
        return mutation.value
    return None  # drop/remove/duplicate of the root: Moodle answered null
