"""Checking the fields of a job for create and edit, and the schedule preview."""

from __future__ import annotations

import datetime as dt
import json
import keyword
import posixpath
import re
from collections.abc import Mapping
from typing import Any

from ..core import Core
from ..emr_clusters.releases import resolve_release
from ..errors import ValidationFailed
from ..validation import Collector, check_datetime, check_identifier, check_int, iso
from . import constants
from .models import Job
from .schedule import Schedule, check_cron, check_interval, check_timezone

SCHEDULE_FIELDS = ("interval_in_hours", "schedule", "timezone", "start_date", "end_date")
MAX_PREVIEW_RUNS = 10


def identifier_from_file_name(path: str) -> str:
    """A job identifier from a notebook's file name: lowercased, every run of characters
    outside ``[a-z0-9]`` one dash, none at either end, at most 100 characters; ``notebook``
    when nothing is left (``Reports/Monthly Report (v2).ipynb`` → ``monthly-report-v2``)."""
    stem = posixpath.basename(path.replace("\\", "/"))
    if stem.lower().endswith(".ipynb"):
        stem = stem[: -len(".ipynb")]
    identifier = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:100].rstrip("-")
    return identifier or "notebook"


def check_description(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed({"description": "Describe what this job does."})
    if "\x00" in value:  # no store keeps NUL characters in text (PostgreSQL refuses them)
        raise ValidationFailed({"description": "Remove the NUL (\\u0000) characters."})
    if len(value) > constants.MAX_DESCRIPTION_CHARS:
        raise ValidationFailed(
            {"description": f"Use at most {constants.MAX_DESCRIPTION_CHARS:,} characters."}
        )
    return value.strip()


def check_visibility(value: object) -> str:
    if value is None:
        return constants.RESULT_PRIVATE
    if value not in constants.RESULT_VISIBILITIES:
        raise ValidationFailed({"result_visibility": "Choose private or public."})
    assert isinstance(value, str)
    return value


def check_executor(value: object, default: str, local_runs: bool = True) -> str:
    if value is None or value == "":
        value = default
    if value not in constants.EXECUTORS:
        raise ValidationFailed(
            {"executor": "Choose emr (a cluster per run) or local (on this machine)."}
        )
    if value == "local" and not local_runs:  # a team's notebooks must not run beside its keys
        raise ValidationFailed(
            {"executor": "Runs on this machine are off in this deployment: choose emr."}
        )
    assert isinstance(value, str)
    return value


def check_bool(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationFailed({field: "Use true or false."})
    return value


def parameter_name_problem(name: object) -> str | None:
    """Why `name` can't be a papermill parameter of a job (None when it can): it must be a
    Python name that is no keyword, and not the one atmo_lab sets itself."""
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        return f"{name!r} is not a valid Python variable name."
    if name == constants.SCHEDULED_AT_PARAMETER:
        return f"{name} is set by atmo_lab to each run's scheduled time."
    return None


def check_parameters(value: object) -> dict[str, Any]:
    """papermill parameters: an object whose keys are Python names."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationFailed(
            {"parameters": 'Send an object of papermill parameters, e.g. {"n": 3}.'}
        )
    for name in value:
        problem = parameter_name_problem(name)
        if problem is not None:
            raise ValidationFailed({"parameters": problem})
    try:
        text = json.dumps(value, allow_nan=False)
    except ValueError:
        raise ValidationFailed({"parameters": "Use JSON values only."}) from None
    if len(text) > constants.MAX_PARAMETERS_CHARS:
        raise ValidationFailed(
            {"parameters": f"Keep parameters under {constants.MAX_PARAMETERS_CHARS:,} characters."}
        )
    return dict(value)


def _schedule_kind(
    found: Collector, body: Mapping[str, Any], current: tuple[int | None, str | None]
) -> tuple[int | None, str | None]:
    """(interval_in_hours, schedule): exactly one of them is set."""
    interval, cron = current
    sent_interval = body.get("interval_in_hours")
    sent_cron = body.get("schedule")
    if sent_cron == "":
        sent_cron = None
    if sent_interval is not None and sent_cron is not None:
        both = "Send either interval_in_hours or schedule (cron), not both."
        found.errors.update({"interval_in_hours": both, "schedule": both})
        return current
    if sent_cron is not None:
        return None, found.check(check_cron, sent_cron)
    if sent_interval is not None:
        return found.check(check_interval, sent_interval), None
    if "schedule" in body and cron is not None:  # schedule: null goes back to an interval
        return interval or constants.DEFAULT_INTERVAL, None
    if "interval_in_hours" in body and cron is None:
        found.check(check_interval, None)
    return interval, cron


def validate_create(core: Core, body: Mapping[str, Any], now: dt.datetime) -> dict[str, Any]:
    """Clean fields of a new job (the notebook aside); every bad field is named at once."""
    settings = core.settings
    found = Collector()
    fields: dict[str, Any] = {
        "identifier": found.check(check_identifier, body.get("identifier")),
        "description": found.check(check_description, body.get("description")),
        "result_visibility": found.check(check_visibility, body.get("result_visibility")),
        "size": found.check(
            check_int,
            body.get("size", constants.DEFAULT_SIZE),
            "size",
            1,
            settings.max_cluster_size,
        ),
        "job_timeout_hours": found.check(
            check_int,
            body.get("job_timeout_hours", constants.DEFAULT_TIMEOUT_HOURS),
            "job_timeout_hours",
            constants.MIN_TIMEOUT_HOURS,
            constants.MAX_TIMEOUT_HOURS,
        ),
        "emr_release": found.check(resolve_release, settings, body.get("emr_release")),
        "timezone": found.check(check_timezone, body.get("timezone")),
        "parameters": found.check(check_parameters, body.get("parameters")),
        "executor": found.check(
            check_executor, body.get("executor"), settings.job_executor, settings.local_runs
        ),
        "is_enabled": found.check(check_bool, body.get("is_enabled", True), "is_enabled"),
    }
    fields["interval_in_hours"], fields["schedule"] = _schedule_kind(
        found, body, (constants.DEFAULT_INTERVAL, None)
    )
    start = body.get("start_date")
    fields["start_date"] = (
        now if start in (None, "") else found.check(check_datetime, start, "start_date")
    )
    end = body.get("end_date")
    fields["end_date"] = None if end in (None, "") else found.check(check_datetime, end, "end_date")
    _check_dates(found, fields["start_date"], fields["end_date"])
    found.raise_if_any()
    return fields


def validate_update(
    core: Core, job: Job, body: Mapping[str, Any], now: dt.datetime
) -> dict[str, Any]:
    """The changes a PATCH asks for (fields sent), validated against the stored job."""
    settings = core.settings
    found = Collector()
    changes: dict[str, Any] = {}
    if "identifier" in body and body["identifier"] != job.identifier:
        found.errors["identifier"] = "The identifier of a job can't be changed."
    checks: dict[str, Any] = {
        "description": lambda v: check_description(v),
        "result_visibility": lambda v: check_visibility(v),
        "size": lambda v: check_int(v, "size", 1, settings.max_cluster_size),
        "job_timeout_hours": lambda v: check_int(
            v, "job_timeout_hours", constants.MIN_TIMEOUT_HOURS, constants.MAX_TIMEOUT_HOURS
        ),
        "emr_release": lambda v: resolve_release(settings, v),
        "timezone": lambda v: check_timezone(v),
        "parameters": lambda v: check_parameters(v),
        "executor": lambda v: check_executor(v, settings.job_executor, settings.local_runs),
        "is_enabled": lambda v: check_bool(v, "is_enabled"),
    }
    for name, check in checks.items():
        if name in body:
            changes[name] = found.check(check, body[name])
    if "interval_in_hours" in body or "schedule" in body:
        interval, cron = _schedule_kind(found, body, (job.interval_in_hours, job.schedule))
        changes["interval_in_hours"], changes["schedule"] = interval, cron
    start = job.start_date
    if "start_date" in body:
        parsed = found.check(check_datetime, body["start_date"], "start_date")
        if parsed is not None and parsed != job.start_date and parsed < now:
            found.errors["start_date"] = "You can only move the start date to a future date."
        elif parsed is not None:
            changes["start_date"] = start = parsed
    end = job.end_date
    if "end_date" in body:
        value = body["end_date"]
        end = None if value in (None, "") else found.check(check_datetime, value, "end_date")
        changes["end_date"] = end
    if "start_date" in body or "end_date" in body:
        _check_dates(found, start, end)
    found.raise_if_any()
    return changes


def _check_dates(found: Collector, start: dt.datetime | None, end: dt.datetime | None) -> None:
    if start is not None and end is not None and end <= start and "end_date" not in found.errors:
        found.errors["end_date"] = "The end date must be after the start date."


def preview_schedule(
    query: Mapping[str, str | None], now: dt.datetime | None = None
) -> dict[str, Any]:
    """The next runs of the schedule a form describes (query parameters as sent): the
    ``interval_in_hours`` (the default one when empty) or cron ``schedule`` in ``timezone``,
    from ``start_date`` (now when empty) until ``end_date``; ``count`` runs (3 by default).
    400 naming each bad field."""
    now = now or dt.datetime.now(dt.timezone.utc)
    found = Collector()
    cron = query.get("schedule") or None
    interval: int | None = None
    timezone = found.check(check_timezone, query.get("timezone") or None)
    sent_interval = query.get("interval_in_hours") or None
    if cron is not None:
        cron = found.check(check_cron, cron)
    elif sent_interval is None:  # as for a new job that names none
        interval = constants.DEFAULT_INTERVAL
    else:
        interval = found.check(check_interval, _whole(sent_interval))
    start = query.get("start_date") or None
    start_date = now if start is None else found.check(check_datetime, start, "start_date")
    end = query.get("end_date") or None
    end_date = None if end is None else found.check(check_datetime, end, "end_date")
    _check_dates(found, start_date, end_date)
    count = found.check(check_int, _whole(query.get("count") or "3"), "count", 1, MAX_PREVIEW_RUNS)
    found.raise_if_any()
    schedule = Schedule(start_date, end_date, interval, cron, timezone)
    runs = schedule.next_runs(now, count)
    return {"timezone": timezone, "runs": [iso(run) for run in runs]}


def _whole(text: str | None) -> object:
    """A query parameter holding a whole number, as that number (else as it was sent)."""
    return int(text) if text is not None and text.isascii() and text.isdigit() else text
