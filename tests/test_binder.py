"""binder/start: the emulator a Binder launch runs before JupyterLab."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from atmo_lab.demo import DEMO_BUCKETS, free_port

ROOT = Path(__file__).resolve().parents[1]


def test_binder_start_runs_the_emulator_with_the_demo_buckets():
    port = free_port()
    env = dict(os.environ, ATMO_LAB_EMULATOR_PORT=str(port))
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
    env["PYTHONPATH"] = f"{ROOT}:{env.get('PYTHONPATH', '')}"
    check = (
        "import boto3, os; s3 = boto3.client('s3');"
        "print(os.environ['AWS_ENDPOINT_URL']);"
        "print(sorted(b['Name'] for b in s3.list_buckets()['Buckets']))"
    )
    try:
        out = subprocess.run(
            ["bash", str(ROOT / "binder" / "start"), sys.executable, "-c", check],
            env=env, capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
    finally:
        for proc in psutil.process_iter(["cmdline"]):
            cmdline = proc.info["cmdline"] or []
            if any("moto_server" in part for part in cmdline) and str(port) in cmdline:
                proc.kill()
    endpoint, buckets = out.stdout.strip().splitlines()
    assert endpoint == f"http://127.0.0.1:{port}"
    assert buckets == str(sorted(DEMO_BUCKETS))


@pytest.mark.parametrize("name", ["environment.yml", "postBuild", "start"])
def test_binder_files_exist(name):
    path = ROOT / "binder" / name
    assert path.is_file()
    if name != "environment.yml":
        assert os.access(path, os.X_OK)
