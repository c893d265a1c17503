"""Small pieces shared by the panels: error labels, badges, visibility, closing."""

from __future__ import annotations

import datetime as dt
import html
import logging
from collections.abc import Iterable, Mapping

import ipywidgets as W

from ..errors import AtmoError

log = logging.getLogger(__name__)

BIG = 2**31 - 1  # "no upper bound" for bounded inputs (maintainers' sizes)
DESCRIPTION = {"description_width": "120px"}

_BADGE_COLOURS = {
    "STARTING": "#f0ad4e",
    "BOOTSTRAPPING": "#f0ad4e",
    "RUNNING": "#5cb85c",
    "WAITING": "#5cb85c",
    "TERMINATING": "#777777",
    "TERMINATED": "#777777",
    "TERMINATED_WITH_ERRORS": "#d9534f",
}


def error_label() -> W.HTML:
    """An (initially empty) red message shown under a field."""
    return W.HTML(value="", layout=W.Layout(margin="0 0 4px 124px"))


def error_html(text: str) -> str:
    if not text:
        return ""
    return (
        "<span style='color: var(--jp-error-color1, #d32f2f); font-size: 90%'>"
        f"{html.escape(text)}</span>"
    )


def info_html(text: str) -> str:
    return f"<span style='font-size: 90%'>{html.escape(text)}</span>"


def badge(status: str | None) -> str:
    """A coloured status badge."""
    text = status or "UNKNOWN"
    colour = _BADGE_COLOURS.get(text, "#777777")
    return (
        f"<span style='background: {colour}; color: white; border-radius: 3px; "
        f"padding: 1px 6px; font-size: 85%'>{html.escape(text)}</span>"
    )


def show(widget: W.Widget, visible: bool) -> None:
    """Show or hide a widget (hidden widgets take no space)."""
    widget.layout.display = "" if visible else "none"


def is_shown(widget: W.Widget) -> bool:
    return bool(widget.layout.display != "none")


def format_delta(delta: dt.timedelta) -> str:
    """``2 h 05 min`` / ``4 min`` / ``1 d 3 h``."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min"


def parse_time(value: object) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else None


def close_tree(widgets: Iterable[W.Widget]) -> None:
    """Close widgets and their descendants (closing a box does not close its children)."""
    for widget in widgets:
        children = getattr(widget, "children", ())
        close_tree(children)
        widget.close()


def show_error(
    exc: BaseException,
    fields: Mapping[str, W.HTML],
    message: W.HTML,
    summary: str = "Please correct the fields marked below.",
) -> None:
    """Put each field error of `exc` under its field; everything else in `message`."""
    if not isinstance(exc, AtmoError):
        log.exception("unexpected error in a widget action", exc_info=exc)
        message.value = error_html(f"Unexpected error: {type(exc).__name__}: {exc}")
        return
    unplaced = {name: text for name, text in exc.errors.items() if name not in fields}
    for name, text in exc.errors.items():
        if name in fields:
            fields[name].value = error_html(text)
    if unplaced or not exc.errors:
        message.value = error_html(exc.message)
    else:
        message.value = error_html(summary)


def clear_errors(fields: Mapping[str, W.HTML], message: W.HTML | None = None) -> None:
    for label in fields.values():
        label.value = ""
    if message is not None:
        message.value = ""


def field_layout(width: str = "420px") -> W.Layout:
    """A fresh layout for a form field (layouts are widgets: never share one)."""
    return W.Layout(width=width)
