"""The worker's periodic work for jobs: due runs exactly once, timeouts, expiry.

Occurrences are claimed atomically in the store (``claim_due_jobs``), so any number of workers
start each occurrence once; a claimed occurrence stays marked pending until it is handled, so
one claimed by a worker that died is started by the next tick instead of being lost. An occurrence whose previous run is still active is re-checked
every 10 minutes, up to 9 times, as ATMO did; then it is recorded as missed, never dropped
silently.
"""

from __future__ import annotations

import datetime as dt
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..core import Core
from ..db import utcnow
from ..worker.registry import periodic, task
from . import local_executor
from .outputs import prune_run_outputs
from .rows import active_run_id
from .runs import (
    claim_due_jobs,
    clear_pending,
    enforce_timeouts,
    expire_lapsed_jobs,
    launch_run,
    record_missed,
    stranded_occurrences,
)

log = logging.getLogger(__name__)

# Occurrences started at once: each mostly waits on RunJobFlow, so a tick with many due jobs
# overlaps their waits (boto3's standard retries absorb EMR's throttling).
LAUNCH_THREADS = 4
_LAUNCHES = ThreadPoolExecutor(max_workers=LAUNCH_THREADS, thread_name_prefix="atmo-lab-launch")

OVERLAP_RETRY_SECONDS = 600
OVERLAP_MAX_RETRIES = 9
RETRY_TASK = "retry_overlapping_occurrence"


def start_occurrence(core: Core, job_id: int, occurrence: dt.datetime, attempt: int = 0) -> str:
    """Start one claimed occurrence; what happened ("started", "retrying", "missed", "skipped")."""
    if launch_run(core, job_id, occurrence, manual=False) is not None:
        return "started"
    with core.store.reader() as session:
        still_running = active_run_id(session, job_id) is not None
    if not still_running:
        return "skipped"  # disabled, outside its dates, or deleted meanwhile
    if attempt >= OVERLAP_MAX_RETRIES:
        record_missed(
            core, job_id, occurrence,
            f"The previous run was still active after {attempt} checks "
            f"({attempt * OVERLAP_RETRY_SECONDS // 60} minutes).",
        )  # fmt: skip
        return "missed"
    core.worker.enqueue(
        RETRY_TASK, job_id, occurrence.isoformat(), attempt + 1, delay=OVERLAP_RETRY_SECONDS
    )
    return "retrying"


@task(RETRY_TASK)
def retry_overlapping_occurrence(core: Core, job_id: int, occurrence: str, attempt: int) -> str:
    """Re-check an occurrence that found the previous run still active."""
    return start_occurrence(core, job_id, dt.datetime.fromisoformat(occurrence), attempt)


@periodic("reconcile_local_runs", minutes=1)
def reconcile_local_runs(core: Core) -> dict[str, list[int]]:
    """Settle local runs whose supervising process died (also run when the server starts)."""
    return local_executor.reconcile_runs(core)


@periodic("run_due_jobs", minutes=1, max_retries=3)
def run_due_jobs(core: Core) -> dict[str, Any]:
    """Claim the due occurrences and start their runs (and any a dead worker left behind)."""
    outcomes: dict[str, list[int]] = {}
    now = utcnow()
    _handle(core, stranded_occurrences(core, now), outcomes)
    while True:
        claimed = claim_due_jobs(core, now)
        _handle(core, claimed, outcomes)
        if len(claimed) < 100:
            break
    return {name: ids for name, ids in sorted(outcomes.items())} or {"started": []}


def _handle(
    core: Core, claimed: list[tuple[int, dt.datetime]], outcomes: dict[str, list[int]]
) -> None:
    """Start the claimed occurrences, a few at a time, then mark the batch handled (unless one
    failed: the next tick starts what is left, :func:`stranded_occurrences`)."""
    started = [_LAUNCHES.submit(start_occurrence, core, job, at) for job, at in claimed]
    failure: BaseException | None = None
    for (job_id, _), future in zip(claimed, started, strict=True):
        try:
            outcomes.setdefault(future.result(), []).append(job_id)
        except Exception as exc:  # noqa: BLE001 - the others still run; the first is raised
            failure = failure or exc
    if failure is not None:
        raise failure
    if claimed:
        clear_pending(core, claimed)


@periodic("enforce_job_timeouts", minutes=1, max_retries=3)
def enforce_job_timeouts(core: Core) -> dict[str, list[int]]:
    """Stop runs that outlived their job's timeout."""
    return {"timed_out_runs": enforce_timeouts(core)}


@periodic("expire_lapsed_jobs", minutes=1)
def expire_jobs(core: Core) -> dict[str, list[str]]:
    """Expire jobs past their end date (one notification each)."""
    return {"expired": expire_lapsed_jobs(core)}


@periodic("prune_run_outputs", minutes=10)
def prune_outputs(core: Core) -> dict[str, list[int]]:
    """Delete the outputs of runs older than each job's newest ``run_outputs_kept``."""
    return {"pruned_runs": prune_run_outputs(core)}
