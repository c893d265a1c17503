"""JobPanel driven like a user, against moto (EMR, S3) and a SQLite store."""

from __future__ import annotations

import datetime as dt
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from atmo_lab.core import Core
from atmo_lab.jobs import fields
from atmo_lab.jobs import service as jobs_service
from atmo_lab.jobs.models import JobRun
from atmo_lab.jobs.outcomes import finish_run
from atmo_lab.widgets import JobPanel
from atmo_lab.widgets._base import is_shown
from atmo_lab.widgets.jobs import NO_NOTEBOOK, JobRow

from .test_widgets_support import make_core

CODE_BUCKET = "atmo-lab-code"
PRIVATE_BUCKET = "atmo-lab-private-data"


@pytest.fixture
def core(aws: Any, atmo_config: dict[str, Any]) -> Iterator[Core]:
    core = make_core(atmo_config)
    yield core
    core.close()


@pytest.fixture
def opened() -> Iterator[list[Any]]:
    widgets: list[Any] = []
    yield widgets
    for widget in widgets:
        widget.close()


def write_notebook(folder: Path, name: str = "Daily Report.ipynb") -> Path:
    nb = new_notebook(cells=[new_code_cell("n = 1"), new_code_cell("print(n)")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    path = folder / name
    path.write_text(nbformat.writes(nb), encoding="utf-8")
    return path


def job_panel(core: Core, opened: list[Any], path: Any = None) -> JobPanel:
    panel = JobPanel(str(path) if path is not None else None, core=core)
    opened.append(panel)
    return panel


def s3_keys(aws: Any, bucket: str) -> list[str]:
    listed = aws.client("s3").list_objects_v2(Bucket=bucket)
    return sorted(obj["Key"] for obj in listed.get("Contents", []))


def my_jobs(core: Core) -> list[dict[str, Any]]:
    return jobs_service.list_jobs(core, core.caller()).items


def test_schedule_a_notebook_and_see_it_listed(core, aws, opened, tmp_path):
    path = write_notebook(tmp_path)
    panel = job_panel(core, opened, path)
    assert panel.notebook.value == str(path) and panel.notebook_path == str(path)
    assert panel.identifier.value == "daily-report"  # from the file name
    assert panel.interval.value == 168 and not is_shown(panel.cron_box)
    assert panel.executor.value == "local"  # the configured job_executor
    assert not is_shown(panel.size)  # a cluster size only matters on EMR
    assert [type(c) for c in panel.job_list.children] != [JobRow]
    assert "No jobs yet" in panel.job_list.children[0].value

    panel.description.value = "Counts things"
    panel.parameters.value = '{"n": 3}'
    panel.schedule_button.click()
    assert panel.field_errors["description"].value == "", panel.message.value
    assert "Scheduled daily-report" in panel.message.value

    [job] = my_jobs(core)
    assert (job["identifier"], job["notebook_name"]) == ("daily-report", "Daily Report.ipynb")
    assert job["interval_in_hours"] == 168 and job["parameters"] == {"n": 3}
    assert job["executor"] == "local" and job["job_timeout_hours"] == 24
    assert s3_keys(aws, CODE_BUCKET) == ["jobs/daily-report/Daily Report.ipynb"]
    assert [j["id"] for j in panel.jobs] == [job["id"]]
    [row] = panel.job_rows
    assert row.job_id == job["id"]
    assert "daily-report" in row.summary.value and "every week" in row.summary.value
    assert "never ran" in row.summary.value and "next run 20" in row.summary.value


def test_cron_schedule_with_a_time_zone_on_emr(core, opened, tmp_path):
    panel = job_panel(core, opened, write_notebook(tmp_path, "etl.ipynb"))
    panel.identifier.value = "nightly-etl"
    panel.description.value = "ETL"
    panel.interval.value = "cron"
    assert is_shown(panel.cron_box)
    panel.cron.value = "0 6 * * 1-5"
    panel.timezone.value = "Europe/Berlin"
    panel.executor.value = "emr"
    assert is_shown(panel.size)
    panel.size.value = 3
    panel.job_timeout_hours.value = 2
    panel.schedule_button.click()
    [job] = my_jobs(core)
    assert (job["schedule"], job["timezone"], job["interval_in_hours"]) == (
        "0 6 * * 1-5", "Europe/Berlin", None,
    )  # fmt: skip
    assert (job["executor"], job["size"], job["job_timeout_hours"]) == ("emr", 3, 2)
    assert "cron 0 6 * * 1-5 (Europe/Berlin) on emr" in panel.job_rows[0].summary.value


def test_field_errors_are_shown_next_to_their_field(core, aws, opened, tmp_path):
    panel = job_panel(core, opened, write_notebook(tmp_path))
    errors = panel.field_errors

    panel.parameters.value = "{n: 3"
    panel.schedule_button.click()
    assert "Not valid JSON" in errors["parameters"].value

    panel.parameters.value = '{"1x": 1}'
    panel.identifier.value = "Bad Name"
    panel.interval.value = "cron"
    panel.cron.value = "every day"
    panel.timezone.value = "Mars/Olympus"
    panel.schedule_button.click()
    for field in ("parameters", "identifier", "description", "schedule", "timezone"):
        assert errors[field].value, field
    assert "1x" in errors["parameters"].value
    assert errors["executor"].value == "" and errors["notebook"].value == ""
    assert "correct the fields" in panel.message.value
    assert my_jobs(core) == [] and s3_keys(aws, CODE_BUCKET) == []

    panel.interval.value = 24
    panel.parameters.value = ""
    panel.identifier.value = "fixed"
    panel.description.value = "Now fine"
    panel.schedule_button.click()
    assert all(label.value == "" for label in errors.values())
    assert [j["identifier"] for j in my_jobs(core)] == ["fixed"]

    panel.schedule_button.click()  # the same identifier again: 409 under the field
    assert "taken" in errors["identifier"].value and len(my_jobs(core)) == 1


@pytest.mark.parametrize(
    ("file_name", "identifier"),
    [
        ("Monthly Report (v2).ipynb", "monthly-report-v2"),
        ("???.ipynb", "notebook"),
        ("a" * 99 + " b.ipynb", "a" * 99),  # cut at 100 characters, no dash left at the end
    ],
)
def test_the_identifier_field_starts_from_the_servers_rule(
    core, opened, tmp_path, file_name, identifier
):
    # No trailing dash, never empty: the same identifier the server derives from the file name.
    path = tmp_path / file_name
    assert job_panel(core, opened, path).identifier.value == identifier
    assert fields.identifier_from_file_name(str(path)) == identifier


def test_without_a_notebook_the_panel_asks_for_one(core, aws, opened, tmp_path):
    panel = job_panel(core, opened)  # not in a kernel: the notebook can't be found
    assert panel.notebook.value == "" and panel.identifier.value == ""
    assert "JobPanel(&#x27;path/to/notebook.ipynb&#x27;)" in panel.notebook_hint.value
    panel.description.value = "x"
    panel.schedule_button.click()
    assert "Could not tell which notebook" in panel.field_errors["notebook"].value
    assert NO_NOTEBOOK.split(".")[0] in panel.field_errors["notebook"].value

    panel.notebook.value = str(tmp_path / "missing.ipynb")
    assert panel.identifier.value == "missing" and "save it first" in panel.notebook_hint.value
    panel.schedule_button.click()
    assert "no notebook at" in panel.field_errors["notebook"].value

    not_a_notebook = tmp_path / "notes.ipynb"
    not_a_notebook.write_text("{}")
    panel.notebook.value = str(not_a_notebook)
    panel.schedule_button.click()
    assert panel.field_errors["notebook"].value
    text_file = tmp_path / "notes.txt"
    text_file.write_text("{}")
    panel.notebook.value = str(text_file)
    panel.schedule_button.click()
    assert ".ipynb" in panel.field_errors["notebook"].value
    assert my_jobs(core) == [] and s3_keys(aws, CODE_BUCKET) == []


def test_run_now_and_results(core, aws, opened, tmp_path):
    panel = job_panel(core, opened, write_notebook(tmp_path))
    panel.description.value = "Counts things"
    panel.executor.value = "emr"
    panel.schedule_button.click()
    [row] = panel.job_rows

    row.run_button.click()
    assert "started" in row.message.value, row.message.value
    latest = row.job["latest_run"]
    assert latest is not None and latest["is_active"] and latest["jobflow_id"]
    assert "latest: running" in row.summary.value
    [emr_cluster] = aws.client("emr").list_clusters()["Clusters"]
    assert emr_cluster["Id"] == latest["jobflow_id"]

    row.run_button.click()  # the run is still active: the core's 409, shown on the row
    assert "still running" in row.message.value
    assert len(aws.client("emr").list_clusters()["Clusters"]) == 1

    row.results_button.click()
    assert is_shown(row.results) and "none yet" in row.results.value

    s3 = aws.client("s3")
    s3.put_object(Bucket=PRIVATE_BUCKET, Key="daily-report/data/out.ipynb", Body=b"result!")
    s3.put_object(Bucket=PRIVATE_BUCKET, Key="daily-report/logs/run.log", Body=b"log")
    row.results_button.click()
    assert "daily-report/data/out.ipynb" in row.results.value
    assert "daily-report/logs/run.log" in row.results.value
    url = row.results.value.split("href='")[1].split("'")[0].replace("&amp;", "&")
    with urllib.request.urlopen(url, timeout=5) as response:  # the presigned link works
        assert response.read() == b"result!"


def test_refresh_shows_jobs_made_elsewhere(core, opened, tmp_path):
    panel = job_panel(core, opened, write_notebook(tmp_path))
    assert panel.jobs == []
    import atmo_lab

    atmo_lab.schedule(write_notebook(tmp_path, "b.ipynb"), "other-job", "made by the API",
                      core=core)  # fmt: skip
    panel.refresh_button.click()
    assert [row.job["identifier"] for row in panel.job_rows] == ["other-job"]


def test_the_latest_run_shows_in_words(core, aws, opened, tmp_path):
    panel = job_panel(core, opened, write_notebook(tmp_path))
    panel.description.value = "Counts things"
    panel.executor.value = "emr"
    panel.schedule_button.click()
    [row] = panel.job_rows
    row.run_button.click()
    run_id = row.job["latest_run"]["id"]
    start = dt.datetime.now(dt.timezone.utc)
    with core.store.session() as session:
        session.get(JobRun, run_id).started_at = start
    finish_run(core, run_id, "TERMINATED", "ALL_STEPS_COMPLETED: Steps completed",
               finished_at=start + dt.timedelta(seconds=7))  # fmt: skip
    row.reload()
    assert "latest: succeeded · 7 s" in row.summary.value
    assert "terminated" not in row.summary.value.lower()
