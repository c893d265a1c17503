"""ClusterLauncher: the launch form, in a notebook."""

from __future__ import annotations

from typing import Any

import ipywidgets as W
from traitlets import Instance

from ..backend import backend, cluster_calls, key_calls
from ..core import Core
from ..emr_clusters.releases import active_releases, default_release
from ..emr_clusters.service import MIN_LIFETIME_HOURS
from ._base import (
    BIG,
    DESCRIPTION,
    clear_errors,
    close_tree,
    error_label,
    field_layout,
    info_html,
    show,
    show_error,
)
from .cluster import ClusterPanel


def release_label(release: dict[str, Any]) -> str:
    """``7.5.0``, ``7.11.0 (experimental)``, ``6.15.0 (deprecated)``."""
    marks = [
        word
        for word, flag in (
            ("experimental", release["is_experimental"]),
            ("deprecated", release["is_deprecated"]),
        )
        if flag
    ]
    return release["version"] + (f" ({', '.join(marks)})" if marks else "")


def key_label(key: dict[str, Any]) -> str:
    """``laptop — ssh-ed25519 SHA256:abc…``."""
    return f"{key['title']} — {key['prefix']} {key['fingerprint_sha256']}"


class ClusterLauncher(W.VBox):
    """A form that launches an EMR cluster and then shows its :class:`ClusterPanel`.

    Bounds come from the configuration (size ≤ ``max_cluster_size`` except for maintainers,
    lifetime 2…``max_cluster_lifetime``); every rule is checked by the core, and its messages
    are shown under the field they name.
    """

    panel = Instance(ClusterPanel, allow_none=True, help="Panel of the last launched cluster")

    def __init__(self, core: Core | None = None, interval: float = 5.0, **kwargs: Any) -> None:
        self.core = backend(core)
        self.cluster_calls = cluster_calls(self.core)
        self.key_calls = key_calls(self.core)
        self.caller = self.core.caller()
        self.interval = interval
        settings = self.core.settings
        limit = self.cluster_calls.size_limit(self.core, self.caller)

        self.identifier = W.Text(
            value=self.cluster_calls.suggest_identifier(self.core), description="Identifier",
            placeholder="generated when empty", style=DESCRIPTION, layout=field_layout(),
        )  # fmt: skip
        self.size = W.BoundedIntText(
            # min 0 on purpose: an input below 1 reaches the core and gets its message
            # instead of being silently changed to another size
            value=1, min=0, max=limit or BIG, description="Size",
            style=DESCRIPTION, layout=field_layout("220px"),
        )  # fmt: skip
        bound = f"up to {limit}" if limit is not None else "no upper bound for maintainers"
        self.size_hint = W.HTML(
            info_html(f"1 = a master node only; N > 1 = master + N core nodes ({bound})."),
            layout=W.Layout(margin="0 0 0 124px"),
        )
        self.lifetime_hours = W.BoundedIntText(
            value=settings.default_cluster_lifetime, min=MIN_LIFETIME_HOURS,
            max=settings.max_cluster_lifetime, description="Lifetime (h)",
            style=DESCRIPTION, layout=field_layout("220px"),
        )  # fmt: skip
        self.ssh_key = W.Dropdown(
            options=[], description="SSH key", style=DESCRIPTION, layout=field_layout()
        )
        self.add_key_toggle = W.Button(description="Add a key…", icon="key")
        releases = active_releases(settings)
        self.emr_release = W.Dropdown(
            options=[(release_label(r), r["version"]) for r in releases],
            value=default_release(releases), description="EMR release",
            style=DESCRIPTION, layout=field_layout(),
        )  # fmt: skip

        # Adding a key (shown when the user has none, or on "Add a key…")
        self.key_title = W.Text(
            value="", description="Key title", placeholder="e.g. laptop",
            style=DESCRIPTION, layout=field_layout(),
        )  # fmt: skip
        self.key_text = W.Textarea(
            value="", description="Public key", placeholder="ssh-ed25519 AAAA… you@laptop",
            style=DESCRIPTION, layout=field_layout("620px"),
        )  # fmt: skip
        self.add_key_button = W.Button(description="Add key", icon="plus")
        self.key_message = W.HTML()

        self.field_errors: dict[str, W.HTML] = {
            name: error_label()
            for name in (
                "identifier", "size", "lifetime_hours", "ssh_key_id", "emr_release",
                "title", "key",
            )
        }  # fmt: skip
        e = self.field_errors
        self.key_box = W.VBox(
            [
                W.HTML(info_html("Paste your SSH public key (a one-time step); the cluster's "
                                 "master node will accept it for the hadoop user.")),
                self.key_title, e["title"], self.key_text, e["key"],
                W.HBox([self.add_key_button, self.key_message]),
            ],
            layout=W.Layout(border="1px solid var(--jp-border-color2, #ccc)", padding="4px"),
        )  # fmt: skip

        self.launch_button = W.Button(description="Launch", button_style="primary", icon="rocket")
        self.message = W.HTML()
        self.panels = W.VBox([])

        self.add_key_toggle.on_click(self._on_toggle_key_box)
        self.add_key_button.on_click(self._on_add_key)
        self.launch_button.on_click(self._on_launch)

        super().__init__(
            children=[
                W.HTML("<b style='font-size: 110%'>Launch an EMR cluster</b>"),
                self.identifier, e["identifier"],
                self.size, self.size_hint, e["size"],
                self.lifetime_hours, e["lifetime_hours"],
                W.HBox([self.ssh_key, self.add_key_toggle]), e["ssh_key_id"],
                self.key_box,
                self.emr_release, e["emr_release"],
                W.HBox([self.launch_button, self.message]),
                self.panels,
            ],
            **kwargs,
        )  # fmt: skip
        self.reload_keys()

    # --- keys ----------------------------------------------------------------------------

    def reload_keys(self, select: int | None = None) -> None:
        """Fill the key dropdown (newest first); show the add-key form when there is none."""
        keys = self.key_calls.list_keys(self.core, self.caller)
        self.ssh_key.options = [(key_label(k), k["id"]) for k in keys]
        if keys:
            ids = [k["id"] for k in keys]
            self.ssh_key.value = select if select in ids else ids[0]
        show(self.key_box, not keys)
        show(self.add_key_toggle, bool(keys))

    def _on_toggle_key_box(self, _button: W.Button | None = None) -> None:
        show(self.key_box, True)

    def _on_add_key(self, _button: W.Button | None = None) -> None:
        clear_errors(self.field_errors, self.key_message)
        try:
            key = self.key_calls.add_key(
                self.core, self.caller, self.key_title.value, self.key_text.value
            )
        except Exception as exc:  # noqa: BLE001 - shown: callback errors vanish in Lab
            show_error(exc, self.field_errors, self.key_message, summary="")
            return
        self.key_text.value = ""
        self.key_title.value = ""
        self.reload_keys(select=key["id"])
        self.message.value = info_html(f"Added key {key['title']} ({key['fingerprint_sha256']}).")

    # --- launch --------------------------------------------------------------------------

    def form(self) -> dict[str, Any]:
        """The launch request the form describes (the body of ``POST /clusters``)."""
        return {
            "identifier": self.identifier.value.strip() or None,
            "size": self.size.value,
            "lifetime_hours": self.lifetime_hours.value,
            "ssh_key_id": self.ssh_key.value,
            "emr_release": self.emr_release.value,
        }

    def _on_launch(self, _button: W.Button | None = None) -> None:
        clear_errors(self.field_errors, self.message)
        body = self.form()
        self.launch_button.disabled = True
        self.launch_button.description = "Launching…"
        try:
            cluster = self.cluster_calls.launch_cluster(self.core, self.caller, body)
        except Exception as exc:  # noqa: BLE001 - shown: callback errors vanish in Lab
            show_error(exc, self.field_errors, self.message)
            return
        finally:
            self.launch_button.disabled = False
            self.launch_button.description = "Launch"
        panel = ClusterPanel(cluster, core=self.core, interval=self.interval)
        self.panel = panel
        self.panels.children = (panel, *self.panels.children)
        self.message.value = info_html(
            f"Launched {cluster['identifier']} ({cluster['jobflow_id']})."
        )
        self.identifier.value = self.cluster_calls.suggest_identifier(
            self.core
        )  # ready for another one

    def close(self) -> None:
        """Close the form and the panels it shows (stopping their threads)."""
        close_tree(self.children)
        super().close()

    def __repr__(self) -> str:
        return f"ClusterLauncher(panel={self.panel!r})"
