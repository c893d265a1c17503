"""The Python API's calls, answered by the team service over REST (kernels in client mode).

A kernel of a client-mode server has its server's Hub token (``JUPYTERHUB_API_TOKEN``) and
no store or AWS credentials. :class:`ServiceCore` stands in for the Core there: it offers the
service calls the Python API and the widgets make (clusters, keys, jobs), with the same
signatures, each one REST request to the service (the tables below). The service applies every rule and knows the caller from the token alone (the
``caller`` arguments are ignored).
"""

from __future__ import annotations

import functools
import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, urlencode

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


@dataclass(frozen=True)
class Route:
    """A core call answered by one REST route of the service.

    `params` names the call's positional arguments after ``core``. Those in `path` fill it;
    ``caller`` is dropped (the service knows the caller from the token alone); the rest form
    the JSON body (an argument named ``body`` is sent as it is). Keyword arguments become the
    query string. The answer is the reply's `field` (the whole reply when None), as a
    :class:`~atmo_lab.pages.Page` when `page` is set.
    """

    method: str
    path: str
    params: tuple[str, ...] = ("caller",)
    field: str | None = None
    page: bool = False


CLUSTER_ROUTES = {
    "list_clusters": Route("GET", "clusters", field="clusters", page=True),
    "get_cluster": Route("GET", "clusters/{pk}", ("caller", "pk")),
    # The service's worker keeps its clusters' state: reading it is the refresh.
    "refresh_cluster": Route("GET", "clusters/{pk}", ("pk",)),
    "launch_cluster": Route("POST", "clusters", ("caller", "body")),
    "extend_cluster": Route("POST", "clusters/{pk}/extend", ("caller", "pk", "body")),
    "resize_cluster": Route("POST", "clusters/{pk}/resize", ("caller", "pk", "body")),
    "terminate_cluster": Route("POST", "clusters/{pk}/terminate", ("caller", "pk")),
    "suggest_identifier": Route("GET", "clusters/new-identifier", (), field="identifier"),
}
KEY_ROUTES = {
    "list_keys": Route("GET", "keys", field="keys"),
    "add_key": Route("POST", "keys", ("caller", "title", "key")),
}
JOB_ROUTES = {
    "list_jobs": Route("GET", "jobs", field="jobs", page=True),
    "get_job": Route("GET", "jobs/{pk}", ("caller", "pk")),
    "create_job": Route("POST", "jobs", ("caller", "body")),
    "update_job": Route("PATCH", "jobs/{pk}", ("caller", "pk", "body")),
    "delete_job": Route("DELETE", "jobs/{pk}", ("caller", "pk")),
    "run_now": Route("POST", "jobs/{pk}/run", ("caller", "pk")),
    "list_runs": Route("GET", "jobs/{pk}/runs", ("caller", "pk"), field="runs", page=True),
    "get_run": Route("GET", "runs/{pk}", ("caller", "pk")),
    "list_results": Route("GET", "jobs/{pk}/results", ("caller", "pk")),
}


class ServiceCore:
    """A Core stand-in whose calls go to the team service with this process's Hub token."""

    def __init__(self, service_url: str) -> None:
        self.service_url = service_url
        self.clusters_service = self._calls(
            CLUSTER_ROUTES, size_limit=lambda core, caller: self._config["max_cluster_size"]
        )
        self.keys_service = self._calls(KEY_ROUTES)
        self.jobs_service = self._calls(JOB_ROUTES)

    def _calls(self, routes: dict[str, Route], **extra: Callable[..., Any]) -> SimpleNamespace:
        """The service module's calls, each one REST request."""
        return SimpleNamespace(**{name: self._bind(r) for name, r in routes.items()}, **extra)

    def _bind(self, route: Route) -> Callable[..., Any]:
        def call(core: Any, *args: Any, **options: Any) -> Any:
            named = dict(zip(route.params, args, strict=True))
            named.pop("caller", None)
            in_path = {
                k: quote(str(v), safe="") for k, v in named.items() if f"{{{k}}}" in route.path
            }
            rest = {k: v for k, v in named.items() if k not in in_path}
            body = rest.pop("body") if "body" in rest else (rest or None)
            query = urlencode({k: v for k, v in options.items() if v is not None})
            reply = self.call(route.method, route.path.format(**in_path), body, query)
            found = reply if route.field is None else reply[route.field]
            if not route.page:
                return found
            return Page(items=found, next_cursor=reply.get("next_cursor"), total=reply.get("total"))

        return call

    @functools.cached_property
    def _config(self) -> dict[str, Any]:
        return dict(self.call("GET", "config"))

    @functools.cached_property
    def settings(self) -> SimpleNamespace:
        """The settings the widgets show (bounds, releases, executor), as the service states
        them (``max_cluster_size`` is None for maintainers)."""
        config = self._config
        return SimpleNamespace(
            default_cluster_lifetime=config["default_cluster_lifetime"],
            max_cluster_lifetime=config["max_cluster_lifetime"],
            max_cluster_size=config["max_cluster_size"],
            job_executor=config["job_executor"],
            emr_releases=tuple(self.call("GET", "releases")["releases"]),
        )

    def caller(self, identity_username: str | None = None) -> Caller:
        """Who the service says this token belongs to."""
        config = self._config
        return Caller(username=config["user"], is_maintainer=bool(config["is_maintainer"]))

    def call(self, method: str, path: str, body: Any = None, query: str = "") -> Any:
        """One request to the service; its 4xx/5xx answers raise the core's errors."""
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
