"""When a run's time limit starts, and ids that are never handed out twice — on both stores,
and on a SQLite store created by a version without AUTOINCREMENT."""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

import pytest
from sqlalchemy import MetaData, create_engine, insert, inspect

from atmo_lab import emr
from atmo_lab.core import Core
from atmo_lab.db import Base
from atmo_lab.jobs import service
from atmo_lab.jobs.models import Job, JobRun
from atmo_lab.jobs.outcomes import finish_run
from atmo_lab.notifications.models import Notification
from atmo_lab.ssh_keys import service as keys
from atmo_lab.store import Store

from .support import public_key
from .test_jobs_support import job_body

BOTH_STORES = True
UTC = dt.timezone.utc
MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)


def now() -> dt.datetime:
    return dt.datetime.now(UTC)


@pytest.fixture
def core(standalone_core: Core) -> Core:
    return standalone_core


def edit_run(core: Core, run_id: int, **values: Any) -> None:
    with core.store.session() as session:
        run = session.get(JobRun, run_id)
        for name, value in values.items():
            setattr(run, name, value)


def notes(core: Core, kind: str) -> list[tuple[int, str]]:
    with core.store.reader() as session:
        rows = session.query(Notification).filter(Notification.kind == kind)
        return sorted((n.object_id, n.dedupe_key) for n in rows)


# --- the time limit counts from the start ------------------------------------------------------


def test_an_emr_run_that_starts_late_gets_its_whole_time_limit(core: Core) -> None:
    # Due at once (its start date is 2 h in the past), with a 1 h limit.
    job = service.create_job(
        core, core.caller(),
        job_body(executor="emr", job_timeout_hours=1, start_date=(now() - 2 * HOUR).isoformat()),
    )  # fmt: skip
    [(job_id, occurrence)] = service.claim_due_jobs(core)
    run = service.start_run(core, job_id, occurrence, manual=False)
    assert run is not None and run["scheduled_at"] <= (now() - 2 * HOUR + MINUTE).isoformat()
    assert service.enforce_timeouts(core) == []  # not stopped in the tick that starts it
    recorded = now()
    # EMR created the cluster a minute after the run was recorded; it is not ready yet.
    edit_run(core, run["id"], started_at=recorded + MINUTE)
    assert service.enforce_timeouts(core, recorded + 60 * MINUTE) == []
    assert service.enforce_timeouts(core, recorded + 62 * MINUTE) == [run["id"]]
    [stopped] = service.list_runs(core, core.caller(), job["id"]).items
    assert stopped["status"] == emr.TERMINATED_WITH_ERRORS
    assert notes(core, "run_timed_out") == [(run["id"], f"run_timed_out:{run['id']}")]


def test_an_emr_run_counts_from_when_its_cluster_was_ready(core: Core) -> None:
    job = service.create_job(core, core.caller(), job_body(executor="emr", job_timeout_hours=2))
    run = service.start_run(core, job["id"], now() - 5 * HOUR, manual=True)
    assert run is not None
    t0 = now()
    edit_run(core, run["id"], started_at=t0, ready_at=t0 + 30 * MINUTE)
    assert service.enforce_timeouts(core, t0 + 149 * MINUTE) == []
    assert service.enforce_timeouts(core, t0 + 150 * MINUTE) == [run["id"]]


def test_a_local_run_counts_from_its_process_start(core: Core) -> None:
    job = service.create_job(core, core.caller(), job_body(executor="local", job_timeout_hours=1))
    late = now() - 3 * HOUR
    with core.store.session() as session:  # queued for a worker (none runs in this test)
        run = JobRun(job_id=job["id"], executor="local", status=emr.RUNNING, size=1,
                     emr_release="7.2.0", scheduled_at=late)  # fmt: skip
        session.add(run)
        session.flush()
        run_id = run.id
    queued = now()
    assert service.enforce_timeouts(core, queued + 30 * MINUTE) == []
    started = queued + 2 * HOUR  # the worker was busy for two hours
    edit_run(core, run_id, started_at=started, ready_at=started)
    assert service.enforce_timeouts(core, started + 59 * MINUTE) == []
    assert service.enforce_timeouts(core, started + 60 * MINUTE) == [run_id]


def test_a_run_started_on_time_is_stopped_after_its_limit(core: Core) -> None:
    job = service.create_job(core, core.caller(), job_body(executor="emr", job_timeout_hours=1))
    run = service.start_run(core, job["id"], now(), manual=True)
    assert run is not None
    edit_run(core, run["id"], started_at=now(), ready_at=now())
    assert service.enforce_timeouts(core, now() + 59 * MINUTE) == []
    assert service.enforce_timeouts(core, now() + 61 * MINUTE) == [run["id"]]
    assert service.enforce_timeouts(core, now() + 3 * HOUR) == []


# --- ids are never reused ----------------------------------------------------------------------


def test_tables_referred_to_by_id_never_reuse_ids() -> None:
    Store("sqlite://").create_schema()
    referred = {"jobs", "job_runs", "clusters", "ssh_keys", "notifications"}
    declared = {t.name for t in Base.metadata.sorted_tables if "id" in t.c}
    assert referred == declared
    for name in referred:
        assert Base.metadata.tables[name].dialect_options["sqlite"]["autoincrement"] is True


def _fail(core: Core, run_id: int) -> None:
    assert finish_run(core, run_id, emr.TERMINATED_WITH_ERRORS, "Step failed",
                      notify_kind="run_failed")  # fmt: skip


def test_after_deletes_new_objects_take_new_ids_and_alert_again(core: Core) -> None:
    caller = core.caller()
    first = service.create_job(core, caller, job_body(executor="emr"))
    run = service.start_run(core, first["id"], now(), manual=True)
    assert run is not None
    _fail(core, run["id"])
    service.delete_job(core, caller, first["id"])  # the newest job and run are gone
    key = keys.add_key(core, caller, "laptop", public_key())
    keys.delete_key(core, caller, key["id"])

    second = service.create_job(core, caller, job_body(executor="emr"))
    again = service.start_run(core, second["id"], now(), manual=True)
    assert again is not None
    _fail(core, again["id"])
    other_key = keys.add_key(core, caller, "laptop", public_key())

    assert second["id"] > first["id"] and again["id"] > run["id"]
    assert other_key["id"] > key["id"]
    # every failed run raised its own alert, and the old one still names the deleted run
    assert notes(core, "run_failed") == [
        (run["id"], f"run_failed:{run['id']}"),
        (again["id"], f"run_failed:{again['id']}"),
    ]


# --- upgrading a SQLite store created without AUTOINCREMENT ------------------------------------


def _old_schema(url: str) -> None:
    """The schema as earlier versions created it: the same tables, ids without AUTOINCREMENT."""
    old = MetaData()
    for table in Base.metadata.sorted_tables:
        copy = table.to_metadata(old)
        copy.dialect_options["sqlite"]["autoincrement"] = False
    engine = create_engine(url)
    old.create_all(engine)
    engine.dispose()


def _table_sql(path: str) -> dict[str, str]:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))


def test_an_old_sqlite_store_is_upgraded_on_start(tmp_path: Any) -> None:
    path = str(tmp_path / "old.sqlite")
    url = f"sqlite:///{path}"
    _old_schema(url)
    assert "AUTOINCREMENT" not in _table_sql(path)["job_runs"]
    t0 = now()
    engine = create_engine(url)
    with engine.begin() as conn:
        job = {"owner": "alice", "description": "d", "notebook_name": "a.ipynb",
               "notebook_s3_key": "jobs/a/a.ipynb", "result_visibility": "private", "size": 1,
               "timezone": "UTC", "job_timeout_hours": 1, "start_date": t0, "is_enabled": True,
               "emr_release": "7.2.0", "parameters": {}, "executor": "emr", "created_at": t0,
               "modified_at": t0}  # fmt: skip
        conn.execute(insert(Job), [{**job, "id": 1, "identifier": "a"},
                                   {**job, "id": 2, "identifier": "b"}])  # fmt: skip
        run = {"executor": "emr", "status": "TERMINATED_WITH_ERRORS", "status_reason": "",
               "size": 1, "emr_release": "7.2.0", "is_manual": True, "scheduled_at": t0,
               "alert_sent": False, "created_at": t0, "modified_at": t0}  # fmt: skip
        conn.execute(insert(JobRun), [{**run, "id": 1, "job_id": 1}, {**run, "id": 2, "job_id": 2}])
        # run 3 failed and its job was deleted: only its notification is left
        conn.execute(insert(Notification), [{"owner": "alice", "kind": "run_failed",
                     "subject": "s", "body": "b", "object_type": "run", "object_id": 3,
                     "dedupe_key": "run_failed:3", "read": False, "created_at": t0}])  # fmt: skip
    engine.dispose()

    store = Store(url)
    store.create_schema()
    tables = _table_sql(path)
    for name in ("jobs", "job_runs", "clusters", "ssh_keys", "notifications"):
        assert "AUTOINCREMENT" in tables[name], name
    assert not any(name.startswith("_new_") for name in tables)
    # rows, indexes and foreign keys survive; enforcement is back on
    indexes = {i["name"] for i in inspect(store.engine).get_indexes("job_runs")}
    assert {"ix_job_runs_job_id_id", "ix_job_runs_status"} <= indexes
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    with store.session() as session:
        assert [r.job_id for r in session.query(JobRun).order_by(JobRun.id)] == [1, 2]
        session.delete(session.get(Job, 2))  # ON DELETE CASCADE still reaches the runs
    with store.session() as session:
        assert [r.id for r in session.query(JobRun)] == [1]
        new = JobRun(job_id=1, executor="emr", status="RUNNING", size=1, emr_release="7.2.0",
                     scheduled_at=t0)  # fmt: skip
        session.add(new)
        session.flush()
        assert new.id == 4  # past run 2 (deleted) and run 3 (named by a notification)
    store.dispose()
    # a second start finds nothing to do
    again = Store(url)
    again.create_schema()
    assert _table_sql(path) == tables
    again.dispose()
