"""Connector kinds, found through the entry-point group ``bridge.connectors``.

The settings need them to validate each connector's own keys with its model; the
services need them to open a connector; the demo and `bridge simulator serve` need a
kind's simulator. A second LMS is one more entry point.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from connectors.base import Connector
from connectors.simulation import LmsSimulator

ENTRY_POINT_GROUP = "bridge.connectors"


def installed_kinds() -> list[str]:
    """The names of the installed connector kinds, sorted."""
    return sorted({ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)})


def connector_class(kind: str) -> type[Connector]:
    """The installed connector class of ``kind``; ``ValueError`` names the installed ones."""
    found = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    if kind not in found:
        known = ", ".join(sorted(found)) or "none installed"
        raise ValueError(f"unknown connector kind {kind!r} (installed: {known})")
    connector: type[Connector] = found[kind].load()
    return connector


def simulator_of(kind: str) -> LmsSimulator:
    """The simulator the installed kind offers (``Connector.simulator``); ``ValueError``
    names the installed kinds when ``kind`` is not one, or says that it offers none."""
    simulator = connector_class(kind).simulator()
    if simulator is None:
        offering = [k for k in installed_kinds() if connector_class(k).simulator() is not None]
        raise ValueError(
            f"the {kind} connector offers no simulator (kinds with one: "
            f"{', '.join(offering) or 'none'})"
        )
    return simulator
