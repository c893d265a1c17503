"""Runs' outputs and outcomes in the core: one key per run, pruning to the newest N runs of a
job, and the words a run's outcome is shown in — on both stores, against the moto server."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from atmo_lab import emr
from atmo_lab.core import Core
from atmo_lab.errors import NotFound
from atmo_lab.jobs import constants, local_executor, outcomes, outputs, service
from atmo_lab.jobs.models import JobRun
from atmo_lab.openapi import openapi_document

from .test_jobs_support import PRIVATE, job_body, keys

BOTH_STORES = True
UTC = dt.timezone.utc


@pytest.fixture
def core(standalone_core: Core) -> Core:
    return standalone_core


def add_run(core: Core, job_id: int, status: str, reason: str = "", key: str | None = None) -> int:
    with core.store.session() as session:
        run = JobRun(job_id=job_id, executor="local", status=status, status_reason=reason, size=1,
                     emr_release="7.2.0", scheduled_at=dt.datetime.now(UTC),
                     output_notebook_key=key)  # fmt: skip
        session.add(run)
        session.flush()
        return run.id


def test_output_keys_are_per_run() -> None:
    assert local_executor.output_key("daily", 7, "report.ipynb") == "daily/data/run-7/report.ipynb"
    stamp = dt.datetime(2031, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert local_executor.log_key("daily", 7, stamp) == "daily/logs/run-7/daily.20310102030405.log"
    assert outputs.output_filename(7, "daily/data/run-7/report.ipynb") == "report-run-7.ipynb"


OUTCOME_CASES = [
    (emr.TERMINATED, "Notebook completed.", "succeeded"),
    (emr.TERMINATED, "ALL_STEPS_COMPLETED: Steps completed", "succeeded"),
    (emr.TERMINATED, outcomes.STOPPED_REASON, "stopped"),
    (emr.TERMINATED, "USER_REQUEST: Terminated by user request", "stopped"),
    (emr.TERMINATED_WITH_ERRORS, "Cell 3 raised ValueError: boom", "failed"),
    (emr.TERMINATED_WITH_ERRORS, outcomes.timed_out_reason(2), "timed out"),
    ("MISSED", "The worker was not running.", "missed"),
    (emr.STARTING, "", "running"),
    (emr.RUNNING, "", "running"),
    (emr.TERMINATING, "", "running"),
]


def test_runs_show_their_outcome_in_words(core: Core) -> None:
    job = service.create_job(core, core.caller(), job_body())
    ids = {add_run(core, job["id"], status, reason): word for status, reason, word in OUTCOME_CASES}
    listed = service.list_runs(core, core.caller(), job["id"], limit=100).items  # in SQL
    assert {run["id"]: run["outcome"] for run in listed} == ids
    for run_id, word in ids.items():  # in Python
        assert service.get_run(core, core.caller(), run_id)["outcome"] == word
    # the job's latest run, in the jobs list, carries it too (its newest run is TERMINATING)
    [listed_job] = service.list_jobs(core, core.caller()).items
    assert listed_job["latest_run"]["outcome"] == "running"
    assert listed_job["latest_run"]["status"] == emr.TERMINATING  # EMR's word stays


def test_the_openapi_document_names_every_outcome() -> None:
    run = openapi_document()["components"]["schemas"]["Run"]["properties"]
    assert run["outcome"]["enum"] == list(constants.OUTCOMES)
    assert "/runs/{id}/output" in openapi_document()["paths"]


def test_pruning_keeps_the_newest_runs_outputs(core: Core, aws: Any) -> None:
    s3 = aws.client("s3")
    job = service.create_job(core, core.caller(), job_body(identifier="daily"))
    run_ids = []
    for _ in range(5):
        run_id = add_run(core, job["id"], emr.TERMINATED, "Notebook completed.")
        key = local_executor.output_key("daily", run_id, "report.ipynb")
        with core.store.session() as session:
            session.get(JobRun, run_id).output_notebook_key = key
        s3.put_object(Bucket=PRIVATE, Key=key, Body=b"{}")
        s3.put_object(Bucket=PRIVATE, Key=local_executor.log_key("daily", run_id, dt.datetime.now(UTC)),
                      Body=b"log")  # fmt: skip
        run_ids.append(run_id)
    add_run(core, job["id"], "MISSED")  # no output: never counted
    assert outputs.prune_run_outputs(core, keep=0) == []  # 0 keeps everything
    assert outputs.prune_run_outputs(core, keep=2) == run_ids[:3]
    assert outputs.prune_run_outputs(core, keep=2) == []  # once
    left = keys(aws, PRIVATE, "daily/")
    assert {k.split("/")[2] for k in left} == {f"run-{i}" for i in run_ids[3:]}
    assert len(left) == 4  # the notebook and the log of each kept run
    pruned = service.get_run(core, core.caller(), run_ids[0])
    assert pruned["output_pruned_at"] is not None and pruned["output_notebook_key"]
    assert service.get_run(core, core.caller(), run_ids[4])["output_pruned_at"] is None
    with pytest.raises(NotFound, match="was deleted: only the newest 10 runs"):
        outputs.open_run_output(core, core.caller(), run_ids[0])
    kept = outputs.open_run_output(core, core.caller(), run_ids[4])
    assert kept.read(100) == b"{}" and kept.filename == f"report-run-{run_ids[4]}.ipynb"
    kept.close()


def test_pruning_leaves_an_output_a_kept_run_shares(core: Core, aws: Any) -> None:
    # runs recorded before outputs were per run all named <identifier>/data/<notebook>
    shared = "daily/data/report.ipynb"
    aws.client("s3").put_object(Bucket=PRIVATE, Key=shared, Body=b"{}")
    job = service.create_job(core, core.caller(), job_body(identifier="daily"))
    old, new = (add_run(core, job["id"], emr.TERMINATED, key=shared) for _ in range(2))
    assert outputs.prune_run_outputs(core, keep=1) == [old]
    assert keys(aws, PRIVATE, "daily/") == [shared]
    assert service.get_run(core, core.caller(), new)["output_pruned_at"] is None
