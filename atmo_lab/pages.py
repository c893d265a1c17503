"""Keyset pagination for list routes: cost per page stays flat however deep the page is."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVarTuple, Unpack

from sqlalchemy import BigInteger, Integer, Row, Select, bindparam
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.sql import ColumnElement

from .errors import ValidationFailed

MAX_PAGE_SIZE = 1000
NO_CURSOR = 2**63 - 1  # the largest cursor parse_cursor accepts
Columns = TypeVarTuple("Columns")


@dataclass(frozen=True)
class Page:
    """One page of a list, newest first, and the cursor of the next one (None at the end);
    `total` is how many the whole list holds, on the first page of a counted list."""

    items: list[dict[str, Any]]
    next_cursor: str | None
    total: int | None = None

    def to_json(self, name: str) -> str:
        """``{name: [items], "next_cursor": ..., "total": ...}`` as the API answers it
        (``total`` only when counted)."""
        reply: dict[str, Any] = {name: self.items, "next_cursor": self.next_cursor}
        if self.total is not None:
            reply["total"] = self.total
        return json.dumps(reply)


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


def keyset_page(
    session: Session,
    query: Select[Unpack[Columns]],
    key: QueryableAttribute[int] | ColumnElement[int],
    to_item: Callable[[Row[Unpack[Columns]]], dict[str, Any]],
    limit: int | str | None,
    cursor: str | None,
    page_size: int,
    count: Select[int] | None = None,
) -> Page:
    """At most `limit` rows (`page_size` when it is not given) of `query` after `cursor`,
    newest first by `key`, each made an item by `to_item`.

    `count` (a ``SELECT count(...)`` of the same rows) gives the first page its `total`; it
    runs only when there is more than one page, as a shorter list counts itself.

    PostgreSQL plans a statement whose LIMIT is a parameter anew at every execution, so the
    page size is written into the SQL.
    """
    limit = parse_limit(limit, page_size)
    after = parse_cursor(cursor)
    page = (
        query.where(key < bindparam("page_after", NO_CURSOR if after is None else after,
                                    type_=BigInteger))
        .order_by(key.desc())
        .limit(bindparam("page_rows", limit + 1, type_=Integer, literal_execute=True))
    )  # fmt: skip
    rows = session.execute(page).all()
    items = [to_item(row) for row in rows[:limit]]
    next_cursor = str(items[-1]["id"]) if len(rows) > limit else None
    total = None
    if count is not None and after is None:
        total = len(items) if next_cursor is None else session.scalar(count)
    return Page(items, next_cursor, total)
