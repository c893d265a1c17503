"""Regenerate src/__tests__/cron-golden.json: next cron runs as the server computes them.

The frontend previews cron schedules with its own helper (src/cron.ts); this file holds the
server's answers (atmo_lab.jobs.schedule, croniter on the zone's wall clock) for schedules
across daylight-saving changes, so the jest test can check that both agree.

    cd labextension && ../.venv/bin/python scripts/cron_golden.py
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from atmo_lab.jobs.schedule import Schedule  # noqa: E402

EXPRESSIONS = [
    "0 6 * * 1",
    "30 2 * * *",
    "30 * * * *",
    "*/15 2 * * *",
    "0 0 1 * 5",
    "0 0 29 2 *",
    "5 4 * * sun",
    "0 9-17/2 * * 1-5",
]
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago"]
AFTER = [
    "2026-03-28T12:00:00+00:00",  # Europe springs forward the next night
    "2026-10-24T12:00:00+00:00",  # Europe falls back the next night
    "2026-11-01T04:00:00+00:00",  # New York falls back
    "2026-04-04T12:00:00+00:00",  # Santiago and Lord Howe fall back
]


def main() -> None:
    cases = []
    for expression in EXPRESSIONS:
        for zone in ZONES:
            for after in AFTER:
                schedule = Schedule(
                    start_date=dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc),
                    cron=expression,
                    timezone=zone,
                )
                t: dt.datetime | None = dt.datetime.fromisoformat(after)
                runs = []
                for _ in range(3):
                    t = schedule.first_after(t) if t else None
                    if t is None:
                        break
                    runs.append(t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"))
                cases.append({"expression": expression, "zone": zone, "after": after, "runs": runs})
    target = HERE.parent / "src" / "__tests__" / "cron-golden.json"
    target.write_text(json.dumps(cases, indent=1) + "\n")
    print(f"{len(cases)} cases written to {target}")


if __name__ == "__main__":
    main()
