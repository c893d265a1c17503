"""One paginated ListClusters pass that refreshes clusters and EMR job runs.

Cost grows with pages, not with objects: DescribeCluster is called only for a RUNNING or
WAITING cluster whose master address is still unknown, and the Spark Connect port is probed
(concurrently, one second at most) only on ready clusters whose endpoint isn't known yet.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy import func, select

from . import emr
from .aws import call
from .core import Core
from .emr_clusters.models import Cluster
from .emr_clusters.service import apply_info, probe_spark
from .errors import AwsFailure
from .jobs.emr_executor import sync_runs
from .jobs.models import JobRun
from .worker.registry import periodic

log = logging.getLogger(__name__)


@dataclass
class SyncReport:
    """What one sync pass did."""

    list_pages: int = 0
    clusters_updated: list[str] = field(default_factory=list)
    runs_updated: list[int] = field(default_factory=list)
    addresses_fetched: list[str] = field(default_factory=list)
    spark_ready: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "list_clusters_pages": self.list_pages,
            "clusters_updated": self.clusters_updated,
            "runs_updated": self.runs_updated,
            "master_addresses_fetched": self.addresses_fetched,
            "spark_connect_ready": self.spark_ready,
        }


def _oldest_active(core: Core) -> dt.datetime | None:
    with core.store.reader() as session:
        clusters = session.scalar(
            select(func.min(Cluster.created_at)).where(Cluster.status.in_(emr.ACTIVE_STATES))
        )
        runs = session.scalar(
            select(func.min(JobRun.created_at)).where(
                JobRun.status.in_(emr.ACTIVE_STATES), JobRun.jobflow_id.is_not(None)
            )
        )
    candidates = [t for t in (clusters, runs) if t is not None]
    return min(candidates) if candidates else None


def list_emr_clusters(
    core: Core, created_after: dt.datetime
) -> tuple[dict[str, emr.ClusterInfo], int]:
    """Every EMR cluster created since `created_after` (day-rounded), and the page count."""
    paginator = core.aws.emr.get_paginator("list_clusters")
    day = created_after.replace(hour=0, minute=0, second=0, microsecond=0)
    infos: dict[str, emr.ClusterInfo] = {}
    pages = 0

    def walk() -> None:
        nonlocal pages
        for page in paginator.paginate(CreatedAfter=day):
            pages += 1
            for summary in page.get("Clusters", []):
                infos[summary["Id"]] = emr.ClusterInfo.from_api(summary)

    call("ListClusters", walk)
    return infos, pages


def sync_all(core: Core) -> SyncReport:
    """Refresh active clusters and EMR runs from one ListClusters pass."""
    report = SyncReport()
    oldest = _oldest_active(core)
    if oldest is None:
        return report  # nothing active: no AWS call at all
    infos, report.list_pages = list_emr_clusters(core, oldest)
    need_address = _sync_clusters(core, infos, report)
    report.runs_updated = sync_runs(core, infos)
    for cluster_id, jobflow_id in need_address:
        _fetch_master_address(core, cluster_id, jobflow_id, report)
    report.spark_ready = probe_spark(core)  # once the master has an address
    return report


def _sync_clusters(
    core: Core, infos: dict[str, emr.ClusterInfo], report: SyncReport
) -> list[tuple[int, str]]:
    need_address: list[tuple[int, str]] = []
    with core.store.session() as session:
        active = session.scalars(select(Cluster).where(Cluster.status.in_(emr.ACTIVE_STATES)))
        for cluster in active:
            info = infos.get(cluster.jobflow_id)
            if info is None:
                continue  # not listed (yet): leave it alone
            if apply_info(cluster, info):
                report.clusters_updated.append(cluster.identifier)
            if cluster.status in emr.READY_STATES and not cluster.master_address:
                need_address.append((cluster.id, cluster.jobflow_id))
    return need_address


def _fetch_master_address(core: Core, cluster_id: int, jobflow_id: str, report: SyncReport) -> None:
    try:
        info = emr.describe(core, jobflow_id)
    except AwsFailure as exc:
        log.warning("DescribeCluster %s failed: %s", jobflow_id, exc)
        return
    if not info.master_address:
        return
    with core.store.session() as session:
        cluster = session.get(Cluster, cluster_id)
        if cluster is not None and not cluster.master_address:
            cluster.master_address = info.master_address
            report.addresses_fetched.append(cluster.identifier)


@periodic("sync_emr", minutes=5, max_retries=7)
def sync_emr(core: Core) -> dict[str, object]:
    """Refresh clusters and EMR job runs from one ListClusters pass."""
    return sync_all(core).as_dict()
