"""The Python API for notebooks: your clusters, SSH keys and scheduled notebooks in a few calls.

Every function acts as the installation's owner (``core.caller()``) on the core that the server
uses (:func:`atmo_lab.core.default_core`: same config files, same store). In a team member's
kernel (``service_url`` set) the team service answers instead, as the kernel's JupyterHub
user (:class:`atmo_lab.team.remote.ServiceCore`). Pass ``core=`` to use another
:class:`~atmo_lab.core.Core` (tests).

    import atmo_lab
    cluster = atmo_lab.launch(size=3).wait_until_ready()
    atmo_lab.clusters()                      # your active clusters
    cluster.extend(4); cluster.terminate()
"""

from __future__ import annotations

import datetime as dt
import html
import sys
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import emr
from .backend import (
    STARTUP_STEPS,
    backend,
    cluster_calls,
    find_cluster,
    job_calls,
    key_calls,
    schedule,
    startup_progress,
)
from .core import Core
from .errors import AtmoError

if TYPE_CHECKING:
    from .widgets.cluster import ClusterPanel

__all__ = [
    "STARTUP_STEPS",
    "Cluster",
    "ClusterFailed",
    "add_key",
    "cluster",
    "clusters",
    "find_cluster",
    "job_calls",
    "keys",
    "launch",
    "schedule",
    "startup_progress",
]

#: States from which a cluster never becomes ready.
ENDING_STATES = (emr.TERMINATING, *emr.FINAL_STATES)


class ClusterFailed(AtmoError):
    """The cluster ended (or is ending) instead of becoming ready."""

    status = 409

    def __init__(self, cluster: Cluster) -> None:
        reason = f" ({cluster.status_reason})" if cluster.status_reason else ""
        super().__init__(f"Cluster {cluster.identifier} is {cluster.status}{reason}.")
        self.cluster = cluster


def _parse_time(value: object) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else None


def _field(name: str, doc: str) -> Any:
    return property(lambda self: self._data.get(name), doc=doc)


def _time_field(name: str, doc: str) -> Any:
    return property(lambda self: _parse_time(self._data.get(name)), doc=doc)


class Cluster:
    """One of your EMR clusters; attributes mirror the REST cluster object.

    Times (``*_at``) are timezone-aware :class:`datetime.datetime` objects (UTC);
    :meth:`to_dict` returns the REST object itself. In a notebook the object displays as a live
    :class:`atmo_lab.widgets.ClusterPanel`.
    """

    id = _field("id", "Database id of the cluster.")
    identifier = _field("identifier", "The cluster's name (not unique).")
    size = _field("size", "Number of nodes: 1 = a master only, N > 1 = master + N core nodes.")
    lifetime_hours = _field("lifetime_hours", "Lifetime asked for at launch (hours).")
    lifetime_extension_count = _field("lifetime_extension_count", "How often it was extended.")
    ssh_key_id = _field("ssh_key_id", "The SSH key it was launched with (None once deleted).")
    emr_release = _field("emr_release", "EMR release version, e.g. '7.5.0'.")
    jobflow_id = _field("jobflow_id", "EMR job flow id (j-…).")
    status = _field("status", "EMR state: STARTING, BOOTSTRAPPING, RUNNING, WAITING, TERMINATING…")
    status_reason = _field("status_reason", "Why EMR changed the state, when it said.")
    master_address = _field("master_address", "Public DNS name of the master node.")
    is_active = _field("is_active", "True until the cluster is TERMINATED(_WITH_ERRORS).")
    is_expiring_soon = _field("is_expiring_soon", "True within an hour of expiry.")
    owner = _field("owner", "Username of the owner.")
    created_at = _time_field("created_at", "When it was launched.")
    started_at = _time_field("started_at", "When EMR created it.")
    ready_at = _time_field("ready_at", "When it became ready.")
    finished_at = _time_field("finished_at", "When it ended.")
    expires_at = _time_field("expires_at", "When it will be terminated unless extended.")

    def __init__(self, data: Mapping[str, Any], core: Core | None = None) -> None:
        self._data: dict[str, Any] = dict(data)
        self._core = backend(core)
        self._panel: ClusterPanel | None = None

    # --- state ---------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The REST cluster object (a copy)."""
        return dict(self._data)

    spark_connect_url = _field(
        "spark_connect_url", "Spark Connect endpoint (sc://…) once Spark accepts connections."
    )
    spark_version = _field("spark_version", "The Spark version the cluster runs.")
    ssh_tunnel = _field(
        "ssh_tunnel",
        "One ``ssh -N -L …`` command forwarding the master's Spark Connect, YARN and Spark "
        "History ports, while the cluster is active and its master has an address.",
    )

    def spark(self) -> Any:
        """A ``pyspark.sql.SparkSession`` on this cluster (see :func:`atmo_lab.spark`)."""
        from .spark_connect.session import spark

        return spark(self, core=self._core)

    def _update(self, data: Mapping[str, Any]) -> Cluster:
        self._data = dict(data)
        return self

    def refresh(self) -> Cluster:
        """Ask EMR for the current state (DescribeCluster), store it and return self."""
        return self._update(cluster_calls(self._core).refresh_cluster(self._core, self.id))

    def extend(self, hours: int) -> Cluster:
        """Add `hours` (2…max_cluster_lifetime) to the current expiry."""
        core = self._core
        return self._update(
            cluster_calls(core).extend_cluster(core, core.caller(), self.id, {"hours": hours})
        )

    def resize(self, size: int) -> Cluster:
        """Set the number of core nodes (clusters launched with size > 1 only)."""
        core = self._core
        return self._update(
            cluster_calls(core).resize_cluster(core, core.caller(), self.id, {"size": size})
        )

    def terminate(self) -> Cluster:
        """Terminate the cluster now."""
        core = self._core
        return self._update(cluster_calls(core).terminate_cluster(core, core.caller(), self.id))

    def wait_until_ready(self, timeout: float = 1800, interval: float = 10) -> Cluster:
        """Poll EMR until the cluster is WAITING; show progress; return self.

        Raises :class:`ClusterFailed` when it ends instead, :class:`TimeoutError` after `timeout`
        seconds. In a kernel with ipywidgets the progress is a bar, otherwise a text line.
        """
        deadline = time.monotonic() + timeout
        progress = _Progress(self.identifier)
        try:
            while True:
                self.refresh()
                progress.show(self.status)
                if self.status == emr.WAITING:
                    return self
                if self.status in ENDING_STATES:
                    raise ClusterFailed(self)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"Cluster {self.identifier} is still {self.status} after {timeout:g} s."
                    )
                time.sleep(min(interval, remaining))
        finally:
            progress.done(self.status)

    # --- display -------------------------------------------------------------------------

    def widget(self, interval: float = 5.0) -> ClusterPanel:
        """The live :class:`~atmo_lab.widgets.ClusterPanel` of this cluster (built once)."""
        if self._panel is None:
            from .widgets.cluster import ClusterPanel

            panel = ClusterPanel(self.to_dict(), core=self._core, interval=interval)
            panel.observe(lambda change: self._update(change["new"]), names="cluster")
            self._panel = panel
        return self._panel

    def _widget(self) -> ClusterPanel | None:
        """The panel when it can be shown: already built, or ipywidgets in a kernel."""
        if self._panel is None and not _in_kernel():
            return None
        try:
            return self.widget()
        except ImportError:  # no ipywidgets
            return None

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle: dict[str, Any] = {}
        panel = self._widget()
        if panel is not None:
            bundle.update(panel._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle["text/plain"] = repr(self)
        bundle["text/html"] = self._repr_html_()
        return bundle

    def _repr_html_(self) -> str:
        rows = [
            ("Status", self.status),
            ("Size", self.size),
            ("EMR release", self.emr_release),
            ("Master", self.master_address or "—"),
            ("Spark", "ready" if self.spark_connect_url else "—"),
            ("Expires", self._data.get("expires_at")),
            ("Extensions", self.lifetime_extension_count),
        ]
        cells = "".join(
            f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
            f"<td style='text-align:left'>{html.escape(str(v))}</td></tr>"
            for k, v in rows
        )
        title = html.escape(f"Cluster {self.identifier} (id {self.id})")
        return f"<div><strong>{title}</strong><table>{cells}</table></div>"

    def __repr__(self) -> str:
        return (
            f"Cluster(id={self.id!r}, identifier={self.identifier!r}, status={self.status!r}, "
            f"size={self.size!r}, expires_at={self._data.get('expires_at')!r})"
        )


def _in_kernel() -> bool:
    """True inside an IPython kernel (where widgets can be displayed)."""
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    try:
        from IPython import get_ipython

        ip = get_ipython()
    except ImportError:
        return False
    return ip is not None and getattr(ip, "kernel", None) is not None


class _Progress:
    """A progress bar in a kernel with ipywidgets, else a line of text on stdout."""

    def __init__(self, identifier: str) -> None:
        self.identifier = identifier
        self.bar: Any = None
        self.last = ""
        if _in_kernel():
            try:
                import ipywidgets as W
                from IPython.display import display
            except ImportError:
                return
            self.bar = W.IntProgress(
                min=0, max=STARTUP_STEPS, description=identifier,
                style={"description_width": "initial"},
            )  # fmt: skip
            display(self.bar)

    def show(self, status: str | None) -> None:
        step, label = startup_progress(status)
        if self.bar is not None:
            self.bar.value = step
            self.bar.description = f"{self.identifier}: {label}"
            return
        line = f"{self.identifier}: {status} [{step}/{STARTUP_STEPS}]"
        if line != self.last:
            print("\r" + line, end="", flush=True)
            self.last = line

    def done(self, status: str | None) -> None:
        if self.bar is not None:
            self.bar.bar_style = "success" if status == emr.WAITING else "danger"
        elif self.last:
            print(flush=True)


# --- module-level functions -----------------------------------------------------------------


def cluster(ref: int | str, *, core: Core | None = None) -> Cluster:
    """One of your clusters, by id or identifier (the newest of that name)."""
    core = backend(core)
    return Cluster(find_cluster(core, ref), core)


def clusters(status: str = "active", *, core: Core | None = None) -> list[Cluster]:
    """Your clusters, newest first; `status` is active, terminated, failed or all."""
    core = backend(core)
    caller = core.caller()
    found: list[Cluster] = []
    cursor: str | None = None
    while True:
        page = cluster_calls(core).list_clusters(core, caller, status=status, cursor=cursor)
        found.extend(Cluster(item, core) for item in page.items)
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor


def launch(
    size: int = 1,
    lifetime_hours: int | None = None,
    identifier: str | None = None,
    ssh_key_id: int | None = None,
    emr_release: str | None = None,
    *,
    core: Core | None = None,
) -> Cluster:
    """Launch a cluster and return it (STARTING; see :meth:`Cluster.wait_until_ready`).

    Defaults: the configured lifetime, a generated identifier, your newest SSH key and the
    newest stable EMR release. Raises :class:`~atmo_lab.errors.ValidationFailed` naming the bad
    fields, :class:`~atmo_lab.errors.Conflict` when you have no SSH key yet (see :func:`add_key`).
    """
    core = backend(core)
    caller = core.caller()
    if ssh_key_id is None:
        own = key_calls(core).list_keys(core, caller)
        ssh_key_id = own[0]["id"] if own else None
    body: dict[str, Any] = {"size": size, "ssh_key_id": ssh_key_id}
    if lifetime_hours is not None:
        body["lifetime_hours"] = lifetime_hours
    if identifier:
        body["identifier"] = identifier
    if emr_release:
        body["emr_release"] = emr_release
    return Cluster(cluster_calls(core).launch_cluster(core, caller, body), core)


def keys(*, core: Core | None = None) -> list[dict[str, Any]]:
    """Your SSH public keys, newest first (``id``, ``title``, ``fingerprint``, …)."""
    core = backend(core)
    return key_calls(core).list_keys(core, core.caller())


def add_key(title: str, key: str, *, core: Core | None = None) -> dict[str, Any]:
    """Store an OpenSSH public key line (``ssh-ed25519 AAAA… me@laptop``) under `title`."""
    core = backend(core)
    return key_calls(core).add_key(core, core.caller(), title, key)
