"""Helpers (no tests) for the widget and Python API tests: a Core on the test settings, EMR states."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from traitlets.config import Config

from atmo_lab.core import Core
from atmo_lab.settings import settings_from_config
from atmo_lab.ssh_keys import service as keys_service

from .support import public_key


def make_core(atmo_config: dict[str, Any]) -> Core:
    """A Core from the test's ``c.AtmoLabApp`` settings, as a kernel would build one."""
    return Core(settings_from_config(Config({"AtmoLabApp": atmo_config})))


def add_key(core: Core, title: str = "laptop") -> dict[str, Any]:
    return keys_service.add_key(core, core.caller(), title, public_key())


def wait_for(predicate: Callable[[], Any], timeout: float = 5.0, what: str = "") -> Any:
    """Poll `predicate` until it is truthy (the widgets' threads run on their own)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        time.sleep(0.02)


def set_emr_state(jobflow_id: str, state: str) -> None:
    """Move a cluster of the in-process moto server to `state`.

    This mocks what cannot run here: a real EMR cluster going STARTING → BOOTSTRAPPING →
    WAITING over minutes (moto's clusters are WAITING at once). The moto server shares this
    process (ThreadedMotoServer), so its backend is reachable directly.
    """
    from moto.emr.models import emr_backends

    # (moto's server may file the cluster under another region than the client's)
    for regions in emr_backends.values():
        for backend in regions.values():
            if jobflow_id in backend.clusters:
                backend.clusters[jobflow_id].state = state
                return
    raise KeyError(jobflow_id)
