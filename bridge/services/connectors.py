"""Finding and opening connectors: kinds come from the entry-point group ``bridge.connectors``."""

from __future__ import annotations

import threading
from importlib.metadata import entry_points

from pydantic import SecretStr

from bridge.errors import ConfigError
from bridge.settings import Settings
from connectors.base import Connector

ENTRY_POINT_GROUP = "bridge.connectors"


def connector_class(kind: str) -> type[Connector]:
    found = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    if kind not in found:
        known = ", ".join(sorted(found)) or "none installed"
        raise ConfigError(f"unknown connector kind {kind!r} (installed: {known})")
    return found[kind].load()


def open_connector(
    settings: Settings, name: str, token: SecretStr, *, stop_event: threading.Event | None = None
) -> Connector:
    """Build the named connector from its configuration section."""
    if name not in settings.connectors:
        known = ", ".join(settings.connectors) or "none configured"
        raise ConfigError(f"no connector named {name!r} (configured: {known})")
    section = settings.connectors[name]
    options = section.model_dump(exclude={"token", "token_file"})
    return connector_class(section.kind).from_options(options, token, stop_event=stop_event)
