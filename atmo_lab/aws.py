"""boto3 clients, built in one place, and the translation of AWS errors."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import urlparse

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from .errors import AwsFailure

T = TypeVar("T")

# boto3's standard mode: exponential backoff with jitter on throttling and 5xx.
RETRY_CONFIG = {"mode": "standard", "max_attempts": 4}


class AwsClients:
    """Lazily created, thread-safe boto3 clients for one region.

    Endpoints and credentials come from boto3's standard chain (``AWS_ENDPOINT_URL``,
    ``AWS_ENDPOINT_URL_S3``, ``AWS_ACCESS_KEY_ID`` …), so a local emulator needs no setting here.
    """

    def __init__(self, region: str, retries: dict[str, Any] | None = None) -> None:
        self.region = region
        self._config = Config(
            region_name=region,
            retries=retries or RETRY_CONFIG,  # type: ignore[arg-type]
            s3={"addressing_style": "path"},
            signature_version=None,
        )
        self._session = boto3.session.Session(region_name=region)
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def client(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                session: Any = self._session  # boto3-stubs only types literal service names
                client = session.client(service, config=self._config)
                self._clients[service] = client
            return self._clients[service]

    @property
    def emr(self) -> Any:
        return self.client("emr")

    @property
    def s3(self) -> Any:
        return self.client("s3")

    @property
    def ses(self) -> Any:
        return self.client("ses")


def error_code(exc: Exception) -> str:
    """AWS's error code of a botocore exception ("" for non-AWS errors)."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    if isinstance(exc, BotoCoreError):
        return type(exc).__name__
    return ""


@contextmanager
def aws_call(operation: str) -> Iterator[None]:
    """Translate botocore errors raised inside the block into :class:`AwsFailure`."""
    try:
        yield
    except ClientError as exc:
        err = exc.response.get("Error", {})
        raise AwsFailure(
            operation, str(err.get("Code", "Unknown")), str(err.get("Message", exc))
        ) from exc
    except BotoCoreError as exc:
        raise AwsFailure(operation, type(exc).__name__, str(exc)) from exc


def call(operation: str, fn: Callable[..., T], /, **kwargs: Any) -> T:
    """Call a boto3 method, translating failures into :class:`AwsFailure`."""
    with aws_call(operation):
        return fn(**kwargs)


def aws_endpoint_info() -> dict[str, Any]:
    """Where AWS calls go: a custom endpoint (e.g. a local emulator) or AWS itself."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL_EMR") or os.environ.get("AWS_ENDPOINT_URL")
    host = urlparse(endpoint).hostname if endpoint else None
    local = host in ("localhost", "::1") or bool(host and host.startswith("127."))
    return {"aws_endpoint": endpoint or None, "is_local_emulator": local}
