"""The unattended retention pass: delete what has outlived its retention period (holds
honoured by the retention service), or only log the plan when deleting is not allowed.

The log carries counts only: a plan may list persons, and logs carry no personal data.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bridge.services.audit import Actor
from bridge.services.rights import retention
from bridge.settings import Settings

log = logging.getLogger(__name__)


def retention_pass(
    sessions: sessionmaker[Session], settings: Settings, actor: Actor, today: date,
    *, delete: bool,
) -> dict[str, Any]:
    """Run retention (``delete``) and return its counts, or log the plan and return
    ``{"planned": n}``."""
    with sessions() as session, session.begin():
        if delete:
            counts = retention.run(session, settings, actor, today)
            log.info("retention run: %s", counts, extra={"ctx_counts": counts})
            return dict(counts)
        plan = retention.plan(session, settings, today)
        summary = summarise(plan.as_dict())
        log.info(
            "retention plan (auto_run is off, nothing deleted): %d item(s) due: %s",
            plan.total,
            summary,
            extra={"ctx_counts": summary},
        )
        return {"planned": plan.total}


def summarise(plan: dict[str, Any]) -> dict[str, Any]:
    """Counts only: a plan may list persons, and logs carry no personal data."""
    summary: dict[str, Any] = {}
    for key, value in plan.items():
        if isinstance(value, bool | int | float) or value is None:
            summary[key] = value
        elif isinstance(value, str):
            continue  # free text may name a person
        elif isinstance(value, dict):
            summary[key] = summarise(value)
        else:
            try:
                summary[key] = len(value)
            except TypeError:
                summary[key] = type(value).__name__
    return summary
