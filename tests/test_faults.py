"""Fault injection (issue 9): AWS throttling and 5xx, S3 failures, SQLite under many writers,
and the Jupyter server SIGKILLed while local runs execute.

AWS faults are injected with a botocore ``before-send`` handler on the core's own clients:
the first N calls of an operation get a ThrottlingException (400) or an HTTP 500/503 instead
of reaching the emulator. boto3 retries them with backoff (standard mode); when the faults
outlast the retries the API answers 502 and nothing is half-written.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy import select

from atmo_lab.jobs import local
from atmo_lab.jobs.models import Job, JobRun
from atmo_lab.jobs.periodic import run_due_jobs
from atmo_lab.worker import leases
from atmo_lab.worker.leases import Lease

from .fault_crash import gated_notebook, run_row, wait_for
from .sec_server import LiveServer, live_server
from .test_jobs_support import job_body

PRIVATE = "atmo-lab-private-data"

# --- the Jupyter server killed while local runs execute ------------------------------------------


def _create(live: LiveServer, identifier: str, flag: Path, **fields: Any) -> dict[str, Any]:
    body = job_body(identifier, notebook=gated_notebook(flag), **fields)
    reply = live.call("POST", "jobs", body)
    assert reply.status_code == 201, reply.text
    return dict(reply.json())


def _run_now(live: LiveServer, job: dict[str, Any]) -> int:
    reply = live.call("POST", f"jobs/{job['id']}/run")
    assert reply.status_code == 202, reply.text
    return int(reply.json()["id"])


def test_server_killed_during_local_runs_then_restarted(tmp_path: Path) -> None:
    """SIGKILL the server while two local runs execute, then start it again:

    - A's notebook is still running after the restart: the new server adopts it, and it
      finishes TERMINATED with its executed notebook and log;
    - C, a scheduled occurrence, finished while the server was down: its result is picked up
      (TERMINATED), and the occurrence is recorded once (a tick after the restart does not
      run it again).

    (A run whose process died with the server: test_run_whose_process_died_with_its_server.)
    """
    flags = {name: tmp_path / f"go-{name}" for name in "ac"}
    with live_server(tmp_path / "srv", atmo={"embedded_worker": True}) as live:
        core = live.core()
        try:
            job_a = _create(live, "crash-adopted", flags["a"])
            start = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)
            job_c = _create(live, "crash-finished", flags["c"], interval_in_hours=24,
                            start_date=start.isoformat())  # fmt: skip
            run_a = _run_now(live, job_a)
            # C runs on its schedule: its first occurrence is due, and a tick (this one, or
            # the server's own a minute later) claims it
            run_due_jobs(core)

            def run_of_c() -> int | None:
                with core.store.reader() as session:
                    return session.scalar(select(JobRun.id).where(JobRun.job_id == job_c["id"]))

            run_c = wait_for(run_of_c, 70, "C's occurrence started")
            for name, run in {"a": run_a, "c": run_c}.items():
                wait_for(lambda r=run: run_row(core, r).pid, 90, f"run {name} started")
            live.kill()
            flags["c"].touch()  # C finishes while the server is down
            folders = tmp_path / "srv" / "tmp"
            wait_for(
                lambda: list(folders.glob(f"atmo-lab-run-{run_c}-*/result.json")), 60, "C ends"
            )
            assert run_row(core, run_c).status == "RUNNING"  # nobody recorded it yet

            live.start()
            c = wait_for(lambda: _final(core, run_c), 30, "C reconciled")
            assert (c.status, c.status_reason) == ("TERMINATED", "Notebook completed.")
            assert run_row(core, run_a).status == "RUNNING"  # adopted, still executing
            flags["a"].touch()
            a = wait_for(lambda: _final(core, run_a), 60, "A finished under its new supervisor")
            assert (a.status, a.status_reason) == ("TERMINATED", "Notebook completed.")

            for job, run in ((job_a, a), (job_c, c)):
                assert run.output_notebook_key == f"{job['identifier']}/data/report.ipynb"
                assert live.moto.keys(PRIVATE, f"{job['identifier']}/logs/")  # log shipped
            assert not list(folders.glob("atmo-lab-run-*"))  # cleaned up
            # the occurrence C ran for is recorded once: another tick starts nothing
            assert run_due_jobs(core)["started"] == []
            with core.store.reader() as session:
                c_runs = list(session.scalars(select(JobRun).where(JobRun.job_id == job_c["id"])))
                job = session.get(Job, job_c["id"])
                assert job is not None and job.next_run_at is not None
            assert [r.scheduled_at for r in c_runs] == [job.next_run_at - dt.timedelta(hours=24)]
            print("\ncrash: 2 runs in flight at SIGKILL -> 1 adopted and finished, 1 finished "
                  "while the server was down and picked up; 0 left RUNNING, 0 occurrences lost")  # fmt: skip
        finally:
            core.close()


def _final(core: Any, run_id: int) -> Any:
    run = run_row(core, run_id)
    return run if run.status not in ("RUNNING", "STARTING") else None


def _processes() -> tuple[subprocess.Popen[bytes], subprocess.Popen[bytes]]:
    """A process that has exited (its pid is free) and one that lives."""
    dead = subprocess.Popen(["true"])
    dead.wait()
    return dead, subprocess.Popen(["sleep", "60"])


def _running_local_run(core: Any, job_id: int, pid: int | None) -> int:
    """A run row as a supervisor leaves it when it dies: RUNNING, started, with its pid."""
    now = dt.datetime.now(dt.timezone.utc)
    with core.store.session() as session:
        run = JobRun(job_id=job_id, executor="local", status="RUNNING", size=1,
                     emr_release="7.5.0", scheduled_at=now, started_at=now, ready_at=now,
                     pid=pid)  # fmt: skip
        session.add(run)
        session.flush()
        return int(run.id)


def _hold_lease(core: Any, run_id: int, holder: str, expires_in: dt.timedelta) -> None:
    with core.store.session() as session:
        session.merge(Lease(name=local.lease_name(run_id), holder=holder,
                            expires_at=dt.datetime.now(dt.timezone.utc) + expires_in))  # fmt: skip


async def test_run_whose_process_died_with_its_server(api: Any, aws: Any, core: Any) -> None:
    """Runs whose supervisor is gone end TERMINATED_WITH_ERRORS with a reason and an alert,
    unless a live supervisor (this host, or another host whose lease is current) has them."""
    reply = await api("POST", "jobs", job_body("orphaned"))
    job_id = reply.json["id"]
    dead, alive = _processes()
    try:
        same_host_dead = _running_local_run(core, job_id, dead.pid)
        _hold_lease(core, same_host_dead, f"{leases.HOST}:{dead.pid}", dt.timedelta(minutes=5))
        report = local.reconcile_runs(core)
        assert report == {"adopted": [], "finished": [], "failed": [same_host_dead]}
        run = run_row(core, same_host_dead)
        assert run.status == "TERMINATED_WITH_ERRORS" and run.finished_at is not None
        assert run.status_reason.startswith(local.SERVER_STOPPED)
        notes = (await api("GET", "notifications")).json["notifications"]
        assert [n["kind"] for n in notes] == ["run_failed"]

        supervised_here = _running_local_run(core, job_id, None)  # a live process's lease
        _hold_lease(core, supervised_here, f"{leases.HOST}:{alive.pid}", dt.timedelta(minutes=5))
        elsewhere = _running_local_run(core, job_id, 4242)  # another host, lease current
        _hold_lease(core, elsewhere, "other-host:4242", dt.timedelta(minutes=5))
        assert local.reconcile_runs(core) == {"adopted": [], "finished": [], "failed": []}
        assert run_row(core, supervised_here).status == run_row(core, elsewhere).status == "RUNNING"

        _hold_lease(core, elsewhere, "other-host:4242", -dt.timedelta(seconds=1))  # it lapsed
        assert local.reconcile_runs(core)["failed"] == [elsewhere]
        assert run_row(core, elsewhere).status == "TERMINATED_WITH_ERRORS"
        assert run_row(core, supervised_here).status == "RUNNING"
    finally:
        alive.kill()
        alive.wait()
