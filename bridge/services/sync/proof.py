"""Every sync proves the token, even when no stream is due.

Without it a dead or rotated token read as "ok, 0 requests" whenever nothing was due, and
nobody learnt that withdrawals could no longer reach the LMS. A run with streams proves it
with its first call (``core_webservice_get_site_info``, which every stream needs; a
refusal fails the run as always); a run with none makes that one call alone. Either proof
also clears an alarm whose cause was the token or the connection
(:mod:`bridge.services.push.alarms`): the held pushes then run again without anyone typing
`bridge push retry`. A transient failure proves nothing either way.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from bridge.errors import OperationFailed
from bridge.services.lms import open_connector
from bridge.services.push import alarms
from bridge.services.sync.run_plan import RunResult
from bridge.settings import Settings
from connectors.base import AccessRefused, Connector, TerminalError, TransientError, describe

log = logging.getLogger(__name__)


class AccessNotProven(OperationFailed):
    """The LMS refused the sync's token proof: nothing was read (exit 1, with the fix)."""

    def __init__(self, message: str, cause: str) -> None:
        super().__init__(message)
        #: token | permission | function | connection (:class:`connectors.base.AccessRefused`)
        self.cause = cause


def prove_access(
    settings: Settings, sessions: sessionmaker[Session], name: str, connector: Connector
) -> None:
    """Prove ``connector`` accepts its token (one call); on success clear the alarms that
    proof answers. Raises :class:`AccessNotProven` with the fix when the LMS refuses."""
    try:
        connector.prove_access()
    except TransientError:
        return
    except TerminalError as exc:
        cause = exc.cause if isinstance(exc, AccessRefused) else "connection"
        fix = alarms.fix_for(settings, name, cause, describe(exc))
        said = f"{exc}; {fix}" if cause == "token" else fix  # Moodle's own words, then ours
        raise AccessNotProven(f"{name}: {said}", cause) from None
    _cleared(sessions, name)


def proven(sessions: sessionmaker[Session], name: str, result: RunResult) -> RunResult:
    """``result`` of a run; one in which a stream completed proved the token too."""
    if any(stats.status == "ok" for stats in result.streams.values()):
        _cleared(sessions, name)
    return result


def _cleared(sessions: sessionmaker[Session], name: str) -> None:
    requeued = alarms.clear(sessions, name, alarms.PROVEN_BY_SYNC)
    if requeued:
        log.warning("%s accepts the token again: %d held push(es) queued again", name, requeued)


def prove_only(
    settings: Settings,
    sessions: sessionmaker[Session],
    name: str,
    token: SecretStr,
    *,
    connector_factory: Callable[[threading.Event], Connector] | None = None,
    stop: threading.Event | None = None,
    **_: Any,
) -> None:
    """The proof of a sync with no stream due: open the connector, prove, close (the other
    arguments of :func:`~bridge.services.sync.engine.run_sync` do not matter here)."""
    stop = stop or threading.Event()
    if connector_factory is not None:
        connector = connector_factory(stop)
    else:
        connector = open_connector(settings, name, token, stop_event=stop)
    try:
        prove_access(settings, sessions, name, connector)
    finally:
        connector.close()
