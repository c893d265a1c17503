"""Helpers of the crash tests (no tests here): notebooks that wait for a flag file, reading
runs straight from the store, waiting on conditions."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from atmo_lab.core import Core
from atmo_lab.jobs.models import JobRun

from .test_jobs_support import notebook


def gated_notebook(flag: Path, then: str = "print('done')") -> dict[str, Any]:
    """A notebook whose first cell waits until `flag` exists (at most 5 minutes)."""
    wait = (
        "import os, time\n"
        f"for _ in range(3000):\n    if os.path.exists({str(flag)!r}):\n        break\n"
        "    time.sleep(0.1)"
    )
    return notebook(wait, then)


def run_row(core: Core, run_id: int) -> JobRun:
    with core.store.reader() as session:
        run = session.get(JobRun, run_id)
        assert run is not None
        session.expunge(run)
        return run


def wait_for(predicate: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.2)
