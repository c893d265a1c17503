"""The ``emr`` executor: each run a transient EMR cluster whose one step runs papermill.

:meth:`EmrExecutor.launch` calls RunJobFlow with the run's cluster and step
(:func:`job_run_params`). The step's whole time limit is enforced on the node; the worker's
sync (:mod:`atmo_lab.sync`, one ListClusters pass for clusters and runs) copies the cluster's
state onto the run (:func:`sync_runs`) and, once the cluster has ended, reads how the run
ended from its step and its output notebook (:func:`ended_run_outcomes`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import emr
from ..aws import aws_call, error_code
from ..bootstrap import job_bootstrap_args, job_step_command
from ..core import Core
from ..db import utcnow
from ..errors import AwsFailure
from . import constants, notebook_run
from .executor import RunLaunch, data_bucket, log_folder, output_key, run_parameters
from .models import Job, JobRun
from .outcomes import finish_run, notify_run, timed_out_reason

log = logging.getLogger(__name__)

RUN_STEP_NAME = "RunNotebook"


class EmrExecutor:
    """Runs on a transient EMR cluster (RunJobFlow), stopped by TerminateJobFlows."""

    initial_status = emr.STARTING

    def launch(self, core: Core, launch: RunLaunch, manual: bool) -> None:
        """RunJobFlow for a recorded run. Run-now (`manual`, a person waits) fetches the first
        status at once; scheduled runs leave it to the next sync, which halves their EMR
        calls."""
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
                    output_notebook_key=output_key(
                        launch.identifier, launch.run_id, launch.notebook_name
                    ),
                )
                .returning(JobRun.status)
            ).scalar()
        # Deleted or stopped (timed out) while RunJobFlow was in flight: don't leave it running.
        if status not in emr.ACTIVE_STATES:
            _terminate_quietly(core, jobflow_id)
            return
        if manual:
            refresh_run(core, launch.run_id)

    def was_launched(self, run: JobRun) -> bool:
        return run.jobflow_id is not None

    def stop(self, core: Core, run: JobRun) -> None:
        if run.jobflow_id:
            emr.terminate(core, [run.jobflow_id])

    def timeout_counted_from(self, run: JobRun) -> dt.datetime:
        """When the cluster became ready, else when EMR created it (``started_at``), else when
        the run was recorded (RunJobFlow not answered yet)."""
        return run.ready_at or run.started_at or run.created_at


def papermill_parameter_args(parameters: dict[str, Any]) -> list[str]:
    """papermill CLI arguments that give the notebook exactly these values.

    ``-p`` infers types from text ("2" becomes 2), so strings that would change type go as
    ``-r`` (raw), and lists, objects and null as ``-y`` (a YAML/JSON document).
    """
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


def job_run_params(core: Core, launch: RunLaunch, now: dt.datetime) -> dict[str, Any]:
    """RunJobFlow parameters of a run: a transient cluster with one papermill step.

    The step's whole time limit is enforced on the node (coreutils ``timeout``, counted from
    the step's start); EMR writes the step's logs under the run's own ``logs/run-<id>/``
    folder of the data bucket, where the job's results list them.
    """
    settings = core.settings
    bucket = data_bucket(core, launch.result_visibility)
    output = output_key(launch.identifier, launch.run_id, launch.notebook_name)
    parameters = run_parameters(launch.parameters, launch.scheduled_at)
    papermill_args = [
        f"s3://{settings.code_bucket}/{launch.notebook_key}",
        f"s3://{bucket}/{output}",
        *papermill_parameter_args(parameters),
        "-k", constants.DEFAULT_KERNEL,
        "--log-output",
        "--no-progress-bar",
    ]  # fmt: skip
    limit = int(constants.timeout_seconds(launch.timeout_hours))
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
        log_uri_override=f"s3://{bucket}/{log_folder(launch.identifier, launch.run_id)}",
    )


def _terminate_quietly(core: Core, jobflow_id: str) -> None:
    try:
        emr.terminate(core, [jobflow_id])
    except AwsFailure:
        log.exception("Could not terminate job flow %s", jobflow_id)


# --- reading EMR's view of a run -----------------------------------------------------------------


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


def sync_runs(core: Core, infos: dict[str, emr.ClusterInfo]) -> list[int]:
    """Copy the listed clusters' states onto the active EMR runs; the run ids updated."""
    outcomes = ended_run_outcomes(core, infos)  # AWS reads first, outside the transaction
    updated: list[int] = []
    with core.store.session() as session:
        active = session.scalars(
            select(JobRun).where(
                JobRun.status.in_(emr.ACTIVE_STATES), JobRun.jobflow_id.is_not(None)
            )
        ).all()
        for run in active:
            info = infos.get(run.jobflow_id or "")
            if info is not None and apply_run_info(session, run, info, outcomes.get(run.id)):
                updated.append(run.id)
    return updated


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
                      data_bucket(core, job.result_visibility))
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
        and (ended - started).total_seconds() >= constants.timeout_seconds(run.timeout_hours)
    ):
        reason = timed_out_reason(run.timeout_hours)
        return RunOutcome(emr.TERMINATED_WITH_ERRORS, reason, notify_kind="run_timed_out")
    error = _failed_cell(core, run.bucket, run.output_key, run.notebook_key)
    if error is not None:
        reason = notebook_run.describe_failure(error)[:2000]
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
    return notebook_run.failed_cell(executed, submitted)


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
    final = run.status in emr.FINAL_STATES or run.status == constants.MISSED
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
