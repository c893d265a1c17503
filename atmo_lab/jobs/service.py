"""Scheduled notebook jobs for a caller, and the worker's entry points.

Owners do everything with their jobs; maintainers may read and run anyone's jobs but not
change or delete them; everyone else gets 404.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import emr
from ..aws import call
from ..caller import Caller
from ..core import Core
from ..db import utcnow
from ..errors import AwsFailure, Conflict, NotFound, ValidationFailed
from ..pages import Page, check_owner, keyset_page
from ..validation import is_valid_identifier, iso, require_object
from .emr_executor import apply_run_info
from .executor import data_bucket
from .fields import SCHEDULE_FIELDS, preview_schedule, validate_create, validate_update
from .inspection import notebook_facts
from .models import Job, JobRun
from .notebooks import Notebook, NotebookSource, notebook_key, take_notebook
from .rows import job_to_dict, jobs_with_latest_run, latest_run, run_to_dict
from .runs import (
    claim_due_jobs,
    enforce_timeouts,
    expire_lapsed_jobs,
    record_missed,
    start_run,
    stop_run_process,
)
from .schedule import Schedule
from .stored import (
    NotebookDownload,
    delete_notebook,
    notebook_age_seconds,
    open_stored_notebook,
    put_notebook,
)

__all__ = [
    "apply_run_info",
    "claim_due_jobs",
    "create_job",
    "delete_job",
    "enforce_timeouts",
    "expire_lapsed_jobs",
    "get_job",
    "get_run",
    "identifier_availability",
    "list_jobs",
    "list_results",
    "list_runs",
    "notebook_facts",
    "open_notebook",
    "preview_schedule",
    "record_missed",
    "run_now",
    "start_run",
    "update_job",
]

log = logging.getLogger(__name__)

# A stored notebook with no job row older than this is a leftover of a crashed request.
ORPHAN_NOTEBOOK_SECONDS = 600
# Results written before a job existed belong to an earlier job with the same identifier.
RESULTS_CLOCK_SKEW = dt.timedelta(minutes=2)
MAX_RESULTS = 5000
PRESIGN_SECONDS = 3600


# --- access ----------------------------------------------------------------------------------------


def visible_job(session: Session, caller: Caller, job_id: int, lock: bool = False) -> Job:
    """A job the caller may read and run (their own; anyone's for maintainers)."""
    job = session.get(Job, job_id, with_for_update=lock)
    if job is None or not (caller.owns(job.owner) or caller.is_maintainer):
        raise NotFound(f"No job {job_id}.")
    return job


def owned_job(session: Session, caller: Caller, job_id: int, lock: bool = False) -> Job:
    """The caller's own job (maintainers too can change only their own)."""
    job = visible_job(session, caller, job_id, lock)
    if not caller.owns(job.owner):
        raise NotFound(
            f"Job {job.identifier} belongs to {job.owner}; only its owner can change or delete it."
        )
    return job


# --- reading ---------------------------------------------------------------------------------------


def list_jobs(
    core: Core,
    caller: Caller,
    owner: str | None = None,
    limit: int | str | None = None,
    cursor: str | None = None,
) -> Page:
    """The caller's jobs (everyone's for a maintainer asking ``owner=all``), newest first."""
    check_owner(owner)
    query = jobs_with_latest_run(lateral=not core.store.is_sqlite)
    count = select(func.count(Job.id))
    if not (owner == "all" and caller.is_maintainer):
        query = query.where(Job.owner == caller.username)
        count = count.where(Job.owner == caller.username)
    with core.store.reader() as session:
        return keyset_page(
            session, query, Job.id, lambda row: job_to_dict(row[0], row[1]), limit, cursor,
            core.settings.page_size, count=count,
        )  # fmt: skip


def get_job(core: Core, caller: Caller, job_id: int) -> dict[str, Any]:
    with core.store.reader() as session:
        job = visible_job(session, caller, job_id)
        return job_to_dict(job, latest_run(session, job.id))


def identifier_availability(core: Core, identifier: object) -> dict[str, Any]:
    """Whether an identifier may be used for a new job."""
    text = identifier if isinstance(identifier, str) else ""
    valid = is_valid_identifier(text)
    available = valid and not _identifier_taken(core, text)
    return {"identifier": text, "valid": valid, "available": available}


def _identifier_taken(core: Core, identifier: str) -> bool:
    with core.store.reader() as session:
        return (
            session.scalar(select(Job.id).where(Job.identifier == identifier).limit(1)) is not None
        )


def list_runs(
    core: Core,
    caller: Caller,
    job_id: int,
    limit: int | str | None = None,
    cursor: str | None = None,
) -> Page:
    """A job's runs, newest first (missed occurrences included)."""
    with core.store.reader() as session:
        visible_job(session, caller, job_id)
        query = select(JobRun).where(JobRun.job_id == job_id)
        return keyset_page(
            session, query, JobRun.id, lambda row: run_to_dict(row[0]), limit, cursor,
            core.settings.page_size,
        )  # fmt: skip


def get_run(core: Core, caller: Caller, run_id: int) -> dict[str, Any]:
    with core.store.reader() as session:
        run = session.get(JobRun, run_id)
        if run is None:
            raise NotFound(f"No run {run_id}.")
        visible_job(session, caller, run.job_id)
        return run_to_dict(run)


def open_notebook(core: Core, caller: Caller, job_id: int) -> NotebookDownload:
    """The stored notebook, open for streaming."""
    with core.store.reader() as session:
        job = visible_job(session, caller, job_id)
        key, name = job.notebook_s3_key, job.notebook_name
    return open_stored_notebook(core, key, name)


def list_results(core: Core, caller: Caller, job_id: int) -> dict[str, Any]:
    """The job's results under ``<identifier>/``, grouped by folder (``data``, ``logs``).

    Each result has a presigned download ``url``. Objects older than the job (an earlier job
    with the same identifier) are not listed.
    """
    with core.store.reader() as session:
        job = visible_job(session, caller, job_id)
        identifier, created_at = job.identifier, job.created_at
        bucket = data_bucket(core, job.result_visibility)
    s3 = core.aws.s3
    cutoff = created_at - RESULTS_CLOCK_SKEW
    objects: list[dict[str, Any]] = []
    truncated = False

    def walk() -> None:
        nonlocal truncated
        paginator = s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=f"{identifier}/"):
            for obj in page.get("Contents", []):
                if len(objects) >= MAX_RESULTS:
                    truncated = True
                    return
                objects.append(obj)

    call("ListObjectsV2", walk)
    groups: dict[str, list[dict[str, Any]]] = {"data": [], "logs": []}
    for obj in objects:
        key = obj["Key"]
        parts = key.split("/", 2)
        if len(parts) < 3 or not parts[1] or not parts[2] or key.endswith("/"):
            continue
        modified = obj.get("LastModified")
        if modified is not None and modified < cutoff:
            continue
        url = s3.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=PRESIGN_SECONDS
        )
        groups.setdefault(parts[1], []).append(
            {"key": key, "size": obj.get("Size", 0), "last_modified": iso(modified), "url": url}
        )
    for name, items in groups.items():
        items.sort(key=lambda r: r["key"], reverse=(name == "logs"))
    result: dict[str, Any] = dict(groups)
    result["bucket"] = bucket
    if truncated:
        result["truncated"] = True
    return result


# --- creating --------------------------------------------------------------------------------------


def _source_from_body(
    body: Mapping[str, Any], default_name: str | None = None
) -> NotebookSource | None:
    """The notebook sent as JSON (``notebook`` + ``notebook_name``), if any."""
    if body.get("notebook_path") not in (None, ""):
        raise ValidationFailed(
            {
                "notebook_path": "notebook_path is read by the Jupyter server; "
                "send the notebook JSON (notebook and notebook_name) instead."
            }
        )
    notebook = body.get("notebook")
    if notebook is None:
        if body.get("notebook_name") not in (None, "") and default_name is not None:
            raise ValidationFailed({"notebook": "Send the notebook with its new name."})
        return None
    name = body.get("notebook_name")
    if name in (None, "") and default_name is not None:
        name = default_name
    name = name if isinstance(name, str) else ""
    if not isinstance(notebook, str | Mapping):
        raise ValidationFailed({"notebook": "Send the notebook as a JSON object."})
    return NotebookSource(name=name, content=notebook)


def _read(core: Core, source: NotebookSource | None, required: bool) -> Notebook | None:
    """The notebook of a request, its size and name checked (its content is ``validate()``'s)."""
    if source is None:
        if required:
            raise ValidationFailed(
                {
                    "notebook": "Choose a notebook: send notebook_path, or notebook with "
                    "notebook_name."
                }
            )
        return None
    return take_notebook(source, core.settings.max_notebook_bytes)


def create_job(
    core: Core, caller: Caller, body: object, notebook: NotebookSource | None = None
) -> dict[str, Any]:
    """Validate, upload the notebook, then record the job; nothing is kept when a step fails.

    `notebook` is the notebook the server read for ``notebook_path``; without it the notebook
    comes from the body (``notebook`` and ``notebook_name``). Order of checks: 413 for a
    notebook over ``max_notebook_bytes``, 400 naming every bad field, 409 when the identifier
    is taken, 502 when S3 fails.
    """
    fields_in = require_object(body)
    now = utcnow()
    errors: dict[str, str] = {}
    clean: Notebook | None = None
    try:
        source = notebook or _source_from_body(fields_in)
        clean = _read(core, source, required=True)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    try:
        fields = validate_create(core, fields_in, now)
    except ValidationFailed as exc:
        errors = {**exc.errors, **errors}
    errors.update(_content_errors(clean))
    if errors or clean is None:
        raise ValidationFailed(errors)
    identifier = fields["identifier"]
    taken = Conflict(
        f"The identifier {identifier} is already used by another job.",
        {"identifier": "This identifier is taken; choose another one."},
    )
    if _identifier_taken(core, identifier):
        raise taken
    schedule = Schedule(
        start_date=fields["start_date"],
        end_date=fields["end_date"],
        interval_in_hours=fields["interval_in_hours"],
        cron=fields["schedule"],
        timezone=fields["timezone"],
    )
    key = notebook_key(identifier, clean.name)
    job = Job(
        owner=caller.username,
        notebook_name=clean.name,
        notebook_s3_key=key,
        next_run_at=_first_run(schedule, fields["is_enabled"], now),
        created_at=now,
        **fields,
    )
    _upload_new(core, key, clean, identifier, taken)
    try:
        with core.store.session() as session:
            session.add(job)
            session.flush()
    except IntegrityError:  # taken since the check above
        _delete_quietly(core, key)
        raise taken from None
    except BaseException:
        _delete_quietly(core, key)
        raise
    return job_to_dict(job, None)


def _first_run(schedule: Schedule, enabled: bool, now: dt.datetime) -> dt.datetime | None:
    """The first occurrence, from the start date (a past start date makes it due at once).

    None for a disabled job, and for a job whose end date has already passed.
    """
    if not enabled or (schedule.end_date is not None and schedule.end_date <= now):
        return None
    return schedule.first_at_or_after(schedule.start_date)


def _content_errors(notebook: Notebook | None) -> dict[str, str]:
    """What is wrong with a notebook's content (nothing when there is no notebook)."""
    try:
        if notebook is not None:
            notebook.validate()
    except ValidationFailed as exc:
        return exc.errors
    return {}


def _upload_new(
    core: Core,
    key: str,
    notebook: Notebook,
    identifier: str,
    taken: Conflict,
) -> None:
    """Upload a new job's notebook without ever overwriting another request's upload.

    The PUT is conditional (``If-None-Match: *``), so of two concurrent requests for one
    identifier only one creates the object; the other gets 409 and touches nothing. An object
    with no job row that is older than :data:`ORPHAN_NOTEBOOK_SECONDS` is a leftover of a
    crashed request and is replaced.
    """
    if put_notebook(core, key, notebook, only_if_absent=True):
        return
    if _identifier_taken(core, identifier):
        raise taken
    age = notebook_age_seconds(core, key)
    if age is not None and age < ORPHAN_NOTEBOOK_SECONDS:
        raise Conflict(
            f"Another request is creating the job {identifier} right now.",
            {"identifier": "This identifier is being used by a job being created."},
        )
    put_notebook(core, key, notebook)


def _delete_quietly(core: Core, key: str) -> None:
    try:
        delete_notebook(core, key)
    except AwsFailure:
        log.exception("Could not remove notebook %s", key)


# --- editing ---------------------------------------------------------------------------------------


def update_job(
    core: Core,
    caller: Caller,
    job_id: int,
    body: object,
    notebook: NotebookSource | None = None,
) -> dict[str, Any]:
    """Change any field but the identifier; a new notebook replaces the stored one.

    The schedule keeps its anchor: ``next_run_at`` is recomputed from ``start_date`` and never
    falls before now once the job has run (editing never makes a job due at once).
    """
    fields_in = require_object(body)
    now = utcnow()
    with core.store.reader() as session:
        current = owned_job(session, caller, job_id)
    errors: dict[str, str] = {}
    clean: Notebook | None = None
    try:
        source = notebook or _source_from_body(fields_in, default_name=current.notebook_name)
        clean = _read(core, source, required=False)
        if clean is not None:
            clean.validate()  # before the upload: it may replace the stored notebook
    except ValidationFailed as exc:
        errors.update(exc.errors)
    try:
        changes = validate_update(core, current, fields_in, now)
    except ValidationFailed as exc:
        errors = {**exc.errors, **errors}
    if errors:
        raise ValidationFailed(errors)
    new_key = notebook_key(current.identifier, clean.name) if clean else None
    if clean is not None and new_key is not None:
        put_notebook(core, new_key, clean)
    old_key = None
    try:
        with core.store.session() as session:
            job = owned_job(session, caller, job_id, lock=True)
            old_key = job.notebook_s3_key
            reschedule = _apply_changes(job, changes)
            if clean is not None and new_key is not None:
                job.notebook_name, job.notebook_s3_key = clean.name, new_key
            if "end_date" in changes and (job.end_date is None or job.end_date > now):
                job.expired_date = None  # moving the end date into the future un-expires
            if reschedule:
                job.next_run_at = _next_run_after_edit(session, job, now)
            job.modified_at = now
            session.flush()
            result = job_to_dict(job, latest_run(session, job.id))
    except NotFound:
        if new_key is not None:
            _delete_quietly(core, new_key)
        raise
    if new_key is not None and old_key is not None and old_key != new_key:
        _delete_quietly(core, old_key)
    return result


def _apply_changes(job: Job, changes: Mapping[str, Any]) -> bool:
    """Set changed fields; True when the schedule has to be recomputed."""
    reschedule = False
    for name, value in changes.items():
        if getattr(job, name) == value:
            continue
        setattr(job, name, value)
        if name in SCHEDULE_FIELDS or name == "is_enabled":
            reschedule = True
    return reschedule


def _next_run_after_edit(session: Session, job: Job, now: dt.datetime) -> dt.datetime | None:
    """The next occurrence after an edit: on the grid anchored at ``start_date``, and not
    before now once the job has run (a never-run job with a past start is still due)."""
    schedule = Schedule.of(job)
    has_run = session.scalar(select(JobRun.id).where(JobRun.job_id == job.id).limit(1))
    if has_run is None:
        return _first_run(schedule, job.is_enabled, now)
    if not job.is_enabled:
        return None
    return schedule.first_at_or_after(max(now, job.start_date))


# --- deleting --------------------------------------------------------------------------------------


def delete_job(core: Core, caller: Caller, job_id: int) -> None:
    """Stop a running run, remove the stored notebook, then the job; results stay in S3."""
    with core.store.reader() as session:
        job = owned_job(session, caller, job_id)
        key = job.notebook_s3_key
        active = list(
            session.scalars(
                select(JobRun).where(JobRun.job_id == job_id, JobRun.status.in_(emr.ACTIVE_STATES))
            )
        )
    for run in active:
        stop_run_process(core, run)  # AwsFailure → 502, nothing deleted yet
    delete_notebook(core, key)
    with core.store.session() as session:
        job = owned_job(session, caller, job_id, lock=True)
        stragglers = list(
            session.scalars(
                select(JobRun).where(
                    JobRun.job_id == job_id,
                    JobRun.status.in_(emr.ACTIVE_STATES),
                    JobRun.id.not_in([r.id for r in active]),
                )
            )
        )
        session.delete(job)
    for run in stragglers:  # started while we were deleting
        try:
            stop_run_process(core, run)
        except AwsFailure:
            log.exception("Could not stop run %s of deleted job %s", run.id, job_id)


# --- running ---------------------------------------------------------------------------------------


def run_now(core: Core, caller: Caller, job_id: int) -> dict[str, Any]:
    """Start a run at once (owners and maintainers); 409 while a run is active."""
    with core.store.reader() as session:
        visible_job(session, caller, job_id)
    run = start_run(core, job_id, utcnow(), manual=True)
    assert run is not None
    return run
