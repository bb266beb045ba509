"""The shared stream engine keeps records ahead of the writer, not the LMS's answers:
a decoded answer is many times the size of its records (a submissions answer of 25
assignments is ~11 MB decoded, ~1 MB as records), and the lookahead that tells the last
batch must not keep a second one alive."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from typing import Any

from connectors.records import CourseRecord
from connectors.streams import FULL, Row, StreamSpec, Unit, run_stream


class _Answer(dict):  # type: ignore[type-arg]
    """A raw LMS object that a weak reference can watch."""


def _course(raw: Any) -> CourseRecord:
    return CourseRecord(lms_course_id=raw["id"], shortname=f"c{raw['id']}", fullname="C")


def test_a_batch_in_the_writers_hands_keeps_no_raw_answer_alive() -> None:
    watched: list[weakref.ref[_Answer]] = []

    def answer(n: int) -> _Answer:
        raw = _Answer(id=n)
        watched.append(weakref.ref(raw))
        return raw

    def fetch(_ctx: None, _start: int) -> Iterator[Unit]:
        for n in (1, 2, 3):
            yield Unit(rows=[Row(answer(n))])

    batches = run_stream(StreamSpec("courses", _course, fetch, FULL), None, None)
    first = next(batches)  # the engine has read one unit ahead, to know this is not the last
    gc.collect()
    assert [r.lms_course_id for r in first.records] == [1]  # type: ignore[attr-defined]
    assert not first.complete
    assert len(watched) == 2
    assert [ref() for ref in watched] == [None, None]  # neither this batch's nor the next's

    rest = list(batches)
    assert [[r.lms_course_id for r in b.records] for b in rest] == [[2], [3]]  # type: ignore[attr-defined]
    assert [b.complete for b in rest] == [False, True]
    assert rest[-1].checkpoint == {}


def test_an_empty_fetch_is_one_complete_empty_batch() -> None:
    def fetch(_ctx: None, _start: int) -> Iterator[Unit]:
        yield from ()

    (only,) = run_stream(StreamSpec("courses", _course, fetch, FULL), None, None)
    assert only.records == () and only.complete and only.checkpoint == {}
