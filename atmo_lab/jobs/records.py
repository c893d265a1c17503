"""Job and run rows as the API shows them, and how a run's outcome is recorded."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from sqlalchemy import ScalarSelect, Select, select, true
from sqlalchemy.orm import QueryableAttribute, Session, aliased
from sqlalchemy.sql import ColumnElement

from .. import emr
from ..core import Core
from ..db import utcnow
from ..notifications.service import notify
from ..validation import fields_of
from .models import Job, JobRun
from .rules import MISSED

RUN_FIELDS = ("id", "job_id", "status", "status_reason", "jobflow_id", "executor", "is_manual",
              "output_notebook_key", "error")  # fmt: skip
RUN_TIMES = ("scheduled_at", "started_at", "ready_at", "finished_at", "created_at",
             "output_pruned_at")  # fmt: skip
JOB_FIELDS = ("id", "identifier", "description", "notebook_name", "notebook_s3_key",
              "result_visibility", "size", "interval_in_hours", "schedule", "timezone",
              "job_timeout_hours", "is_enabled", "emr_release", "parameters", "executor",
              "owner")  # fmt: skip
JOB_TIMES = ("start_date", "end_date", "expired_date", "next_run_at", "created_at", "modified_at")


# --- a run's outcome in words ------------------------------------------------------------------

SUCCEEDED, FAILED, TIMED_OUT, MISSED_WORD, RUNNING_WORD, STOPPED = (
    "succeeded", "failed", "timed out", "missed", "running", "stopped",
)  # fmt: skip
OUTCOMES = (SUCCEEDED, FAILED, TIMED_OUT, MISSED_WORD, RUNNING_WORD, STOPPED)
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


def run_to_dict(run: JobRun) -> dict[str, Any]:
    item = fields_of(run, RUN_FIELDS, RUN_TIMES)
    item["outcome"] = run_outcome(run.status, run.status_reason)
    item["is_active"] = run.status in emr.ACTIVE_STATES
    item["duration_seconds"] = (
        None
        if run.started_at is None or run.finished_at is None
        else max(0.0, (run.finished_at - run.started_at).total_seconds())
    )
    return item


def job_to_dict(job: Job, latest: JobRun | None) -> dict[str, Any]:
    item = fields_of(job, JOB_FIELDS, JOB_TIMES)
    item["latest_run"] = run_to_dict(latest) if latest is not None else None
    return item


def latest_run_id(job_id: ColumnElement[int] | QueryableAttribute[int] | int) -> ScalarSelect[int]:
    """The id of a job's newest run, missed occurrences aside."""
    return _newest_run(select(JobRun.id), job_id).scalar_subquery()


def _newest_run(
    query: Select[Any], job_id: ColumnElement[int] | QueryableAttribute[int] | int
) -> Select[Any]:
    """`query` narrowed to a job's newest run, missed occurrences aside."""
    return (
        query.where(JobRun.job_id == job_id, JobRun.status != MISSED)
        .order_by(JobRun.id.desc())
        .limit(1)
    )


@functools.cache
def jobs_with_latest_run(lateral: bool) -> Select[Job, JobRun]:
    """Jobs, each with its latest run (None when it has none); built once (a select is
    immutable), as building its aliases takes longer than reading a page.

    `lateral` (PostgreSQL): the latest run is a LATERAL subquery, which the planner looks up
    per job of the page; joined on a correlated subquery it may hash every run of the table
    instead. SQLite has no LATERAL and looks the correlated subquery up per row anyway.
    """
    if lateral:
        latest = aliased(JobRun, _newest_run(select(JobRun), Job.id).lateral("latest_run"))
        return select(Job, latest).outerjoin(latest, true())
    latest = aliased(JobRun, name="latest_run")
    return select(Job, latest).outerjoin(latest, latest.id == latest_run_id(Job.id).correlate(Job))


def latest_run(session: Session, job_id: int) -> JobRun | None:
    return session.scalars(select(JobRun).where(JobRun.id == latest_run_id(job_id))).first()


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
