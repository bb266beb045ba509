"""A scripted LMS behind the connector interface, for engine tests that need exact control
of what the LMS returns (the Moodle simulator covers the protocol)."""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterator, Mapping
from typing import Any, ClassVar

from pydantic import SecretStr

from connectors.base import CheckReport, Connector, LmsState, PushCommand, PushResult
from connectors.records import Batch, Bookmark, CourseRecord, Record, Reject, UserRecord


class ScriptedLms:
    """What the fake LMS holds: records per stream, rejects per stream."""

    def __init__(self) -> None:
        self.records: dict[str, list[Record]] = {"users": [], "courses": []}
        self.rejects: dict[str, list[Reject]] = {"users": [], "courses": []}
        self.pull_started = threading.Event()
        self.release = threading.Event()
        self.release.set()
        self.fail: dict[str, Exception] = {}

    def add_user(self, uid: int, email: str | None = None, **fields: Any) -> UserRecord:
        record = UserRecord(
            lms_user_id=uid,
            username=f"user{uid}",
            first_name=f"First{uid}",
            last_name=f"Last{uid}",
            email=email if email is not None else f"user{uid}@example.fi",
            **fields,
        )
        self.records["users"] = [r for r in self.records["users"] if r.key != record.key]
        self.records["users"].append(record)
        return record


SCRIPT = ScriptedLms()


class FakeConnector(Connector):
    streams: ClassVar[tuple[str, ...]] = ("users", "courses")

    def __init__(self, lms: ScriptedLms) -> None:
        self.lms = lms
        self.requests = 0

    @classmethod
    def from_options(
        cls,
        options: Mapping[str, Any],
        token: SecretStr,
        *,
        stop_event: threading.Event | None = None,
    ) -> FakeConnector:
        return cls(SCRIPT)

    def check(self) -> CheckReport:
        return CheckReport("fake", ())

    def pull(self, stream: str, bookmark: Bookmark | None) -> Iterator[Batch]:
        self.lms.pull_started.set()
        self.lms.release.wait(30)
        if stream in self.lms.fail:
            raise self.lms.fail[stream]
        records = sorted(self.lms.records[stream], key=lambda r: r.key)
        for start in range(0, max(len(records), 1), 2):
            self.requests += 1
            chunk = tuple(records[start : start + 2])
            last = start + 2 >= len(records)
            yield Batch(
                stream,
                chunk,
                tuple(self.lms.rejects[stream]) if last else (),
                checkpoint={} if last else None,
                complete=last,
            )

    def push(self, command: PushCommand) -> PushResult:
        return PushResult.applied()

    def read_state(self, lms_user_id: int) -> LmsState:
        return LmsState(lms_user_id, exists=True)

    def existing_users(self, lms_user_ids: Collection[int]) -> set[int]:
        listed = {r.lms_user_id for r in self.lms.records["users"] if isinstance(r, UserRecord)}
        return listed & set(lms_user_ids)

    @property
    def request_count(self) -> int:
        return self.requests


def course(cid: int, name: str = "Course") -> CourseRecord:
    return CourseRecord(lms_course_id=cid, shortname=f"C{cid}", fullname=f"{name} {cid}")
