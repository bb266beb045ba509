"""When the Moodle client tries a request again, and how long it waits first.

Transient failures (STYLE practice 5: 5xx, maintenance, a reset connection) are retried
by tenacity with jittered exponential backoff, honouring ``Retry-After``, capped by
``max_backoff_s``. A read Moodle did not answer in time is not: Moodle is still computing
it, and the same request again only doubles the load. A site that cannot be reached at
all is the exception when a person waits at the command line: one more try after a short
pause, then the answer, because minutes of backoff per request only hide the cause from
the person who can fix it. The daemon keeps the full backoff.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from tenacity import RetryCallState, Retrying, retry_if_exception
from tenacity.wait import wait_random_exponential

from connectors.base import TransientError, Unreachable
from connectors.moodle.config import MoodleConfig
from connectors.moodle.errors import AnswerTimedOut, Stopped

__all__ = ["QUICK_UNREACHABLE_PAUSE_S", "RetryPolicy", "parse_retry_after"]

log = logging.getLogger("connectors.moodle.client")

#: The pause before the one more try at an unreachable site when a person waits.
QUICK_UNREACHABLE_PAUSE_S = 2.0


class RetryPolicy:
    """The retry decisions of one client; ``unreachable_pause`` set means a person waits."""

    def __init__(self, config: MoodleConfig, redact: Callable[[str], str]) -> None:
        self._config = config
        self._redact = redact
        self._backoff = wait_random_exponential(multiplier=0.5, max=config.max_backoff_s)
        self.unreachable_pause: float | None = None

    def retrying(self, sleep: Callable[[float], None]) -> Retrying:
        """A tenacity controller for one call; ``sleep`` is the interruptible wait."""
        return Retrying(
            retry=retry_if_exception(_is_retryable),
            stop=self._should_stop,
            wait=self._wait,
            sleep=sleep,
            before_sleep=self._log_retry,
            reraise=True,
        )

    def _quick_unreachable(self, retry_state: RetryCallState) -> bool:
        """Whether this attempt failed to reach the site while someone waits for the answer."""
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None else None
        return self.unreachable_pause is not None and isinstance(error, Unreachable)

    def _should_stop(self, retry_state: RetryCallState) -> bool:
        """Give up after ``max_retries`` retries, or after one when a waiting person asked."""
        attempts = 2 if self._quick_unreachable(retry_state) else self._config.max_retries + 1
        return retry_state.attempt_number >= attempts

    def _wait(self, retry_state: RetryCallState) -> float:
        """Backoff before the next attempt: Retry-After when given, else jittered exponential."""
        if self._quick_unreachable(retry_state) and self.unreachable_pause is not None:
            return self.unreachable_pause
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None else None
        retry_after = getattr(error, "retry_after", None)
        delay = retry_after if retry_after is not None else self._backoff(retry_state)
        return max(0.0, min(float(delay), self._config.max_backoff_s))

    def _log_retry(self, retry_state: RetryCallState) -> None:
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None else None
        delay = retry_state.next_action.sleep if retry_state.next_action else 0.0
        # The one more try a waiting person gets is part of the answer, not a warning.
        level = logging.INFO if self._quick_unreachable(retry_state) else logging.WARNING
        log.log(
            level,
            "attempt %d failed (%s), retrying in %.1fs",
            retry_state.attempt_number,
            self._redact(str(error)),
            delay,
        )


def _is_retryable(error: BaseException) -> bool:
    """Transient errors, but neither a stop nor a read Moodle did not answer in time (it is
    not sent again as it was: see :class:`~connectors.moodle.errors.AnswerTimedOut`)."""
    return isinstance(error, TransientError) and not isinstance(error, Stopped | AnswerTimedOut)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)
