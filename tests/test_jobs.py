"""Scheduled notebook jobs over REST against the moto server: intake, edits,
deletion, access, results, downloads and the EMR run path."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import urllib.request

import nbformat
import pytest

from atmo_lab.aws import AwsClients
from atmo_lab.jobs import service
from atmo_lab.jobs.models import Job, JobRun

from .test_jobs_support import (
    CODE,
    PRIVATE,
    PUBLIC,
    counts,
    job_body,
    keys,
    notebook,
)

BOTH_STORES = True

JOB_FIELDS = {
    "id", "identifier", "description", "notebook_name", "notebook_s3_key", "result_visibility",
    "size", "interval_in_hours", "schedule", "timezone", "job_timeout_hours", "start_date",
    "end_date", "expired_date", "is_enabled", "emr_release", "parameters", "executor",
    "next_run_at", "latest_run", "owner", "created_at",
}  # fmt: skip
RUN_FIELDS = {
    "id", "status", "status_reason", "jobflow_id", "scheduled_at", "started_at", "ready_at",
    "finished_at", "output_notebook_key", "error",
}  # fmt: skip


def parse(ts: str) -> dt.datetime:
    return dt.datetime.fromisoformat(ts)


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


async def create(api, user=None, **fields):
    r = await api("POST", "jobs", job_body(**fields), user=user)
    assert r.code == 201, r.body
    return r.json


def src(cell) -> str:
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else source


async def download(url: str) -> bytes:
    """GET a presigned URL with a plain HTTP client, as a browser would."""

    def fetch() -> bytes:
        with urllib.request.urlopen(url, timeout=10) as response:
            return bytes(response.read())

    return await asyncio.to_thread(fetch)


def s3_body(aws, bucket, key) -> bytes:
    return aws.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()


# --- intake ----------------------------------------------------------------------------------------


async def test_create_from_json_with_defaults(api, aws, core):
    before = now()
    r = await api("POST", "jobs", job_body())
    assert r.code == 201, r.body
    job = r.json
    assert set(job) >= JOB_FIELDS
    assert job["identifier"] == "daily-report" and job["owner"] == "alice"
    assert job["notebook_name"] == "report.ipynb"
    assert job["notebook_s3_key"] == "jobs/daily-report/report.ipynb"
    assert (job["interval_in_hours"], job["schedule"], job["timezone"]) == (168, None, "UTC")
    assert (job["size"], job["job_timeout_hours"], job["result_visibility"]) == (1, 24, "private")
    assert job["executor"] == "local"  # the installation's job_executor
    assert job["emr_release"] == "7.14.0" and job["parameters"] == {} and job["is_enabled"]
    assert job["latest_run"] is None and job["end_date"] is None and job["expired_date"] is None
    start = parse(job["start_date"])
    assert start.tzinfo is not None and before <= start <= now()
    assert job["next_run_at"] == job["start_date"]  # the first run is due at the start date
    stored = json.loads(s3_body(aws, CODE, job["notebook_s3_key"]))
    assert src(stored["cells"][1]) == "print('hello')"
    head = aws.client("s3").head_object(Bucket=CODE, Key=job["notebook_s3_key"])
    assert head["ContentType"] == "application/x-ipynb+json"
    assert (await api("GET", f"jobs/{job['id']}")).json == job


async def test_create_from_a_path_in_the_jupyter_root(api, aws, jp_root_dir):
    folder = jp_root_dir / "reports"
    folder.mkdir()
    text = json.dumps(notebook("x = 1"), indent=2)
    (folder / "weekly.ipynb").write_text(text)
    body = job_body(notebook_path="reports/weekly.ipynb")
    del body["notebook"], body["notebook_name"]
    r = await api("POST", "jobs", body)
    assert r.code == 201, r.body
    assert r.json["notebook_name"] == "weekly.ipynb"
    assert s3_body(aws, CODE, "jobs/daily-report/weekly.ipynb") == text.encode()


V3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": []}]}
BAD_PATHS = [
    ("missing.ipynb", "notebook_path"),
    ("../outside.ipynb", "notebook_path"),
    ("/etc/passwd", "notebook_path"),
    ("reports", "notebook_path"),
    ("script.py", "notebook_path"),
    ("broken.ipynb", "notebook"),
    ("old.ipynb", "notebook"),
    (5, "notebook_path"),
    ("", "notebook"),
]


async def test_bad_notebook_paths_store_nothing(api, aws, core, jp_root_dir):
    (jp_root_dir / "reports").mkdir()
    (jp_root_dir / "script.py").write_text("print(1)")
    (jp_root_dir / "broken.ipynb").write_text("{not json")
    (jp_root_dir / "old.ipynb").write_text(json.dumps(V3))
    (jp_root_dir.parent / "outside.ipynb").write_text(json.dumps(notebook("1")))
    for path, field in BAD_PATHS:
        body = job_body(notebook_path=path)
        del body["notebook"], body["notebook_name"]
        r = await api("POST", "jobs", body)
        assert r.code == 400, (path, r.body)
        assert field in r.json["errors"], (path, r.json)
    r = await api("POST", "jobs", job_body(notebook_path="broken.ipynb"))  # and a notebook
    assert r.code == 400 and "notebook" in r.json["errors"]
    assert counts(core) == (0, 0)
    assert keys(aws, CODE) == []


BAD_FIELDS = [
        ({"identifier": None}, "identifier"), ({"identifier": "Bad_Name"}, "identifier"),
        ({"identifier": "a" * 101}, "identifier"), ({"identifier": "../x"}, "identifier"),
        ({"description": None}, "description"), ({"description": "  "}, "description"),
        ({"notebook": None}, "notebook"), ({"notebook": "not json"}, "notebook"),
        ({"notebook": {"a": 1}}, "notebook"), ({"notebook": V3}, "notebook"),
        ({"notebook": [1, 2]}, "notebook"),
        ({"notebook": {"nbformat": 4, "nbformat_minor": 5, "metadata": {}}}, "notebook"),
        ({"notebook_name": None}, "notebook_name"), ({"notebook_name": "r.py"}, "notebook_name"),
        ({"notebook_name": "a/b.ipynb"}, "notebook_name"),
        ({"notebook_name": ".ipynb"}, "notebook_name"),
        ({"interval_in_hours": 12}, "interval_in_hours"),
        ({"interval_in_hours": "24"}, "interval_in_hours"),
        ({"interval_in_hours": True}, "interval_in_hours"),
        ({"interval_in_hours": 24, "schedule": "0 9 * * *"}, "schedule"),
        ({"schedule": "* * *"}, "schedule"), ({"schedule": "61 * * * *"}, "schedule"),
        ({"schedule": "0 0 31 2 *"}, "schedule"), ({"schedule": 5}, "schedule"),
        ({"schedule": "0 9 * * *", "timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": 3}, "timezone"),
        ({"job_timeout_hours": 0}, "job_timeout_hours"),
        ({"job_timeout_hours": 25}, "job_timeout_hours"),
        ({"job_timeout_hours": "2"}, "job_timeout_hours"),
        ({"size": 0}, "size"), ({"size": 31}, "size"), ({"size": 2.5}, "size"),
        ({"result_visibility": "secret"}, "result_visibility"),
        ({"emr_release": "1.0.0"}, "emr_release"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"start_date": "2030-01-02T00:00:00Z", "end_date": "2030-01-01T00:00:00Z"}, "end_date"),
        ({"end_date": "2020-01-01T00:00:00Z"}, "end_date"),
        ({"parameters": [1, 2]}, "parameters"), ({"parameters": {"1x": 1}}, "parameters"),
        ({"parameters": {"class": 1}}, "parameters"),
        ({"parameters": {"scheduled_at": "x"}}, "parameters"),
        ({"executor": "k8s"}, "executor"), ({"is_enabled": "yes"}, "is_enabled"),
]  # fmt: skip


async def test_validation_stores_nothing(api, aws, core):
    for fields, field in BAD_FIELDS:
        r = await api("POST", "jobs", job_body(**fields))
        assert r.code == 400, (fields, r.body)
        assert field in r.json["errors"], (fields, r.json)
        assert r.json["message"]
    assert counts(core) == (0, 0)
    assert keys(aws, CODE) == []


async def test_several_bad_fields_are_named_together(api):
    r = await api("POST", "jobs", job_body(identifier="X", size=0, notebook="nope"))
    assert r.code == 400
    assert {"identifier", "size", "notebook"} <= set(r.json["errors"])


async def test_body_must_be_an_object(api):
    r = await api("POST", "jobs", raw_body="[1]")
    assert r.code == 400 and "body" in r.json["errors"]
    r = await api("POST", "jobs", raw_body="{nope")
    assert r.code == 400 and "body" in r.json["errors"]


@pytest.mark.atmo(max_notebook_bytes=3000)
async def test_notebook_over_the_limit_is_413(api, aws, core, jp_root_dir):
    big = notebook("x = '" + "a" * 5000 + "'")
    r = await api("POST", "jobs", job_body(notebook=big))
    assert r.code == 413, r.body
    assert "notebook" in r.json["errors"]
    (jp_root_dir / "big.ipynb").write_text(json.dumps(big))
    body = job_body(notebook_path="big.ipynb")
    del body["notebook"], body["notebook_name"]
    assert (await api("POST", "jobs", body)).code == 413
    assert counts(core) == (0, 0) and keys(aws, CODE) == []
    assert (await api("POST", "jobs", job_body())).code == 201  # a small one fits


async def test_identifier_taken_is_409_and_availability(api, aws):
    r = await api("GET", "jobs/identifier-available", params={"identifier": "daily-report"})
    assert r.json == {"identifier": "daily-report", "valid": True, "available": True}
    await create(api)
    r = await api("POST", "jobs", job_body(notebook_name="other.ipynb"))
    assert r.code == 409 and "identifier" in r.json["errors"]
    assert keys(aws, CODE) == ["jobs/daily-report/report.ipynb"]
    r = await api("GET", "jobs/identifier-available", params={"identifier": "daily-report"})
    assert r.json == {"identifier": "daily-report", "valid": True, "available": False}
    r = await api("GET", "jobs/identifier-available", params={"identifier": "Bad!"})
    assert r.json == {"identifier": "Bad!", "valid": False, "available": False}
    r = await api("GET", "jobs/identifier-available")
    assert r.code == 200 and r.json == {"identifier": "", "valid": False, "available": False}


async def test_taken_identifier_keeps_the_other_jobs_notebook(api, aws, core):
    """A taken identifier is found before anything is sent."""
    await create(api)
    puts: list[str] = []
    core.aws.s3.meta.events.register(
        "before-send.s3.PutObject", lambda request, **_: puts.append(request.url)
    )
    r = await api("POST", "jobs", job_body(notebook_name="other.ipynb"))
    assert r.code == 409 and "identifier" in r.json["errors"]
    assert keys(aws, CODE) == ["jobs/daily-report/report.ipynb"]
    assert puts == []
    bad = job_body(notebook_name="other.ipynb", notebook={"cells": []})
    r = await api("POST", "jobs", bad)  # a 400 comes before the 409
    assert r.code == 400 and "notebook" in r.json["errors"], r.body
    assert keys(aws, CODE) == ["jobs/daily-report/report.ipynb"] and counts(core) == (1, 0)


async def test_concurrent_creates_leave_one_job_and_one_object(api, aws, core):
    bodies = [
        job_body(notebook=notebook(f"print({i})"), notebook_name=f"n{i}.ipynb") for i in range(4)
    ]
    replies = await asyncio.gather(*(api("POST", "jobs", body) for body in bodies))
    codes = sorted(r.code for r in replies)
    assert codes == [201, 409, 409, 409], [r.body for r in replies]
    winner = next(r.json for r in replies if r.code == 201)
    assert counts(core) == (1, 0)
    assert keys(aws, CODE) == [winner["notebook_s3_key"]]
    stored = json.loads(s3_body(aws, CODE, winner["notebook_s3_key"]))
    assert src(stored["cells"][1]) == f"print({winner['notebook_name'][1]})"


async def test_s3_failure_is_502_and_stores_nothing(api, aws, core, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9")
    monkeypatch.setattr(core, "aws", AwsClients(core.settings.region, {"total_max_attempts": 1}))
    r = await api("POST", "jobs", job_body())
    assert r.code == 502, r.body
    assert "PutObject" in r.json["message"]
    assert counts(core) == (0, 0)
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3")
    assert keys(aws, CODE) == []


async def test_leftover_notebook_of_a_crashed_request(api, aws, core, monkeypatch):
    s3 = aws.client("s3")
    s3.put_object(Bucket=CODE, Key="jobs/daily-report/report.ipynb", Body=b"stale")
    r = await api("POST", "jobs", job_body())
    assert r.code == 409 and "identifier" in r.json["errors"]  # maybe a request in flight
    assert s3_body(aws, CODE, "jobs/daily-report/report.ipynb") == b"stale"
    monkeypatch.setattr(service, "ORPHAN_NOTEBOOK_SECONDS", -1)  # now old enough
    r = await api("POST", "jobs", job_body())
    assert r.code == 201
    assert json.loads(s3_body(aws, CODE, "jobs/daily-report/report.ipynb"))["nbformat"] == 4


async def test_cron_schedule_with_a_time_zone(api):
    job = await create(api, schedule="0 9 * * *", timezone="America/New_York",
                       start_date="2031-03-07T12:00:00Z")  # fmt: skip
    assert job["interval_in_hours"] is None and job["schedule"] == "0 9 * * *"
    assert job["timezone"] == "America/New_York"
    assert parse(job["next_run_at"]) == dt.datetime(2031, 3, 7, 14, tzinfo=dt.timezone.utc)


async def test_interval_job_with_a_future_start(api):
    job = await create(api, interval_in_hours=24, start_date="2031-01-01T06:30:00+02:00",
                       end_date="2031-02-01T00:00:00Z", parameters={"n": 3, "who": "x"},
                       result_visibility="public", size=3, job_timeout_hours=2,
                       executor="emr", is_enabled=True)  # fmt: skip
    assert job["start_date"] == "2031-01-01T04:30:00+00:00"
    assert job["next_run_at"] == job["start_date"]
    assert job["end_date"] == "2031-02-01T00:00:00+00:00"
    assert job["parameters"] == {"n": 3, "who": "x"} and job["executor"] == "emr"
    assert (job["result_visibility"], job["size"], job["job_timeout_hours"]) == ("public", 3, 2)


async def test_disabled_job_has_no_next_run(api):
    job = await create(api, is_enabled=False)
    assert job["next_run_at"] is None
    r = await api("PATCH", f"jobs/{job['id']}", {"is_enabled": True})
    assert r.json["next_run_at"] == job["start_date"]  # never ran: the first run is due


# --- list and read ---------------------------------------------------------------------------------


async def test_list_pages_and_latest_run(api, core):
    ids = [(await create(api, identifier=f"job-{i}"))["id"] for i in range(5)]
    with core.store.session() as session:
        session.add(JobRun(job_id=ids[1], executor="local", status="TERMINATED", size=1,
                           emr_release="7.5.0", scheduled_at=now()))  # fmt: skip
    seen, cursor = [], None
    while True:
        params = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
        page = (await api("GET", "jobs", params=params)).json
        assert page.get("total") == (None if cursor else 5)  # the first page counts them all
        seen += page["jobs"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [j["id"] for j in seen] == list(reversed(ids))
    with_run = next(j for j in seen if j["id"] == ids[1])
    assert with_run["latest_run"]["status"] == "TERMINATED"
    assert set(with_run["latest_run"]) >= RUN_FIELDS
    assert (await api("GET", "jobs", params={"limit": "0"})).code == 400
    assert (await api("GET", "jobs/999")).code == 404
    assert (await api("GET", "jobs/abc")).code == 404


@pytest.mark.atmo(multi_user=True, maintainers=["mia"])
async def test_owners_maintainers_and_others(api, aws):
    job = await create(api, user="alice")
    await create(api, user="bob", identifier="bobs-job")
    jid = job["id"]
    for method, path, body in [
        ("GET", f"jobs/{jid}", None), ("PATCH", f"jobs/{jid}", {"description": "x"}),
        ("DELETE", f"jobs/{jid}", None), ("POST", f"jobs/{jid}/run", None),
        ("GET", f"jobs/{jid}/runs", None), ("GET", f"jobs/{jid}/notebook", None),
        ("GET", f"jobs/{jid}/results", None),
    ]:  # fmt: skip
        r = await api(method, path, body, user="bob")
        assert r.code == 404, (method, path, r.body)
        assert "daily-report" not in r.body.decode()
    assert [j["owner"] for j in (await api("GET", "jobs", user="bob")).json["jobs"]] == ["bob"]
    own_only = await api("GET", "jobs", user="bob", params={"owner": "all"})
    assert [j["owner"] for j in own_only.json["jobs"]] == ["bob"]
    # a maintainer reads and runs anyone's job, but can't change or delete it
    everyone = await api("GET", "jobs", user="mia", params={"owner": "all"})
    assert {j["owner"] for j in everyone.json["jobs"]} == {"alice", "bob"}
    assert (await api("GET", f"jobs/{jid}", user="mia")).code == 200
    assert (await api("GET", f"jobs/{jid}/notebook", user="mia")).code == 200
    assert (await api("GET", f"jobs/{jid}/results", user="mia")).code == 200
    assert (await api("PATCH", f"jobs/{jid}", {"description": "x"}, user="mia")).code == 404
    assert (await api("DELETE", f"jobs/{jid}", user="mia")).code == 404
    r = await api("POST", f"jobs/{jid}/run", user="mia")
    assert r.code == 202, r.body
    assert (await api("GET", f"runs/{r.json['id']}", user="alice")).json["job_id"] == jid
    assert (await api("GET", f"runs/{r.json['id']}", user="bob")).code == 404
    assert (await api("GET", f"jobs/{jid}", user="alice")).json["description"] == "Counts things"


async def test_unauthenticated_requests_are_403(api, aws, core):
    r = await api("POST", "jobs", job_body(), headers={"Authorization": ""})
    assert r.code == 403
    assert (await api("GET", "jobs", headers={"Authorization": ""})).code == 403
    assert counts(core) == (0, 0) and keys(aws, CODE) == []


# --- edit ------------------------------------------------------------------------------------------


async def test_patch_fields_and_rules(api, aws):
    job = await create(api, start_date="2031-01-01T00:00:00Z")
    jid = job["id"]
    r = await api("PATCH", f"jobs/{jid}", {"description": "New", "size": 4,
                                           "identifier": "daily-report"})  # fmt: skip
    assert r.code == 200, r.body
    assert (r.json["description"], r.json["size"]) == ("New", 4)
    r = await api("PATCH", f"jobs/{jid}", {"identifier": "renamed"})
    assert r.code == 400 and "identifier" in r.json["errors"]
    r = await api("PATCH", f"jobs/{jid}", {"start_date": "2020-01-01T00:00:00Z"})
    assert r.code == 400 and "start_date" in r.json["errors"]
    r = await api("PATCH", f"jobs/{jid}", {"end_date": "2030-06-01T00:00:00Z"})
    assert r.code == 400 and "end_date" in r.json["errors"]  # before the start date
    r = await api("PATCH", f"jobs/{jid}", {"interval_in_hours": 24, "schedule": "0 9 * * *"})
    assert r.code == 400 and {"interval_in_hours", "schedule"} <= set(r.json["errors"])
    r = await api("PATCH", f"jobs/{jid}", {"schedule": "0 9 * * 1", "timezone": "Europe/Berlin"})
    assert (r.json["schedule"], r.json["interval_in_hours"]) == ("0 9 * * 1", None)
    assert r.json["next_run_at"] == "2031-01-06T08:00:00+00:00"  # Monday 09:00 CET
    r = await api("PATCH", f"jobs/{jid}", {"interval_in_hours": 720})
    assert (r.json["schedule"], r.json["interval_in_hours"]) == (None, 720)
    assert r.json["next_run_at"] == "2031-01-01T00:00:00+00:00"
    r = await api("PATCH", f"jobs/{jid}", {"parameters": "x", "size": 0})
    assert r.code == 400 and {"parameters", "size"} <= set(r.json["errors"])
    after = (await api("GET", f"jobs/{jid}")).json
    assert (after["size"], after["parameters"]) == (4, {})
    assert keys(aws, CODE) == ["jobs/daily-report/report.ipynb"]


async def test_patch_keeps_a_past_start_date_it_does_not_move(api):
    job = await create(api, start_date="2020-01-01T00:00:00Z")
    r = await api("PATCH", f"jobs/{job['id']}",
                  {"start_date": "2020-01-01T00:00:00Z", "description": "same start"})  # fmt: skip
    assert r.code == 200, r.body


async def test_patch_replaces_the_notebook(api, aws, jp_root_dir):
    job = await create(api)
    jid = job["id"]
    r = await api("PATCH", f"jobs/{jid}", {"notebook": notebook("print('v2')")})
    assert r.code == 200 and r.json["notebook_name"] == "report.ipynb"
    assert "v2" in s3_body(aws, CODE, "jobs/daily-report/report.ipynb").decode()
    r = await api("PATCH", f"jobs/{jid}", {"notebook": notebook("print('v3')"),
                                           "notebook_name": "renamed.ipynb"})  # fmt: skip
    assert r.json["notebook_s3_key"] == "jobs/daily-report/renamed.ipynb"
    assert keys(aws, CODE) == ["jobs/daily-report/renamed.ipynb"]  # the old one is removed
    (jp_root_dir / "from-lab.ipynb").write_text(json.dumps(notebook("print('v4')")))
    r = await api("PATCH", f"jobs/{jid}", {"notebook_path": "from-lab.ipynb"})
    assert r.code == 200 and r.json["notebook_name"] == "from-lab.ipynb"
    assert keys(aws, CODE) == ["jobs/daily-report/from-lab.ipynb"]
    r = await api("PATCH", f"jobs/{jid}", {"notebook": V3})
    assert r.code == 400 and "notebook" in r.json["errors"]
    assert keys(aws, CODE) == ["jobs/daily-report/from-lab.ipynb"]


async def test_end_date_in_the_future_unexpires(api, core):
    job = await create(api, start_date="2020-01-01T00:00:00Z", end_date="2020-02-01T00:00:00Z",
                       interval_in_hours=24)  # fmt: skip
    assert job["next_run_at"] is None  # already over
    assert service.expire_lapsed_jobs(core) == ["daily-report"]
    expired = (await api("GET", f"jobs/{job['id']}")).json
    assert expired["expired_date"] is not None and expired["next_run_at"] is None
    later = (now() + dt.timedelta(days=30)).isoformat()
    r = await api("PATCH", f"jobs/{job['id']}", {"end_date": later})
    assert r.code == 200, r.body
    assert r.json["expired_date"] is None
    assert r.json["next_run_at"] == job["start_date"]  # never ran: the first run is due
    service.claim_due_jobs(core)
    assert parse((await api("GET", f"jobs/{job['id']}")).json["next_run_at"]) > now()


# --- delete ----------------------------------------------------------------------------------------


async def test_delete_removes_the_notebook_and_keeps_results(api, aws, core):
    job = await create(api)
    aws.client("s3").put_object(Bucket=PRIVATE, Key="daily-report/data/report.ipynb", Body=b"{}")
    r = await api("DELETE", f"jobs/{job['id']}")
    assert r.code == 204
    assert keys(aws, CODE) == []
    assert keys(aws, PRIVATE) == ["daily-report/data/report.ipynb"]
    assert (await api("GET", f"jobs/{job['id']}")).code == 404
    assert (await api("DELETE", f"jobs/{job['id']}")).code == 404
    assert counts(core) == (0, 0)
    avail = await api("GET", "jobs/identifier-available", params={"identifier": "daily-report"})
    assert avail.json["available"] is True


# --- notebook download and results -------------------------------------------------------------


async def test_notebook_download(api, aws):
    job = await create(api, notebook_name='Bericht "über" Q1.ipynb')
    r = await api("GET", f"jobs/{job['id']}/notebook")
    assert r.code == 200
    assert r.headers["Content-Type"] == "application/x-ipynb+json"
    disposition = r.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="Bericht _uber_ Q1.ipynb"')
    assert "filename*=UTF-8''Bericht%20%22%C3%BCber%22%20Q1.ipynb" in disposition
    assert r.body == s3_body(aws, CODE, job["notebook_s3_key"])
    assert nbformat.reads(r.body.decode(), as_version=4).cells[1].source == "print('hello')"
    aws.client("s3").delete_object(Bucket=CODE, Key=job["notebook_s3_key"])
    assert (await api("GET", f"jobs/{job['id']}/notebook")).code == 404


async def test_results_grouped_with_download_links(api, aws):
    private = await create(api)
    public = await create(api, identifier="open-data", result_visibility="public")
    s3 = aws.client("s3")
    s3.put_object(Bucket=PRIVATE, Key="daily-report/data/report.ipynb", Body=b"executed")
    s3.put_object(Bucket=PRIVATE, Key="daily-report/logs/daily-report.20310101000000.log",
                  Body=b"log one")  # fmt: skip
    s3.put_object(Bucket=PRIVATE, Key="daily-report/logs/daily-report.20310102000000.log",
                  Body=b"log two")  # fmt: skip
    s3.put_object(Bucket=PRIVATE, Key="daily-reporting/data/other.ipynb", Body=b"not ours")
    s3.put_object(Bucket=PUBLIC, Key="open-data/data/out.csv", Body=b"a,b\n")
    results = (await api("GET", f"jobs/{private['id']}/results")).json
    assert [r["key"] for r in results["data"]] == ["daily-report/data/report.ipynb"]
    assert [r["key"] for r in results["logs"]] == [
        "daily-report/logs/daily-report.20310102000000.log",
        "daily-report/logs/daily-report.20310101000000.log",
    ]
    first = results["data"][0]
    assert set(first) >= {"key", "size", "last_modified", "url"} and first["size"] == 8
    assert parse(first["last_modified"]).tzinfo is not None
    assert await download(first["url"]) == b"executed"
    assert await download(results["logs"][1]["url"]) == b"log one"
    open_results = (await api("GET", f"jobs/{public['id']}/results")).json
    assert [r["key"] for r in open_results["data"]] == ["open-data/data/out.csv"]
    assert open_results["logs"] == []


async def test_results_of_an_earlier_job_with_the_same_identifier_are_hidden(api, aws, core):
    aws.client("s3").put_object(Bucket=PRIVATE, Key="daily-report/data/old.ipynb", Body=b"x")
    job = await create(api)
    with core.store.session() as session:  # as if created long after the old results
        session.get(Job, job["id"]).created_at = now() + dt.timedelta(hours=1)
    assert (await api("GET", f"jobs/{job['id']}/results")).json["data"] == []


# --- the EMR path ----------------------------------------------------------------------------------


async def test_run_now_on_emr_launches_a_transient_cluster(api, aws, core):
    job = await create(api, executor="emr", size=3, job_timeout_hours=2, result_visibility="public",
                       parameters={"name": "alice", "n": 3, "code": "007", "opts": [1, 2]})  # fmt: skip
    r = await api("POST", f"jobs/{job['id']}/run")
    assert r.code == 202, r.body
    run = r.json
    assert set(run) >= RUN_FIELDS
    assert run["jobflow_id"].startswith("j-") and run["status"] == "WAITING"  # moto's state
    assert run["output_notebook_key"] == f"daily-report/data/run-{run['id']}/report.ipynb"
    emr = aws.client("emr")
    cluster = emr.describe_cluster(ClusterId=run["jobflow_id"])["Cluster"]
    assert cluster["Name"] == "atmo-dev-job-alice-daily-report"
    assert cluster["AutoTerminate"] is True  # KeepJobFlowAliveWhenNoSteps = False
    assert cluster["LogUri"] == f"s3://atmo-lab-public-data/daily-report/logs/run-{run['id']}/"
    assert cluster["ReleaseLabel"] == "emr-7.14.0"
    steps = emr.list_steps(ClusterId=run["jobflow_id"])["Steps"]
    assert [s["Name"] for s in steps] == ["RunNotebook"]
    assert steps[0]["ActionOnFailure"] == "TERMINATE_CLUSTER"
    assert steps[0]["Config"]["Jar"] == "command-runner.jar"
    args = steps[0]["Config"]["Args"]
    assert args[args.index("--timeout") + 1] == "7200"  # the whole limit, in the step
    papermill = args[args.index("--") + 1 :]
    assert papermill[:2] == [
        "s3://atmo-lab-code/jobs/daily-report/report.ipynb",
        f"s3://atmo-lab-public-data/daily-report/data/run-{run['id']}/report.ipynb",
    ]
    joined = " ".join(papermill)
    assert "-p name alice" in joined and "-p n 3" in joined
    assert "-r code 007" in joined  # a string that papermill would turn into a number
    assert '-y {"opts": [1, 2]}' in joined
    assert f"-p scheduled_at {run['scheduled_at']}" in joined
    assert "--log-output" in papermill and "--no-progress-bar" in papermill
    actions = emr.list_bootstrap_actions(ClusterId=run["jobflow_id"])["BootstrapActions"]
    assert actions[0]["ScriptPath"] == "s3://atmo-lab-code/bootstrap/atmo-lab-job.sh"
    groups = emr.list_instance_groups(ClusterId=run["jobflow_id"])["InstanceGroups"]
    assert sorted(g["InstanceGroupType"] for g in groups) == ["CORE", "MASTER"]
    # one active run at a time
    again = await api("POST", f"jobs/{job['id']}/run")
    assert again.code == 409 and "still running" in again.json["message"]
    latest = (await api("GET", f"jobs/{job['id']}")).json["latest_run"]
    assert latest["id"] == run["id"]
    # deleting the job terminates the cluster
    assert (await api("DELETE", f"jobs/{job['id']}")).code == 204
    state = emr.describe_cluster(ClusterId=run["jobflow_id"])["Cluster"]["Status"]["State"]
    assert state == "TERMINATED"


async def test_runjobflow_failure_marks_the_run_failed(api, aws, core, monkeypatch):
    job = await create(api, executor="emr")
    monkeypatch.setenv("AWS_ENDPOINT_URL_EMR", "http://127.0.0.1:9")
    monkeypatch.setattr(core, "aws", AwsClients(core.settings.region, {"total_max_attempts": 1}))
    r = await api("POST", f"jobs/{job['id']}/run")
    assert r.code == 502 and "RunJobFlow" in r.json["message"]
    runs = (await api("GET", f"jobs/{job['id']}/runs")).json["runs"]
    assert len(runs) == 1 and runs[0]["status"] == "TERMINATED_WITH_ERRORS"
    assert "RunJobFlow" in runs[0]["status_reason"] and not runs[0]["is_active"]
    assert runs[0]["jobflow_id"] is None
    notes = (await api("GET", "notifications")).json["notifications"]
    assert [n["kind"] for n in notes] == ["run_failed"]
    monkeypatch.delenv("AWS_ENDPOINT_URL_EMR")
    monkeypatch.setattr(core, "aws", AwsClients(core.settings.region))
    assert (await api("POST", f"jobs/{job['id']}/run")).code == 202  # nothing left active


def test_notebook_names_and_download_file_names() -> None:
    from atmo_lab.errors import ValidationFailed
    from atmo_lab.jobs.notebooks import check_notebook_name, content_disposition

    assert check_notebook_name("Q1 report (final).ipynb") == "Q1 report (final).ipynb"
    for bad in ["x.py", ".ipynb", ".hidden.ipynb", "a/b.ipynb", "a\\b.ipynb", "a\nb.ipynb",
                " x.ipynb", "x.IPYNB", "é" * 200 + ".ipynb", 5, None]:  # fmt: skip
        with pytest.raises(ValidationFailed):
            check_notebook_name(bad)
    assert (
        content_disposition("a.ipynb")
        == "attachment; filename=\"a.ipynb\"; filename*=UTF-8''a.ipynb"
    )
    assert 'filename="_x_.ipynb"' in content_disposition('"x".ipynb')


async def test_an_insert_that_fails_removes_the_upload(api, aws, core, monkeypatch):
    """The identifier taken between the check and the insert (a concurrent create): 409, and
    the notebook just uploaded is deleted again."""
    await create(api)
    monkeypatch.setattr(service, "_identifier_taken", lambda *_: False)
    r = await api("POST", "jobs", job_body(notebook_name="other.ipynb"))
    assert r.code == 409 and "identifier" in r.json["errors"], r.body
    assert keys(aws, CODE) == ["jobs/daily-report/report.ipynb"] and counts(core) == (1, 0)
