"""Helpers of the jobs tests (no tests here): notebooks, S3 listings, waiting for runs."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from atmo_lab.jobs.models import Job, JobRun

CODE = "atmo-lab-code"
PRIVATE = "atmo-lab-private-data"
PUBLIC = "atmo-lab-public-data"


def notebook(*sources: str, parameters: str | None = None, kernel: str | None = "python3") -> dict:
    """An nbformat 4 notebook: an optional ``parameters``-tagged cell, then code cells."""
    nb = new_notebook()
    if kernel:
        nb.metadata["kernelspec"] = {
            "name": kernel,
            "display_name": "Python 3",
            "language": "python",
        }
    nb.cells.append(new_markdown_cell("# A scheduled notebook"))
    if parameters is not None:
        cell = new_code_cell(parameters)
        cell.metadata["tags"] = ["parameters"]
        nb.cells.append(cell)
    nb.cells.extend(new_code_cell(source) for source in sources)
    return json.loads(nbformat.writes(nb))


def job_body(identifier: str = "daily-report", **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "identifier": identifier,
        "description": "Counts things",
        "notebook": notebook("print('hello')"),
        "notebook_name": "report.ipynb",
    }
    body.update(fields)
    return body


def keys(aws: Any, bucket: str, prefix: str = "") -> list[str]:
    s3 = aws.client("s3")
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return sorted(obj["Key"] for page in pages for obj in page.get("Contents", []))


def read_json(aws: Any, bucket: str, key: str) -> Any:
    return json.loads(aws.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())


def counts(core: Any) -> tuple[int, int]:
    with core.store.reader() as session:
        return session.query(Job).count(), session.query(JobRun).count()


async def wait_for_run(
    api: Any, job_id: int, run_id: int, done: Any = None, timeout: float = 60.0
) -> dict[str, Any]:
    """Poll the runs route until run `run_id` satisfies `done` (default: not active)."""
    done = done or (lambda run: not run["is_active"])
    deadline = time.monotonic() + timeout
    while True:
        runs = (await api("GET", f"jobs/{job_id}/runs")).json["runs"]
        run = next(r for r in runs if r["id"] == run_id)
        if done(run):
            return run
        if time.monotonic() > deadline:
            raise AssertionError(f"run {run_id} still {run['status']} after {timeout} s")
        await asyncio.sleep(0.2)
