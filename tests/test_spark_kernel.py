"""Spark for real: a Jupyter server with ``spark_stand_in`` gives a launched cluster a local
Spark Connect server (one JVM); a notebook kernel of that server counts 1000 rows on it with
``atmo_lab.spark(identifier)``; terminating the cluster stops the JVM and clears its URL."""

from __future__ import annotations

import time
import urllib.parse
from typing import Any

import nbformat
import psutil
import pytest
from nbformat.v4 import new_notebook

from atmo_lab.spark_connect.endpoint import port_accepts
from atmo_lab.spark_connect.stand_in import java_missing

from .support import public_key
from .test_widgets_kernel import call, jupyter_server, run_in_kernel

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(bool(java_missing()), reason=f"Spark needs Java: {java_missing()}"),
]


def spark_servers(parent: psutil.Process) -> list[psutil.Process]:
    """The Spark Connect JVMs under a process."""
    found = []
    for child in parent.children(recursive=True):
        try:
            if any("SparkConnectServer" in part for part in child.cmdline()):
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


def wait_for_url(base: str, cluster_id: int, timeout: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        cluster = call(base, "GET", f"atmo-lab/api/clusters/{cluster_id}")
        if cluster["spark_connect_url"] or time.monotonic() > deadline:
            return cluster
        time.sleep(0.2)


def test_a_kernel_counts_on_the_clusters_spark_and_terminate_stops_it(aws, atmo_config, tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    (root / "spark.ipynb").write_text(nbformat.writes(new_notebook()))
    config = {
        "ServerApp": {"jpserver_extensions": {"atmo_lab": True}},
        "AtmoLabApp": atmo_config | {"spark_stand_in": True},
    }
    figures: dict[str, float] = {}
    with jupyter_server(tmp_path, root, config) as jupyter:
        base, server, log = jupyter.base, jupyter.process, jupyter.log
        key = call(base, "POST", "atmo-lab/api/keys", {"title": "laptop", "key": public_key()})
        began = time.monotonic()
        cluster = call(
            base, "POST", "atmo-lab/api/clusters",
            {"identifier": "sparky", "size": 1, "ssh_key_id": key["id"]},
        )  # fmt: skip
        ready = wait_for_url(base, cluster["id"])
        figures["launch to Spark ready (s)"] = time.monotonic() - began
        url = ready["spark_connect_url"]
        assert url, log.read_text()[-3000:]
        assert url.startswith("sc://localhost:") and ";token=" in url
        connect_port = int(urllib.parse.urlsplit(url.replace("sc://", "http://")).port or 0)
        [jvm] = spark_servers(psutil.Process(server.pid))
        figures["JVM RSS before a query (MB)"] = jvm.memory_info().rss / 2**20

        session = call(
            base, "POST", "api/sessions",
            {"path": "spark.ipynb", "type": "notebook", "name": "spark.ipynb",
             "kernel": {"name": "python3"}},
        )  # fmt: skip
        lines = run_in_kernel(
            jupyter.connection_file(session["kernel"]["id"]),
            "import time\nimport atmo_lab\n"
            "t = time.monotonic()\n"
            'spark = atmo_lab.spark("sparky")\n'
            "print(spark.range(1000).count())\n"
            "print(time.monotonic() - t)\n"
            "t = time.monotonic()\n"
            "print(spark.range(1000).count())\n"
            "print(time.monotonic() - t)\n"
            "print(atmo_lab.spark('sparky') is spark)\n",
        )
        assert lines[0] == "1000" and lines[2] == "1000" and lines[4] == "True", lines
        figures["first query, with connecting (s)"] = float(lines[1])
        figures["later query (s)"] = float(lines[3])
        figures["JVM RSS after queries (MB)"] = jvm.memory_info().rss / 2**20
        lines = run_in_kernel(
            jupyter.connection_file(session["kernel"]["id"]),
            "del spark\nfrom atmo_lab.widgets import ClusterPanel\n"
            'panel = ClusterPanel("sparky")\n'
            "print(panel.spark_state.value)\n"
            "panel.connect_button.click()\n"
            "print(spark is panel.session, spark.range(10).count())\n"
            "print(panel.connect_code())\n"
            "panel.close()\n",
        )
        assert lines[0] == f"<b>Spark</b> ready at <code>{url.split('/;')[0]}</code>", lines
        assert lines[1:] == ["True 10", "import atmo_lab", "spark = atmo_lab.spark('sparky')"]

        ended = call(base, "POST", f"atmo-lab/api/clusters/{cluster['id']}/terminate")
        assert ended["status"] == "TERMINATED" and ended["spark_connect_url"] is None
        assert not port_accepts("127.0.0.1", connect_port)  # stopped before the answer
        assert not jvm.is_running() or jvm.status() == psutil.STATUS_ZOMBIE
        again = call(base, "GET", f"atmo-lab/api/clusters/{cluster['id']}")
        assert again["spark_connect_url"] is None
        lines = run_in_kernel(
            jupyter.connection_file(session["kernel"]["id"]),
            "try:\n    atmo_lab.spark('sparky')\nexcept Exception as exc:\n"
            "    print(type(exc).__name__, exc)\n",
        )
        assert lines == ["Conflict Cluster sparky has ended (TERMINATED); launch a new one."]
        call(base, "DELETE", f"api/sessions/{session['id']}")

        # A cluster still active when the server stops: its JVM stops with the server.
        other = call(base, "POST", "atmo-lab/api/clusters", {"size": 1, "ssh_key_id": key["id"]})
        assert wait_for_url(base, other["id"])["spark_connect_url"]
        [jvm] = spark_servers(psutil.Process(server.pid))
        server.terminate()
        server.wait(30)
        assert not jvm.is_running() or jvm.status() == psutil.STATUS_ZOMBIE
        from atmo_lab.store import Store

        with Store(atmo_config["db_url"]).reader() as reader:
            from atmo_lab.emr_clusters.models import Cluster

            assert reader.get(Cluster, other["id"]).spark_connect_url is None
    print("\n".join(f"{name}: {value:.2f}" for name, value in figures.items()))
