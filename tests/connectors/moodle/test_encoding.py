"""PHP-style form encoding, checked against a decoder written independently here."""

from __future__ import annotations

import itertools
import math
import re
import string
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.moodle.encoding import chunk_ids, count_fields, encode_params
from tests.connectors.moodle.samples import load_sample, sample_names

# --------------------------------------------------------------------------- decoder

_NAME = re.compile(r"([^\[\]]+)((?:\[[^\[\]]*\])*)")
_INDEX = re.compile(r"\[([^\[\]]*)\]")
_TRANSPORT = {"wstoken", "wsfunction", "moodlewsrestformat"}


def decode_form(body: str) -> dict[str, Any]:
    """Rebuild nested parameters from a form body the way PHP does (``a[0][b]=1``).

    Containers whose keys are exactly 0..n-1, in that order, become lists.
    """
    root: dict[str, Any] = {}
    for name, value in parse_qsl(body, keep_blank_values=True, strict_parsing=bool(body)):
        match = _NAME.fullmatch(name)
        assert match, f"not a PHP field name: {name!r}"
        path = [match.group(1), *_INDEX.findall(match.group(2))]
        node = root
        for key in path[:-1]:
            node = node.setdefault(key, {})
            assert isinstance(node, dict), f"{name!r} nests under a scalar"
        assert path[-1] not in node, f"{name!r} sent twice"
        node[path[-1]] = value
    return {key: _listify(value) for key, value in root.items()}


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    node = {key: _listify(value) for key, value in node.items()}
    if node and all(key.isdigit() for key in node):
        assert list(node) == [str(i) for i in range(len(node))], f"list keys {list(node)}"
        return list(node.values())
    return node


# --------------------------------------------------------------------------- expected values

_OMIT = object()
_PHP_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")


@dataclass(frozen=True)
class FloatText:
    """Equal to any text PHP reads as a number with exactly this value."""

    value: float

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FloatText):
            return self.value == other.value
        return (
            isinstance(other, str)
            and _PHP_NUMBER.fullmatch(other) is not None
            and float(other) == self.value
        )

    __hash__ = None  # type: ignore[assignment]


def expected(value: Any) -> Any:
    """What Moodle should receive for ``value``: 1/0 booleans, no None, no empty containers."""
    if value is None:
        return _OMIT
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return FloatText(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        items = [e for e in (expected(v) for v in value) if e is not _OMIT]
        return items or _OMIT
    if isinstance(value, dict):
        fields = {k: e for k, e in ((k, expected(v)) for k, v in value.items()) if e is not _OMIT}
        return fields or _OMIT
    raise AssertionError(f"unexpected test value {value!r}")


def roundtrip(params: dict[str, Any]) -> dict[str, Any]:
    return decode_form(urlencode(encode_params(params)))


# --------------------------------------------------------------------------- strategies

keys = st.text(alphabet=string.ascii_letters + "_", min_size=1, max_size=6)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=12)
)
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
    max_leaves=20,
)
params_strategy = st.dictionaries(keys, values, max_size=5)


# --------------------------------------------------------------------------- round trip


@given(params_strategy)
def test_encoding_round_trips_through_a_php_style_decoder(params: dict[str, Any]) -> None:
    want = expected(params)
    assert roundtrip(params) == ({} if want is _OMIT else want)


@given(params_strategy)
def test_count_fields_is_the_number_of_encoded_fields(params: dict[str, Any]) -> None:
    assert count_fields(params) == len(encode_params(params))


_ROUNDTRIP_SAMPLES = [
    name
    for name in sample_names()
    if (request := load_sample(name)["request"]).get("params")
    and "..." not in request["params"]
    and not any(isinstance(v, list) for v in request["params"].values())
]


@pytest.mark.parametrize("name", _ROUNDTRIP_SAMPLES)
def test_encoding_reproduces_the_fields_of_recorded_requests(name: str) -> None:
    sent = [
        (k, v)
        for k, v in parse_qsl(load_sample(name)["request"]["body"], keep_blank_values=True)
        if k not in _TRANSPORT
    ]
    params = decode_form(urlencode(sent))
    assert encode_params(params) == sent


def test_some_recorded_requests_are_nested() -> None:
    nested = [
        n for n in _ROUNDTRIP_SAMPLES if any("][" in k for k in load_sample(n)["request"]["params"])
    ]
    assert len(nested) >= 3, "the sample round trip should cover nested structures"


# --------------------------------------------------------------------------- examples


def test_nested_structures_use_php_bracket_names_in_order() -> None:
    assert encode_params(
        {
            "courseid": 2,
            "options": [{"name": "limitfrom", "value": 0}, {"name": "limitnumber", "value": 5}],
            "a": [{"b": [7, 8]}],
        }
    ) == [
        ("courseid", "2"),
        ("options[0][name]", "limitfrom"),
        ("options[0][value]", "0"),
        ("options[1][name]", "limitnumber"),
        ("options[1][value]", "5"),
        ("a[0][b][0]", "7"),
        ("a[0][b][1]", "8"),
    ]


def test_booleans_travel_as_one_and_zero() -> None:
    assert encode_params({"users": [{"id": 17, "suspended": True}], "onlyactive": False}) == [
        ("users[0][id]", "17"),
        ("users[0][suspended]", "1"),
        ("onlyactive", "0"),
    ]


def test_none_and_empty_containers_are_left_out() -> None:
    assert encode_params({"a": None, "b": [], "c": {}, "d": [None, {}, []], "e": {"x": None}}) == []


def test_list_items_that_vanish_leave_no_gap_in_the_numbering() -> None:
    assert encode_params({"ids": [None, 5, [], 9]}) == [("ids[0]", "5"), ("ids[1]", "9")]


def test_numbers_are_plain_decimal_text() -> None:
    assert encode_params({"i": -1, "big": 10**20, "f": 42.5, "g": 97.0}) == [
        ("i", "-1"),
        ("big", "100000000000000000000"),
        ("f", "42.5"),
        ("g", "97.0"),
    ]


def test_tuples_encode_like_lists() -> None:
    assert encode_params({"values": (5, 6)}) == [("values[0]", "5"), ("values[1]", "6")]


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_floats_are_refused(value: float) -> None:
    with pytest.raises(ValueError):
        encode_params({"grade": value})


@pytest.mark.parametrize("value", [{1, 2}, b"raw", object()])
def test_values_without_a_form_encoding_are_refused(value: object) -> None:
    with pytest.raises(TypeError):
        encode_params({"x": value})


@pytest.mark.parametrize("key", ["", "a[0]", "b]"])
def test_names_that_would_break_the_brackets_are_refused(key: str) -> None:
    with pytest.raises(ValueError):
        encode_params({key: 1})
    with pytest.raises(ValueError):
        encode_params({"outer": {key: 1}})


# --------------------------------------------------------------------------- chunking


@given(
    ids=st.lists(st.integers(), max_size=60),
    per_item=st.integers(min_value=1, max_value=5),
    fixed=st.integers(min_value=0, max_value=20),
    spare=st.integers(min_value=0, max_value=40),
    max_items=st.none() | st.integers(min_value=1, max_value=10),
)
def test_chunks_fit_the_field_budget_and_are_filled_greedily(
    ids: list[int], per_item: int, fixed: int, spare: int, max_items: int | None
) -> None:
    max_fields = fixed + per_item + spare
    budget = max_fields - fixed
    chunks = list(chunk_ids(ids, per_item, fixed, max_fields, max_items))

    assert list(itertools.chain.from_iterable(chunks)) == ids
    for chunk in chunks:
        assert chunk
        assert fixed + len(chunk) * per_item <= max_fields
        assert max_items is None or len(chunk) <= max_items
    for chunk in chunks[:-1]:  # a chunk is closed only when the next item would not fit
        full_by_fields = (len(chunk) + 1) * per_item > budget
        full_by_items = max_items is not None and len(chunk) == max_items
        assert full_by_fields or full_by_items


def test_chunks_can_weigh_items_individually() -> None:
    users = [{"id": 1, "suspended": 1}, {"id": 2}, {"id": 3, "suspended": 1}, {"id": 4}]
    chunks = list(chunk_ids(users, lambda u: len(u), fixed_fields=3, max_fields=6))
    assert chunks == [[users[0], users[1]], [users[2], users[3]]]


def test_chunking_reads_its_input_lazily() -> None:
    first = next(chunk_ids(itertools.count(), 1, 0, 4))
    assert first == [0, 1, 2, 3]


def test_chunking_refuses_when_nothing_fits() -> None:
    with pytest.raises(ValueError):
        list(chunk_ids([1], 1, fixed_fields=10, max_fields=10))
    with pytest.raises(ValueError):
        list(chunk_ids([1], 5, fixed_fields=0, max_fields=4))
