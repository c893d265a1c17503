"""Fault injection (issue 9): AWS throttling and 5xx, S3 failures, SQLite under many writers,
and the Jupyter server SIGKILLed while local runs execute.

AWS faults are injected with a botocore ``before-send`` handler on the core's own clients:
the first N calls of an operation get a ThrottlingException (400) or an HTTP 500/503 instead
of reaching the emulator. boto3 retries them with backoff (standard mode); when the faults
outlast the retries the API answers 502 and nothing is half-written.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing as mp
import subprocess
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from atmo_lab.emr_clusters.models import Cluster
from atmo_lab.jobs import local_executor
from atmo_lab.jobs.models import Job, JobRun
from atmo_lab.jobs.periodic import run_due_jobs
from atmo_lab.notifications.models import Notification
from atmo_lab.ssh_keys.models import SSHKey
from atmo_lab.worker import leases
from atmo_lab.worker.leases import Lease

from .fault_aws import Fault, max_attempts
from .fault_crash import gated_notebook, run_row, wait_for
from .fault_writers import core_for, kernel_process, kernel_writes
from .sec_server import LiveServer, live_server
from .support import public_key
from .test_jobs_support import CODE, job_body, notebook

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
            tomorrow = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)
            # (not due yet: a tick of the server's own worker must not start it first)
            job_a = _create(live, "crash-adopted", flags["a"], start_date=tomorrow.isoformat())
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
                folder = f"run-{run.id}"
                assert run.output_notebook_key == f"{job['identifier']}/data/{folder}/report.ipynb"
                assert live.moto.keys(PRIVATE, f"{job['identifier']}/logs/{folder}/")  # shipped
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
        session.merge(Lease(name=local_executor.lease_name(run_id), holder=holder,
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
        report = local_executor.reconcile_runs(core)
        assert report == {"adopted": [], "finished": [], "failed": [same_host_dead]}
        run = run_row(core, same_host_dead)
        assert run.status == "TERMINATED_WITH_ERRORS" and run.finished_at is not None
        assert run.status_reason.startswith(local_executor.SERVER_STOPPED)
        notes = (await api("GET", "notifications")).json["notifications"]
        assert [n["kind"] for n in notes] == ["run_failed"]

        supervised_here = _running_local_run(core, job_id, None)  # a live process's lease
        _hold_lease(core, supervised_here, f"{leases.HOST}:{alive.pid}", dt.timedelta(minutes=5))
        elsewhere = _running_local_run(core, job_id, 4242)  # another host, lease current
        _hold_lease(core, elsewhere, "other-host:4242", dt.timedelta(minutes=5))
        assert local_executor.reconcile_runs(core) == {"adopted": [], "finished": [], "failed": []}
        assert run_row(core, supervised_here).status == run_row(core, elsewhere).status == "RUNNING"

        _hold_lease(core, elsewhere, "other-host:4242", -dt.timedelta(seconds=1))  # it lapsed
        assert local_executor.reconcile_runs(core)["failed"] == [elsewhere]
        assert run_row(core, elsewhere).status == "TERMINATED_WITH_ERRORS"
        assert run_row(core, supervised_here).status == "RUNNING"
    finally:
        alive.kill()
        alive.wait()


# --- AWS throttling and 5xx ----------------------------------------------------------------------


async def _key(api: Any) -> int:
    reply = await api("POST", "keys", {"title": "k", "key": public_key()})
    assert reply.code == 201, reply.body
    return int(reply.json["id"])


def _emr_clusters(aws: Any) -> set[str]:
    return {c["Id"] for c in aws.client("emr").list_clusters()["Clusters"]}


def _code_objects(aws: Any) -> dict[str, str]:
    listed = aws.client("s3").list_objects_v2(Bucket=CODE).get("Contents", [])
    return {o["Key"]: o["ETag"] for o in listed}


def _rows(core: Any, model: Any) -> int:
    with core.store.reader() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


async def test_launch_is_retried_through_throttling_and_5xx_then_502(
    api: Any, aws: Any, core: Any
) -> None:
    """RunJobFlow throttled or failing: boto3 retries with backoff (standard mode); if it
    keeps failing the launch is a 502 with AWS's code, and no cluster row is written."""
    emr = core.aws.emr
    total = max_attempts(emr)
    assert emr.meta.config.retries["mode"] == "standard" and total >= 3
    key_id = await _key(api)
    launch = {"size": 2, "ssh_key_id": key_id}
    report = []
    for kind in ("throttle", "500"):
        fault = Fault(emr, "RunJobFlow", kind, times=2)  # then the call gets through
        reply = await api("POST", "clusters", launch)
        assert reply.code == 201, reply.body
        assert (len(fault.attempts), fault.injected) == (3, 2)
        report.append(
            f"{kind} x{fault.injected}: retried, 201 after {fault.backoff_seconds():.1f} s"
        )
        fault.remove()
    assert _rows(core, Cluster) == 2 and len(_emr_clusters(aws)) == 2
    for kind, code in (("500", "InternalServerError"), ("throttle", "ThrottlingException")):
        fault = Fault(emr, "RunJobFlow", kind)
        reply = await api("POST", "clusters", launch)
        assert reply.code == 502, reply.body
        assert f"RunJobFlow failed: {code}" in reply.json["message"]
        assert len(fault.attempts) == total  # every attempt boto3 makes, then it gave up
        report.append(f"{kind} always: {total} attempts, 502 ({fault.backoff_seconds():.1f} s)")
        fault.remove()
        assert _rows(core, Cluster) == 2 and len(_emr_clusters(aws)) == 2  # nothing new
    print("\nRunJobFlow faults: " + "; ".join(report))


async def test_cluster_actions_when_emr_fails_change_nothing(api: Any, aws: Any, core: Any) -> None:
    key_id = await _key(api)
    cluster = (await api("POST", "clusters", {"size": 2, "ssh_key_id": key_id})).json
    emr = core.aws.emr
    for operation, path, body in [
        ("TerminateJobFlows", "terminate", None),
        ("ListInstanceGroups", "resize", {"size": 4}),
        ("ModifyInstanceGroups", "resize", {"size": 4}),
    ]:
        fault = Fault(emr, operation, "500")
        reply = await api("POST", f"clusters/{cluster['id']}/{path}", body)
        assert reply.code == 502 and operation in reply.json["message"], reply.body
        fault.remove()
        after = (await api("GET", f"clusters/{cluster['id']}")).json
        assert (after["status"], after["size"]) == ("WAITING", 2), operation
    state = aws.client("emr").describe_cluster(ClusterId=cluster["jobflow_id"])["Cluster"]
    assert state["Status"]["State"] == "WAITING"
    groups = aws.client("emr").list_instance_groups(ClusterId=cluster["jobflow_id"])
    assert {g["RequestedInstanceCount"] for g in groups["InstanceGroups"]} == {1, 2}


async def test_s3_faults_while_creating_and_changing_jobs(api: Any, aws: Any, core: Any) -> None:
    """PutObject failing while a job is created: retried, then 502 with no job row and no
    object; failing while a notebook is replaced or a job deleted: 502, job and stored
    notebook untouched; reads of the bucket: 502."""
    s3 = core.aws.s3
    total = max_attempts(s3)
    fault = Fault(s3, "PutObject", "s3-500", times=total - 1)
    reply = await api("POST", "jobs", job_body("survives"))
    assert reply.code == 201 and fault.injected == total - 1, reply.body
    fault.remove()
    fault = Fault(s3, "PutObject", "s3-slowdown", times=1)  # S3's throttling
    assert (await api("POST", "jobs", job_body("slowed"))).code == 201
    fault.remove()
    job = reply.json
    before_objects, before_rows = _code_objects(aws), _rows(core, Job)

    fault = Fault(s3, "PutObject", "s3-500")
    reply = await api("POST", "jobs", job_body("never-created"))
    assert reply.code == 502 and "PutObject failed: InternalError" in reply.json["message"]
    assert len(fault.attempts) == total
    invalid = job_body("invalid-and-unsent")  # checked while it is sent: its 400 comes first
    invalid["notebook"]["cells"][0]["cell_type"] = "spreadsheet"
    reply = await api("POST", "jobs", invalid)
    assert reply.code == 400 and "notebook" in reply.json["errors"], reply.body
    reply = await api("PATCH", f"jobs/{job['id']}", {"notebook": notebook("2"),
                                                     "notebook_name": "new.ipynb"})  # fmt: skip
    assert reply.code == 502, reply.body
    fault.remove()
    assert (await api("GET", f"jobs/{job['id']}")).json["notebook_name"] == "report.ipynb"
    for operation, method, path in [
        ("DeleteObject", "DELETE", f"jobs/{job['id']}"),
        ("ListObjectsV2", "GET", f"jobs/{job['id']}/results"),
        ("GetObject", "GET", f"jobs/{job['id']}/notebook"),
    ]:
        fault = Fault(s3, operation, "s3-500")
        reply = await api(method, path)
        assert reply.code == 502 and operation in reply.json["message"], (operation, reply.body)
        fault.remove()
    assert (await api("GET", f"jobs/{job['id']}")).code == 200  # not deleted
    assert _code_objects(aws) == before_objects and _rows(core, Job) == before_rows
    with core.store.reader() as session:
        for never in ("never-created", "invalid-and-unsent"):
            assert session.scalar(select(Job.id).where(Job.identifier == never)) is None


async def test_run_now_on_emr_through_faults(api: Any, aws: Any, core: Any) -> None:
    """RunJobFlow of a run: retried through 5xx; when it keeps failing, run-now is a 502 and
    the run is recorded failed with AWS's message (never left active, no cluster), once."""
    job = (await api("POST", "jobs", job_body("on-emr", executor="emr"))).json
    emr = core.aws.emr
    fault = Fault(emr, "RunJobFlow", "500")
    reply = await api("POST", f"jobs/{job['id']}/run")
    assert reply.code == 502 and "InternalServerError" in reply.json["message"], reply.body
    assert len(fault.attempts) == max_attempts(emr)
    fault.remove()
    runs = (await api("GET", f"jobs/{job['id']}/runs")).json["runs"]
    assert [(r["status"], r["jobflow_id"]) for r in runs] == [("TERMINATED_WITH_ERRORS", None)]
    assert "InternalServerError" in runs[0]["status_reason"]
    assert _emr_clusters(aws) == set()
    notes = (await api("GET", "notifications")).json["notifications"]
    assert [n["kind"] for n in notes] == ["run_failed"]
    fault = Fault(emr, "RunJobFlow", "throttle", times=2)
    reply = await api("POST", f"jobs/{job['id']}/run")  # the failed run is not active: 202
    assert reply.code == 202 and reply.json["jobflow_id"], reply.body
    fault.remove()
    assert len(_emr_clusters(aws)) == 1


# --- SQLite under twenty concurrent writers ---------------------------------------------------


async def test_sqlite_under_twenty_concurrent_writers(
    api: Any, aws: Any, core: Any, atmo_config: dict[str, Any], caplog: Any
) -> None:
    """8 REST clients (the server's handler threads), the embedded worker (4 consumer threads
    starting due runs), 4 kernel threads and 4 kernel processes (each with a Core of its own,
    as widgets have) write to one SQLite file at the same time. Every write lands exactly
    once; nobody sees "database is locked"."""
    clients, kernel_threads, kernel_processes, rounds = 8, 4, 4, 5
    key_id = await _key(api)
    cluster = (await api("POST", "clusters", {"size": 1, "ssh_key_id": key_id})).json
    worker = core.worker
    worker.start(workers=4, periodic=False)
    past = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)).isoformat()
    stop_ticking = asyncio.Event()

    async def tick() -> None:  # the scheduler: "run due jobs" keeps being queued
        while not stop_ticking.is_set():
            worker.enqueue("run_due_jobs:retry", 0)
            await asyncio.sleep(0.3)

    async def client(i: int) -> list[int]:
        codes = []
        for r in range(3):
            body = job_body(f"writer-{i}-{r}", executor="emr", start_date=past)
            reply = await api("POST", "jobs", body)
            codes.append(reply.code)
            patch = await api("PATCH", f"jobs/{reply.json['id']}", {"description": f"v{r}"})
            codes.append(patch.code)
        for _ in range(2):
            reply = await api("POST", f"clusters/{cluster['id']}/extend", {"hours": 2})
            codes.append(reply.code)
        return codes

    def kernel_thread(i: int) -> int:
        own = core_for(atmo_config)
        try:
            return kernel_writes(own, f"kernel-t{i}", rounds, cluster["id"])
        finally:
            own.close()

    loop = asyncio.get_running_loop()
    ticker = asyncio.create_task(tick())
    with ProcessPoolExecutor(kernel_processes, mp_context=mp.get_context("spawn")) as pool:
        processes = [
            loop.run_in_executor(pool, kernel_process, atmo_config, f"kernel-p{i}", rounds,
                                 cluster["id"])
            for i in range(kernel_processes)
        ]  # fmt: skip
        results = await asyncio.gather(
            *(client(i) for i in range(clients)),
            *(asyncio.to_thread(kernel_thread, i) for i in range(kernel_threads)),
            *processes,
        )
    http, threads, procs = (results[:clients], results[clients : clients + kernel_threads],
                            results[clients + kernel_threads :])  # fmt: skip
    assert all(code in (200, 201) for codes in http for code in codes), http
    assert threads == [3 * rounds] * kernel_threads
    assert procs == [""] * kernel_processes, "\n".join(procs)

    jobs = clients * 3

    def every_job_ran_once() -> bool:
        with core.store.reader() as session:
            ran = session.scalar(select(func.count(func.distinct(JobRun.job_id))))
        return ran == jobs

    try:
        deadline = loop.time() + 60
        while not every_job_ran_once():
            assert loop.time() < deadline, "the worker did not start every due job in 60 s"
            await asyncio.sleep(0.3)
    finally:
        stop_ticking.set()
        await ticker
        worker.stop()
    with core.store.reader() as session:
        per_job = dict(
            session.execute(select(JobRun.job_id, func.count()).group_by(JobRun.job_id)).all()
        )
        assert sorted(per_job.values()) == [1] * jobs  # none lost, none twice
        kernels = kernel_threads + kernel_processes
        assert _rows(core, SSHKey) == 1 + kernels * rounds
        assert _rows(core, Notification) == kernels * rounds
        assert session.scalar(select(func.count()).select_from(Job)) == jobs
        described = set(session.scalars(select(Job.description)))
        assert described == {"v0", "v1", "v2"}
        row = session.get(Cluster, cluster["id"])
        assert row is not None
        extensions = kernels * rounds + clients * 2
        assert row.lifetime_extension_count == extensions
        created_expiry = dt.datetime.fromisoformat(cluster["expires_at"])
        assert row.expires_at == created_expiry + dt.timedelta(hours=2 * extensions)
    assert "database is locked" not in caplog.text
    writes = sum(len(c) for c in http) + sum(threads) + kernel_processes * 3 * rounds + jobs
    print(f"\nSQLite: 20 concurrent writers, {writes} writes, none lost, no lock errors")
