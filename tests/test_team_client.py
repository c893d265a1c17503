"""Client mode without a Hub: what a user's server is and does when ``service_url`` is set."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from atmo_lab.team.client import SERVICE_URL_ENV

HEAVY = ("sqlalchemy", "boto3", "botocore", "huey", "papermill")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


SERVICE_URL = f"http://127.0.0.1:{_closed_port()}/services/atmo-lab/"


@pytest.fixture
def no_service_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """The client-mode server exports service_url for its kernels: unset it afterwards, so
    the rest of this process's tests use their own core."""
    monkeypatch.delenv(SERVICE_URL_ENV, raising=False)
    monkeypatch.delenv("JUPYTERHUB_API_TOKEN", raising=False)
    yield monkeypatch


def test_a_client_mode_server_builds_no_core_and_opens_no_store() -> None:
    script = (
        "import sys\n"
        "from atmo_lab.app import AtmoLabApp\n"
        f"app = AtmoLabApp(service_url={SERVICE_URL!r})\n"
        "app.initialize_settings()\n"
        "app.initialize_handlers()\n"
        "assert 'atmo_lab_startup' not in app.settings and app.core is None\n"
        "print(len(app.handlers), app.settings['atmo_lab_service_url'])\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    routes, imported = out.stdout.strip().splitlines()
    assert routes == f"2 {SERVICE_URL}"
    assert imported == "[]"  # no SQLAlchemy, boto3 or worker in the user's server


@pytest.mark.atmo(service_url=SERVICE_URL)
async def test_without_a_hub_token_the_reply_says_so(no_service_env: Any, api: Any) -> None:
    reply = await api("GET", "clusters")
    assert reply.code == 503
    assert "JUPYTERHUB_API_TOKEN" in reply.json["message"]


@pytest.mark.atmo(service_url=SERVICE_URL)
async def test_a_service_that_does_not_answer_is_a_502(no_service_env: Any, api: Any) -> None:
    no_service_env.setenv("JUPYTERHUB_API_TOKEN", "a-token")
    reply = await api("POST", "keys", {"title": "t", "key": "ssh-ed25519 AAAA x"})
    assert reply.code == 502
    assert "did not answer" in reply.json["message"]


@pytest.mark.atmo(service_url=SERVICE_URL)
async def test_only_the_services_api_is_forwarded(no_service_env: Any, api: Any) -> None:
    no_service_env.setenv("JUPYTERHUB_API_TOKEN", "a-token")
    for path in ("../../hub/api/user", "%2e%2e/%2e%2e/hub/api/user", "clusters/./../keys"):
        reply = await api("GET", path)
        assert reply.code == 404, path


@pytest.mark.atmo(local_runs=False, job_executor="local")
async def test_without_local_runs_no_notebook_runs_on_the_services_machine(api: Any) -> None:
    """atmo-lab serve's default: a team member's notebook would run beside the service's AWS
    credentials, so neither the default nor a job's own executor may be local."""
    from .test_jobs_support import job_body

    for body in (job_body("by-default"), job_body("asked", executor="local")):
        reply = await api("POST", "jobs", body)
        assert reply.code == 400 and "choose emr" in reply.json["errors"]["executor"]
    created = await api("POST", "jobs", job_body("on-emr", executor="emr"))
    assert created.code == 201, created.json
    edited = await api("PATCH", f"jobs/{created.json['id']}", {"executor": "local"})
    assert edited.code == 400 and "executor" in edited.json["errors"]
    assert (await api("GET", "jobs")).json["jobs"][0]["executor"] == "emr"


def test_the_service_turns_local_runs_off_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    from atmo_lab.settings import load_settings
    from atmo_lab.team.service import service_argv

    monkeypatch.setenv("JUPYTERHUB_SERVICE_URL", "http://127.0.0.1:10101")
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/services/atmo-lab/")

    def settings(config_args: list[str]) -> Any:
        argv = service_argv(config_args)
        assert "--ServerApp.base_url=/services/atmo-lab/" in argv
        return load_settings([arg for arg in argv if arg.startswith("--AtmoLabApp.")])

    default = settings(["--AtmoLabApp.maintainers=mia"])
    assert default.local_runs is False and default.multi_user is True
    assert default.maintainers == {"mia"} and default.service_url == ""
    assert settings(["--AtmoLabApp.local_runs=True"]).local_runs is True


def test_maintainers_from_hub_groups() -> None:
    """maintainer_groups: members of a named Hub group are maintainers (with multi_user), read
    from the groups of the Hub's user model that JupyterHub's identity keeps."""
    from jupyterhub.singleuser.extension import JupyterHubUser

    from atmo_lab.caller import caller_for, identity_groups
    from atmo_lab.settings import load_settings

    settings = load_settings(
        ["--AtmoLabApp.multi_user=True", "--AtmoLabApp.maintainer_groups=atmo-maintainers"]
    )
    assert settings.maintainer_groups == {"atmo-maintainers"}
    mia = JupyterHubUser({"name": "mia", "groups": ["staff", "atmo-maintainers"]})
    bob = JupyterHubUser({"name": "bob", "groups": ["staff"]})
    assert identity_groups(mia) == {"staff", "atmo-maintainers"}
    assert caller_for(settings, "mia", identity_groups(mia)).is_maintainer
    assert not caller_for(settings, "bob", identity_groups(bob)).is_maintainer
    assert identity_groups(object()) == frozenset()  # an identity without Hub groups
    one_person = load_settings(["--AtmoLabApp.maintainer_groups=atmo-maintainers"])
    assert not caller_for(one_person, "mia", ["atmo-maintainers"]).is_maintainer


CUT_OFF_PORT = _closed_port()


@pytest.mark.atmo(service_url=f"http://127.0.0.1:{CUT_OFF_PORT}/services/atmo-lab/")
async def test_a_reply_cut_off_midway_reaches_the_client_as_incomplete(
    no_service_env: Any,
    http_server: Any,  # the server, listening
    jp_http_port: int,
    jp_base_url: str,
    jp_auth_header: dict[str, str],
) -> None:
    """The server relays the service's reply as it arrives; when the service's connection
    breaks midway, the client's reply ends without its last chunk (it can tell), instead of
    looking complete."""
    no_service_env.setenv("JUPYTERHUB_API_TOKEN", "a-token")
    sent = b'{"cells": [' + b" " * 300_000  # the first part of a reply promised at 1 MB

    async def breaks_off(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ipynb+json\r\n"
            b"Content-Length: 1000000\r\n\r\n" + sent
        )
        await writer.drain()
        writer.close()

    service = await asyncio.start_server(breaks_off, "127.0.0.1", CUT_OFF_PORT)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", jp_http_port)
        headers = "".join(f"{k}: {v}\r\n" for k, v in jp_auth_header.items())
        writer.write(
            f"GET {jp_base_url}atmo-lab/api/runs/1/output HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"{headers}Connection: close\r\n\r\n".encode()
        )
        raw = await asyncio.wait_for(reader.read(), 10)  # until the server closes
        writer.close()
    finally:
        service.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    assert b"transfer-encoding: chunked" in head.lower()
    assert b"application/x-ipynb+json" in head
    assert not body.endswith(b"0\r\n\r\n")  # no last chunk
    relayed = b"".join(body.split(b"\r\n")[1::2])  # the chunks' data, without their sizes
    assert relayed == sent
