"""Readers of single fields of Moodle's JSON, each with Moodle's conventions built in.

Moodle is loose about types (reference 1.3, 2.4): an optional key may be
missing, ``null`` or ``""``; ``0`` is "never" for timestamps; some ids and
grades arrive as strings; booleans come as ``0``/``1``. These readers settle
that once, so the record parsers in :mod:`connectors.moodle.parse` read like a
field list. Each raises :class:`ValueError` naming the key, which becomes the
reason a record is quarantined. A reason tells what kind of value was there
(:func:`kind_of`), never the value: reasons travel into run records and logs,
where a misplaced name or e-mail must not follow.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

Raw = Mapping[str, Any]


def kind_of(value: Any) -> str:
    """What a value is, without quoting it: ``text of 12 chars``, ``a bool``, ``a list``."""
    if isinstance(value, str):
        return f"text of {len(value)} chars"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a non-finite number" if not math.isfinite(value) else f"a {type(value).__name__}"
    return f"a {type(value).__name__}"

_INT_TEXT = re.compile(r"-?\d+")
_INT64 = 2**63


def present(raw: Raw, key: str) -> Any:
    """The value of ``key``, or ``None`` when Moodle left it out, sent ``null`` or ``""``."""
    value = raw.get(key)
    return None if value is None or value == "" else value


def as_int(value: Any, where: str) -> int:
    """An integer from an int, a whole float or digits in text; ``where`` names the key.

    Moodle's integers are signed 64-bit (its ``BIGINT`` columns); anything past that
    is not a Moodle value and is refused here, before a database column overflows.
    """
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and len(value) <= 40 and _INT_TEXT.fullmatch(value.strip()):
        number = int(value)  # PARAM_ALPHANUM ids come back as strings (reference 1.3)
    if number is None:
        raise ValueError(f"{where}: expected an integer, got {kind_of(value)}")
    if not -_INT64 <= number < _INT64:
        raise ValueError(f"{where}: {number:.3g} is out of range for a Moodle integer")
    return number



def req_id(raw: Raw, key: str = "id") -> int:
    """A required positive id."""
    value = raw.get(key)
    if value is None or value == "":
        raise ValueError(f"{key}: missing")
    number = as_int(value, key)
    if number <= 0:
        raise ValueError(f"{key}: must be a positive id, got {number}")
    return number


def opt_id(raw: Raw, key: str) -> int | None:
    """An optional id where ``0`` (and ``-1``, "hidden") means "none"."""
    value = present(raw, key)
    if value is None:
        return None
    number = as_int(value, key)
    return number if number > 0 else None


def opt_int(raw: Raw, key: str) -> int | None:
    value = present(raw, key)
    return None if value is None else as_int(value, key)


def counter(raw: Raw, key: str) -> int:
    """A non-negative counter such as an attempt number (missing means 0)."""
    number = opt_int(raw, key) or 0
    if number < 0:
        raise ValueError(f"{key}: must not be negative, got {number}")
    return number


def timestamp(raw: Raw, key: str) -> int | None:
    """A Unix timestamp; ``0``, ``null`` and missing all mean "never"."""
    number = opt_int(raw, key)
    if number is None:
        return None
    if number < 0:
        raise ValueError(f"{key}: timestamp must not be negative, got {number}")
    return number or None


def req_timestamp(raw: Raw, key: str) -> int:
    stamp = timestamp(raw, key)
    if stamp is None:
        raise ValueError(f"{key}: missing timestamp")
    return stamp


def opt_str(raw: Raw, key: str) -> str | None:
    value = present(raw, key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"{key}: expected text, got {type(value).__name__}")
    return str(value)


def req_str(raw: Raw, key: str) -> str:
    text = opt_str(raw, key)
    if text is None:
        raise ValueError(f"{key}: missing")
    return text


def flag(raw: Raw, key: str, default: bool = False) -> bool:
    value = raw.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if value in (0, 1, "0", "1"):
        return bool(int(value))
    raise ValueError(f"{key}: expected a boolean, got {kind_of(value)}")


def as_number(value: Any, where: str) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{where}: expected a number, got {kind_of(value)}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: expected a number, got {kind_of(value)}") from None
    if not math.isfinite(number):
        raise ValueError(f"{where}: expected a finite number, got {kind_of(value)}")
    return number


def opt_number(raw: Raw, key: str) -> float | None:
    value = present(raw, key)
    return None if value is None else as_number(value, key)


def items(raw: Raw, key: str) -> Sequence[Raw]:
    """A list of objects; Moodle omits empty lists (e.g. ``groups``)."""
    value = raw.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise ValueError(f"{key}: expected a list of objects")
    return value


def texts(raw: Raw, key: str, field: str) -> list[str]:
    """``field`` of every object in the list ``key``, each required."""
    found = []
    for index, item in enumerate(items(raw, key)):
        text = opt_str(item, field)
        if text is None:
            raise ValueError(f"{key}[{index}].{field}: missing")
        found.append(text)
    return found
