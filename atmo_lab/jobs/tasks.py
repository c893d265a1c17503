"""Worker tasks of jobs: executing local runs (the ``local`` executor's supervisor).

The periodic side of scheduling (claiming due occurrences, expiring lapsed jobs, enforcing
timeouts) is in :mod:`atmo_lab.jobs.periodic`.
"""

from __future__ import annotations

from typing import Any

from ..core import Core
from ..worker.registry import task
from . import local_executor


@task(local_executor.TASK_NAME)
def execute_local_run(core: Core, run_id: int) -> dict[str, Any]:
    """Execute a local run: papermill in a child process, supervised until it ends."""
    return local_executor.start(core, run_id)
