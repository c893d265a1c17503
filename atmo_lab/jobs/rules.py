"""Rules of scheduled jobs (reference/atmo.md §2.4, §3.5)."""

from __future__ import annotations

INTERVAL_DAILY = 24
INTERVAL_WEEKLY = 168
INTERVAL_MONTHLY = 720
JOB_INTERVALS = (INTERVAL_DAILY, INTERVAL_WEEKLY, INTERVAL_MONTHLY)
