"""Worker tasks for clusters against the moto server: sync, expiry, warnings, mail, retries."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import pytest
from botocore.awsrequest import AWSResponse
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from sqlalchemy import select

from atmo_lab.emr_clusters.maintenance import send_expiry_warnings, terminate_expired
from atmo_lab.emr_clusters.models import Cluster
from atmo_lab.notifications.models import Notification
from atmo_lab.notifications.service import deliver_pending
from atmo_lab.sync import sync_all
from atmo_lab.worker.runtime import run_periodic_once

from .conftest import REGION
from .support import public_key

pytestmark = pytest.mark.atmo(email_domain="example.com")


def sent_mail():
    return ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages


async def launch(api, **fields):
    if "ssh_key_id" not in fields:
        key = await api("POST", "keys", {"title": "k", "key": public_key()})
        fields["ssh_key_id"] = key.json["id"]
    r = await api("POST", "clusters", {"size": 1} | fields)
    assert r.code == 201, r.body
    return r.json


def count_calls(core):
    """AWS operations made through the core's EMR client (botocore before-send hook)."""
    calls: list[str] = []

    def record(request, **_):
        calls.append(request.headers.get("X-Amz-Target", b"").decode().split(".")[-1])

    core.aws.emr.meta.events.register("before-send.emr", record)
    return calls


def set_fields(core, cluster_id, **fields):
    with core.store.session() as session:
        cluster = session.get(Cluster, cluster_id)
        for name, value in fields.items():
            setattr(cluster, name, value)


async def test_cluster_terminated_outside_is_synced(api, aws, core):
    cluster = await launch(api)
    aws.client("emr").terminate_job_flows(JobFlowIds=[cluster["jobflow_id"]])
    report = sync_all(core)
    assert report.clusters_updated == [cluster["identifier"]]
    after = (await api("GET", f"clusters/{cluster['id']}")).json
    assert after["status"] == "TERMINATED" and after["finished_at"]


async def test_sync_ignores_unknown_clusters_and_makes_no_call_when_idle(api, aws, core):
    calls = count_calls(core)
    assert sync_all(core).list_pages == 0
    assert calls == []
    aws.client("emr").run_job_flow(
        Name="someone-elses", Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1,
                                         "KeepJobFlowAliveWhenNoSteps": True},
    )  # fmt: skip
    cluster = await launch(api)
    report = sync_all(core)
    assert report.list_pages == 1 and report.clusters_updated == []
    with core.store.reader() as session:
        assert session.scalar(select(Cluster.jobflow_id)) == cluster["jobflow_id"]


async def test_sync_cost_is_list_pages_plus_missing_addresses(api, aws, core):
    """120 active clusters, 12 without a master address: 3 ListClusters pages + 12 describes."""
    key_id = (await api("POST", "keys", {"title": "k", "key": public_key()})).json["id"]
    client = aws.client("emr")
    now = dt.datetime.now(dt.timezone.utc)
    with core.store.session() as session:
        for i in range(120):
            jobflow = client.run_job_flow(
                Name=f"c{i}", ReleaseLabel="emr-7.5.0", Instances={
                    "InstanceGroups": [{"InstanceRole": "MASTER", "InstanceType": "m5.xlarge",
                                        "InstanceCount": 1, "Market": "ON_DEMAND"}],
                    "KeepJobFlowAliveWhenNoSteps": True},
            )["JobFlowId"]  # fmt: skip
            session.add(Cluster(owner="alice", identifier=f"c{i}", size=1, lifetime_hours=8,
                                ssh_key_id=key_id, emr_release="7.5.0", jobflow_id=jobflow,
                                status="STARTING", master_address="" if i % 10 == 0 else "x",
                                expires_at=now + dt.timedelta(hours=8)))  # fmt: skip
    calls = count_calls(core)
    report = sync_all(core)
    pages = -(-120 // 50)  # moto pages ListClusters by 50
    assert calls.count("ListClusters") == pages == report.list_pages
    assert calls.count("DescribeCluster") == 12 == len(report.addresses_fetched)
    assert len(calls) == pages + 12
    assert len(report.clusters_updated) == 120
    with core.store.reader() as session:
        assert set(session.scalars(select(Cluster.status))) == {"WAITING"}
        assert "" not in set(session.scalars(select(Cluster.master_address)))
    # the next pass has nothing to describe
    calls.clear()
    sync_all(core)
    assert calls == ["ListClusters"] * pages


async def test_expired_cluster_is_terminated_once_with_a_notification(api, aws, core):
    cluster = await launch(api)
    keep = await launch(api, ssh_key_id=cluster["ssh_key_id"])
    set_fields(core, cluster["id"], expires_at=dt.datetime.now(dt.timezone.utc))
    assert terminate_expired(core) == [cluster["identifier"]]
    assert terminate_expired(core) == []
    described = aws.client("emr").describe_cluster(ClusterId=cluster["jobflow_id"])["Cluster"]
    assert described["Status"]["State"] == "TERMINATED"
    assert (await api("GET", f"clusters/{keep['id']}")).json["status"] == "WAITING"
    notes = (await api("GET", "notifications")).json["notifications"]
    assert [(n["kind"], n["object"]) for n in notes] == [
        ("cluster_expired", {"type": "cluster", "id": cluster["id"]})
    ]


async def test_warning_once_and_again_after_an_extension_mailed_through_ses(api, aws, core):
    cluster = await launch(api, lifetime_hours=2)
    now = dt.datetime.now(dt.timezone.utc)
    assert send_expiry_warnings(core, now) == []  # 2 h left: not yet
    soon = now + dt.timedelta(hours=1, minutes=5)
    assert send_expiry_warnings(core, soon) == [cluster["identifier"]]
    assert send_expiry_warnings(core, soon) == []
    assert deliver_pending(core) == 1
    assert deliver_pending(core) == 0
    extended = await api("POST", f"clusters/{cluster['id']}/extend", {"hours": 2})
    assert extended.code == 200
    later = soon + dt.timedelta(hours=2)
    assert send_expiry_warnings(core, later) == [cluster["identifier"]]
    assert deliver_pending(core) == 1
    mails = sent_mail()
    assert len(mails) == 2
    assert mails[0].destinations["ToAddresses"] == ["alice@example.com"]
    assert mails[0].source == "atmo@example.com"
    assert f"Cluster {cluster['identifier']} expires in" in mails[0].subject
    notes = (await api("GET", "notifications", params={"unread": "true"})).json["notifications"]
    assert [n["kind"] for n in notes] == ["cluster_expiring", "cluster_expiring"]
    read = await api("POST", f"notifications/{notes[0]['id']}/read")
    assert read.code == 200 and read.json["read"] is True
    unread = (await api("GET", "notifications", params={"unread": "true"})).json["notifications"]
    assert [n["id"] for n in unread] == [notes[1]["id"]]


@pytest.mark.atmo(mail_sender="")
async def test_no_mail_without_a_sender_but_notifications_are_recorded(api, aws, core):
    cluster = await launch(api, lifetime_hours=2)
    send_expiry_warnings(core, dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=90))
    assert deliver_pending(core) == 0
    assert sent_mail() == []
    with core.store.reader() as session:
        assert session.scalar(select(Notification.object_id)) == cluster["id"]


@pytest.mark.atmo(multi_user=True)
async def test_notifications_belong_to_their_owner(api, aws, core):
    cluster = await launch(api, lifetime_hours=2)
    send_expiry_warnings(core, dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=90))
    note = (await api("GET", "notifications", user="alice")).json["notifications"][0]
    assert (await api("GET", "notifications", user="bob")).json["notifications"] == []
    assert (await api("POST", f"notifications/{note['id']}/read", user="bob")).code == 404
    assert cluster["owner"] == "alice"


async def test_tick_runs_every_periodic_task(api, aws, core):
    cluster = await launch(api, lifetime_hours=2)
    set_fields(core, cluster["id"], expires_at=dt.datetime.now(dt.timezone.utc))
    reports = dict(run_periodic_once(core))
    assert reports["terminate_expired_clusters"] == {"terminated": [cluster["identifier"]]}
    assert reports["send_expiry_warnings"] == {"warned": []}  # already terminated
    assert reports["sync_emr"]["list_clusters_pages"] == 1
    assert reports["send_notifications"] == {"mailed": 1}


def throttle(client, times):
    """Answer the next `times` ListClusters calls with ThrottlingException (HTTP 400)."""
    remaining = [times]

    def maybe_throttle(request, **_):
        target = request.headers.get("X-Amz-Target", b"").decode()
        if target.endswith("ListClusters") and remaining[0] > 0:
            remaining[0] -= 1
            body = b'{"__type": "ThrottlingException", "message": "Rate exceeded"}'
            return AWSResponse(request.url, 400, {"x-amzn-ErrorType": "ThrottlingException"},
                               _RawBody(body))  # fmt: skip
        return None

    client.meta.events.register_first("before-send.emr.ListClusters", maybe_throttle)
    return remaining


class _RawBody:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_):
        yield self.data


async def test_throttling_is_retried_by_boto3(api, aws, core):
    await launch(api)
    left = throttle(core.aws.emr, 2)
    assert sync_all(core).list_pages == 1
    assert left == [0]


async def test_throttling_beyond_boto3_retries_is_retried_by_the_task_with_backoff(api, aws, core):
    cluster = await launch(api)
    aws.client("emr").terminate_job_flows(JobFlowIds=[cluster["jobflow_id"]])
    left = throttle(core.aws.emr, 5)  # boto3 makes 4 attempts; the task's retry succeeds
    worker = core.worker
    worker.start(workers=2, periodic=False)
    try:
        worker.enqueue("sync_emr:retry", 0)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            status = (await api("GET", f"clusters/{cluster['id']}")).json["status"]
            if status == "TERMINATED":
                break
            await asyncio.sleep(0.2)
    finally:
        worker.stop()
    assert left == [0]
    assert status == "TERMINATED"
