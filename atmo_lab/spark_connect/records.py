"""The Spark Connect state of cluster rows: who is served, and the endpoint's URL."""

from __future__ import annotations

from sqlalchemy import select, update

from .. import emr
from ..core import Core
from ..db import rowcount
from ..emr_clusters.models import Cluster

SERVED_STATES = tuple(s for s in emr.ACTIVE_STATES if s != emr.TERMINATING)


def active_cluster_ids(core: Core) -> set[int]:
    """Clusters whose Spark should be up (active and not terminating)."""
    with core.store.reader() as session:
        return set(session.scalars(select(Cluster.id).where(Cluster.status.in_(SERVED_STATES))))


def set_endpoint(core: Core, cluster_id: int, url: str, spark_version: str | None = None) -> bool:
    """Record `url` for a cluster that is still served; False when it ended meanwhile."""
    values: dict[str, object] = {"spark_connect_url": url}
    if spark_version:
        values["spark_version"] = spark_version
    with core.store.session() as session:
        return bool(
            rowcount(
                session.execute(
                    update(Cluster)
                    .where(Cluster.id == cluster_id, Cluster.status.in_(SERVED_STATES))
                    .values(**values)
                )
            )
        )


def clear_endpoint(core: Core, cluster_id: int, url: str) -> None:
    """Forget `url` (only if it is still the cluster's: never another server's)."""
    with core.store.session() as session:
        session.execute(
            update(Cluster)
            .where(Cluster.id == cluster_id, Cluster.spark_connect_url == url)
            .values(spark_connect_url=None)
        )
