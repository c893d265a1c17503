"""API objects read straight from table rows (lists), or from ORM objects, in one shape.

A list page is the hot path of the sidebar and of API clients walking everything: its rows are
selected with the columns in the order the API shows them, timestamps already formatted by the
store's result processing, so one ``zip`` makes each object. Objects a request has just changed
go through :meth:`Shape.from_object`, which gives the same dictionary.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import DateTime, type_coerce
from sqlalchemy.sql import ColumnElement, FromClause
from sqlalchemy.types import TypeDecorator

from .validation import iso


class IsoTimestamp(TypeDecorator[str]):
    """A stored UTC datetime read as ISO 8601 text with its offset, as :func:`iso` writes it."""

    impl = DateTime
    cache_ok = True

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        # One function per value (a TypeDecorator's default is two): lists format thousands.
        if dialect.name == "sqlite":  # text as SQLAlchemy stores it: reformatted, not parsed
            return _sqlite_iso
        if self.impl_instance.result_processor(dialect, coltype) is None:  # driver datetimes
            return _datetime_iso
        return super().result_processor(dialect, coltype)

    def process_result_value(self, value: Any, dialect: Any) -> str | None:
        return _datetime_iso(value)


def _datetime_iso(value: dt.datetime | None) -> str | None:
    """A stored UTC datetime as :func:`iso` writes it."""
    if value is None:
        return None
    if value.tzinfo is not None:  # a timezone-aware column of a store made elsewhere
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value.isoformat() + "+00:00"


def _sqlite_iso(value: str | None) -> str | None:
    """``YYYY-MM-DD HH:MM:SS[.ffffff]`` (SQLAlchemy's SQLite storage) as :func:`iso` writes it."""
    if value is None:
        return None
    if len(value) == 26 and value[19] == ".":
        fraction = "" if value.endswith(".000000") else value[19:]
        return f"{value[:10]}T{value[11:19]}{fraction}+00:00"
    if len(value) == 19:
        return f"{value[:10]}T{value[11:19]}+00:00"
    return iso(dt.datetime.fromisoformat(value).replace(tzinfo=dt.timezone.utc))


class Shape:
    """The fields of an API object taken from one table.

    `plain` columns are shown as stored, `times` as ISO text; `raw` columns (for fields computed
    from them) follow, unshown. ``columns()`` selects them in that order; ``from_row()`` and
    ``from_object()`` both give ``(fields, raw values)``.
    """

    def __init__(self, plain: Sequence[str], times: Sequence[str], raw: Sequence[str] = ()) -> None:
        self.plain = tuple(plain)
        self.times = tuple(times)
        self.raw = tuple(raw)
        self.names = self.plain + self.times
        self.width = len(self.names) + len(self.raw)

    def columns(self, table: FromClause, prefix: str = "") -> list[ColumnElement[Any]]:
        """The shape's columns of `table` (or an alias of it), labelled ``prefix + name``."""
        c = table.c
        shown = [c[n].label(prefix + n) for n in self.plain]
        shown += [type_coerce(c[n], IsoTimestamp()).label(prefix + n) for n in self.times]
        return shown + [c[n].label(f"{prefix}raw_{n}") for n in self.raw]

    def from_row(self, row: Sequence[Any], start: int = 0) -> tuple[dict[str, Any], Sequence[Any]]:
        """The fields and raw values of a row selected with :meth:`columns` at `start`."""
        end = start + len(self.names)
        return dict(zip(self.names, row[start:end], strict=True)), row[end : start + self.width]

    def from_object(self, obj: Any) -> tuple[dict[str, Any], Sequence[Any]]:
        """The same from an ORM object."""
        fields = {n: getattr(obj, n) for n in self.plain}
        fields.update((n, iso(getattr(obj, n))) for n in self.times)
        return fields, tuple(getattr(obj, n) for n in self.raw)
