"""``atmo_lab.spark(cluster)``: a SparkSession on one of your clusters, through Spark Connect."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .. import emr
from ..errors import Conflict, NotFound
from .errors import SparkNotInstalled, SparkNotReady, SparkVersionMismatch
from .releases import spark_line

if TYPE_CHECKING:
    from ..core import Core

_sessions: dict[str, Any] = {}  # one session per endpoint URL, reused while it is open
_sessions_lock = threading.Lock()


def client_version() -> str:
    """This environment's pyspark version, once its Connect client can be used."""
    try:
        from pyspark.version import __version__
    except ImportError:
        raise SparkNotInstalled("pyspark") from None
    try:
        from pyspark.sql.connect.utils import check_dependencies

        check_dependencies()
    except ImportError as exc:  # grpcio, pandas, pyarrow, … (pyspark's message names it)
        raise SparkNotInstalled(f"part of its Connect client ({exc})") from None
    return str(__version__)


def client_problem(client: str, server: str) -> str | None:
    """Why a pyspark `client` can't use a Spark `server` (None when it can).

    A client of an older major version works with basic DataFrame operations on a newer server;
    a client of a newer major version is not guaranteed to work on an older one.
    """
    if spark_line(client)[0] <= spark_line(server)[0]:
        return None
    major, minor = spark_line(server)
    pins = " 'numpy<2'" if (major, minor) < (4, 0) else ""
    return (
        f"This kernel has pyspark {client}, and the cluster runs Spark {server}. A pyspark "
        f"{spark_line(client)[0]}.x client is not guaranteed to work with Spark {major}.{minor}: "
        f"install a matching client in this kernel's environment: "
        f"pip install 'pyspark[connect]=={major}.{minor}.*'{pins}"
    )


def _reference(cluster: object) -> int | str:
    """An id or identifier from what the caller passed (an id, identifier, API object, dict)."""
    if isinstance(cluster, Mapping):
        cluster = cluster.get("id")
    elif hasattr(cluster, "to_dict") and hasattr(cluster, "id"):
        cluster = cluster.id
    if isinstance(cluster, bool) or not isinstance(cluster, (int, str)):
        raise TypeError("Pass a cluster's identifier (str), id (int) or the cluster object.")
    return cluster


def endpoint_of(core: Core, cluster: object) -> tuple[str, str | None, dict[str, Any]]:
    """``(url, spark version, cluster)`` of a cluster of yours whose Spark accepts connections.

    NotFound for a cluster that isn't yours; Conflict when it has ended; SparkNotReady while
    its endpoint does not accept connections yet (its state is refreshed once first).
    """
    from ..backend import cluster_calls, find_cluster

    caller = core.caller()
    item = find_cluster(core, _reference(cluster))
    if not caller.owns(item["owner"]):
        raise NotFound(f"No cluster {item['id']}.")  # the REST rule: others' are not found
    if item["status"] in (emr.TERMINATING, *emr.FINAL_STATES):
        raise Conflict(
            f"Cluster {item['identifier']} has ended ({item['status']}); launch a new one."
        )
    if not item.get("spark_connect_url"):
        item = cluster_calls(core).refresh_cluster(core, item["id"])
    url = item.get("spark_connect_url")
    if not url:
        raise SparkNotReady(
            f"Spark on cluster {item['identifier']} is starting ({item['status']}): its Spark "
            "Connect endpoint does not accept connections yet. Try again in a minute."
        )
    return str(url), item.get("spark_version"), item


def spark(cluster: object, *, core: Core | None = None) -> Any:
    """A ``pyspark.sql.SparkSession`` on one of your clusters (its Spark Connect endpoint).

    `cluster` is its identifier (your newest of that name), its id, or the object
    :func:`atmo_lab.cluster` returns. Raises :class:`~atmo_lab.errors.NotFound` for a cluster
    that isn't yours, :class:`~atmo_lab.errors.Conflict` when it has ended or its Spark isn't
    ready yet (:class:`SparkNotReady`) or this pyspark can't talk to it
    (:class:`SparkVersionMismatch`), :class:`SparkNotInstalled` without ``atmo-lab[spark]``.
    In a team member's kernel the team service answers, as the kernel's JupyterHub user.
    """
    from ..backend import backend

    client = client_version()
    url, server, _item = endpoint_of(backend(core), cluster)
    problem = client_problem(client, server) if server else None
    if problem:
        raise SparkVersionMismatch(problem)
    with _sessions_lock:
        session = _sessions.get(url)
        if session is not None and not getattr(session, "is_stopped", False):
            return session
        from pyspark.sql import SparkSession

        session = SparkSession.builder.remote(url).create()
        _sessions[url] = session
        return session
