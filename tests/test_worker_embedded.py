"""The embedded worker runs inside the Jupyter server and acts without anyone asking."""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import sys

import pytest

from atmo_lab.emr_clusters.models import Cluster

from .support import public_key


async def _launch(api):
    key = (await api("POST", "keys", {"title": "k", "key": public_key()})).json
    r = await api("POST", "clusters", {"size": 1, "lifetime_hours": 2, "ssh_key_id": key["id"]})
    assert r.code == 201
    return r.json


@pytest.mark.atmo(embedded_worker=True)
async def test_expired_cluster_is_terminated_by_the_embedded_worker(api, core, jp_serverapp):
    cluster = await _launch(api)
    with core.store.session() as session:
        row = session.get(Cluster, cluster["id"])
        row.expires_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
    # pytest-jupyter does not run the start hook; a real `jupyter lab` does.
    await jp_serverapp.extension_manager.start_all_extensions()
    assert core.worker.running
    status = None
    for _ in range(100):
        status = (await api("GET", f"clusters/{cluster['id']}")).json["status"]
        if status == "TERMINATED":
            break
        await asyncio.sleep(0.1)
    assert status == "TERMINATED"
    kinds = [n["kind"] for n in (await api("GET", "notifications")).json["notifications"]]
    assert "cluster_expired" in kinds


@pytest.mark.atmo(embedded_worker=False)
async def test_no_consumer_when_embedded_worker_is_off(jp_serverapp, core):
    await jp_serverapp.extension_manager.start_all_extensions()
    assert core._worker is None or not core.worker.running


async def test_atmo_lab_tick_prints_each_task(api, core, atmo_config):
    cluster = await _launch(api)
    with core.store.session() as session:
        session.get(Cluster, cluster["id"]).expires_at = dt.datetime.now(dt.timezone.utc)
    args = [f"--AtmoLabApp.{k}={v}" for k, v in atmo_config.items() if isinstance(v, str)]
    out = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "atmo_lab.cli", "tick", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    lines = dict(line.split(": ", 1) for line in out.stdout.strip().splitlines())
    assert lines["terminate_expired_clusters"] == f'terminated=["{cluster["identifier"]}"]'
    assert lines["sync_emr"].startswith("list_clusters_pages=1")
    assert set(lines) >= {"sync_emr", "terminate_expired_clusters", "send_expiry_warnings",
                          "send_notifications"}  # fmt: skip
    assert (await api("GET", f"clusters/{cluster['id']}")).json["status"] == "TERMINATED"
