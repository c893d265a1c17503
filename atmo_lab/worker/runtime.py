"""The huey instance of an installation, its consumer, and the tasks bound to a Core."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from huey import Huey, PriorityRedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer
from huey.consumer import Worker as ConsumerWorker

from ..errors import AwsFailure
from . import leases, registry
from .backoff import full_jitter

if TYPE_CHECKING:
    from ..core import Core

log = logging.getLogger(__name__)

QUEUE_NAME = "atmo-lab"
LEASE_TTL = dt.timedelta(minutes=15)  # longer than any periodic task takes


def make_huey(queue_url: str, immediate: bool = False) -> Huey:
    """A huey for ``sqlite:///path`` or ``redis://host:port/db``."""
    if queue_url.startswith("sqlite:///"):
        path = Path(queue_url[len("sqlite:///") :])
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(
            QUEUE_NAME,
            filename=str(path),
            timeout=30,
            store_intermediate_errors=False,
            immediate=immediate,
        )
    if queue_url.startswith(("redis://", "rediss://", "unix://")):
        return PriorityRedisHuey(
            QUEUE_NAME, url=queue_url, store_intermediate_errors=False, immediate=immediate
        )
    raise ValueError(f"queue_url must be sqlite:///path or redis://…, not {queue_url!r}")


def load_task_modules() -> None:
    for module in registry.TASK_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


class WakeableWorker(ConsumerWorker):
    """A consumer thread that polls the queue with backoff, and wakes at once when a task is
    enqueued in its own process (run-now need not wait for the next poll)."""

    delay: float
    default_delay: float
    max_delay: float
    backoff: float

    def __init__(self, *args: Any, wake: threading.Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.wake = wake

    def sleep(self) -> None:
        if self.wake.wait(min(self.delay, self.max_delay)):
            self.wake.clear()
            self.delay = self.default_delay
        else:
            self.delay = min(self.delay * self.backoff, self.max_delay)


class EmbeddedConsumer(Consumer):
    """A consumer that runs in threads of a host process and leaves its signals alone."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.wake = threading.Event()
        super().__init__(*args, **kwargs)

    def _set_signal_handlers(self) -> None:
        pass

    def _create_worker(self) -> WakeableWorker:
        return WakeableWorker(
            huey=self.huey,
            stop_flag=self.stop_flag,
            default_delay=self.default_delay,
            max_delay=self.max_delay,
            backoff=self.backoff,
            max_tasks=self.max_tasks,
            wake=self.wake,
        )

    def stop(self, graceful: bool = False) -> None:
        self.stop_flag.set()
        self.wake.set()  # sleeping workers see the stop flag now, not at their next poll
        super().stop(graceful)


class Worker:
    """Binds the declared tasks to a Core on one huey instance.

    Producers (the server's handlers, widgets in a kernel) and consumers (the embedded
    consumer, ``atmo-lab worker``) build the same Worker from the same settings, so a task
    enqueued anywhere runs wherever a consumer is.
    """

    def __init__(self, core: Core, huey: Huey | None = None) -> None:
        self.core = core
        self.huey = huey or make_huey(core.settings.queue_url)
        self._tasks: dict[str, Any] = {}
        self._consumer: EmbeddedConsumer | None = None
        self._thread: threading.Thread | None = None
        load_task_modules()
        for spec in registry.TASKS.values():
            self._tasks[spec.name] = self.huey.task(
                name=spec.name,
                retries=spec.retries,
                retry_delay=spec.retry_delay,
                priority=spec.priority,
            )(self._bind(spec.fn))
        for periodic in registry.PERIODIC.values():
            runner = self._periodic_runner(periodic)
            self._tasks[f"{periodic.name}:retry"] = self.huey.task(name=f"{periodic.name}:retry")(
                runner
            )
            self.huey.periodic_task(crontab(minute=f"*/{periodic.minutes}"), name=periodic.name)(
                runner
            )

    def _bind(self, fn: registry.TaskFn) -> registry.TaskFn:
        core = self.core

        def bound(*args: Any) -> Any:
            return fn(core, *args)

        bound.__name__ = fn.__name__
        return bound

    def _periodic_runner(self, spec: registry.PeriodicSpec) -> registry.TaskFn:
        """Run `spec` under a lease (one worker at a time); retry AWS failures with backoff."""
        core, tasks = self.core, self._tasks

        def run(attempt: int = 0) -> Any:
            if not leases.acquire(core, spec.name, LEASE_TTL):
                log.debug("%s is running in another worker; skipped", spec.name)
                return None
            try:
                return spec.fn(core)
            except AwsFailure as exc:
                if attempt >= spec.max_retries:
                    log.error("%s failed after %d retries: %s", spec.name, attempt, exc)
                    return None
                delay = full_jitter(attempt)
                log.warning(
                    "%s failed (%s); retry %d in %.1f s", spec.name, exc, attempt + 1, delay
                )
                tasks[f"{spec.name}:retry"].schedule(args=(attempt + 1,), delay=delay)
                return None
            finally:
                leases.release(core, spec.name)

        run.__name__ = spec.name
        return run

    def enqueue(self, name: str, *args: Any, delay: float | None = None) -> Any:
        """Queue task `name`; returns huey's Result."""
        task = self._tasks[name]
        if delay:
            return task.schedule(args=args, delay=delay)
        result = task(*args)
        consumer = self._consumer  # stop() may clear it meanwhile
        if consumer is not None:
            consumer.wake.set()
        return result

    # --- consumer -------------------------------------------------------------------------

    def start(self, workers: int = 2, periodic: bool = True) -> None:
        """Start an embedded consumer in daemon threads (no signal handlers)."""
        if self._thread is not None:
            return
        self._consumer = EmbeddedConsumer(
            self.huey,
            workers=workers,
            worker_type="thread",
            periodic=periodic,
            flush_locks=True,
            initial_delay=0.1,
            max_delay=1.0,
            backoff=1.15,
        )
        self._thread = threading.Thread(
            target=self._consumer.run, name="atmo-lab-huey", daemon=True
        )
        self._thread.start()
        log.info("atmo_lab: embedded worker started (%d threads)", workers)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the embedded consumer, letting running tasks finish."""
        if self._consumer is None or self._thread is None:
            return
        self._consumer.stop(graceful=True)
        self._thread.join(timeout)
        self._consumer = self._thread = None
        log.info("atmo_lab: embedded worker stopped")

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()


def run_periodic_once(core: Core, raise_errors: bool = True) -> list[tuple[str, Any]]:
    """Run every periodic task once, in this process, in declaration order.

    With ``raise_errors=False`` a failing task's exception is returned as its report and the
    other tasks still run.
    """
    load_task_modules()
    reports: list[tuple[str, Any]] = []
    for spec in registry.ordered_periodic():
        try:
            reports.append((spec.name, spec.fn(core)))
        except Exception as exc:
            if raise_errors:
                raise
            log.exception("%s failed", spec.name)
            reports.append((spec.name, exc))
    return reports
