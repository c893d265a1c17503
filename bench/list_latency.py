"""Benchmark 2 — list latency at scale, through real Jupyter servers on loopback.

atmo_lab: 10,000 clusters (5 % active, the rest terminated or failed) and 10,000 jobs with 3
runs each, seeded straight into the store (SQLite file, and a fresh PostgreSQL database);
``GET /atmo-lab/api/clusters?status=all`` and ``GET /atmo-lab/api/jobs``: the first page, the
last page (keyset ``cursor``) and a walk over everything, at 25 rows a page (jupyter-scheduler's
UI page), at atmo_lab's default page (``page_size``, 200) and at the largest page (1000); plus
the default ``GET /clusters`` (active only).

jupyter-scheduler 2.x, in its own venv (``ATMO_LAB_BENCH_JS_VENV``, default /tmp/js-venv; created
with ``python -m venv`` + ``pip install jupyter-scheduler`` for the full run when missing),
its SQLite db seeded with 10,000 job rows: ``GET /scheduler/jobs``
with ``max_items`` 25 and 1000 (its default), the last page (``next_token`` = total - 25) and
the offset walk. One keep-alive HTTP client, the same for every server.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .common import (
    JS_VENV,
    OWNER,
    Http,
    JupyterServer,
    Measure,
    MotoServer,
    Row,
    Workdir,
    atmo_config,
    log,
    postgres_available,
    postgres_database,
    row_from,
    settings_for,
)

SCALE = {"smoke": 300, "full": 10_000}
REQUESTS = {"smoke": 5, "full": 30}
WALKS = {"smoke": 2, "full": 5}
RUNS_PER_JOB = 3
API = "/atmo-lab/api"
NOTES: list[str] = []


# --- seeding -------------------------------------------------------------------------------------


def seed_atmo(db_url: str, n: int) -> None:
    """`n` clusters and `n` jobs with RUNS_PER_JOB runs each, owned by the server's owner."""
    from sqlalchemy import insert

    from atmo_lab.core import Core
    from atmo_lab.emr_clusters.models import Cluster
    from atmo_lab.jobs.models import Job, JobRun

    core = Core(settings_for(db_url))
    core.store.create_schema()
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    start = now - dt.timedelta(days=400)
    chunk = 5000
    clusters = []
    for i in range(n):
        created = start + dt.timedelta(minutes=50 * i)
        active = i % 20 == 19
        status = (
            "WAITING" if active else ("TERMINATED_WITH_ERRORS" if i % 10 == 3 else "TERMINATED")
        )
        clusters.append(
            {
                "owner": OWNER,
                "identifier": f"lucid-lovelace-{i:05d}",
                "size": 1 + i % 5,
                "lifetime_hours": 8,
                "lifetime_extension_count": i % 3,
                "emr_release": "7.5.0",
                "jobflow_id": f"j-{i:013d}",
                "status": status,
                "status_reason": "" if active else "USER_REQUEST: Terminated by user request",
                "master_address": f"ec2-54-0-{i // 250}-{i % 250}.us-west-2.compute.amazonaws.com",
                "created_at": created,
                "started_at": created + dt.timedelta(seconds=5),
                "ready_at": created + dt.timedelta(minutes=7),
                "finished_at": None if active else created + dt.timedelta(hours=8),
                "expires_at": created + dt.timedelta(hours=8),
                "expiration_warning_sent": not active,
                "modified_at": created + dt.timedelta(hours=8),
            }
        )
    jobs = []
    runs = []
    for i in range(n):
        created = start + dt.timedelta(minutes=50 * i)
        jobs.append(
            {
                "id": i + 1,
                "owner": OWNER,
                "identifier": f"daily-report-{i:05d}",
                "description": f"Daily telemetry aggregate number {i}",
                "notebook_name": "report.ipynb",
                "notebook_s3_key": f"jobs/daily-report-{i:05d}/report.ipynb",
                "result_visibility": "private" if i % 2 else "public",
                "size": 1 + i % 3,
                "interval_in_hours": 24 if i % 4 else None,
                "schedule": None if i % 4 else "0 9 * * 1-5",
                "timezone": "UTC" if i % 4 else "Europe/Berlin",
                "job_timeout_hours": 4,
                "start_date": created,
                "end_date": None,
                "expired_date": None,
                "is_enabled": True,
                "emr_release": "7.5.0",
                "parameters": {"day": "yesterday", "sample": 0.01},
                "executor": "emr",
                "next_run_at": now + dt.timedelta(hours=i % 24 + 1),
                "created_at": created,
                "modified_at": created,
            }
        )
        for k in range(RUNS_PER_JOB):
            at = now - dt.timedelta(days=RUNS_PER_JOB - k)
            runs.append(
                {
                    "job_id": i + 1,
                    "executor": "emr",
                    "status": "TERMINATED",
                    "status_reason": "ALL_STEPS_COMPLETED: Steps completed",
                    "jobflow_id": f"j-R{i:07d}{k:05d}",
                    "size": 1 + i % 3,
                    "emr_release": "7.5.0",
                    "is_manual": False,
                    "scheduled_at": at,
                    "started_at": at + dt.timedelta(seconds=3),
                    "ready_at": at + dt.timedelta(minutes=6),
                    "finished_at": at + dt.timedelta(minutes=20),
                    "output_notebook_key": f"daily-report-{i:05d}/data/report.ipynb",
                    "error": None,
                    "alert_sent": False,
                    "created_at": at,
                    "modified_at": at + dt.timedelta(minutes=20),
                }
            )
    with core.store.session() as session:
        for table, rows in ((Cluster, clusters), (Job, jobs), (JobRun, runs)):
            for j in range(0, len(rows), chunk):
                session.execute(insert(table), rows[j : j + chunk])
    if not core.store.is_sqlite:
        # A live PostgreSQL has statistics (autovacuum); right after a bulk load it has none
        # and plans latest-run lookups as scans. SQLite never analyzes unless told: left as is.
        with core.store.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    core.close()


def ensure_js_venv(install: bool) -> Path | None:
    """The jupyter-scheduler venv's python (installed with pip for full runs when missing)."""
    python = JS_VENV / "bin" / "python"
    if python.exists():
        return python
    if not install:
        return None
    log(f"creating {JS_VENV} and installing jupyter-scheduler from PyPI")
    subprocess.run([sys.executable, "-m", "venv", str(JS_VENV)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "jupyter-scheduler"], check=True
    )
    return python


def seed_js(db_path: Path, n: int) -> None:
    """`n` completed jobs (job_files still computed)."""
    conn = sqlite3.connect(db_path)
    cols = [r[1] for r in conn.execute("pragma table_info(jobs)")]
    now_ms = int(time.time() * 1000)
    rows = []
    for i in range(n):
        job_id = str(uuid.uuid4())
        create = now_ms - (n - i) * 3000
        values: dict[str, Any] = {
            "job_id": job_id,
            "job_definition_id": None,
            "status": "COMPLETED",
            "status_message": None,
            "start_time": create + 500,
            "end_time": create + 2500,
            "url": f"/jobs/{job_id}",
            "pid": 10_000 + i,
            "idempotency_token": None,
            "runtime_environment_name": "python3",
            "runtime_environment_parameters": "{}",
            "compute_type": None,
            "input_filename": "hello.ipynb",
            "output_formats": json.dumps(["ipynb"]),
            "name": f"synth-{i:06d}",
            "tags": json.dumps(["bench"]),
            "parameters": json.dumps({"x": "2"}),
            "email_notifications": None,
            "timeout_seconds": 600,
            "retry_on_timeout": False,
            "max_retries": 0,
            "min_retry_interval_millis": 0,
            "output_filename_template": "{{input_filename}}-{{create_time}}",
            "update_time": create + 2500,
            "create_time": create,
            "package_input_folder": False,
            "packaged_files": json.dumps(["hello.ipynb"]),
        }
        rows.append(tuple(values.get(c) for c in cols))
    conn.executemany(
        f"insert into jobs ({','.join(cols)}) values ({','.join('?' * len(cols))})", rows
    )
    conn.commit()
    conn.close()


# --- measuring -----------------------------------------------------------------------------------
# Every server runs at once and samples are taken round-robin across servers, so a burst of
# load from elsewhere on the machine hits all of them alike.

Sample = Callable[[], tuple[float, dict[str, Any]]]


def _page(http: Http, path: str, params: dict[str, Any]) -> Sample:
    def sample() -> tuple[float, dict[str, Any]]:
        t0 = time.perf_counter()
        status, raw = http.request("GET", path + "?" + urllib.parse.urlencode(params))
        elapsed = time.perf_counter() - t0
        if status != 200:
            raise RuntimeError(f"GET {path} {params} -> {status}: {raw[:300]!r}")
        return elapsed, {"bytes": len(raw)}

    return sample


def _walk(
    http: Http, path: str, items_key: str, params: dict[str, Any], n: int, js: bool
) -> Sample:
    """Read every item, following next_cursor (atmo_lab) or next_token (jupyter-scheduler)."""
    token_in, token_out = ("next_token", "next_token") if js else ("cursor", "next_cursor")

    def sample() -> tuple[float, dict[str, Any]]:
        t0 = time.perf_counter()
        items = requests = 0
        token = None
        while True:
            body = http.get_json(path, {**params, **({token_in: token} if token else {})})
            requests += 1
            items += len(body[items_key])
            token = body.get(token_out)
            if not token:
                break
        elapsed = time.perf_counter() - t0
        if items != n:
            raise AssertionError(f"a walk of {path} saw {items} items, not {n}")
        return elapsed, {"requests": requests}

    return sample


def atmo_cases(http: Http, n: int) -> tuple[dict[str, Sample], dict[str, Sample]]:
    """(page cases, walk cases) of one atmo_lab server."""
    pages: dict[str, Sample] = {}
    walks: dict[str, Sample] = {}
    for resource, extra in (("clusters", {"status": "all"}), ("jobs", {})):
        path = f"{API}/{resource}"
        http.get_json(path, {**extra, "limit": 25})  # warm-up (imports, statement cache)
        # ids are 1..n in creation order: cursor 26 gives the last page, the 25 oldest rows
        pages[f"{resource}.first25"] = _page(http, path, {**extra, "limit": 25})
        pages[f"{resource}.first_default"] = _page(http, path, dict(extra))
        pages[f"{resource}.last25"] = _page(http, path, {**extra, "limit": 25, "cursor": "26"})
        for name, limit in (("walk25", 25), ("walk_default", None), ("walk1000", 1000)):
            params = {**extra, **({"limit": limit} if limit else {})}
            walks[f"{resource}.{name}"] = _walk(http, path, resource, params, n, js=False)
    pages["clusters.active_default"] = _page(http, f"{API}/clusters", {})
    return pages, walks


def js_cases(http: Http, n: int) -> tuple[dict[str, Sample], dict[str, Sample]]:
    path = "/scheduler/jobs"
    total = http.get_json(path, {"max_items": 1})["total_count"]
    if total != n:
        raise AssertionError(f"jupyter-scheduler lists {total} jobs, not {n}")
    http.get_json(path, {"max_items": 25})
    pages = {
        "first25": _page(http, path, {"max_items": 25}),
        "first_default": _page(http, path, {}),
        "last25": _page(http, path, {"max_items": 25, "next_token": str(max(0, total - 25))}),
    }
    walks = {
        "walk25": _walk(http, path, "jobs", {"max_items": 25}, n, js=True),
        "walk1000": _walk(http, path, "jobs", {"max_items": 1000}, n, js=True),
    }
    return pages, walks


def interleave(
    servers: dict[str, tuple[dict[str, Sample], dict[str, Sample]]], size: str
) -> dict[str, dict[str, Any]]:
    """Samples of every case of every server, round-robin; per server: key -> seconds list,
    plus key.bytes / key.requests of the last sample."""
    out: dict[str, dict[str, Any]] = {name: {} for name in servers}

    def take(name: str, key: str, sample: Sample) -> None:
        elapsed, info = sample()
        out[name].setdefault(key, []).append(elapsed)
        for k, v in info.items():
            out[name][f"{key}.{k}"] = v

    for kind, rounds in ((0, REQUESTS[size]), (1, WALKS[size])):
        for i in range(rounds):
            for name, cases in servers.items():
                for key, sample in cases[kind].items():
                    take(name, key, sample)
            if kind:
                log(f"list: walk round {i + 1}/{rounds} done")
    return out


def _atmo_server(work: Path, name: str, db_url: str, moto: MotoServer) -> JupyterServer:
    return JupyterServer(
        work,
        name=name,
        extensions={"atmo_lab": True},
        config=atmo_config(db_url),
        env=moto.aws_env(),
    )


def run(size: str) -> list[Row]:
    n = SCALE[size]
    with contextlib.ExitStack() as stack:
        work = stack.enter_context(Workdir("list"))
        moto = stack.enter_context(MotoServer(work))
        servers: dict[str, tuple[dict[str, Sample], dict[str, Sample]]] = {}
        urls = {"SQLite": f"sqlite:///{work / 'atmo-list.sqlite'}"}
        if postgres_available():
            urls["PostgreSQL"] = stack.enter_context(postgres_database("atmo_bench_list"))
        else:
            NOTES.append("PostgreSQL was not reachable: atmo_lab was listed on SQLite only.")
        for label, url in urls.items():
            log(f"list: seeding {n} clusters and {n} jobs x {RUNS_PER_JOB} runs ({label})")
            t0 = time.perf_counter()
            seed_atmo(url, n)
            log(f"list: seeded {label} in {time.perf_counter() - t0:.1f} s")
            server = stack.enter_context(_atmo_server(work, f"atmo-{label.lower()}", url, moto))
            servers[label] = atmo_cases(server.http, n)
        python = ensure_js_venv(install=size == "full")
        if python is None:
            NOTES.append(
                f"jupyter-scheduler not measured: no venv at {JS_VENV} (smoke runs do not "
                "install it; `make bench` does)."
            )
        else:
            log(f"list: jupyter-scheduler with {n} jobs")
            db = work / "js" / "scheduler.sqlite"
            db.parent.mkdir(parents=True, exist_ok=True)
            js = JupyterServer(
                work,
                name="js",
                python=str(python),
                args=[f"--SchedulerApp.db_url=sqlite:///{db}"],
                env={"PYTHONPATH": ""},
            )
            stack.enter_context(js)
            seed_js(db, n)
            servers["js"] = js_cases(js.http, n)
        log(f"list: measuring {', '.join(servers)} round-robin")
        results = interleave(servers, size)
    return _rows(results, n, size)


def _rows(results: dict[str, dict[str, Any]], n: int, size: str) -> list[Row]:
    rows: list[Row] = []
    js = results.get("js")
    judge = size == "full"
    bench = f"2 list ({n:,})"

    def m(xs: list[float]) -> Measure:
        return Measure(xs)

    for store in ("SQLite", "PostgreSQL"):
        res = results.get(store)
        if res is None:
            continue
        for resource in ("clusters", "jobs"):
            path = f"GET /{resource}" + ("?status=all" if resource == "clusters" else "")
            case = f"{store}: {path}"
            base = m(js["first25"]) if js else None
            rows.append(
                row_from(
                    bench,
                    f"{case} first page (25)",
                    m(res[f"{resource}.first25"]),
                    base,
                    "js page 25" if js else "",
                    limit=1 / 3 if judge else None,
                    target="≤ 1/3",
                )
            )
            rows.append(
                row_from(
                    bench,
                    f"{case} first page (default 200)",
                    m(res[f"{resource}.first_default"]),
                    base,
                    "js page 25" if js else "",
                    note=f"{res[f'{resource}.first_default.bytes']:,} bytes",
                )
            )
            rows.append(
                row_from(
                    bench,
                    f"{case} last page (25, cursor)",
                    m(res[f"{resource}.last25"]),
                    m(js["last25"]) if js else None,
                    "js last page 25 (offset)" if js else "",
                )
            )
            rows.append(
                row_from(
                    bench,
                    f"{case} walk, 25/page ({res[f'{resource}.walk25.requests']} req)",
                    m(res[f"{resource}.walk25"]),
                    m(js["walk25"]) if js else None,
                    "js offset walk 25/page" if js else "",
                    limit=0.15 if judge else None,
                    target="≤ 0.15",
                )
            )
            rows.append(
                row_from(
                    bench,
                    f"{case} walk, 200/page ({res[f'{resource}.walk_default.requests']} req)",
                    m(res[f"{resource}.walk_default"]),
                    m(js["walk25"]) if js else None,
                    "js offset walk 25/page" if js else "",
                    limit=0.15 if judge else None,
                    target="≤ 0.15",
                )
            )
            rows.append(
                row_from(
                    bench,
                    f"{case} walk, 1000/page ({res[f'{resource}.walk1000.requests']} req)",
                    m(res[f"{resource}.walk1000"]),
                    m(js["walk1000"]) if js else None,
                    "js offset walk 1000/page" if js else "",
                )
            )
        rows.append(
            row_from(
                bench,
                f"{store}: GET /clusters (active, {n // 20:,}) first page",
                m(res["clusters.active_default"]),
            )
        )
    if js:
        rows.append(
            row_from(bench, "jupyter-scheduler: GET /scheduler/jobs?max_items=25", m(js["first25"]))
        )
        rows.append(
            row_from(
                bench,
                "jupyter-scheduler: GET /scheduler/jobs (default 1000)",
                m(js["first_default"]),
                note=f"{js['first_default.bytes']:,} bytes",
            )
        )
        rows.append(
            row_from(
                bench,
                f"jupyter-scheduler: offset walk 25/page ({js['walk25.requests']} req)",
                m(js["walk25"]),
            )
        )
    return rows
