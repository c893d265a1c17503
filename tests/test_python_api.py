"""The Python API (atmo_lab.api, re-exported at the top level) against moto and SQLite."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import atmo_lab
from atmo_lab import api
from atmo_lab.core import Core
from atmo_lab.errors import Conflict, NotFound, ValidationFailed
from atmo_lab.spark_connect.endpoint import ssh_tunnel as tunnel

from .support import public_key
from .test_widgets_support import add_key, make_core, set_emr_state

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


@pytest.fixture
def core(aws: Any, atmo_config: dict[str, Any]) -> Iterator[Core]:
    core = make_core(atmo_config)
    yield core
    core.close()


def test_launch_list_and_lifecycle(core, aws):
    atmo_lab.add_key("laptop", public_key(), core=core)
    newest_key = atmo_lab.add_key("desk", public_key(), core=core)
    assert [k["title"] for k in atmo_lab.keys(core=core)] == ["desk", "laptop"]

    cluster = atmo_lab.launch(size=3, lifetime_hours=4, identifier="api-one", core=core)
    assert isinstance(cluster, atmo_lab.Cluster)
    assert (cluster.identifier, cluster.size, cluster.status) == ("api-one", 3, "WAITING")
    assert cluster.ssh_key_id == newest_key["id"]  # default: the newest key
    assert cluster.emr_release == "7.14.0" and cluster.owner == "alice" and cluster.is_active
    assert isinstance(cluster.expires_at, dt.datetime) and cluster.expires_at.tzinfo
    assert cluster.expires_at - cluster.created_at == dt.timedelta(hours=4)
    assert cluster.ssh_tunnel == tunnel(cluster.master_address)
    assert cluster.to_dict()["expires_at"] == cluster.expires_at.isoformat()
    assert "api-one" in repr(cluster) and "WAITING" in repr(cluster)

    assert [c.id for c in atmo_lab.clusters(core=core)] == [cluster.id]
    assert atmo_lab.cluster("api-one", core=core).id == cluster.id
    assert atmo_lab.cluster(cluster.id, core=core).identifier == "api-one"
    with pytest.raises(NotFound):
        atmo_lab.cluster("nope", core=core)

    before = cluster.expires_at
    assert cluster.extend(3) is cluster
    assert cluster.expires_at - before == dt.timedelta(hours=3)
    assert cluster.lifetime_extension_count == 1
    assert cluster.resize(5).size == 5
    with pytest.raises(ValidationFailed) as bad:
        cluster.extend(1)
    assert "hours" in bad.value.errors
    assert cluster.refresh().status == "WAITING"

    assert cluster.terminate().status == "TERMINATED" and not cluster.is_active
    state = aws.client("emr").describe_cluster(ClusterId=cluster.jobflow_id)["Cluster"]["Status"]
    assert state["State"] == "TERMINATED"
    assert atmo_lab.clusters(core=core) == []
    assert [c.id for c in atmo_lab.clusters("terminated", core=core)] == [cluster.id]
    with pytest.raises(ValidationFailed):
        atmo_lab.clusters("bogus", core=core)


def test_launch_errors_name_fields_and_launch_nothing(core, aws):
    with pytest.raises(Conflict, match="No SSH keys"):
        atmo_lab.launch(core=core)
    add_key(core)
    with pytest.raises(ValidationFailed) as bad:
        atmo_lab.launch(size=0, lifetime_hours=99, emr_release="1.0", core=core)
    assert set(bad.value.errors) == {"size", "lifetime_hours", "emr_release"}
    with pytest.raises(ValidationFailed) as bad:
        atmo_lab.add_key("", "not a key", core=core)
    assert set(bad.value.errors) == {"title", "key"}
    assert aws.client("emr").list_clusters()["Clusters"] == []


def test_wait_until_ready(core, capsys):
    add_key(core)
    cluster = atmo_lab.launch(core=core)
    assert cluster.wait_until_ready(timeout=5, interval=0.05) is cluster  # moto: WAITING at once
    assert "WAITING [3/3]" in capsys.readouterr().out  # no kernel: a text line

    # A cluster stuck on its way up (see set_emr_state: real EMR takes minutes).
    set_emr_state(cluster.jobflow_id, "BOOTSTRAPPING")
    with pytest.raises(TimeoutError, match="still BOOTSTRAPPING"):
        cluster.wait_until_ready(timeout=0.2, interval=0.05)
    assert "BOOTSTRAPPING [2/3]" in capsys.readouterr().out

    set_emr_state(cluster.jobflow_id, "TERMINATED_WITH_ERRORS")
    with pytest.raises(atmo_lab.ClusterFailed, match="TERMINATED_WITH_ERRORS") as failed:
        cluster.wait_until_ready(timeout=5, interval=0.05)
    assert failed.value.cluster is cluster


def test_a_cluster_displays_as_its_panel(core):
    add_key(core)
    cluster = atmo_lab.launch(core=core)
    # Outside a kernel no panel (and no polling thread) is built: text and HTML only.
    bundle = cluster._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    assert bundle["text/plain"] == repr(cluster) and cluster.identifier in bundle["text/html"]

    panel = cluster.widget(interval=0.05)
    try:
        assert cluster.widget() is panel and panel.cluster_id == cluster.id
        bundle = cluster._repr_mimebundle_()
        assert bundle[WIDGET_MIME]["model_id"] == panel.model_id
        assert bundle["text/plain"] == repr(cluster)
        cluster.extend(2)  # the object and its panel each see their own updates …
        panel.extend_button.click()
        assert cluster.lifetime_extension_count == 2  # … and the panel's reach the object
    finally:
        panel.close()


def test_the_top_level_api_names_are_functions(core):
    add_key(core)
    from atmo_lab.emr_clusters import service as clusters_service  # the feature packages
    from atmo_lab.ssh_keys.service import list_keys

    assert atmo_lab.clusters is api.clusters and atmo_lab.keys is api.keys
    assert atmo_lab.clusters(core=core) == [] and clusters_service.list_clusters
    assert atmo_lab.keys(core=core) == list_keys(core, core.caller())
    assert atmo_lab.launch is api.launch and "launch" in dir(atmo_lab)
    assert {"clusters", "keys", "spark"} <= set(atmo_lab.__all__)
    with pytest.raises(AttributeError):
        _ = atmo_lab.no_such_name


def test_import_stays_cheap():
    code = (
        "import sys, atmo_lab; heavy = [m for m in "
        "('ipywidgets', 'tornado', 'sqlalchemy', 'boto3', 'atmo_lab.api') if m in sys.modules];"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_default_core_reads_the_jupyter_config(aws, atmo_config, tmp_path):
    """Without ``core=``, the API and widgets use the installation's Jupyter config files."""
    config_dir = tmp_path / "jupyter-config"
    config_dir.mkdir()
    (config_dir / "jupyter_server_config.json").write_text(
        json.dumps({"AtmoLabApp": atmo_config | {"max_cluster_size": 7}})
    )
    script = f"""
import atmo_lab
from atmo_lab.widgets import ClusterLauncher, ClusterPanel
atmo_lab.add_key("laptop", {public_key()!r})
cluster = atmo_lab.launch(identifier="from-config")
form = ClusterLauncher()
panel = ClusterPanel("from-config")
print(form.size.max, panel.cluster_id == cluster.id, [c.identifier for c in atmo_lab.clusters()])
panel.close(); form.close()
"""
    env = os.environ | {"JUPYTER_CONFIG_DIR": str(config_dir), "JUPYTER_PLATFORM_DIRS": "0"}
    env["PYTHONPATH"] = str(Path(atmo_lab.__file__).parent.parent)
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[-2] == "7 True ['from-config']"


def _notebook_json() -> dict[str, Any]:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    return json.loads(nbformat.writes(new_notebook(cells=[new_code_cell("print(1)")])))


def test_schedule(core, aws, tmp_path):
    path = tmp_path / "weekly.ipynb"
    path.write_text(json.dumps(_notebook_json()))
    job = atmo_lab.schedule(path, "weekly-report", "Weekly numbers", parameters={"n": 3},
                            core=core)  # fmt: skip
    assert (job["identifier"], job["notebook_name"], job["interval_in_hours"]) == (
        "weekly-report", "weekly.ipynb", 168,
    )  # fmt: skip
    assert job["parameters"] == {"n": 3} and job["executor"] == "local"

    start = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)
    cron = atmo_lab.schedule(
        _notebook_json(), "cron-report", "Weekdays", notebook_name="c.ipynb",
        schedule="30 7 * * 1-5", timezone="America/New_York", executor="emr", size=2,
        start_date=start, core=core,
    )  # fmt: skip
    assert (cron["schedule"], cron["timezone"], cron["size"]) == (
        "30 7 * * 1-5", "America/New_York", 2,
    )  # fmt: skip
    assert cron["next_run_at"] == "2030-01-01T12:30:00+00:00"  # 07:30 in New York
    listed = aws.client("s3").list_objects_v2(Bucket="atmo-lab-code")["Contents"]
    assert sorted(o["Key"] for o in listed) == [
        "jobs/cron-report/c.ipynb", "jobs/weekly-report/weekly.ipynb",
    ]  # fmt: skip

    with pytest.raises(Conflict):
        atmo_lab.schedule(path, "weekly-report", "again", core=core)
    with pytest.raises(ValidationFailed) as bad:
        atmo_lab.schedule(tmp_path / "nope.ipynb", "x", "", interval_in_hours=5, core=core)
    assert set(bad.value.errors) == {"notebook", "description", "interval_in_hours"}
    with pytest.raises(ValueError, match="aware"):
        atmo_lab.schedule(path, "naive", "d", start_date=dt.datetime(2030, 1, 1), core=core)
