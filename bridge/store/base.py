"""Declarative base, column types and the provenance every personal-data row carries."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from bridge.clock import utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite keeps no zone, PostgreSQL does; this type makes both behave alike.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy's declared class attribute
        datetime: UtcDateTime(),
        dict[str, Any]: sa.JSON(),
        list[Any]: sa.JSON(),
    }


#: Where a personal-data row came from (N7). Checked in code, not a database enum.
SOURCES = ("registration", "lms_sync", "data_subject", "admin")


class Provenance:
    """Columns that tell where a personal-data row came from and when it was seen (N7, N12).

    ``removed_in_lms_at`` is set by reconciliation when the LMS no longer has the
    record; the register keeps the row (a sync never hard-deletes, N12).
    """

    source: Mapped[str] = mapped_column(sa.String(20))
    source_ref: Mapped[str | None] = mapped_column(sa.String(300))
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    removed_in_lms_at: Mapped[datetime | None]


class LmsRow(Provenance):
    """A row pulled from an LMS: keyed by connector, with a content hash for change detection."""

    source: Mapped[str] = mapped_column(sa.String(20), default="lms_sync")
    connector: Mapped[str] = mapped_column(sa.String(64))
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    run_id: Mapped[int | None]  # the sync run that last wrote it
