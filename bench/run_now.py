"""Benchmark 6 — run now: a trivial notebook from the click to its executed output, local runs.

atmo_lab as ``atmo-lab demo`` runs it: ``job_executor=local``, the embedded huey worker on its
SQLite queue, S3 the moto server on loopback. One job holds a two-cell notebook (a tagged
parameters cell ``x = 1``, then ``print(x * 2)``; the job's parameters set ``x = 2``). A sample:
``POST /jobs/{id}/run`` → ``GET /runs/{id}`` until the run ended (it must have succeeded) →
``GET /runs/{id}/output`` (the executed notebook must print 4).

jupyter-scheduler 2.x in its own venv (``ATMO_LAB_BENCH_JS_VENV``, as benchmark 2; ipykernel is
added for full runs when missing, since its notebooks need a kernel), the same notebook in its
root: ``POST /scheduler/jobs`` → ``GET /scheduler/jobs/{id}`` until ``COMPLETED`` →
``GET /scheduler/jobs/{id}/download_files`` (204; it copies in a child process) →
``GET /api/contents/<output>`` until the executed notebook is there.

Both servers run at once, with one untimed run each first (imports, the first kernel start);
samples alternate between them, one run at a time, and the client looks every
:data:`POLL_SECONDS` on both. The phases of atmo_lab's runs come from the run's own timestamps
(``started_at`` is the papermill child's start, ``finished_at`` the recorded outcome).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import subprocess
import time
import urllib.parse
from pathlib import Path
from typing import Any

from .common import (
    JS_VENV,
    Http,
    JupyterServer,
    Measure,
    MotoServer,
    Row,
    Workdir,
    atmo_config,
    log,
    median,
    row_from,
)

RUNS = {"smoke": 2, "full": 15}
POLL_SECONDS = 0.02
RUN_TIMEOUT_SECONDS = 120.0
API = "/atmo-lab/api"
NOTEBOOK_NAME = "hello.ipynb"
EXPECTED_OUTPUT = "4"
NOTES: list[str] = []


def hello_notebook() -> dict[str, Any]:
    """The trivial notebook both schedulers run (a parameters cell and a print)."""

    def cell(source: str, tags: list[str] | None = None) -> dict[str, Any]:
        return {
            "cell_type": "code",
            "execution_count": None,
            "id": f"cell-{len(source)}",
            "metadata": {"tags": tags or []},
            "outputs": [],
            "source": source,
        }

    return {
        "cells": [cell("x = 1", ["parameters"]), cell("print(x * 2)")],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def printed(notebook: dict[str, Any]) -> str:
    """The stream text of the notebook's last cell."""
    outputs = notebook["cells"][-1].get("outputs") or []
    return "".join(
        "".join(o["text"]) if isinstance(o.get("text"), list) else str(o.get("text", ""))
        for o in outputs
        if o.get("output_type") == "stream"
    ).strip()


def _parse_time(value: str | None) -> float | None:
    return None if value is None else dt.datetime.fromisoformat(value).timestamp()


def _request_json(http: Http, method: str, path: str, body: Any, expect: int) -> Any:
    status, raw = http.request(
        method, path, json.dumps(body).encode() if body is not None else None
    )
    if status != expect:
        raise RuntimeError(f"{method} {path} -> {status}: {raw[:300]!r}")
    return json.loads(raw) if raw else None


def _poll(check: Any, what: str) -> Any:
    deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        found = check()
        if found is not None:
            return found
        time.sleep(POLL_SECONDS)
    raise TimeoutError(f"{what} did not finish in {RUN_TIMEOUT_SECONDS:.0f} s")


# --- atmo_lab ------------------------------------------------------------------------------------


def _atmo_server(work: Path, moto: MotoServer) -> JupyterServer:
    config = atmo_config(
        f"sqlite:///{work / 'atmo-run-now.sqlite'}",
        queue_url=f"sqlite:///{work / 'atmo-run-now-queue.sqlite'}",
        job_executor="local",
        embedded_worker=True,
    )
    return JupyterServer(
        work, name="atmo", extensions={"atmo_lab": True}, config=config, env=moto.aws_env()
    )


def create_atmo_job(http: Http) -> int:
    start = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=30)  # never due by itself
    job = _request_json(
        http,
        "POST",
        f"{API}/jobs",
        {
            "identifier": "run-now-bench",
            "description": "A trivial notebook, run now",
            "notebook": hello_notebook(),
            "notebook_name": NOTEBOOK_NAME,
            "executor": "local",
            "interval_in_hours": 24,
            "start_date": start.isoformat(),
            "parameters": {"x": 2},
        },
        201,
    )
    return int(job["id"])


def atmo_sample(http: Http, job_id: int) -> dict[str, float]:
    """One run now; seconds to each phase's end, from the POST's start."""
    t0 = time.time()
    run = _request_json(http, "POST", f"{API}/jobs/{job_id}/run", None, 202)
    posted = time.time()

    def ended() -> dict[str, Any] | None:
        current = http.get_json(f"{API}/runs/{run['id']}")
        return current if current["finished_at"] is not None else None

    final = _poll(ended, f"atmo_lab run {run['id']}")
    succeeded = time.time()
    if final["status"] != "TERMINATED":
        raise AssertionError(f"run {run['id']} ended {final['status']}: {final['status_reason']}")
    status, raw = http.request("GET", f"{API}/runs/{run['id']}/output")
    fetched = time.time()
    if status != 200 or printed(json.loads(raw)) != EXPECTED_OUTPUT:
        raise AssertionError(f"GET /runs/{run['id']}/output -> {status}: {raw[:300]!r}")
    started, finished = _parse_time(final["started_at"]), _parse_time(final["finished_at"])
    assert started is not None and finished is not None
    return {
        "post": posted - t0,
        "pickup": started - t0,  # the worker took the run and spawned papermill
        "execute": finished - started,  # papermill, kernel, S3, the outcome recorded
        "seen": succeeded - finished,  # until the client's poll saw it
        "to_succeeded": succeeded - t0,
        "output": fetched - succeeded,
        "total": fetched - t0,
    }


# --- jupyter-scheduler ---------------------------------------------------------------------------


def js_python(install: bool) -> Path | None:
    """The jupyter-scheduler venv's python, with ipykernel (installed for full runs)."""
    from .list_latency import ensure_js_venv

    python = ensure_js_venv(install)
    if python is None:
        return None
    has_kernel = subprocess.run(
        [str(python), "-c", "import ipykernel"], check=False, capture_output=True
    )
    if has_kernel.returncode != 0:
        if not install:
            return None
        log(f"installing ipykernel into {JS_VENV}")
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "ipykernel"], check=True)
    return python


# jupyter-scheduler copies an output to a path relative to the root, from its working directory:
# the server must run in its root folder.
IN_ROOT = [
    "-c",
    (
        "import os, sys; "
        "os.chdir(next(a.split('=', 1)[1] for a in sys.argv if a.startswith('--ServerApp.root_dir='))); "
        "from jupyter_server.serverapp import main; sys.exit(main())"
    ),
]


def _js_server(work: Path, python: Path) -> JupyterServer:
    db = work / "js-run-now.sqlite"
    return JupyterServer(
        work,
        name="js",
        python=str(python),
        launcher=IN_ROOT,
        args=[f"--SchedulerApp.db_url=sqlite:///{db}"],
        env={"PYTHONPATH": ""},
    )


def js_sample(http: Http) -> dict[str, float]:
    t0 = time.time()
    created = _request_json(
        http,
        "POST",
        "/scheduler/jobs",
        {
            "name": "run-now-bench",
            "input_uri": NOTEBOOK_NAME,
            "runtime_environment_name": "python3",
            "output_formats": ["ipynb"],
            "parameters": {"x": "2"},
        },
        200,
    )
    posted = time.time()
    job_id = created["job_id"]

    def ended() -> dict[str, Any] | None:
        job = http.get_json(f"/scheduler/jobs/{job_id}")
        return (
            job if job["status"] in ("COMPLETED", "FAILED", "STOPPED") and job["end_time"] else None
        )

    job = _poll(ended, f"jupyter-scheduler job {job_id}")
    succeeded = time.time()
    if job["status"] != "COMPLETED":
        raise AssertionError(f"jupyter-scheduler job {job_id} ended {job['status']}: {job}")
    status, raw = http.request("GET", f"/scheduler/jobs/{job_id}/download_files?redownload=true")
    if status != 204:
        raise RuntimeError(f"download_files -> {status}: {raw[:300]!r}")

    def downloaded() -> str | None:  # the job lists a file once it is in the root folder
        files = http.get_json(f"/scheduler/jobs/{job_id}")["job_files"]
        return next((f["file_path"] for f in files if f["file_format"] == "ipynb"), None)

    path = _poll(downloaded, f"jupyter-scheduler's download of {job_id}")
    notebook = http.get_json(f"/api/contents/{urllib.parse.quote(path)}?type=notebook&content=1")[
        "content"
    ]
    fetched = time.time()
    if printed(notebook) != EXPECTED_OUTPUT:
        raise AssertionError(f"jupyter-scheduler's output printed {printed(notebook)!r}")
    return {
        "post": posted - t0,
        "to_succeeded": succeeded - t0,
        "output": fetched - succeeded,
        "total": fetched - t0,
    }


# --- the benchmark --------------------------------------------------------------------------------


def run(size: str) -> list[Row]:
    n = RUNS[size]
    atmo: list[dict[str, float]] = []
    js: list[dict[str, float]] = []
    with contextlib.ExitStack() as stack:
        work = stack.enter_context(Workdir("runnow"))
        moto = stack.enter_context(MotoServer(work))
        moto.use()
        moto.create_buckets()
        atmo_server = stack.enter_context(_atmo_server(work, moto))
        job_id = create_atmo_job(atmo_server.http)
        samplers = {"atmo_lab": lambda: atmo_sample(atmo_server.http, job_id)}
        python = js_python(install=size == "full")
        if python is None:
            NOTES.append(
                f"Run now: jupyter-scheduler not measured (no venv with ipykernel at {JS_VENV}; "
                "smoke runs do not install it, `make bench` does)."
            )
        else:
            js_server = stack.enter_context(_js_server(work, python))
            (js_server.root / NOTEBOOK_NAME).write_text(json.dumps(hello_notebook()))
            samplers["jupyter-scheduler"] = lambda: js_sample(js_server.http)
        results = {"atmo_lab": atmo, "jupyter-scheduler": js}
        for name, sample in samplers.items():
            log(f"run now: warm-up run on {name}")
            sample()
        for i in range(n):
            order = list(samplers) if i % 2 == 0 else list(samplers)[::-1]
            for name in order:
                results[name].append(samplers[name]())
            log(
                f"run now {i + 1}/{n}: "
                + ", ".join(f"{k} {results[k][-1]['total']:.2f} s" for k in order)
            )
    return _rows(atmo, js)


def _phases(samples: list[dict[str, float]]) -> str:
    return ", ".join(f"{k} {median([s[k] for s in samples]) * 1000:.0f} ms" for k in samples[0])


def _rows(atmo: list[dict[str, float]], js: list[dict[str, float]]) -> list[Row]:
    bench = "6 run now"

    def m(samples: list[dict[str, float]], key: str) -> Measure | None:
        return Measure([s[key] for s in samples]) if samples else None

    NOTES.append(f"Run now, atmo_lab phases (medians, from the POST's start): {_phases(atmo)}.")
    if js:
        NOTES.append(f"Run now, jupyter-scheduler phases (medians): {_phases(js)}.")
    baseline = "jupyter-scheduler" if js else ""
    total, to_succeeded = m(atmo, "total"), m(atmo, "to_succeeded")
    assert total is not None and to_succeeded is not None
    rows = [
        row_from(
            bench,
            "atmo_lab: POST run → succeeded → output fetched",
            total,
            m(js, "total"),
            baseline,
            limit=1.0 if js else None,
            target="≤ 1" if js else "",
        ),
        row_from(
            bench, "atmo_lab: POST run → succeeded", to_succeeded, m(js, "to_succeeded"), baseline
        ),
    ]
    if js:
        js_total = m(js, "total")
        assert js_total is not None
        rows.append(row_from(bench, "jupyter-scheduler: POST job → output fetched", js_total))
    return rows
