"""A real ``jupyter server`` subprocess with atmo_lab, on its own moto server process.

Used by the fuzzing, authorization-matrix and crash tests: everything goes over real HTTP on
loopback, exactly as a browser or a client would talk to a deployment. The moto server is a
separate process (not the in-process ThreadedMotoServer of conftest.py), so the other tests'
``aws`` fixture, which resets moto's global backends, can't wipe this server's buckets.

No test here: helpers only (``sec_`` prefix).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import boto3
import requests

from atmo_lab.core import Core
from atmo_lab.settings import AtmoLabConfig, Settings

from .sec_identity import USER_TOKENS

REGION = "us-west-2"
BUCKETS = ("atmo-lab-code", "atmo-lab-public-data", "atmo-lab-private-data", "atmo-lab-logs")
SENDER = "atmo@example.com"
REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(predicate: Any, timeout: float, what: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{what}: the process exited with {process.returncode}")
        with contextlib.suppress(OSError):
            if predicate():
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start within {timeout} s")
        time.sleep(0.2)


def _stop(process: subprocess.Popen[bytes] | None, timeout: float = 15.0) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


class MotoProcess:
    """``moto_server`` on a free loopback port with the buckets and an SES sender."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = folder / "moto.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> MotoProcess:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )  # fmt: skip
        _wait(lambda: urllib.request.urlopen(self.endpoint + "/moto-api/", timeout=2),
              30, "moto_server", self.process)  # fmt: skip
        s3 = self.client("s3")
        for bucket in BUCKETS:
            s3.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
            )
        self.client("ses").verify_email_identity(EmailAddress=SENDER)
        return self

    def client(self, service: str) -> Any:
        session = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        )
        return session.client(service, endpoint_url=self.endpoint)  # type: ignore[call-overload]

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        pages = (
            self.client("s3")
            .get_paginator("list_objects_v2")
            .paginate(Bucket=bucket, Prefix=prefix)
        )
        return sorted(o["Key"] for page in pages for o in page.get("Contents", []))

    def stop(self) -> None:
        _stop(self.process)


class LiveServer:
    """A ``jupyter server`` process with atmo_lab; restartable on the same store and folders.

    `atmo` are ``c.AtmoLabApp`` traits, `server` ``c.ServerApp`` traits (both written to the
    process's own Jupyter config dir). Requests go through :meth:`call`.
    """

    def __init__(
        self,
        folder: Path,
        moto: MotoProcess,
        atmo: Mapping[str, Any] | None = None,
        server: Mapping[str, Any] | None = None,
    ) -> None:
        self.folder = folder
        self.moto = moto
        self.token = secrets.token_hex(16)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/"
        self.api = self.base + "atmo-lab/api/"
        self.process: subprocess.Popen[bytes] | None = None
        for name in ("config", "data", "runtime", "root", "tmp"):
            (folder / name).mkdir(parents=True, exist_ok=True)
        self.atmo: dict[str, Any] = {
            "db_url": f"sqlite:///{folder / 'atmo.sqlite'}",
            "region": REGION,
            "owner": "alice",
            "embedded_worker": False,
            "job_executor": "local",
            "mail_sender": SENDER,
            "email_domain": "example.com",
            **(atmo or {}),
        }
        self.server: dict[str, Any] = {
            "jpserver_extensions": {"atmo_lab": True, "jupyter_server_terminals": False},
            "allow_unauthenticated_access": False,
            "root_dir": str(folder / "root"),
            "ip": "127.0.0.1",
            "port": self.port,
            "port_retries": 0,
            "open_browser": False,
            "identity_provider_class": "tests.sec_identity.SecUsers",
            **(server or {}),
        }

    # --- process ------------------------------------------------------------------------------

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "JUPYTER"))}
        env.update(
            AWS_ENDPOINT_URL=self.moto.endpoint,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_DEFAULT_REGION=REGION,
            AWS_EC2_METADATA_DISABLED="true",
            JUPYTER_CONFIG_DIR=str(self.folder / "config"),
            JUPYTER_DATA_DIR=str(self.folder / "data"),
            JUPYTER_RUNTIME_DIR=str(self.folder / "runtime"),
            JUPYTER_PLATFORM_DIRS="1",
            TMPDIR=str(self.folder / "tmp"),
            PYTHONPATH=os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        )
        return env

    def start(self, timeout: float = 90.0) -> LiveServer:
        config = {
            "ServerApp": self.server,
            "IdentityProvider": {"token": self.token},
            "AtmoLabApp": self.atmo,
        }
        (self.folder / "config" / "jupyter_server_config.json").write_text(json.dumps(config))
        command = [sys.executable, "-m", "jupyter_server"]
        if os.geteuid() == 0:
            command.append("--allow-root")
        with open(self.folder / "server.log", "ab") as log:
            self.process = subprocess.Popen(
                command, env=self.environment(), cwd=self.folder, stdout=log,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )  # fmt: skip

        def up() -> bool:
            reply = requests.get(self.base + "api/status", headers=self.auth(), timeout=3)
            return reply.status_code == 200

        _wait(up, timeout, "jupyter server", self.process)
        return self

    def stop(self) -> None:
        _stop(self.process)

    def kill(self) -> None:
        """SIGKILL the server process only (a local run's child, in its own session, lives on)."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(10)

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = (self.folder / "server.log").read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    # --- requests -----------------------------------------------------------------------------

    def auth(self, user: str | None = None) -> dict[str, str]:
        """The Authorization header of `user` (None: the server's own token)."""
        if user is None:
            return {"Authorization": f"token {self.token}"}
        token = {name: tok for tok, name in USER_TOKENS.items()}[user]
        return {"Authorization": f"token {token}"}

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        user: str | None = "alice",
        anonymous: bool = False,
        params: Mapping[str, str] | None = None,
        raw: bytes | None = None,
    ) -> requests.Response:
        headers = {} if anonymous else self.auth(user)
        data = raw
        if data is None and method in ("POST", "PATCH", "PUT"):
            data = json.dumps(body if body is not None else {}).encode()
        return requests.request(
            method, self.api + path, headers=headers, data=data, params=params, timeout=60
        )

    # --- the store, as a kernel would see it ---------------------------------------------------

    def settings(self) -> Settings:
        source = AtmoLabConfig()
        for name, value in self.atmo.items():
            setattr(source, name, value)
        return Settings.from_config(source)

    def core(self) -> Core:
        return Core(self.settings())


@contextlib.contextmanager
def live_server(
    folder: Path, atmo: Mapping[str, Any] | None = None, server: Mapping[str, Any] | None = None
) -> Iterator[LiveServer]:
    """A moto process and a started Jupyter server on it; both stopped afterwards."""
    folder.mkdir(parents=True, exist_ok=True)
    moto = MotoProcess(folder).start()
    live = LiveServer(folder, moto, atmo, server)
    try:
        live.start()
        yield live
    except BaseException:
        print(live.log_tail(), file=sys.stderr)
        raise
    finally:
        live.stop()
        moto.stop()
        kill_leftovers(folder)


def kill_leftovers(folder: Path) -> None:
    """Stop what a test left running under `folder` (e.g. a local run's process group that
    outlived a killed server)."""
    needle = str(folder).encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "cmdline").read_bytes():
                pid = int(entry.name)
                if os.getpgid(pid) == pid:  # a run's process group: the runner and its kernel
                    os.killpg(pid, signal.SIGKILL)
                else:
                    os.kill(pid, signal.SIGKILL)
        except (OSError, ProcessLookupError, PermissionError):
            continue
