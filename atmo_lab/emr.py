"""EMR vocabulary and the RunJobFlow parameters shared by clusters and job runs.

Parameters follow reference/atmo.md §5: name ``atmo-<env>-<kind>-<owner>-<identifier>``,
LogUri ``s3://<log_bucket>/<kind>s/<identifier>/<ISO time>``, master on demand, a core group
only when size > 1 (spot with a bid when configured), the six tags.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .aws import call
from .core import Core
from .settings import Settings

STARTING = "STARTING"
BOOTSTRAPPING = "BOOTSTRAPPING"
RUNNING = "RUNNING"
WAITING = "WAITING"
TERMINATING = "TERMINATING"
TERMINATED = "TERMINATED"
TERMINATED_WITH_ERRORS = "TERMINATED_WITH_ERRORS"

ACTIVE_STATES = (STARTING, BOOTSTRAPPING, RUNNING, WAITING, TERMINATING)
READY_STATES = (RUNNING, WAITING)
FINAL_STATES = (TERMINATED, TERMINATED_WITH_ERRORS)
ALL_STATES = ACTIVE_STATES + FINAL_STATES

# ``?status=`` filters of the list routes (reference/atmo.md §2.3: "" is in no group).
STATUS_GROUPS: dict[str, tuple[str, ...] | None] = {
    "active": ACTIVE_STATES,
    "terminated": (TERMINATED,),
    "failed": (TERMINATED_WITH_ERRORS,),
    "all": None,
}

FAILED_REASONS = (
    "INTERNAL_ERROR",
    "VALIDATION_ERROR",
    "INSTANCE_FAILURE",
    "BOOTSTRAP_FAILURE",
    "STEP_FAILURE",
)


@dataclass(frozen=True)
class ClusterInfo:
    """What EMR says about one cluster (from DescribeCluster or a ListClusters summary)."""

    jobflow_id: str
    status: str
    reason_code: str | None
    reason_message: str | None
    started_at: dt.datetime | None
    ready_at: dt.datetime | None
    finished_at: dt.datetime | None
    master_address: str | None = None

    @classmethod
    def from_api(cls, cluster: dict[str, Any]) -> ClusterInfo:
        status = cluster.get("Status", {})
        reason = status.get("StateChangeReason", {}) or {}
        timeline = status.get("Timeline", {}) or {}
        return cls(
            jobflow_id=cluster["Id"],
            status=status.get("State", ""),
            reason_code=reason.get("Code"),
            reason_message=reason.get("Message"),
            started_at=_aware(timeline.get("CreationDateTime")),
            ready_at=_aware(timeline.get("ReadyDateTime")),
            finished_at=_aware(timeline.get("EndDateTime")),
            master_address=cluster.get("MasterPublicDnsName") or None,
        )

    @property
    def reason(self) -> str:
        """A one-line reason for people ("" when EMR gave none)."""
        if self.reason_code and self.reason_message:
            return f"{self.reason_code}: {self.reason_message}"
        return self.reason_message or self.reason_code or ""


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc)


def jobflow_name(settings: Settings, kind: str, owner: str, identifier: str) -> str:
    return f"atmo-{settings.environment}-{kind}-{owner}-{identifier}"


def log_uri(settings: Settings, kind: str, identifier: str, now: dt.datetime) -> str:
    stamp = now.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat()
    return f"s3://{settings.log_bucket}/{kind}s/{identifier}/{stamp}"


def instance_groups(settings: Settings, size: int) -> list[dict[str, Any]]:
    """Master on demand; ``size`` core nodes when size > 1 (spot with a bid when configured)."""
    groups: list[dict[str, Any]] = [
        {
            "Name": "Master",
            "Market": "ON_DEMAND",
            "InstanceRole": "MASTER",
            "InstanceType": settings.master_instance_type,
            "InstanceCount": 1,
        }
    ]
    if size > 1:
        core: dict[str, Any] = {
            "Name": "Worker Instances",
            "InstanceRole": "CORE",
            "InstanceType": settings.worker_instance_type,
            "InstanceCount": size,
        }
        if settings.use_spot_instances:
            core.update(Market="SPOT", BidPrice=settings.spot_bid_price)
        else:
            core["Market"] = "ON_DEMAND"
        groups.append(core)
    return groups


def tags(settings: Settings, owner: str, identifier: str) -> list[dict[str, str]]:
    return [
        {"Key": "Owner", "Value": owner},
        {"Key": "Name", "Value": identifier},
        {"Key": "Environment", "Value": settings.environment},
        {"Key": "Application", "Value": settings.instance_app_tag},
        {"Key": "App", "Value": settings.accounting_app_tag},
        {"Key": "Type", "Value": settings.accounting_type_tag},
    ]


def job_flow_params(
    settings: Settings,
    *,
    kind: str,
    owner: str,
    identifier: str,
    release: str,
    size: int,
    keep_alive: bool,
    now: dt.datetime,
    bootstrap_actions: list[dict[str, Any]],
    steps: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The RunJobFlow keyword arguments common to clusters (kind "cluster") and runs ("job")."""
    instances: dict[str, Any] = {
        "InstanceGroups": instance_groups(settings, size),
        "KeepJobFlowAliveWhenNoSteps": keep_alive,
    }
    if settings.ec2_key_name:
        instances["Ec2KeyName"] = settings.ec2_key_name
    params: dict[str, Any] = {
        "Name": jobflow_name(settings, kind, owner, identifier),
        "LogUri": log_uri(settings, kind, identifier, now),
        "ReleaseLabel": f"emr-{release}",
        "Instances": instances,
        "Applications": [{"Name": name} for name in settings.emr_applications],
        "BootstrapActions": bootstrap_actions,
        "JobFlowRole": settings.job_flow_role,
        "ServiceRole": settings.service_role,
        "VisibleToAllUsers": True,
        "Tags": tags(settings, owner, identifier),
    }
    if steps:
        params["Steps"] = steps
    return params


def run_job_flow(core: Core, params: dict[str, Any]) -> str:
    """Start a job flow; its id."""
    response = call("RunJobFlow", core.aws.emr.run_job_flow, **params)
    return str(response["JobFlowId"])


def describe(core: Core, jobflow_id: str) -> ClusterInfo:
    response = call("DescribeCluster", core.aws.emr.describe_cluster, ClusterId=jobflow_id)
    return ClusterInfo.from_api(response["Cluster"])


def terminate(core: Core, jobflow_ids: list[str]) -> None:
    call("TerminateJobFlows", core.aws.emr.terminate_job_flows, JobFlowIds=jobflow_ids)
