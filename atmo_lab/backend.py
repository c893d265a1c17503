"""Where the Python API's and the widgets' calls go: this installation's core, or the team
service in client mode, and the few steps both take the same way.

:func:`backend` picks the core (``core=`` when given; the team service's
:class:`~atmo_lab.team.remote.ServiceCore` when ``service_url`` is configured; else
:func:`atmo_lab.core.default_core`). ``cluster_calls``, ``key_calls`` and ``job_calls`` give
the service module whose functions answer on it: the core's own modules, or the ServiceCore's
REST stand-ins (same names and signatures). :mod:`atmo_lab.api` and :mod:`atmo_lab.widgets`
both import this module; the widgets never import the API.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from typing import Any, cast

from . import emr
from .core import Core, default_core
from .emr_clusters import service as clusters_service
from .errors import NotFound, ValidationFailed
from .ssh_keys import service as keys_service

#: Steps of a cluster coming up, for progress bars: STARTING → BOOTSTRAPPING → ready.
STARTUP_STEPS = 3
_STEP = {emr.STARTING: 1, emr.BOOTSTRAPPING: 2, emr.RUNNING: 3, emr.WAITING: 3}
_STEP_LABEL = {1: "Starting", 2: "Bootstrapping", 3: "Ready"}


def startup_progress(status: str | None) -> tuple[int, str]:
    """``(step, label)`` of a status on the way up (step 0..STARTUP_STEPS)."""
    step = _STEP.get(status or "", 0)
    return step, _STEP_LABEL.get(step, (status or "unknown").title())


def backend(core: Core | None = None) -> Core:
    """`core`, else this installation's: the team service's in client mode."""
    if core is not None:
        return core
    from .team.remote import configured_service_url

    service_url = configured_service_url()
    if service_url:  # a kernel of a team member's server: the service answers
        from .team.remote import ServiceCore

        return cast("Core", ServiceCore(service_url))
    return default_core()


def cluster_calls(core: Core) -> Any:
    """The cluster calls: the core's, or the team service's (client mode)."""
    return getattr(core, "clusters_service", clusters_service)


def key_calls(core: Core) -> Any:
    """The SSH key calls: the core's, or the team service's (client mode)."""
    return getattr(core, "keys_service", keys_service)


def job_calls(core: Core) -> Any:
    """The scheduled notebook calls: the core's, or the team service's (client mode)."""
    jobs_service = getattr(core, "jobs_service", None)
    if jobs_service is None:
        from .jobs import service as jobs_service  # SQLAlchemy and papermill: only when used

    return jobs_service


def find_cluster(core: Core, ref: int | str) -> dict[str, Any]:
    """The caller's cluster `ref`: an id, or an identifier (the newest cluster of that name).

    A string of digits that names none of your clusters is taken as an id.
    """
    caller = core.caller()
    if isinstance(ref, bool) or not isinstance(ref, (int, str)):
        raise TypeError("Pass a cluster id (int) or identifier (str).")
    if isinstance(ref, int):
        return cluster_calls(core).get_cluster(core, caller, ref)
    cursor: str | None = None
    while True:
        page = cluster_calls(core).list_clusters(core, caller, status="all", cursor=cursor)
        for item in page.items:  # newest first
            if item["identifier"] == ref:
                return item
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    if ref.isdigit():
        return cluster_calls(core).get_cluster(core, caller, int(ref))
    raise NotFound(f"You have no cluster named {ref!r}.")


def _when(value: str | dt.datetime | None) -> str | None:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("Pass an aware datetime (with a time zone), or an ISO 8601 string.")
        return value.isoformat()
    return value


def schedule(
    notebook: str | os.PathLike[str] | Mapping[str, Any],
    identifier: str,
    description: str,
    *,
    interval_in_hours: int | None = None,
    schedule: str | None = None,
    timezone: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    executor: str | None = None,
    size: int | None = None,
    job_timeout_hours: int | None = None,
    result_visibility: str | None = None,
    emr_release: str | None = None,
    start_date: str | dt.datetime | None = None,
    end_date: str | dt.datetime | None = None,
    notebook_name: str | None = None,
    core: Core | None = None,
) -> dict[str, Any]:
    """Schedule a notebook; returns the job.

    `notebook` is a path to an ``.ipynb`` file (its saved content is uploaded) or the notebook
    JSON itself with `notebook_name`. Run it every `interval_in_hours` (24, 168 = the default,
    or 720) or on a five-field cron `schedule` in `timezone` (default UTC), with papermill
    `parameters`, on ``executor`` ``"emr"`` (a cluster of `size` nodes per run) or ``"local"``.
    Raises :class:`~atmo_lab.errors.ValidationFailed` naming the bad fields,
    :class:`~atmo_lab.errors.Conflict` when the identifier is taken.
    """
    core = backend(core)
    body: dict[str, Any] = {"identifier": identifier, "description": description}
    unreadable: str | None = None
    if isinstance(notebook, Mapping):
        body["notebook"] = dict(notebook)
        body["notebook_name"] = notebook_name
    else:
        path = os.fspath(notebook)
        body["notebook_name"] = notebook_name or os.path.basename(path)
        try:
            with open(path, encoding="utf-8") as handle:
                body["notebook"] = handle.read()
        except FileNotFoundError:
            unreadable = f"There is no notebook at {path}."
        except (OSError, UnicodeDecodeError) as exc:
            unreadable = f"Could not read {path}: {exc}"
    optional = {
        "interval_in_hours": interval_in_hours,
        "schedule": schedule,
        "timezone": timezone,
        "parameters": dict(parameters) if parameters is not None else None,
        "executor": executor,
        "size": size,
        "job_timeout_hours": job_timeout_hours,
        "result_visibility": result_visibility,
        "emr_release": emr_release,
        "start_date": _when(start_date),
        "end_date": _when(end_date),
    }
    body.update({name: value for name, value in optional.items() if value is not None})
    try:
        return job_calls(core).create_job(core, core.caller(), body)
    except ValidationFailed as exc:  # without a notebook it always fails, naming every field
        if unreadable is None:
            raise
        raise ValidationFailed({**exc.errors, "notebook": unreadable}) from None
