"""The EMR bootstrap scripts: uploaded by `atmo-lab upload-bootstrap`, and what they do."""

from __future__ import annotations

import os
import subprocess
import sys

from atmo_lab.bootstrap import CLUSTER_SCRIPT, JOB_SCRIPT

from .support import public_key


def test_upload_bootstrap_puts_both_scripts_where_the_settings_point(aws, atmo_config):
    args = [f"--AtmoLabApp.{k}={v}" for k, v in atmo_config.items() if isinstance(v, str)]
    out = subprocess.run(
        [sys.executable, "-m", "atmo_lab.cli", "upload-bootstrap", *args],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert "s3://atmo-lab-code/bootstrap/atmo-lab.sh" in out.stdout
    s3 = aws.client("s3")
    for script in (CLUSTER_SCRIPT, JOB_SCRIPT):
        body = s3.get_object(Bucket="atmo-lab-code", Key=f"bootstrap/{script.name}")["Body"]
        assert body.read() == script.read_bytes()


def test_cluster_script_installs_the_key_once(tmp_path):
    key = public_key(comment="alice@laptop")
    env = dict(os.environ, ATMO_LAB_HOME=str(tmp_path))
    for _ in range(2):
        subprocess.run(
            ["bash", str(CLUSTER_SCRIPT), "--public-key", key, "--owner", "alice"],
            env=env, check=True, capture_output=True, timeout=30,
        )  # fmt: skip
    authorized = tmp_path / ".ssh" / "authorized_keys"
    assert authorized.read_text().splitlines() == [key]
    assert oct(authorized.stat().st_mode & 0o777) == "0o600"


def test_scripts_refuse_missing_arguments():
    cluster = subprocess.run(
        ["bash", str(CLUSTER_SCRIPT)], capture_output=True, text=True, check=False
    )
    assert cluster.returncode == 1 and "--public-key is required" in cluster.stderr
    job = subprocess.run(
        ["bash", str(JOB_SCRIPT), "run", "--timeout", "soon", "--", "in.ipynb"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert job.returncode == 2 and "--timeout <seconds> is required" in job.stderr
