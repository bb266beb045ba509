"""PHP-style form encoding of Moodle web-service parameters (reference 1.2).

Moodle reads only ``application/x-www-form-urlencoded`` bodies, so nested
parameters are flattened into bracketed names: ``userids[0]=5``,
``criteria[0][key]=email``. Two things cannot be expressed at all and are
therefore left out: ``None`` (omit the field to get Moodle's default) and empty
lists or dicts. Booleans must travel as ``1``/``0`` because ``true``/``false``
fail Moodle's parameter validation.

PHP silently drops every form field past ``max_input_vars``, which turns a big
batch into a shorter one without any error. :func:`count_fields` and
:func:`chunk_ids` keep each request under that limit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["chunk_ids", "count_fields", "encode_params", "encode_value"]


def encode_params(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Flatten ``params`` into ``(name, value)`` form fields, in mapping order.

    List items are numbered from 0 in the order given; an item that encodes to
    nothing (``None``, empty list or dict) is skipped without leaving a gap.
    """
    fields: list[tuple[str, str]] = []
    for key, value in params.items():
        _encode(_check_key(key), value, fields)
    return fields


def count_fields(params: Mapping[str, Any]) -> int:
    """How many form fields ``params`` become (the unit of ``max_input_vars``)."""
    return len(encode_params(params))


def encode_value(value: bool | int | float | str | Decimal | Enum) -> str:
    """The text of one scalar as Moodle's validators accept it."""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot send a non-finite float to Moodle: {value!r}")
        return repr(value)  # shortest text that parses back to the same float
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot send a non-finite number to Moodle: {value!r}")
        return str(value)
    if isinstance(value, str):
        return value
    raise TypeError(f"cannot form-encode a {type(value).__name__}")


def chunk_ids(
    ids: Iterable[T],
    per_item_fields: int | Callable[[T], int] = 1,
    fixed_fields: int = 0,
    max_fields: int = 1000,
    max_items: int | None = None,
) -> Iterator[list[T]]:
    """Split ``ids`` into lists that each fit in one request.

    ``fixed_fields`` counts every field outside the list, including the
    transport fields (``wstoken``, ``wsfunction``, ``moodlewsrestformat`` and
    the ``moodlewssetting*`` fields; see ``MoodleClient.chunk_ids``, which fills
    this in). ``per_item_fields`` is the number of leaf fields one item adds, or
    a function giving it per item (``users[i][id]`` + ``users[i][suspended]``
    is 2). A chunk never holds more than ``max_items`` items nor more than
    ``max_fields`` fields in all. Input is consumed lazily.
    """
    budget = max_fields - fixed_fields
    if budget < 1:
        raise ValueError(f"no room for any item: {fixed_fields} fixed fields, max {max_fields}")
    if max_items is not None and max_items < 1:
        raise ValueError("max_items must be at least 1")
    weigh: Callable[[T], int] = (
        per_item_fields if callable(per_item_fields) else (lambda _item: per_item_fields)
    )
    chunk: list[T] = []
    used = 0
    for item in ids:
        weight = weigh(item)
        if weight > budget:
            raise ValueError(f"one item needs {weight} fields but only {budget} fit in a request")
        if chunk and (used + weight > budget or len(chunk) == max_items):
            yield chunk
            chunk, used = [], 0
        chunk.append(item)
        used += weight
    if chunk:
        yield chunk


# --------------------------------------------------------------------------- internals


def _check_key(key: object) -> str:
    if isinstance(key, bool) or not isinstance(key, str | int):
        raise TypeError(f"parameter names must be str or int, not {type(key).__name__}")
    name = str(key)
    if not name or "[" in name or "]" in name:
        raise ValueError(f"invalid parameter name: {name!r}")
    return name


def _encode(name: str, value: Any, out: list[tuple[str, str]]) -> None:
    if value is None:
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            _encode(f"{name}[{_check_key(key)}]", item, out)
    elif isinstance(value, Sequence) and not isinstance(value, str | bytes | bytearray):
        index = 0
        for item in value:
            before = len(out)
            _encode(f"{name}[{index}]", item, out)
            if len(out) > before:
                index += 1
    else:
        out.append((name, encode_value(value)))
