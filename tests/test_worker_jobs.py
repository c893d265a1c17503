"""Worker tasks for jobs against the moto server: due runs once, overlaps, timeouts, alerts."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.emr.models import emr_backends
from moto.ses.models import ses_backends
from sqlalchemy import select

from atmo_lab.emr import ACTIVE_STATES
from atmo_lab.jobs import periodic
from atmo_lab.jobs.models import Job, JobRun
from atmo_lab.jobs.service import create_job
from atmo_lab.notifications.service import deliver_pending
from atmo_lab.sync import sync_all
from atmo_lab.worker.runtime import run_periodic_once

from .conftest import REGION
from .support import public_key
from .test_jobs_support import job_body
from .test_worker_clusters import count_calls, launch

pytestmark = pytest.mark.atmo(email_domain="example.com", job_executor="emr")

PAST = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)).isoformat()


def new_job(core, identifier="nightly", **fields):
    body = job_body(identifier, start_date=PAST, interval_in_hours=24, executor="emr") | fields
    return create_job(core, core.caller(), body)


def runs_of(core, job_id):
    with core.store.reader() as session:
        return list(
            session.scalars(select(JobRun).where(JobRun.job_id == job_id).order_by(JobRun.id))
        )


def emr_cluster(jobflow_id):
    """moto's in-process record of a cluster (the server files EMR under its default region)."""
    backends = emr_backends[DEFAULT_ACCOUNT_ID]
    return next(b.clusters[jobflow_id] for b in backends.values() if jobflow_id in b.clusters)


async def test_a_due_job_runs_once(aws, core):
    job = new_job(core)
    assert dt.datetime.fromisoformat(job["next_run_at"]) <= dt.datetime.now(dt.timezone.utc)
    report = periodic.run_due_jobs(core)
    assert report == {"started": [job["id"]]}
    assert periodic.run_due_jobs(core) == {"started": []}
    (run,) = runs_of(core, job["id"])
    assert run.jobflow_id and run.status in ACTIVE_STATES
    assert run.scheduled_at == dt.datetime.fromisoformat(PAST)
    with core.store.reader() as session:
        next_run = session.get(Job, job["id"]).next_run_at
    assert next_run == dt.datetime.fromisoformat(PAST) + dt.timedelta(hours=24)


@pytest.mark.atmo(stranded_claim_seconds=0)
async def test_many_due_jobs_start_together_each_once(aws, core, monkeypatch):
    """Occurrences start a few at a time; one that fails doesn't stop the others, and the
    next tick starts it (the batch stays claimed until every occurrence was handled), and only
    it: the others are not taken for overlapping occurrences and retried."""
    jobs = [new_job(core, f"nightly-{i}")["id"] for i in range(2 * periodic.LAUNCH_THREADS + 1)]
    broken = jobs[3]
    start = periodic.start_occurrence

    def flaky(core_, job_id, occurrence, attempt=0):
        if job_id == broken:
            raise RuntimeError("the store went away")
        return start(core_, job_id, occurrence, attempt)

    monkeypatch.setattr(periodic, "start_occurrence", flaky)
    with pytest.raises(RuntimeError, match="went away"):
        periodic.run_due_jobs(core)
    assert [len(runs_of(core, j)) for j in jobs] == [0 if j == broken else 1 for j in jobs]
    monkeypatch.setattr(periodic, "start_occurrence", start)
    assert periodic.run_due_jobs(core) == {"started": [broken]}
    assert periodic.run_due_jobs(core) == {"started": []}
    assert [len(runs_of(core, j)) for j in jobs] == [1] * len(jobs)
    assert len(aws.client("emr").list_clusters()["Clusters"]) == len(jobs)


async def test_an_overlapping_occurrence_is_retried_then_recorded_missed(aws, core, monkeypatch):
    job = new_job(core)
    periodic.run_due_jobs(core)
    (first,) = runs_of(core, job["id"])  # RUNNING forever in moto
    with core.store.session() as session:  # the next occurrence comes due while it runs
        session.get(Job, job["id"]).next_run_at = dt.datetime.now(dt.timezone.utc)
    monkeypatch.setattr(periodic, "OVERLAP_RETRY_SECONDS", 0.2)
    monkeypatch.setattr(periodic, "OVERLAP_MAX_RETRIES", 3)
    core.worker.start(workers=2, periodic=False)
    try:
        assert periodic.run_due_jobs(core) == {"retrying": [job["id"]]}
        for _ in range(100):
            statuses = [r.status for r in runs_of(core, job["id"])]
            if "MISSED" in statuses:
                break
            await asyncio.sleep(0.1)
    finally:
        core.worker.stop()
    runs = runs_of(core, job["id"])
    assert [r.status for r in runs][1:] == ["MISSED"] and runs[0].status in ACTIVE_STATES
    assert "still active after 3 checks" in runs[1].status_reason
    assert runs[0].id == first.id


async def test_an_overlap_that_clears_in_time_starts_the_run(aws, core, monkeypatch):
    job = new_job(core)
    periodic.run_due_jobs(core)
    (first,) = runs_of(core, job["id"])
    assert (
        periodic.start_occurrence(core, job["id"], dt.datetime.now(dt.timezone.utc)) == "retrying"
    )
    aws.client("emr").terminate_job_flows(JobFlowIds=[first.jobflow_id])
    sync_all(core)
    assert runs_of(core, job["id"])[0].status == "TERMINATED"
    assert (
        periodic.start_occurrence(core, job["id"], dt.datetime.now(dt.timezone.utc), 1) == "started"
    )


async def test_timeout_terminates_the_run_cluster_and_notifies_once(aws, core, api):
    job = new_job(core, job_timeout_hours=1)
    periodic.run_due_jobs(core)
    (run,) = runs_of(core, job["id"])
    with core.store.session() as session:
        row = session.get(JobRun, run.id)
        row.scheduled_at -= dt.timedelta(hours=2)  # counted from the start, not from this
    assert periodic.enforce_job_timeouts(core) == {"timed_out_runs": []}
    with core.store.session() as session:
        row = session.get(JobRun, run.id)
        for name in ("created_at", "started_at", "ready_at"):  # the cluster ran for 2 h
            setattr(row, name, dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=2))
    assert periodic.enforce_job_timeouts(core) == {"timed_out_runs": [run.id]}
    assert periodic.enforce_job_timeouts(core) == {"timed_out_runs": []}
    assert emr_cluster(run.jobflow_id).state == "TERMINATED"
    (after,) = runs_of(core, job["id"])
    assert after.status == "TERMINATED_WITH_ERRORS" and "timed out" in after.status_reason
    kinds = [n["kind"] for n in (await api("GET", "notifications")).json["notifications"]]
    assert kinds == ["run_timed_out"]


async def test_a_failed_run_alerts_once_by_mail(aws, core, api):
    job = new_job(core)
    periodic.run_due_jobs(core)
    (run,) = runs_of(core, job["id"])
    # moto never fails a step; set the state real EMR would report (mocked: EMR's progress)
    cluster = emr_cluster(run.jobflow_id)
    cluster.state = "TERMINATED_WITH_ERRORS"
    cluster.last_state_change_reason = "Step RunNotebook failed"
    assert sync_all(core).runs_updated == [run.id]
    assert sync_all(core).runs_updated == []
    assert deliver_pending(core) == 1
    assert deliver_pending(core) == 0
    (mail,) = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
    assert "nightly" in mail.subject
    notes = (await api("GET", "notifications")).json["notifications"]
    assert [(n["kind"], n["object"]["type"]) for n in notes] == [("run_failed", "run")]


async def test_sync_cost_over_clusters_and_runs_is_list_pages_plus_missing_addresses(
    aws, core, api
):
    key = (await api("POST", "keys", {"title": "k", "key": public_key()})).json
    for i in range(30):
        new_job(core, f"job-{i}")
    periodic.run_due_jobs(core)
    clusters = [await launch(api, ssh_key_id=key["id"]) for _ in range(90)]
    calls = count_calls(core)
    report = sync_all(core)
    pages = -(-(90 + 30) // 50)
    assert calls == ["ListClusters"] * pages  # launch stored every master address already
    assert report.list_pages == pages
    assert len(clusters) == 90


async def test_tick_lists_every_task(aws, core):
    new_job(core)
    reports = dict(run_periodic_once(core))
    assert list(reports) == [
        "sync_emr", "terminate_expired_clusters", "send_expiry_warnings", "reconcile_local_runs",
        "run_due_jobs", "enforce_job_timeouts", "expire_lapsed_jobs", "prune_run_outputs",
        "send_notifications",
    ]  # fmt: skip
    assert len(reports["run_due_jobs"]["started"]) == 1


# --- a worker that dies mid-tick ------------------------------------------------------------


@pytest.mark.atmo(stranded_claim_seconds=0)
async def test_an_occurrence_claimed_by_a_worker_that_died_is_started_once(aws, core):
    from atmo_lab.jobs.runs import claim_due_jobs

    job = new_job(core)
    assert [j for j, _ in claim_due_jobs(core)] == [job["id"]]  # ...and the worker dies here
    assert runs_of(core, job["id"]) == []
    assert periodic.run_due_jobs(core) == {"started": [job["id"]]}
    assert periodic.run_due_jobs(core) == {"started": []}
    (run,) = runs_of(core, job["id"])
    assert run.jobflow_id is not None
    with core.store.reader() as session:
        assert session.get(Job, job["id"]).pending_occurrence is None


@pytest.mark.atmo(stranded_claim_seconds=0)
async def test_a_run_recorded_but_never_launched_is_launched_once(aws, core):
    from atmo_lab.jobs.runs import _record_run, claim_due_jobs

    job = new_job(core)
    ((job_id, occurrence),) = claim_due_jobs(core)
    _record_run(core, job_id, occurrence, manual=False)  # ...and the worker dies here
    (unlaunched,) = runs_of(core, job["id"])
    assert unlaunched.jobflow_id is None
    periodic.run_due_jobs(core)
    periodic.run_due_jobs(core)
    (run,) = runs_of(core, job["id"])
    assert run.id == unlaunched.id and run.jobflow_id is not None
    assert len(aws.client("emr").list_clusters()["Clusters"]) == 1


async def test_a_claim_in_progress_elsewhere_is_left_alone(aws, core):
    from atmo_lab.jobs.runs import claim_due_jobs

    new_job(core)
    claim_due_jobs(core)  # another worker is handling it right now (default grace: 5 min)
    assert periodic.run_due_jobs(core) == {"started": []}


def test_a_worker_killed_mid_tick_loses_and_duplicates_nothing(aws, atmo_config, tmp_path):
    """SIGKILL a standalone worker while it starts 60 due jobs; a restarted one finishes."""
    import signal

    from traitlets.config import Config

    from atmo_lab.core import Core
    from atmo_lab.settings import settings_from_config

    from .scale_out import wait_for, workers

    config = atmo_config | {"embedded_worker": False, "stranded_claim_seconds": 1}
    core = Core(settings_from_config(Config({"AtmoLabApp": config})))
    for i in range(60):
        new_job(core, f"job-{i:02d}")

    def started() -> int:
        with core.store.reader() as session:
            return session.query(JobRun).filter(JobRun.jobflow_id.is_not(None)).count()

    with workers(config, 1, tmp_path) as (proc,):
        assert wait_for(lambda: started() >= 5, timeout=60)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    killed_at = started()
    with workers(config, 1, tmp_path):
        assert wait_for(lambda: started() >= 60, timeout=90), (
            tmp_path / "worker-0.log"
        ).read_text()
    with core.store.reader() as session:
        runs = session.query(JobRun).all()
        pending = session.query(Job).filter(Job.pending_occurrence.is_not(None)).count()
    assert len(runs) == 60 and len({r.job_id for r in runs}) == 60
    assert all(r.jobflow_id for r in runs) and pending == 0
    assert len({r.jobflow_id for r in runs}) == 60
    assert killed_at < 60  # the kill really happened mid-tick
    core.close()
