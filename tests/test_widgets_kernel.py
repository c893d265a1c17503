"""In a real kernel started by a real Jupyter server, JobPanel() finds the notebook it runs.

The kernel knows only its id; the server's sessions API maps it to the notebook path, and the
server is found through its runtime file (with its token), as in JupyterLab.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client import BlockingKernelClient
from nbformat.v4 import new_code_cell, new_notebook

import atmo_lab

TOKEN = "widget-test-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def call(base: str, method: str, path: str, body: Any = None) -> Any:
    request = urllib.request.Request(
        base + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read()
    return json.loads(text) if text else None


def wait_for_server(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            call(base, "GET", "api/status")
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    f"the Jupyter server did not start:\n{log.read_text()}"
                ) from None
            time.sleep(0.1)


@dataclass
class JupyterProcess:
    """A ``jupyter server`` of a test: its URL, runtime folder (kernels' connection files),
    process and log."""

    base: str
    runtime_dir: Path
    process: subprocess.Popen[bytes]
    log: Path

    def connection_file(self, kernel_id: str) -> Path:
        return self.runtime_dir / f"kernel-{kernel_id}.json"


@contextmanager
def jupyter_server(tmp_path: Path, root: Path, config: dict[str, Any]) -> Iterator[JupyterProcess]:
    """A real Jupyter server on loopback serving `root`, with `config` as its only config file
    (its kernels read the same file, as a user's do); stopped on exit."""
    config_dir, runtime_dir = tmp_path / "config", tmp_path / "runtime"
    config_dir.mkdir()
    (config_dir / "jupyter_server_config.json").write_text(json.dumps(config))
    env = os.environ | {
        "JUPYTER_CONFIG_DIR": str(config_dir),
        "JUPYTER_RUNTIME_DIR": str(runtime_dir),
        "JUPYTER_DATA_DIR": str(tmp_path / "data"),
        "JUPYTER_PLATFORM_DIRS": "0",
        "PYTHONPATH": str(Path(atmo_lab.__file__).parent.parent),
    }
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "jupyter_server", "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}",
                "--ServerApp.open_browser=False", "--ServerApp.allow_root=True",
            ],
            env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )  # fmt: skip
    server = JupyterProcess(f"http://127.0.0.1:{port}/", runtime_dir, process, log)
    try:
        wait_for_server(server.base, process, log)
        yield server
    finally:
        process.terminate()
        process.wait(30)


def run_in_kernel(connection_file: Path, code: str) -> list[str]:
    client = BlockingKernelClient(connection_file=str(connection_file))
    client.load_connection_file()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        out: list[str] = []

        def hook(msg: dict[str, Any]) -> None:
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                out.append("\n".join(msg["content"]["traceback"]))

        reply = client.execute_interactive(code, output_hook=hook, timeout=60)
        assert reply["content"]["status"] == "ok", "".join(out)
        return "".join(out).splitlines()
    finally:
        client.stop_channels()


def test_job_panel_in_a_kernel_finds_its_notebook(aws, atmo_config, tmp_path):
    root = tmp_path / "root"
    (root / "reports").mkdir(parents=True)
    notebook = root / "reports" / "Monthly Sales.ipynb"
    notebook.write_text(nbformat.writes(new_notebook(cells=[new_code_cell("1")])))
    config = {"ServerApp": {"jpserver_extensions": {"atmo_lab": False}}, "AtmoLabApp": atmo_config}
    with jupyter_server(tmp_path, root, config) as server:
        base = server.base
        session = call(
            base, "POST", "api/sessions",
            {"path": "reports/Monthly Sales.ipynb", "type": "notebook",
             "name": "Monthly Sales.ipynb", "kernel": {"name": "python3"}},
        )  # fmt: skip
        kernel_id = session["kernel"]["id"]
        lines = run_in_kernel(
            server.connection_file(kernel_id),
            "from atmo_lab.widgets import JobPanel\n"
            "from atmo_lab.widgets.notebook import current_notebook_path, kernel_id\n"
            "print(kernel_id())\n"
            "print(current_notebook_path())\n"
            "panel = JobPanel()\n"
            "print(panel.notebook_path)\n"
            "print(panel.identifier.value)\n"
            "panel.close()\n",
        )
        assert lines == [kernel_id, str(notebook), str(notebook), "monthly-sales"]
        call(base, "DELETE", f"api/sessions/{session['id']}")
