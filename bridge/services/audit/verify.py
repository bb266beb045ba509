"""Verifying the audit chain and naming what broke it (CONTRACTS 9).

One pass over the rows in ``seq`` order, then a comparison with the anchor. The first
problem found is reported with its sequence number and one of these kinds:

- **missing**: a gap in ``seq`` (rows deleted in the middle, or at the start).
- **changed**: a row's content no longer matches its MAC (or, in the legacy prefix, its
  unkeyed hash). The rule that tells it from an unkeyed rewrite: after the first bad
  row, some later row still verifies when chained on its predecessor's *stored* MAC, so
  the MACs themselves are the ones the bridge wrote. When the bad row is the last one,
  the anchor decides: it still holds the row's stored MAC → changed.
- **unkeyed rewrite**: from the first bad row to the end no MAC verifies with the
  secret (rows were recomputed without the key, e.g. with the old SHA-256 chain or a
  guessed key), the anchored row's MAC was replaced, or a row without a MAC (the
  legacy form) follows keyed rows or sits where the anchor points.
- **emptied**: no rows, but the anchor says there were some.
- **tail cut**: the table ends before the anchored sequence. A cut at the end and a
  register restored from an older backup leave the same rows behind, so the message
  says "behind the anchor by N rows" and names both causes.
- **behind the anchor**: the table has a row at the anchored sequence, intact under the
  key, but with another MAC: the register went back to an older state (a restored
  backup, or a cut) and the bridge has written on since, forking the chain.

- **anchor missing**: keyed rows exist but the anchor file does not (deleted, or lost):
  a cut at the end could no longer be seen, so this is a failure, not a fresh start.
  Only ``bridge audit anchor --reset`` (an admin, audited) makes a new anchor.

Without an anchor file and without keyed rows (nothing signed with this secret yet), the
chain counts as intact and the report says a cut at the end could not be checked.

A restore from backup (``bridge db restore``) cuts the chain by design: the rows written
after the backup are gone, and the chain goes on from the backup's head. The restore's
own row, signed like any other, records the backup's time and head and the anchor it
replaced, so the pass reports that gap as explained ("seq N..M were written after the
backup of … and undone by the restore recorded at …") instead of as a cut; an anchor
still at a recorded restore's old head (the restore could not rewrite it) is explained
the same way. A forged restore row does not verify without the secret.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.services.audit.anchor import Anchor, anchor_path, read_anchor
from bridge.services.audit.chain import (
    GENESIS,
    audit_key,
    legacy_digest,
    link_of,
    row_mac,
    secret_file_of,
)
from bridge.services.audit.guard import append_only_problems
from bridge.store.models import AuditEntry

CHANGED = "changed"
MISSING = "missing"
TAIL_CUT = "tail cut"
EMPTIED = "emptied"
UNKEYED_REWRITE = "unkeyed rewrite"
BEHIND_ANCHOR = "behind the anchor"
ANCHOR_MISSING = "anchor missing"
#: Problems of the head against the anchor, which an audited anchor reset may settle.
ANCHOR_KINDS = frozenset({TAIL_CUT, EMPTIED, BEHIND_ANCHOR, ANCHOR_MISSING})
#: The audit action of a restore from backup, whose row explains the gap it leaves.
RESTORE_ACTION = "db restore"
#: The audit action of ``bridge audit anchor --reset``, whose row records the old anchor.
ANCHOR_RESET_ACTION = "audit anchor reset"


@dataclass(frozen=True)
class Problem:
    kind: str
    seq: int
    message: str


@dataclass(frozen=True)
class ChainReport:
    rows: int
    checked: int  # rows verified before the first problem (all of them when intact)
    head_seq: int | None
    anchor: Anchor | None
    problem: Problem | None
    explained: tuple[str, ...] = ()
    unguarded: tuple[str, ...] = ()  # what of the append-only guard is gone (audit.guard)

    @property
    def intact(self) -> bool:
        return self.problem is None

    @property
    def ok(self) -> bool:
        return self.intact and not self.unguarded

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "rows": self.rows,
            "checked": self.checked,
            "head_seq": self.head_seq,
            "anchor": self.anchor.as_dict() if self.anchor else None,
            "first_bad_seq": self.problem.seq if self.problem else None,
            "kind": self.problem.kind if self.problem else None,
            "message": self.problem.message if self.problem else None,
            "explained": list(self.explained),
            "unguarded": list(self.unguarded),
        }


@dataclass
class _Walk:
    """State of one pass: the prefix verified so far and, after a bad row, what follows."""

    key: bytes
    anchor: Anchor | None
    expected_seq: int = 1
    link: str = GENESIS
    keyed: bool = False
    checked: int = 0
    head_seq: int | None = None
    anchored_mac: str | None = field(default=None)
    problem: Problem | None = None
    first_bad: AuditEntry | None = None
    rows_after_bad: int = 0
    later_row_verifies: bool = False
    explained: list[str] = field(default_factory=list)
    restored_from: list[Anchor] = field(default_factory=list)  # anchors a restore replaced

    def step(self, entry: AuditEntry) -> bool:
        """Check one row; False when the pass can stop."""
        if self.first_bad is not None:
            return self._after_bad(entry)
        if entry.seq != self.expected_seq:
            count = entry.seq - self.expected_seq
            self.problem = Problem(
                MISSING, self.expected_seq, f"{count} row(s) missing from seq {self.expected_seq}"
            )
            return False
        if entry.mac is None:
            return self._legacy(entry)
        self.keyed = True
        if entry.mac != row_mac(self.key, entry.seq, self.link, entry):
            self.first_bad = entry
            self.link = entry.mac
            return True
        return self._accept(entry)

    def _legacy(self, entry: AuditEntry) -> bool:
        if self.keyed or (self.anchor is not None and self.anchor.seq == entry.seq):
            self.problem = Problem(
                UNKEYED_REWRITE, entry.seq, "a row without a MAC where the keyed chain runs"
            )
            return False
        if entry.prev_hash != self.link or entry.row_hash != legacy_digest(self.link, entry):
            self.problem = Problem(CHANGED, entry.seq, "legacy row no longer matches its hash")
            return False
        return self._accept(entry)

    def _accept(self, entry: AuditEntry) -> bool:
        self.link = link_of(entry)
        self.checked += 1
        self.expected_seq += 1
        self.head_seq = entry.seq
        if self.anchor is not None and entry.seq == self.anchor.seq:
            self.anchored_mac = entry.mac
        if entry.action == RESTORE_ACTION and entry.outcome == "ok" and entry.details:
            self._note_restore(entry)
        if entry.action == ANCHOR_RESET_ACTION and entry.outcome == "ok":
            self._note_reset(entry)
        return True

    def _note_reset(self, entry: AuditEntry) -> None:
        before = (entry.details or {}).get("anchor_before")
        if before:
            self.restored_from.append(Anchor(int(before["seq"]), str(before["mac"])))
        self.explained.append(
            f"{entry.operator} reset the anchor at {entry.at.isoformat()} (seq {entry.seq}); "
            + (f"it was at seq {before['seq']}" if before else "there was no anchor file")
        )

    def _note_restore(self, entry: AuditEntry) -> None:
        details = entry.details or {}
        taken = (details.get("backup") or {}).get("taken_at", "?")
        head = int(details.get("backup_head_seq") or 0)
        before = details.get("anchor_before")
        undone = int(before["seq"]) - head if before else 0
        if before:
            self.restored_from.append(Anchor(int(before["seq"]), str(before["mac"])))
        at = entry.at.isoformat()
        self.explained.append(
            f"seq {head + 1}..{head + undone} were written after the backup of {taken} and "
            f"undone by the restore recorded at {at} (seq {entry.seq})"
            if undone > 0
            else f"the restore recorded at {at} (seq {entry.seq}) from the backup of {taken} "
            "undid no audit rows"
        )

    def _after_bad(self, entry: AuditEntry) -> bool:
        self.rows_after_bad += 1
        if entry.mac is not None and entry.mac == row_mac(self.key, entry.seq, self.link, entry):
            self.later_row_verifies = True
            return False
        self.link = link_of(entry)
        return True

    def classify_bad_row(self) -> Problem:
        bad = self.first_bad
        assert bad is not None
        anchored_here = self.anchor is not None and self.anchor.seq == bad.seq
        rewritten = not self.later_row_verifies and (
            self.rows_after_bad > 0 or (anchored_here and self.anchor.mac != bad.mac)  # type: ignore[union-attr]
        )
        if rewritten:
            return Problem(
                UNKEYED_REWRITE,
                bad.seq,
                f"no MAC verifies with the register secret from seq {bad.seq} on: rows "
                "were recomputed without the key",
            )
        return Problem(CHANGED, bad.seq, f"row seq {bad.seq} no longer matches its MAC")

    def compare_with_anchor(self) -> Problem | None:
        anchor = self.anchor
        if anchor is None and self.keyed:
            return Problem(
                ANCHOR_MISSING,
                self.head_seq or 1,
                "the anchor file is missing although keyed rows exist, so rows cut from the "
                "end could not be seen: put the anchor back (or a copy printed by `bridge "
                "audit anchor`), or have an admin run `bridge audit anchor --reset`",
            )
        if anchor is None or anchor in self.restored_from:
            return None
        if self.head_seq is None:
            return Problem(EMPTIED, 1, f"the table is empty, the anchor says {anchor.seq} row(s)")
        if self.head_seq < anchor.seq:
            behind = anchor.seq - self.head_seq
            return Problem(
                TAIL_CUT,
                self.head_seq + 1,
                f"behind the anchor by {behind} row(s): seq {self.head_seq + 1}..{anchor.seq} "
                "are gone from the end (a tail cut, or the register was restored from an "
                "older backup; the rows alone cannot tell which)",
            )
        if self.anchored_mac != anchor.mac:
            return Problem(
                BEHIND_ANCHOR,
                anchor.seq,
                f"row seq {anchor.seq} is not the one the anchor recorded: the register went "
                "back to an older state (restored from a backup, or cut) and was written on since",
            )
        return None


def verify(session: Session) -> ChainReport:
    """Verify every row with the register secret, compare the head with the anchor and
    ask the database whether the table is still append-only."""
    secret_file = secret_file_of(session)
    anchor = read_anchor(anchor_path(secret_file))
    walk = _Walk(key=audit_key(secret_file), anchor=anchor)
    rows, head_seq = session.execute(
        sa.select(sa.func.count(), sa.func.max(AuditEntry.seq)).select_from(AuditEntry)
    ).one()
    entries: Iterable[AuditEntry] = session.scalars(
        sa.select(AuditEntry).order_by(AuditEntry.seq)
    ).yield_per(1000)
    for entry in entries:
        if not walk.step(entry):
            break
    problem = walk.problem
    if problem is None and walk.first_bad is not None:
        problem = walk.classify_bad_row()
    if problem is None:
        problem = walk.compare_with_anchor()
    unguarded = append_only_problems(session.connection())
    return ChainReport(
        rows, walk.checked, head_seq, anchor, problem, tuple(walk.explained), unguarded
    )
