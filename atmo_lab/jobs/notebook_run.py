"""Run one notebook with papermill: the child process of a ``local`` executor's run.

``python -m atmo_lab.jobs.notebook_run --input s3://… --output s3://… --parameters p.json
--result r.json`` executes the notebook (S3 in, S3 out, through papermill's S3 handler and
``AWS_ENDPOINT_URL``) and writes a JSON summary to ``--result``:
``{"ok": true}``, or ``{"ok": false, "error": {"cell_index", "ename", "evalue"}}`` for a failing
cell (``cell_index`` counts the cells of the submitted notebook), or ``{"ok": false, "reason"}``.
The executed notebook is written either way (papermill saves it before raising). SIGTERM stops
the run like Ctrl-C: the kernel is shut down and the partial notebook saved.

The parent, the supervisor in the worker's process (:mod:`atmo_lab.jobs.local_executor`), handles the
timeout, cancellation and log shipping. The EMR executor reads an EMR run's failing cell
with the same rule (:func:`failed_cell`).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from .constants import DEFAULT_KERNEL

INJECTED_TAG = "injected-parameters"
PARAMETERS_TAG = "parameters"
ERROR_MARKER_TAG = "papermill-error-cell-tag"


def _tags(cell: Mapping[str, Any]) -> set[str]:
    metadata = cell.get("metadata") or {}
    return set(metadata.get("tags") or [])


def executed_to_submitted(cells: Sequence[Mapping[str, Any]]) -> list[int | None]:
    """For each cell papermill executes, its index in the submitted notebook (None: injected).

    Mirrors papermill: the parameters cell is injected after the ``parameters``-tagged cell
    (replacing an earlier injected cell, or at the top), then old error markers are removed.
    """
    tags = [_tags(cell) for cell in cells]
    order: list[int | None] = list(range(len(cells)))
    injected = next((i for i, t in enumerate(tags) if INJECTED_TAG in t), -1)
    params = next((i for i, t in enumerate(tags) if PARAMETERS_TAG in t), -1)
    if injected >= 0:
        order = [*order[:injected], None, *order[injected + 1 :]]
    elif params >= 0:
        order = [*order[: params + 1], None, *order[params + 1 :]]
    else:
        order = [None, *order]
    return [i for i in order if i is None or ERROR_MARKER_TAG not in tags[i]]


def submitted_index(executed_index: int, submitted: Sequence[Mapping[str, Any]]) -> int:
    """The submitted notebook's index of the cell papermill executed at `executed_index`."""
    mapping = executed_to_submitted(submitted)
    original = mapping[executed_index] if 0 <= executed_index < len(mapping) else None
    return original if original is not None else executed_index


def failed_cell(
    executed: Sequence[Mapping[str, Any]], submitted: Sequence[Mapping[str, Any]]
) -> dict[str, Any] | None:
    """The failing cell of a notebook papermill wrote (the output notebook of a run that ran
    elsewhere, e.g. on EMR): ``{"cell_index", "ename", "evalue"}``, or None.

    papermill adds error marker cells to the output; they are not counted, as in its
    exception's ``cell_index``.
    """
    cells = [cell for cell in executed if ERROR_MARKER_TAG not in _tags(cell)]
    for index, cell in enumerate(cells):
        for output in cell.get("outputs") or []:
            if output.get("output_type") == "error":
                return {
                    "cell_index": submitted_index(index, submitted),
                    "ename": str(output.get("ename") or ""),
                    "evalue": str(output.get("evalue") or ""),
                }
    return None


def describe_failure(error: Mapping[str, Any]) -> str:
    """The run's status reason for a failing cell."""
    return f"Cell {error.get('cell_index')} raised {error.get('ename')}: {error.get('evalue')}"


def kernel_of(nb: Mapping[str, Any]) -> str:
    spec = (nb.get("metadata") or {}).get("kernelspec") or {}
    name = spec.get("name") if isinstance(spec, Mapping) else None
    return name if isinstance(name, str) and name else DEFAULT_KERNEL


def run(args: argparse.Namespace) -> dict[str, Any]:
    # jsonschema (under nbformat) compiles rfc3987-syntax's IRI grammar on import when that
    # package is installed, the largest part of this process's start; nbformat's schemas check
    # no formats, so it is never used here.
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    import papermill
    from papermill.exceptions import PapermillExecutionError
    from papermill.iorw import load_notebook_node

    with open(args.parameters, encoding="utf-8") as fh:
        parameters = json.load(fh)
    try:
        submitted = load_notebook_node(args.input)
    except Exception as exc:  # noqa: BLE001 - reported in the run's status
        return {"ok": False, "reason": f"Could not read the notebook: {type(exc).__name__}: {exc}"}
    kernel = kernel_of(submitted)
    logging.getLogger("atmo_lab.runner").info(
        "Running %s -> %s with kernel %s", args.input, args.output, kernel
    )
    try:
        papermill.execute_notebook(
            args.input,
            args.output,
            parameters=parameters,
            kernel_name=kernel,
            progress_bar=False,
            log_output=True,
            cwd=args.cwd or None,
        )
    except PapermillExecutionError as exc:
        return {
            "ok": False,
            "error": {
                "cell_index": submitted_index(exc.cell_index, submitted.cells),
                "ename": exc.ename,
                "evalue": exc.evalue,
            },
        }
    except KeyboardInterrupt:
        return {"ok": False, "interrupted": True, "reason": "The run was stopped."}
    except Exception as exc:  # noqa: BLE001 - kernel missing, S3 errors, cell timeouts …
        return {"ok": False, "reason": f"{type(exc).__name__}: {exc}".strip()}
    return {"ok": True}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m atmo_lab.jobs.notebook_run")
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--parameters", required=True, help="JSON file of parameters")
    parser.add_argument("--result", required=True, help="where to write the JSON summary")
    parser.add_argument("--cwd", default="")
    parser.add_argument("--marker", default="", help="identifies the run in the process table")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, stream=sys.stdout, format="%(asctime)s %(levelname)s %(message)s"
    )
    # SIGTERM behaves like Ctrl-C: papermill shuts the kernel down and saves the notebook.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        result = run(args)
    except KeyboardInterrupt:
        result = {"ok": False, "interrupted": True, "reason": "The run was stopped."}
    tmp = args.result + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(result, fh)
    os.replace(tmp, args.result)
    sys.stdout.flush()
    return 0 if result.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
