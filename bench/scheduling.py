"""Benchmark 3 — scheduling throughput: 1,000 jobs due at once, ``emr`` executor.

The store holds 1,000 enabled ``emr`` jobs whose ``next_run_at`` has just passed. One tick of
the worker's due-run path — claim the due occurrences (``claim_due_jobs``), then start a run of
each (``start_run``: record the run, RunJobFlow, store the jobflow id) — runs in this process
against the moto server (its own process). Measured: from the start of the tick to the moment
the 1,000th RunJobFlow returned (botocore ``after-call`` on the core's EMR client), and the whole
tick. Baseline in the same run: a raw boto3 loop of 1,000 RunJobFlow calls with exactly the
parameters the tick sent (captured with ``provide-client-params``), on a fresh emulator.
"""

from __future__ import annotations

import copy
import datetime as dt
import time
from collections import Counter
from pathlib import Path
from typing import Any

from .common import (
    OWNER,
    REGION,
    Measure,
    MotoServer,
    Row,
    Workdir,
    log,
    postgres_available,
    postgres_database,
    row_from,
    settings_for,
)

N_JOBS = {"smoke": 50, "full": 1000}
REPS = {"smoke": 1, "full": 3}
REPS_POSTGRES = 1  # an extra, informative row (the issue asks for the emr tick, any store)
NOTES: list[str] = []


def seed_due_jobs(core: Any, n: int, now: dt.datetime) -> None:
    """`n` daily emr jobs whose first occurrence (start_date) was 10 minutes ago."""
    from sqlalchemy import insert

    from atmo_lab.jobs.models import Job

    start = now - dt.timedelta(minutes=10)
    core.store.create_schema()
    with core.store.session() as session:
        session.execute(
            insert(Job),
            [
                {
                    "owner": OWNER,
                    "identifier": f"due-{i:05d}",
                    "description": "due now",
                    "notebook_name": "report.ipynb",
                    "notebook_s3_key": f"jobs/due-{i:05d}/report.ipynb",
                    "result_visibility": "private",
                    "size": 1 + i % 3,
                    "interval_in_hours": 24,
                    "timezone": "UTC",
                    "job_timeout_hours": 4,
                    "start_date": start,
                    "is_enabled": True,
                    "emr_release": "7.5.0",
                    "parameters": {"day": "yesterday", "n": i},
                    "executor": "emr",
                    "next_run_at": start,
                    "created_at": start - dt.timedelta(days=1),
                    "modified_at": start,
                }
                for i in range(n)
            ],
        )


def _product_tick() -> tuple[Any, str]:
    """The worker's due-run function when the product declares one, else claim + start."""
    from atmo_lab.worker import registry
    from atmo_lab.worker.runtime import load_task_modules

    load_task_modules()
    for spec in registry.PERIODIC.values():
        module = getattr(spec.fn, "__module__", "")
        if module.startswith("atmo_lab.jobs") and "due" in spec.name:
            return spec.fn, f"periodic task {spec.name} ({module})"

    from atmo_lab.jobs.service import claim_due_jobs, start_run

    def tick(core: Any) -> int:
        started = 0
        while True:
            claimed = claim_due_jobs(core)
            if not claimed:
                return started
            for job_id, occurrence in claimed:
                if start_run(core, job_id, occurrence, manual=False) is not None:
                    started += 1

    return tick, "claim_due_jobs + start_run (no due-run periodic task declared yet)"


class EmrProbe:
    """RunJobFlow return times, the parameters sent, and a count of every request."""

    def __init__(self, client: Any) -> None:
        self.returned: list[float] = []
        self.params: list[dict[str, Any]] = []
        self.calls: Counter[str] = Counter()
        events = client.meta.events
        events.register("after-call.emr.RunJobFlow", self._returned)
        events.register("provide-client-params.emr.RunJobFlow", self._params)
        events.register("before-send.emr", self._send)

    def _returned(self, **_: Any) -> None:
        self.returned.append(time.perf_counter())

    def _params(self, params: dict[str, Any], **_: Any) -> None:
        self.params.append(copy.deepcopy(params))

    def _send(self, event_name: str = "", **_: Any) -> None:
        self.calls[event_name.rsplit(".", 1)[-1]] += 1


def _one_tick(db_url: str, n: int, tick: Any) -> dict[str, Any]:
    from sqlalchemy import func, select

    from atmo_lab.core import Core
    from atmo_lab.jobs.models import JobRun

    core = Core(settings_for(db_url))
    seed_due_jobs(core, n, dt.datetime.now(dt.timezone.utc))
    probe = EmrProbe(core.aws.emr)
    t0 = time.perf_counter()
    for _ in range(50):  # a periodic task may start at most a batch per call
        tick(core)
        if len(probe.returned) >= n:
            break
    total = time.perf_counter() - t0
    with core.store.reader() as session:
        with_flow = session.scalar(
            select(func.count()).select_from(JobRun).where(JobRun.jobflow_id.is_not(None))
        )
    core.close()
    if len(probe.returned) != n or with_flow != n:
        raise AssertionError(
            f"the tick submitted {len(probe.returned)} job flows ({with_flow} recorded), not {n}"
        )
    return {
        "to_last_submit": probe.returned[-1] - t0,
        "total": total,
        "params": probe.params,
        "calls": dict(probe.calls),
    }


def _raw_loop(params: list[dict[str, Any]]) -> float:
    import boto3

    emr = boto3.session.Session(region_name=REGION).client("emr")
    emr.list_clusters()  # connection and endpoint set up outside the timing, as for the core
    t0 = time.perf_counter()
    for p in params:
        emr.run_job_flow(**p)
    return time.perf_counter() - t0


def _store_urls(work: Path, size: str) -> list[tuple[str, Any]]:
    stores: list[tuple[str, Any]] = [("SQLite", None)]
    if size == "full":
        if postgres_available():
            stores.append(("PostgreSQL", postgres_database))
        else:
            NOTES.append("PostgreSQL was not reachable: scheduling measured on SQLite only.")
    return stores


def run(size: str) -> list[Row]:
    n = N_JOBS[size]
    rows: list[Row] = []
    with Workdir("sched") as work, MotoServer(work) as moto:
        moto.use()
        tick, how = _product_tick()
        NOTES.append(f"Scheduling tick = {how}.")
        moto.reset()
        _one_tick(f"sqlite:///{work / 'warmup.sqlite'}", 5, tick)  # imports, clients: untimed
        for store, make_db in _store_urls(work, size):
            ticks: list[dict[str, Any]] = []
            raws: list[float] = []
            for rep in range(REPS[size] if make_db is None else REPS_POSTGRES):
                moto.reset()
                log(f"scheduling ({store}) rep {rep + 1}: tick with {n} due jobs")
                if make_db is None:
                    ticks.append(_one_tick(f"sqlite:///{work / f'sched-{rep}.sqlite'}", n, tick))
                else:
                    with make_db("atmo_bench_sched") as url:
                        ticks.append(_one_tick(url, n, tick))
                moto.reset()
                log(f"scheduling ({store}) rep {rep + 1}: raw boto3 loop of {n} RunJobFlow")
                raws.append(_raw_loop(ticks[-1]["params"]))
            raw = Measure(raws)
            calls = ticks[-1]["calls"]
            per_run = ", ".join(f"{k} {v / n:.2f}" for k, v in sorted(calls.items()))
            bench = f"3 schedule ({n:,} due)"
            rows.append(
                row_from(
                    bench,
                    f"{store}: tick → {n:,} RunJobFlow returned",
                    Measure([t["to_last_submit"] for t in ticks]),
                    raw,
                    f"raw boto3 loop ({n:,})",
                    limit=1.3,
                    target="≤ 1.3",
                    note=f"EMR requests per run: {per_run}",
                )
            )
            rows.append(
                row_from(
                    bench,
                    f"{store}: whole tick (claim + start + record)",
                    Measure([t["total"] for t in ticks]),
                    raw,
                    f"raw boto3 loop ({n:,})",
                )
            )
    return rows
