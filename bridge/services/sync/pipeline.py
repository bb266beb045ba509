"""Overlap fetching and writing: a producer thread runs ahead by a bounded number of items."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def prefetch(
    source: Callable[[], Iterable[T]], stop: threading.Event, *, depth: int = 4
) -> Iterator[T]:
    """Yield the items of ``source()``, produced in a background thread ``depth`` ahead.

    An exception in the producer is re-raised here; when the consumer stops early
    (or ``stop`` is set), the producer stops at its next item.
    """
    items: queue.Queue[object] = queue.Queue(maxsize=depth)
    cancelled = threading.Event()

    def put(item: object) -> bool:
        while not cancelled.is_set():
            try:
                items.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in source():
                if stop.is_set() or not put(item):
                    break
            put(_DONE)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            put(_Failure(exc))

    thread = threading.Thread(target=produce, name="prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = items.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        cancelled.set()
        thread.join(timeout=30)
