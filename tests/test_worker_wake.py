"""An embedded consumer that sleeps between polls wakes at once for a task its process enqueues,
and stops at once: neither waits for the next poll."""

from __future__ import annotations

import time

from traitlets.config import Config

from atmo_lab.core import Core
from atmo_lab.settings import settings_from_config
from atmo_lab.worker.runtime import Worker

LONG_POLL_SECONDS = 120.0  # far longer than any bound below: only a wake-up can meet them


def _sleepy_worker(atmo_config) -> tuple[Core, Worker]:
    core = Core(settings_from_config(Config({"AtmoLabApp": atmo_config})))
    core.store.create_schema()
    worker = Worker(core)
    worker.start(workers=1, periodic=False)
    consumer = worker._consumer
    assert consumer is not None
    for impl, _ in consumer.worker_threads:
        impl.default_delay = impl.delay = impl.max_delay = LONG_POLL_SECONDS
    time.sleep(0.5)  # the thread's first short sleep ends; the next one is the long poll
    return core, worker


def test_a_task_enqueued_in_this_process_runs_before_the_next_poll(aws, atmo_config):
    core, worker = _sleepy_worker(atmo_config | {"embedded_worker": False})
    try:
        t0 = time.monotonic()
        result = worker.enqueue("send_notifications:retry", 0)
        assert result.get(blocking=True, timeout=30) == {"mailed": 0}
        assert time.monotonic() - t0 < 30
    finally:
        worker.stop()
        core.close()


def test_stopping_a_sleeping_consumer_does_not_wait_for_its_poll(aws, atmo_config):
    core, worker = _sleepy_worker(atmo_config | {"embedded_worker": False})
    try:
        t0 = time.monotonic()
        worker.stop(timeout=60)
        assert time.monotonic() - t0 < 30
        assert not worker.running
    finally:
        core.close()
