"""ClusterPanel: live status and actions of one cluster, in a notebook."""

from __future__ import annotations

import html
import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as W
from traitlets import Bool, Dict, Int, Unicode, observe

from .. import emr
from ..backend import STARTUP_STEPS, backend, cluster_calls, find_cluster, startup_progress
from ..core import Core
from ..db import utcnow
from ..emr_clusters.service import MIN_LIFETIME_HOURS
from ._base import (
    BIG,
    DESCRIPTION,
    badge,
    clear_errors,
    close_tree,
    error_label,
    field_layout,
    format_delta,
    info_html,
    parse_time,
    show,
    show_error,
)

log = logging.getLogger(__name__)


class ClusterPanel(W.VBox):
    """Live status of one of your clusters, with Extend, Resize and Terminate.

    ``ClusterPanel("my-cluster")`` shows your newest cluster of that identifier,
    ``ClusterPanel(42)`` the cluster with id 42. A daemon thread asks EMR for the state every
    `interval` seconds until the cluster ends or the panel is closed.
    """

    cluster_id = Int(0, help="Id of the cluster shown")
    cluster = Dict(help="The cluster (its REST object), updated while watching")
    status = Unicode("", help="EMR state of the cluster")
    tunnel_command = Unicode("", help="SSH tunnel command, once WAITING with a master address")
    watching = Bool(False, help="True while the polling thread runs")

    def __init__(
        self,
        cluster: int | str | Mapping[str, Any],
        core: Core | None = None,
        interval: float = 5.0,
        **kwargs: Any,
    ) -> None:
        self._lock = threading.RLock()
        self._version = 0  # bumped by actions, so a poll that started earlier is discarded
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._shown_size: int | None = None
        self.core = backend(core)
        self.cluster_calls = cluster_calls(self.core)
        self.caller = self.core.caller()
        self.interval = interval
        data = dict(cluster) if isinstance(cluster, Mapping) else find_cluster(self.core, cluster)
        settings = self.core.settings

        self.header = W.HTML()
        self.progress = W.IntProgress(
            value=0, min=0, max=STARTUP_STEPS, description="Starting",
            style=DESCRIPTION, layout=field_layout(),
        )  # fmt: skip
        self.details = W.HTML()
        self.tunnel = W.HTML()
        self.spark_state = W.HTML()
        self.connect_button = W.Button(
            description="Connect", icon="plug",
            tooltip="spark = atmo_lab.spark(…) in this kernel: a SparkSession on the cluster",
        )  # fmt: skip
        self.connect_message = W.HTML()
        self.connect_row = W.VBox(
            [W.HBox([self.spark_state, self.connect_button]), self.connect_message]
        )
        self.session: Any = None

        self.extend_hours = W.BoundedIntText(
            value=MIN_LIFETIME_HOURS, min=MIN_LIFETIME_HOURS, max=settings.max_cluster_lifetime,
            description="Extend by (h)", style=DESCRIPTION, layout=field_layout("220px"),
        )  # fmt: skip
        self.extend_button = W.Button(description="Extend", icon="clock")
        self.extend_error = error_label()
        self.extend_row = W.VBox(
            [W.HBox([self.extend_hours, self.extend_button]), self.extend_error]
        )

        limit = self.cluster_calls.size_limit(self.core, self.caller)
        self.resize_size = W.BoundedIntText(
            value=max(2, int(data.get("size") or 2)), min=2, max=limit or BIG,
            description="Core nodes", style=DESCRIPTION, layout=field_layout("220px"),
        )  # fmt: skip
        self.resize_button = W.Button(description="Resize", icon="arrows-alt-h")
        self.resize_error = error_label()
        self.resize_row = W.VBox(
            [W.HBox([self.resize_size, self.resize_button]), self.resize_error]
        )

        self.terminate_button = W.Button(
            description="Terminate", button_style="danger", icon="power-off"
        )
        self.confirm_label = W.HTML("<b>Really terminate?</b>")
        self.confirm_yes = W.Button(description="Yes, terminate", button_style="danger")
        self.confirm_no = W.Button(description="No")
        self.confirm_box = W.HBox([self.confirm_label, self.confirm_yes, self.confirm_no])
        show(self.confirm_box, False)
        self.terminate_row = W.HBox([self.terminate_button, self.confirm_box])

        self.actions = W.VBox([self.extend_row, self.resize_row, self.terminate_row])
        self.message = W.HTML()
        self.field_errors = {"hours": self.extend_error, "size": self.resize_error}

        self.extend_button.on_click(self._on_extend)
        self.resize_button.on_click(self._on_resize)
        self.terminate_button.on_click(self._on_terminate)
        self.confirm_yes.on_click(self._on_confirm)
        self.confirm_no.on_click(self._on_cancel)
        self.connect_button.on_click(self._on_connect)

        super().__init__(
            children=[
                self.header, self.progress, self.details, self.connect_row, self.tunnel,
                self.actions, self.message,
            ],
            **kwargs,
        )  # fmt: skip
        self._apply(data)
        if self.status not in emr.FINAL_STATES:
            self.start_watching()

    # --- state ---------------------------------------------------------------------------

    def _apply(self, data: Mapping[str, Any]) -> None:
        with self._lock:
            data = dict(data)
            self.cluster_id = int(data["id"])
            self.status = data.get("status") or ""
            if data == self.cluster:
                self._render()  # nothing changed but the clock: refresh the countdown
            else:
                self.cluster = data  # -> _render through the observer

    @observe("cluster")
    def _on_cluster(self, change: Any) -> None:
        self._render()

    def _render(self) -> None:
        c = self.cluster
        status = c.get("status") or ""
        title = html.escape(f"{c.get('identifier')}")
        reason = c.get("status_reason")
        self.header.value = f"<b style='font-size: 110%'>Cluster {title}</b> {badge(status)}" + (
            f" <span style='font-size: 90%'>{html.escape(reason)}</span>" if reason else ""
        )

        step, label = startup_progress(status)
        self.progress.value = step
        self.progress.description = label
        show(self.progress, status in (emr.STARTING, emr.BOOTSTRAPPING))

        size = int(c.get("size") or 0)
        nodes = "master only" if size == 1 else f"master + {size} core nodes"
        expires = parse_time(c.get("expires_at"))
        if c.get("is_active") and expires is not None:
            remaining = expires - utcnow()
            when = f"in {format_delta(remaining)}" if remaining.total_seconds() > 0 else "now (due)"
            expiry = f"{when} ({expires:%Y-%m-%d %H:%M} UTC)"
        else:
            finished = parse_time(c.get("finished_at"))
            expiry = f"ended {finished:%Y-%m-%d %H:%M} UTC" if finished else "—"
        rows = [
            ("Id", f"{c.get('id')} ({c.get('jobflow_id')})"),
            ("Size", f"{size} ({nodes})"),
            ("EMR release", c.get("emr_release")),
            ("Master", c.get("master_address") or "—"),
            ("Expires", expiry),
            ("Extensions", c.get("lifetime_extension_count", 0)),
        ]
        self.details.value = "<table>" + "".join(
            f"<tr><td style='padding-right: 12px'>{html.escape(k)}</td>"
            f"<td>{html.escape(str(v))}</td></tr>"
            for k, v in rows
        ) + "</table>"  # fmt: skip

        self.tunnel_command = (c.get("ssh_tunnel") or "") if status == emr.WAITING else ""
        if self.tunnel_command:
            self.tunnel.value = (
                info_html(
                    "SSH tunnel to the master's Spark Connect, YARN ResourceManager and Spark "
                    "History Server (click to select, then copy):"
                )
                + "<br><code style='user-select: all; padding: 2px 4px'>"
                f"{html.escape(self.tunnel_command)}</code>"
            )
        show(self.tunnel, bool(self.tunnel_command))
        self._render_spark(c, status)

        actionable = bool(c.get("is_active")) and status != emr.TERMINATING
        show(self.actions, actionable)
        show(self.resize_row, actionable and size > 1)
        if size > 1 and size != self._shown_size:  # never overwrite what the user is typing
            self.resize_size.value = max(self.resize_size.min, min(size, self.resize_size.max))
        self._shown_size = size

    def _render_spark(self, c: Mapping[str, Any], status: str) -> None:
        url = c.get("spark_connect_url")
        endpoint = html.escape(str(url).split("/;", 1)[0]) if url else ""  # never the token
        state = f"ready at <code>{endpoint}</code>" if url else "starting Spark…"
        self.spark_state.value = f"<b>Spark</b> {state}"
        show(self.connect_row, bool(c.get("is_active")) and status != emr.TERMINATING)
        self.connect_button.disabled = not url

    def connect_code(self) -> str:
        """The cell that connects a notebook to this cluster's Spark."""
        return f"import atmo_lab\nspark = atmo_lab.spark({self.cluster.get('identifier')!r})"

    def _on_connect(self, _button: W.Button | None = None) -> None:
        """``spark`` in this kernel's namespace: a SparkSession on the cluster."""
        from ..spark_connect.session import spark

        self.connect_message.value = info_html("Connecting…")
        try:
            self.session = spark(self.cluster_id, core=self.core)
        except Exception as exc:  # noqa: BLE001 - shown: callback errors vanish in Lab
            self.connect_message.value = ""
            show_error(exc, {}, self.connect_message, summary="")
            return
        shell = _shell()
        if shell is not None:
            shell.user_ns["spark"] = self.session
        self.connect_message.value = (
            info_html(
                "Connected: <code>spark</code> is a SparkSession on this cluster. "
                "In another notebook: "
            )
            + f"<code style='user-select: all'>{html.escape(self.connect_code())}</code>"
        )

    # --- watching ------------------------------------------------------------------------

    def start_watching(self) -> None:
        """Start the polling thread (done by the constructor for clusters that have not ended)."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            self.watching = True
            self._thread = threading.Thread(
                target=self._watch, name=f"atmo-lab-cluster-{self.cluster_id}", daemon=True
            )
            self._thread.start()

    def stop_watching(self, wait: float | None = None) -> None:
        """Stop the polling thread; wait up to `wait` seconds for it to finish."""
        self._stop.set()
        thread = self._thread
        if wait and thread is not None and thread is not threading.current_thread():
            thread.join(wait)

    @property
    def thread(self) -> threading.Thread | None:
        """The polling thread (None before the first start)."""
        return self._thread

    def _watch(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                if self.status in emr.FINAL_STATES:
                    break
                with self._lock:
                    version = self._version
                try:
                    data = self.cluster_calls.refresh_cluster(self.core, self.cluster_id)
                except Exception as exc:  # noqa: BLE001 - keep watching: AWS or the store may come back
                    log.warning("refreshing cluster %s failed: %s", self.cluster_id, exc)
                    self.message.value = info_html(f"Could not refresh the status: {exc}")
                    continue
                with self._lock:
                    if self._stop.is_set():
                        break
                    if version == self._version:
                        self._apply(data)
                if self.status in emr.FINAL_STATES:
                    break
        finally:
            self.watching = False

    def close(self) -> None:
        """Stop the polling thread and close the panel and its parts."""
        self.stop_watching()
        close_tree(self.children)
        super().close()

    # --- actions -------------------------------------------------------------------------

    def _act(self, operation: Callable[[], dict[str, Any]]) -> bool:
        """Run an action; show its errors next to the field they name; apply its result."""
        clear_errors(self.field_errors, self.message)
        with self._lock:
            self._version += 1
        try:
            data = operation()
        except Exception as exc:  # noqa: BLE001 - shown: callback errors vanish in Lab
            show_error(exc, self.field_errors, self.message, summary="")
            return False
        with self._lock:
            self._version += 1
            self._apply(data)
        return True

    def _on_extend(self, _button: W.Button | None = None) -> None:
        hours = self.extend_hours.value
        if self._act(
            lambda: self.cluster_calls.extend_cluster(
                self.core, self.caller, self.cluster_id, {"hours": hours}
            )
        ):
            self.message.value = info_html(f"Extended by {hours} h.")

    def _on_resize(self, _button: W.Button | None = None) -> None:
        size = self.resize_size.value
        if self._act(
            lambda: self.cluster_calls.resize_cluster(
                self.core, self.caller, self.cluster_id, {"size": size}
            )
        ):
            self.message.value = info_html(f"Resized to {size} core nodes.")

    def _on_terminate(self, _button: W.Button | None = None) -> None:
        show(self.terminate_button, False)
        show(self.confirm_box, True)

    def _on_cancel(self, _button: W.Button | None = None) -> None:
        show(self.confirm_box, False)
        show(self.terminate_button, True)

    def _on_confirm(self, _button: W.Button | None = None) -> None:
        self._on_cancel()
        if self._act(
            lambda: self.cluster_calls.terminate_cluster(self.core, self.caller, self.cluster_id)
        ):
            self.message.value = info_html("Termination requested.")

    def __repr__(self) -> str:
        return f"ClusterPanel(id={self.cluster_id}, status={self.status!r})"


def _shell() -> Any:
    """The IPython shell of this kernel (None outside one)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()
