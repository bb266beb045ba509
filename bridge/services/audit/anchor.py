"""The audit chain's head kept outside the database (CONTRACTS 9).

A chain of MACs proves that the rows present were not changed, but not that none were
cut from the end or that the whole table was emptied: a database holding a shorter,
intact chain looks like a fresh one. The anchor file remembers the last committed head
(sequence number, MAC) beside the register secret, where someone with access to the
database alone cannot rewind it.

The file is rewritten atomically (temporary file in the same folder, fsync, rename,
fsync of the folder), created 0600, and only ever moves forward along the chain it
already points at: a register restored from an older backup, or cut at the end and
written on since, leaves the anchor where it was so that ``bridge audit verify`` keeps
reporting it. Writers on one host are serialised with a lock file beside the anchor.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bridge.errors import OperationFailed

log = logging.getLogger("bridge.audit")


@dataclass(frozen=True)
class Anchor:
    """A link of the chain: the sequence number of a row and the MAC it carries."""

    seq: int
    mac: str

    def as_dict(self) -> dict[str, int | str]:
        return {"seq": self.seq, "mac": self.mac}


def anchor_path(secret_file: Path) -> Path:
    """The anchor lives beside the secret: same owner, same mode, same backups policy."""
    return secret_file.with_name(secret_file.name + ".anchor")


def read_anchor(path: Path) -> Anchor | None:
    """The anchored head, or None when no keyed row was ever committed with this secret."""
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        return None
    try:
        data = json.loads(text)
        return Anchor(seq=int(data["seq"]), mac=str(data["mac"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise OperationFailed(f"audit anchor {path} is unreadable ({exc}): restore it") from exc


def write_anchor(path: Path, anchor: Anchor) -> None:
    """Replace the anchor file atomically, mode 0600, durable once this returns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(json.dumps(anchor.as_dict()) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def advance_anchor(
    path: Path, head: Anchor, first_seq: int, before: Anchor | None, *, keyed_before: bool
) -> bool:
    """Move the anchor to a committed ``head`` if the head continues the anchored chain.

    ``first_seq`` is the first row the committed transaction appended and ``before`` the
    link it chained onto. The anchor does not move when it is already at or past
    ``head`` (another process committed later and got here first), nor when the
    transaction appended at or right after the anchored sequence without continuing
    from the anchored MAC: the table had fallen behind its anchor and forked, and
    moving on would hide that. A missing anchor is created only for the first keyed row
    (``keyed_before`` False): once keyed rows exist, a deleted anchor would otherwise be
    re-created at whatever head the table has, hiding a cut for good; only ``bridge audit
    anchor --reset`` makes a new one. Returns True when the file was rewritten.
    """
    with _locked(path):
        current = read_anchor(path)
        if current is None and keyed_before:
            log.error(
                "audit anchor %s is missing although keyed audit rows exist: it is not "
                "re-created; run `bridge audit verify`, then put the anchor back or have an "
                "admin run `bridge audit anchor --reset`",
                path,
            )
            return False
        if current is not None:
            if head.seq <= current.seq:
                return False
            forked = first_seq <= current.seq or (
                before is not None and before.seq == current.seq and before.mac != current.mac
            )
            if forked:
                log.error(
                    "audit chain does not continue from its anchor at seq %d (this "
                    "transaction appended from seq %d): the anchor stays; run "
                    "`bridge audit verify`",
                    current.seq,
                    first_seq,
                )
                return False
        write_anchor(path, head)
        return True


def reset_anchor(path: Path, head: Anchor) -> None:
    """Point the anchor at ``head`` whatever it held: only for a restore, whose audit row
    records the anchor it replaces (so ``bridge audit verify`` can explain the gap)."""
    with _locked(path):
        write_anchor(path, head)
