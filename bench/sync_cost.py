"""Benchmark 1 — sync cost: AWS calls and wall time of one sync round.

N active clusters and M active EMR job runs live in a moto server (its own process); the
store (SQLite) holds the matching rows. One round is timed three ways, on the same store code
(``apply_info`` / ``apply_run_info``), counting every HTTP request the core's EMR client sends
(botocore ``before-send``):

- atmo_lab: ``atmo_lab.sync.sync_all`` — one paginated ListClusters pass for clusters and runs,
  DescribeCluster only for a RUNNING/WAITING cluster whose master address is unknown;
- ATMO: ``update_clusters`` and ``update_jobs_statuses`` as two separate ListClusters passes,
  each with its own CreatedAfter, then ``update_master_address``;
- naive: one DescribeCluster per active cluster and per active run.

Two states: *warm* (the steady state: the store already matches EMR and knows every master
address, so nothing needs DescribeCluster) and *cold* (every row as just launched: STARTING,
no master address — the first round after N launches; every cluster needs its address).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .common import OWNER, REGION, Measure, MotoServer, Row, Workdir, log, row_from, settings_for

SIZES = {"smoke": [(10, 10)], "full": [(10, 10), (100, 100), (1000, 1000)]}
REPS = {"smoke": 1, "full": 5}
REPS_LARGE = 3  # at (1000, 1000): naive is ~2,000 requests per round
PAGE = 50  # moto's fixed ListClusters page size
STEP = [
    {
        "Name": "RunNotebook",
        "ActionOnFailure": "TERMINATE_CLUSTER",
        "HadoopJarStep": {"Jar": "command-runner.jar", "Args": ["papermill", "in", "out"]},
    }
]


class CallCounter:
    """Counts the requests a boto3 client sends, per operation (retries count too)."""

    def __init__(self, client: Any) -> None:
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        client.meta.events.register("before-send.emr", self._count)

    def _count(self, event_name: str = "", **_: Any) -> None:
        with self._lock:
            self.calls[event_name.rsplit(".", 1)[-1]] += 1

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()

    @property
    def total(self) -> int:
        return sum(self.calls.values())


# --- the emulator and the store --------------------------------------------------------------------


def _launch(emr: Any, n: int, kind: str) -> list[str]:
    """`n` moto clusters: WAITING interactive clusters, or RUNNING job clusters (with a step)."""

    def one(i: int) -> str:
        params: dict[str, Any] = {
            "Name": f"atmo-bench-{kind}-{OWNER}-{kind}-{i}",
            "ReleaseLabel": "emr-7.5.0",
            "Instances": {
                "MasterInstanceType": "m5.xlarge",
                "InstanceCount": 1,
                "KeepJobFlowAliveWhenNoSteps": kind == "cluster",
            },
            "JobFlowRole": "EMR_EC2_DefaultRole",
            "ServiceRole": "EMR_DefaultRole",
            "VisibleToAllUsers": True,
        }
        jobflow_id = str(emr.run_job_flow(**params)["JobFlowId"])
        if kind == "job":  # add_job_flow_steps is what makes a moto cluster RUNNING
            emr.add_job_flow_steps(JobFlowId=jobflow_id, Steps=STEP)
        return jobflow_id

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(one, range(n)))


def _seed_store(core: Any, clusters: list[str], runs: list[str]) -> None:
    from sqlalchemy import insert

    from atmo_lab.emr_clusters.models import Cluster
    from atmo_lab.jobs.models import Job, JobRun

    now = dt.datetime.now(dt.timezone.utc)
    core.store.create_schema()
    with core.store.session() as session:
        if clusters:
            session.execute(
                insert(Cluster),
                [
                    {
                        "owner": OWNER,
                        "identifier": f"cluster-{i}",
                        "size": 1,
                        "lifetime_hours": 8,
                        "lifetime_extension_count": 0,
                        "emr_release": "7.5.0",
                        "jobflow_id": jobflow_id,
                        "status": "STARTING",
                        "status_reason": "",
                        "master_address": "",
                        "created_at": now,
                        "expires_at": now + dt.timedelta(hours=8),
                        "expiration_warning_sent": False,
                        "modified_at": now,
                    }
                    for i, jobflow_id in enumerate(clusters)
                ],
            )
        if runs:
            session.execute(
                insert(Job),
                [
                    {
                        "id": i + 1,
                        "owner": OWNER,
                        "identifier": f"job-{i}",
                        "description": "bench",
                        "notebook_name": "n.ipynb",
                        "notebook_s3_key": f"jobs/job-{i}/n.ipynb",
                        "result_visibility": "private",
                        "size": 1,
                        "interval_in_hours": 24,
                        "timezone": "UTC",
                        "job_timeout_hours": 24,
                        "start_date": now - dt.timedelta(days=1),
                        "is_enabled": True,
                        "emr_release": "7.5.0",
                        "parameters": {},
                        "executor": "emr",
                        "next_run_at": now + dt.timedelta(days=1),
                        "created_at": now - dt.timedelta(days=1),
                        "modified_at": now,
                    }
                    for i in range(len(runs))
                ],
            )
            session.execute(
                insert(JobRun),
                [
                    {
                        "job_id": i + 1,
                        "executor": "emr",
                        "status": "STARTING",
                        "status_reason": "",
                        "jobflow_id": jobflow_id,
                        "size": 1,
                        "emr_release": "7.5.0",
                        "is_manual": False,
                        "scheduled_at": now,
                        "alert_sent": False,
                        "created_at": now,
                        "modified_at": now,
                    }
                    for i, jobflow_id in enumerate(runs)
                ],
            )


def _make_cold(core: Any) -> None:
    """Every row as just launched: STARTING, nothing known from EMR yet."""
    from sqlalchemy import update

    from atmo_lab.emr_clusters.models import Cluster
    from atmo_lab.jobs.models import JobRun

    with core.store.session() as session:
        session.execute(
            update(Cluster).values(
                status="STARTING",
                status_reason="",
                master_address="",
                started_at=None,
                ready_at=None,
                finished_at=None,
            )
        )
        session.execute(
            update(JobRun).values(
                status="STARTING",
                status_reason="",
                started_at=None,
                ready_at=None,
                finished_at=None,
            )
        )


# --- the three ways of syncing -------------------------------------------------------------------


def sync_atmo_lab(core: Any) -> dict[str, Any]:
    from atmo_lab.sync import sync_all

    report = sync_all(core)
    return {"pages": report.list_pages, "addresses": len(report.addresses_fetched)}


def sync_atmo(core: Any) -> dict[str, Any]:
    """ATMO: update_clusters, update_jobs_statuses (separate passes), update_master_address."""
    from sqlalchemy import func, select

    from atmo_lab import emr
    from atmo_lab.emr_clusters.models import Cluster
    from atmo_lab.emr_clusters.service import apply_info
    from atmo_lab.jobs.models import JobRun
    from atmo_lab.jobs.service import apply_run_info
    from atmo_lab.sync import list_emr_clusters

    pages = 0
    need_address: list[tuple[int, str]] = []
    # update_clusters: its own ListClusters(CreatedAfter=oldest active cluster's day)
    with core.store.reader() as session:
        oldest = session.scalar(
            select(func.min(Cluster.created_at)).where(Cluster.status.in_(emr.ACTIVE_STATES))
        )
    if oldest is not None:
        infos, n = list_emr_clusters(core, oldest)
        pages += n
        with core.store.session() as session:
            for cluster in session.scalars(
                select(Cluster).where(Cluster.status.in_(emr.ACTIVE_STATES))
            ):
                info = infos.get(cluster.jobflow_id)
                if info is None:
                    continue
                apply_info(cluster, info)
                if cluster.status in emr.READY_STATES and not cluster.master_address:
                    need_address.append((cluster.id, cluster.jobflow_id))
    # update_jobs_statuses: another ListClusters(CreatedAfter=oldest active run's day)
    with core.store.reader() as session:
        oldest = session.scalar(
            select(func.min(JobRun.created_at)).where(JobRun.status.in_(emr.ACTIVE_STATES))
        )
    if oldest is not None:
        infos, n = list_emr_clusters(core, oldest)
        pages += n
        with core.store.session() as session:
            for run in list(
                session.scalars(select(JobRun).where(JobRun.status.in_(emr.ACTIVE_STATES)))
            ):
                info = infos.get(run.jobflow_id or "")
                if info is not None:
                    apply_run_info(session, run, info)
    # update_master_address(cluster) for each RUNNING/WAITING cluster without an address
    for cluster_id, jobflow_id in need_address:
        info = emr.describe(core, jobflow_id)
        if info.master_address:
            with core.store.session() as session:
                cluster = session.get(Cluster, cluster_id)
                if cluster is not None and not cluster.master_address:
                    cluster.master_address = info.master_address
    return {"pages": pages, "addresses": len(need_address)}


def sync_naive(core: Any) -> dict[str, Any]:
    """One DescribeCluster per active cluster and per active run."""
    from sqlalchemy import select

    from atmo_lab import emr
    from atmo_lab.emr_clusters.models import Cluster
    from atmo_lab.emr_clusters.service import apply_info
    from atmo_lab.jobs.models import JobRun
    from atmo_lab.jobs.service import apply_run_info

    with core.store.session() as session:
        for cluster in session.scalars(
            select(Cluster).where(Cluster.status.in_(emr.ACTIVE_STATES))
        ):
            apply_info(cluster, emr.describe(core, cluster.jobflow_id))
    with core.store.session() as session:
        for run in list(
            session.scalars(
                select(JobRun).where(
                    JobRun.status.in_(emr.ACTIVE_STATES), JobRun.jobflow_id.is_not(None)
                )
            )
        ):
            apply_run_info(session, run, emr.describe(core, run.jobflow_id or ""))
    return {}


METHODS = {"atmo_lab": sync_atmo_lab, "ATMO": sync_atmo, "naive": sync_naive}


# --- the benchmark -------------------------------------------------------------------------------


def _measure(core: Any, counter: CallCounter, state: str, reps: int) -> dict[str, Any]:
    import time

    out: dict[str, Any] = {}
    for name, fn in METHODS.items():
        times: list[float] = []
        calls: list[int] = []
        detail: dict[str, Any] = {}
        for _ in range(reps):
            if state == "cold":
                _make_cold(core)
            else:
                sync_atmo_lab(core)  # bring the store up to date (not measured)
            counter.reset()
            t0 = time.perf_counter()
            detail = fn(core)
            times.append(time.perf_counter() - t0)
            calls.append(counter.total)
            detail["by_operation"] = dict(counter.calls)
        out[name] = {"times": times, "calls": calls, **detail}
    return out


def run(size: str) -> list[Row]:
    from atmo_lab.core import Core

    rows: list[Row] = []
    with Workdir("sync") as work, MotoServer(work) as moto:
        moto.use()
        import boto3

        for n_clusters, n_runs in SIZES[size]:
            label = f"({n_clusters},{n_runs})"
            moto.reset(buckets=False)
            emr = boto3.session.Session(region_name=REGION).client("emr")
            log(f"sync {label}: launching {n_clusters} + {n_runs} moto clusters")
            clusters = _launch(emr, n_clusters, "cluster")
            runs = _launch(emr, n_runs, "job")
            core = Core(settings_for(f"sqlite:///{work / f'sync-{n_clusters}.sqlite'}"))
            _seed_store(core, clusters, runs)
            counter = CallCounter(core.aws.emr)
            reps = REPS[size] if n_clusters < 1000 else REPS_LARGE
            expected_pages = -(-(n_clusters + n_runs) // PAGE)
            for state in ("warm", "cold"):
                log(f"sync {label} {state}: {reps} rounds of each method")
                res = _measure(core, counter, state, reps)
                rows += _rows(label, state, res, expected_pages, n_clusters, n_clusters >= 1000)
            core.close()
    return rows


def _rows(
    label: str, state: str, res: dict[str, Any], pages: int, n_clusters: int, judge: bool
) -> list[Row]:
    ours, atmo, naive = res["atmo_lab"], res["ATMO"], res["naive"]
    calls = Measure([float(c) for c in ours["calls"]], unit="calls", scale=1)
    atmo_calls = Measure([float(c) for c in atmo["calls"]], unit="calls", scale=1)
    naive_calls = Measure([float(c) for c in naive["calls"]], unit="calls", scale=1)
    missing = n_clusters if state == "cold" else 0
    formula = pages + missing
    formula_ok = all(c == formula for c in ours["calls"])
    bench = f"1 sync {label}"
    ops = ", ".join(f"{k} {v}" for k, v in sorted(ours["by_operation"].items()))
    rows = []
    if state == "warm":
        r = row_from(
            bench,
            "warm: AWS calls, atmo_lab vs ATMO",
            calls,
            atmo_calls,
            "ATMO 2 passes",
            limit=0.5 if judge else None,
            target="≤ 0.5 and = P+A" if judge else "= P+A",
            note=f"atmo_lab: {ops}; expected {pages} pages + {missing} missing",
        )
        r.met = formula_ok and r.met is not False
        rows.append(r)
        rows.append(
            row_from(
                bench,
                "warm: AWS calls, atmo_lab vs naive",
                calls,
                naive_calls,
                "naive DescribeCluster",
                limit=0.02 if judge else None,
                target="< 1/50" if judge else "",
            )
        )
        rows.append(
            row_from(
                bench,
                "warm: wall, atmo_lab vs ATMO",
                Measure(ours["times"]),
                Measure(atmo["times"]),
                "ATMO 2 passes",
            )
        )
        rows.append(
            row_from(
                bench,
                "warm: wall, atmo_lab vs naive",
                Measure(ours["times"]),
                Measure(naive["times"]),
                "naive DescribeCluster",
            )
        )
    else:
        r = row_from(
            bench,
            "cold: AWS calls, atmo_lab vs ATMO",
            calls,
            atmo_calls,
            "ATMO 2 passes",
            target="= P+A",
            note=f"atmo_lab: {ops}; expected {pages} pages + {missing} missing",
        )
        r.met = formula_ok
        rows.append(r)
        rows.append(
            row_from(
                bench,
                "cold: AWS calls, atmo_lab vs naive",
                calls,
                naive_calls,
                "naive DescribeCluster",
            )
        )
        rows.append(
            row_from(
                bench,
                "cold: wall, atmo_lab vs naive",
                Measure(ours["times"]),
                Measure(naive["times"]),
                "naive DescribeCluster",
            )
        )
    return rows
