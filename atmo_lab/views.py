"""API objects in one shape, written as JSON by the store (lists) or read from ORM objects.

A list page is the hot path of the sidebar and of API clients walking everything. Its rows are
written as JSON text by the database itself (SQLite's ``json_object``, PostgreSQL's
``json_build_object``), timestamps formatted as :func:`~atmo_lab.validation.iso` writes them:
no Python object is made per value, and the page is sent as the texts joined (the approach of
PostgREST). Objects a request has just changed go through :meth:`Shape.from_object`, which
gives the same dictionary (tests/test_views.py holds the two to each other on both stores).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, Text, literal_column
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement, FromClause
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from .validation import iso


class Shape:
    """The fields of an API object taken from one table: `plain` columns shown as stored,
    `times` as ISO 8601 text; fields computed from the row are passed to :meth:`json`."""

    def __init__(self, plain: Sequence[str], times: Sequence[str]) -> None:
        self.plain = tuple(plain)
        self.times = tuple(times)

    def json(
        self, table: FromClause, computed: Mapping[str, ColumnElement[Any]] | None = None
    ) -> ColumnElement[Any]:
        """The object of a row of `table` (or of an alias of it), as a JSON expression; nest
        it in another's `computed` fields or select it with :func:`as_text`."""
        c = table.c
        fields: dict[str, ColumnElement[Any]] = {n: _shown(c[n]) for n in self.plain}
        fields.update((n, iso_text(c[n])) for n in self.times)
        fields.update(computed or {})
        return json_object(fields)

    def from_object(self, obj: Any) -> dict[str, Any]:
        """The same fields of an ORM object (computed ones are the caller's)."""
        fields = {n: getattr(obj, n) for n in self.plain}
        fields.update((n, iso(getattr(obj, n))) for n in self.times)
        return fields


def _shown(column: ColumnElement[Any]) -> ColumnElement[Any]:
    if isinstance(column.type, Boolean):
        return json_bool(column)
    if isinstance(column.type, JSON):
        return json_value(column)
    return column


def one_of(column: ColumnElement[Any], values: Sequence[str]) -> ColumnElement[bool]:
    """``column IN (values)`` with the values written into the statement (constants such as
    EMR states: an expanding parameter would be rewritten at every execution)."""
    return column.in_([constant(value) for value in values])


def constant(value: str) -> ColumnElement[str]:
    """A text constant written into the statement, not bound: PostgreSQL keeps the plan of a
    prepared statement only where the parameters left can't change it (a list page's latest
    run "not MISSED" as a parameter: planned anew at every page, see :func:`~atmo_lab.pages.paged`).
    """
    return literal_column("'" + value.replace("'", "''") + "'")


def json_object(fields: Mapping[str, ColumnElement[Any]]) -> ColumnElement[Any]:
    """A JSON object of named SQL values."""
    args: list[Any] = []
    for name, value in fields.items():
        args += [literal_column(f"'{name}'"), value]  # our own field names: no quoting needed
    return _JsonObject(*args)


# --- SQL written per dialect ---------------------------------------------------------------------
#
# Each construct writes itself for SQLite (3.38+, or earlier builds with JSON1) and PostgreSQL,
# the stores atmo_lab supports; any other dialect gets a CompileError naming the construct.

Writer = Callable[[list[str]], str]  # the SQL of a construct from the SQL of its arguments


def _sqlite_fixed(column: str) -> str:
    """SQLAlchemy's SQLite timestamp text, ``YYYY-MM-DD HH:MM:SS.ffffff``, however it was
    written (``CURRENT_TIMESTAMP`` and hand-written rows may lack or shorten the fraction)."""
    return (
        f"substr(CASE WHEN length({column}) = 19 THEN {column} || '.000000' "
        f"ELSE {column} || '00000' END, 1, 26)"
    )


def _iso_from_fixed(text: str) -> str:
    """``YYYY-MM-DD?HH:MM:SS.ffffff`` as :func:`iso` writes it."""
    return f"replace({text} || '+00:00', '.000000+', '+')"


def _sqlite_iso(column: str) -> str:
    as_written = _iso_from_fixed(f"replace({column}, ' ', 'T')")
    any_form = _iso_from_fixed(f"replace({_sqlite_fixed(column)}, ' ', 'T')")
    # what SQLAlchemy writes is tested first: it needs no rewriting (~0.1 µs a value)
    return f"CASE WHEN length({column}) = 26 THEN {as_written} ELSE {any_form} END"


class _PerDialect(FunctionElement[Any]):
    type = Text()
    inherit_cache = True
    dialects: ClassVar[dict[str, Writer]] = {}


class _JsonObject(_PerDialect):
    inherit_cache = True
    dialects: ClassVar[dict[str, Writer]] = {
        "sqlite": lambda a: f"json_object({', '.join(a)})",
        "postgresql": lambda a: f"json_build_object({', '.join(a)})",
    }


class as_text(_PerDialect):
    """A JSON expression selected as its text (PostgreSQL would hand drivers a parsed value)."""

    inherit_cache = True
    dialects: ClassVar[dict[str, Writer]] = {
        "sqlite": lambda a: a[0],
        "postgresql": lambda a: f"CAST({a[0]} AS TEXT)",
    }


class iso_text(_PerDialect):
    """A stored UTC timestamp as ISO 8601 text with ``+00:00``, microseconds only when not 0."""

    inherit_cache = True
    dialects: ClassVar[dict[str, Writer]] = {
        "sqlite": lambda a: _sqlite_iso(a[0]),
        "postgresql": lambda a: _iso_from_fixed(
            f"""to_char({a[0]}, 'YYYY-MM-DD"T"HH24:MI:SS.US')"""
        ),
    }


class json_bool(_PerDialect):
    """A boolean SQL value as JSON ``true``/``false`` (SQLite stores them as 1/0)."""

    inherit_cache = True
    dialects: ClassVar[dict[str, Writer]] = {
        "sqlite": lambda a: (
            f"CASE WHEN ({a[0]}) THEN json('true') WHEN NOT ({a[0]}) THEN json('false') END"
        ),
        "postgresql": lambda a: a[0],
    }


class json_value(_PerDialect):
    """A JSON column embedded as JSON, not as a string."""

    inherit_cache = True
    dialects: ClassVar[dict[str, Writer]] = {
        "sqlite": lambda a: f"json({a[0]})",
        "postgresql": lambda a: a[0],
    }


class seconds_between(_PerDialect):
    """``(end - start)`` in seconds as a number, at least 0; null when either is null."""

    inherit_cache = True
    dialects: ClassVar[dict[str, Writer]] = {
        # Whole seconds from strftime, microseconds from the text: exact, as timedelta computes.
        "sqlite": lambda a: (
            f"max(0.0, ((strftime('%s', {a[1]}) - strftime('%s', {a[0]})) * 1000000"
            f" + (substr({_sqlite_fixed(a[1])}, 21) - substr({_sqlite_fixed(a[0])}, 21)))"
            " / 1000000.0)"
        ),
        "postgresql": lambda a: (
            f"CASE WHEN {a[0]} IS NULL OR {a[1]} IS NULL THEN NULL"
            f" ELSE CAST(GREATEST(0, EXTRACT(EPOCH FROM {a[1]} - {a[0]})) AS NUMERIC(20, 6)) END"
        ),
    }


@compiles(_PerDialect)
def _compile(element: _PerDialect, compiler: SQLCompiler, **kw: Any) -> str:
    write = element.dialects.get(compiler.dialect.name)
    if write is None:
        raise CompileError(
            f"{type(element).__name__}: atmo_lab's lists need a SQLite or PostgreSQL store, "
            f"not {compiler.dialect.name}"
        )
    return write([compiler.process(arg, **kw) for arg in element.clauses.clauses])
