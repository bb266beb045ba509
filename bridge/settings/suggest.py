""""Did you mean ...?" for configuration keys: the known keys at the place of a typo.

An unknown key is the usual cause of a "missing" one (``[controler]`` leaves
``controller`` missing), so the loader reports it first and, where a known key is
close enough, names it. The known keys come from the settings classes themselves, so
a key added to the schema is suggested without anyone listing it here.
"""

from __future__ import annotations

import contextlib
import difflib
import types
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from bridge.settings.connector_kinds import connector_class
from bridge.settings.connector_section import DEFAULT_KIND, OWN_KEYS, ConnectorSettings


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to ``word``, if one is close enough to be a typo of it."""
    matches = difflib.get_close_matches(word, sorted(set(candidates)), n=1, cutoff=0.6)
    return matches[0] if matches else None


def known_keys(root: type[BaseModel], path: Sequence[str], data: Mapping[str, Any]) -> list[str]:
    """The keys that may stand beside the last part of ``path`` (its parent's keys)."""
    model: type[BaseModel] | None = root
    node: Any = data
    parents = list(path[:-1])
    while parents and model is not None:
        name = parents.pop(0)
        field = _fields_of(model, node).get(name)
        node = node.get(name) if isinstance(node, Mapping) else None
        if field is None:
            return []
        model, keyed = _model_of(field.annotation)
        if keyed:
            if not parents:
                return []  # a free name (an operator, a connector): nothing to suggest
            name = parents.pop(0)
            node = node.get(name) if isinstance(node, Mapping) else None
    return list(_fields_of(model, node)) if model is not None else []


def _fields_of(model: type[BaseModel], node: Any) -> dict[str, Any]:
    """A section's keys; a connector section's include its kind's own keys."""
    fields = dict(model.model_fields)
    if model is ConnectorSettings:
        fields.pop(OWN_KEYS, None)
        kind = node.get("kind", DEFAULT_KIND) if isinstance(node, Mapping) else DEFAULT_KIND
        with contextlib.suppress(ValueError):
            fields.update(connector_class(str(kind)).settings_model.model_fields)
    return fields


def _model_of(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The settings class a field holds, and whether a free-named table stands between
    (``dict[str, Model]``)."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        for arg in get_args(annotation):
            model, keyed = _model_of(arg)
            if model is not None:
                return model, keyed
        return None, False
    if origin is dict:
        model, _ = _model_of(get_args(annotation)[1])
        return model, True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    for arg in get_args(annotation):  # Annotated[...] and friends
        model, keyed = _model_of(arg)
        if model is not None:
            return model, keyed
    return None, False
