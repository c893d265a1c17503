"""Connect, in Chromium: the sidebar's Connect inserts the connecting cell into the open
notebook, and running it gives a SparkSession on the cluster's (local stand-in) Spark."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from atmo_lab.spark_connect.local import java_missing

from .conftest import Lab, shot, start_lab
from .test_schedule import open_notebook
from .test_sidebar import ensure_key, open_section

pytestmark = [
    pytest.mark.ui,
    pytest.mark.spark,
    pytest.mark.timeout(300),
    pytest.mark.skipif(bool(java_missing()), reason=f"Spark needs Java: {java_missing()}"),
]


@pytest.fixture(scope="module")
def lab(ui_moto: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A lab of its own whose clusters get a local Spark Connect server (one JVM here)."""
    yield from start_lab(ui_moto, tmp_path_factory, spark_stand_in=True)


def wait_for_spark(lab: Lab, cluster_id: int, timeout: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        cluster = lab.api("GET", f"clusters/{cluster_id}")
        if cluster["spark_connect_url"] or time.monotonic() > deadline:
            return cluster
        time.sleep(0.5)


def test_connect_inserts_the_cell_that_counts_on_the_clusters_spark(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    ensure_key(lab)
    key = lab.api("GET", "keys")["keys"][0]
    cluster = lab.api(
        "POST", "clusters", {"identifier": "ui-spark", "size": 1, "ssh_key_id": key["id"]}
    )
    lab.write_notebook("analysis.ipynb", [("code", "x = 1\n", [])])
    panel = open_notebook(page, lab, "analysis.ipynb")
    expect(page.get_by_text("Python 3 (ipykernel) | Idle")).to_be_visible(timeout=60_000)
    panel.locator(".jp-Cell").first.click()

    sidebar = open_section(page, "Clusters")
    row = sidebar.locator('li[data-identifier="ui-spark"]')
    row.locator(".atmo-Item-toggle").click()
    ready = wait_for_spark(lab, cluster["id"])
    assert ready["spark_connect_url"], lab.log.read_text()[-3000:]
    expect(row.get_by_text("Spark ready")).to_be_visible()
    endpoint = ready["spark_connect_url"].split("/;")[0]
    expect(row.locator("code", has_text=endpoint)).to_be_visible()
    expect(row).not_to_contain_text("token=")  # the token is never shown
    expect(row.locator(".atmo-Command code")).to_have_text(ready["ssh_tunnel"])
    shot(page, "connect-1-spark-ready")

    row.get_by_role("button", name="Connect the current notebook to ui-spark").click()
    cells = panel.locator(".jp-Cell")
    expect(cells).to_have_count(2)
    expect(cells.nth(1)).to_contain_text('spark = atmo_lab.spark("ui-spark")')
    shot(page, "connect-2-cell-inserted")

    # Run it, then count on the cluster's Spark in the next cell.
    cells.nth(1).locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("print(spark.range(1000).count())")
    page.keyboard.press("Shift+Enter")
    output = panel.locator(".jp-Cell").nth(2).locator(".jp-OutputArea-output")
    expect(output).to_have_text("1000", timeout=120_000)
    shot(page, "connect-3-counted")

    lab.api("POST", f"clusters/{cluster['id']}/terminate")
    expect(row).to_be_hidden(timeout=20_000)  # the active list drops it
