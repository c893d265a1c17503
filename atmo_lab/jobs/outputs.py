"""Each run's executed notebook: served by the server, and pruned to the newest runs of a job.

A run writes its notebook to ``<identifier>/data/run-<run id>/<notebook>`` and its logs under
``<identifier>/logs/run-<run id>/`` in the job's data bucket (:func:`~atmo_lab.jobs.executor.output_key`), so
runs never overwrite each other. The worker keeps the outputs of a job's newest
``run_outputs_kept`` runs with one and deletes older ones (:func:`prune_run_outputs`).
"""

from __future__ import annotations

import logging
import posixpath
from typing import Any

from botocore.exceptions import ClientError
from sqlalchemy import func, select, update

from ..aws import aws_call, error_code
from ..caller import Caller
from ..core import Core
from ..db import utcnow
from ..errors import AwsFailure, NotFound
from .executor import data_bucket, log_folder, run_folder
from .models import Job, JobRun
from .stored import NotebookDownload

log = logging.getLogger(__name__)

# Objects deleted per DeleteObjects call (S3's limit is 1,000).
DELETE_BATCH = 1000


def output_filename(run_id: int, key: str) -> str:
    """The name a run's notebook is downloaded under: ``<stem>-run-<id>.ipynb``, so the
    outputs of several runs sit side by side."""
    stem, ext = posixpath.splitext(posixpath.basename(key))
    return f"{stem}-{run_folder(run_id)}{ext or '.ipynb'}"


def open_run_output(core: Core, caller: Caller, run_id: int) -> NotebookDownload:
    """A run's executed notebook, open for streaming (NotFound while it has none, once it was
    pruned, or for a run of a job the caller may not read)."""
    from .service import visible_job

    with core.store.reader() as session:
        run = session.get(JobRun, run_id)
        if run is None:
            raise NotFound(f"No run {run_id}.")
        job = visible_job(session, caller, run.job_id)
        bucket = data_bucket(core, job.result_visibility)
        key, pruned = run.output_notebook_key, run.output_pruned_at
    if pruned is not None:
        raise NotFound(
            f"The output of run {run_id} was deleted: only the newest "
            f"{core.settings.run_outputs_kept} runs of a job keep theirs."
        )
    if not key:
        raise NotFound(f"Run {run_id} has no executed notebook (yet).")
    with aws_call("GetObject"):
        try:
            response = core.aws.s3.get_object(Bucket=bucket, Key=key)
        except ClientError as exc:
            if error_code(exc) in ("NoSuchKey", "404"):
                raise NotFound(f"The executed notebook of run {run_id} is missing.") from None
            raise
    length = response.get("ContentLength")
    return NotebookDownload(
        output_filename(run_id, key), int(length) if length is not None else None, response["Body"]
    )


# --- pruning -------------------------------------------------------------------------------------


def prune_run_outputs(core: Core, keep: int | None = None, batch: int = 500) -> list[int]:
    """Delete the executed notebooks and logs of all but each job's newest `keep` runs with an
    output (``run_outputs_kept``; 0 keeps all), up to `batch` runs a call; the run ids pruned,
    each marked ``output_pruned_at``.

    An object another run still shows (runs recorded before outputs were per run shared one
    key) is left in place.
    """
    keep = core.settings.run_outputs_kept if keep is None else keep
    if keep <= 0:
        return []
    with core.store.reader() as session:
        stale = list(session.execute(_stale_outputs(keep, batch)))
        stale_ids = [row.id for row in stale]
        shown = set(
            session.scalars(
                select(JobRun.output_notebook_key).where(
                    JobRun.output_notebook_key.in_({row.output_notebook_key for row in stale}),
                    JobRun.output_pruned_at.is_(None),
                    JobRun.id.not_in(stale_ids),
                )
            )
        )
    pruned: list[int] = []
    for row in stale:
        bucket = data_bucket(core, row.result_visibility)
        objects = [] if row.output_notebook_key in shown else [row.output_notebook_key]
        try:
            objects += _listed(core, bucket, log_folder(row.identifier, row.id))
            _delete(core, bucket, objects)
        except AwsFailure as exc:
            log.warning("Could not delete the output of run %s: %s", row.id, exc)
            continue
        with core.store.session() as session:
            session.execute(
                update(JobRun).where(JobRun.id == row.id).values(output_pruned_at=utcnow())
            )
        pruned.append(row.id)
    return pruned


def _stale_outputs(keep: int, batch: int) -> Any:
    """Runs whose output is still stored but older than their job's newest `keep` runs with
    one: id, key, and the job's identifier and result visibility."""
    rank = func.row_number().over(partition_by=JobRun.job_id, order_by=JobRun.id.desc())
    ranked = (
        select(
            JobRun.id,
            JobRun.output_notebook_key,
            JobRun.output_pruned_at,
            rank.label("rank"),
            Job.identifier,
            Job.result_visibility,
        )
        .join(Job, JobRun.job_id == Job.id)
        .where(JobRun.output_notebook_key.is_not(None))
        .subquery()
    )
    c = ranked.c
    return (
        select(c.id, c.output_notebook_key, c.identifier, c.result_visibility)
        .where(c.rank > keep, c.output_pruned_at.is_(None))
        .order_by(c.id)
        .limit(batch)
    )


def _listed(core: Core, bucket: str, prefix: str) -> list[str]:
    keys: list[str] = []
    with aws_call("ListObjectsV2"):
        paginator = core.aws.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            keys += [obj["Key"] for obj in page.get("Contents", [])]
    return keys


def _delete(core: Core, bucket: str, keys: list[str]) -> None:
    for start in range(0, len(keys), DELETE_BATCH):
        batch = [{"Key": key} for key in keys[start : start + DELETE_BATCH]]
        with aws_call("DeleteObjects"):
            answer = core.aws.s3.delete_objects(
                Bucket=bucket, Delete={"Objects": batch, "Quiet": True}
            )
        errors = answer.get("Errors") or []
        if errors:
            first = errors[0]
            raise AwsFailure("DeleteObjects", first.get("Code", ""), first.get("Message", ""))
