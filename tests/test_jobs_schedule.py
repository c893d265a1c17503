"""Schedules and the worker's side of jobs: next_run_at arithmetic (interval grids, cron in
DST time zones), exactly-once claims, the start-a-run decision tree, missed runs, expiry,
timeouts and EMR state sync — against the core, a real store and the moto server."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest

from atmo_lab import emr
from atmo_lab.core import Core
from atmo_lab.errors import Conflict, NotFound
from atmo_lab.jobs import service
from atmo_lab.jobs.models import Job, JobRun
from atmo_lab.jobs.schedule import Schedule
from atmo_lab.notifications.models import Notification

from .test_jobs_support import job_body

BOTH_STORES = True
UTC = dt.timezone.utc
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def now() -> dt.datetime:
    return dt.datetime.now(UTC)


@pytest.fixture
def core(standalone_core: Core) -> Core:
    return standalone_core


def create(core: Core, **fields: Any) -> dict[str, Any]:
    return service.create_job(core, core.caller(), job_body(**fields))


def update(core: Core, job_id: int, **fields: Any) -> dict[str, Any]:
    return service.update_job(core, core.caller(), job_id, fields)


def edit_row(core: Core, job_id: int, **values: Any) -> None:
    with core.store.session() as session:
        job = session.get(Job, job_id)
        for name, value in values.items():
            setattr(job, name, value)


def runs_of(core: Core, job_id: int) -> list[dict[str, Any]]:
    return service.list_runs(core, core.caller(), job_id).items


def notifications(core: Core, kind: str) -> list[Notification]:
    with core.store.reader() as session:
        return list(session.query(Notification).filter(Notification.kind == kind))


# --- pure schedule arithmetic ------------------------------------------------------------------


def test_interval_grid_is_anchored_at_the_start_date() -> None:
    start = at(2031, 1, 1, 6, 30)
    daily = Schedule(start, interval_in_hours=24, end_date=at(2031, 1, 4, 6, 30))
    assert daily.first_at_or_after(at(2030, 1, 1)) == start
    assert daily.first_at_or_after(start) == start
    assert daily.first_after(start) == start + DAY
    assert daily.first_after(at(2031, 1, 2, 7)) == at(2031, 1, 3, 6, 30)
    assert daily.first_after(at(2031, 1, 4, 6, 30)) is None  # after the end date
    assert daily.latest_at_or_before(at(2031, 1, 2, 6, 29)) == start
    assert daily.latest_at_or_before(at(2031, 1, 2, 6, 30)) == start + DAY
    assert daily.latest_at_or_before(at(2040, 1, 1)) == at(2031, 1, 4, 6, 30)
    assert daily.latest_at_or_before(at(2030, 12, 31)) is None
    monthly = Schedule(start, interval_in_hours=720)  # 30 days, not calendar months
    assert monthly.first_after(start) == at(2031, 1, 31, 6, 30)


def test_cron_in_a_time_zone_follows_dst() -> None:
    def upcoming(schedule: Schedule, after: dt.datetime, n: int) -> list[dt.datetime]:
        found = []
        for _ in range(n):
            nxt = schedule.first_after(after)
            assert nxt is not None
            found.append(nxt)
            after = nxt
        return found

    ny, start = "America/New_York", at(2026, 1, 1)
    # 09:00 local is 14:00Z in winter and 13:00Z from 8 March 2026 (EDT)
    nine = Schedule(start, cron="0 9 * * *", timezone=ny)
    assert upcoming(nine, at(2026, 3, 6), 3) == [at(2026, 3, 6, 14), at(2026, 3, 7, 14),
                                                 at(2026, 3, 8, 13)]  # fmt: skip
    # 02:30 does not exist on 8 March: it runs at the transition (03:00 EDT = 07:00Z)
    gap = Schedule(start, cron="30 2 * * *", timezone=ny)
    assert upcoming(gap, at(2026, 3, 7), 3) == [at(2026, 3, 7, 7, 30), at(2026, 3, 8, 7),
                                                at(2026, 3, 9, 6, 30)]  # fmt: skip
    # 01:30 happens twice on 1 November: a fixed-time job runs once
    fold = Schedule(start, cron="30 1 * * *", timezone=ny)
    assert upcoming(fold, at(2026, 10, 31), 3) == [at(2026, 10, 31, 5, 30), at(2026, 11, 1, 5, 30),
                                                   at(2026, 11, 2, 6, 30)]  # fmt: skip
    # … a wildcard-hour job runs in both passes of the repeated hour
    half_hourly = Schedule(start, cron="*/30 * * * *", timezone=ny)
    assert upcoming(half_hourly, at(2026, 11, 1, 4, 59), 5) == [
        at(2026, 11, 1, 5), at(2026, 11, 1, 5, 30), at(2026, 11, 1, 6), at(2026, 11, 1, 6, 30),
        at(2026, 11, 1, 7),
    ]  # fmt: skip
    assert fold.latest_at_or_before(at(2026, 11, 1, 6, 45)) == at(2026, 11, 1, 5, 30)
    assert gap.latest_at_or_before(at(2026, 3, 8, 7, 5)) == at(2026, 3, 8, 7)
    berlin = Schedule(at(2026, 3, 27), cron="0 9 * * 1-5", timezone="Europe/Berlin")
    assert upcoming(berlin, at(2026, 3, 27), 2) == [at(2026, 3, 27, 8), at(2026, 3, 30, 7)]
    # a cron job never runs before its start date nor after its end date
    bounded = Schedule(at(2026, 3, 10, 20), end_date=at(2026, 3, 12), cron="0 9 * * *",
                       timezone=ny)  # fmt: skip
    assert bounded.first_after(at(2026, 1, 1)) == at(2026, 3, 11, 13)
    assert bounded.first_after(at(2026, 3, 11, 13)) is None


# --- next_run_at through the service -------------------------------------------------------------


def test_next_run_at_on_create(core: Core) -> None:
    past = now() - 10 * DAY
    job = create(core, start_date=past.isoformat(), interval_in_hours=24)
    assert dt.datetime.fromisoformat(job["next_run_at"]) == past  # due at once
    future = create(core, identifier="later", start_date="2031-05-05T05:05:00Z")
    assert future["next_run_at"] == "2031-05-05T05:05:00+00:00"
    cron = create(core, identifier="cron", schedule="15 7 * * *", timezone="Asia/Tokyo",
                  start_date="2031-05-05T00:00:00Z")  # fmt: skip
    assert cron["next_run_at"] == "2031-05-05T22:15:00+00:00"  # 07:15 JST next day
    ended = create(core, identifier="ended", start_date="2020-01-01T00:00:00Z",
                   end_date="2020-01-01T00:00:00.5Z")  # fmt: skip
    assert ended["next_run_at"] is None  # over before it was created: never runs


def test_claims_follow_the_grid_and_edits_do_not_reanchor(core: Core) -> None:
    start = now() - 10 * DAY - 3 * HOUR
    job = create(core, start_date=start.isoformat(), interval_in_hours=24)
    tick = now()
    assert service.claim_due_jobs(core, tick) == [(job["id"], start + 10 * DAY)]
    after_claim = service.get_job(core, core.caller(), job["id"])
    assert dt.datetime.fromisoformat(after_claim["next_run_at"]) == start + 11 * DAY
    assert service.claim_due_jobs(core, tick) == []  # claimed once
    # nothing before the job existed counts as missed
    assert runs_of(core, job["id"]) == []
    run = service.start_run(core, job["id"], start + 10 * DAY, manual=False)
    assert run is not None and run["is_manual"] is False
    # an edit that does not touch the schedule keeps next_run_at
    edited = update(core, job["id"], description="new words", size=2)
    assert edited["next_run_at"] == after_claim["next_run_at"]
    # changing the interval keeps the grid anchored at start_date, and never makes it due now
    weekly = update(core, job["id"], interval_in_hours=168)
    following = dt.datetime.fromisoformat(weekly["next_run_at"])
    assert (following - start) % dt.timedelta(hours=168) == dt.timedelta(0)
    assert now() <= following < now() + 7 * DAY
    # re-enabling a job that was off for a long time does not fire it at once either
    update(core, job["id"], is_enabled=False)
    assert service.get_job(core, core.caller(), job["id"])["next_run_at"] is None
    back = update(core, job["id"], is_enabled=True)
    assert dt.datetime.fromisoformat(back["next_run_at"]) >= now()
    moved = update(core, job["id"], start_date="2031-01-01T00:00:00Z")
    assert moved["next_run_at"] == "2031-01-01T00:00:00+00:00"


def test_claim_records_occurrences_missed_while_the_worker_was_down(core: Core) -> None:
    start = now() - 5 * DAY - HOUR
    job = create(core, start_date=start.isoformat(), interval_in_hours=24)
    edit_row(core, job["id"], created_at=start, next_run_at=start + 2 * DAY)
    [(job_id, occurrence)] = service.claim_due_jobs(core)
    assert occurrence == start + 5 * DAY
    missed = [r for r in runs_of(core, job_id) if r["status"] == "MISSED"]
    assert [r["scheduled_at"] for r in reversed(missed)] == [
        (start + k * DAY).isoformat() for k in (2, 3, 4)
    ]
    assert not any(r["is_active"] for r in missed)
    assert service.get_job(core, core.caller(), job_id)["latest_run"] is None  # missed aside
    # the worker records an occurrence it could not start, once
    first = service.record_missed(core, job_id, occurrence, "The previous run was still active.")
    again = service.record_missed(core, job_id, occurrence, "again")
    assert first is not None and again is not None and first["id"] == again["id"]
    assert first["status"] == "MISSED" and first["status_reason"].startswith("The previous")
    assert service.record_missed(core, 999, occurrence, "x") is None


def test_claim_skips_disabled_jobs(core: Core) -> None:
    job = create(core, start_date=(now() - DAY).isoformat(), is_enabled=False)
    edit_row(core, job["id"], next_run_at=now() - HOUR)
    assert service.claim_due_jobs(core) == []


def test_claims_are_exactly_once_across_workers(core: Core) -> None:
    past = (now() - DAY).isoformat()
    ids = {create(core, identifier=f"job-{i}", start_date=past)["id"] for i in range(12)}
    barrier = threading.Barrier(3)
    claims: list[list[tuple[int, dt.datetime]]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            claims.append(service.claim_due_jobs(core, now(), limit=100))
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    claimed = [job_id for batch in claims for job_id, _ in batch]
    assert sorted(claimed) == sorted(ids)  # every job once, no job twice
    assert service.claim_due_jobs(core) == []


# --- starting runs -----------------------------------------------------------------------------


def test_never_two_active_runs_even_when_starts_race(core: Core) -> None:
    job = create(core, executor="emr")
    barrier = threading.Barrier(4)
    results: list[Any] = []

    def start() -> None:
        barrier.wait()
        results.append(service.start_run(core, job["id"], now(), manual=False))

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    started = [r for r in results if r is not None]
    assert len(results) == 4 and len(started) == 1
    # a scheduled start records STARTING; the next sync brings EMR's status (one call per run)
    assert started[0]["jobflow_id"] and started[0]["status"] == "STARTING"
    assert len(runs_of(core, job["id"])) == 1
    with pytest.raises(Conflict):
        service.start_run(core, job["id"], now(), manual=True)


def test_start_run_decision_tree(core: Core) -> None:
    job = create(core, executor="emr", start_date="2031-01-01T00:00:00Z",
                 end_date="2031-02-01T00:00:00Z", is_enabled=False)  # fmt: skip
    jid = job["id"]
    inside = at(2031, 1, 10)
    assert service.start_run(core, jid, inside, manual=False) is None  # disabled
    update(core, jid, is_enabled=True)
    assert service.start_run(core, jid, at(2030, 12, 31), manual=False) is None  # not started
    assert service.start_run(core, jid, at(2031, 2, 2), manual=False) is None  # ended
    assert service.start_run(core, 999, inside, manual=False) is None
    with pytest.raises(NotFound):
        service.start_run(core, 999, inside, manual=True)
    run = service.start_run(core, jid, inside, manual=False)
    assert run is not None and run["scheduled_at"] == "2031-01-10T00:00:00+00:00"
    assert service.start_run(core, jid, inside + DAY, manual=False) is None  # still active
    # run-now works on a disabled or expired job (as in ATMO), one active run at a time
    update(core, jid, is_enabled=False)
    with pytest.raises(Conflict):
        service.start_run(core, jid, now(), manual=True)


# --- expiry, timeouts and EMR sync ---------------------------------------------------------------


def test_lapsed_jobs_expire_once(core: Core) -> None:
    job = create(core, start_date="2020-01-01T00:00:00Z", end_date=(now() - HOUR).isoformat())
    open_ended = create(core, identifier="forever", start_date="2020-01-01T00:00:00Z")
    assert service.expire_lapsed_jobs(core) == ["daily-report"]
    assert service.expire_lapsed_jobs(core) == []
    expired = service.get_job(core, core.caller(), job["id"])
    assert expired["expired_date"] is not None and expired["next_run_at"] is None
    assert expired["is_enabled"] is True
    assert service.get_job(core, core.caller(), open_ended["id"])["expired_date"] is None
    [note] = notifications(core, "job_expired")
    assert (note.object_type, note.object_id, note.owner) == ("job", job["id"], "alice")
    assert "daily-report" in note.subject
    # un-expired by a later end date, it can expire again (and is notified again)
    revived = update(core, job["id"], end_date=(now() + DAY).isoformat())
    assert revived["expired_date"] is None and revived["next_run_at"] is not None
    assert service.expire_lapsed_jobs(core, now() + 2 * DAY) == ["daily-report"]
    assert len(notifications(core, "job_expired")) == 2


def test_runs_past_their_timeout_are_stopped(core: Core, aws: Any) -> None:
    job = create(core, executor="emr", job_timeout_hours=1)
    run = service.start_run(core, job["id"], now(), manual=True)
    assert run is not None
    assert service.enforce_timeouts(core, now() + 30 * dt.timedelta(minutes=1)) == []
    assert service.enforce_timeouts(core, now() + 61 * dt.timedelta(minutes=1)) == [run["id"]]
    assert service.enforce_timeouts(core, now() + 2 * HOUR) == []
    [stopped] = runs_of(core, job["id"])
    assert stopped["status"] == "TERMINATED_WITH_ERRORS"
    assert "timed out after 1 h" in stopped["status_reason"]
    cluster = aws.client("emr").describe_cluster(ClusterId=run["jobflow_id"])["Cluster"]
    assert cluster["Status"]["State"] == "TERMINATED"
    [note] = notifications(core, "run_timed_out")
    assert (note.object_type, note.object_id) == ("run", run["id"])
    # a later sync of the terminated cluster keeps the timeout as the reason
    with core.store.session() as session:
        row = session.get(JobRun, run["id"])
        info = emr.ClusterInfo(run["jobflow_id"], "TERMINATED", "USER_REQUEST", "Terminated",
                               None, None, now())  # fmt: skip
        service.apply_run_info(session, row, info)
        assert row.status == "TERMINATED_WITH_ERRORS" and "timed out" in row.status_reason
        assert row.finished_at is not None


def test_apply_run_info_syncs_and_alerts_once(core: Core) -> None:
    job = create(core, executor="emr")
    run = service.start_run(core, job["id"], now(), manual=True)
    assert run is not None
    t0 = now()

    def apply(info: emr.ClusterInfo) -> bool:
        with core.store.session() as session:
            return service.apply_run_info(session, session.get(JobRun, run["id"]), info)

    running = emr.ClusterInfo(run["jobflow_id"], "RUNNING", None, None, t0, t0 + HOUR, None)
    assert apply(running) is True
    assert apply(running) is False
    failed = emr.ClusterInfo(run["jobflow_id"], "TERMINATED_WITH_ERRORS", "STEP_FAILURE",
                             "Step RunNotebook failed", None, None, t0 + 2 * HOUR)  # fmt: skip
    assert apply(failed) is True
    [synced] = runs_of(core, job["id"])
    assert synced["status"] == "TERMINATED_WITH_ERRORS"
    assert synced["status_reason"] == "STEP_FAILURE: Step RunNotebook failed"
    assert synced["duration_seconds"] == pytest.approx(2 * 3600, abs=1)
    assert len(notifications(core, "run_failed")) == 1
    apply(failed)
    assert len(notifications(core, "run_failed")) == 1
    ok_job = create(core, identifier="fine", executor="emr")
    ok_run = service.start_run(core, ok_job["id"], now(), manual=True)
    assert ok_run is not None
    with core.store.session() as session:
        done = emr.ClusterInfo(ok_run["jobflow_id"], "TERMINATED", "ALL_STEPS_COMPLETED",
                               "Steps completed", t0, t0, t0 + HOUR)  # fmt: skip
        service.apply_run_info(session, session.get(JobRun, ok_run["id"]), done)
    assert len(notifications(core, "run_failed")) == 1


def test_a_cluster_launched_for_a_run_stopped_meanwhile_is_terminated(
    core: Core, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = create(core, executor="emr")
    launched: list[str] = []
    original = emr.run_job_flow

    def slow_launch(core_: Core, params: dict[str, Any]) -> str:
        jobflow_id = original(core_, params)
        launched.append(jobflow_id)
        with core.store.session() as session:  # timed out while RunJobFlow was in flight
            run = session.query(JobRun).one()
            run.status, run.status_reason = "TERMINATED_WITH_ERRORS", "Run timed out"
        return jobflow_id

    monkeypatch.setattr(emr, "run_job_flow", slow_launch)
    run = service.start_run(core, job["id"], now(), manual=False)
    assert run is not None and run["status"] == "TERMINATED_WITH_ERRORS"
    assert run["jobflow_id"] == launched[0]
    state = aws.client("emr").describe_cluster(ClusterId=launched[0])["Cluster"]["Status"]
    assert state["State"] == "TERMINATED"
