"""Lists and single reads give each object through one ``*_to_dict``: a listed object is the
object read or changed, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from atmo_lab.core import Core
from atmo_lab.db import utcnow
from atmo_lab.emr_clusters import service as clusters
from atmo_lab.emr_clusters.models import Cluster
from atmo_lab.errors import ValidationFailed
from atmo_lab.jobs import service as jobs
from atmo_lab.jobs.models import JobRun
from atmo_lab.notifications import service as notifications
from atmo_lab.notifications.service import notify
from atmo_lab.ssh_keys import service as keys

from .support import public_key
from .test_jobs_support import job_body
from .test_widgets_support import make_core

BOTH_STORES = True
UTC = dt.timezone.utc


@pytest.fixture
def core(aws: Any, atmo_config: dict[str, Any]) -> Iterator[Core]:
    core = make_core(atmo_config)
    yield core
    core.close()


def add_run(core: Core, job_id: int, status: str, **values: Any) -> int:
    with core.store.session() as session:
        run = JobRun(job_id=job_id, executor="emr", status=status, size=1, emr_release="7.5.0",
                     scheduled_at=dt.datetime(2026, 3, 1, 9, tzinfo=UTC), **values)  # fmt: skip
        session.add(run)
        session.flush()
        return run.id


def test_a_cluster_listed_is_the_cluster_read_and_launched(core: Core) -> None:
    caller = core.caller()
    key = keys.add_key(core, caller, "laptop", public_key())
    body = {"size": 2, "lifetime_hours": 4, "ssh_key_id": key["id"]}
    launched = clusters.launch_cluster(core, caller, body)
    extended = clusters.extend_cluster(core, caller, launched["id"], {"hours": 2})
    [listed] = clusters.list_clusters(core, caller).items
    assert listed == clusters.get_cluster(core, caller, launched["id"]) == extended
    assert listed["is_active"] is True and listed["is_expiring_soon"] is False
    assert listed["expires_at"] == dt.datetime.fromisoformat(extended["expires_at"]).isoformat()
    terminated = clusters.terminate_cluster(core, caller, launched["id"])
    [gone] = clusters.list_clusters(core, caller, status="all").items
    assert gone == terminated == clusters.get_cluster(core, caller, launched["id"])
    assert gone["is_active"] is False and gone["finished_at"] is not None


def test_a_cluster_about_to_expire_is_listed_as_expiring_soon(core: Core) -> None:
    caller = core.caller()
    key = keys.add_key(core, caller, "laptop", public_key())
    body = {"size": 1, "lifetime_hours": 2, "ssh_key_id": key["id"]}
    launched = clusters.launch_cluster(core, caller, body)
    with core.store.session() as session:  # 59 minutes left: inside the one-hour warning window
        cluster = session.get(Cluster, launched["id"])
        cluster.expires_at = utcnow() + dt.timedelta(minutes=59)
    [listed] = clusters.list_clusters(core, caller).items
    assert listed["is_expiring_soon"] is True
    assert listed == clusters.get_cluster(core, caller, launched["id"])


def test_a_notification_listed_is_the_notification_marked_read(core: Core) -> None:
    caller = core.caller()
    with core.store.session() as session:
        notify(session, owner=caller.username, kind="run_failed", subject="Job x: a run failed",
               body="Failing cell 2: ValueError: \u00e9 \"quoted\"\n", object_type="run",
               object_id=7, dedupe_key="run_failed:7")  # fmt: skip
    [unread] = notifications.list_notifications(core, caller, unread=True).items
    assert unread["read"] is False and unread["object"] == {"type": "run", "id": 7}
    read = notifications.mark_read(core, caller, unread["id"])
    [listed] = notifications.list_notifications(core, caller).items
    assert listed == read == {**unread, "read": True}
    assert notifications.list_notifications(core, caller, unread=True).items == []


def test_a_page_is_sent_as_its_items(core: Core) -> None:
    caller = core.caller()
    for i in range(3):
        jobs.create_job(core, caller, job_body(identifier=f"job-{i}", description=f'é {i} \\ "✓"'))
    page = jobs.list_jobs(core, caller, limit=2)
    sent = json.loads(page.to_json("jobs"))
    assert sent == {"jobs": page.items, "next_cursor": page.next_cursor, "total": 3}
    assert [j["description"] for j in sent["jobs"]] == ['é 2 \\ "✓"', 'é 1 \\ "✓"']
    last = json.loads(jobs.list_jobs(core, caller, cursor=page.next_cursor).to_json("jobs"))
    assert [j["identifier"] for j in last["jobs"]] == ["job-0"] and last["next_cursor"] is None
    assert "total" not in last  # only the first page is counted


def test_a_job_listed_is_the_job_read_with_its_latest_run(core: Core) -> None:
    caller = core.caller()
    created = jobs.create_job(core, caller, job_body(parameters={"n": 3}))
    [listed] = jobs.list_jobs(core, caller).items
    assert listed == created == jobs.get_job(core, caller, created["id"])
    assert listed["latest_run"] is None and listed["parameters"] == {"n": 3}

    started = dt.datetime(2026, 3, 1, 9, 0, 1, 250000, tzinfo=UTC)
    ran = add_run(core, created["id"], "TERMINATED_WITH_ERRORS", started_at=started,
                  finished_at=started + dt.timedelta(minutes=2), jobflow_id="j-1",
                  error={"cell_index": 2, "ename": "ValueError", "evalue": "x"})  # fmt: skip
    add_run(core, created["id"], "MISSED")  # a newer occurrence that never ran is not "latest"
    [listed] = jobs.list_jobs(core, caller).items
    assert listed == jobs.get_job(core, caller, created["id"])
    latest = listed["latest_run"]
    assert latest == jobs.get_run(core, caller, ran)
    assert latest["id"] == ran and latest["duration_seconds"] == 120.0
    assert latest["started_at"] == "2026-03-01T09:00:01.250000+00:00"
    assert latest["error"] == {"cell_index": 2, "ename": "ValueError", "evalue": "x"}
    runs = jobs.list_runs(core, caller, created["id"]).items
    assert [r["status"] for r in runs] == ["MISSED", "TERMINATED_WITH_ERRORS"]
    assert runs == [jobs.get_run(core, caller, r["id"]) for r in runs]
    assert runs[0]["is_active"] is False and runs[0]["duration_seconds"] is None


@pytest.mark.atmo(multi_user=True, maintainers=["mia"])
def test_pages_of_one_owner_or_everyone(core: Core) -> None:
    caller = core.caller("alice")
    ids = [jobs.create_job(core, caller, job_body(identifier=f"job-{i}"))["id"] for i in range(5)]
    other = core.caller("bob")
    jobs.create_job(core, other, job_body(identifier="bobs"))
    seen, cursor = [], None
    while True:
        page = jobs.list_jobs(core, caller, limit=2, cursor=cursor)
        seen += [j["id"] for j in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == list(reversed(ids))  # bob's job is not among them
    assert [j["identifier"] for j in jobs.list_jobs(core, other).items] == ["bobs"]
    assert [j["identifier"] for j in jobs.list_jobs(core, other, owner="all").items] == ["bobs"]
    everyone = jobs.list_jobs(core, core.caller("mia"), owner="all").items
    assert len(everyone) == 6 and {j["owner"] for j in everyone} == {"alice", "bob"}
    last = jobs.list_jobs(core, caller, limit=5)
    assert last.next_cursor is None and len(last.items) == 5  # exactly a page: no empty next page


@pytest.mark.parametrize(
    "text", ["null", "{}", '{"n": 3, "who": "x"}', '{"é": ["\\u0000", 1.5, null]}', "[]", '"s"']
)
def test_json_columns_read_back_as_json_loads_reads_them(core: Core, text: str) -> None:
    created = jobs.create_job(core, core.caller(), job_body())
    run_id = add_run(core, created["id"], "FAILED", error=json.loads(text))
    read = []
    for _ in range(2):
        with core.store.reader() as session:
            read.append(session.get(JobRun, run_id).error)
    value = read[0]
    assert value == json.loads(text) and type(value) is type(json.loads(text))
    [listed] = jobs.list_runs(core, core.caller(), created["id"]).items
    assert listed["error"] == value
    if isinstance(value, dict | list):
        assert read[0] is not read[1]  # a fresh object each time: rows may change it


def assert_a_failed_write_leaves_nothing(core: Core) -> None:
    caller = core.caller()
    with pytest.raises(RuntimeError), core.store.session() as session:
        notify(session, owner=caller.username, kind="cluster_expiring", subject="s", body="b",
               object_type="cluster", object_id=1, dedupe_key="k")  # fmt: skip
        session.flush()
        raise RuntimeError("the request failed after writing")
    assert notifications.list_notifications(core, caller).items == []


@pytest.mark.parametrize(
    "listing", [clusters.list_clusters, jobs.list_jobs, notifications.list_notifications]
)
def test_every_list_takes_the_same_page_sizes(core: Core, listing: Any) -> None:
    caller = core.caller()
    for bad in (0, "0", -1, 1001, "x", 2.5):
        with pytest.raises(ValidationFailed) as refused:
            listing(core, caller, limit=bad)
        assert list(refused.value.errors) == ["limit"], bad
    for good in (None, "", 1, "1000"):
        assert listing(core, caller, limit=good).items == []


def test_a_list_read_leaves_its_connection_as_it_found_it(core: Core) -> None:
    clusters.list_clusters(core, core.caller(), status="all")
    assert_a_failed_write_leaves_nothing(core)


def postgres_only(core: Core) -> None:
    if core.store.is_sqlite:
        pytest.skip("PostgreSQL: SQLite has no server to drop connections")


def test_a_list_reads_on_after_the_server_dropped_its_connections(core: Core) -> None:
    postgres_only(core)
    caller = core.caller()
    created = jobs.create_job(core, caller, job_body())
    assert [j["id"] for j in jobs.list_jobs(core, caller).items] == [created["id"]]
    drop_connections(core)
    assert [j["id"] for j in jobs.list_jobs(core, caller).items] == [created["id"]]
    drop_connections(core)
    assert jobs.get_job(core, caller, created["id"])["id"] == created["id"]
    assert_a_failed_write_leaves_nothing(core)
    assert core.store.engine.pool.checkedout() == 0


def postgres_url(core: Core) -> str:
    return core.store.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def drop_connections(core: Core) -> None:
    """Close every connection of the store's database from the server's side."""
    with psycopg.connect(postgres_url(core), autocommit=True) as conn:
        dropped = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    assert dropped and all(ok for (ok,) in dropped)
