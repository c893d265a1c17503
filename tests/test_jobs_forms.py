"""The rules the schedule form asks the server for: the next runs of a schedule, a notebook's
parameters and first heading, parameter names, the identifier from a file name and the default
interval (labextension/src/__tests__/forms.spec.ts holds the form to the same answers)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

import atmo_lab
from atmo_lab.jobs import constants
from atmo_lab.jobs.fields import identifier_from_file_name

from .test_jobs_support import job_body, notebook

SAMPLE = Path(atmo_lab.__file__).parent / "samples" / "analysis.ipynb"


def instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


async def preview(api, **query: str):
    return await api("GET", "jobs/schedule-preview", params=query)


async def test_an_interval_previews_its_grid_from_the_start(api):
    r = await preview(api, interval_in_hours="24", start_date="2031-01-01T06:30:00+02:00")
    assert r.code == 200, r.body
    assert r.json == {
        "timezone": "UTC",
        "runs": [
            "2031-01-01T04:30:00+00:00",
            "2031-01-02T04:30:00+00:00",
            "2031-01-03T04:30:00+00:00",
        ],
    }
    r = await preview(api, interval_in_hours="168", count="2", end_date="")
    first, second = (instant(t) for t in r.json["runs"])  # from now, due at once
    assert abs(first - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(minutes=1)
    assert second - first <= dt.timedelta(hours=168)


async def test_no_schedule_previews_the_default_interval(api):
    r = await preview(api, start_date="2031-01-01T00:00:00Z", count="2")
    assert r.code == 200, r.body
    step = instant(r.json["runs"][1]) - instant(r.json["runs"][0])
    assert step == dt.timedelta(hours=constants.DEFAULT_INTERVAL)


async def test_a_cron_schedule_previews_on_its_time_zone_wall_clock(api):
    r = await preview(api, schedule="0 9 * * *", timezone="America/New_York",
                      start_date="2031-03-07T12:00:00Z", end_date="2031-03-09T00:00:00Z")  # fmt: skip
    assert r.code == 200, r.body
    # 09:00 EST is 14:00 UTC; after the switch to EDT (March 9) it would be 13:00
    assert r.json["runs"] == ["2031-03-07T14:00:00+00:00", "2031-03-08T14:00:00+00:00"]
    r = await preview(api, schedule="0 0 30 2 *")
    assert r.code == 400 and "schedule" in r.json["errors"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"schedule": "every day"}, "schedule"),
        ({"schedule": "0 9 * * *", "timezone": "Mars/Olympus"}, "timezone"),
        ({"interval_in_hours": "5"}, "interval_in_hours"),
        ({"interval_in_hours": "24", "start_date": "tomorrow"}, "start_date"),
        ({"interval_in_hours": "24", "end_date": "2000-01-01T00:00:00Z"}, "end_date"),
        ({"interval_in_hours": "24", "count": "11"}, "count"),
    ],
)
async def test_a_preview_names_the_field_it_refuses(api, query, field):
    r = await preview(api, **query)
    assert r.code == 400 and field in r.json["errors"], r.body


async def test_the_demo_notebook_gives_its_parameters_but_scheduled_at(api, jp_root_dir):
    shutil.copy(SAMPLE, jp_root_dir / "Daily Analysis.ipynb")
    r = await api("GET", "jobs/notebook-facts", params={"notebook_path": "Daily Analysis.ipynb"})
    assert r.code == 200, r.body
    assert r.json == {
        "notebook_path": "Daily Analysis.ipynb",
        "identifier": "daily-analysis",
        "title": "Daily temperature report",
        "parameters": {"city": "Berlin", "days": 7},
        "skipped": [constants.SCHEDULED_AT_PARAMETER],
    }
    # scheduled as the form opens: its identifier, parameters and title as they came
    body = job_body(r.json["identifier"], description=r.json["title"],
                    parameters=r.json["parameters"], notebook_path="Daily Analysis.ipynb")  # fmt: skip
    del body["notebook"], body["notebook_name"]
    created = await api("POST", "jobs", body)
    assert created.code == 201, created.body


async def test_notebook_facts_of_odd_notebooks(api, jp_root_dir):
    odd = notebook(parameters="n = 3\nwhen = datetime.now()\nnames = ['a', \"b\"]\nx = None")
    odd["cells"][0]["source"] = "Intro text\n\n## Weekly *numbers* ##"
    (jp_root_dir / "odd.ipynb").write_text(json.dumps(odd))
    r = await api("GET", "jobs/notebook-facts", params={"notebook_path": "odd.ipynb"})
    assert r.code == 200, r.body
    assert r.json["parameters"] == {"n": 3, "names": ["a", "b"], "x": None}
    assert r.json["skipped"] == ["when"] and r.json["title"] == "Weekly *numbers*"
    (jp_root_dir / "plain.ipynb").write_text(json.dumps(notebook("print(1)", kernel=None)))
    r = await api("GET", "jobs/notebook-facts", params={"notebook_path": "plain.ipynb"})
    assert r.json["parameters"] == {} and r.json["title"] == "A scheduled notebook"
    (jp_root_dir / "broken.ipynb").write_text("{nope")
    for path in ("broken.ipynb", "missing.ipynb", ""):
        r = await api("GET", "jobs/notebook-facts", params={"notebook_path": path})
        assert r.code == 400 and "notebook_path" in r.json["errors"], r.body


@pytest.mark.parametrize(
    ("name", "accepted"),
    [("café", True), ("_n2", True), ("class", False), ("scheduled_at", False), ("2n", False)],
)
async def test_the_server_decides_parameter_names(api, name, accepted):
    r = await api("POST", "jobs", job_body(parameters={name: 1}))
    assert (r.code == 201) is accepted, r.body
    if not accepted:
        assert "parameters" in r.json["errors"]


@pytest.mark.parametrize(
    ("path", "identifier"),
    [
        ("Reports/Monthly Report (v2).ipynb", "monthly-report-v2"),
        ("analysis.IPYNB", "analysis"),
        ("--a__b--.ipynb", "a-b"),
        ("!!!.ipynb", "notebook"),
        ("café.ipynb", "caf"),
        ("x" * 99 + " y.ipynb", "x" * 99),
    ],
)
def test_the_identifier_of_a_file_name(path, identifier):
    assert identifier_from_file_name(path) == identifier


async def test_the_default_interval_is_the_servers(api):
    config = (await api("GET", "config")).json
    assert config["default_interval_in_hours"] == constants.DEFAULT_INTERVAL
    assert config["default_interval_in_hours"] in config["job_intervals"]
    body = job_body()
    body.pop("interval_in_hours", None)
    job = (await api("POST", "jobs", body)).json
    assert job["interval_in_hours"] == config["default_interval_in_hours"]
