"""Job and run rows as the API shows them, and how a run's outcome is recorded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import emr
from ..core import Core
from ..notifications.service import notify
from ..store import utcnow
from ..validation import iso
from .models import Job, JobRun
from .rules import MISSED

# A JobRun, or a row of its table (lists read rows: same attribute names, far cheaper to load).
RunRecord = Any


def run_to_dict(run: RunRecord) -> dict[str, Any]:
    duration = None
    if run.started_at is not None and run.finished_at is not None:
        duration = max(0.0, (run.finished_at - run.started_at).total_seconds())
    return {
        "id": run.id,
        "job_id": run.job_id,
        "status": run.status,
        "status_reason": run.status_reason,
        "jobflow_id": run.jobflow_id,
        "executor": run.executor,
        "is_manual": run.is_manual,
        "is_active": run.status in emr.ACTIVE_STATES,
        "scheduled_at": iso(run.scheduled_at),
        "started_at": iso(run.started_at),
        "ready_at": iso(run.ready_at),
        "finished_at": iso(run.finished_at),
        "duration_seconds": duration,
        "output_notebook_key": run.output_notebook_key,
        "error": run.error,
        "created_at": iso(run.created_at),
    }


def job_to_dict(job: Job, latest: RunRecord | None) -> dict[str, Any]:
    return {
        "id": job.id,
        "identifier": job.identifier,
        "description": job.description,
        "notebook_name": job.notebook_name,
        "notebook_s3_key": job.notebook_s3_key,
        "result_visibility": job.result_visibility,
        "size": job.size,
        "interval_in_hours": job.interval_in_hours,
        "schedule": job.schedule,
        "timezone": job.timezone,
        "job_timeout_hours": job.job_timeout_hours,
        "start_date": iso(job.start_date),
        "end_date": iso(job.end_date),
        "expired_date": iso(job.expired_date),
        "is_enabled": job.is_enabled,
        "emr_release": job.emr_release,
        "parameters": job.parameters or {},
        "executor": job.executor,
        "next_run_at": iso(job.next_run_at),
        "latest_run": run_to_dict(latest) if latest is not None else None,
        "owner": job.owner,
        "created_at": iso(job.created_at),
        "modified_at": iso(job.modified_at),
    }


def latest_runs(session: Session, job_ids: Iterable[int]) -> dict[int, RunRecord]:
    """The newest run (missed occurrences aside) of each job, in one query."""
    ids = list(job_ids)
    if not ids:
        return {}
    newest = (
        select(func.max(JobRun.id))
        .where(JobRun.job_id.in_(ids), JobRun.status != MISSED)
        .group_by(JobRun.job_id)
    )
    rows = session.connection().execute(select(JobRun.__table__).where(JobRun.id.in_(newest)))
    return {run.job_id: run for run in rows}


def latest_run(session: Session, job_id: int) -> RunRecord | None:
    return latest_runs(session, [job_id]).get(job_id)


def active_run_id(session: Session, job_id: int) -> int | None:
    return session.scalar(
        select(JobRun.id)
        .where(JobRun.job_id == job_id, JobRun.status.in_(emr.ACTIVE_STATES))
        .order_by(JobRun.id.desc())
        .limit(1)
    )


# --- outcomes -----------------------------------------------------------------------------------


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
