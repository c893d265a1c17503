"""Cluster operations for a caller: launch, list, extend, resize, terminate."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from .. import emr
from ..aws import aws_endpoint_info, call
from ..caller import Caller
from ..core import Core
from ..db import utcnow
from ..errors import AwsFailure, Conflict, NotFound, ValidationFailed
from ..pages import Page, check_owner, keyset_page
from ..spark_connect import endpoint as spark_endpoint
from ..spark_connect import stand_in
from ..spark_connect.releases import has_token_auth, spark_version
from ..ssh_keys.models import SSHKey
from ..validation import Collector, check_identifier, check_int, fields_of, require_object
from .models import Cluster
from .names import deduplicate, random_name
from .releases import resolve_release

log = logging.getLogger(__name__)

EXPIRY_WARNING_WINDOW = dt.timedelta(hours=1)
#: States in which a cluster's Spark endpoint is gone (or going).
ENDED_STATES = (emr.TERMINATING, *emr.FINAL_STATES)
MIN_LIFETIME_HOURS = 2
#: A cluster with core nodes keeps at least this many nodes (terminating releases them).
MIN_RESIZE_SIZE = 2
MAX_NODES = 1000
NO_KEYS = "No SSH keys associated to you. Add your public SSH key first (a one-time step)."


CLUSTER_FIELDS = ("id", "identifier", "size", "lifetime_hours", "lifetime_extension_count",
                  "ssh_key_id", "emr_release", "jobflow_id", "status", "status_reason",
                  "master_address", "owner", "spark_connect_url", "spark_version")  # fmt: skip
CLUSTER_TIMES = ("created_at", "started_at", "ready_at", "finished_at", "expires_at")


def cluster_to_dict(
    cluster: Cluster, now: dt.datetime | None = None, connect_port: int | None = None
) -> dict[str, Any]:
    item = fields_of(cluster, CLUSTER_FIELDS, CLUSTER_TIMES)
    active = cluster.status in emr.ACTIVE_STATES
    item["is_active"] = active
    item["is_expiring_soon"] = (
        active and cluster.expires_at <= (now or utcnow()) + EXPIRY_WARNING_WINDOW
    )
    port = connect_port or spark_endpoint.SPARK_CONNECT_PORT
    tunnel = spark_endpoint.ssh_tunnel(cluster.master_address, port)
    ready = cluster.status in emr.READY_STATES
    item["ssh_tunnel"] = tunnel if cluster.master_address and ready else None
    return item


def size_limit(core: Core, caller: Caller) -> int | None:
    """The largest size the caller may ask for (None: no limit, for maintainers)."""
    return None if caller.is_maintainer else core.settings.max_cluster_size


def size_bound(core: Core, caller: Caller) -> int:
    """The largest size accepted: `size_limit`, and for maintainers a technical ceiling (a
    typo such as 10**20 must not reach EMR, the store's integer columns or the emulator)."""
    limit = size_limit(core, caller)
    return MAX_NODES if limit is None else limit


# --- reading -------------------------------------------------------------------------------


def list_clusters(
    core: Core,
    caller: Caller,
    status: str = "active",
    owner: str | None = None,
    limit: int | str | None = None,
    cursor: str | None = None,
) -> Page:
    """The caller's clusters (everyone's for a maintainer asking ``owner=all``), newest first."""
    if status not in emr.STATUS_GROUPS:
        raise ValidationFailed({"status": "Use one of: " + ", ".join(emr.STATUS_GROUPS) + "."})
    check_owner(owner)
    shown: list[ColumnElement[bool]] = []
    if not (owner == "all" and caller.is_maintainer):
        shown.append(Cluster.owner == caller.username)
    states = emr.STATUS_GROUPS[status]
    if states is not None:
        shown.append(Cluster.status.in_(states))
    now, port = utcnow(), core.settings.spark_connect_port
    with core.store.reader() as session:
        return keyset_page(
            session, select(Cluster).where(*shown), Cluster.id,
            lambda row: cluster_to_dict(row[0], now, port), limit, cursor,
            core.settings.page_size, count=select(func.count(Cluster.id)).where(*shown),
        )  # fmt: skip


def visible_cluster(session: Session, caller: Caller, cluster_id: int) -> Cluster:
    """A cluster the caller may see (their own; any for maintainers)."""
    cluster = session.get(Cluster, cluster_id)
    if cluster is None or not (caller.owns(cluster.owner) or caller.is_maintainer):
        raise NotFound(f"No cluster {cluster_id}.")
    return cluster


def owned_cluster(session: Session, caller: Caller, cluster_id: int, lock: bool = False) -> Cluster:
    """The caller's own cluster (NotFound for everyone else's)."""
    cluster = session.get(Cluster, cluster_id, with_for_update=lock)
    if cluster is None or not caller.owns(cluster.owner):
        raise NotFound(f"No cluster {cluster_id}.")
    return cluster


def get_cluster(core: Core, caller: Caller, cluster_id: int) -> dict[str, Any]:
    with core.store.reader() as session:
        return cluster_to_dict(
            visible_cluster(session, caller, cluster_id),
            connect_port=core.settings.spark_connect_port,
        )


def identifier_taken(session: Session, identifier: str) -> bool:
    return (
        session.scalar(select(Cluster.id).where(Cluster.identifier == identifier).limit(1))
        is not None
    )


def suggest_identifier(core: Core) -> str:
    """A free generated identifier for the launch form."""
    with core.store.reader() as session:
        return deduplicate(random_name(), lambda name: identifier_taken(session, name))


# --- launching -----------------------------------------------------------------------------


def _validate_launch(core: Core, caller: Caller, body: Mapping[str, Any]) -> dict[str, Any]:
    settings = core.settings
    with core.store.reader() as session:
        keys = set(session.scalars(select(SSHKey.id).where(SSHKey.owner == caller.username)))
    if not keys:
        raise Conflict(NO_KEYS, {"ssh_key_id": NO_KEYS})
    found = Collector()
    identifier = body.get("identifier")
    if identifier is not None and identifier != "":
        identifier = found.check(check_identifier, identifier)
    else:
        identifier = None
    size = found.check(check_int, body.get("size"), "size", 1, size_bound(core, caller))
    lifetime = body.get("lifetime_hours", settings.default_cluster_lifetime)
    lifetime = found.check(
        check_int, lifetime, "lifetime_hours", MIN_LIFETIME_HOURS, settings.max_cluster_lifetime
    )
    key_id = body.get("ssh_key_id")
    if isinstance(key_id, bool) or not isinstance(key_id, int) or key_id not in keys:
        found.errors["ssh_key_id"] = "Choose one of your SSH keys."
    release = found.check(resolve_release, settings, body.get("emr_release"))
    found.raise_if_any()
    return {
        "identifier": identifier,
        "size": size,
        "lifetime_hours": lifetime,
        "ssh_key_id": key_id,
        "emr_release": release,
    }


def _bootstrap(core: Core, owner: str, public_key: str) -> list[dict[str, Any]]:
    return [
        {
            "Name": "setup-atmo-lab-cluster",
            "ScriptBootstrapAction": {
                "Path": core.settings.bootstrap_script_uri,
                "Args": ["--public-key", public_key, "--owner", owner],
            },
        }
    ]


def launch_params(
    core: Core, owner: str, identifier: str, release: str, size: int, public_key: str,
    now: dt.datetime, spark_token: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """RunJobFlow parameters of an interactive cluster (kept alive when it has no steps): the
    step that starts Spark Connect on the master, the master's extra security groups."""
    settings = core.settings
    step = spark_endpoint.connect_step(
        spark_version(settings, release), settings.spark_connect_port, spark_token
    )
    params = emr.job_flow_params(
        settings,
        kind="cluster",
        owner=owner,
        identifier=identifier,
        release=release,
        size=size,
        keep_alive=True,
        now=now,
        bootstrap_actions=_bootstrap(core, owner, public_key),
        steps=[step],
    )
    return params


def spark_token_for(core: Core, release: str) -> str | None:
    """A new Spark Connect token for a cluster of `release` (None: its Spark has no auth)."""
    version = spark_version(core.settings, release)
    return secrets.token_urlsafe(24) if has_token_auth(version) else None


def launch_cluster(core: Core, caller: Caller, body: object) -> dict[str, Any]:
    """Validate, call RunJobFlow, then record the cluster; nothing is stored if AWS fails."""
    fields = _validate_launch(core, caller, require_object(body))
    with core.store.reader() as session:
        key = session.get(SSHKey, fields["ssh_key_id"])
        assert key is not None
        public_key = key.key
        identifier = fields["identifier"] or deduplicate(
            random_name(), lambda name: identifier_taken(session, name)
        )
    now = utcnow()
    release = fields["emr_release"]
    token = spark_token_for(core, release)
    params = launch_params(
        core, caller.username, identifier, release, fields["size"], public_key, now, token
    )
    jobflow_id = emr.run_job_flow(core, params)
    try:
        with core.store.session() as session:
            cluster = Cluster(
                owner=caller.username,
                identifier=identifier,
                size=fields["size"],
                lifetime_hours=fields["lifetime_hours"],
                ssh_key_id=fields["ssh_key_id"],
                emr_release=fields["emr_release"],
                jobflow_id=jobflow_id,
                status=emr.STARTING,
                created_at=now,
                expires_at=now + dt.timedelta(hours=fields["lifetime_hours"]),
                spark_connect_token=token,
                spark_version=spark_version(core.settings, release),
            )
            session.add(cluster)
            session.flush()
            cluster_id = cluster.id
    except SQLAlchemyError:
        log.exception("Could not record cluster %s; terminating it", jobflow_id)
        _terminate_quietly(core, jobflow_id)
        raise
    stand_in.cluster_changed(core, cluster_id, ended=False)
    return refresh_cluster(core, cluster_id)


def _terminate_quietly(core: Core, jobflow_id: str) -> None:
    try:
        emr.terminate(core, [jobflow_id])
    except AwsFailure:
        log.exception("Could not terminate orphaned job flow %s", jobflow_id)


# --- syncing -------------------------------------------------------------------------------


def apply_info(cluster: Cluster, info: emr.ClusterInfo) -> bool:
    """Copy EMR's view onto the row; a missing value never blanks a stored one."""
    changed = False
    updates: dict[str, Any] = {
        "status": info.status or None,
        "status_reason": info.reason or None,
        "master_address": info.master_address,
        "started_at": info.started_at,
        "ready_at": info.ready_at,
        "finished_at": info.finished_at,
    }
    for name, value in updates.items():
        if value is not None and getattr(cluster, name) != value:
            setattr(cluster, name, value)
            changed = True
    if cluster.status in ENDED_STATES and cluster.spark_connect_url is not None:
        cluster.spark_connect_url = None  # its Spark is gone with it
        changed = True
    return changed


def probe_spark(core: Core, cluster_ids: list[int] | None = None) -> list[str]:
    """Set ``spark_connect_url`` of ready clusters (`cluster_ids`, or all) whose Spark Connect
    port now accepts connections, by a TCP probe from this host; the identifiers that became
    ready. No store transaction stays open while probing.

    With local stand-ins, their host sets the URLs instead: EMR's master is not probed. On a
    local AWS emulator only loopback masters are (its master names resolve nowhere).
    """
    if core.settings.spark_stand_in:
        return []
    port = core.settings.spark_connect_port
    query = select(Cluster.id, Cluster.master_address).where(
        Cluster.status.in_(emr.READY_STATES),
        Cluster.master_address != "",
        Cluster.spark_connect_url.is_(None),
    )
    if cluster_ids is not None:
        query = query.where(Cluster.id.in_(cluster_ids))
    with core.store.reader() as session:
        waiting: list[tuple[int, str]] = [(i, master) for i, master in session.execute(query)]
    if aws_endpoint_info()["is_local_emulator"]:  # its masters' names lead nowhere: not asked
        waiting = [(i, master) for i, master in waiting if spark_endpoint.is_loopback(master)]
    accepted = spark_endpoint.probe_all([(master, port) for _, master in waiting])
    ready = [cluster_id for (cluster_id, _), ok in zip(waiting, accepted, strict=True) if ok]
    became: list[str] = []
    with core.store.session() as session:
        for cluster_id in ready:
            cluster = session.get(Cluster, cluster_id)
            if cluster is None or cluster.status not in emr.READY_STATES:
                continue
            cluster.spark_connect_url = spark_endpoint.connect_url(
                cluster.master_address, port, cluster.spark_connect_token
            )
            became.append(cluster.identifier)
    return became


def refresh_cluster(core: Core, cluster_id: int) -> dict[str, Any]:
    """DescribeCluster and store what changed; a failed describe leaves the row as it was."""
    with core.store.reader() as session:
        cluster = session.get(Cluster, cluster_id)
        if cluster is None:
            raise NotFound(f"No cluster {cluster_id}.")
        jobflow_id = cluster.jobflow_id
    try:
        info = emr.describe(core, jobflow_id)
    except AwsFailure:
        log.warning("DescribeCluster failed for %s; keeping the stored status", jobflow_id)
        info = None
    with core.store.session() as session:
        cluster = session.get(Cluster, cluster_id)
        assert cluster is not None
        if info is not None:
            apply_info(cluster, info)
        ended = cluster.status in ENDED_STATES
        item = cluster_to_dict(cluster, connect_port=core.settings.spark_connect_port)
    if ended:
        stand_in.cluster_changed(core, cluster_id, ended=True)
    elif item["spark_connect_url"] is None and probe_spark(core, [cluster_id]):
        with core.store.reader() as session:
            cluster = session.get(Cluster, cluster_id)
            assert cluster is not None
            return cluster_to_dict(cluster, connect_port=core.settings.spark_connect_port)
    return item


# --- lifecycle -----------------------------------------------------------------------------


def _require_active(cluster: Cluster, action: str) -> None:
    if cluster.status not in emr.ACTIVE_STATES:
        raise Conflict(
            f"Cluster {cluster.identifier} is not active ({cluster.status}); it can't be {action}."
        )


def extend_cluster(core: Core, caller: Caller, cluster_id: int, body: object) -> dict[str, Any]:
    """Add ``hours`` to the current expiry; a new expiry warning will be sent."""
    hours = check_int(
        require_object(body).get("hours"), "hours", MIN_LIFETIME_HOURS,
        core.settings.max_cluster_lifetime,
    )  # fmt: skip
    with core.store.session() as session:
        cluster = owned_cluster(session, caller, cluster_id, lock=True)
        _require_active(cluster, "extended")
        cluster.expires_at = cluster.expires_at + dt.timedelta(hours=hours)
        cluster.lifetime_extension_count += 1
        cluster.expiration_warning_sent = False
        session.flush()
        return cluster_to_dict(cluster, connect_port=core.settings.spark_connect_port)


def terminate_cluster(core: Core, caller: Caller, cluster_id: int) -> dict[str, Any]:
    """TerminateJobFlows, then refresh the status from EMR."""
    with core.store.reader() as session:
        cluster = owned_cluster(session, caller, cluster_id)
        _require_active(cluster, "terminated")
        jobflow_id = cluster.jobflow_id
    emr.terminate(core, [jobflow_id])
    return refresh_cluster(core, cluster_id)


def resize_cluster(core: Core, caller: Caller, cluster_id: int, body: object) -> dict[str, Any]:
    """Set the core instance group to ``size`` nodes."""
    size = check_int(require_object(body).get("size"), "size", 1, size_bound(core, caller))
    with core.store.reader() as session:
        cluster = owned_cluster(session, caller, cluster_id)
        _require_active(cluster, "resized")
        if cluster.size == 1:
            raise Conflict(
                f"Cluster {cluster.identifier} was launched with size 1 (a master node only) and "
                "has no core nodes to resize; launch a cluster with size 2 or more.",
                {"size": "This cluster has no core nodes."},
            )
        jobflow_id = cluster.jobflow_id
    if size < MIN_RESIZE_SIZE:
        raise ValidationFailed(
            {
                "size": f"A cluster with core nodes keeps at least {MIN_RESIZE_SIZE}; "
                "terminate it to release them."
            }
        )
    call(
        "ModifyInstanceGroups",
        core.aws.emr.modify_instance_groups,
        ClusterId=jobflow_id,
        InstanceGroups=_worker_groups(core, jobflow_id, size),
    )
    with core.store.session() as session:
        cluster = owned_cluster(session, caller, cluster_id)
        cluster.size = size
        session.flush()
        return cluster_to_dict(cluster, connect_port=core.settings.spark_connect_port)


def _worker_groups(core: Core, jobflow_id: str, size: int) -> list[dict[str, Any]]:
    pages = core.aws.emr.get_paginator("list_instance_groups").paginate(ClusterId=jobflow_id)
    groups = call("ListInstanceGroups", lambda: [g for p in pages for g in p["InstanceGroups"]])
    resized = emr.resized_groups(groups, size)
    if not resized:
        raise Conflict(
            "The cluster has no core instance group to resize.", {"size": "No core nodes."}
        )
    return resized
