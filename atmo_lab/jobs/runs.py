"""Starting, syncing and ending runs; the worker's side of scheduling.

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
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError
from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from .. import emr
from ..aws import aws_call, error_code
from ..bootstrap import job_bootstrap_args, job_step_command
from ..core import Core
from ..errors import AwsFailure, Conflict, NotFound
from ..notifications.service import notify
from ..store import rowcount, utcnow
from ..validation import iso
from . import local, rules, runner
from .models import Job, JobRun
from .records import active_run_id, finish_run, notify_run, run_to_dict, timed_out_reason
from .schedule import Schedule

log = logging.getLogger(__name__)

_TICK = dt.timedelta(microseconds=1)


@dataclass(frozen=True)
class RunLaunch:
    """A run just recorded, with what is needed to launch it."""

    run_id: int
    executor: str
    owner: str
    identifier: str
    notebook_key: str
    notebook_name: str
    result_visibility: str
    parameters: dict[str, Any]
    release: str
    size: int
    timeout_hours: int
    scheduled_at: dt.datetime


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
    - otherwise the run is recorded active, then launched: a transient EMR cluster
      (RunJobFlow now) or a local papermill process (queued for the huey worker).

    A failed RunJobFlow marks the run TERMINATED_WITH_ERRORS with AWS's message (and raises
    :class:`AwsFailure` for run-now).
    """
    launch = _record_run(core, job_id, scheduled_at, manual)
    if launch is None:
        return None
    try:
        _launch(core, launch, describe=manual)
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
            status=emr.STARTING if job.executor == rules.EXECUTOR_EMR else emr.RUNNING,
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


def _launch(core: Core, launch: RunLaunch, describe: bool = False) -> None:
    if launch.executor == rules.EXECUTOR_EMR:
        _launch_emr(core, launch, describe)
    else:
        _queue_local(core, launch)


def _occurrence_recorded(session: Session, job_id: int, scheduled_at: dt.datetime) -> bool:
    return session.scalar(_occurrence_runs(select(JobRun.id), job_id, scheduled_at)) is not None


def _occurrence_runs(query: Select[Any], job_id: int, scheduled_at: dt.datetime) -> Select[Any]:
    """`query` narrowed to the runs recorded for one scheduled occurrence (missed ones aside)."""
    return query.where(
        JobRun.job_id == job_id,
        JobRun.scheduled_at == scheduled_at,
        JobRun.is_manual.is_(False),
        JobRun.status != rules.MISSED,
    )


def _schedulable(job: Job, scheduled_at: dt.datetime) -> bool:
    if not job.is_enabled:
        return False
    if scheduled_at < job.start_date:  # not started yet (never "expire" for that, §13)
        return False
    return job.end_date is None or scheduled_at <= job.end_date


def _queue_local(core: Core, launch: RunLaunch) -> None:
    try:
        core.worker.enqueue(local.TASK_NAME, launch.run_id)
    except Exception as exc:
        log.exception("Could not queue local run %s", launch.run_id)
        finish_run(
            core,
            launch.run_id,
            emr.TERMINATED_WITH_ERRORS,
            f"Could not queue the run for the worker: {exc}",
            notify_kind="run_failed",
        )
        raise AwsFailure("Enqueue", type(exc).__name__, str(exc)) from exc


# --- EMR -----------------------------------------------------------------------------------------


def papermill_parameter_args(parameters: dict[str, Any]) -> list[str]:
    """papermill CLI arguments that give the notebook exactly these values.

    ``-p`` infers types from text ("2" becomes 2), so strings that would change type go as
    ``-r`` (raw), and lists, objects and null as ``-y`` (a YAML/JSON document).
    """
    import json

    from papermill.cli import _resolve_type

    args: list[str] = []
    structured: dict[str, Any] = {}
    for name, value in parameters.items():
        if isinstance(value, bool):
            args += ["-p", name, "True" if value else "False"]
        elif isinstance(value, int):
            args += ["-p", name, str(value)]
        elif isinstance(value, float):
            text = repr(value)
            if _resolve_type(text) == value:
                args += ["-p", name, text]
            else:
                structured[name] = value
        elif isinstance(value, str):
            resolved = _resolve_type(value)
            flag = "-p" if isinstance(resolved, str) and resolved == value else "-r"
            args += [flag, name, value]
        else:
            structured[name] = value
    if structured:
        args += ["-y", json.dumps(structured)]
    return args


RUN_STEP_NAME = "RunNotebook"


def job_run_params(core: Core, launch: RunLaunch, now: dt.datetime) -> dict[str, Any]:
    """RunJobFlow parameters of a run: a transient cluster with one papermill step.

    The step's whole time limit is enforced on the node (coreutils ``timeout``, counted from
    the step's start); EMR writes the step's logs under the run's own ``logs/run-<id>/`` folder of the data
    bucket, where the job's results list them.
    """
    settings = core.settings
    bucket = local.data_bucket(core, launch.result_visibility)
    output = local.output_key(launch.identifier, launch.run_id, launch.notebook_name)
    parameters = local.run_parameters(launch.parameters, launch.scheduled_at)
    papermill_args = [
        f"s3://{settings.code_bucket}/{launch.notebook_key}",
        f"s3://{bucket}/{output}",
        *papermill_parameter_args(parameters),
        "-k", rules.DEFAULT_KERNEL,
        "--log-output",
        "--no-progress-bar",
    ]  # fmt: skip
    limit = int(rules.timeout_seconds(launch.timeout_hours))
    bootstrap = [
        {
            "Name": "setup-atmo-lab-job",
            "ScriptBootstrapAction": {
                "Path": settings.job_bootstrap_script_uri,
                "Args": job_bootstrap_args(list(settings.job_pip_packages)),
            },
        }
    ]
    steps = [emr.command_runner_step(RUN_STEP_NAME, job_step_command(limit, papermill_args))]
    return emr.job_flow_params(
        settings,
        kind="job",
        owner=launch.owner,
        identifier=launch.identifier,
        release=launch.release,
        size=launch.size,
        keep_alive=False,
        now=now,
        bootstrap_actions=bootstrap,
        steps=steps,
        log_uri_override=f"s3://{bucket}/{local.log_folder(launch.identifier, launch.run_id)}",
    )


def _launch_emr(core: Core, launch: RunLaunch, describe: bool) -> None:
    """RunJobFlow for a recorded run. `describe` fetches the first status at once (run-now,
    where a person waits for it); scheduled runs leave it to the next sync, which halves
    their EMR calls."""
    try:
        jobflow_id = emr.run_job_flow(core, job_run_params(core, launch, utcnow()))
    except AwsFailure as exc:
        finish_run(
            core, launch.run_id, emr.TERMINATED_WITH_ERRORS, exc.message,
            notify_kind="run_failed",
        )  # fmt: skip
        raise
    with core.store.session() as session:  # one statement: the status at the moment of writing
        status = session.execute(
            update(JobRun)
            .where(JobRun.id == launch.run_id)
            .values(
                jobflow_id=jobflow_id,
                output_notebook_key=local.output_key(
                    launch.identifier, launch.run_id, launch.notebook_name
                ),
            )
            .returning(JobRun.status)
        ).scalar()
    # Deleted or stopped (timed out) while RunJobFlow was in flight: don't leave it running.
    if status not in emr.ACTIVE_STATES:
        _terminate_quietly(core, jobflow_id)
        return
    if describe:
        refresh_run(core, launch.run_id)


def refresh_run(core: Core, run_id: int) -> None:
    """DescribeCluster for an EMR run and store what changed (failures are only logged)."""
    with core.store.reader() as session:
        jobflow_id = session.scalar(select(JobRun.jobflow_id).where(JobRun.id == run_id))
    if not jobflow_id:
        return
    try:
        info = emr.describe(core, jobflow_id)
    except AwsFailure as exc:
        log.warning("DescribeCluster %s failed: %s", jobflow_id, exc)
        return
    outcomes = ended_run_outcomes(core, {jobflow_id: info})
    with core.store.session() as session:
        run = session.get(JobRun, run_id)
        if run is not None:
            apply_run_info(session, run, info, outcomes.get(run_id))


@dataclass(frozen=True)
class RunOutcome:
    """How an EMR run ended, read from its step and its output notebook."""

    status: str
    reason: str
    error: dict[str, Any] | None = None
    notify_kind: str | None = None


@dataclass(frozen=True)
class _EndedRun:
    """What telling how an EMR run ended needs, read from its row and its job."""

    run_id: int
    jobflow_id: str
    output_key: str | None
    timeout_hours: int
    notebook_key: str
    bucket: str


def ended_run_outcomes(core: Core, infos: dict[str, emr.ClusterInfo]) -> dict[int, RunOutcome]:
    """The outcomes of the active EMR runs whose cluster has ended, by run id (one ListSteps
    call per such run, and a read of its notebooks when its step failed)."""
    if not any(info.status in emr.FINAL_STATES for info in infos.values()):
        return {}
    with core.store.reader() as session:  # the active runs are few; the clusters listed, many
        rows = session.execute(
            select(JobRun, Job)
            .join(Job, JobRun.job_id == Job.id)
            .where(JobRun.status.in_(emr.ACTIVE_STATES), JobRun.jobflow_id.is_not(None))
        )
        runs = [
            _EndedRun(run.id, run.jobflow_id, run.output_notebook_key,
                      job.job_timeout_hours, job.notebook_s3_key,
                      local.data_bucket(core, job.result_visibility))
            for run, job in rows
            if run.jobflow_id in infos and infos[run.jobflow_id].status in emr.FINAL_STATES
        ]  # fmt: skip
    outcomes: dict[int, RunOutcome] = {}
    for run in runs:
        try:
            outcomes[run.run_id] = _emr_outcome(core, infos[run.jobflow_id], run)
        except AwsFailure as exc:  # EMR's own reason is recorded instead
            log.warning("Could not read how run %s ended: %s", run.run_id, exc)
    return outcomes


def _emr_outcome(core: Core, info: emr.ClusterInfo, run: _EndedRun) -> RunOutcome:
    steps = emr.list_steps(core, run.jobflow_id)
    step = next((s for s in steps if s.get("Name") == RUN_STEP_NAME), None)
    status = (step or {}).get("Status", {})
    state = status.get("State")
    if info.status == emr.TERMINATED and state == emr.STEP_COMPLETED:
        return RunOutcome(emr.TERMINATED, "Notebook completed.")
    if state != emr.STEP_FAILED:  # ended before or without the step (bootstrap, user …)
        failed = info.status == emr.TERMINATED_WITH_ERRORS
        return RunOutcome(info.status, info.reason, notify_kind="run_failed" if failed else None)
    timeline = status.get("Timeline", {})
    started, ended = timeline.get("StartDateTime"), timeline.get("EndDateTime")
    # The step's `timeout` stopped it: it ran for the whole limit, counted from its start.
    if (
        started
        and ended
        and (ended - started).total_seconds() >= rules.timeout_seconds(run.timeout_hours)
    ):
        reason = f"Run timed out after {run.timeout_hours} h and was stopped."
        return RunOutcome(emr.TERMINATED_WITH_ERRORS, reason, notify_kind="run_timed_out")
    error = _failed_cell(core, run.bucket, run.output_key, run.notebook_key)
    if error is not None:
        reason = runner.describe_failure(error)[:2000]
        return RunOutcome(emr.TERMINATED_WITH_ERRORS, reason, error, "run_failed")
    reason = info.reason or "The notebook step failed; see the step's logs."
    return RunOutcome(emr.TERMINATED_WITH_ERRORS, reason, notify_kind="run_failed")


def _failed_cell(
    core: Core, bucket: str, output_key: str | None, notebook_key: str
) -> dict[str, Any] | None:
    """The failing cell of the run's output notebook (None when there is none to read)."""
    if not output_key:
        return None
    executed = _read_notebook(core, bucket, output_key)
    submitted = _read_notebook(core, core.settings.code_bucket, notebook_key)
    if executed is None or submitted is None:
        return None
    return runner.failed_cell(executed, submitted)


def _read_notebook(core: Core, bucket: str, key: str) -> list[dict[str, Any]] | None:
    """The cells of a notebook in S3, or None when it is missing or not a notebook."""
    with aws_call("GetObject"):
        try:
            body = core.aws.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if error_code(exc) in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
    try:
        cells = json.loads(body).get("cells")
    except (ValueError, AttributeError):
        return None
    return cells if isinstance(cells, list) else None


def apply_run_info(
    session: Session, run: JobRun, info: emr.ClusterInfo, outcome: RunOutcome | None = None
) -> bool:
    """Copy EMR's view of a run's cluster onto the row; True when something changed.

    A missing value never blanks a stored one, and a run that already ended (timed out, for
    instance) keeps its status and reason. A run whose cluster ended takes its `outcome`
    (:func:`ended_run_outcomes`: completed, timed out, the failing cell) when there is one;
    otherwise EMR's state and reason, and a cluster that ended TERMINATED_WITH_ERRORS for a
    failure reason (bootstrap, step, instance … failure) records ``run_failed`` once.
    """
    final = run.status in emr.FINAL_STATES or run.status == rules.MISSED
    updates: dict[str, Any] = {
        "started_at": info.started_at,
        "ready_at": info.ready_at,
        "finished_at": info.finished_at,
    }
    ending = outcome if not final and info.status in emr.FINAL_STATES else None
    if ending is not None:
        updates.update(status=ending.status, status_reason=ending.reason, error=ending.error)
    elif not final:
        updates["status"] = info.status or None
        updates["status_reason"] = info.reason or None
    changed = False
    for name, value in updates.items():
        if value is None or getattr(run, name) == value:
            continue
        if final and getattr(run, name) is not None:
            continue
        setattr(run, name, value)
        changed = True
    if changed:
        session.flush()
    if ending is not None:
        if ending.notify_kind:
            notify_run(session, run.job, run, ending.notify_kind)
    elif (
        not final
        and run.status == emr.TERMINATED_WITH_ERRORS
        and (info.reason_code in emr.FAILED_REASONS or (not info.reason_code and info.reason))
    ):
        notify_run(session, run.job, run, "run_failed")
    return changed


def _terminate_quietly(core: Core, jobflow_id: str) -> None:
    try:
        emr.terminate(core, [jobflow_id])
    except AwsFailure:
        log.exception("Could not terminate job flow %s", jobflow_id)


# --- stopping ------------------------------------------------------------------------------------


def stop_run_process(core: Core, run: JobRun) -> None:
    """Stop what executes a run: TerminateJobFlows, or the local process group."""
    if run.jobflow_id:
        emr.terminate(core, [run.jobflow_id])
    elif run.executor == rules.EXECUTOR_LOCAL:
        local.stop_local_run(core, run.id, run.pid, run.created_at)


def timeout_counted_from(run: JobRun) -> dt.datetime:
    """When a run's time limit starts: when it began executing, not its scheduled time (a
    run that starts late, after an overlap or a worker that was down, gets its whole limit).

    Local runs: the process start (``ready_at`` = ``started_at``). EMR runs: when the cluster
    became ready, else when EMR created it (``started_at``), else when the run was recorded
    (RunJobFlow not answered yet, or a local run still queued).
    """
    return run.ready_at or run.started_at or run.created_at


def enforce_timeouts(core: Core, now: dt.datetime | None = None) -> list[int]:
    """Stop runs still active ``job_timeout_hours`` after :func:`timeout_counted_from`; the
    run ids stopped.

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
        limit = dt.timedelta(seconds=rules.timeout_seconds(hours))
        if now < timeout_counted_from(run) + limit:
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
    :data:`~atmo_lab.jobs.rules.MAX_MISSED_RECORDED`, none before the job existed.
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
                _launch(core, launch)
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
            never_launched = run.jobflow_id is None and run.started_at is None
            if job is not None and never_launched and run.status in emr.ACTIVE_STATES:
                return True, _launch_of(job, run)
        return bool(runs), None


def _skipped(schedule: Schedule, since: dt.datetime, until: dt.datetime) -> list[dt.datetime]:
    """Occurrences in [since, until), the most recent ones, oldest first."""
    found: list[dt.datetime] = []
    occurrence = schedule.latest_at_or_before(until - _TICK)
    while occurrence is not None and occurrence >= since and len(found) < rules.MAX_MISSED_RECORDED:
        found.append(occurrence)
        occurrence = schedule.latest_at_or_before(occurrence - _TICK)
    return found[::-1]


def _missed_run(job: Job, occurrence: dt.datetime, reason: str, now: dt.datetime) -> JobRun:
    return JobRun(
        job_id=job.id,
        executor=job.executor,
        status=rules.MISSED,
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
                JobRun.status == rules.MISSED,
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
