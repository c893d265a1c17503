"""Keyset pagination for list routes: cost per page stays flat however deep the page is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

from .errors import ValidationFailed

MAX_PAGE_SIZE = 1000


@dataclass(frozen=True)
class Page:
    """One page of a list, newest first, and the cursor of the next one (None at the end)."""

    items: list[dict[str, Any]]
    next_cursor: str | None


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
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) > 2**63 - 1:
        raise ValidationFailed({"cursor": "Pass the next_cursor of the previous page."})
    return int(text)


def keyset_page(
    session: Session,
    query: Select[Any],
    key: InstrumentedAttribute[int],
    limit: int,
    cursor: str | None,
    serialise: Callable[[Any], dict[str, Any]],
) -> Page:
    """Rows of `query` with ``key < cursor``, by descending key, at most `limit` of them.

    `query` selects a table (``select(Model.__table__)``) and runs on the session's connection:
    plain rows, several times cheaper than ORM objects, with the attribute names `serialise`
    expects.
    """
    limit = parse_limit(limit, limit)
    after = parse_cursor(cursor)
    if after is not None:
        query = query.where(key < after)
    rows = list(session.connection().execute(query.order_by(key.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = str(getattr(rows[-1], key.key)) if more and rows else None
    return Page([serialise(r) for r in rows], next_cursor)
