"""The form one web-service request carries, and the field budget it must fit.

Every request is the transport fields (token, function, answer format), the
fixed ``moodlewssetting*`` fields and the function's parameters, PHP-encoded by
:mod:`connectors.moodle.encoding`. PHP drops every field past the site's
``max_input_vars`` without an error, so a form over ``max_form_fields`` is
refused before it is sent, and batches of ids are cut to fit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

from connectors.moodle.encoding import chunk_ids, count_fields, encode_params
from connectors.moodle.errors import InvalidParameter

__all__ = ["TRANSPORT_FIELD_COUNT", "WS_SETTINGS", "build_form", "chunk_request_ids"]

T = TypeVar("T")

#: Sent with every call (reference 1.8): English messages, UTC human dates, no
#: filters, text exactly as stored.
WS_SETTINGS: tuple[tuple[str, str], ...] = (
    ("moodlewssettinglang", "en"),
    ("moodlewssettingtimezone", "UTC"),
    ("moodlewssettingfilter", "0"),
    ("moodlewssettingraw", "1"),
)

_TRANSPORT_NAMES = ("wstoken", "wsfunction", "moodlewsrestformat")
_RESERVED = frozenset(_TRANSPORT_NAMES) | {name for name, _ in WS_SETTINGS}

#: Form fields every request carries besides the function's parameters; they
#: count towards ``max_form_fields`` like any other.
TRANSPORT_FIELD_COUNT = len(_TRANSPORT_NAMES) + len(WS_SETTINGS)


def build_form(
    wsfunction: str,
    params: Mapping[str, Any],
    *,
    token: str,
    max_form_fields: int,
    redact: Callable[[str], str],
) -> list[tuple[str, str]]:
    """The complete form of one call, or :class:`InvalidParameter` before anything is sent.

    ``redact`` masks the token in the message when a parameter cannot be encoded
    (the encoder's error may quote a value).
    """
    if not wsfunction:
        raise InvalidParameter("no wsfunction given")
    clash = sorted(_RESERVED.intersection(params))
    if clash:
        raise InvalidParameter(
            f"parameters may not set transport fields {clash}", function=wsfunction
        )
    try:
        encoded = encode_params(params)
    except (TypeError, ValueError) as exc:
        raise InvalidParameter(
            redact(f"cannot encode parameters: {exc}"), function=wsfunction
        ) from exc
    fields = [
        ("wstoken", token),
        ("wsfunction", wsfunction),
        ("moodlewsrestformat", "json"),
        *WS_SETTINGS,
        *encoded,
    ]
    if len(fields) > max_form_fields:
        raise InvalidParameter(
            f"the request would carry {len(fields)} form fields, more than "
            f"max_form_fields={max_form_fields}; PHP would silently drop the rest",
            function=wsfunction,
            fix=(
                "Split the batch (MoodleClient.chunk_ids), or raise max_form_fields if the "
                "site's PHP max_input_vars is known to be higher."
            ),
        )
    return fields


def chunk_request_ids(
    ids: Iterable[T],
    *,
    per_item_fields: int,
    other_params: Mapping[str, Any],
    max_form_fields: int,
    max_items: int | None,
) -> Iterator[list[T]]:
    """Split ``ids`` so that each request, transport fields and ``other_params`` included,
    fits ``max_form_fields``."""
    fixed = TRANSPORT_FIELD_COUNT + count_fields(other_params)
    return chunk_ids(ids, per_item_fields, fixed, max_form_fields, max_items)
