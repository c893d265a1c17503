"""`atmo-lab demo`: the whole product on a local AWS emulator (a real local Spark for each
cluster), stopped cleanly by Ctrl-C, SIGTERM or SIGHUP."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from atmo_lab.demo import free_port
from atmo_lab.spark_connect.endpoint import port_accepts

from .support import public_key

ROOT = Path(__file__).resolve().parents[1]


def call(base, token, method, path, body=None):
    request = urllib.request.Request(
        f"{base}atmo-lab/api/{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, json.loads(response.read() or b"null")


def start_demo(tmp_path: Path) -> tuple[subprocess.Popen[str], str, str, list[str]]:
    """`atmo-lab demo` in a subprocess, once it printed its URL: (process, url, token, lines)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PYTHONPATH"] = f"{ROOT}:{env.get('PYTHONPATH', '')}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "atmo_lab.cli", "demo", "--no-browser", "--port", str(port),
         "--dir", str(tmp_path / "demo")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=tmp_path, text=True,
    )  # fmt: skip
    lines: list[str] = []
    url = token = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and url is None:
        line = proc.stdout.readline()
        lines.append(line)
        match = re.search(r"Open: (http://\S+/)lab\?token=(\w+)", line)
        if match:
            url, token = match[1], match[2]
    if not url or not token:
        proc.kill()
        raise AssertionError("".join(lines[-30:]))
    assert url == f"http://127.0.0.1:{port}/"
    lines.append(proc.stdout.readline())  # what Spark clusters get
    return proc, url, token, lines


def stop_demo(proc: subprocess.Popen[str], signum: int) -> str:
    proc.send_signal(signum)
    try:
        out, _ = proc.communicate(timeout=40)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out


def left_running(children: list[psutil.Process]) -> list[psutil.Process]:
    return [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]


def wait_for_spark(url: str, token: str, cluster_id: int, timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        cluster = call(url, token, "GET", f"clusters/{cluster_id}")[1]
        if cluster["spark_connect_url"] or time.monotonic() > deadline:
            return cluster
        time.sleep(0.5)


def test_demo_runs_end_to_end_and_stops_cleanly(tmp_path):
    proc, url, token, lines = start_demo(tmp_path)
    try:
        assert "Every cluster you launch gets a local Spark Connect server." in "".join(lines)
        config = call(url, token, "GET", "config")[1]
        assert config["is_local_emulator"] and config["job_executor"] == "local"

        key = call(url, token, "POST", "keys", {"title": "laptop", "key": public_key()})[1]
        status, cluster = call(url, token, "POST", "clusters", {"size": 2, "ssh_key_id": key["id"]})
        assert status == 201 and cluster["status"] == "WAITING"
        spark_url = wait_for_spark(url, token, cluster["id"])["spark_connect_url"]
        assert spark_url and spark_url.startswith("sc://localhost:"), spark_url
        spark_port = int(spark_url.split(":")[2].split("/")[0])
        assert port_accepts("127.0.0.1", spark_port)  # a real Spark Connect server

        status, job = call(url, token, "POST", "jobs", {
            "identifier": "temperatures", "description": "The sample analysis",
            "notebook_path": "analysis.ipynb", "parameters": {"city": "Oslo", "days": 3},
        })  # fmt: skip
        assert status == 201
        status, _ = call(url, token, "POST", f"jobs/{job['id']}/run")
        assert status == 202
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            runs = call(url, token, "GET", f"jobs/{job['id']}/runs")[1]["runs"]
            if runs[0]["status"] not in ("STARTING", "RUNNING"):
                break
            time.sleep(0.5)
        assert runs[0]["status"] == "TERMINATED", runs[0]
        results = call(url, token, "GET", f"jobs/{job['id']}/results")[1]
        (output,) = [r for r in results["data"] if r["key"].endswith("analysis.ipynb")]
        with urllib.request.urlopen(output["url"], timeout=30) as response:  # the emulator's S3
            executed = json.loads(response.read())
        text = json.dumps(executed)
        assert "Oslo: 3 days" in text
        children = psutil.Process(proc.pid).children(recursive=True)
        assert children  # JupyterLab (and maybe kernels) run under the demo
        assert any("SparkConnectServer" in " ".join(c.cmdline()) for c in children)
    finally:
        out = stop_demo(proc, signal.SIGINT)
    assert proc.returncode == 0, out
    assert "stopped" in out
    time.sleep(0.5)
    assert left_running(children) == []
    assert not port_accepts("127.0.0.1", spark_port)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_stop_everything_as_ctrl_c_does(tmp_path, signum):
    proc, url, token, _ = start_demo(tmp_path)
    try:
        children = psutil.Process(proc.pid).children(recursive=True)
        assert children and call(url, token, "GET", "config")[0] == 200
    finally:
        out = stop_demo(proc, signum)
    assert proc.returncode == 0, out
    assert "atmo-lab demo: stopped." in out
    time.sleep(0.5)
    assert left_running(children) == []
