""" "Schedule this notebook" and the Jobs section in a real JupyterLab, with local runs."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from .conftest import Lab, shot

pytestmark = [pytest.mark.ui, pytest.mark.timeout(180)]

# Runs go through huey and papermill in a subprocess: give them time on a busy CI machine.
RUN_TIMEOUT_MS = 90_000

PARAMETERS = 'day = "2026-11-01"  # the day to process\nrepeat = 3\n'


def open_notebook(page: Any, lab: Lab, path: str) -> Any:
    """Open a notebook of the lab's root in the main area; returns its panel."""
    page.goto(lab.lab_url(f"tree/{urllib.parse.quote(path)}"))
    panel = page.locator(".jp-NotebookPanel:visible")
    panel.locator(".jp-Notebook").wait_for()
    return panel


def sidebar_section(page: Any, name: str) -> Any:
    sidebar = page.locator("#atmo-lab-sidebar")
    if not sidebar.is_visible():
        page.locator('.jp-SideBar [data-id="atmo-lab-sidebar"]').click()
    sidebar.get_by_role("tab", name=name).click()
    return sidebar


def job_named(lab: Lab, identifier: str) -> dict[str, Any]:
    return next(j for j in lab.api("GET", "jobs")["jobs"] if j["identifier"] == identifier)


def test_schedule_the_open_notebook_run_it_and_open_the_output(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    lab.write_notebook(
        "reports/Daily Report.ipynb",
        [
            ("markdown", "# Daily report", []),
            ("code", PARAMETERS, ["parameters"]),
            ("code", 'print("result", repeat * 2, day)', []),
        ],
    )
    panel = open_notebook(page, lab, "reports/Daily Report.ipynb")

    # An unsaved edit: scheduling saves the notebook first.
    editor = panel.locator(".jp-Cell").nth(2).locator(".cm-content")
    editor.click()
    page.keyboard.press("ControlOrMeta+End")
    page.keyboard.type('\nprint("edited before scheduling")')
    dirty_tab = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.jp-mod-dirty")
    expect(dirty_tab).to_have_count(1)

    panel.locator('[data-command="atmo-lab:schedule-notebook"]').click()
    dialog = page.get_by_role("dialog", name="Schedule this notebook")
    identifier = dialog.get_by_label("Identifier")
    expect(identifier).to_have_value("daily-report")
    expect(dialog).to_contain_text("Available.")
    # Parameters come from the cell tagged "parameters".
    expect(dialog.get_by_label("Name of parameter 1")).to_have_value("day")
    expect(dialog.get_by_label("Value of parameter day")).to_have_value("2026-11-01")
    expect(dialog.get_by_label("Value of parameter repeat")).to_have_value("3")
    dialog.get_by_label("Value of parameter repeat").fill("4")
    dialog.get_by_label("Description").fill("The daily report, for the UI test")

    # A cron schedule with a time zone shows its next three runs.
    dialog.get_by_label("Cron expression", exact=True).check()
    dialog.get_by_label("Cron expression", exact=False).last.fill("0 6 * * 1")
    dialog.get_by_label("Time zone").fill("Europe/Berlin")
    preview = dialog.locator(".atmo-Preview li")
    expect(preview).to_have_count(3)
    expect(preview.first).to_have_text(re.compile(r"^Mon \d{4}-\d\d-\d\d 06:00$"))
    expect(dialog.get_by_label("Runs on")).to_have_value("local")
    shot(page, "schedule-1-dialog")
    dialog.get_by_role("button", name="Schedule", exact=True).click()
    expect(dialog).to_be_hidden()

    job = job_named(lab, "daily-report")
    assert job["schedule"] == "0 6 * * 1"
    assert job["timezone"] == "Europe/Berlin"
    assert job["parameters"] == {"day": "2026-11-01", "repeat": 4}
    assert job["executor"] == "local"
    stored = lab.request("GET", f"atmo-lab/api/jobs/{job['id']}/notebook")
    assert "edited before scheduling" in json.dumps(stored)
    expect(dirty_tab).to_have_count(0)

    # The success notification reveals the job in the sidebar.
    toast = page.locator(".Toastify__toast").filter(has_text="Scheduled daily-report")
    expect(toast).to_contain_text("cron 0 6 * * 1 (Europe/Berlin)")
    toast.get_by_role("button", name="Open job").click()
    sidebar = page.locator("#atmo-lab-sidebar")
    expect(sidebar.get_by_role("tab", name="Jobs")).to_have_attribute("aria-selected", "true")
    row = sidebar.locator('li[data-identifier="daily-report"]')
    expect(row.locator(".atmo-Item-toggle")).to_have_attribute("aria-expanded", "true")
    expect(row).to_contain_text("cron 0 6 * * 1 (Europe/Berlin)")
    expect(row).to_contain_text("next run in")

    # Run now, watch it finish without reloading, open the executed notebook.
    row.get_by_role("button", name="Run now").click()
    badge = row.locator(".atmo-Item-header .atmo-Badge")
    expect(badge).to_have_attribute("data-status", "TERMINATED", timeout=RUN_TIMEOUT_MS)
    expect(badge).to_have_text("succeeded")
    expect(row.locator(".atmo-Item-meta")).to_contain_text(re.compile(r"latest: succeeded · \d+ s"))
    run = row.locator(".atmo-Run").first
    expect(run).to_contain_text(re.compile(r"\d+ s|\d+ min"))
    shot(page, "schedule-2-run-terminated")
    run.get_by_role("button", name=re.compile("Open the output")).click()
    output = page.locator(".jp-NotebookPanel:visible")
    expect(page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current")).to_contain_text(
        re.compile(r"Daily Report-run-\d+\.ipynb")
    )
    expect(
        output.locator(".jp-OutputArea-output").filter(has_text="result 8 2026-11-01")
    ).to_be_visible()
    shot(page, "schedule-3-output-open")
    saved = list((lab.root / "atmo-lab-outputs" / "daily-report").glob("Daily Report-run-*.ipynb"))
    assert len(saved) == 1


def test_open_output_of_an_older_run_opens_that_runs_notebook(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    lab.write_notebook(
        "greet.ipynb",
        [("code", 'name = "nobody"\n', ["parameters"]), ("code", 'print("hello", name)', [])],
    )
    job = lab.api("POST", "jobs", {"identifier": "greet", "description": "says hello",
                                   "notebook_path": "greet.ipynb", "executor": "local",
                                   "parameters": {"name": "first"}})  # fmt: skip
    sidebar = sidebar_section(page, "Jobs")
    row = sidebar.locator('li[data-identifier="greet"]')
    row.locator(".atmo-Item-toggle").click()
    runs = row.locator(".atmo-Run")
    for count, name in ((1, "first"), (2, "second")):
        lab.api("PATCH", f"jobs/{job['id']}", {"parameters": {"name": name}})
        row.get_by_role("button", name="Run now").click()
        expect(runs).to_have_count(count)
        expect(runs.first).to_have_attribute("data-outcome", "succeeded", timeout=RUN_TIMEOUT_MS)
    older = lab.api("GET", f"jobs/{job['id']}/runs")["runs"][1]
    shot(page, "older-1-two-runs")
    runs.nth(1).get_by_role("button", name=f"Open the output of run {older['id']}").click()
    expect(page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current")).to_contain_text(
        f"greet-run-{older['id']}.ipynb"
    )
    output = page.locator(".jp-NotebookPanel:visible")
    expect(output.locator(".jp-OutputArea-output").filter(has_text="hello first")).to_be_visible()
    expect(output.locator(".jp-OutputArea-output").filter(has_text="hello second")).to_have_count(0)
    shot(page, "older-2-output-open")


def test_the_demo_notebook_schedules_as_the_form_opens(page: Any, lab: Lab) -> None:
    """Its parameters cell sets scheduled_at too, which atmo_lab injects: not offered; the
    description starts from its first heading."""
    from playwright.sync_api import expect

    import atmo_lab

    sample = Path(atmo_lab.__file__).parent / "samples" / "analysis.ipynb"
    shutil.copy(sample, lab.root / "analysis.ipynb")
    panel = open_notebook(page, lab, "analysis.ipynb")
    panel.locator('[data-command="atmo-lab:schedule-notebook"]').click()
    dialog = page.get_by_role("dialog", name="Schedule this notebook")
    expect(dialog.get_by_label("Description")).to_have_value("Daily temperature report")
    expect(dialog.get_by_label("Value of parameter city")).to_have_value("Berlin")
    expect(dialog.get_by_label("Value of parameter days")).to_have_value("7")
    expect(dialog.get_by_label("Value of parameter scheduled_at")).to_have_count(0)
    expect(dialog).to_contain_text("scheduled_at")  # named as not offered
    expect(dialog.get_by_label("Runs", exact=True)).to_have_value(
        str(lab.api("GET", "config")["default_interval_in_hours"])
    )
    expect(dialog.locator(".atmo-Preview li")).to_have_count(3)
    dialog.get_by_role("button", name="Schedule", exact=True).click()
    expect(dialog).to_be_hidden()
    job = job_named(lab, "analysis")
    assert job["parameters"] == {"city": "Berlin", "days": 7}
    assert job["description"] == "Daily temperature report"


def test_schedule_dialog_names_a_bad_or_taken_identifier(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    lab.write_notebook("taken.ipynb", [("code", "x = 1\n", ["parameters"])])
    lab.write_notebook("My Analysis.ipynb", [("code", "print(1)\n", [])])
    lab.api(
        "POST",
        "jobs",
        {"identifier": "taken-name", "description": "x", "notebook_path": "taken.ipynb"},
    )
    panel = open_notebook(page, lab, "My Analysis.ipynb")
    panel.locator('[data-command="atmo-lab:schedule-notebook"]').click()
    dialog = page.get_by_role("dialog", name="Schedule this notebook")
    identifier = dialog.get_by_label("Identifier")
    expect(identifier).to_have_value("my-analysis")
    error = dialog.locator('[data-field="identifier"] .atmo-Field-error')

    identifier.fill("Bad Name")
    expect(error).to_have_text("Use lowercase letters, digits and dashes only.")
    expect(identifier).to_have_attribute("aria-invalid", "true")

    identifier.fill("taken-name")
    expect(error).to_have_text("This identifier is taken: choose another.")
    dialog.get_by_label("Description").fill("Mine")
    dialog.get_by_role("button", name="Schedule", exact=True).click()
    expect(identifier).to_be_focused()
    expect(dialog).to_be_visible()
    shot(page, "schedule-4-identifier-taken")

    identifier.fill("my-analysis")
    expect(error).to_be_hidden()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()


def test_a_failed_run_shows_its_cell_and_notifies(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    lab.write_notebook(
        "fails.ipynb",
        [("code", "a = 1\n", []), ("code", "raise ValueError('boom')\n", [])],
    )
    job = lab.api(
        "POST",
        "jobs",
        {
            "identifier": "will-fail",
            "description": "fails in its second cell",
            "notebook_path": "fails.ipynb",
            "executor": "local",
            # not due yet: only the run started below runs (and fails, and notifies once)
            "start_date": (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)).isoformat(),
        },
    )
    sidebar = sidebar_section(page, "Jobs")
    row = sidebar.locator('li[data-identifier="will-fail"]')
    row.locator(".atmo-Item-toggle").click()
    row.get_by_role("button", name="Run now").click()
    badge = row.locator(".atmo-Item-header .atmo-Badge")
    expect(badge).to_have_attribute("data-status", "TERMINATED_WITH_ERRORS", timeout=RUN_TIMEOUT_MS)
    expect(badge).to_have_text("failed")
    expect(row.locator(".atmo-Run-error").first).to_have_text(
        "Failed: cell 2 raised ValueError: boom"
    )

    # The worker's "run failed" notification, with its action.
    toast = page.locator(".Toastify__toast").filter(has_text="Job will-fail: a run failed")
    expect(toast).to_be_visible(timeout=30_000)
    expect(toast.get_by_role("button", name="Open output")).to_be_in_viewport()
    shot(page, "failed-1-notification")
    toast.get_by_role("button", name="Open output").click()
    expect(page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current")).to_contain_text(
        re.compile(r"fails-run-\d+\.ipynb")
    )
    unread = lab.api("GET", "notifications?unread=true")["notifications"]
    assert not [n for n in unread if n["kind"] == "run_failed"], "shown means read"
    runs = lab.api("GET", f"jobs/{job['id']}/runs")["runs"]
    assert runs[0]["error"]["ename"] == "ValueError"
    shot(page, "failed-2-output-open")


def test_edit_disable_and_delete_a_job(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    lab.write_notebook("weekly.ipynb", [("code", "print('weekly')\n", [])])
    start = "2030-01-06T06:00:00+00:00"
    job = lab.api(
        "POST",
        "jobs",
        {
            "identifier": "edit-me",
            "description": "before",
            "notebook_path": "weekly.ipynb",
            "interval_in_hours": 24,
            "start_date": start,
        },
    )
    sidebar = sidebar_section(page, "Jobs")
    row = sidebar.locator('li[data-identifier="edit-me"]')
    expect(row).to_contain_text("every day")
    row.locator(".atmo-Item-toggle").click()

    # Disable, then enable again (PATCH is_enabled).
    switch = row.get_by_role("switch", name="Enabled")
    switch.uncheck()
    expect(row.locator(".atmo-Item-meta")).to_contain_text("disabled")
    assert lab.api("GET", f"jobs/{job['id']}")["is_enabled"] is False
    switch.check()
    expect(row.locator(".atmo-Item-meta")).to_contain_text("next run in")

    # Edit: a new description and a cron schedule instead of the interval.
    row.get_by_role("button", name="Edit…").click()
    dialog = page.get_by_role("dialog", name="Edit edit-me")
    expect(dialog.get_by_label("Description")).to_be_focused()
    dialog.get_by_label("Description").fill("after")
    dialog.get_by_label("Cron expression", exact=True).check()
    dialog.get_by_label("Cron expression", exact=False).last.fill("30 7 * * 1-5")
    dialog.get_by_label("Time zone").fill("America/New_York")
    expect(dialog.locator(".atmo-Preview li").first).to_contain_text("07:30")
    shot(page, "edit-1-dialog")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    edited = lab.api("GET", f"jobs/{job['id']}")
    assert edited["description"] == "after"
    assert edited["schedule"] == "30 7 * * 1-5"
    assert edited["timezone"] == "America/New_York"
    assert edited["interval_in_hours"] is None
    expect(row).to_contain_text("cron 30 7 * * 1-5 (America/New_York)")

    # Delete asks first.
    row.get_by_role("button", name="Delete").click()
    confirm = page.locator(".jp-Dialog").filter(has_text="Delete the job edit-me?")
    confirm.get_by_role("button", name="Delete").click()
    expect(row).to_be_hidden()
    assert "edit-me" not in [j["identifier"] for j in lab.api("GET", "jobs")["jobs"]]


def test_schedule_from_the_file_browser_and_the_palette(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    lab.write_notebook("browse/From Browser.ipynb", [("code", "n = 5\n", ["parameters"])])
    page.goto(lab.lab_url("tree/browse"))
    item = page.locator('.jp-DirListing-item[data-file-type="notebook"]').filter(
        has_text="From Browser.ipynb"
    )
    item.click(button="right")
    page.get_by_role("menuitem", name="Schedule notebook…").click()
    dialog = page.get_by_role("dialog", name="Schedule this notebook")
    expect(dialog.get_by_label("Identifier")).to_have_value("from-browser")
    expect(dialog.get_by_label("Value of parameter n")).to_have_value("5")
    expect(dialog).to_contain_text("browse/From Browser.ipynb")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # The palette lists the atmo_lab commands; the sidebar opens from the keyboard.
    page.keyboard.press("ControlOrMeta+Shift+C")
    palette = page.locator("#command-palette")
    palette.locator("input").fill("atmo_lab sidebar")
    palette.get_by_text("Open the atmo_lab sidebar").click()
    sidebar = page.locator("#atmo-lab-sidebar")
    expect(sidebar).to_be_visible()
    clusters_tab = sidebar.get_by_role("tab", name="Clusters")
    clusters_tab.focus()
    page.keyboard.press("ArrowRight")
    expect(sidebar.get_by_role("tab", name="Jobs")).to_be_focused()
    expect(sidebar.get_by_role("tab", name="Jobs")).to_have_attribute("aria-selected", "true")
    expect(sidebar.get_by_role("tabpanel")).to_contain_text("Schedule a notebook")

    # The layout restorer brings the sidebar back after a reload.
    page.wait_for_timeout(1500)  # the workspace is saved shortly after a layout change
    page.reload()
    expect(page.locator("#atmo-lab-sidebar")).to_be_visible()
