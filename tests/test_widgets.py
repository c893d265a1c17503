"""Notebook widgets driven like a user: set values, click buttons, watch traits.

Real parts: the moto server (EMR, S3) and a SQLite store; no kernel is needed (ipywidgets'
comms are no-ops outside one), and no atmo_lab function is patched.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest

from atmo_lab import api
from atmo_lab.core import Core
from atmo_lab.emr_clusters.models import Cluster
from atmo_lab.errors import NotFound
from atmo_lab.spark_connect.endpoint import ssh_tunnel as tunnel
from atmo_lab.widgets import ClusterLauncher, ClusterPanel
from atmo_lab.widgets._base import BIG, is_shown

from .support import private_key_pem, public_key
from .test_widgets_support import add_key, make_core, set_emr_state, wait_for

IDENTIFIER = re.compile(r"^[a-z]+-[a-z]+-\d{4}$")
RELEASES = [
    {"version": "7.9.0"},
    {"version": "7.10.0"},
    {"version": "7.11.0", "is_experimental": True},
    {"version": "6.15.0", "is_deprecated": True},
]
FAST = 0.05  # polling interval of panels in tests (seconds)


@pytest.fixture
def core(aws: Any, atmo_config: dict[str, Any]) -> Iterator[Core]:
    core = make_core(atmo_config)
    yield core
    core.close()


@pytest.fixture
def opened() -> Iterator[list[Any]]:
    """Widgets to close after the test (stops their threads)."""
    widgets: list[Any] = []
    yield widgets
    for widget in widgets:
        widget.close()


def emr_clusters(aws: Any) -> list[dict[str, Any]]:
    return aws.client("emr").list_clusters()["Clusters"]


def launcher(core: Core, opened: list[Any], **kwargs: Any) -> ClusterLauncher:
    widget = ClusterLauncher(core=core, interval=kwargs.pop("interval", 60), **kwargs)
    opened.append(widget)
    return widget


def panel(core: Core, ref: Any, opened: list[Any], interval: float = 60) -> ClusterPanel:
    widget = ClusterPanel(ref, core=core, interval=interval)
    opened.append(widget)
    return widget


def parse(ts: str) -> dt.datetime:
    return dt.datetime.fromisoformat(ts)


# --- ClusterLauncher -------------------------------------------------------------------------


@pytest.mark.atmo(emr_releases=RELEASES, max_cluster_size=12, default_cluster_lifetime=6)
def test_launcher_form_reflects_the_config(core, opened):
    older = add_key(core, "old")
    newer = add_key(core, "new")
    form = launcher(core, opened)
    assert IDENTIFIER.match(form.identifier.value)
    assert (form.size.value, form.size.max) == (1, 12)
    assert "up to 12" in form.size_hint.value
    lt = form.lifetime_hours
    assert (lt.value, lt.min, lt.max) == (6, 2, 24)
    assert [v for _, v in form.ssh_key.options] == [newer["id"], older["id"]]  # newest first
    assert form.ssh_key.value == newer["id"]
    assert form.ssh_key.options[0][0].startswith("new — ssh-ed25519 SHA256:")
    assert not is_shown(form.key_box) and is_shown(form.add_key_toggle)
    assert list(form.emr_release.options) == [
        ("7.11.0 (experimental)", "7.11.0"), ("7.10.0", "7.10.0"), ("7.9.0", "7.9.0"),
        ("6.15.0 (deprecated)", "6.15.0"),
    ]  # fmt: skip
    assert form.emr_release.value == "7.10.0"  # newest stable


@pytest.mark.atmo(maintainers=["alice"])
def test_launcher_of_a_maintainer_has_no_size_bound(core, opened):
    form = launcher(core, opened)
    assert form.size.max == BIG and "no upper bound" in form.size_hint.value


def test_launch_shows_a_waiting_panel(core, aws, opened):
    add_key(core)
    form = launcher(core, opened)
    form.identifier.value = "my-cluster"
    form.size.value = 3
    form.lifetime_hours.value = 4
    form.launch_button.click()

    shown = form.panel
    assert isinstance(shown, ClusterPanel)
    assert form.panels.children == (shown,)
    assert shown.status == "WAITING"  # moto: a kept-alive cluster is WAITING at once
    assert shown.cluster["identifier"] == "my-cluster" and shown.cluster["size"] == 3
    master = shown.cluster["master_address"]
    assert master and shown.tunnel_command == tunnel(master)
    assert shown.tunnel_command in shown.tunnel.value and is_shown(shown.tunnel)
    assert not is_shown(shown.progress)
    assert "my-cluster" in form.message.value and not form.launch_button.disabled
    assert form.identifier.value != "my-cluster"  # a fresh suggestion for the next launch
    [listed] = emr_clusters(aws)
    assert listed["Id"] == shown.cluster["jobflow_id"]
    assert parse(shown.cluster["expires_at"]) - parse(shown.cluster["created_at"]) == (
        dt.timedelta(hours=4)
    )


def test_field_errors_are_shown_next_to_their_field(core, aws, opened):
    add_key(core)
    form = launcher(core, opened)
    form.size.value = 0
    form.identifier.value = "Bad_Name"
    form.launch_button.click()
    errors = form.field_errors
    assert "between 1 and 30" in errors["size"].value
    assert "invalid characters" in errors["identifier"].value
    assert errors["lifetime_hours"].value == "" and errors["ssh_key_id"].value == ""
    assert "correct the fields" in form.message.value
    assert form.panel is None and emr_clusters(aws) == []

    form.size.value = 1
    form.identifier.value = ""  # generated by the core
    form.launch_button.click()
    assert errors["size"].value == "" and errors["identifier"].value == ""
    assert form.panel is not None and IDENTIFIER.match(form.panel.cluster["identifier"])


def test_without_keys_the_form_asks_for_one(core, aws, opened):
    form = launcher(core, opened)
    assert is_shown(form.key_box) and not is_shown(form.add_key_toggle)
    assert form.ssh_key.options == () and form.ssh_key.value is None

    form.launch_button.click()  # the core's 409 names ssh_key_id
    assert "No SSH keys" in form.field_errors["ssh_key_id"].value
    assert form.panel is None and emr_clusters(aws) == []

    form.key_title.value = "laptop"
    form.key_text.value = private_key_pem()
    form.add_key_button.click()
    assert "private key" in form.field_errors["key"].value.lower()
    assert form.ssh_key.options == ()

    form.key_title.value = ""
    form.key_text.value = public_key()
    form.add_key_button.click()
    assert form.field_errors["title"].value and form.ssh_key.options == ()

    form.key_title.value = "laptop"
    form.add_key_button.click()
    assert form.field_errors["key"].value == "" and form.field_errors["title"].value == ""
    [(label, key_id)] = form.ssh_key.options
    assert label.startswith("laptop — ") and form.ssh_key.value == key_id
    assert not is_shown(form.key_box) and form.key_text.value == ""

    form.launch_button.click()
    assert form.panel is not None and form.panel.status == "WAITING"
    assert form.panel.cluster["ssh_key_id"] == key_id


def test_adding_a_second_key_selects_it(core, opened):
    add_key(core, "old")
    form = launcher(core, opened)
    form.add_key_toggle.click()
    assert is_shown(form.key_box)
    form.key_title.value = "desk"
    form.key_text.value = public_key()
    form.add_key_button.click()
    assert form.ssh_key.options[0][0].startswith("desk") and len(form.ssh_key.options) == 2
    assert form.ssh_key.value == form.ssh_key.options[0][1]


# --- ClusterPanel ----------------------------------------------------------------------------


def test_panel_by_identifier_picks_my_newest_and_by_id(core, opened):
    add_key(core)
    api.launch(identifier="dup", core=core)
    newest = api.launch(identifier="dup", core=core)
    other = api.launch(identifier="other", core=core)
    assert panel(core, "dup", opened).cluster_id == newest.id
    assert panel(core, other.id, opened).cluster["identifier"] == "other"
    assert panel(core, str(other.id), opened).cluster_id == other.id  # digits: an id
    with pytest.raises(NotFound, match="no cluster named 'nope'"):
        ClusterPanel("nope", core=core)


def test_panel_does_not_show_another_users_cluster(core, opened):
    with core.store.session() as session:
        row = Cluster(
            owner="bob", identifier="bobs", size=1, lifetime_hours=8, emr_release="7.5.0",
            jobflow_id="j-BOB", status="WAITING",
            expires_at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=8),
        )  # fmt: skip
        session.add(row)
        session.flush()
        bobs_id = row.id
    for ref in ("bobs", bobs_id):
        with pytest.raises(NotFound):
            ClusterPanel(ref, core=core)


def test_panel_shows_details_and_extends(core, opened):
    add_key(core)
    cluster = api.launch(identifier="ext", lifetime_hours=4, core=core)
    shown = panel(core, "ext", opened)
    assert shown.status == "WAITING" and "WAITING" in shown.header.value
    assert "ext" in shown.header.value
    assert "in 3 h 5" in shown.details.value  # expires in 3 h 59 min (a few seconds gone)
    assert cluster.emr_release in shown.details.value
    assert not is_shown(shown.resize_row)  # size 1: nothing to resize

    shown.extend_hours.value = 3
    shown.extend_button.click()
    assert shown.cluster["lifetime_extension_count"] == 1
    assert parse(shown.cluster["expires_at"]) - cluster.expires_at == dt.timedelta(hours=3)
    assert "in 6 h 5" in shown.details.value and "Extended by 3 h" in shown.message.value
    assert (shown.extend_hours.min, shown.extend_hours.max) == (2, 24)


def test_panel_resizes_a_multi_node_cluster(core, aws, opened):
    add_key(core)
    cluster = api.launch(size=3, core=core)
    shown = panel(core, cluster.id, opened)
    assert is_shown(shown.resize_row) and shown.resize_size.value == 3
    shown.resize_size.value = 5
    shown.resize_button.click()
    assert shown.cluster["size"] == 5 and "master + 5 core nodes" in shown.details.value
    groups = aws.client("emr").list_instance_groups(ClusterId=cluster.jobflow_id)
    core_group = next(g for g in groups["InstanceGroups"] if g["InstanceGroupType"] == "CORE")
    assert core_group["RequestedInstanceCount"] == 5

    shown.resize_size.value = 99  # clamped to max_cluster_size by the input
    assert shown.resize_size.value == 30


def test_terminate_asks_for_confirmation(core, aws, opened):
    add_key(core)
    cluster = api.launch(core=core)
    shown = panel(core, cluster.id, opened, interval=FAST)
    assert shown.watching and shown.thread is not None and shown.thread.is_alive()

    shown.terminate_button.click()
    assert is_shown(shown.confirm_box) and not is_shown(shown.terminate_button)
    assert "Really terminate?" in shown.confirm_label.value
    shown.confirm_no.click()
    assert not is_shown(shown.confirm_box) and is_shown(shown.terminate_button)
    assert shown.status == "WAITING" and emr_clusters(aws)[0]["Status"]["State"] == "WAITING"

    shown.terminate_button.click()
    shown.confirm_yes.click()
    assert shown.status == "TERMINATED" and not shown.cluster["is_active"]
    assert not is_shown(shown.actions) and shown.tunnel_command == ""
    assert "ended" in shown.details.value
    state = aws.client("emr").describe_cluster(ClusterId=cluster.jobflow_id)["Cluster"]["Status"]
    assert state["State"] == "TERMINATED"
    shown.thread.join(5)
    assert not shown.thread.is_alive() and not shown.watching


def test_errors_of_actions_are_shown(core, aws, opened):
    add_key(core)
    cluster = api.launch(core=core)
    shown = panel(core, cluster.id, opened)
    cluster.terminate()  # behind the panel's back; the panel has not polled yet
    shown.extend_button.click()
    assert "not active" in shown.message.value and shown.cluster["lifetime_extension_count"] == 0


def test_a_cluster_ending_while_watched_stops_the_thread(core, aws, opened):
    add_key(core)
    cluster = api.launch(core=core)
    shown = panel(core, cluster.id, opened, interval=FAST)
    thread = shown.thread
    assert thread is not None and thread.is_alive()
    aws.client("emr").terminate_job_flows(JobFlowIds=[cluster.jobflow_id])
    thread.join(5)
    assert not thread.is_alive() and not shown.watching
    assert shown.status == "TERMINATED" and not is_shown(shown.actions)


def test_close_stops_the_thread(core, opened):
    add_key(core)
    cluster = api.launch(core=core)
    shown = ClusterPanel(cluster.id, core=core, interval=FAST)
    thread = shown.thread
    assert thread is not None and thread.is_alive() and shown.watching
    shown.close()
    thread.join(5)
    assert not thread.is_alive() and not shown.watching
    assert shown.comm is None and all(child.comm is None for child in shown.children)


def test_closing_the_launcher_closes_its_panels(core, opened):
    add_key(core)
    form = ClusterLauncher(core=core, interval=FAST)
    form.launch_button.click()
    thread = form.panel.thread
    assert thread is not None and thread.is_alive()
    form.close()
    thread.join(5)
    assert not thread.is_alive()


def test_progress_bar_while_the_cluster_comes_up(core, opened):
    add_key(core)
    cluster = api.launch(core=core)
    set_emr_state(cluster.jobflow_id, "STARTING")  # see set_emr_state: real EMR takes minutes
    cluster.refresh()
    shown = panel(core, cluster.id, opened, interval=FAST)
    assert shown.status == "STARTING" and is_shown(shown.progress)
    assert (shown.progress.value, shown.progress.description) == (1, "Starting")
    assert not is_shown(shown.tunnel) and is_shown(shown.actions)

    set_emr_state(cluster.jobflow_id, "BOOTSTRAPPING")
    wait_for(lambda: shown.status == "BOOTSTRAPPING", what="BOOTSTRAPPING")
    assert (shown.progress.value, shown.progress.description) == (2, "Bootstrapping")

    set_emr_state(cluster.jobflow_id, "WAITING")
    wait_for(lambda: shown.status == "WAITING", what="WAITING")
    assert not is_shown(shown.progress) and shown.progress.value == 3
    assert shown.tunnel_command == tunnel(shown.cluster["master_address"])
    assert shown.thread is not None and shown.thread.is_alive()  # still watching until it ends
