"""Starting and ending runs, whatever executes them; the worker's side of scheduling.

A run is recorded here, then handed to the executor its ``executor`` value names
(:data:`EXECUTORS_BY_NAME`; the interface is :class:`~atmo_lab.jobs.executor.Executor`), which
launches it, stops it and says when its time limit starts.

Exactly-once rules:

- A run row in an active status is inserted *before* a cluster is requested or a process
  started, in the same transaction that checked there was no active run (SQLite: ``BEGIN
  IMMEDIATE`` serialises writers; PostgreSQL: the job row is locked ``FOR UPDATE``). So a job
  never has two active runs, and a run whose launch failed is recorded as failed, never left
  without a status (ATMO's duplicate-run hole, §13).
- Due occurrences are claimed by moving ``next_run_at`` forward with a compare-and-set
  ``UPDATE … WHERE next_run_at = <old>``: however many workers tick, each occurrence is
  claimed once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from .. import emr
from ..core import Core
from ..db import rowcount, utcnow
from ..errors import AwsFailure, Conflict, NotFound
from ..notifications.service import notify
from ..validation import iso
from . import constants
from .emr_executor import EmrExecutor
from .executor import Executor, RunLaunch
from .local_executor import LocalExecutor
from .models import Job, JobRun
from .outcomes import finish_run, timed_out_reason
from .rows import active_run_id, run_to_dict
from .schedule import Schedule

log = logging.getLogger(__name__)

_TICK = dt.timedelta(microseconds=1)


EXECUTORS_BY_NAME: dict[str, Executor] = {
    constants.EXECUTOR_EMR: EmrExecutor(),
    constants.EXECUTOR_LOCAL: LocalExecutor(),
}


def executor_of(name: str) -> Executor:
    """The executor a run's (or job's) ``executor`` value names."""
    return EXECUTORS_BY_NAME[name]


# --- starting ------------------------------------------------------------------------------------


def start_run(
    core: Core, job_id: int, scheduled_at: dt.datetime, manual: bool
) -> dict[str, Any] | None:
    """Start a run of a job (:func:`launch_run`) and return it."""
    run_id = launch_run(core, job_id, scheduled_at, manual)
    return None if run_id is None else get_run_dict(core, run_id)


def launch_run(core: Core, job_id: int, scheduled_at: dt.datetime, manual: bool) -> int | None:
    """Start a run of a job (run-now and the scheduler share this decision tree);
    the id of the run, or None when none was started.

    - no such job: NotFound (run-now) / None (scheduled);
    - scheduled runs only: a disabled job, or an occurrence outside start/end dates → None;
    - a run of the job still active: Conflict (run-now) / None (the caller retries or records a
      missed occurrence);
    - otherwise the run is recorded active, then launched by its executor: a transient EMR
      cluster (RunJobFlow now) or a local papermill process (queued for the huey worker).

    A failed launch marks the run TERMINATED_WITH_ERRORS with the reason (and raises
    :class:`AwsFailure` for run-now).
    """
    launch = _record_run(core, job_id, scheduled_at, manual)
    if launch is None:
        return None
    try:
        executor_of(launch.executor).launch(core, launch, manual)
    except AwsFailure:
        if manual:
            raise
    return launch.run_id


def _record_run(
    core: Core, job_id: int, scheduled_at: dt.datetime, manual: bool
) -> RunLaunch | None:
    with core.store.session() as session:
        job = session.get(Job, job_id, with_for_update=True)
        if job is None:
            if manual:
                raise NotFound(f"No job {job_id}.")
            return None
        if not manual and not _schedulable(job, scheduled_at):
            return None
        if not manual and _occurrence_recorded(session, job.id, scheduled_at):
            return None  # started already (a retried or reconciled occurrence)
        active = active_run_id(session, job.id)
        if active is not None:
            if manual:
                raise Conflict(
                    f"Job {job.identifier} is still running (run {active}); "
                    "wait for it to finish before running it again."
                )
            return None
        run = JobRun(
            job_id=job.id,
            executor=job.executor,
            status=executor_of(job.executor).initial_status,
            size=job.size,
            emr_release=job.emr_release,
            is_manual=manual,
            scheduled_at=scheduled_at,
        )
        session.add(run)
        session.flush()
        return _launch_of(job, run)


def _launch_of(job: Job, run: JobRun) -> RunLaunch:
    return RunLaunch(
        run_id=run.id,
        executor=run.executor,
        owner=job.owner,
        identifier=job.identifier,
        notebook_key=job.notebook_s3_key,
        notebook_name=job.notebook_name,
        result_visibility=job.result_visibility,
        parameters=dict(job.parameters or {}),
        release=run.emr_release,
        size=run.size,
        timeout_hours=job.job_timeout_hours,
        scheduled_at=run.scheduled_at,
    )


def _occurrence_recorded(session: Session, job_id: int, scheduled_at: dt.datetime) -> bool:
    return session.scalar(_occurrence_runs(select(JobRun.id), job_id, scheduled_at)) is not None


def _occurrence_runs(query: Select[Any], job_id: int, scheduled_at: dt.datetime) -> Select[Any]:
    """`query` narrowed to the runs recorded for one scheduled occurrence (missed ones aside)."""
    return query.where(
        JobRun.job_id == job_id,
        JobRun.scheduled_at == scheduled_at,
        JobRun.is_manual.is_(False),
        JobRun.status != constants.MISSED,
    )


def _schedulable(job: Job, scheduled_at: dt.datetime) -> bool:
    if not job.is_enabled:
        return False
    if scheduled_at < job.start_date:  # not started yet (never "expire" for that, §13)
        return False
    return job.end_date is None or scheduled_at <= job.end_date


# --- stopping ------------------------------------------------------------------------------------


def stop_run_process(core: Core, run: JobRun) -> None:
    """Stop what executes a run (its executor's :meth:`~.executor.Executor.stop`)."""
    executor_of(run.executor).stop(core, run)


def enforce_timeouts(core: Core, now: dt.datetime | None = None) -> list[int]:
    """Stop runs still active ``job_timeout_hours`` after their executor's
    ``timeout_counted_from``; the run ids stopped.

    Each becomes TERMINATED_WITH_ERRORS ("timed out after N h") with one ``run_timed_out``
    notification. (The cluster's bootstrap and the local supervisor enforce the timeout on
    their own too; this catches what they could not, e.g. a worker that died.)
    """
    now = now or utcnow()
    with core.store.reader() as session:
        rows = list(
            session.execute(
                select(JobRun, Job.job_timeout_hours)
                .join(Job, JobRun.job_id == Job.id)
                .where(JobRun.status.in_(emr.ACTIVE_STATES))
            )
        )
    stopped: list[int] = []
    for run, hours in rows:
        limit = dt.timedelta(seconds=constants.timeout_seconds(hours))
        if now < executor_of(run.executor).timeout_counted_from(run) + limit:
            continue
        reason = timed_out_reason(hours)
        if not finish_run(
            core, run.id, emr.TERMINATED_WITH_ERRORS, reason, notify_kind="run_timed_out",
            finished_at=now,
        ):  # fmt: skip
            continue
        try:
            stop_run_process(core, run)
        except AwsFailure as exc:
            log.warning("Could not stop timed-out run %s: %s", run.id, exc)
        stopped.append(run.id)
    return stopped


# --- scheduling ----------------------------------------------------------------------------------


def claim_due_jobs(
    core: Core, now: dt.datetime | None = None, limit: int = 100
) -> list[tuple[int, dt.datetime]]:
    """Claim due occurrences: ``(job id, occurrence)`` pairs, each handed out once.

    For each enabled job with ``next_run_at <= now`` the latest occurrence ≤ now is claimed by
    advancing ``next_run_at`` to the first occurrence after now, compare-and-set. Occurrences
    skipped on the way (a worker that was down) are recorded as missed runs — at most
    :data:`~atmo_lab.jobs.constants.MAX_MISSED_RECORDED`, none before the job existed.
    """
    now = now or utcnow()
    with core.store.reader() as session:
        due = list(
            session.scalars(
                select(Job)
                .where(
                    Job.is_enabled.is_(True), Job.next_run_at.is_not(None), Job.next_run_at <= now
                )
                .order_by(Job.next_run_at, Job.id)
                .limit(limit)
            )
        )
    claimed: list[tuple[int, dt.datetime]] = []
    with core.store.session() as session:  # one transaction for the batch
        for job in due:
            old = job.next_run_at
            assert old is not None
            schedule = Schedule.of(job)
            latest = schedule.latest_at_or_before(now)
            occurrence = latest if latest is not None and latest >= old else old
            following = schedule.first_after(max(now, occurrence))
            won = rowcount(
                session.execute(
                    update(Job)
                    .where(Job.id == job.id, Job.next_run_at == old, Job.is_enabled.is_(True))
                    .values(next_run_at=following, pending_occurrence=occurrence, pending_since=now)
                )
            )
            if not won:
                continue  # another worker claimed it, or the job changed meanwhile
            for missed_at in _skipped(schedule, max(old, job.created_at), occurrence):
                session.add(_missed_run(job, missed_at, "The worker was not running.", now))
            claimed.append((job.id, occurrence))
    return claimed


def clear_pending(core: Core, handled: Iterable[tuple[int, dt.datetime]]) -> None:
    """These claimed ``(job id, occurrence)`` pairs have been handled (one transaction)."""
    with core.store.session() as session:
        for job_id, occurrence in handled:
            session.execute(
                update(Job)
                .where(Job.id == job_id, Job.pending_occurrence == occurrence)
                .values(pending_occurrence=None, pending_since=None)
            )


def stranded_occurrences(
    core: Core, now: dt.datetime | None = None
) -> list[tuple[int, dt.datetime]]:
    """Occurrences claimed by a worker that died before handling them.

    "Died" means still pending ``stranded_claim_seconds`` after the claim (a live worker
    handles a claim within seconds).

    A run recorded for such an occurrence but never launched (no cluster requested, no
    process started) is launched now; the pairs returned still need starting.
    """
    now = now or utcnow()
    grace = dt.timedelta(seconds=core.settings.stranded_claim_seconds)
    with core.store.reader() as session:
        pending = list(
            session.execute(
                select(Job.id, Job.pending_occurrence).where(
                    Job.pending_occurrence.is_not(None), Job.pending_since <= now - grace
                )
            )
        )
    stranded: list[tuple[int, dt.datetime]] = []
    for job_id, occurrence in pending:
        assert occurrence is not None
        recorded, launch = _recorded_run(core, job_id, occurrence)
        if launch is not None:
            log.warning("Launching run %s left unlaunched by a worker that stopped", launch.run_id)
            try:
                executor_of(launch.executor).launch(core, launch, manual=False)
            except AwsFailure as exc:
                log.warning("Relaunch of run %s failed: %s", launch.run_id, exc)
        if recorded:  # launched now, or before its worker stopped (its batch was cut short)
            clear_pending(core, [(job_id, occurrence)])
        else:
            stranded.append((job_id, occurrence))
    return stranded


def _recorded_run(
    core: Core, job_id: int, occurrence: dt.datetime
) -> tuple[bool, RunLaunch | None]:
    """Whether a run was recorded for an occurrence, and its launch if it never was launched
    (no cluster requested, no process started)."""
    with core.store.session() as session:
        runs = session.scalars(_occurrence_runs(select(JobRun), job_id, occurrence)).all()
        job = session.get(Job, job_id) if runs else None
        for run in runs:
            launched = executor_of(run.executor).was_launched(run)
            if job is not None and not launched and run.status in emr.ACTIVE_STATES:
                return True, _launch_of(job, run)
        return bool(runs), None


def _skipped(schedule: Schedule, since: dt.datetime, until: dt.datetime) -> list[dt.datetime]:
    """Occurrences in [since, until), the most recent ones, oldest first."""
    found: list[dt.datetime] = []
    occurrence = schedule.latest_at_or_before(until - _TICK)
    while (
        occurrence is not None
        and occurrence >= since
        and len(found) < constants.MAX_MISSED_RECORDED
    ):
        found.append(occurrence)
        occurrence = schedule.latest_at_or_before(occurrence - _TICK)
    return found[::-1]


def _missed_run(job: Job, occurrence: dt.datetime, reason: str, now: dt.datetime) -> JobRun:
    return JobRun(
        job_id=job.id,
        executor=job.executor,
        status=constants.MISSED,
        status_reason=reason,
        size=job.size,
        emr_release=job.emr_release,
        is_manual=False,
        scheduled_at=occurrence,
        finished_at=now,
    )


def record_missed(
    core: Core, job_id: int, occurrence: dt.datetime, reason: str
) -> dict[str, Any] | None:
    """Record an occurrence that did not run (status ``MISSED``) so it shows in the history.

    Once per occurrence; None when the job no longer exists.
    """
    with core.store.session() as session:
        job = session.get(Job, job_id)
        if job is None:
            return None
        existing = session.scalar(
            select(JobRun).where(
                JobRun.job_id == job_id,
                JobRun.status == constants.MISSED,
                JobRun.scheduled_at == occurrence,
            )
        )
        if existing is not None:
            return run_to_dict(existing)
        run = _missed_run(job, occurrence, reason, utcnow())
        session.add(run)
        session.flush()
        return run_to_dict(run)


def expire_lapsed_jobs(core: Core, now: dt.datetime | None = None) -> list[str]:
    """Expire jobs whose end date has passed; the identifiers expired.

    Sets ``expired_date`` (the job stays enabled and can still be run now, as in ATMO), clears
    ``next_run_at`` and records one ``job_expired`` notification per end date.
    """
    now = now or utcnow()
    with core.store.reader() as session:
        lapsed = list(
            session.execute(
                select(Job.id, Job.end_date).where(
                    Job.end_date.is_not(None), Job.end_date <= now, Job.expired_date.is_(None)
                )
            )
        )
    expired: list[str] = []
    for job_id, end_date in lapsed:
        with core.store.session() as session:
            won = rowcount(
                session.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.expired_date.is_(None), Job.end_date == end_date)
                    .values(expired_date=now, next_run_at=None)
                )
            )
            if not won:
                continue
            job = session.get(Job, job_id)
            assert job is not None
            notify(
                session,
                owner=job.owner,
                kind="job_expired",
                subject=f"Job {job.identifier} expired",
                body=(
                    f"Your scheduled notebook job {job.identifier} reached its end date "
                    f"({iso(end_date)}) and will not run again. Move its end date into the "
                    "future to schedule it again."
                ),
                object_type="job",
                object_id=job.id,
                dedupe_key=f"job_expired:{job.id}:{iso(end_date)}",
            )
            expired.append(job.identifier)
    return expired


# --- reading -------------------------------------------------------------------------------------


def get_run_dict(core: Core, run_id: int) -> dict[str, Any]:
    with core.store.reader() as session:
        run = session.get(JobRun, run_id)
        if run is None:
            raise NotFound(f"No run {run_id}.")
        return run_to_dict(run)
