"""The Python API's calls, answered by the team service over REST (kernels in client mode).

A kernel of a client-mode server has its server's Hub token (``JUPYTERHUB_API_TOKEN``) and
no store or AWS credentials. :class:`ServiceCore` stands in for the Core there: it offers the
few service calls :mod:`atmo_lab.api` makes, with the same signatures, each one REST request
to the service. The service applies every rule and knows the caller from the token alone (the
``caller`` arguments are ignored).
"""

from __future__ import annotations

import functools
import json
import os
import urllib.error
import urllib.request
from types import SimpleNamespace
from typing import Any

from ..caller import Caller
from ..errors import AtmoError, Conflict, NotFound, TooLarge, ValidationFailed
from ..pages import Page
from .client import SERVICE_URL_ENV, hub_token, service_api_url

TIMEOUT_SECONDS = 120
_ERRORS: dict[int, type[AtmoError]] = {404: NotFound, 409: Conflict, 413: TooLarge}


class ServiceError(AtmoError):
    """The service refused a request with a status the core has no error class for."""

    def __init__(self, status: int, message: str, errors: dict[str, str]) -> None:
        super().__init__(message, errors)
        self.status = status


def configured_service_url() -> str:
    """``service_url`` of this installation: from the server that started this kernel, or
    the Jupyter config files."""
    return os.environ.get(SERVICE_URL_ENV) or _service_url_from_config()


@functools.cache
def _service_url_from_config() -> str:
    from ..settings import load_config

    section = load_config().get("AtmoLabApp", {})
    return str(section.get("service_url", "") or "")


class ServiceCore:
    """A Core stand-in whose calls go to the team service with this process's Hub token."""

    def __init__(self, service_url: str) -> None:
        self.service_url = service_url
        self.clusters_service = SimpleNamespace(
            get_cluster=lambda core, caller, pk: self.call("GET", f"clusters/{pk}"),
            list_clusters=self._list_clusters,
            refresh_cluster=lambda core, pk: self.call("GET", f"clusters/{pk}"),
            extend_cluster=lambda core, caller, pk, body: self.call(
                "POST", f"clusters/{pk}/extend", body
            ),
            resize_cluster=lambda core, caller, pk, body: self.call(
                "POST", f"clusters/{pk}/resize", body
            ),
            terminate_cluster=lambda core, caller, pk: self.call(
                "POST", f"clusters/{pk}/terminate"
            ),
            launch_cluster=lambda core, caller, body: self.call("POST", "clusters", body),
            size_limit=lambda core, caller: self._config["max_cluster_size"],
            suggest_identifier=lambda core: self.call("GET", "clusters/new-identifier")[
                "identifier"
            ],
        )
        self.keys_service = SimpleNamespace(
            list_keys=lambda core, caller: self.call("GET", "keys")["keys"],
            add_key=lambda core, caller, title, key: self.call(
                "POST", "keys", {"title": title, "key": key}
            ),
        )
        self.jobs_service = SimpleNamespace(
            create_job=lambda core, caller, body: self.call("POST", "jobs", body)
        )

    @functools.cached_property
    def _config(self) -> dict[str, Any]:
        return dict(self.call("GET", "config"))

    @functools.cached_property
    def settings(self) -> SimpleNamespace:
        """The settings the widgets show (bounds and releases), as the service states them."""
        config = self._config
        return SimpleNamespace(
            default_cluster_lifetime=config["default_cluster_lifetime"],
            max_cluster_lifetime=config["max_cluster_lifetime"],
            emr_releases=tuple(self.call("GET", "releases")["releases"]),
        )

    def caller(self, identity_username: str | None = None) -> Caller:
        """Who the service says this token belongs to."""
        config = self._config
        return Caller(username=config["user"], is_maintainer=bool(config["is_maintainer"]))

    def _list_clusters(
        self, core: Any, caller: Any, *, status: str = "active", cursor: str | None = None
    ) -> Page:
        query = f"status={status}" + (f"&cursor={cursor}" if cursor else "")
        reply = self.call("GET", f"clusters?{query}")
        return Page(items=reply["clusters"], next_cursor=reply.get("next_cursor"))

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """One request to the service; its 4xx/5xx answers raise the core's errors."""
        path, _, query = path.partition("?")
        request = urllib.request.Request(
            service_api_url(self.service_url, path, query),
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {hub_token()}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as reply:
                data = reply.read()
        except urllib.error.HTTPError as exc:
            raise _error(exc.code, exc.read()) from None
        return json.loads(data) if data else None

    def close(self) -> None:
        """Nothing to close: no store, no worker."""


def _error(status: int, raw: bytes) -> AtmoError:
    try:
        answer = json.loads(raw)
        message, errors = str(answer.get("message", "")), dict(answer.get("errors") or {})
    except (ValueError, AttributeError):
        message, errors = raw.decode(errors="replace")[:500], {}
    if status == 400 and errors:
        return ValidationFailed(errors, message)
    if status in _ERRORS:
        return _ERRORS[status](message, errors)
    return ServiceError(status, message or f"The team service answered {status}.", errors)
