"""Spark Connect on clusters without a JVM: the launch step as moto records it, the readiness
probe against a real socket, the refusals of atmo_lab.spark(), and the tunnel text; and a
PySpark notebook run by the local executor (a local Spark, in papermill's kernel)."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from typing import Any

import pytest

import atmo_lab
from atmo_lab.demo import SAMPLE_DATA_BUCKET, SAMPLES, seed_sample_data
from atmo_lab.emr_clusters import service as clusters
from atmo_lab.emr_clusters.models import Cluster
from atmo_lab.errors import Conflict, NotFound
from atmo_lab.spark_connect import endpoint
from atmo_lab.spark_connect.errors import SparkNotInstalled, SparkNotReady, SparkVersionMismatch
from atmo_lab.spark_connect.local import java_missing
from atmo_lab.spark_connect.releases import spark_version
from atmo_lab.spark_connect.session import client_problem
from atmo_lab.sync import sync_all

from .support import public_key
from .test_jobs_runs import create, run_now, worker  # noqa: F401 - the worker fixture
from .test_jobs_support import PRIVATE, read_json, wait_for_run

SPARK_8 = {"version": "spark-8.1.0", "spark_version": "4.0.1", "is_active": True,
           "is_experimental": False, "is_deprecated": False, "changelog_url": "", "help_text": ""}  # fmt: skip
EMR_7 = {"version": "7.14.0", "spark_version": "3.5.6", "is_active": True,
         "is_experimental": False, "is_deprecated": False, "changelog_url": "", "help_text": ""}  # fmt: skip


def launch(core: Any, **fields: Any) -> dict[str, Any]:
    caller = core.caller()
    from atmo_lab.ssh_keys import service as keys

    own = keys.list_keys(core, caller) or [keys.add_key(core, caller, "laptop", public_key())]
    return clusters.launch_cluster(core, caller, {"size": 1, "ssh_key_id": own[0]["id"], **fields})


def steps_of(aws: Any, jobflow_id: str) -> list[dict[str, Any]]:
    return aws.client("emr").list_steps(ClusterId=jobflow_id)["Steps"]


@pytest.mark.atmo(emr_releases=[EMR_7, SPARK_8])
def test_the_launch_step_starts_spark_connect_of_the_release(core, aws):
    cluster = launch(core, emr_release="7.14.0")
    [step] = steps_of(aws, cluster["jobflow_id"])
    assert step["Name"] == "start-spark-connect" and step["ActionOnFailure"] == "CONTINUE"
    assert step["Config"]["Jar"] == "command-runner.jar"
    assert step["Config"]["Args"] == [
        "/usr/lib/spark/sbin/start-connect-server.sh",
        "--packages", "org.apache.spark:spark-connect_2.12:3.5.6",
        "--conf", "spark.connect.grpc.binding.port=15002",
    ]  # fmt: skip
    described = aws.client("emr").describe_cluster(ClusterId=cluster["jobflow_id"])["Cluster"]
    assert described["Status"]["State"] == "WAITING"  # a step doesn't change moto's state
    assert cluster["spark_version"] == "3.5.6" and cluster["spark_connect_url"] is None

    spark4 = launch(core, emr_release="spark-8.1.0")
    [step] = steps_of(aws, spark4["jobflow_id"])
    args = step["Config"]["Args"]
    assert args[:3] == [
        "/usr/lib/spark/sbin/start-connect-server.sh", "--conf",
        "spark.connect.grpc.binding.port=15002",
    ]  # fmt: skip
    assert "--packages" not in args  # Spark 4 ships Spark Connect
    with core.store.reader() as session:
        token = session.get(Cluster, spark4["id"]).spark_connect_token
    assert token and args[3:] == ["--conf", f"spark.connect.authenticate.token={token}"]


@pytest.mark.atmo(
    emr_releases=[{"version": "7.5.0"}], additional_master_security_groups=["sg-jupyter"]
)
def test_a_release_without_a_spark_version_reads_it_on_the_node(core, aws):
    cluster = launch(core, emr_release="7.5.0")
    [step] = steps_of(aws, cluster["jobflow_id"])
    bash, flag, script = step["Config"]["Args"]
    assert (bash, flag) == ("bash", "-c")
    assert "spark-submit --version" in script and "spark-connect_2.12:$v" in script
    assert spark_version(core.settings, "7.5.0") == "3.5"
    assert spark_version(core.settings, "spark-8.0.0") == "4.0"
    instances = aws.client("emr").describe_cluster(ClusterId=cluster["jobflow_id"])["Cluster"]
    assert instances["Ec2InstanceAttributes"].get("AdditionalMasterSecurityGroups") == [
        "sg-jupyter"
    ]


@pytest.fixture
def listener() -> Iterator[int]:
    """A real TCP listener on loopback playing a master's Spark Connect port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def set_master(core: Any, cluster_id: int, address: str) -> None:
    with core.store.session() as session:
        session.get(Cluster, cluster_id).master_address = address


def test_the_url_is_set_once_the_port_accepts_and_cleared_at_the_end(core, aws, listener):
    cluster = launch(core)
    set_master(core, cluster["id"], "127.0.0.1")
    object.__setattr__(core.settings, "spark_connect_port", free_closed_port())
    assert sync_all(core).spark_ready == []  # nothing listens: not ready
    assert clusters.get_cluster(core, core.caller(), cluster["id"])["spark_connect_url"] is None

    object.__setattr__(core.settings, "spark_connect_port", listener)
    report = sync_all(core)
    assert report.spark_ready == [cluster["identifier"]]
    ready = clusters.get_cluster(core, core.caller(), cluster["id"])
    assert ready["spark_connect_url"] == f"sc://127.0.0.1:{listener}"
    [listed] = clusters.list_clusters(core, core.caller()).items
    assert listed == ready
    assert ready["ssh_tunnel"] == (
        f"ssh -N -L {listener}:localhost:{listener} -L 8088:localhost:8088 "
        "-L 18080:localhost:18080 hadoop@127.0.0.1"
    )

    ended = clusters.terminate_cluster(core, core.caller(), cluster["id"])
    assert ended["spark_connect_url"] is None and ended["ssh_tunnel"] is None
    [gone] = clusters.list_clusters(core, core.caller(), status="all").items
    assert gone == ended


def free_closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_spark_refuses_another_users_cluster(core, aws):
    cluster = launch(core)
    with core.store.session() as session:
        session.get(Cluster, cluster["id"]).owner = "bob"
    for ref in (cluster["id"], cluster["identifier"]):
        with pytest.raises(NotFound):
            atmo_lab.spark(ref, core=core)


def test_spark_refuses_a_cluster_not_ready_or_ended(core, aws):
    cluster = launch(core)
    with pytest.raises(SparkNotReady, match="does not accept connections yet"):
        atmo_lab.spark(cluster["identifier"], core=core)
    api_object = atmo_lab.cluster(cluster["id"], core=core)
    api_object.terminate()
    with pytest.raises(Conflict, match="has ended"):
        atmo_lab.spark(api_object, core=core)


@pytest.mark.atmo(emr_releases=[EMR_7])
def test_spark_names_the_client_to_install_for_an_older_spark(core, aws, listener):
    cluster = launch(core, emr_release="7.14.0")
    with core.store.session() as session:
        session.get(Cluster, cluster["id"]).spark_connect_url = f"sc://127.0.0.1:{listener}"
    with pytest.raises(SparkVersionMismatch, match=r"pip install 'pyspark\[connect\]==3\.5\.\*'"):
        atmo_lab.spark(cluster["identifier"], core=core)
    assert client_problem("3.5.6", "4.3.0") is None  # an older client on a newer server: works


def test_spark_without_pyspark_says_what_to_install(core, aws, monkeypatch):
    for name in [m for m in sys.modules if m == "pyspark" or m.startswith("pyspark.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pyspark", None)  # as if it were not installed
    with pytest.raises(SparkNotInstalled, match=r"pip install 'atmo-lab\[spark\]'") as caught:
        atmo_lab.spark("anything", core=core)
    assert isinstance(caught.value, ImportError)


def test_one_tunnel_command_for_the_masters_ports():
    assert endpoint.ssh_tunnel("ec2-1-2-3-4.example") == (
        "ssh -N -L 15002:localhost:15002 -L 8088:localhost:8088 -L 18080:localhost:18080 "
        "hadoop@ec2-1-2-3-4.example"
    )


@pytest.mark.spark
@pytest.mark.skipif(bool(java_missing()), reason=f"Spark needs Java: {java_missing()}")
async def test_a_pyspark_notebook_runs_on_the_local_executor(api, aws, core, worker):  # noqa: F811
    seed_sample_data(aws.client("s3"))
    source = (SAMPLES / "trips_on_spark.ipynb").read_text()
    job = await create(
        api, identifier="trips", notebook=source, notebook_name="trips_on_spark.ipynb",
        executor="local", parameters={"bucket": SAMPLE_DATA_BUCKET},
    )  # fmt: skip
    run = await wait_for_run(api, job["id"], (await run_now(api, job))["id"], timeout=240)
    assert run["status"] == "TERMINATED", run
    executed = read_json(aws, PRIVATE, run["output_notebook_key"])
    printed = "".join(
        "".join(out.get("text", ""))
        for cell in executed["cells"]
        for out in cell.get("outputs", [])
    )
    assert "90 trips read from s3://atmo-lab-sample-data/trips.csv" in printed
    assert "cities: Berlin=30, Paris=30, Toronto=30" in printed


SPARK_COLUMNS = {"spark_connect_url", "spark_connect_token", "spark_version"}


def test_an_older_store_gets_the_spark_columns(tmp_path):
    from sqlalchemy import inspect, text

    from atmo_lab.store import Store

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    old = Store(url)
    old.create_schema()
    with old.engine.begin() as conn:  # the clusters table as it was before Spark
        for column in SPARK_COLUMNS:
            conn.execute(text(f"ALTER TABLE clusters DROP COLUMN {column}"))
    old.dispose()
    upgraded = Store(url)
    upgraded.create_schema()
    columns = {c["name"] for c in inspect(upgraded.engine).get_columns("clusters")}
    upgraded.dispose()
    assert columns >= SPARK_COLUMNS
