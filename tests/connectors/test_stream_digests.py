"""A stream with a digest: skipped, without a single read, when the digest equals the one
its last complete read stored; a read stores its digest only when it listed everything."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.records import CourseRecord
from connectors.streams import (
    DIGEST_KEY,
    FULL,
    PER_COURSE,
    SINCE_MODIFIED,
    Replication,
    Row,
    StreamSpec,
    Unit,
    run_stream,
)


def _course(raw: Any) -> CourseRecord:
    return CourseRecord(lms_course_id=raw["id"], shortname=f"c{raw['id']}", fullname="C")


class Site:
    """What the fetcher reads, and how often it was asked."""

    def __init__(self, digest: str | None, *, partial: bool = False) -> None:
        self.digest, self.partial, self.reads = digest, partial, 0

    def fetch(self, _ctx: None, _start: int) -> Iterator[Unit]:
        self.reads += 1
        yield Unit(rows=[Row({"id": 1})], scope={"course": 1})
        yield Unit(rows=[Row({"id": 2})], scope={"course": 2}, partial=self.partial,
                   why="the roster moved" if self.partial else "")

    def spec(self, replication: Replication) -> StreamSpec[None]:
        return StreamSpec("courses", _course, self.fetch, replication, lambda _ctx: self.digest)


@pytest.mark.parametrize("replication", [FULL, PER_COURSE, SINCE_MODIFIED])
def test_a_complete_read_stores_its_digest_and_the_next_run_skips(replication) -> None:
    site = Site("d1")
    batches = list(run_stream(site.spec(replication), None, None))
    stored = batches[-1].checkpoint
    assert stored is not None and stored[DIGEST_KEY] == "d1"
    assert not any(b.unchanged for b in batches)

    (skipped,) = run_stream(site.spec(replication), None, stored)
    assert skipped.unchanged and skipped.checkpoint is None and not skipped.records
    assert not skipped.complete  # nothing listed: no removal may be concluded from it
    assert site.reads == 1


def test_a_different_digest_reads_again() -> None:
    site = Site("d1")
    stored = list(run_stream(site.spec(FULL), None, None))[-1].checkpoint
    site.digest = "d2"
    again = list(run_stream(site.spec(FULL), None, stored))
    assert site.reads == 2 and again[-1].checkpoint == {DIGEST_KEY: "d2"}


def test_a_read_that_left_something_out_stores_no_digest() -> None:
    site = Site("d1", partial=True)
    batches = list(run_stream(site.spec(PER_COURSE), None, None))
    assert DIGEST_KEY not in (batches[-1].checkpoint or {})
    list(run_stream(site.spec(PER_COURSE), None, batches[-1].checkpoint))
    assert site.reads == 2  # read again: the stored bookmark promised nothing


def test_no_digest_means_every_run_reads() -> None:
    site = Site(None)
    stored = list(run_stream(site.spec(FULL), None, None))[-1].checkpoint
    assert stored == {}
    list(run_stream(site.spec(FULL), None, {DIGEST_KEY: None}))
    assert site.reads == 2
