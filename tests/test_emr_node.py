"""Scheduled notebooks through ``executor=emr``, with the bootstrap action and the step really
run on an EMR node of the tests (tests/emr_node.py), and RunJobFlow as moto records it."""

from __future__ import annotations

import datetime as dt
import gzip
from typing import Any

import pytest
from sqlalchemy import select

from atmo_lab import emr
from atmo_lab.bootstrap import upload_bootstrap_scripts
from atmo_lab.jobs import constants
from atmo_lab.jobs.models import JobRun
from atmo_lab.jobs.service import create_job, start_run
from atmo_lab.notifications.models import Notification
from atmo_lab.sync import sync_all

from .conftest import REGION
from .emr_node import EmrNode, spark_home
from .test_jobs_support import PRIVATE, job_body, notebook
from .test_worker_clusters import launch

pytestmark = [pytest.mark.atmo(job_executor="emr"), pytest.mark.timeout(300)]

SPARK_CELL = """\
import os
from pyspark.sql import SparkSession
spark = SparkSession.builder.appName("atmo-lab-test").getOrCreate()
total = spark.range(100).selectExpr("sum(id) AS s").collect()[0].s
squares = spark.sparkContext.parallelize(range(10)).map(lambda x: x * x).sum()
print(f"sum={total} squares={squares} spark_home={os.environ['SPARK_HOME']}")
spark.stop()
"""


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return spark_home(tmp_path_factory.mktemp("spark"))


@pytest.fixture
def node(aws: Any, core: Any, tmp_path: Any, spark: Any) -> EmrNode:
    upload_bootstrap_scripts(core)  # what `atmo-lab upload-bootstrap` puts where EMR reads it
    return EmrNode(tmp_path / "nodes", spark, REGION)


def _run(core: Any, identifier: str, scheduled_at: dt.datetime | None = None, **fields: Any):
    job = create_job(core, core.caller(), job_body(identifier, executor="emr") | fields)
    run = start_run(core, job["id"], scheduled_at or dt.datetime.now(dt.timezone.utc), True)
    assert run is not None and run["jobflow_id"]
    return job, run


def _row(core: Any, run_id: int) -> JobRun:
    with core.store.reader() as session:
        row = session.get(JobRun, run_id)
        session.expunge(row)
        return row


def _kinds(core: Any) -> list[str]:
    with core.store.reader() as session:
        return list(session.scalars(select(Notification.kind).order_by(Notification.id)))


async def test_a_pyspark_notebook_scheduled_late_runs_on_the_node_and_succeeds(
    aws, core, api, node, monkeypatch
):
    """The step's time limit is counted from the step's start (issue 26): a run scheduled
    longer ago than its whole limit still gets all of it."""
    monkeypatch.setattr(constants, "TIMEOUT_UNIT_SECONDS", 120)
    late = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=10)
    job, run = _run(core, "spark-report", late, job_timeout_hours=1,
                    notebook=notebook(SPARK_CELL), notebook_name="spark.ipynb")  # fmt: skip
    outcome = node.run(run["jobflow_id"])
    (step,) = outcome.steps
    assert outcome.state == "TERMINATED", (outcome.bootstrap, step.stderr[-3000:])
    assert outcome.reason_code == "ALL_STEPS_COMPLETED"
    assert outcome.dnf == ["install -y python3.11 python3.11-pip"]
    config = aws.client("emr").list_steps(ClusterId=run["jobflow_id"])["Steps"][0]["Config"]
    assert config["Args"][config["Args"].index("--timeout") + 1] == "120"  # the whole limit
    report = sync_all(core)
    assert run["id"] in report.runs_updated
    done = _row(core, run["id"])
    assert (done.status, done.status_reason) == ("TERMINATED", "Notebook completed.")
    output = aws.client("s3").get_object(Bucket=PRIVATE, Key=done.output_notebook_key)
    text = output["Body"].read().decode()
    assert "sum=4950 squares=285" in text and "/usr/lib/spark" in text  # the node's Spark
    results = (await api("GET", f"jobs/{job['id']}/results")).json
    logs = [item["key"] for item in results["logs"]]
    folder = f"spark-report/logs/run-{run['id']}/{run['jobflow_id']}/steps/{step.step_id}/"
    assert {folder + "stdout.gz", folder + "stderr.gz"} <= set(logs)
    body = aws.client("s3").get_object(Bucket=PRIVATE, Key=folder + "stderr.gz")["Body"].read()
    assert "sum=4950" in gzip.decompress(body).decode()  # papermill --log-output logs there
    assert _kinds(core) == []


@pytest.mark.atmo(job_pip_packages=["tomli"])
async def test_a_failing_pyspark_notebook_is_recorded_with_its_failing_cell(aws, core, node):
    cells = notebook("import pyspark, tomli  # tomli: from job_pip_packages",
                     "raise ValueError('no rows for ' + 'today')", "print('never')")  # fmt: skip
    _, run = _run(core, "failing", notebook=cells)
    outcome = node.run(run["jobflow_id"])
    assert (outcome.state, outcome.reason_code) == ("TERMINATED_WITH_ERRORS", "STEP_FAILURE")
    assert outcome.steps[0].returncode == 1
    sync_all(core)
    failed = _row(core, run["id"])
    assert failed.status == "TERMINATED_WITH_ERRORS"
    # cells: 0 markdown, 1 import, 2 raise (papermill's injected parameters are not counted)
    assert failed.error == {"cell_index": 2, "ename": "ValueError", "evalue": "no rows for today"}
    assert failed.status_reason == "Cell 2 raised ValueError: no rows for today"
    assert _kinds(core) == ["run_failed"]
    assert sync_all(core).runs_updated == []  # recorded once


async def test_a_run_past_its_time_limit_is_stopped_by_the_step_and_recorded_as_timed_out(
    aws, core, node, monkeypatch
):
    monkeypatch.setattr(constants, "TIMEOUT_UNIT_SECONDS", 8)
    _, run = _run(core, "slow", job_timeout_hours=1,
                  notebook=notebook("import time\ntime.sleep(120)"))  # fmt: skip
    outcome = node.run(run["jobflow_id"])
    (step,) = outcome.steps
    assert step.returncode == 124, step.stderr[-2000:]  # coreutils timeout
    assert "stopped at the run's time limit of 8 s" in step.stderr
    assert 8 <= (step.ended - step.started).total_seconds() < 60
    sync_all(core)
    stopped = _row(core, run["id"])
    assert stopped.status == "TERMINATED_WITH_ERRORS"
    assert stopped.status_reason == "Run timed out after 1 h and was stopped."
    assert _kinds(core) == ["run_timed_out"]


async def test_a_bootstrap_failure_is_what_emr_reports(aws, core, node):
    _, run = _run(core, "no-bootstrap")
    aws.client("s3").put_object(Bucket="atmo-lab-code", Key="bootstrap/atmo-lab-job.sh",
                                Body=b"exit 3\n")  # fmt: skip
    outcome = node.run(run["jobflow_id"])
    assert (outcome.state, outcome.reason_code) == ("TERMINATED_WITH_ERRORS", "BOOTSTRAP_FAILURE")
    assert outcome.steps == []
    sync_all(core)
    failed = _row(core, run["id"])
    assert failed.status == "TERMINATED_WITH_ERRORS"
    assert failed.status_reason.startswith("BOOTSTRAP_FAILURE: ")
    assert _kinds(core) == ["run_failed"]


# --- RunJobFlow as sent and as moto records it ----------------------------------------------


def _sent_run_job_flows(core: Any) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        sent.append(params)

    core.aws.emr.meta.events.register("provide-client-params.emr.RunJobFlow", record)
    return sent


@pytest.mark.atmo(
    ec2_subnet_id="subnet-0abc", additional_master_security_groups=["sg-0master"],
    additional_core_security_groups=["sg-0core"], security_configuration="imdsv2",
    spot_task_nodes=True, job_pip_packages=["pandas>=2,<3", "pyarrow"],
)  # fmt: skip
async def test_run_job_flow_of_a_cluster_and_a_run_is_as_documented(aws, core, api):
    sent = _sent_run_job_flows(core)
    cluster = await launch(api, size=3)
    _, run = _run(core, "documented", size=2)
    client = aws.client("emr")
    for jobflow_id, params in zip([cluster["jobflow_id"], run["jobflow_id"]], sent, strict=True):
        recorded = client.describe_cluster(ClusterId=jobflow_id)["Cluster"]
        assert "VisibleToAllUsers" not in params
        assert {"Key": "for-use-with-amazon-emr-managed-policies", "Value": "true"} in (
            recorded["Tags"]
        )
        assert recorded["ReleaseLabel"] == "emr-7.14.0"
        names = [a["Name"] for a in recorded["Applications"]]
        assert "Spark" in names and "Hive" in names
        assert ":" not in recorded["LogUri"][5:] and "+" not in recorded["LogUri"]
        assert recorded["ServiceRole"] == "EMR_DefaultRole_V2"
        attrs = recorded["Ec2InstanceAttributes"]
        assert attrs["Ec2SubnetId"] == "subnet-0abc"
        assert attrs["AdditionalMasterSecurityGroups"] == ["sg-0master"]
        assert attrs["AdditionalSlaveSecurityGroups"] == ["sg-0core"]
        assert params["SecurityConfiguration"] == "imdsv2"  # moto keeps no such field
        groups = {g["InstanceRole"]: g for g in params["Instances"]["InstanceGroups"]}
        assert groups["CORE"]["Market"] == "ON_DEMAND" and groups["CORE"]["InstanceCount"] == 1
        assert groups["TASK"]["Market"] == "SPOT" and "BidPrice" not in groups["TASK"]
        listed = client.list_instance_groups(ClusterId=jobflow_id)["InstanceGroups"]
        assert sorted(g["InstanceGroupType"] for g in listed) == ["CORE", "MASTER", "TASK"]
    cluster_params, run_params = sent
    # an idle backstop for the kept-alive cluster only (moto drops AutoTerminationPolicy)
    assert cluster_params["AutoTerminationPolicy"] == {"IdleTimeout": 7200}
    assert "AutoTerminationPolicy" not in run_params
    assert run_params["LogUri"] == f"s3://{PRIVATE}/documented/logs/run-{run['id']}/"
    (step,) = run_params["Steps"]
    assert step["HadoopJarStep"]["Jar"] == "command-runner.jar"
    args = step["HadoopJarStep"]["Args"]
    assert "--execution-timeout" not in args and "shutdown" not in " ".join(args)
    action = run_params["BootstrapActions"][0]["ScriptBootstrapAction"]
    assert action["Path"] == "s3://atmo-lab-code/bootstrap/atmo-lab-job.sh"
    assert action["Args"] == ["--install", "pandas>=2,<3", "--install", "pyarrow"]


@pytest.mark.atmo(use_spot_instances=True, spot_bid_price="")
async def test_spot_core_nodes_have_no_fixed_bid_price(aws, core, api):
    sent = _sent_run_job_flows(core)
    cluster = await launch(api, size=2, emr_release="spark-8.1.0")
    (params,) = sent
    core_group = next(
        g for g in params["Instances"]["InstanceGroups"] if g["InstanceRole"] == "CORE"
    )
    assert core_group["Market"] == "SPOT" and "BidPrice" not in core_group
    assert params["ReleaseLabel"] == "emr-spark-8.1.0"
    recorded = aws.client("emr").describe_cluster(ClusterId=cluster["jobflow_id"])["Cluster"]
    names = sorted(a["Name"] for a in recorded["Applications"])
    assert names == ["JupyterEnterpriseGateway", "Livy", "Spark"]  # no Hive in EMR Spark 8


def test_reason_codes_are_those_of_the_api_reference():
    assert set(emr.FAILED_REASONS) | {emr.USER_REQUEST, emr.ALL_STEPS_COMPLETED} == {
        "INTERNAL_ERROR", "VALIDATION_ERROR", "INSTANCE_FAILURE", "INSTANCE_FLEET_TIMEOUT",
        "BOOTSTRAP_FAILURE", "USER_REQUEST", "STEP_FAILURE", "ALL_STEPS_COMPLETED",
    }  # fmt: skip


@pytest.mark.atmo(spot_task_nodes=True)
async def test_resizing_a_cluster_with_spot_task_nodes_resizes_the_task_group(aws, api):
    cluster = await launch(api, size=3)
    r = await api("POST", f"clusters/{cluster['id']}/resize", {"size": 5})
    assert r.code == 200, r.body
    groups = aws.client("emr").list_instance_groups(ClusterId=cluster["jobflow_id"])
    counts = {g["InstanceGroupType"]: g["RequestedInstanceCount"] for g in groups["InstanceGroups"]}
    assert counts == {"MASTER": 1, "CORE": 1, "TASK": 4}  # 5 workers, one of them on demand


def test_the_failing_cell_of_an_output_notebook_is_the_one_papermill_reports(tmp_path):
    """An EMR run's failing cell is read from its output notebook; it must be the cell a local
    run reports from papermill's exception (injected parameters and error markers aside)."""
    import json

    import papermill
    from papermill.exceptions import PapermillExecutionError

    from atmo_lab.jobs import notebook_run

    submitted = notebook("x = 1", "raise KeyError(n)", parameters="n = 0")
    source, output = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    source.write_text(json.dumps(submitted))
    with pytest.raises(PapermillExecutionError) as raised:
        papermill.execute_notebook(str(source), str(output), parameters={"n": 7},
                                   kernel_name="python3", progress_bar=False)  # fmt: skip
    executed = json.loads(output.read_text())["cells"]
    expected = notebook_run.submitted_index(raised.value.cell_index, submitted["cells"])
    assert expected == 3  # 0 markdown, 1 parameters, 2 x = 1, 3 raise
    assert notebook_run.failed_cell(executed, submitted["cells"]) == {
        "cell_index": expected, "ename": "KeyError", "evalue": "7",
    }  # fmt: skip
