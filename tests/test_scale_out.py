"""Scale-out: a Redis queue, the store on PostgreSQL and several `atmo-lab worker` processes."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from traitlets.config import Config

from atmo_lab.core import Core
from atmo_lab.emr_clusters.models import Cluster
from atmo_lab.notifications.models import Notification
from atmo_lab.settings import settings_from_config
from atmo_lab.worker.runtime import Worker

from .scale_out import flush_redis, redis_url, wait_for, workers
from .support import NO_POSTGRES

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


@pytest.fixture
def db_url(request, tmp_path):
    """These tests are about the shared deployment: PostgreSQL only."""
    from .conftest import _postgres_database, _postgres_url

    base = _postgres_url()
    if not base:
        pytest.skip(NO_POSTGRES)
    yield from _postgres_database(base)


@pytest.fixture
def shared_config(atmo_config):
    url = redis_url()
    flush_redis(url)
    yield atmo_config | {"queue_url": url, "embedded_worker": False}
    flush_redis(url)


def make_core(config) -> Core:
    core = Core(settings_from_config(Config({"AtmoLabApp": config})))
    core.store.create_schema()
    return core


def test_redis_queue_runs_tasks_in_an_embedded_consumer(aws, shared_config):
    core = make_core(shared_config)
    worker = Worker(core)
    assert type(worker.huey).__name__ == "PriorityRedisHuey"
    worker.start(workers=1, periodic=False)
    try:
        result = worker.enqueue("send_notifications:retry", 0)
        assert result.get(blocking=True, timeout=20) == {"mailed": 0}
    finally:
        worker.stop()
        core.close()


def test_two_worker_processes_terminate_an_expired_cluster_once(aws, shared_config, tmp_path):
    core = make_core(shared_config)
    client = aws.client("emr")
    now = dt.datetime.now(dt.timezone.utc)
    with core.store.session() as session:
        for i in range(5):
            jobflow = client.run_job_flow(
                Name=f"c{i}", Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1,
                                         "KeepJobFlowAliveWhenNoSteps": True},
            )["JobFlowId"]  # fmt: skip
            session.add(Cluster(owner="alice", identifier=f"c{i}", size=1, lifetime_hours=2,
                                emr_release="7.5.0", jobflow_id=jobflow, status="WAITING",
                                expires_at=now - dt.timedelta(minutes=1)))  # fmt: skip
    with workers(shared_config, 2, tmp_path):

        def all_terminated() -> bool:
            with core.store.reader() as session:
                statuses = set(session.scalars(select(Cluster.status)))
            return statuses == {"TERMINATED"}

        assert wait_for(all_terminated, timeout=60), (tmp_path / "worker-0.log").read_text()
    with core.store.reader() as session:
        kinds = session.execute(
            select(Notification.kind, func.count()).group_by(Notification.kind)
        ).all()
    assert kinds == [("cluster_expired", 5)]
    core.close()


def test_two_worker_processes_start_each_of_100_due_jobs_once(aws, shared_config, tmp_path):
    from atmo_lab.jobs.models import Job, JobRun
    from atmo_lab.jobs.service import create_job

    from .test_jobs_support import job_body

    config = shared_config | {"job_executor": "emr"}
    core = make_core(config)
    past = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)).isoformat()
    for i in range(100):
        create_job(core, core.caller(), job_body(f"job-{i:03d}", start_date=past))
    with workers(config, 2, tmp_path):

        def all_started() -> bool:
            with core.store.reader() as session:
                return session.scalar(select(func.count()).select_from(JobRun)) >= 100

        assert wait_for(all_started, timeout=90), (tmp_path / "worker-0.log").read_text()
        wait_for(lambda: False, timeout=3)  # give a duplicate the chance to appear
    with core.store.reader() as session:
        per_job = session.execute(select(JobRun.job_id, func.count()).group_by(JobRun.job_id)).all()
        jobflows = session.scalar(select(func.count(func.distinct(JobRun.jobflow_id))))
        pending = session.scalar(
            select(func.count())
            .select_from(Job)
            .where(Job.next_run_at <= dt.datetime.now(dt.timezone.utc))
        )
    assert len(per_job) == 100 and {count for _, count in per_job} == {1}
    assert jobflows == 100
    assert pending == 0
    assert (
        len(
            aws.client("emr")
            .get_paginator("list_clusters")
            .paginate()
            .build_full_result()["Clusters"]
        )
        == 100
    )
    core.close()
