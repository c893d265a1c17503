"""Every executor a job may name has one implementation, reached through the registry."""

from __future__ import annotations

from atmo_lab import emr
from atmo_lab.jobs import constants
from atmo_lab.jobs.emr_executor import EmrExecutor
from atmo_lab.jobs.local_executor import LocalExecutor
from atmo_lab.jobs.runs import EXECUTORS_BY_NAME, executor_of


def test_each_executor_a_job_may_name_is_registered_once() -> None:
    assert sorted(EXECUTORS_BY_NAME) == sorted(constants.EXECUTORS)
    assert isinstance(executor_of(constants.EXECUTOR_EMR), EmrExecutor)
    assert isinstance(executor_of(constants.EXECUTOR_LOCAL), LocalExecutor)


def test_a_run_is_recorded_starting_on_emr_and_running_locally() -> None:
    assert executor_of(constants.EXECUTOR_EMR).initial_status == emr.STARTING
    assert executor_of(constants.EXECUTOR_LOCAL).initial_status == emr.RUNNING
