"""Connector kinds, found through the entry-point group ``bridge.connectors``.

The settings need them to validate each connector's own keys with its model; the
services need them to open a connector. A second LMS is one more entry point.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from connectors.base import Connector

ENTRY_POINT_GROUP = "bridge.connectors"


def connector_class(kind: str) -> type[Connector]:
    """The installed connector class of ``kind``; ``ValueError`` names the installed ones."""
    found = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    if kind not in found:
        known = ", ".join(sorted(found)) or "none installed"
        raise ValueError(f"unknown connector kind {kind!r} (installed: {known})")
    connector: type[Connector] = found[kind].load()
    return connector
