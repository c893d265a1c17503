"""Keyset pagination for list routes: cost per page stays flat however deep the page is."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import BigInteger, Integer, Select, bindparam
from sqlalchemy.sql import ColumnElement

from .errors import ValidationFailed

MAX_PAGE_SIZE = 1000
PAGE_AFTER = "page_after"
PAGE_ROWS = "page_rows"
NO_CURSOR = 2**63 - 1  # the largest cursor parse_cursor accepts: "from the newest row"
# Runs a statement with parameters and returns its rows (:meth:`atmo_lab.store.Store.read_rows`).
RowReader = Callable[[Select[Any], Mapping[str, Any]], Sequence[Sequence[Any]]]


class Page:
    """One page of a list, newest first, and the cursor of the next one (None at the end).

    Its items are kept as the JSON texts the store wrote (:mod:`atmo_lab.views`): the API sends
    them joined, and :attr:`items` parses them for Python callers.
    """

    def __init__(self, texts: list[str], next_cursor: str | None) -> None:
        self.texts = texts
        self.next_cursor = next_cursor

    @functools.cached_property
    def items(self) -> list[dict[str, Any]]:
        return [json.loads(text) for text in self.texts]

    def to_json(self, name: str) -> str:
        """``{name: [items], "next_cursor": ...}`` as the API answers it."""
        return f'{{"{name}":[{",".join(self.texts)}],"next_cursor":{json.dumps(self.next_cursor)}}}'


def parse_limit(value: object, default: int) -> int:
    if value is None or value == "":
        return default
    text = str(value)
    if not (text.isascii() and text.isdigit() and len(text) <= 10) or not (
        1 <= int(text) <= MAX_PAGE_SIZE
    ):
        raise ValidationFailed({"limit": f"Use a whole number from 1 to {MAX_PAGE_SIZE}."})
    return int(text)


def check_owner(value: object) -> None:
    """``?owner=``: ``all`` (everyone's objects, for maintainers) or nothing."""
    if value not in (None, "", "all"):
        raise ValidationFailed(
            {"owner": "Use owner=all (maintainers see everyone's) or leave it out."}
        )


def parse_cursor(value: object) -> int | None:
    if value is None or value == "":
        return None
    text = str(value)
    # ASCII digits only ("²".isdigit() is true), and no larger than an id can be.
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) > NO_CURSOR:
        raise ValidationFailed({"cursor": "Pass the next_cursor of the previous page."})
    return int(text)


def paged(query: Select[Any], key: ColumnElement[int]) -> Select[Any]:
    """`query` newest first by `key`, from a cursor: run it with :func:`keyset_page`.

    The cursor is a bound parameter and the page size a number written into the SQL at each
    execution, so a statement built once (and cached by its caller) serves every page.
    PostgreSQL plans a statement whose LIMIT is a parameter anew at every execution (it can't
    tell how many rows a generic plan would fetch); with the number written in, it keeps the
    plan of the statement psycopg prepared: a 25-job page 1.28 → 0.95 ms.
    """
    return (
        query.where(key < bindparam(PAGE_AFTER, type_=BigInteger))
        .order_by(key.desc())
        .limit(bindparam(PAGE_ROWS, type_=Integer, literal_execute=True))
    )


def keyset_page(
    read_rows: RowReader,
    statement: Select[Any],
    params: dict[str, Any],
    limit: int | str | None,
    cursor: str | None,
    page_size: int,
) -> Page:
    """At most `limit` rows (`page_size` when it is not given) of a :func:`paged` statement
    after `cursor`, as a Page.

    The statement selects each row's ``id`` (the cursor is the last one's), then its object as
    JSON text (:func:`atmo_lab.views.as_text`).
    """
    limit = parse_limit(limit, page_size)
    after = parse_cursor(cursor)
    bound = {**params, PAGE_AFTER: NO_CURSOR if after is None else after, PAGE_ROWS: limit + 1}
    rows = read_rows(statement, bound)
    next_cursor = str(rows[limit - 1][0]) if len(rows) > limit else None
    return Page([row[1] for row in rows[:limit]], next_cursor)
