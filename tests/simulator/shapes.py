"""Structural comparison of a recorded Moodle answer with the simulator's answer.

Values are not compared; shapes are. A shape records, recursively, the JSON
types seen at each place, whether each key was present or absent, and whether
lists were empty. All elements of a list are merged into one shape, so a key
that only some users have is "sometimes absent".

The rule is "nothing the simulator does was not seen in the recording":
every type, presence and emptiness the simulator shows must also occur in the
sample. Integral numbers may stand for floats (PHP writes ``97`` for ``97.0``).
Error objects are compared on ``exception`` and ``errorcode`` as well. In XML
answers Moodle also sends the declared keys JSON leaves out (as null or as an
empty list), so there such keys may be missing from the simulator's answer.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Shape:
    types: set[str] = field(default_factory=set)
    keys: dict[str, Shape] = field(default_factory=dict)
    #: Per key: True if seen present, False if seen absent (in some dict instance).
    presence: dict[str, set[bool]] = field(default_factory=dict)
    items: Shape | None = None
    emptiness: set[bool] = field(default_factory=set)


def _type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    return "list" if isinstance(value, list) else "dict"


def shape_of(value: Any) -> Shape:
    shape = Shape(types={_type(value)})
    if isinstance(value, dict):
        for key, child in value.items():
            shape.keys[key] = shape_of(child)
            shape.presence[key] = {True}
    elif isinstance(value, list):
        shape.emptiness.add(not value)
        for item in value:
            shape.items = shape_of(item) if shape.items is None else merge(shape.items,
                                                                           shape_of(item))
    return shape


def merge(a: Shape, b: Shape) -> Shape:
    merged = Shape(types=a.types | b.types, emptiness=a.emptiness | b.emptiness)
    dict_a, dict_b = "dict" in a.types, "dict" in b.types
    for key in a.keys.keys() | b.keys.keys():
        if key in a.keys and key in b.keys:
            merged.keys[key] = merge(a.keys[key], b.keys[key])
        else:
            merged.keys[key] = a.keys.get(key) or b.keys[key]
        merged.presence[key] = (
            a.presence.get(key, {False} if dict_a else set())
            | b.presence.get(key, {False} if dict_b else set())
        )
    if a.items is not None and b.items is not None:
        merged.items = merge(a.items, b.items)
    else:
        merged.items = a.items or b.items
    return merged


def _types_fit(simulated: set[str], recorded: set[str]) -> set[str]:
    allowed = set(recorded)
    if "float" in allowed:
        allowed.add("int")
    return simulated - allowed


def _unset_in_xml(shape: Shape) -> bool:
    """XML sends declared keys that JSON omits: scalars as null, lists as empty."""
    return shape.types == {"null"} or (shape.types == {"list"} and shape.emptiness == {True})


def differences(recorded: Shape, simulated: Shape, path: str = "$", *,
                null_means_optional: bool = False) -> list[str]:
    """Every way ``simulated`` does something ``recorded`` never did."""
    found = []
    extra = _types_fit(simulated.types, recorded.types)
    if extra:
        found.append(f"{path}: type {sorted(extra)} not in recorded {sorted(recorded.types)}")
    if "dict" in simulated.types and "dict" in recorded.types:
        for key in sorted(simulated.keys.keys() | recorded.keys.keys()):
            sub = f"{path}.{key}"
            if key not in recorded.keys:
                found.append(f"{sub}: key not in the recording")
                continue
            sim_presence = simulated.presence.get(key, {False})
            rec_presence = set(recorded.presence[key])
            if null_means_optional and _unset_in_xml(recorded.keys[key]):
                rec_presence.add(False)
            if not sim_presence <= rec_presence:
                what = "absent" if False in sim_presence - rec_presence else "present"
                found.append(f"{sub}: key {what} in the simulator, never in the recording")
            if key in simulated.keys:
                found += differences(recorded.keys[key], simulated.keys[key], sub,
                                     null_means_optional=null_means_optional)
    if "list" in simulated.types and "list" in recorded.types:
        if not simulated.emptiness <= recorded.emptiness:
            state = "empty" if True in simulated.emptiness - recorded.emptiness else "non-empty"
            found.append(f"{path}: list {state} in the simulator, never in the recording")
        if simulated.items is not None and recorded.items is not None:
            found += differences(recorded.items, simulated.items, f"{path}[]",
                                 null_means_optional=null_means_optional)
    return found


# ------------------------------------------------------------------------ answers


def _xml_tree(element: ET.Element) -> Any:
    """Moodle's XML encoding (SINGLE/MULTIPLE/KEY/VALUE) back into JSON-like values."""
    if element.tag == "VALUE":
        return None if element.get("null") == "null" else (element.text or "")
    if element.tag == "SINGLE":
        return {key.get("name"): _xml_tree(key[0]) for key in element if len(key)}
    if element.tag == "MULTIPLE":
        return [_xml_tree(child) for child in element]
    if element.tag == "EXCEPTION":
        return {"exception": element.get("class"),
                **{child.tag.lower(): child.text or "" for child in element}}
    return _xml_tree(element[0]) if len(element) else None


def parse_xml(text: str) -> Any:
    cleaned = text.replace("<USERPRIVATEACCESSKEY_32_HEX>", "redacted")
    return _xml_tree(ET.fromstring(cleaned.encode()))


def _content_type(headers: dict[str, str]) -> str:
    return next((v for k, v in headers.items() if k.lower() == "content-type"), "")


def compare_answers(recorded: dict[str, Any], status: int, headers: dict[str, str],
                    body: bytes) -> list[str]:
    """Compare a recorded ``response`` object with a simulator answer."""
    found = []
    if status != recorded["status"]:
        found.append(f"status {status} != recorded {recorded['status']}")
    expected_type = _content_type(recorded["headers"])
    if _content_type(headers) != expected_type:
        found.append(f"content type {_content_type(headers)!r} != recorded {expected_type!r}")
    if found:
        return found
    xml = "xml" in expected_type
    if "json" in recorded:
        expected, actual = recorded["json"], json.loads(body)
    elif xml:
        expected, actual = parse_xml(recorded["text"]), parse_xml(body.decode())
    else:
        return [] if body.decode() == recorded["text"] else [f"body {body[:80]!r} differs"]
    is_error = isinstance(expected, dict) and "exception" in expected
    for key in ("exception", "errorcode") if is_error else ():
        got = actual.get(key) if isinstance(actual, dict) else actual
        if got != expected.get(key):
            found.append(f"{key} {got!r} != recorded {expected.get(key)!r}")
    return found + differences(shape_of(expected), shape_of(actual), null_means_optional=xml)
