"""The EMR bootstrap scripts atmo_lab's clusters and job runs expect, and their upload."""

from __future__ import annotations

from pathlib import Path

from ..aws import call
from ..core import Core
from ..errors import ValidationFailed

HERE = Path(__file__).parent
CLUSTER_SCRIPT = HERE / "atmo-lab.sh"
JOB_SCRIPT = HERE / "atmo-lab-job.sh"
# Where the job bootstrap keeps its virtualenv and its copy of itself, under the hadoop
# user's home (steps and bootstrap actions run as that user).
JOB_HOME = "$HOME/atmo-lab"


def job_bootstrap_args(packages: list[str]) -> list[str]:
    """The job bootstrap action's arguments: the pip packages installed beside papermill."""
    return [arg for package in packages for arg in ("--install", package)]


def job_step_command(timeout_seconds: int, papermill_args: list[str]) -> list[str]:
    """The command-runner.jar arguments of a run's step: the script the bootstrap kept runs
    papermill under ``timeout`` (counted from the step's start)."""
    return [
        "bash", "-c", f'exec bash "{JOB_HOME}/atmo-lab-job.sh" run "$@"', "atmo-lab-job",
        "--timeout", str(timeout_seconds), "--", *papermill_args,
    ]  # fmt: skip


def split_s3_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://") or "/" not in uri[5:]:
        raise ValidationFailed({"bootstrap_script_uri": f"Not an s3://bucket/key URI: {uri!r}"})
    bucket, key = uri[5:].split("/", 1)
    return bucket, key


def upload_bootstrap_scripts(core: Core) -> list[str]:
    """Put both scripts where ``bootstrap_script_uri`` and ``job_bootstrap_script_uri`` point."""
    uploaded = []
    targets = (
        (CLUSTER_SCRIPT, core.settings.bootstrap_script_uri),
        (JOB_SCRIPT, core.settings.job_bootstrap_script_uri),
    )
    for script, uri in targets:
        bucket, key = split_s3_uri(uri)
        call(
            "PutObject", core.aws.s3.put_object, Bucket=bucket, Key=key,
            Body=script.read_bytes(), ContentType="text/x-shellscript",
        )  # fmt: skip
        uploaded.append(uri)
    return uploaded
