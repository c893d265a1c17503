"""The maintainer's "Everyone's" view in the sidebar: other users' clusters and jobs, with
their owner, behind a switch that only a maintainer sees (`?owner=all`)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import OWNER, Lab, lab_page, shot, start_lab
from .test_sidebar import ensure_key, open_section

pytestmark = [pytest.mark.ui, pytest.mark.timeout(180)]

OTHER = "bob"


@pytest.fixture(scope="module")
def maintainer_lab(ui_moto: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A lab whose own user is a maintainer."""
    yield from start_lab(ui_moto, tmp_path_factory, maintainers=[OWNER])


@pytest.fixture
def maintainer_page(
    request: pytest.FixtureRequest, browser: Any, maintainer_lab: Lab
) -> Iterator[Any]:
    yield from lab_page(request, browser, maintainer_lab)


def seed_other_users_rows(lab: Lab) -> None:
    """A cluster and a job of another user, written straight into the lab's store (no API
    creates anything for someone else). The cluster's job flow is unknown to EMR, so the
    worker's sync leaves it alone; the job is disabled, so it never runs."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    import atmo_lab.store  # noqa: F401 - every table, so clusters.ssh_key_id finds ssh_keys
    from atmo_lab.db import utcnow
    from atmo_lab.emr_clusters.models import Cluster
    from atmo_lab.jobs.models import Job

    engine = create_engine(lab.db_url)
    try:
        with Session(engine) as session:
            session.add(
                Cluster(
                    owner=OTHER,
                    identifier="bobs-cluster",
                    size=1,
                    lifetime_hours=8,
                    ssh_key_id=None,
                    emr_release="7.5.0",
                    jobflow_id="j-BOBS0001",
                    status="WAITING",
                    expires_at=utcnow() + dt.timedelta(hours=8),
                )
            )
            session.add(
                Job(
                    owner=OTHER,
                    identifier="bobs-report",
                    description="Someone else's",
                    notebook_name="report.ipynb",
                    notebook_s3_key=f"jobs/{OTHER}/bobs-report/report.ipynb",
                    interval_in_hours=24,
                    start_date=utcnow(),
                    is_enabled=False,
                    emr_release="7.5.0",
                    executor="local",
                )
            )
            session.commit()
    finally:
        engine.dispose()


def wait_for_setting(lab: Lab, wanted: bool, timeout: float = 10) -> object:
    """The user's `showEveryone` setting once it is `wanted` (the switch saves it), or as it
    is after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = lab.request("GET", "lab/api/settings/atmo-lab:plugin")["settings"].get(
            "showEveryone"
        )
        if value is wanted or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def test_a_maintainer_switches_to_everyones_clusters_and_jobs(
    maintainer_page: Any, maintainer_lab: Lab
) -> None:
    from playwright.sync_api import expect

    page, lab = maintainer_page, maintainer_lab
    ensure_key(lab)
    key_id = lab.api("GET", "keys")["keys"][0]["id"]
    lab.api("POST", "clusters", {"identifier": "mine", "size": 1, "ssh_key_id": key_id})
    lab.write_notebook("mine.ipynb", [("code", "print('mine')\n", [])])
    lab.api(
        "POST",
        "jobs",
        {
            "identifier": "my-report",
            "description": "The maintainer's own",
            "notebook_path": "mine.ipynb",
            "interval_in_hours": 24,
            "start_date": "2030-01-06T06:00:00+00:00",
        },
    )
    seed_other_users_rows(lab)

    sidebar = open_section(page, "Clusters")
    everyone = sidebar.get_by_role("switch", name="Everyone's")
    # Off at first: the maintainer's own rows only, without an owner label.
    expect(everyone).to_have_attribute("aria-checked", "false")
    mine = sidebar.locator('li[data-identifier="mine"]')
    expect(mine).to_be_visible()
    expect(sidebar.locator('li[data-identifier="bobs-cluster"]')).to_have_count(0)
    expect(sidebar.locator(".atmo-Owner")).to_have_count(0)

    everyone.click()
    expect(everyone).to_have_attribute("aria-checked", "true")
    bobs = sidebar.locator('li[data-identifier="bobs-cluster"]')
    expect(bobs.locator(".atmo-Owner")).to_have_text(f"owner: {OTHER}")
    expect(mine).to_be_visible()
    expect(mine.locator(".atmo-Owner")).to_have_count(0)
    # Only its owner may change a cluster: bob's offers no actions.
    bobs.locator(".atmo-Item-toggle").click()
    expect(bobs.locator(".atmo-Item-details")).to_be_visible()
    expect(bobs.get_by_role("button", name="Terminate")).to_have_count(0)
    shot(page, "everyone-1-clusters")

    open_section(page, "Jobs")
    bobs_job = sidebar.locator('li[data-identifier="bobs-report"]')
    expect(bobs_job.locator(".atmo-Owner")).to_have_text(f"owner: {OTHER}")
    expect(sidebar.locator('li[data-identifier="my-report"] .atmo-Owner')).to_have_count(0)
    # A maintainer may run anyone's job, but only its owner edits or deletes it.
    bobs_job.locator(".atmo-Item-toggle").click()
    expect(bobs_job.get_by_role("button", name="Run now")).to_be_visible()
    expect(bobs_job.get_by_role("button", name="Edit…")).to_have_count(0)
    expect(bobs_job.get_by_role("switch", name="Enabled")).to_have_count(0)
    shot(page, "everyone-2-jobs")

    # The switch is the `showEveryone` setting: kept across a reload.
    assert wait_for_setting(lab, True) is True
    page.reload()
    page.locator(".jp-Launcher").wait_for()  # the reset layout is restored
    sidebar = open_section(page, "Jobs")
    expect(sidebar.get_by_role("switch", name="Everyone's")).to_have_attribute(
        "aria-checked", "true"
    )
    expect(sidebar.locator('li[data-identifier="bobs-report"]')).to_be_visible()

    sidebar.get_by_role("switch", name="Everyone's").click()
    expect(sidebar.locator('li[data-identifier="bobs-report"]')).to_have_count(0)
    expect(sidebar.locator('li[data-identifier="my-report"]')).to_be_visible()
    assert wait_for_setting(lab, False) is False


def test_no_everyone_switch_for_a_non_maintainer(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    assert lab.api("GET", "config")["is_maintainer"] is False
    sidebar = open_section(page, "Clusters")
    # Once the config is in, the header would hold the switch.
    expect(sidebar.locator(".atmo-Who")).to_contain_text(OWNER)
    expect(sidebar.get_by_role("switch")).to_have_count(0)
    expect(sidebar.locator(".atmo-Owner")).to_have_count(0)
