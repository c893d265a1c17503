"""Local runs for real: run-now goes through huey's queue to an embedded consumer, which runs
papermill in a child process with a real kernel, S3 in and out through the moto server."""

from __future__ import annotations

import asyncio
import functools
import json
import os
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.kernelspec import KernelSpecManager

from atmo_lab.core import Core
from atmo_lab.jobs import constants
from atmo_lab.jobs.models import JobRun

from .test_jobs_support import PRIVATE, keys, notebook, read_json, wait_for_run

SLEEPY = "import time\nfor _ in range(600):\n    time.sleep(0.2)"


@pytest.fixture
def worker(core: Any) -> Iterator[Any]:
    """The real huey consumer, in threads of this process (periodic tasks off)."""
    core.worker.start(workers=2, periodic=False)
    yield core.worker
    core.worker.stop()


async def create(api: Any, user: str | None = None, **fields: Any) -> dict[str, Any]:
    body = {"identifier": "nightly", "description": "A real run", "notebook_name": "nightly.ipynb"}
    r = await api("POST", "jobs", body | fields, user=user)
    assert r.code == 201, r.body
    return r.json


async def run_now(api: Any, job: dict[str, Any]) -> dict[str, Any]:
    r = await api("POST", f"jobs/{job['id']}/run")
    assert r.code == 202, r.body
    return r.json


def source(cell: dict[str, Any]) -> str:
    text = cell["source"]
    return "".join(text) if isinstance(text, list) else text


def stdout(cell: dict[str, Any]) -> str:
    return "".join(
        "".join(o.get("text", "")) for o in cell.get("outputs", []) if o["output_type"] == "stream"
    )


async def download(url: str) -> bytes:
    def fetch() -> bytes:
        with urllib.request.urlopen(url, timeout=10) as response:
            return bytes(response.read())

    return await asyncio.to_thread(fetch)


def processes_with(needle: bytes, where: str = "cmdline") -> list[int]:
    """Pids whose command line (or environment) contains `needle`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / where).read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


async def until(predicate: Any, timeout: float = 60.0) -> bool:  # CI machines can be slow
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.2)
    return True


async def recorded_pid(core: Core, run_id: int) -> int:
    """The run's child process, recorded just after it starts (``started_at`` comes first)."""

    def pid() -> int | None:
        with core.store.reader() as session:
            return session.get(JobRun, run_id).pid

    assert await until(lambda: pid() is not None)
    return int(pid() or 0)


async def gone(pids_of: Any, timeout: float = 15.0) -> bool:
    return await until(lambda: not pids_of(), timeout)


def test_the_python3_kernel_is_this_interpreter() -> None:
    spec = KernelSpecManager().get_kernel_spec("python3")
    # jupyter_client runs "python" as sys.executable, so papermill's kernel is this venv's
    assert spec.argv[0] in ("python", "python3", sys.executable)


async def test_run_now_executes_the_notebook_with_parameters(api, aws, core, worker):
    nb = notebook(
        "print(f'hello {name} x{n}')",
        "import os\nprint('cwd', os.getcwd())\nprint('at', scheduled_at)",
        parameters="name = 'default'\nn = 1",
    )
    job = await create(api, notebook=nb, parameters={"name": "alice", "n": 3})
    started = time.monotonic()
    queued = await run_now(api, job)
    assert queued["status"] == "RUNNING" and queued["is_active"] and queued["is_manual"]
    run = await wait_for_run(api, job["id"], queued["id"])
    latency = time.monotonic() - started
    print(f"local run latency (run-now to TERMINATED): {latency:.1f} s")
    assert run["status"] == "TERMINATED", run
    assert run["error"] is None and run["status_reason"] == "Notebook completed."
    assert run["output_notebook_key"] == f"nightly/data/run-{run['id']}/nightly.ipynb"
    assert run["outcome"] == "succeeded"
    assert run["started_at"] and run["finished_at"] and run["duration_seconds"] > 0
    executed = read_json(aws, PRIVATE, run["output_notebook_key"])
    injected = next(c for c in executed["cells"] if "injected-parameters" in c["metadata"]["tags"])
    assert 'name = "alice"' in source(injected) and "n = 3" in source(injected)
    assert stdout(executed["cells"][3]) == "hello alice x3\n"
    assert f"at {run['scheduled_at']}" in stdout(executed["cells"][4])
    assert executed["metadata"]["papermill"]["parameters"]["scheduled_at"] == run["scheduled_at"]
    # the results list the executed notebook and the run's log, downloadable
    results = (await api("GET", f"jobs/{job['id']}/results")).json
    assert [r["key"] for r in results["data"]] == [run["output_notebook_key"]]
    [log_entry] = results["logs"]
    assert log_entry["key"].startswith(f"nightly/logs/run-{run['id']}/nightly.")
    assert log_entry["key"].endswith(".log")
    assert (
        await download(results["data"][0]["url"])
        == aws.client("s3")
        .get_object(Bucket=PRIVATE, Key=run["output_notebook_key"])["Body"]
        .read()
    )
    log_text = (await download(log_entry["url"])).decode()
    assert "hello alice x3" in log_text and "exit code 0" in log_text
    latest = (await api("GET", f"jobs/{job['id']}")).json["latest_run"]
    assert latest["id"] == run["id"] and latest["status"] == "TERMINATED"
    assert (await api("GET", "notifications")).json["notifications"] == []


@pytest.mark.atmo(multi_user=True)
async def test_each_run_keeps_its_own_output(api, aws, core, worker):
    bob = functools.partial(api, user="bob")
    api = functools.partial(api, user="alice")
    nb = notebook("print(f'hello {name}')", parameters="name = 'default'")
    job = await create(api, notebook=nb, parameters={"name": "first"})
    first = await wait_for_run(api, job["id"], (await run_now(api, job))["id"])
    patched = await api("PATCH", f"jobs/{job['id']}", {"parameters": {"name": "second"}})
    assert patched.code == 200, patched.body
    second = await wait_for_run(api, job["id"], (await run_now(api, job))["id"])
    assert first["output_notebook_key"] != second["output_notebook_key"]
    for run, name in ((first, "first"), (second, "second")):
        r = await api("GET", f"runs/{run['id']}/output")
        assert r.code == 200, r.body
        assert r.headers["Content-Type"] == "application/x-ipynb+json"
        assert f'filename="nightly-run-{run["id"]}.ipynb"' in r.headers["Content-Disposition"]
        assert stdout(json.loads(r.body)["cells"][3]) == f"hello {name}\n"
    # the results list both runs' notebooks and logs
    results = (await api("GET", f"jobs/{job['id']}/results")).json
    assert sorted(r["key"] for r in results["data"]) == sorted(
        [first["output_notebook_key"], second["output_notebook_key"]]
    )
    assert {r["key"].split("/")[2] for r in results["logs"]} == {
        f"run-{first['id']}",
        f"run-{second['id']}",
    }
    # another user's run is not found
    assert (await bob("GET", f"runs/{first['id']}/output")).code == 404
    # a run without an output yet answers 404 too
    with core.store.session() as session:
        session.get(JobRun, first["id"]).output_notebook_key = None
    missing = await api("GET", f"runs/{first['id']}/output")
    assert missing.code == 404 and "no executed notebook" in missing.json["message"]


async def test_a_failing_cell_is_reported(api, aws, core, worker):
    nb = notebook(
        "x = 1",
        "raise ValueError('boom ' + name)",
        "print('never')",
        parameters="name = 'default'",
    )
    job = await create(api, notebook=nb, parameters={"name": "bob"})
    run = await wait_for_run(api, job["id"], (await run_now(api, job))["id"])
    assert run["status"] == "TERMINATED_WITH_ERRORS", run
    # cells: 0 markdown, 1 parameters, 2 "x = 1", 3 the raise (as submitted)
    assert run["error"] == {"cell_index": 3, "ename": "ValueError", "evalue": "boom bob"}
    assert "ValueError: boom bob" in run["status_reason"] and run["outcome"] == "failed"
    executed = read_json(aws, PRIVATE, run["output_notebook_key"])  # written either way
    assert executed["metadata"]["papermill"]["exception"] is True
    errors = [
        o for c in executed["cells"] for o in c.get("outputs", []) if o["output_type"] == "error"
    ]
    assert errors and errors[0]["evalue"] == "boom bob"
    [note] = (await api("GET", "notifications")).json["notifications"]
    assert note["kind"] == "run_failed" and note["object"] == {"type": "run", "id": run["id"]}
    assert "boom bob" in note["body"]


async def test_a_run_past_its_timeout_is_killed(api, aws, core, worker, monkeypatch):
    # job_timeout_hours is at least 1 h in the API; here one "hour" lasts 3 seconds.
    monkeypatch.setattr(constants, "TIMEOUT_UNIT_SECONDS", 3)
    job = await create(api, notebook=notebook("print('start', flush=True)", SLEEPY),
                       job_timeout_hours=1)  # fmt: skip
    queued = await run_now(api, job)
    running = await wait_for_run(api, job["id"], queued["id"], lambda r: r["started_at"])
    assert running["is_active"]
    again = await api("POST", f"jobs/{job['id']}/run")
    assert again.code == 409 and "still running" in again.json["message"]
    pid = await recorded_pid(core, queued["id"])
    assert os.getpgid(pid) == pid  # its own process group
    run = await wait_for_run(api, job["id"], queued["id"], timeout=30)
    assert run["status"] == "TERMINATED_WITH_ERRORS"
    assert "timed out after 1 h" in run["status_reason"] and run["error"] is None
    assert run["outcome"] == "timed out"
    # the runner, its process group and the kernel it started are gone
    assert await gone(lambda: processes_with(f"atmo-lab-run-{run['id']}-".encode()))
    assert await gone(lambda: processes_with(f"JPY_PARENT_PID={pid}\0".encode(), "environ"))
    kinds = [n["kind"] for n in (await api("GET", "notifications")).json["notifications"]]
    assert kinds == ["run_timed_out"]
    assert [k for k in keys(aws, PRIVATE, "nightly/logs/")]  # the log is shipped
    assert (await api("POST", f"jobs/{job['id']}/run")).code == 202  # runnable again


async def test_deleting_a_job_stops_its_running_run(api, aws, core, worker):
    job = await create(api, notebook=notebook(SLEEPY))
    queued = await run_now(api, job)
    await wait_for_run(api, job["id"], queued["id"], lambda r: r["started_at"])
    pid = await recorded_pid(core, queued["id"])
    kernel = f"JPY_PARENT_PID={pid}\0".encode()
    assert await until(lambda: processes_with(kernel, "environ"))  # the kernel is up
    marker = f"atmo-lab-run-{queued['id']}-".encode()
    assert processes_with(marker)
    assert (await api("DELETE", f"jobs/{job['id']}")).code == 204
    assert await gone(lambda: processes_with(marker))
    assert await gone(lambda: processes_with(kernel, "environ"))
    # results stay: the log of the stopped run still reaches the data bucket
    deadline = time.monotonic() + 15
    while not keys(aws, PRIVATE, "nightly/logs/") and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    [log_key] = keys(aws, PRIVATE, f"nightly/logs/run-{queued['id']}/")
    log_text = aws.client("s3").get_object(Bucket=PRIVATE, Key=log_key)["Body"].read().decode()
    assert "stopped (cancelled)" in log_text
    assert (await api("GET", f"jobs/{job['id']}")).code == 404


# --- the pieces of a run, without running it ---------------------------------------------------


def test_failing_cells_are_counted_in_the_submitted_notebook() -> None:
    from atmo_lab.jobs.notebook_run import executed_to_submitted

    def cell(*tags: str) -> dict[str, Any]:
        return {"metadata": {"tags": list(tags)}}

    # injected after the parameters cell
    assert executed_to_submitted([cell(), cell("parameters"), cell()]) == [0, 1, None, 2]
    # no parameters cell: injected at the top
    assert executed_to_submitted([cell(), cell()]) == [None, 0, 1]
    # an executed notebook scheduled again: its injected cell is replaced, old markers dropped
    resubmitted = [cell("papermill-error-cell-tag"), cell("parameters"),
                   cell("injected-parameters"), cell()]  # fmt: skip
    assert executed_to_submitted(resubmitted) == [1, None, 3]


def test_papermill_arguments_keep_parameter_types() -> None:
    from papermill.cli import _resolve_type

    from atmo_lab.jobs.emr_executor import papermill_parameter_args

    params = {"s": "alice", "digits": "007", "t": "True", "i": 3, "f": 0.5, "b": False,
              "none": None, "items": [1, "a"], "obj": {"k": 1}}  # fmt: skip
    args = papermill_parameter_args(params)
    flags = {
        args[i + 1]: (args[i], args[i + 2]) for i in range(len(args) - 1) if args[i] in ("-p", "-r")
    }
    assert flags == {"s": ("-p", "alice"), "digits": ("-r", "007"), "t": ("-r", "True"),
                     "i": ("-p", "3"), "f": ("-p", "0.5"), "b": ("-p", "False")}  # fmt: skip
    assert json.loads(args[args.index("-y") + 1]) == {"none": None, "items": [1, "a"],
                                                      "obj": {"k": 1}}  # fmt: skip
    for name, (flag, text) in flags.items():
        assert (text if flag == "-r" else _resolve_type(text)) == params[name]
