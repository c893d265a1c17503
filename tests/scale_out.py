"""Helpers for scale-out tests: Redis queues and standalone `atmo-lab worker` processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from .support import NO_REDIS

ROOT = Path(__file__).resolve().parents[1]


def redis_url() -> str:
    url = os.environ.get("ATMO_LAB_TEST_REDIS_URL")
    if not url:
        pytest.skip(NO_REDIS)
    return url


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def config_args(config: dict[str, Any]) -> list[str]:
    args = []
    for key, value in config.items():
        if isinstance(value, bool):
            value = str(value)
        if isinstance(value, (str, int)):
            args.append(f"--AtmoLabApp.{key}={value}")
    return args


@contextmanager
def workers(
    config: dict[str, Any], count: int, log_dir: Path
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """`count` standalone `atmo-lab worker` processes; stopped with SIGINT (graceful)."""
    env = dict(os.environ, PYTHONPATH=f"{ROOT}:{os.environ.get('PYTHONPATH', '')}")
    procs = []
    for i in range(count):
        log = open(log_dir / f"worker-{i}.log", "wb")  # noqa: SIM115 (closed below)
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "atmo_lab.cli",
                    "--log-level",
                    "INFO",
                    "worker",
                    "--threads",
                    "2",
                    *config_args(config),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=ROOT,
            )
        )
    try:
        yield procs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for proc in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def wait_for(predicate: Any, timeout: float = 30.0, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()
