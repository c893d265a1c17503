"""What every table and query shares: the declarative base, the UTC datetime column type, the
table options of ids that are never handed out twice, ``utcnow`` and ``rowcount``.

The feature folders' ``models.py`` import this; :mod:`atmo_lab.store` imports the models.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator


def utcnow() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return dt.datetime.now(dt.timezone.utc)


def rowcount(result: Any) -> int:
    """Rows matched by an UPDATE/DELETE result (for atomic claims)."""
    return int(getattr(result, "rowcount", 0) or 0)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Datetimes stored as naive UTC and always returned timezone-aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.timezone.utc)


class Base(DeclarativeBase):
    """Declarative base of every atmo_lab table."""


# Table options of every table whose ids something else refers to (a notification names its
# run, job or cluster; a run its job): without AUTOINCREMENT, SQLite hands the largest id out
# again once its row is deleted. PostgreSQL sequences never hand a value out twice.
NEVER_REUSED_IDS: dict[str, Any] = {"sqlite_autoincrement": True}
