"""The executor interface: what runs a recorded job run, and where every executor writes.

Scheduling (:mod:`atmo_lab.jobs.runs`) records a run, then hands it to the executor named by
the run's ``executor`` value, as jupyter-scheduler hands a job to its ``ExecutionManager``:

- ``emr`` (:mod:`atmo_lab.jobs.emr_executor`): a transient EMR cluster whose step runs
  papermill on the node; the worker's sync reads how it ended;
- ``local`` (:mod:`atmo_lab.jobs.local_executor`): papermill in a child process
  (:mod:`atmo_lab.jobs.notebook_run`) supervised by a thread of the worker.

Both read the notebook from the code bucket and write the executed notebook and the logs to
the run's own folders of the job's data bucket (:func:`output_key`, :func:`log_folder`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from ..core import Core
from ..validation import iso
from . import constants
from .models import JobRun


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


class Executor(Protocol):
    """Executes recorded runs; scheduling, timeouts and records stay in the core."""

    initial_status: str
    """The status a run is recorded with, before it is launched."""

    def launch(self, core: Core, launch: RunLaunch, manual: bool) -> None:
        """Start executing a recorded run. `manual`: run-now, where a person waits for the
        answer. A failure marks the run TERMINATED_WITH_ERRORS and raises AwsFailure."""

    def was_launched(self, run: JobRun) -> bool:
        """Whether :meth:`launch` got as far as handing the run on (a run recorded by a
        worker that stopped before that is launched again)."""

    def stop(self, core: Core, run: JobRun) -> None:
        """Stop what executes an active run now (its row is updated by the caller)."""

    def timeout_counted_from(self, run: JobRun) -> dt.datetime:
        """When the run's time limit starts: when it began executing, not its scheduled time
        (a run that starts late, after an overlap or a worker that was down, gets its whole
        limit)."""


# --- where a run's files live ------------------------------------------------------------------


def data_bucket(core: Core, visibility: str) -> str:
    settings = core.settings
    return (
        settings.public_data_bucket
        if visibility == constants.RESULT_PUBLIC
        else settings.private_data_bucket
    )


def run_folder(run_id: int) -> str:
    return f"run-{run_id}"


def output_key(identifier: str, run_id: int, notebook_name: str) -> str:
    """Where a run's executed notebook is written: a folder per run, so a later run never
    overwrites an earlier one's output."""
    return f"{identifier}/data/{run_folder(run_id)}/{notebook_name}"


def log_folder(identifier: str, run_id: int) -> str:
    return f"{identifier}/logs/{run_folder(run_id)}/"


def run_parameters(parameters: dict[str, Any], scheduled_at: dt.datetime) -> dict[str, Any]:
    """The job's parameters plus ``scheduled_at`` (the run's scheduled time, ISO 8601 UTC)."""
    return {**(parameters or {}), constants.SCHEDULED_AT_PARAMETER: iso(scheduled_at)}
