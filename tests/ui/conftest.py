"""UI tests: a real ``jupyter lab`` with atmo_lab on a moto server, driven in headless Chromium.

The lab runs in a subprocess of this Python (so it uses the labextension installed in this
environment, ``share/jupyter/labextensions/atmo-lab``, and the ``atmo_lab`` package of this
checkout), with its own config, settings, workspace, root folder and SQLite store, and a moto
server of its own (a subprocess too, so the in-process emulator of the other tests never
interferes). Chromium is Debian's ``/usr/bin/chromium`` driven by playwright (no browser
downloads). Screenshots go to ``test-artifacts/ui/``.

``ATMO_LAB_UI_LABEXTENSIONS=<dir>`` puts ``<dir>`` first on the labextensions path (a
development build: a folder holding an ``atmo-lab`` link to ``atmo_lab/labextension``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "ui"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REGION = "us-west-2"
OWNER = "ui-tester"
# Playwright's wait for one action, and for one expectation (the sidebar polls every 2 s
# here; a busy CI machine needs some slack).
ACTION_TIMEOUT_MS = 20_000
EXPECT_TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if Path(CHROMIUM).exists():
        return
    skip = pytest.mark.skip(
        reason=f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)"
    )
    for item in items:
        if "ui" in item.keywords:
            item.add_marker(skip)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(autouse=True)
def jp_asyncio_loop() -> Iterator[None]:
    """Override pytest-jupyter's autouse loop: these tests run no in-process server, and
    playwright's sync API owns this thread's event loop while the browser is open."""
    yield None


@pytest.fixture(autouse=True)
def jp_server_cleanup() -> Iterator[None]:
    """Override pytest-jupyter's autouse cleanup (it would use the loop above)."""
    yield


def _free_port() -> int:
    from atmo_lab.demo import free_port

    return free_port()


def _wait_for(url: str, headers: dict[str, str], proc: subprocess.Popen[Any], what: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode} before it answered")
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer at {url} within 90 s")


def _stop(proc: subprocess.Popen[Any]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@dataclass
class Lab:
    """A running JupyterLab with atmo_lab."""

    url: str
    token: str
    root: Path
    db_url: str
    moto: str
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    # The JupyterLab workspace of the current test (each test starts from an empty one).
    workspace: str = "default"

    def lab_url(self, path: str = "") -> str:
        """A URL of the JupyterLab page in the current test's workspace."""
        return f"{self.url}lab/workspaces/{self.workspace}{'/' + path if path else ''}"

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """Call the atmo_lab REST API (for arranging state and checking it)."""
        return self.request(method, f"atmo-lab/api/{path}", body)

    def request(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            f"{self.url}{path}",
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=30) as response:
            text = response.read().decode()
        return json.loads(text) if text else None

    def write_notebook(self, path: str, cells: list[tuple[str, str, list[str]]]) -> None:
        """Put a notebook (cells of (type, source, tags)) into the lab's root folder."""
        nb = {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {
                "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                "language_info": {"name": "python"},
            },
            "cells": [
                {
                    "cell_type": kind,
                    "id": f"cell-{i}",
                    "metadata": {"tags": tags} if tags else {},
                    "source": source,
                    **({"outputs": [], "execution_count": None} if kind == "code" else {}),
                }
                for i, (kind, source, tags) in enumerate(cells)
            ],
        }
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(nb, indent=1))


@pytest.fixture(scope="session")
def ui_moto() -> Iterator[str]:
    """A moto server subprocess on a free loopback port, with the buckets created."""
    from atmo_lab.demo import seed_emulator

    port = _free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with (ARTIFACTS / "moto-server.log").open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        endpoint = f"http://127.0.0.1:{port}"
        try:
            _wait_for(f"{endpoint}/moto-api/", {}, proc, "moto_server")
            seed_emulator(endpoint)
            yield endpoint
        finally:
            _stop(proc)


@pytest.fixture(scope="session")
def lab(ui_moto: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """``jupyter lab`` with atmo_lab (local executor, embedded worker) on the moto server."""
    yield from start_lab(ui_moto, tmp_path_factory)


def start_lab(ui_moto: str, tmp_path_factory: pytest.TempPathFactory, **atmo: Any) -> Iterator[Lab]:
    """Run a lab as the `lab` fixture does, with `atmo` added to its c.AtmoLabApp traits (a
    module overriding `lab` with its own)."""
    base = tmp_path_factory.mktemp("ui-lab")
    root = base / "root"
    config_dir = base / "config"
    settings_dir = base / "settings"
    for folder in (root, config_dir, settings_dir, base / "runtime", base / "workspaces"):
        folder.mkdir(parents=True, exist_ok=True)
    # Fast polling, and no news / update toasts over the notifications under test.
    (settings_dir / "atmo-lab").mkdir()
    (settings_dir / "atmo-lab" / "plugin.jupyterlab-settings").write_text(
        json.dumps({"refreshInterval": 2})
    )
    (settings_dir / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
    (
        settings_dir / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    ).write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    port = _free_port()
    token = secrets.token_hex(16)
    db_url = f"sqlite:///{base / 'atmo.sqlite'}"
    extra = os.environ.get("ATMO_LAB_UI_LABEXTENSIONS")
    installed = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "atmo-lab"
    if not extra and not (installed / "package.json").exists():
        pytest.fail(
            f"the atmo-lab labextension is not installed in {sys.prefix} "
            "(pip install . builds it into the wheel)"
        )
    config = {
        "ServerApp": {
            "jpserver_extensions": {"atmo_lab": True},
            "ip": "127.0.0.1",
            "port": port,
            "port_retries": 0,
            "open_browser": False,
            "root_dir": str(root),
            "allow_root": True,
        },
        "IdentityProvider": {"token": token},
        "LabApp": {
            "workspaces_dir": str(base / "workspaces"),
            "user_settings_dir": str(settings_dir),
            **({"extra_labextensions_path": [extra]} if extra else {}),
        },
        "AtmoLabApp": {
            "db_url": db_url,
            "queue_url": f"sqlite:///{base / 'queue.sqlite'}",
            "region": REGION,
            "owner": OWNER,
            "job_executor": "local",
            "embedded_worker": True,
            **atmo,
        },
    }
    (config_dir / "jupyter_server_config.json").write_text(json.dumps(config, indent=1))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "JUPYTER_"))}
    env.update(
        AWS_ENDPOINT_URL=ui_moto,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
        AWS_EC2_METADATA_DISABLED="true",
        JUPYTER_CONFIG_DIR=str(config_dir),
        JUPYTER_RUNTIME_DIR=str(base / "runtime"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    )
    for stale in ARTIFACTS.glob("FAILED-*"):
        stale.unlink()
    log_path = ARTIFACTS / "jupyter-lab.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab"],
            cwd=root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}/"
        try:
            _wait_for(f"{url}api/status", {"Authorization": f"token {token}"}, proc, "jupyter lab")
            yield Lab(
                url=url, token=token, root=root, db_url=db_url, moto=ui_moto, log=log_path, env=env
            )
        finally:
            _stop(proc)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium through playwright (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(request: pytest.FixtureRequest, browser: Any, lab: Lab) -> Iterator[Any]:
    """A fresh browser context on JupyterLab, with the atmo_lab sidebar's tab present.

    On failure a screenshot and the browser console go to test-artifacts/ui/.
    """
    yield from lab_page(request, browser, lab)


def lab_page(request: pytest.FixtureRequest, browser: Any, lab: Lab) -> Iterator[Any]:
    """What the `page` fixture yields, on any lab (a module's fixture for a lab of its own)."""
    from playwright.sync_api import expect

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
    page.on("pageerror", lambda exc: console.append(f"pageerror: {exc}"))
    lab.workspace = re.sub(r"[^A-Za-z0-9-]+", "-", request.node.name)[:60]
    page.goto(f"{lab.lab_url()}?reset&token={lab.token}")
    page.locator("#jp-main-dock-panel").wait_for()
    page.locator('.jp-SideBar [data-id="atmo-lab-sidebar"]').wait_for()
    # A reset workspace is restored with a Launcher, which takes the focus when it opens: a
    # dialog opened before that would lose it.
    page.locator(".jp-Launcher").wait_for()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        name = request.node.name
        from playwright.sync_api import Error as PlaywrightError

        with contextlib.suppress(PlaywrightError):  # the page may be gone
            page.screenshot(path=str(ARTIFACTS / f"FAILED-{name}.png"), full_page=True)
        (ARTIFACTS / f"FAILED-{name}.console.txt").write_text("\n".join(console))
    context.close()


def shot(page: Any, name: str) -> Path:
    """Save a screenshot as test-artifacts/ui/<name>.png."""
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
