"""Fixtures: a moto server on loopback, a SQLite (or PostgreSQL) store, a Jupyter server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.moto_api._internal.models import moto_api_backend
from moto.server import ThreadedMotoServer

from .support import NO_POSTGRES, Api

pytest_plugins = ("pytest_jupyter.jupyter_server",)

REGION = "us-west-2"
BUCKETS = ("atmo-lab-code", "atmo-lab-public-data", "atmo-lab-private-data", "atmo-lab-logs")


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A moto server on a free loopback port; boto3 finds it through AWS_ENDPOINT_URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    saved = {k: os.environ.get(k) for k in _AWS_ENV}
    os.environ.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
        AWS_MAX_ATTEMPTS="2",
    )
    os.environ.pop("AWS_PROFILE", None)
    yield endpoint
    server.stop()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


_AWS_ENV = (
    "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION",
    "AWS_MAX_ATTEMPTS", "AWS_PROFILE",
)  # fmt: skip


@pytest.fixture(autouse=True)
def _service_url_stays_in_its_test() -> Iterator[None]:
    """A client-mode server exports ``service_url`` to its kernels through this process's
    environment; later tests' servers and kernels must not inherit it."""
    yield
    os.environ.pop("ATMO_LAB_SERVICE_URL", None)


@pytest.fixture
def aws(moto_endpoint: str) -> Iterator[Any]:
    """A clean emulator with the buckets created; yields a boto3 session for assertions."""
    moto_api_backend.reset()
    session = boto3.session.Session(region_name=REGION)
    s3 = session.client("s3")
    for bucket in BUCKETS:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    session.client("ses").verify_email_identity(EmailAddress="atmo@example.com")
    yield session
    moto_api_backend.reset()


def _postgres_url() -> str | None:
    return os.environ.get("ATMO_LAB_TEST_POSTGRES_URL") or None


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """A fresh store per test: a SQLite file, or a new PostgreSQL database."""
    if getattr(request, "param", "sqlite") == "sqlite":
        yield f"sqlite:///{tmp_path / 'atmo.sqlite'}"
        return
    base = _postgres_url()
    if not base:
        pytest.skip(NO_POSTGRES)
    yield from _postgres_database(base)


def _postgres_database(base: str) -> Iterator[str]:
    import psycopg

    name = f"atmo_test_{uuid.uuid4().hex[:12]}"
    admin = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    head, _, _ = admin.rpartition("/")
    yield f"{head}/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Modules that set BOTH_STORES = True run against SQLite and PostgreSQL.
    if "db_url" in metafunc.fixturenames and getattr(metafunc.module, "BOTH_STORES", False):
        metafunc.parametrize(
            "db_url",
            ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
            indirect=True,
        )


@pytest.fixture
def atmo_config(request: pytest.FixtureRequest, db_url: str) -> dict[str, Any]:
    """``c.AtmoLabApp`` for a test; ``@pytest.mark.atmo(key=value)`` overrides entries."""
    config: dict[str, Any] = {
        "db_url": db_url,
        "region": REGION,
        "owner": "alice",
        "embedded_worker": False,
        "job_executor": "local",
        "mail_sender": "atmo@example.com",
    }
    for marker in request.node.iter_markers("atmo"):
        config.update(marker.kwargs)
    return config


@pytest.fixture
def jp_server_config(
    request: pytest.FixtureRequest, aws: Any, atmo_config: dict[str, Any]
) -> dict[str, Any]:
    server: dict[str, Any] = {
        "jpserver_extensions": {"atmo_lab": True, "jupyter_server_terminals": False},
        "allow_unauthenticated_access": False,
        "identity_provider_class": "tests.support.TokenUsers",
    }
    for marker in request.node.iter_markers("server"):  # @pytest.mark.server(ServerApp traits)
        server.update(marker.kwargs)
    return {"ServerApp": server, "AtmoLabApp": atmo_config}


@pytest.fixture
def standalone_core(aws: Any, atmo_config: dict[str, Any]) -> Iterator[Any]:
    """A core of its own (no Jupyter server), as the worker and the CLI build it."""
    from traitlets.config import Config

    from atmo_lab.core import Core
    from atmo_lab.settings import settings_from_config

    core = Core(settings_from_config(Config({"AtmoLabApp": atmo_config})))
    core.store.create_schema()
    yield core
    core.close()


@pytest.fixture
def api(jp_fetch: Any) -> Api:
    return Api(jp_fetch)


@pytest.fixture
def core(jp_serverapp: Any) -> Any:
    """The server's Core (same store and settings the handlers use)."""
    return jp_serverapp.web_app.settings["atmo_lab_startup"].build()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One plain line per reason that tests were skipped, and how to run them."""
    reasons: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    for reason, count in sorted(reasons.items(), key=lambda item: -item[1]):
        terminalreporter.write_line(f"skipped {count}: {reason}")
