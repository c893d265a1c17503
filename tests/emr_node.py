"""An EMR node for the tests: a job flow's recorded bootstrap actions and steps, run as EMR would.

moto records RunJobFlow but never runs anything. :class:`EmrNode` reads what it recorded
(DescribeCluster, ListBootstrapActions, ListSteps), then on a sandboxed "node" runs each
bootstrap action's script with its arguments, then each ``command-runner.jar`` step's command,
and reports back to the emulator what EMR would: the step logs under the cluster's LogUri
(``<LogUri><cluster id>/steps/<step id>/stdout.gz``, ``stderr.gz``), the steps' states and
times, and the cluster's end state with a real ClusterStateChangeReason code.

The node: its own HOME and tmp dir; ``sudo`` and ``dnf`` shims on PATH; ``aws``/boto3 pointed
at the moto server; a pip pyspark laid out the way EMR lays out ``/usr/lib/spark`` (``bin``,
``jars``, ``python/`` and ``python/lib/py4j-*-src.zip``). Mocked because they cannot exist
here: Amazon Linux 2023 (``dnf`` records its arguments and installs nothing; ``PYTHON`` is
this machine's python3 instead of ``/usr/bin/python3.11``), YARN (``spark-defaults.conf`` says
``local[1]``), and a cluster of several nodes (one node runs everything).
"""

from __future__ import annotations

import datetime as dt
import gzip
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from moto.core import DEFAULT_ACCOUNT_ID
from moto.emr.models import Cluster, emr_backends

# sudo on the node: the tests run as one user; options (-n, -E, -u hadoop …) are dropped.
SUDO_SHIM = """#!/usr/bin/env bash
while [ $# -gt 0 ]; do
  case "$1" in -u|-g) shift 2 ;; --) shift; break ;; -*) shift ;; *) break ;; esac
done
exec "$@"
"""
# dnf on the node: Amazon Linux 2023 is not here; what it was asked for is recorded.
DNF_SHIM = """#!/usr/bin/env bash
echo "$@" >> "$DNF_LOG"
"""


def spark_home(root: Path) -> Path:
    """A SPARK_HOME laid out like EMR's ``/usr/lib/spark``, made of the pip pyspark."""
    import py4j
    import pyspark

    home = root / "usr" / "lib" / "spark"
    if (home / "conf" / "spark-defaults.conf").exists():
        return home
    wheel = Path(pyspark.__file__).parent
    (home / "python" / "lib").mkdir(parents=True)
    for name in ("bin", "sbin", "jars"):
        (home / name).symlink_to(wheel / name)
    (home / "python" / "pyspark").symlink_to(wheel)
    version = getattr(py4j, "__version__", None) or _py4j_version()
    package = Path(py4j.__file__).parent
    with zipfile.ZipFile(home / "python" / "lib" / f"py4j-{version}-src.zip", "w") as zf:
        for path in package.rglob("*.py"):
            zf.write(path, Path("py4j") / path.relative_to(package))
    (home / "conf").mkdir()
    (home / "conf" / "spark-defaults.conf").write_text(
        "spark.master local[1]\nspark.ui.enabled false\nspark.sql.shuffle.partitions 1\n"
    )
    return home


def _py4j_version() -> str:
    from importlib.metadata import version

    return version("py4j")


@dataclass
class StepRun:
    """One step as the node ran it."""

    step_id: str
    name: str
    returncode: int
    stdout: str
    stderr: str
    started: dt.datetime
    ended: dt.datetime


@dataclass
class NodeOutcome:
    """What the node did for one job flow."""

    state: str
    reason_code: str
    bootstrap: list[subprocess.CompletedProcess[str]] = field(default_factory=list)
    steps: list[StepRun] = field(default_factory=list)
    dnf: list[str] = field(default_factory=list)


class _ReportedCluster(Cluster):
    """moto's cluster, with the ClusterStateChangeReason ``Code`` EMR sends."""

    state_change_code: str | None = None

    @property
    def status(self) -> dict[str, Any]:
        status = super().status
        if self.state_change_code:
            status["StateChangeReason"]["Code"] = self.state_change_code
        return status


class EmrNode:
    """Runs job flows recorded by the moto server of this process, one node each."""

    def __init__(self, root: Path, spark: Path, region: str) -> None:
        self.root = root
        self.spark = spark
        self.region = region
        self.emr = boto3.client("emr", region_name=region)
        self.s3 = boto3.client("s3", region_name=region)

    def run(self, jobflow_id: str, timeout: float = 600) -> NodeOutcome:
        """Bootstrap the node, run the steps, and report the outcome to the emulator."""
        cluster = self.emr.describe_cluster(ClusterId=jobflow_id)["Cluster"]
        actions = self.emr.list_bootstrap_actions(ClusterId=jobflow_id)["BootstrapActions"]
        steps = list(reversed(self.emr.list_steps(ClusterId=jobflow_id)["Steps"]))
        node = self.root / jobflow_id
        env = self._environment(node)
        outcome = NodeOutcome(state="", reason_code="")
        for index, action in enumerate(actions, start=1):
            script = self._download(action["ScriptPath"], node / "bootstrap" / f"{index}.sh")
            done = subprocess.run(
                ["bash", str(script), *action.get("Args", [])], env=env, cwd=env["HOME"],
                capture_output=True, text=True, timeout=timeout, check=False,
            )  # fmt: skip
            outcome.bootstrap.append(done)
            if done.returncode != 0:
                message = f"Bootstrap action {index} returned a non-zero return code"
                self._end(jobflow_id, "TERMINATED_WITH_ERRORS", "BOOTSTRAP_FAILURE", message)
                outcome.state, outcome.reason_code = "TERMINATED_WITH_ERRORS", "BOOTSTRAP_FAILURE"
                return self._finish(outcome, node)
        for step in steps:
            run = self._run_step(jobflow_id, step, env, timeout)
            outcome.steps.append(run)
            self._upload_logs(cluster["LogUri"], jobflow_id, run)
            if run.returncode != 0 and step["ActionOnFailure"] in (
                "TERMINATE_CLUSTER", "TERMINATE_JOB_FLOW",
            ):  # fmt: skip
                self._end(jobflow_id, "TERMINATED_WITH_ERRORS", "STEP_FAILURE",
                          "Shut down as step failed")  # fmt: skip
                outcome.state, outcome.reason_code = "TERMINATED_WITH_ERRORS", "STEP_FAILURE"
                return self._finish(outcome, node)
        if not cluster["AutoTerminate"]:
            outcome.state, outcome.reason_code = "WAITING", ""
            return self._finish(outcome, node)
        self._end(jobflow_id, "TERMINATED", "ALL_STEPS_COMPLETED", "Steps completed")
        outcome.state, outcome.reason_code = "TERMINATED", "ALL_STEPS_COMPLETED"
        return self._finish(outcome, node)

    # --- the node --------------------------------------------------------------------------

    def _environment(self, node: Path) -> dict[str, str]:
        home, tmp, shims = node / "home" / "hadoop", node / "tmp", node / "shims"
        for folder in (home, tmp, shims):
            folder.mkdir(parents=True, exist_ok=True)
        for name, text in (("sudo", SUDO_SHIM), ("dnf", DNF_SHIM)):
            (shims / name).write_text(text)
            (shims / name).chmod(0o755)
        keep = ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "LANG",
                "JAVA_HOME")  # fmt: skip
        env = {k: os.environ[k] for k in keep if k in os.environ}
        env.update(
            HOME=str(home),
            TMPDIR=str(tmp),
            PATH=os.pathsep.join([str(shims), "/usr/local/bin", "/usr/bin", "/bin"]),
            AWS_DEFAULT_REGION=self.region,
            DNF_LOG=str(node / "dnf.log"),
            PYTHON=_base_python(),
            SPARK_HOME=str(self.spark),
            SPARK_LOCAL_IP="127.0.0.1",
            PIP_DISABLE_PIP_VERSION_CHECK="1",
        )
        cache = os.environ.get("PIP_CACHE_DIR") or str(Path.home() / ".cache" / "pip")
        env["PIP_CACHE_DIR"] = cache  # the machine's pip cache: a warm venv build
        return env

    def _download(self, uri: str, target: Path) -> Path:
        bucket, key = uri[len("s3://") :].split("/", 1)
        target.parent.mkdir(parents=True, exist_ok=True)
        self.s3.download_file(bucket, key, str(target))
        return target

    def _run_step(
        self, jobflow_id: str, step: dict[str, Any], env: dict[str, str], timeout: float
    ) -> StepRun:
        config = step["Config"]
        assert config["Jar"] == "command-runner.jar", config  # the only kind atmo_lab sends
        model = self._backend_cluster(jobflow_id)
        moto_step = next(s for s in model.steps if s.id == step["Id"])
        started = dt.datetime.now(dt.timezone.utc)
        moto_step.state, moto_step.start_date_time = "RUNNING", started
        done = subprocess.run(
            config["Args"], env=env, cwd=env["HOME"], capture_output=True, text=True,
            timeout=timeout, check=False,
        )  # fmt: skip
        ended = dt.datetime.now(dt.timezone.utc)
        moto_step.state = "COMPLETED" if done.returncode == 0 else "FAILED"
        moto_step.end_date_time = ended
        return StepRun(
            step["Id"], step["Name"], done.returncode, done.stdout, done.stderr, started, ended
        )

    def _upload_logs(self, log_uri: str, jobflow_id: str, run: StepRun) -> None:
        """The step's logs where EMR puts them: <LogUri><cluster id>/steps/<step id>/."""
        bucket, prefix = log_uri[len("s3://") :].split("/", 1)
        folder = f"{prefix.rstrip('/')}/{jobflow_id}/steps/{run.step_id}/".lstrip("/")
        for name, text in (("stdout", run.stdout), ("stderr", run.stderr)):
            self.s3.put_object(
                Bucket=bucket, Key=f"{folder}{name}.gz", Body=gzip.compress(text.encode())
            )

    def _backend_cluster(self, jobflow_id: str) -> Any:
        """moto's record of the cluster (the server may file it under another region)."""
        backends = emr_backends[DEFAULT_ACCOUNT_ID]
        return next(b.clusters[jobflow_id] for b in backends.values() if jobflow_id in b.clusters)

    def _end(self, jobflow_id: str, state: str, code: str, message: str) -> None:
        model = self._backend_cluster(jobflow_id)
        model.__class__ = _ReportedCluster
        model.state = state
        model.state_change_code = code
        model.last_state_change_reason = message
        model.end_datetime = dt.datetime.now(dt.timezone.utc)

    def _finish(self, outcome: NodeOutcome, node: Path) -> NodeOutcome:
        log = node / "dnf.log"
        outcome.dnf = log.read_text().splitlines() if log.exists() else []
        return outcome


def _base_python() -> str:
    """This machine's python3 (the node's python3.11), not the test virtualenv's."""
    base = getattr(sys, "_base_executable", "") or shutil.which("python3") or "python3"
    return str(base)
