"""One module per Moodle area; importing the package registers every function."""

from connectors.moodle.simulator.handlers import (  # noqa: F401 - imported to register
    assign,
    courses,
    digests,
    enrol,
    grades,
    messages,
    privacy,
    remains,
    site,
    updates,
    users,
)
from connectors.moodle.simulator.handlers.registry import REGISTRY, Call, WsFunction

__all__ = ["REGISTRY", "Call", "WsFunction"]
