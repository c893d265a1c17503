"""A real JupyterHub for the team tests: the Hub, configurable-http-proxy, the atmo_lab
service (``atmo-lab serve`` on PostgreSQL and the moto server) and users' servers spawned as
local processes, all on loopback free ports.

Users alice, bob and mia (a maintainer, by her Hub group) log in with DummyAuthenticator's
password; a test service ``hub-admin`` holds an admin token to start and stop servers and to
issue each user a token for their own server (what a browser session gets by logging in).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
PROXY = ROOT / ".ci" / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
USERS = ("alice", "bob", "mia")
MAINTAINER = "mia"
# mia is a maintainer through her Hub group only; bob is in a group that makes no one one.
MAINTAINER_GROUP = "atmo-maintainers"
GROUPS = {MAINTAINER_GROUP: [MAINTAINER], "staff": ["bob"]}
SERVICE = "atmo-lab"
PASSWORD = "team-test-password"
NO_PROXY = (
    "configurable-http-proxy is not installed: run `bash .ci/proxy.sh` (needs npm) for the "
    "JupyterHub tests"
)
AWS_ENV = ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")


def free_ports(count: int) -> list[int]:
    """``count`` distinct free loopback ports (held open together so none repeats)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def proxy_missing() -> str | None:
    """Why the Hub can't run here, or None."""
    if not PROXY.exists():
        return NO_PROXY
    if shutil.which("node") is None:
        return "node is missing: configurable-http-proxy can't run"
    return None


@dataclass
class Hub:
    """A running JupyterHub and the admin token that drives it."""

    url: str  # the proxy's public URL, e.g. http://127.0.0.1:PORT/
    admin_token: str
    folder: Path
    process: subprocess.Popen[bytes]
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def service_url(self) -> str:
        return f"{self.url}services/{SERVICE}/"

    def hub_api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"token {self.admin_token}"}
        return requests.request(
            method, f"{self.url}hub/api/{path}", headers=headers, timeout=30, **kwargs
        )

    def start_server(self, user: str, timeout: float = 90) -> None:
        """Start ``user``'s server (if it isn't running) and wait until it answers."""
        reply = self.hub_api("POST", f"users/{user}/server")
        assert reply.status_code in (201, 202, 400), reply.text  # 400: already running
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            model = self.hub_api("GET", f"users/{user}").json()
            server = model.get("servers", {}).get("")
            if server and server.get("ready"):
                return
            time.sleep(0.3)
        raise AssertionError(f"{user}'s server did not start; see {self.folder / 'hub.log'}")

    def stop_server(self, user: str, timeout: float = 60) -> None:
        reply = self.hub_api("DELETE", f"users/{user}/server")
        assert reply.status_code in (202, 204), reply.text
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.hub_api("GET", f"users/{user}").json().get("servers"):
                return
            time.sleep(0.3)
        raise AssertionError(f"{user}'s server did not stop")

    def user_token(self, user: str) -> str:
        """A token of ``user``'s that opens their own server (as logging in gives a browser)."""
        if user not in self.tokens:
            reply = self.hub_api(
                "POST",
                f"users/{user}/tokens",
                json={"note": "team tests", "scopes": [f"access:servers!user={user}"]},
            )
            assert reply.status_code == 201, reply.text
            self.tokens[user] = reply.json()["token"]
        return self.tokens[user]

    def call(
        self,
        user: str,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """``method {user's server}/atmo-lab/api/{path}`` with the user's token."""
        sent = {"Authorization": f"token {token or self.user_token(user)}", **(headers or {})}
        return requests.request(
            method,
            f"{self.url}user/{user}/atmo-lab/api/{path}",
            headers=sent,
            data=None if body is None else json.dumps(body),
            timeout=60,
            allow_redirects=False,
        )

    def home(self, user: str) -> Path:
        """The user's home: their server's root folder."""
        return self.folder / "home" / user

    def log(self) -> str:
        return (self.folder / "hub.log").read_text(errors="replace")


def _config(folder: Path, ports: dict[str, int], admin_token: str, db_url: str) -> str:
    """jupyterhub_config.py: the deployment README describes, on loopback."""
    python = sys.executable
    venv_bin = Path(python).parent
    aws = {name: os.environ[name] for name in AWS_ENV if os.environ.get(name)}
    # this checkout's atmo_lab, not the installed copy, in the service and users' servers
    source = {
        "PYTHONPATH": str(ROOT),
        "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    service_url = f"http://127.0.0.1:{ports['public']}/services/{SERVICE}/"
    service_args = [
        f"--AtmoLabApp.db_url={db_url}",
        f"--AtmoLabApp.queue_url=sqlite:///{folder / 'queue.sqlite'}",
        "--AtmoLabApp.job_executor=local",
        # EMR runs can't execute on moto: these tests opt in to runs in the service's process
        # (whose AWS credentials are moto's); a deployment keeps them off (README).
        "--AtmoLabApp.local_runs=True",
        f"--AtmoLabApp.maintainer_groups={MAINTAINER_GROUP}",
        "--AtmoLabApp.worker_threads=2",
    ]
    settings = {
        "public": ports["public"],
        "hub": ports["hub"],
        "proxy_api": ports["proxy_api"],
        "service_port": ports["service"],
        "folder": str(folder),
        "proxy": str(PROXY),
        "python": python,
        "singleuser": str(venv_bin / "jupyterhub-singleuser"),
        "admin_token": admin_token,
        "service_env": {**aws, **source},
        "server_env": source,
        "service_args": service_args,
        "service_url": service_url,
        "password": PASSWORD,
        "users": list(USERS),
        "service": SERVICE,
        "groups": GROUPS,
    }
    return HUB_CONFIG.replace("SETTINGS_JSON", json.dumps(settings))


HUB_CONFIG = '''
import json
from pathlib import Path

s = json.loads(r"""SETTINGS_JSON""")
c = get_config()  # noqa: F821
folder = Path(s["folder"])

c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = s["public"]
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = s["hub"]
c.JupyterHub.db_url = f"sqlite:///{folder / 'hub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(folder / "cookie_secret")
c.JupyterHub.pid_file = str(folder / "hub.pid")
c.ConfigurableHTTPProxy.command = [s["proxy"]]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{s['proxy_api']}"
c.ConfigurableHTTPProxy.pid_file = str(folder / "proxy.pid")

c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = s["password"]
c.Authenticator.allowed_users = set(s["users"])
c.JupyterHub.load_groups = {name: {"users": users} for name, users in s["groups"].items()}

c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(folder / "home" / "{username}")
c.Spawner.cmd = [s["singleuser"]]
c.Spawner.args = ["--allow-root", f"--AtmoLabApp.service_url={s['service_url']}"]
c.Spawner.environment = s["server_env"]
c.Spawner.start_timeout = 90
c.Spawner.http_timeout = 90
# A user's server token may reach the atmo_lab service (as its owner).
c.Spawner.server_token_scopes = [
    "users:activity!user", "access:servers!server", f"access:services!service={s['service']}",
]


def forge_for_bob(spawner):
    """bob's own server config and environment name alice: neither may make him alice."""
    if spawner.user.name == "bob":
        spawner.args = [*spawner.args, "--AtmoLabApp.owner=alice"]
        spawner.environment = {**spawner.environment, "ATMO_LAB_USER": "alice",
                               "REMOTE_USER": "alice"}


c.Spawner.pre_spawn_hook = forge_for_bob

c.JupyterHub.services = [
    {
        "name": s["service"],
        "url": f"http://127.0.0.1:{s['service_port']}",
        "command": [s["python"], "-m", "atmo_lab.cli", "serve", *s["service_args"]],
        "environment": s["service_env"],
        "oauth_no_confirm": True,
    },
    {"name": "hub-admin", "api_token": s["admin_token"]},
]
c.JupyterHub.load_roles = [
    {"name": "user", "scopes": ["self", f"access:services!service={s['service']}"]},
    {"name": "hub-admin", "scopes": ["admin:users", "admin:servers", "tokens"],
     "services": ["hub-admin"]},
]
'''


@contextmanager
def running_hub(folder: Path, db_url: str, timeout: float = 60) -> Iterator[Hub]:
    """A JupyterHub with the atmo_lab service, stopped (with every server) on exit."""
    names = ("public", "hub", "proxy_api", "service")
    ports = dict(zip(names, free_ports(len(names)), strict=True))
    admin_token = secrets.token_hex(16)
    config = folder / "jupyterhub_config.py"
    config.write_text(_config(folder, ports, admin_token, db_url))
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(folder / "jupyter-config")}
    log = (folder / "hub.log").open("wb")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "jupyterhub"), "-f", str(config)],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    hub = Hub(f"http://127.0.0.1:{ports['public']}/", admin_token, folder, process)
    try:
        _wait_for(hub, timeout)
        yield hub
    finally:
        for user in USERS:
            with suppress(requests.RequestException):
                hub.hub_api("DELETE", f"users/{user}/server")
        process.terminate()  # the Hub stops the proxy and its managed service
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _wait_for(hub: Hub, timeout: float) -> None:
    """Until the Hub answers its admin and the service answers through the proxy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if hub.process.poll() is not None:
            raise AssertionError(f"JupyterHub exited:\n{hub.log()[-4000:]}")
        try:
            users = hub.hub_api("GET", "users")
            service = requests.get(f"{hub.service_url}atmo-lab/api/config", timeout=5)
            if users.status_code == 200 and service.status_code in (401, 403):
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise AssertionError(f"JupyterHub did not come up:\n{hub.log()[-4000:]}")


def run_in_kernel(hub: Hub, user: str, code: str, timeout: float = 120) -> str:
    """Run ``code`` in a new kernel of ``user``'s server (over the kernel websocket, as
    JupyterLab does); its stdout, or AssertionError with the traceback."""
    return asyncio.run(_run_in_kernel(hub, user, code, timeout))


async def _run_in_kernel(hub: Hub, user: str, code: str, timeout: float) -> str:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    headers = {"Authorization": f"token {hub.user_token(user)}"}
    api = f"{hub.url}user/{user}/api/kernels"
    started = await asyncio.to_thread(
        requests.post, api, headers=headers, json={"name": "python3"}, timeout=60
    )
    assert started.status_code == 201, started.text
    kernel_id = started.json()["id"]
    ws_url = f"{api}/{kernel_id}/channels".replace("http://", "ws://", 1)
    socket_ = await websocket_connect(HTTPRequest(ws_url, headers=headers))
    msg_id = uuid.uuid4().hex
    header = {"msg_id": msg_id, "msg_type": "execute_request", "username": user,
              "session": uuid.uuid4().hex, "date": "", "version": "5.3"}  # fmt: skip
    content = {"code": code, "silent": False, "store_history": False,
               "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}  # fmt: skip
    message = {"header": header, "parent_header": {}, "metadata": {}, "content": content,
               "channel": "shell", "buffers": []}  # fmt: skip
    await socket_.write_message(json.dumps(message))
    out: list[str] = []
    error: str | None = None
    try:
        async with asyncio.timeout(timeout):
            while True:
                raw = await socket_.read_message()
                assert raw is not None, "the kernel's websocket closed"
                reply = json.loads(raw)
                if reply.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = reply["msg_type"]
                if kind == "stream":
                    out.append(reply["content"]["text"])
                elif kind == "error":
                    error = "\n".join(reply["content"]["traceback"])
                elif kind == "status" and reply["content"]["execution_state"] == "idle":
                    break
    finally:
        socket_.close()
        await asyncio.to_thread(requests.delete, f"{api}/{kernel_id}", headers=headers, timeout=60)
    if error is not None:
        raise AssertionError(f"the kernel raised:\n{error}\nstdout:\n{''.join(out)}")
    return "".join(out)
