"""What the worker does for clusters: terminate at expiry, warn an hour before."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select, update

from .. import emr
from ..core import Core
from ..db import rowcount, utcnow
from ..notifications.service import notify
from .models import Cluster
from .service import EXPIRY_WARNING_WINDOW, refresh_cluster

log = logging.getLogger(__name__)


def terminate_expired(core: Core, now: dt.datetime | None = None) -> list[str]:
    """Terminate active clusters whose expiry has passed; the identifiers terminated."""
    now = now or utcnow()
    with core.store.reader() as session:
        expired = list(
            session.execute(
                select(Cluster.id, Cluster.jobflow_id, Cluster.identifier).where(
                    Cluster.status.in_(emr.ACTIVE_STATES), Cluster.expires_at <= now
                )
            )
        )
    done: list[str] = []
    for cluster_id, jobflow_id, identifier in expired:
        emr.terminate(core, [jobflow_id])  # idempotent; an AwsFailure makes the task retry
        refresh_cluster(core, cluster_id)
        with core.store.session() as session:
            cluster = session.get(Cluster, cluster_id)
            assert cluster is not None
            notify(
                session,
                owner=cluster.owner,
                kind="cluster_expired",
                subject=f"Cluster {identifier} was terminated at its expiry",
                body=(
                    f"Your cluster {identifier} ({jobflow_id}) reached its expiry time "
                    f"({cluster.expires_at:%Y-%m-%d %H:%M} UTC) and was terminated."
                ),
                object_type="cluster",
                object_id=cluster_id,
                dedupe_key=f"cluster_expired:{cluster_id}",
            )
        done.append(identifier)
    return done


def send_expiry_warnings(core: Core, now: dt.datetime | None = None) -> list[str]:
    """Warn once per extension about active clusters expiring within the hour.

    Unlike ATMO, a cluster already past its expiry gets no warning (it is about to be
    terminated, and its owner gets that notice instead).
    """
    now = now or utcnow()
    deadline = now + EXPIRY_WARNING_WINDOW
    warned: list[str] = []
    with core.store.reader() as session:
        due = list(
            session.scalars(
                select(Cluster.id).where(
                    Cluster.status.in_(emr.ACTIVE_STATES),
                    Cluster.expires_at <= deadline,
                    # already expired: the "terminated at expiry" notice says it all
                    Cluster.expires_at > now,
                    Cluster.expiration_warning_sent.is_(False),
                )
            )
        )
    for cluster_id in due:
        with core.store.session() as session:
            # Claim the warning so that concurrent workers send it once.
            claimed = rowcount(
                session.execute(
                    update(Cluster)
                    .where(Cluster.id == cluster_id, Cluster.expiration_warning_sent.is_(False))
                    .values(expiration_warning_sent=True)
                )
            )
            if not claimed:
                continue
            cluster = session.get(Cluster, cluster_id)
            assert cluster is not None
            minutes = max(0, int((cluster.expires_at - now).total_seconds() // 60))
            notify(
                session,
                owner=cluster.owner,
                kind="cluster_expiring",
                subject=f"Cluster {cluster.identifier} expires in {_in_words(minutes)}",
                body=(
                    f"Your cluster {cluster.identifier} will be terminated around "
                    f"{cluster.expires_at:%Y-%m-%d %H:%M} UTC. Extend it from the atmo_lab "
                    "sidebar or with cluster.extend(hours) to keep working."
                ),
                object_type="cluster",
                object_id=cluster.id,
                dedupe_key=f"cluster_expiring:{cluster.id}:{cluster.lifetime_extension_count}",
            )
            warned.append(cluster.identifier)
    return warned


def _in_words(minutes: int) -> str:
    if minutes >= 55:
        return "1 h"
    return f"{minutes} min" if minutes else "less than a minute"
