"""A small TOML writer for the configuration fuzz test (the standard library only reads TOML)."""

from __future__ import annotations

import json
import math
from typing import Any


def value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # JSON's escapes are TOML basic-string escapes
    if isinstance(value, list):
        return "[" + ", ".join(value_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {value_text(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value).__name__)


def dumps(data: dict[str, Any], prefix: tuple[str, ...] = ()) -> str:
    """``data`` as TOML: scalars first, then one ``[table]`` per nested section."""
    lines = []
    tables = {}
    for key, value in data.items():
        if isinstance(value, dict) and not getattr(value, "inline", False):
            tables[key] = value
        else:
            lines.append(f"{json.dumps(key)} = {value_text(value)}")
    text = "\n".join(lines) + "\n"
    for key, table in tables.items():
        path = (*prefix, key)
        text += "\n[" + ".".join(json.dumps(p) for p in path) + "]\n" + dumps(table, path)
    return text


class Inline(dict):  # type: ignore[type-arg]
    """A table written inline, where a scalar belongs (``key = {a = 1}``)."""

    inline = True
