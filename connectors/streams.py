"""The stream engine every connector shares: one loop runs every declared stream.

In the Singer SDK's manner a stream is mostly declaration: a name, a parser, a
fetcher that knows which LMS calls to make, and a replication mode.
:func:`run_stream` does the rest for every stream alike: it parses each raw
object, quarantines the ones that fail validation, de-duplicates records within
a batch, tracks the incremental cursor and decides when a checkpoint is safe and
when a listing is complete. Nothing here knows an LMS protocol, so a second LMS
declares its streams against the same engine (Moodle's are in
:mod:`connectors.moodle.streams`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, Literal, TypeVar

from connectors.base import TerminalError
from connectors.records import Batch, Bookmark, Record, Reject

T = TypeVar("T")
#: Whatever a connector hands its fetchers (its client, settings and site facts).
Context = TypeVar("Context")

#: One LMS object as the LMS answered it, before validation.
Raw = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Row:
    """One raw LMS object and what the stream knows about it (passed to the parser)."""

    payload: Raw
    context: Mapping[str, Any] = field(default_factory=dict)
    lms_id: str | None = None


@dataclass(frozen=True, slots=True)
class Unit:
    """What a fetcher hands the engine for one batch.

    ``partial`` says the LMS left something out (a warning, a roster that moved
    while paging), so the unit must not count as a complete listing; ``why`` says
    what, in words an operator can act on.
    ``scope`` marks a unit that is by itself the full listing of one course.
    """

    rows: Sequence[Row] = ()
    invalid: Sequence[tuple[Raw, str]] = ()
    scope: Mapping[str, Any] | None = None
    partial: bool = False
    checkpoint: Bookmark | None = None
    why: str = ""
    #: A change time the fetcher saw outside the rows (a course's ``timemodified``, a
    #: change hint), so the bookmark moves past it although no row carries it.
    cursor: int = 0


@dataclass(frozen=True, slots=True)
class Replication:
    """How a stream resumes and when its listing is complete.

    * ``full``: no server filter; the whole listing is one scope ``{"kind": "all"}``.
    * ``per_course``: no server filter; each course's batch is its own scope. With a
      ``bookmark_key`` the fetcher reads only the courses changed since it (change hints),
      and the bookmark is the newest change time seen, as for ``incremental``.
    * ``incremental``: a server ``since``-style filter; the bookmark is the
      highest ``cursor_field`` seen (server time, never the local clock) and
      is only safe once the whole run is read, so it rides on the last batch.
    * ``keyset``: an id cursor that is safe after every page; a run from the start
      that reaches the end is a full listing (an empty closing batch says so).
    """

    mode: Literal["full", "per_course", "incremental", "keyset"]
    bookmark_key: str | None = None
    cursor_field: str | None = None

    def start(self, bookmark: Bookmark | None) -> int:
        if self.bookmark_key is None or not bookmark:
            return 0
        value = bookmark.get(self.bookmark_key) or 0
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise TerminalError(
                f"bookmark {dict(bookmark)!r}: {self.bookmark_key!r} must be a non-negative int",
                fix="Reset the stream's bookmark (the next run then reads everything).",
            )
        return value


FULL = Replication("full")
PER_COURSE = Replication("per_course")
SINCE_MODIFIED = Replication("incremental", "since", "time_modified")


#: The bookmark key that holds the digest of what the stream's last complete read saw.
DIGEST_KEY = "digest"


@dataclass(frozen=True, slots=True)
class StreamSpec(Generic[Context]):
    """One stream as data: ``fetch(context, start)`` yields units, ``parse`` makes records.

    ``digest(context)``, when the LMS can tell, is a fingerprint of everything the stream
    reads (``None`` when it cannot): a run whose digest equals the one stored with the
    bookmark skips the stream, and a read that completes stores its digest.
    """

    name: str
    parse: Callable[..., Record | Iterable[Record]]
    fetch: Callable[[Context, int], Iterator[Unit]]
    replication: Replication
    digest: Callable[[Context], str | None] | None = None


def run_stream(
    spec: StreamSpec[Context], ctx: Context, bookmark: Bookmark | None
) -> Iterator[Batch]:
    """Run one stream: fetch units, parse them, and yield batches with safe checkpoints."""
    rep = spec.replication
    start = rep.start(bookmark)
    digest = spec.digest(ctx) if spec.digest is not None else None
    if digest is not None and bookmark and bookmark.get(DIGEST_KEY) == digest:
        yield Batch(spec.name, unchanged=True)  # no checkpoint: the stored bookmark stays
        return
    if rep.mode == "keyset":  # every page is safe to resume from: no lookahead needed
        for unit in spec.fetch(ctx, start):
            yield Batch(spec.name, *_parse_unit(spec, unit), checkpoint=unit.checkpoint)
        if start == 0:
            yield Batch(spec.name, complete=True, scope=ALL)
        return
    cursor, why = start, ""
    for (unit, records, rejects), final in _with_last(_parsed(spec, ctx, start), empty=_NONE):
        if unit.partial:
            why = why or unit.why or "the LMS left something out"
        if rep.cursor_field:
            seen = (getattr(r, rep.cursor_field, None) for r in records)
            cursor = max([cursor, unit.cursor, *(s for s in seen if isinstance(s, int))])
        meta = _meta(rep, unit, final=final, cursor=cursor, why=why, scratch=start == 0)
        if final and digest is not None and not why and meta["checkpoint"] is not None:
            meta["checkpoint"] = {**meta["checkpoint"], DIGEST_KEY: digest}
        yield Batch(spec.name, records, rejects, **meta)


#: The scope of a listing of everything a stream holds.
ALL: Mapping[str, Any] = {"kind": "all"}


def _meta(
    rep: Replication, unit: Unit, *, final: bool, cursor: int, why: str, scratch: bool
) -> dict[str, Any]:
    """Checkpoint, completeness and scope of one batch (see :class:`Replication`)."""
    checkpoint = None
    if final:
        checkpoint = {rep.bookmark_key: cursor} if rep.bookmark_key else {}
    if rep.mode == "per_course":
        if unit.scope is None:  # no course read: from scratch, a complete listing of nothing
            complete = final and not why and scratch
            scope = ALL if complete else None
            return {"checkpoint": checkpoint, "complete": complete, "scope": scope}
        partial = (unit.why or "the LMS left something out") if unit.partial else None
        return {
            "checkpoint": checkpoint,
            "complete": not partial,
            "scope": unit.scope,
            "incomplete_reason": partial,
        }
    # An incremental run is a full listing only when it started from nothing.
    complete = final and not why and (rep.mode == "full" or scratch)
    return {
        "checkpoint": checkpoint,
        "complete": complete,
        "scope": ALL if complete else None,
        "incomplete_reason": why if final and why else None,
    }


#: What :func:`_parsed` yields when a fetcher yields nothing.
_NONE: tuple[Unit, tuple[Record, ...], tuple[Reject, ...]] = (Unit(), (), ())


def _parsed(
    spec: StreamSpec[Context], ctx: Context, start: int
) -> Iterator[tuple[Unit, tuple[Record, ...], tuple[Reject, ...]]]:
    """Each fetched unit parsed at once, without its raw rows: the lookahead that tells
    the last batch then holds records, not a second answer of the LMS (which, decoded, is
    many times the size of its records)."""
    for unit in spec.fetch(ctx, start):
        records, rejects = _parse_unit(spec, unit)
        bare = replace(unit, rows=(), invalid=())
        del unit  # not kept while the parsed unit waits
        yield bare, records, rejects


def _parse_unit(
    spec: StreamSpec[Any], unit: Unit
) -> tuple[tuple[Record, ...], tuple[Reject, ...]]:
    records: dict[tuple[type, tuple[Any, ...]], Record] = {}
    rejects = [
        Reject(spec.name, reason, payload, _raw_id(payload)) for payload, reason in unit.invalid
    ]
    for row in unit.rows:
        if not isinstance(row.payload, Mapping):  # a list item that is not an object at all
            reason = f"expected an object, got {type(row.payload).__name__}"
            rejects.append(Reject(spec.name, reason, {"value": row.payload}, row.lms_id))
            continue
        try:
            produced = spec.parse(row.payload, **row.context)
        except ValueError as exc:
            lms_id = row.lms_id or _raw_id(row.payload)
            rejects.append(Reject(spec.name, str(exc), row.payload, lms_id))
            continue
        for record in [produced] if isinstance(produced, Record) else produced:
            records.setdefault((type(record), record.key), record)
    return tuple(records.values()), tuple(rejects)


def _raw_id(payload: Raw) -> str | None:
    value = payload.get("id") if isinstance(payload, Mapping) else None
    return None if value is None else str(value)


def _with_last(items: Iterator[T], empty: T) -> Iterator[tuple[T, bool]]:
    """Pairs each item with whether it is the last (one item of lookahead); ``empty`` if none."""
    previous: list[T] = []
    for item in items:
        if previous:
            yield previous[0], False
        previous = [item]
    yield (previous[0] if previous else empty), True
