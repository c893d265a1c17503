"""The notebook widgets in a real JupyterLab: a cell displays ClusterLauncher() and launches."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Lab, shot
from .test_schedule import open_notebook
from .test_sidebar import ensure_key

pytestmark = [pytest.mark.ui, pytest.mark.timeout(180)]


def test_a_cell_launches_a_cluster_through_cluster_launcher(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    ensure_key(lab)
    before = {c["id"] for c in lab.api("GET", "clusters?status=all")["clusters"]}
    lab.write_notebook(
        "widgets.ipynb",
        [("code", "from atmo_lab.widgets import ClusterLauncher\nClusterLauncher()", [])],
    )
    panel = open_notebook(page, lab, "widgets.ipynb")
    expect(page.get_by_text("Python 3 (ipykernel) | Idle")).to_be_visible(timeout=60_000)
    panel.locator(".jp-Cell").first.click()
    page.keyboard.press("Shift+Enter")
    expect(panel.locator(".jp-InputPrompt").first).to_contain_text("[1]", timeout=60_000)
    output = panel.locator(".jp-OutputArea-output").first
    # The kernel reads the same config file as the server (store, buckets, owner).
    launch = output.get_by_role("button", name="Launch")
    expect(launch).to_be_visible(timeout=60_000)
    shot(page, "widget-1-launcher")
    launch.click()
    expect(output.get_by_text("WAITING").first).to_be_visible(timeout=60_000)
    shot(page, "widget-2-launched")
    clusters = lab.api("GET", "clusters?status=all")["clusters"]
    (new,) = [c for c in clusters if c["id"] not in before]
    assert new["status"] == "WAITING"
    expect(output.get_by_text(new["identifier"]).first).to_be_visible()
