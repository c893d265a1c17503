"""A run's outcome: the words the API shows for it, and how a run's end is recorded (once, with
its alert)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from .. import emr
from ..core import Core
from ..db import utcnow
from ..notifications.service import notify
from .constants import FAILED, MISSED, MISSED_WORD, RUNNING_WORD, STOPPED, SUCCEEDED, TIMED_OUT
from .models import Job, JobRun

STOPPED_REASON = "Stopped."
_TIMED_OUT_PREFIX = "Run timed out after "

# (EMR status, how its reason starts or None for any, the outcome): the first match wins;
# an active status is "running". Written once, read by run_outcome.
_OUTCOME_RULES: tuple[tuple[str, str | None, str], ...] = (
    (MISSED, None, MISSED_WORD),
    (emr.TERMINATED_WITH_ERRORS, _TIMED_OUT_PREFIX, TIMED_OUT),
    (emr.TERMINATED_WITH_ERRORS, None, FAILED),
    (emr.TERMINATED, STOPPED_REASON, STOPPED),  # stopped locally
    (emr.TERMINATED, "USER_REQUEST", STOPPED),  # a cluster terminated by a person
    (emr.TERMINATED, None, SUCCEEDED),
)


def timed_out_reason(hours: int) -> str:
    """The status reason of a run stopped by its job's timeout."""
    return f"{_TIMED_OUT_PREFIX}{hours} h and was stopped."


def run_outcome(status: str, reason: str | None) -> str:
    """What happened to a run, in the words people use (the status stays EMR's)."""
    for rule_status, prefix, outcome in _OUTCOME_RULES:
        if status == rule_status and (prefix is None or (reason or "").startswith(prefix)):
            return outcome
    return RUNNING_WORD


def notify_run(session: Session, job: Job, run: JobRun, kind: str) -> bool:
    """Record ``run_failed`` or ``run_timed_out`` for a run, once."""
    when = f"{run.scheduled_at:%Y-%m-%d %H:%M} UTC"
    if kind == "run_timed_out":
        subject = f"Job {job.identifier} timed out"
        body = (
            f"The run of your job {job.identifier} scheduled at {when} was still running after "
            f"its timeout of {job.job_timeout_hours} h and was stopped. {run.status_reason}"
        )
    else:
        subject = f"Job {job.identifier}: a run failed"
        detail = run.status_reason or "no reason given"
        body = f"The run of your job {job.identifier} scheduled at {when} failed: {detail}"
        if run.error:
            body += (
                f"\nFailing cell {run.error.get('cell_index')}: "
                f"{run.error.get('ename')}: {run.error.get('evalue')}"
            )
        if run.output_notebook_key:
            body += f"\nThe executed notebook is {run.output_notebook_key}."
    return notify(
        session,
        owner=job.owner,
        kind=kind,
        subject=subject,
        body=body,
        object_type="run",
        object_id=run.id,
        dedupe_key=f"{kind}:{run.id}",
    )


def finish_run(
    core: Core,
    run_id: int,
    status: str,
    reason: str,
    *,
    error: dict[str, Any] | None = None,
    output_key: str | None = None,
    notify_kind: str | None = None,
    finished_at: dt.datetime | None = None,
) -> bool:
    """Record the end of a run that is still active; False when it had already ended.

    The output key is stored either way (a stopped run still wrote its notebook).
    """
    with core.store.session() as session:
        run = session.get(JobRun, run_id, with_for_update=True)
        if run is None:
            return False
        if output_key:
            run.output_notebook_key = output_key
        if run.status not in emr.ACTIVE_STATES:
            return False
        run.status = status
        run.status_reason = reason
        run.error = error
        run.finished_at = finished_at or utcnow()
        session.flush()
        if notify_kind:
            notify_run(session, run.job, run, notify_kind)
        return True
