"""Small checks shared by the features; each names the field it rejects."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any

from .errors import ValidationFailed

IDENTIFIER_RE = re.compile(r"^[a-z0-9-]{1,100}$")
IDENTIFIER_HELP = "Use 1 to 100 lowercase letters, digits and hyphens."
# Characters a one-line name can't hold (NUL can't even be stored in PostgreSQL).
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
# A ``\uD800``-``\uDFFF`` escape: JSON allows lone surrogates, which no store can hold.
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class LoneSurrogate(ValueError):
    """JSON holding a ``\\uD800``-``\\uDFFF`` escape on its own: valid JSON, but no UTF-8 text
    (a store's, a notebook file's) can hold the string it makes."""


def refuse_lone_surrogates(value: Any) -> None:
    """LoneSurrogate when a string in the JSON value `value` holds a lone surrogate."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise LoneSurrogate("a \\uD800-\\uDFFF escape on its own") from None


# Dates a schedule can compute with (occurrences after 9999-12-31 don't exist in Python).
MIN_YEAR, MAX_YEAR = 1970, 9000


def require_object(body: object) -> Mapping[str, Any]:
    """The request body must be a JSON object."""
    if not isinstance(body, Mapping):
        raise ValidationFailed({"body": "Send a JSON object."})
    return body


def is_valid_identifier(value: object) -> bool:
    return isinstance(value, str) and IDENTIFIER_RE.fullmatch(value) is not None


def check_identifier(value: object, field: str = "identifier") -> str:
    if not is_valid_identifier(value):
        raise ValidationFailed(
            {field: f"Identifier contains invalid characters. {IDENTIFIER_HELP}"}
        )
    assert isinstance(value, str)
    return value


def check_int(value: object, field: str, low: int, high: int | None) -> int:
    """A JSON integer (not a bool, string or float) within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed({field: "Enter a whole number."})
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ValidationFailed({field: f"Must be {bound}."})
    return value


def check_datetime(value: object, field: str) -> dt.datetime:
    """An ISO 8601 datetime; a value without an offset is taken as UTC."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed(
            {field: "Enter a date and time in ISO 8601 (e.g. 2026-01-31T09:00:00Z)."}
        )
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(text)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.timezone.utc)
        parsed = parsed.astimezone(dt.timezone.utc)  # OverflowError at year 1 or 9999
    except (ValueError, OverflowError):
        raise ValidationFailed(
            {field: "Enter a date and time in ISO 8601 (e.g. 2026-01-31T09:00:00Z)."}
        ) from None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise ValidationFailed({field: f"Use a date between the years {MIN_YEAR} and {MAX_YEAR}."})
    return parsed


def iso(value: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC with an explicit offset."""
    if value is None:
        return None
    if value.tzinfo is not dt.timezone.utc:  # what the store returns already is
        value = value.astimezone(dt.timezone.utc)
    return value.isoformat()


def fields_of(obj: Any, plain: tuple[str, ...], times: tuple[str, ...]) -> dict[str, Any]:
    """An API object's fields from a row: `plain` ones as stored, `times` in ISO 8601."""
    fields = {name: getattr(obj, name) for name in plain}
    fields.update((name, iso(getattr(obj, name))) for name in times)
    return fields


class Collector:
    """Gathers field errors so that one response names every bad field."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def check(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ValidationFailed as exc:
            self.errors.update(exc.errors)
            return None

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)
