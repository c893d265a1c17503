"""When a job runs: interval grids anchored at ``start_date`` and cron in a time zone.

All instants are timezone-aware UTC. Occurrences never precede ``start_date`` nor follow
``end_date``.

- Interval jobs run at ``start_date + k * interval`` (k ≥ 0), in absolute hours, the way ATMO
  did (a "monthly" job runs every 720 h). The grid stays anchored at ``start_date``: editing a
  job never re-anchors it to the edit time.
- Cron jobs are evaluated on the wall clock of their IANA time zone, then stored in UTC. Daylight
  saving time follows Vixie cron: a wall time that does not exist (spring forward) runs at the
  transition; a wall time that happens twice (fall back) runs once, unless the hour field is a
  wildcard (``*``, ``*/2``), in which case both passes run.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from dataclasses import dataclass
from typing import Any

from croniter import croniter

from ..errors import ValidationFailed
from .constants import DEFAULT_TIMEZONE, JOB_INTERVALS

UTC = dt.timezone.utc
_EPSILON = dt.timedelta(microseconds=1)
_MARGIN = dt.timedelta(hours=3)  # larger than any DST shift in tzdb (at most 2 h)
_MAX_STEPS = 20_000


@functools.lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) | {"UTC"}


def check_timezone(value: object, field: str = "timezone") -> str:
    """An IANA time zone name (``Europe/Berlin``); UTC when omitted."""
    if value is None or value == "":
        return DEFAULT_TIMEZONE
    if not isinstance(value, str) or value not in _zone_names():
        raise ValidationFailed({field: "Use an IANA time zone name such as UTC or Europe/Berlin."})
    return value


def check_interval(value: object, field: str = "interval_in_hours") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in JOB_INTERVALS:
        choices = ", ".join(str(i) for i in JOB_INTERVALS)
        raise ValidationFailed({field: f"Choose {choices} (daily, weekly or monthly = 30 days)."})
    return value


def check_cron(value: object, field: str = "schedule") -> str:
    """A five-field cron expression (minute hour day-of-month month day-of-week) that runs."""
    help_text = (
        "Use a five-field cron expression: minute hour day-of-month month day-of-week "
        "(for example 0 9 * * 1-5)."
    )
    if not isinstance(value, str) or len(value.split()) != 5:
        raise ValidationFailed({field: help_text})
    expr = " ".join(value.split())
    try:
        valid = croniter.is_valid(expr)
    except Exception:  # noqa: BLE001 - croniter raises a variety of errors on odd input
        valid = False
    if not valid:
        raise ValidationFailed({field: help_text})
    try:
        croniter(expr, dt.datetime(2000, 1, 1)).get_next(dt.datetime)
    except Exception:  # noqa: BLE001 - CroniterBadDateError and friends
        raise ValidationFailed({field: "This cron expression never matches a date."}) from None
    return expr


@dataclass(frozen=True)
class Schedule:
    """The occurrences of one job."""

    start_date: dt.datetime
    end_date: dt.datetime | None = None
    interval_in_hours: int | None = None
    cron: str | None = None
    timezone: str = DEFAULT_TIMEZONE

    @classmethod
    def of(cls, job: Any) -> Schedule:
        return cls(
            start_date=job.start_date,
            end_date=job.end_date,
            interval_in_hours=job.interval_in_hours,
            cron=job.schedule,
            timezone=job.timezone or DEFAULT_TIMEZONE,
        )

    # --- queries -------------------------------------------------------------------------

    def first_at_or_after(self, t: dt.datetime) -> dt.datetime | None:
        """The earliest occurrence ≥ t (None when there is none before ``end_date``)."""
        return self.first_after(t - _EPSILON)

    def first_after(self, t: dt.datetime) -> dt.datetime | None:
        """The earliest occurrence > t."""
        after = max(t, self.start_date - _EPSILON)
        if self.cron:
            found = _cron_first_after(self.cron, self._zone, after)
        else:
            step = self._step
            if after < self.start_date:
                found = self.start_date
            else:
                found = self.start_date + ((after - self.start_date) // step + 1) * step
        return self._bounded(found)

    def latest_at_or_before(self, t: dt.datetime) -> dt.datetime | None:
        """The latest occurrence ≤ t (None when none has happened by then)."""
        if self.end_date is not None:
            t = min(t, self.end_date)
        if t < self.start_date:
            return None
        if self.cron:
            found = _cron_latest_at_or_before(self.cron, self._zone, t)
            return found if found is not None and found >= self.start_date else None
        return self.start_date + ((t - self.start_date) // self._step) * self._step

    def next_runs(self, now: dt.datetime, count: int) -> list[dt.datetime]:
        """The first `count` runs of a job created at `now`: its first occurrence (at once,
        when that has passed), then the ones after it."""
        runs: list[dt.datetime] = []
        found = self.first_at_or_after(self.start_date)
        if found is not None and found < now:
            runs.append(now)
            found = self.first_after(now)
        while found is not None and len(runs) < count:
            runs.append(found)
            found = self.first_after(found)
        return runs

    # --- helpers -------------------------------------------------------------------------

    @property
    def _step(self) -> dt.timedelta:
        return dt.timedelta(hours=self.interval_in_hours or JOB_INTERVALS[1])

    @property
    def _zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone or DEFAULT_TIMEZONE)

    def _bounded(self, found: dt.datetime | None) -> dt.datetime | None:
        if found is None or (self.end_date is not None and found > self.end_date):
            return None
        return found


# --- cron on a wall clock ----------------------------------------------------------------------


def _wall(t: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    return t.astimezone(zone).replace(tzinfo=None)


def _hour_is_wildcard(expr: str) -> bool:
    return expr.split()[1].startswith("*")


def _instants(wall: dt.datetime, zone: zoneinfo.ZoneInfo, both_folds: bool) -> list[dt.datetime]:
    """The UTC instants at which a wall-clock time of `zone` fires."""
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if first == second:
        return [first]
    if _wall(first, zone) != wall:
        # Skipped by a spring-forward gap: run at the transition (first instant after it).
        return [_transition(min(first, second), max(first, second), zone)]
    # Repeated by a fall-back: once, or in both passes for wildcard hours.
    return [first, second] if both_folds else [first]


def _transition(low: dt.datetime, high: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """The first instant in (low, high] whose UTC offset is the one at `high`."""
    target = high.astimezone(zone).utcoffset()
    step = dt.timedelta(seconds=1)
    while high - low > step:
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if middle <= low:
            break
        if middle.astimezone(zone).utcoffset() == target:
            high = middle
        else:
            low = middle
    return high


def _cron_first_after(expr: str, zone: zoneinfo.ZoneInfo, after: dt.datetime) -> dt.datetime | None:
    both = _hour_is_wildcard(expr)
    try:
        walls = croniter(expr, _wall(after, zone) - _MARGIN)
        best: dt.datetime | None = None
        for _ in range(_MAX_STEPS):
            wall = walls.get_next(dt.datetime)
            if best is not None and wall > _wall(best, zone) + _MARGIN:
                break
            for instant in _instants(wall, zone, both):
                if instant > after and (best is None or instant < best):
                    best = instant
        return best
    except Exception:  # noqa: BLE001 - never matches again (croniter gives up after years)
        return None


def _cron_latest_at_or_before(
    expr: str, zone: zoneinfo.ZoneInfo, t: dt.datetime
) -> dt.datetime | None:
    both = _hour_is_wildcard(expr)
    try:
        walls = croniter(expr, _wall(t, zone) + _MARGIN + _EPSILON)
        best: dt.datetime | None = None
        for _ in range(_MAX_STEPS):
            wall = walls.get_prev(dt.datetime)
            if best is not None and wall < _wall(best, zone) - _MARGIN:
                break
            for instant in _instants(wall, zone, both):
                if instant <= t and (best is None or instant > best):
                    best = instant
        return best
    except Exception:  # noqa: BLE001 - as above
        return None
