"""Job and run rows as the API shows them (``job_to_dict``, ``run_to_dict``), and the queries
for a job's latest and active run."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import ScalarSelect, Select, select, true
from sqlalchemy.orm import QueryableAttribute, Session, aliased
from sqlalchemy.sql import ColumnElement

from .. import emr
from ..validation import fields_of
from .constants import MISSED
from .models import Job, JobRun
from .outcomes import run_outcome

RUN_FIELDS = ("id", "job_id", "status", "status_reason", "jobflow_id", "executor", "is_manual",
              "output_notebook_key", "error")  # fmt: skip
RUN_TIMES = ("scheduled_at", "started_at", "ready_at", "finished_at", "created_at",
             "output_pruned_at")  # fmt: skip
JOB_FIELDS = ("id", "identifier", "description", "notebook_name", "notebook_s3_key",
              "result_visibility", "size", "interval_in_hours", "schedule", "timezone",
              "job_timeout_hours", "is_enabled", "emr_release", "parameters", "executor",
              "owner")  # fmt: skip
JOB_TIMES = ("start_date", "end_date", "expired_date", "next_run_at", "created_at", "modified_at")


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
