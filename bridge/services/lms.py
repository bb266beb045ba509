"""Opening connectors: the kind comes from the entry-point group ``bridge.connectors``.

Every sync, push run and check opens its connector here, so this is where a weak
transport (``allow_insecure_http``, ``verify_tls = false``) is warned about on every run.
"""

from __future__ import annotations

import logging
import threading

from pydantic import SecretStr

from bridge.errors import ConfigError
from bridge.settings import Settings
from bridge.settings.connector_kinds import connector_class
from bridge.settings.transport import transport_warnings
from connectors.base import Connector

log = logging.getLogger("bridge.connectors")


def open_connector(
    settings: Settings, name: str, token: SecretStr, *, stop_event: threading.Event | None = None
) -> Connector:
    """Build the named connector from its configuration section."""
    if name not in settings.connectors:
        known = ", ".join(settings.connectors) or "none configured"
        raise ConfigError(f"no connector named {name!r} (configured: {known})")
    section = settings.connectors[name]
    for warning in transport_warnings(section.url, section.verify_tls):
        log.warning("connector %s: %s", name, warning)
    options = section.model_dump(exclude={"token", "token_file"})  # flat, as the user wrote it
    return connector_class(section.kind).from_options(options, token, stop_event=stop_event)
