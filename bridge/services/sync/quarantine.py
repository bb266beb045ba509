"""Reading the quarantine: LMS records set aside with their reason."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bridge.store.models import QuarantinedRecord


def list_quarantine(session: Session, connector: str | None = None) -> list[dict[str, Any]]:
    query = sa.select(QuarantinedRecord).where(QuarantinedRecord.resolved_at.is_(None))
    if connector:
        query = query.where(QuarantinedRecord.connector == connector)
    return [
        {
            "id": q.id,
            "connector": q.connector,
            "stream": q.stream,
            "lms_id": q.lms_id,
            "reason": q.reason,
            "run_id": q.run_id,
            "created_at": q.created_at,
            "payload": q.payload,
        }
        for q in session.scalars(query.order_by(QuarantinedRecord.id))
    ]
