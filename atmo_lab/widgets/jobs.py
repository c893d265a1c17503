"""JobPanel: schedule this notebook, list my jobs, run one now, open its results."""

from __future__ import annotations

import html
import json
import zoneinfo
from collections.abc import Mapping
from typing import Any

import ipywidgets as W
from traitlets import List, Unicode

from ..backend import backend, job_calls, schedule
from ..core import Core
from ..jobs import constants, fields
from ._base import (
    BIG,
    DESCRIPTION,
    clear_errors,
    close_tree,
    error_html,
    error_label,
    field_layout,
    info_html,
    show,
    show_error,
)
from .notebook import current_notebook_path

CRON = "cron"
INTERVALS = {24: "every day", 168: "every week", 720: "every 30 days"}
NO_NOTEBOOK = (
    "Could not tell which notebook this kernel runs. Type its path above, or pass it: "
    "JobPanel('path/to/notebook.ipynb')."
)


def identifier_for(path: str | None) -> str:
    """The identifier field's start: the server's rule for a file name, empty until a path
    is known (so that typing the path later still fills it)."""
    return fields.identifier_from_file_name(path) if path else ""


def describe_schedule(job: Mapping[str, Any]) -> str:
    if job.get("schedule"):
        return f"cron {job['schedule']} ({job.get('timezone') or 'UTC'})"
    hours = job.get("interval_in_hours")
    return INTERVALS.get(hours, f"every {hours} h") if hours else "—"


def _time(value: object) -> str:
    return str(value).replace("T", " ")[:16] + " UTC" if value else "—"


def duration_text(seconds: object) -> str:
    """A run's duration as people read it: "7 s", "3 min", "1 h 5 min"."""
    if not isinstance(seconds, int | float):
        return ""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    hours, minutes = divmod(whole // 60, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def latest_text(run: Mapping[str, Any]) -> str:
    """A job's latest run in words: "succeeded · 7 s", "never ran"."""
    if not run:
        return "never ran"
    parts = [str(run.get("outcome") or run.get("status"))]
    duration = duration_text(run.get("duration_seconds"))
    return " · ".join([*parts, duration] if duration else parts)


class JobRow(W.VBox):
    """One job in the list: what and when, Run now, Results."""

    def __init__(self, panel: JobPanel, job: Mapping[str, Any]) -> None:
        self.panel = panel
        self.job: dict[str, Any] = dict(job)
        self.summary = W.HTML(layout=W.Layout(width="640px"))
        self.run_button = W.Button(description="Run now", icon="play")
        self.results_button = W.Button(description="Results", icon="folder-open")
        self.results = W.HTML()
        self.message = W.HTML()
        self.run_button.on_click(self._on_run)
        self.results_button.on_click(self._on_results)
        show(self.results, False)
        super().__init__(
            [
                W.HBox([self.summary, self.run_button, self.results_button]),
                self.message,
                self.results,
            ],
            layout=W.Layout(border_bottom="1px solid var(--jp-border-color2, #ddd)"),
        )
        self.render()

    @property
    def job_id(self) -> int:
        return int(self.job["id"])

    def render(self) -> None:
        job = self.job
        latest = job.get("latest_run") or {}
        status = latest_text(latest)
        error = latest.get("error") or {}
        failure = (
            f" — cell {error.get('cell_index')}: {error.get('ename')}: {error.get('evalue')}"
            if error
            else ""
        )
        state = "" if job.get("is_enabled", True) else " (disabled)"
        if job.get("expired_date"):
            state = " (expired)"
        self.summary.value = (
            f"<b>{html.escape(str(job.get('identifier')))}</b>{html.escape(state)} · "
            f"{html.escape(str(job.get('notebook_name')))} · "
            f"{html.escape(describe_schedule(job))} on {html.escape(str(job.get('executor')))}"
            f"<br><span style='font-size: 90%'>next run {html.escape(_time(job.get('next_run_at')))}"
            f" · latest: {html.escape(status)}{html.escape(failure)}</span>"
        )

    def reload(self) -> None:
        """Read the job again (after a run was started)."""
        panel = self.panel
        self.job = panel.job_calls.get_job(panel.core, panel.caller, self.job_id)
        self.render()

    def _on_run(self, _button: W.Button | None = None) -> None:
        self.message.value = ""
        try:
            panel = self.panel
            run = panel.job_calls.run_now(panel.core, panel.caller, self.job_id)
            self.reload()
        except Exception as exc:  # noqa: BLE001 - shown: callback errors vanish in Lab
            show_error(exc, {}, self.message)
            return
        self.message.value = info_html(f"Run {run['id']} started ({run['status']}).")

    def _on_results(self, _button: W.Button | None = None) -> None:
        self.message.value = ""
        try:
            panel = self.panel
            found = panel.job_calls.list_results(panel.core, panel.caller, self.job_id)
        except Exception as exc:  # noqa: BLE001 - shown: callback errors vanish in Lab
            show_error(exc, {}, self.message)
            return
        sections = []
        for group in ("data", "logs"):
            items = found.get(group) or []
            links = "".join(
                f"<li><a href='{html.escape(item['url'], quote=True)}' target='_blank' "
                f"rel='noopener'>{html.escape(item['key'])}</a> ({item['size']:,} bytes)</li>"
                for item in items
            )
            sections.append(
                f"<b>{group}</b>" + (f"<ul>{links}</ul>" if links else " — none yet<br>")
            )
        self.results.value = "".join(sections)
        show(self.results, True)


class JobPanel(W.VBox):
    """Schedule a notebook (by default the one this kernel runs) and manage your jobs.

    The form uploads the saved notebook file; the list shows your jobs with their next run and
    latest status, a Run now button and links to their results.
    """

    notebook_path = Unicode("", help="Path of the notebook the form schedules")
    jobs: List[dict[str, Any]] = List(help="Your jobs (their REST objects), newest first")

    def __init__(
        self, notebook_path: str | None = None, core: Core | None = None, **kwargs: Any
    ) -> None:
        self.core = backend(core)
        self.job_calls = job_calls(self.core)
        self.caller = self.core.caller()
        settings = self.core.settings
        path = notebook_path or current_notebook_path() or ""

        self.notebook = W.Text(
            value=path, description="Notebook", placeholder="path/to/notebook.ipynb",
            style=DESCRIPTION, layout=field_layout("620px"),
        )  # fmt: skip
        self.notebook_hint = W.HTML(layout=W.Layout(margin="0 0 0 124px"))
        self.identifier = W.Text(
            value=identifier_for(path), description="Identifier",
            style=DESCRIPTION, layout=field_layout(),
        )  # fmt: skip
        self.description = W.Textarea(
            value="", description="Description", placeholder="What does this job do?",
            style=DESCRIPTION, layout=field_layout("620px"),
        )  # fmt: skip
        self.interval = W.Dropdown(
            options=[("Daily", 24), ("Weekly", 168), ("Monthly (every 30 days)", 720),
                     ("Cron schedule…", CRON)],
            value=constants.DEFAULT_INTERVAL, description="Runs",
            style=DESCRIPTION, layout=field_layout(),
        )  # fmt: skip
        self.cron = W.Text(
            value="", description="Cron", placeholder="0 6 * * 1-5  (min hour day month weekday)",
            style=DESCRIPTION, layout=field_layout(),
        )  # fmt: skip
        self.timezone = W.Combobox(
            value=constants.DEFAULT_TIMEZONE, options=sorted(zoneinfo.available_timezones()),
            ensure_option=False, description="Time zone", style=DESCRIPTION,
            layout=field_layout(),
        )  # fmt: skip
        self.parameters = W.Textarea(
            value="{}", description="Parameters", placeholder='{"n": 3}  (papermill, JSON)',
            style=DESCRIPTION, layout=field_layout("620px"),
        )  # fmt: skip
        self.executor = W.Dropdown(
            options=[("EMR (a cluster per run)", constants.EXECUTOR_EMR),
                     ("Local (on this machine)", constants.EXECUTOR_LOCAL)],
            value=settings.job_executor, description="Executor",
            style=DESCRIPTION, layout=field_layout(),
        )  # fmt: skip
        self.size = W.BoundedIntText(
            value=constants.DEFAULT_SIZE, min=1, max=settings.max_cluster_size or BIG,
            description="Cluster size", style=DESCRIPTION, layout=field_layout("220px"),
        )  # fmt: skip
        self.job_timeout_hours = W.BoundedIntText(
            value=constants.DEFAULT_TIMEOUT_HOURS, min=constants.MIN_TIMEOUT_HOURS,
            max=constants.MAX_TIMEOUT_HOURS, description="Timeout (h)",
            style=DESCRIPTION, layout=field_layout("220px"),
        )  # fmt: skip
        self.schedule_button = W.Button(
            description="Schedule", button_style="primary", icon="calendar"
        )
        self.message = W.HTML()
        self.refresh_button = W.Button(description="Refresh", icon="refresh")
        self.job_list = W.VBox([])

        names = (
            "notebook", "identifier", "description", "interval_in_hours", "schedule", "timezone",
            "parameters", "executor", "size", "job_timeout_hours",
        )  # fmt: skip
        self.field_errors: dict[str, W.HTML] = {name: error_label() for name in names}
        e = self.field_errors
        e["notebook_name"] = e["notebook_path"] = e["notebook"]  # all about the notebook field
        self.cron_box = W.VBox([self.cron, e["schedule"], self.timezone, e["timezone"]])

        self.interval.observe(self._on_interval, names="value")
        self.executor.observe(self._on_executor, names="value")
        self.notebook.observe(self._on_notebook, names="value")
        self.schedule_button.on_click(self._on_schedule)
        self.refresh_button.on_click(lambda _b: self.refresh())

        super().__init__(
            children=[
                W.HTML("<b style='font-size: 110%'>Schedule a notebook</b>"),
                self.notebook, self.notebook_hint, e["notebook"],
                self.identifier, e["identifier"],
                self.description, e["description"],
                self.interval, e["interval_in_hours"], self.cron_box,
                self.parameters, e["parameters"],
                self.executor, e["executor"],
                self.size, e["size"],
                self.job_timeout_hours, e["job_timeout_hours"],
                W.HBox([self.schedule_button, self.message]),
                W.HBox([W.HTML("<b style='font-size: 110%'>My jobs</b>"), self.refresh_button]),
                self.job_list,
            ],
            **kwargs,
        )  # fmt: skip
        self._on_notebook()
        self._on_interval()
        self._on_executor()
        self.refresh()

    # --- form ----------------------------------------------------------------------------

    def _on_notebook(self, _change: Any = None) -> None:
        self.notebook_path = self.notebook.value.strip()
        if not self.notebook_path:
            self.notebook_hint.value = error_html(NO_NOTEBOOK)
        else:
            self.notebook_hint.value = info_html(
                "The saved version of this notebook is scheduled: save it first."
            )
        if not self.identifier.value:
            self.identifier.value = identifier_for(self.notebook_path)

    def _on_interval(self, _change: Any = None) -> None:
        show(self.cron_box, self.interval.value == CRON)

    def _on_executor(self, _change: Any = None) -> None:
        show(self.size, self.executor.value == constants.EXECUTOR_EMR)

    def form(self) -> dict[str, Any]:
        """The keyword arguments of :func:`atmo_lab.schedule` this form describes.

        Raises ValueError when the parameters are not a JSON document.
        """
        text = self.parameters.value.strip()
        parameters = json.loads(text) if text else {}
        fields: dict[str, Any] = {
            "identifier": self.identifier.value.strip(),
            "description": self.description.value,
            "parameters": parameters,
            "executor": self.executor.value,
            "job_timeout_hours": self.job_timeout_hours.value,
        }
        if self.executor.value == constants.EXECUTOR_EMR:
            fields["size"] = self.size.value
        if self.interval.value == CRON:
            fields["schedule"] = self.cron.value.strip()
            fields["timezone"] = self.timezone.value.strip() or constants.DEFAULT_TIMEZONE
        else:
            fields["interval_in_hours"] = self.interval.value
        return fields

    def _on_schedule(self, _button: W.Button | None = None) -> None:
        clear_errors(self.field_errors, self.message)
        if not self.notebook_path:
            self.field_errors["notebook"].value = error_html(NO_NOTEBOOK)
            return
        try:
            fields = self.form()
        except ValueError as exc:
            self.field_errors["parameters"].value = error_html(f"Not valid JSON: {exc}")
            self.message.value = error_html("Please correct the fields marked below.")
            return
        self.schedule_button.disabled = True
        try:
            job = schedule(self.notebook_path, core=self.core, **fields)
        except Exception as exc:  # noqa: BLE001 - shown: callback errors vanish in Lab
            show_error(exc, self.field_errors, self.message)
            return
        finally:
            self.schedule_button.disabled = False
        self.message.value = info_html(
            f"Scheduled {job['identifier']}; next run {_time(job.get('next_run_at'))}."
        )
        self.refresh()

    # --- list ----------------------------------------------------------------------------

    @property
    def job_rows(self) -> list[JobRow]:
        """The rows of the job list, newest job first."""
        return [row for row in self.job_list.children if isinstance(row, JobRow)]

    def refresh(self) -> None:
        """Read my jobs again."""
        try:
            found: list[dict[str, Any]] = []
            cursor: str | None = None
            while True:
                page = self.job_calls.list_jobs(self.core, self.caller, cursor=cursor)
                found.extend(page.items)
                if page.next_cursor is None:
                    break
                cursor = page.next_cursor
        except Exception as exc:  # noqa: BLE001 - shown: callback errors vanish in Lab
            show_error(exc, {}, self.message)
            return
        old = self.job_list.children
        self.jobs = found
        rows: list[W.Widget] = [JobRow(self, job) for job in found]
        if not rows:
            rows = [W.HTML(info_html("No jobs yet."))]
        self.job_list.children = rows
        close_tree(old)

    def close(self) -> None:
        """Close the panel and all its parts."""
        close_tree(self.children)
        super().close()

    def __repr__(self) -> str:
        return f"JobPanel(notebook_path={self.notebook_path!r}, jobs={len(self.jobs)})"
