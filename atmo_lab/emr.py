"""EMR vocabulary and the RunJobFlow parameters shared by clusters and job runs.

Name ``atmo-<env>-<kind>-<owner>-<identifier>``; LogUri
``s3://<log_bucket>/<kind>s/<identifier>/<UTC time>`` (no ``:`` or ``+`` in the key); the
release's applications; master on demand, workers only when size > 1 (spot without a BidPrice
by default: EMR then caps it at the on-demand price); the six tags plus the one EMR's v2
managed policies require; subnet, security groups, security configuration and an idle
AutoTerminationPolicy when configured. See the RunJobFlow API reference.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .aws import call
from .core import Core
from .emr_clusters.releases import release_info, release_label
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

# ``?status=`` filters of the list routes (a status of "" is in no group).
STATUS_GROUPS: dict[str, tuple[str, ...] | None] = {
    "active": ACTIVE_STATES,
    "terminated": (TERMINATED,),
    "failed": (TERMINATED_WITH_ERRORS,),
    "all": None,
}

# ClusterStateChangeReason codes (API reference): the two that end a cluster normally, and
# the failures.
USER_REQUEST = "USER_REQUEST"
ALL_STEPS_COMPLETED = "ALL_STEPS_COMPLETED"
STEP_FAILURE = "STEP_FAILURE"
BOOTSTRAP_FAILURE = "BOOTSTRAP_FAILURE"
FAILED_REASONS = (
    "INTERNAL_ERROR",
    "VALIDATION_ERROR",
    "INSTANCE_FAILURE",
    "INSTANCE_FLEET_TIMEOUT",
    BOOTSTRAP_FAILURE,
    STEP_FAILURE,
)

# Step states (StepStatus, API reference).
STEP_COMPLETED = "COMPLETED"
STEP_FAILED = "FAILED"

# The v2 managed policies (AmazonEMRServicePolicy_v2) act only on resources with this tag.
MANAGED_POLICY_TAG = {"Key": "for-use-with-amazon-emr-managed-policies", "Value": "true"}


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


def log_stamp(now: dt.datetime) -> str:
    """A UTC time for S3 keys: ``20261204T200519Z`` (no ``:`` or ``+``)."""
    return now.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def log_uri(settings: Settings, kind: str, identifier: str, now: dt.datetime) -> str:
    return f"s3://{settings.log_bucket}/{kind}s/{identifier}/{log_stamp(now)}/"


def _group(settings: Settings, name: str, role: str, count: int, spot: bool) -> dict[str, Any]:
    group: dict[str, Any] = {
        "Name": name,
        "InstanceRole": role,
        "InstanceType": settings.master_instance_type
        if role == "MASTER"
        else settings.worker_instance_type,
        "InstanceCount": count,
        "Market": "SPOT" if spot else "ON_DEMAND",
    }
    if spot and settings.spot_bid_price:
        group["BidPrice"] = settings.spot_bid_price
    return group


def instance_groups(settings: Settings, size: int) -> list[dict[str, Any]]:
    """Master on demand; when size > 1, ``size`` workers: core nodes (spot when configured),
    or with ``spot_task_nodes`` one on-demand core node and ``size - 1`` spot task nodes."""
    groups = [_group(settings, "Master", "MASTER", 1, spot=False)]
    if size <= 1:
        return groups
    spot = settings.use_spot_instances
    if spot and settings.spot_task_nodes:
        groups.append(_group(settings, "Core", "CORE", 1, spot=False))
        groups.append(_group(settings, "Spot tasks", "TASK", size - 1, spot=True))
    else:
        groups.append(_group(settings, "Worker Instances", "CORE", size, spot=spot))
    return groups


def instances(settings: Settings, size: int, keep_alive: bool) -> dict[str, Any]:
    """RunJobFlow's ``Instances``: groups, key pair, subnet and extra security groups."""
    config: dict[str, Any] = {
        "InstanceGroups": instance_groups(settings, size),
        "KeepJobFlowAliveWhenNoSteps": keep_alive,
    }
    if settings.ec2_key_name:
        config["Ec2KeyName"] = settings.ec2_key_name
    if settings.ec2_subnet_id:
        config["Ec2SubnetId"] = settings.ec2_subnet_id
    if settings.additional_master_security_groups:
        config["AdditionalMasterSecurityGroups"] = list(settings.additional_master_security_groups)
    if settings.additional_core_security_groups:
        config["AdditionalSlaveSecurityGroups"] = list(settings.additional_core_security_groups)
    return config


def resized_groups(groups: list[dict[str, Any]], size: int) -> list[dict[str, Any]]:
    """ModifyInstanceGroups' ``InstanceGroups`` that give a cluster ``size`` workers: the spot
    task group takes ``size - 1`` beside its one core node (``spot_task_nodes``), else the
    core group takes ``size``; empty when the cluster has no workers."""
    by_type = {g.get("InstanceGroupType"): g for g in groups}
    if "TASK" in by_type:
        return [{"InstanceGroupId": by_type["TASK"]["Id"], "InstanceCount": size - 1}]
    if "CORE" in by_type:
        return [{"InstanceGroupId": by_type["CORE"]["Id"], "InstanceCount": size}]
    return []


def command_runner_step(
    name: str, args: list[str], action_on_failure: str = "TERMINATE_CLUSTER"
) -> dict[str, Any]:
    """A step that runs a command on the master node through EMR's ``command-runner.jar``."""
    return {
        "Name": name,
        "ActionOnFailure": action_on_failure,
        "HadoopJarStep": {"Jar": "command-runner.jar", "Args": list(args)},
    }


def tags(settings: Settings, owner: str, identifier: str) -> list[dict[str, str]]:
    return [
        {"Key": "Owner", "Value": owner},
        {"Key": "Name", "Value": identifier},
        {"Key": "Environment", "Value": settings.environment},
        {"Key": "Application", "Value": settings.instance_app_tag},
        {"Key": "App", "Value": settings.accounting_app_tag},
        {"Key": "Type", "Value": settings.accounting_type_tag},
        dict(MANAGED_POLICY_TAG),
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
    log_uri_override: str | None = None,
) -> dict[str, Any]:
    """The RunJobFlow keyword arguments common to clusters (kind "cluster") and runs ("job")."""
    params: dict[str, Any] = {
        "Name": jobflow_name(settings, kind, owner, identifier),
        "LogUri": log_uri_override or log_uri(settings, kind, identifier, now),
        "ReleaseLabel": release_label(release),
        "Instances": instances(settings, size, keep_alive),
        "Applications": [
            {"Name": name} for name in release_info(settings, release)["applications"]
        ],
        "BootstrapActions": bootstrap_actions,
        "JobFlowRole": settings.job_flow_role,
        "ServiceRole": settings.service_role,
        "Tags": tags(settings, owner, identifier),
    }
    if settings.security_configuration:
        params["SecurityConfiguration"] = settings.security_configuration
    if keep_alive and settings.idle_timeout_seconds > 0:
        # A backstop: the worker terminates expired clusters; this ends idle ones without it.
        params["AutoTerminationPolicy"] = {"IdleTimeout": settings.idle_timeout_seconds}
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


def list_steps(core: Core, jobflow_id: str) -> list[dict[str, Any]]:
    """The cluster's steps, oldest first (ListSteps returns the newest first)."""
    response = call("ListSteps", core.aws.emr.list_steps, ClusterId=jobflow_id)
    return list(reversed(response.get("Steps", [])))
