"""Skipping what has not changed: the companion plugin's table fingerprints.

Moodle's core functions have no "changed since" for users, rosters, assignments or
conversations, so a run in which nothing changed would list them all again only to find
that out: on a site with two 1,000-learner courses, half the cost of a full sync. The
companion plugin's ``local_registrybridge_get_digests`` answers, in one cheap call, a
fingerprint of each table the bridge reads (its row count and the sums of the columns
Moodle changes with a row: ids, times modified, states).

Each stream names the tables its rows are made of (:data:`STREAM_TABLES`); its digest is
a hash of their fingerprints, of the settings that decide which rows become records and
of the bridge's version (an upgrade reads everything once more). The engine skips the
stream when the digest equals the one stored with its bookmark
(:func:`connectors.streams.run_stream`). The fingerprints are read once per connector,
that is once per run, before any stream that uses them is read: a change made while the
run reads shows in the next run's fingerprints, so it is read then.

What the fingerprints cannot see (a value written straight into the database without a
summed column moving) the scheduled full sync reads: a full read ignores bookmarks.
Without the function in the service every stream is read as before.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from importlib import metadata
from typing import Protocol

from connectors.moodle.client import MoodleClient
from connectors.moodle.config import MoodleConfig
from connectors.moodle.errors import (
    AccessException,
    FunctionNotInstalled,
    InvalidParameter,
    MissingCapability,
    MoodleException,
    UnexpectedResponse,
)
from connectors.moodle.functions import DIGEST_FUNCTION
from connectors.moodle.parse import SiteInfo

log = logging.getLogger("connectors.moodle.digests")

#: The tables each stream's records are made of (the plugin's table names).
_ROSTER = ("user", "course", "enrol", "user_enrolments", "role_assignments", "groups",
           "groups_members", "user_lastaccess")
_ASSIGNMENTS = ("course", "assign", "course_modules")
STREAM_TABLES: Mapping[str, tuple[str, ...]] = {
    "users": ("user", "user_info_data"),
    "courses": ("course", "course_categories"),
    "enrolments": _ROSTER,
    "gradebook": ("course", "grade_items", "grade_grades"),
    "assignments": _ASSIGNMENTS,
    "submissions": (*_ASSIGNMENTS, "assign_submission"),
    "assignment_grades": (*_ASSIGNMENTS, "assign_grades"),
    "messages": ("role_assignments", "message_conversations", "message_conversation_members",
                 "messages", "message_user_actions"),
}

#: Answers that mean "this site cannot fingerprint": read the streams as before.
_NOT_AVAILABLE = (AccessException, FunctionNotInstalled, InvalidParameter, MissingCapability,
                  MoodleException, UnexpectedResponse)


class TableDigests:
    """The plugin's fingerprints, read at most once (a connector serves one run)."""

    def __init__(self, client: MoodleClient, site: Callable[[], SiteInfo]) -> None:
        self._client, self._site = client, site
        self._read = False
        self._tables: dict[str, str] | None = None

    def tables(self) -> Mapping[str, str] | None:
        """Table name → fingerprint, or ``None`` when the site cannot tell."""
        if not self._read:
            self._read = True
            if DIGEST_FUNCTION in self._site().functions:
                self._tables = self._fetch()
        return self._tables

    def _fetch(self) -> dict[str, str] | None:
        try:
            answer = self._client.call(DIGEST_FUNCTION)
        except _NOT_AVAILABLE as exc:
            log.warning("%s failed (%s): every stream is read in full", DIGEST_FUNCTION, exc)
            return None
        entries = answer.get("digests") if isinstance(answer, Mapping) else None
        if not isinstance(entries, list):
            log.warning("%s: unexpected answer: every stream is read in full", DIGEST_FUNCTION)
            return None
        return {
            str(e["name"]): str(e["value"])
            for e in entries
            if isinstance(e, Mapping) and "name" in e and "value" in e
        }


def _version() -> str:
    try:
        return metadata.version("lms-registry-bridge")
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        return "source"


class _Reading(Protocol):
    """What a digest needs of a stream context (:class:`connectors.moodle.paging.StreamContext`)."""

    @property
    def digests(self) -> TableDigests | None: ...
    @property
    def config(self) -> MoodleConfig: ...
    @property
    def site(self) -> SiteInfo: ...


def stream_digest(stream: str) -> Callable[[_Reading], str | None]:
    """The ``StreamSpec.digest`` of ``stream``: its tables' fingerprints, hashed."""
    names = STREAM_TABLES[stream]

    def digest(ctx: _Reading) -> str | None:
        tables = ctx.digests.tables() if ctx.digests is not None else None
        if tables is None or any(name not in tables for name in names):
            return None
        seen = {
            "tables": {name: tables[name] for name in names},
            "exclude_usernames": sorted(u.lower() for u in ctx.config.exclude_usernames),
            "service_user": ctx.site.service_user_id,
            "version": _version(),
        }
        return hashlib.sha256(json.dumps(seen, sort_keys=True).encode()).hexdigest()

    return digest

