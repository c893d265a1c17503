"""The atmo_lab sidebar in a real JupyterLab: SSH keys and the life of a cluster."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from typing import Any

import pytest

from ..support import private_key_pem, public_key
from .conftest import ACTION_TIMEOUT_MS, Lab, shot

pytestmark = [pytest.mark.ui, pytest.mark.timeout(180)]


def open_section(page: Any, name: str) -> Any:
    """Show the atmo_lab sidebar and one of its sections; returns the sidebar locator."""
    sidebar = page.locator("#atmo-lab-sidebar")
    if not sidebar.is_visible():
        page.locator('.jp-SideBar [data-id="atmo-lab-sidebar"]').click()
    sidebar.get_by_role("tab", name=name).click()
    return sidebar


def field_error(dialog: Any, field: str) -> Any:
    return dialog.locator(f'[data-field="{field}"] .atmo-Field-error')


def ensure_key(lab: Lab) -> None:
    if not lab.api("GET", "keys")["keys"]:
        lab.api("POST", "keys", {"title": "arranged", "key": public_key()})


def test_add_keys_with_field_errors(page: Any, lab: Lab, tmp_path: Any) -> None:
    from playwright.sync_api import expect

    sidebar = open_section(page, "Keys")
    sidebar.get_by_role("button", name="Add key…").click()
    dialog = page.get_by_role("dialog", name="Add an SSH key")
    key_box = dialog.get_by_label("Public key")
    expect(key_box).to_be_focused()

    # A private key is refused (by the server, which knows every kind), next to the field.
    key_box.fill(private_key_pem())
    dialog.get_by_label("Title").fill("laptop")
    dialog.get_by_role("button", name="Add key").click()
    expect(field_error(dialog, "key")).to_contain_text("This is a private key")
    expect(key_box).to_have_attribute("aria-invalid", "true")

    # The server's 400 (errors.key) is shown next to the field it names.
    key_box.fill("ssh-ed25519 AAAAnot-a-key laptop")
    dialog.get_by_role("button", name="Add key").click()
    expect(field_error(dialog, "key")).to_be_visible()
    expect(dialog).to_be_visible()
    shot(page, "keys-1-server-field-error")

    # A pasted key's comment becomes the title, as a chosen file's does.
    dialog.get_by_label("Title").fill("")
    key_box.fill("")
    pasted = public_key(comment="ann@laptop")
    key_box.evaluate(
        """(box, text) => {
            const data = new DataTransfer();
            data.setData('text/plain', text);
            box.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true}));
        }""",
        pasted,
    )
    expect(dialog.get_by_label("Title")).to_have_value("ann@laptop")

    # A .pub file fills the key and, from its comment, the title.
    line = public_key(comment="ann@workstation")
    pub = tmp_path / "id_ed25519.pub"
    pub.write_text(line + "\n")
    dialog.get_by_label("Title").fill("")
    dialog.get_by_label("…or choose a .pub file").set_input_files(str(pub))
    expect(dialog.get_by_label("Title")).to_have_value("ann@workstation")
    expect(key_box).to_have_value(line)
    dialog.get_by_role("button", name="Add key").click()
    expect(dialog).to_be_hidden()

    stored = {k["title"]: k for k in lab.api("GET", "keys")["keys"]}
    assert "ann@workstation" in stored
    row = sidebar.locator(f'[data-key-id="{stored["ann@workstation"]["id"]}"]')
    expect(row).to_contain_text(stored["ann@workstation"]["fingerprint"])
    expect(row).to_contain_text(stored["ann@workstation"]["fingerprint_sha256"])
    shot(page, "keys-2-added")


def test_launch_extend_and_terminate_a_cluster(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    ensure_key(lab)
    sidebar = open_section(page, "Clusters")
    # The lab runs against a moto server: the UI says so (sidebar and status bar).
    expect(sidebar.get_by_text("AWS: local emulator")).to_be_visible()
    expect(page.locator(".atmo-EmulatorStatus")).to_have_text("AWS: local emulator")
    sidebar.get_by_role("button", name="Launch cluster…").click()
    dialog = page.get_by_role("dialog", name="Launch a cluster")
    identifier = dialog.get_by_label("Identifier")
    # Prefilled from GET clusters/new-identifier (adjective-scientist-NNNN).
    expect(identifier).to_have_value(re.compile(r"^[a-z]+-[a-z]+-\d{4}$"))
    name = identifier.input_value()
    expect(dialog.get_by_label("SSH key")).not_to_have_value("")

    # A bad identifier is named next to the field and focused.
    identifier.fill("Bad Name!")
    dialog.get_by_role("button", name="Launch").click()
    expect(field_error(dialog, "identifier")).to_have_text(
        "Use lowercase letters, digits and dashes only."
    )
    expect(identifier).to_be_focused()
    shot(page, "cluster-1-identifier-error")

    identifier.fill(name)
    dialog.get_by_label("Size (nodes)").fill("3")
    dialog.get_by_label("Lifetime (hours)").fill("4")
    dialog.get_by_role("button", name="Launch").click()
    expect(dialog).to_be_hidden()

    row = sidebar.locator(f'li[data-identifier="{name}"]')
    expect(row.locator(".atmo-Badge")).to_have_text("WAITING")
    expect(row).to_contain_text("1 + 3 nodes")
    expect(row).to_contain_text(re.compile(r"expires in 3 h 5\d min|expires in 4 h"))
    # The new cluster is revealed: expanded and focused.
    toggle = row.locator(".atmo-Item-toggle")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(toggle).to_be_focused()
    shot(page, "cluster-2-waiting")

    # Extend by 2 h: the expiry moves and the extension is counted.
    cluster = next(c for c in lab.api("GET", "clusters")["clusters"] if c["identifier"] == name)
    row.get_by_label("Extend by").select_option("2")
    row.get_by_role("button", name="Extend").click()
    expect(row).to_contain_text("extended 1\N{MULTIPLICATION SIGN}")
    extended = lab.api("GET", f"clusters/{cluster['id']}")
    assert extended["lifetime_extension_count"] == 1
    assert extended["expires_at"] > cluster["expires_at"]
    expect(row).to_contain_text(re.compile(r"expires in 5 h 5\d min|expires in 6 h"))

    # The master's address gives the SSH tunnel command.
    expect(row.locator(".atmo-Command code")).to_have_text(
        re.compile(
            r"^ssh -N -L 15002:localhost:15002 -L 8088:localhost:8088 "
            r"-L 18080:localhost:18080 hadoop@\S+$"
        ),
        timeout=30_000,
    )
    shot(page, "cluster-3-extended")

    # Resize the core group (offered because the cluster has core nodes).
    row.get_by_label("Core nodes").fill("4")
    row.get_by_role("button", name="Resize").click()
    expect(row).to_contain_text("1 + 4 nodes")
    assert lab.api("GET", f"clusters/{cluster['id']}")["size"] == 4

    # Terminate asks first.
    row.get_by_role("button", name="Terminate").click()
    confirm = page.locator(".jp-Dialog").filter(has_text=f"Terminate {name}?")
    expect(confirm).to_be_visible()
    shot(page, "cluster-4-terminate-confirm")
    confirm.get_by_role("button", name="Terminate").click()
    expect(row).to_be_hidden()  # no longer active

    sidebar.get_by_label("Show").select_option("all")
    ended = sidebar.locator(f'li[data-identifier="{name}"]')
    expect(ended.locator(".atmo-Badge")).to_have_text(re.compile("TERMINAT"))
    assert lab.api("GET", f"clusters/{cluster['id']}")["is_active"] is False
    shot(page, "cluster-5-terminated")


def test_launch_without_a_key_offers_to_add_one(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    for key in lab.api("GET", "keys")["keys"]:
        lab.api("DELETE", f"keys/{key['id']}")
    sidebar = open_section(page, "Clusters")
    sidebar.get_by_role("button", name="Launch cluster…").click()
    dialog = page.get_by_role("dialog", name="Launch a cluster")
    expect(dialog).to_contain_text("You have no SSH key yet")
    expect(dialog.get_by_role("button", name="Launch")).to_be_disabled()
    dialog.get_by_role("button", name="Add a key").click()
    expect(page.get_by_role("dialog", name="Add an SSH key")).to_be_visible()
    expect(sidebar.get_by_role("tab", name="Keys")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Add an SSH key")).to_be_hidden()


def test_an_expiry_warning_offers_to_extend_by_2_h(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect
    from sqlalchemy import create_engine, update
    from sqlalchemy.orm import Session

    from atmo_lab.db import utcnow
    from atmo_lab.emr_clusters.models import Cluster

    ensure_key(lab)
    key_id = lab.api("GET", "keys")["keys"][0]["id"]
    cluster = lab.api(
        "POST",
        "clusters",
        {"identifier": "expiring-soon", "size": 1, "lifetime_hours": 2, "ssh_key_id": key_id},
    )
    # Half an hour left: the worker warns within the last hour.
    engine = create_engine(lab.db_url)
    try:
        with Session(engine) as session:
            session.execute(
                update(Cluster)
                .where(Cluster.id == cluster["id"])
                .values(expires_at=utcnow() + dt.timedelta(minutes=30))
            )
            session.commit()
    finally:
        engine.dispose()
    tick = subprocess.run(
        [sys.executable, "-m", "atmo_lab.cli", "tick"],
        env=lab.env,
        cwd=lab.root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert tick.returncode == 0, tick.stdout + tick.stderr

    toast = page.locator(".Toastify__toast").filter(has_text="Cluster expiring-soon expires in")
    expect(toast).to_be_visible(timeout=30_000)
    expect(toast.get_by_role("button", name="Extend 2 h")).to_be_in_viewport()
    shot(page, "notification-1-expiring")
    toast.get_by_role("button", name="Extend 2 h").click()
    expect(
        page.locator(".Toastify__toast").filter(has_text="expiring-soon extended")
    ).to_be_visible()
    after = lab.api("GET", f"clusters/{cluster['id']}")
    assert after["lifetime_extension_count"] == 1
    left = dt.datetime.fromisoformat(after["expires_at"].replace("Z", "+00:00")) - utcnow()
    assert dt.timedelta(hours=2) < left <= dt.timedelta(hours=2, minutes=30)
    unread = lab.api("GET", "notifications?unread=true")["notifications"]
    assert not [n for n in unread if n["kind"] == "cluster_expiring"], "shown means read"
    lab.api("POST", f"clusters/{cluster['id']}/terminate")


def test_the_clusters_tab_counts_more_than_a_page(page: Any, lab: Lab) -> None:
    """The tab's badge is the server's total, not the 50 rows the sidebar loads."""
    from playwright.sync_api import expect
    from sqlalchemy import create_engine, delete
    from sqlalchemy.orm import Session

    from atmo_lab.db import utcnow
    from atmo_lab.emr_clusters.models import Cluster
    from atmo_lab.ssh_keys.models import SSHKey  # noqa: F401 (the table clusters.ssh_key_id names)

    ensure_key(lab)
    key_id = lab.api("GET", "keys")["keys"][0]["id"]
    user = lab.api("GET", "config")["user"]
    engine = create_engine(lab.db_url)
    names = [f"many-{i}" for i in range(60)]
    try:
        with Session(engine) as session:
            session.add_all(
                Cluster(
                    owner=user,
                    identifier=name,
                    size=1,
                    lifetime_hours=8,
                    ssh_key_id=key_id,
                    emr_release="7.5.0",
                    jobflow_id=f"j-MANY{i}",
                    status="WAITING",
                    expires_at=utcnow() + dt.timedelta(hours=8),
                )
                for i, name in enumerate(names)
            )
            session.commit()
        total = lab.api("GET", "clusters?limit=50")["total"]
        assert total >= 60
        sidebar = open_section(page, "Clusters")
        sidebar.get_by_role("button", name="Refresh now").click()
        expect(sidebar.get_by_role("tab", name="Clusters")).to_contain_text(str(total))
        expect(sidebar.locator("li[data-cluster-id]")).to_have_count(50)
        shot(page, "count-1-more-than-a-page")
    finally:
        with Session(engine) as session:
            session.execute(delete(Cluster).where(Cluster.identifier.in_(names)))
            session.commit()
        engine.dispose()


def run_palette_command(page: Any, label: str) -> None:
    page.keyboard.press("ControlOrMeta+Shift+C")
    palette = page.locator("#command-palette")
    palette.locator("input").fill(label)
    palette.locator(".lm-CommandPalette-item").filter(has_text=label).first.click()


def test_the_sidebar_follows_the_dark_theme(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    ensure_key(lab)
    sidebar = open_section(page, "Keys")
    expect(sidebar.locator("li[data-key-id]").first).to_be_visible()

    def luminance(selector: str, prop: str) -> float:
        rgb = page.evaluate(
            """([selector, prop]) => {
                const value = getComputedStyle(document.querySelector(selector))[prop];
                return value.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
            }""",
            [selector, prop],
        )
        r, g, b = (c / 255 for c in rgb)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    assert luminance("#atmo-lab-sidebar", "backgroundColor") > 0.8
    run_palette_command(page, "Use Theme: JupyterLab Dark")
    try:
        page.wait_for_function(
            "document.body.dataset.jpThemeLight === 'false'", timeout=ACTION_TIMEOUT_MS
        )
        page.wait_for_timeout(500)  # the theme's stylesheet settles
        assert luminance("#atmo-lab-sidebar", "backgroundColor") < 0.3
        assert luminance("#atmo-lab-sidebar .atmo-Item-title", "color") > 0.6
        shot(page, "dark-1-keys")
        open_section(page, "Clusters")
        sidebar.get_by_role("button", name="Launch cluster…").click()
        dialog = page.get_by_role("dialog", name="Launch a cluster")
        expect(dialog.get_by_label("Identifier")).not_to_have_value("")
        shot(page, "dark-2-launch-dialog")
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
    finally:
        run_palette_command(page, "Use Theme: JupyterLab Light")
        page.wait_for_function("document.body.dataset.jpThemeLight === 'true'")
