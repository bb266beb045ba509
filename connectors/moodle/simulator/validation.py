"""Parameter descriptions and ``external_api::validate_parameters()``.

A function declares its parameters with ``Value``, ``Struct`` and ``ListOf``
(Moodle's ``external_value``, ``external_single_structure`` and
``external_multiple_structure``). Validation is as strict as Moodle's:
unknown keys at any level, missing required keys, booleans other than 0/1,
integers that are not plain decimals — all ``invalidparameter``, with the
offending path in ``debuginfo``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Union

from connectors.moodle.simulator import errors

#: No default: the key is required.
MISSING: Any = object()
#: ``VALUE_OPTIONAL``: when absent, the key is left out of the validated result.
OPTIONAL: Any = object()

_INT = re.compile(r"-?\d+")
_FLOAT = re.compile(r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
_ALPHANUMEXT = re.compile(r"[A-Za-z0-9_\-]*")


@dataclass(frozen=True)
class Value:
    """A scalar: ``int``, ``bool``, ``float``, ``text`` (anything) or ``alphanumext``."""

    kind: str
    default: Any = MISSING

    @property
    def required(self) -> bool:
        return self.default is MISSING


@dataclass(frozen=True)
class Struct:
    fields: dict[str, Desc]
    default: Any = MISSING

    @property
    def required(self) -> bool:
        return self.default is MISSING


@dataclass(frozen=True)
class ListOf:
    item: Desc
    default: Any = MISSING

    @property
    def required(self) -> bool:
        return self.default is MISSING


Desc = Union[Value, Struct, ListOf]  # noqa: UP007 - a runtime alias used in annotations


def Int(default: Any = MISSING) -> Value:
    return Value("int", default)


def Bool(default: Any = MISSING) -> Value:
    return Value("bool", default)


def Text(default: Any = MISSING) -> Value:
    return Value("text", default)


def _fail(path: str, why: str) -> errors.MoodleError:
    return errors.invalid_parameter(
        f"{path or 'params'} => Invalid parameter value detected: {why}")


def _scalar(desc: Value, raw: Any, path: str) -> Any:
    if isinstance(raw, dict | list):
        raise _fail(path, "Scalar type expected, array or object received.")
    text = str(raw)
    if desc.kind == "int":
        if not _INT.fullmatch(text):
            raise _fail(path, f"Invalid external api parameter: the value is \"{text}\", "
                              "the server was expecting \"int\" type")
        return int(text)
    if desc.kind == "bool":
        if text not in ("0", "1"):
            raise _fail(path, f"Invalid external api parameter: the value is \"{text}\", "
                              "the server was expecting \"bool\" type")
        return text == "1"
    if desc.kind == "float":
        if not _FLOAT.fullmatch(text):
            raise _fail(path, "the server was expecting \"float\" type")
        return float(text)
    if desc.kind == "alphanumext" and not _ALPHANUMEXT.fullmatch(text):
        raise _fail(path, "the server was expecting \"alphanumext\" type")
    return text


def validate(desc: Desc, raw: Any, path: str = "") -> Any:
    """Validate a decoded form value against its description."""
    if isinstance(desc, Value):
        return _scalar(desc, raw, path)
    if isinstance(desc, ListOf):
        if not isinstance(raw, dict | list):
            raise _fail(path, "Only arrays accepted.")
        items = raw.values() if isinstance(raw, dict) else raw
        return [validate(desc.item, item, f"{path} => {i}" if path else str(i))
                for i, item in enumerate(items)]
    if not isinstance(raw, dict):
        raise _fail(path, "Only arrays accepted.")
    unknown = [key for key in raw if key not in desc.fields]
    if unknown:
        raise _fail(path, f"Unexpected keys ({', '.join(unknown)}) detected in parameter array.")
    result: dict[str, Any] = {}
    for name, sub in desc.fields.items():
        subpath = f"{path} => {name}" if path else name
        if name in raw:
            result[name] = validate(sub, raw[name], subpath)
        elif sub.required:
            raise _fail(subpath, f"Missing required key in single structure: {name}")
        elif sub.default is not OPTIONAL:
            default = sub.default
            result[name] = list(default) if isinstance(default, list) else default
    return result


def validate_parameters(params: dict[str, Desc], raw: dict[str, Any]) -> dict[str, Any]:
    """The top level: a structure whose keys are the function's parameters."""
    return validate(Struct(params), raw)
