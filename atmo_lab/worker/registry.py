"""Where features declare their worker tasks, without importing huey or the worker.

A task function takes the :class:`~atmo_lab.core.Core` first, then JSON-able arguments. A
periodic task takes only the Core and returns a short report of what it did (for
``atmo-lab tick``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

TaskFn = Callable[..., Any]


@dataclass(frozen=True)
class TaskSpec:
    name: str
    fn: TaskFn
    retries: int = 0
    retry_delay: int = 0
    priority: int = 0


@dataclass(frozen=True)
class PeriodicSpec:
    name: str
    fn: TaskFn
    minutes: int  # cadence: every N minutes
    max_retries: int = 0  # retries on AWS errors, with full-jitter backoff


TASKS: dict[str, TaskSpec] = {}
PERIODIC: dict[str, PeriodicSpec] = {}

# Modules that declare tasks; the worker imports them all before registering.
TASK_MODULES = (
    "atmo_lab.sync",
    "atmo_lab.emr_clusters.tasks",
    "atmo_lab.jobs.tasks",
    "atmo_lab.jobs.periodic",
    "atmo_lab.notifications.tasks",
)


def task(
    name: str, retries: int = 0, retry_delay: int = 0, priority: int = 0
) -> Callable[[TaskFn], TaskFn]:
    """Declare an on-demand task ``fn(core, *args)``."""

    def register(fn: TaskFn) -> TaskFn:
        TASKS[name] = TaskSpec(name, fn, retries, retry_delay, priority)
        return fn

    return register


def periodic(name: str, minutes: int, max_retries: int = 0) -> Callable[[TaskFn], TaskFn]:
    """Declare a periodic task ``fn(core) -> report`` run every `minutes` minutes.

    An AWS failure retries it up to `max_retries` times with full-jitter backoff.
    """

    def register(fn: TaskFn) -> TaskFn:
        PERIODIC[name] = PeriodicSpec(name, fn, minutes, max_retries)
        return fn

    return register


def ordered_periodic() -> list[PeriodicSpec]:
    """Periodic tasks in TASK_MODULES order (sync first, mail last), then declaration order."""
    position = {module: i for i, module in enumerate(TASK_MODULES)}
    specs = list(PERIODIC.values())
    return sorted(
        specs, key=lambda s: (position.get(s.fn.__module__, len(position)), specs.index(s))
    )
