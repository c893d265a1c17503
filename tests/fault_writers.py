"""Writers for the SQLite concurrency test (no tests here): what a kernel does with the core
directly, in a thread or in its own process (top-level functions, so ``spawn`` can run them)."""

from __future__ import annotations

import traceback
from typing import Any

from atmo_lab.caller import Caller
from atmo_lab.core import Core
from atmo_lab.emr_clusters import service as clusters
from atmo_lab.notifications.service import notify
from atmo_lab.settings import AtmoLabConfig, Settings
from atmo_lab.ssh_keys import service as keys

from .support import public_key


def core_for(config: dict[str, Any]) -> Core:
    """A Core of its own (engine, pool, AWS clients) on the same store, as a kernel has."""
    source = AtmoLabConfig()
    for name, value in config.items():
        setattr(source, name, value)
    return Core(Settings.from_config(source))


def kernel_writes(core: Core, name: str, rounds: int, cluster_id: int | None) -> int:
    """`rounds` x (a key, a notification, and an extension of the shared cluster): writes."""
    writes = 0
    for i in range(rounds):
        keys.add_key(core, Caller(name), f"key {i}", public_key())
        with core.store.session() as session:
            notify(session, owner=name, kind="job_expired", subject=f"{name} {i}", body="-",
                   object_type="job", object_id=i, dedupe_key=f"{name}:{i}")  # fmt: skip
        writes += 2
        if cluster_id is not None:
            clusters.extend_cluster(core, Caller("alice"), cluster_id, {"hours": 2})
            writes += 1
    return writes


def kernel_process(config: dict[str, Any], name: str, rounds: int, cluster_id: int) -> str:
    """A kernel in its own process; the error text, or "" when every write went through."""
    core = core_for(config)
    try:
        kernel_writes(core, name, rounds, cluster_id)
        return ""
    except Exception:  # noqa: BLE001 - the test shows it
        return traceback.format_exc()
    finally:
        core.close()
