"""Client mode: a user's server forwards ``atmo-lab/api/*`` to the team service.

The server holds no store and no AWS credentials. Each request goes to the service with this
server's own Hub API token (``JUPYTERHUB_API_TOKEN``, issued by the Hub to the server's owner),
so the service knows the person only by the Hub's answer about that token. Nothing from the
browser's request that could name someone (cookies, ``Authorization``, ``X-Forwarded-*``) is
passed on. The one thing done here is what only this server can do: read a ``notebook_path``
from its own files and send the notebook itself.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import posixpath
from typing import Any
from urllib.parse import unquote, urljoin

from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import httpclient, httputil, web

from ..handlers import API_PREFIX, ApiError, AtmoHandler, parse_json

log = logging.getLogger(__name__)

# The server exports its service_url to its kernels (kernels don't see its command line).
SERVICE_URL_ENV = "ATMO_LAB_SERVICE_URL"
REQUEST_HEADERS = ("Content-Type", "Accept")
REPLY_HEADERS = ("Content-Type", "Content-Disposition", "Allow", "Retry-After", "Location")
TIMEOUT_SECONDS = 300.0
# The routes whose body may name a notebook in this server's files.
NOTEBOOK_BODY_ROUTES = ("jobs",)


class _Relay:
    """Passes the service's reply on as it arrives: the status and the headers named in
    ``REPLY_HEADERS`` once they are complete, then each piece of the body (run outputs and
    notebooks may be large; none is held here whole)."""

    def __init__(self, handler: web.RequestHandler) -> None:
        self.handler = handler
        self.headers = httputil.HTTPHeaders()
        self.status: tuple[int, str] | None = None
        self.started = False

    def header_line(self, line: str) -> None:
        if line.startswith("HTTP/"):  # a status line starts the (next) header block
            first = httputil.parse_response_start_line(line.strip())
            self.status, self.headers = (first.code, first.reason), httputil.HTTPHeaders()
        elif line.strip():
            self.headers.parse_line(line)
        elif self.status is not None and self.status[0] >= 200:  # the end of the headers
            self.handler.set_status(*self.status)
            for name in REPLY_HEADERS:
                if name in self.headers:
                    self.handler.set_header(name, self.headers[name])
            self.started = True

    def chunk(self, data: bytes) -> None:
        if data:
            self.handler.write(data)
            self.handler.flush()


class NoHubToken(RuntimeError):
    """The server was not started by JupyterHub: it has no token to reach the service."""


def hub_token() -> str:
    """This server's (or kernel's) Hub API token, issued by the Hub to its owner."""
    token = os.environ.get("JUPYTERHUB_API_TOKEN", "")
    if not token:
        raise NoHubToken(
            "service_url is set but JUPYTERHUB_API_TOKEN is not: client mode runs in a "
            "JupyterHub user's server or kernel."
        )
    return token


def service_api_url(service_url: str, path: str, query: str = "") -> str:
    """``{service_url}atmo-lab/api/{path}?{query}``."""
    base = service_url if service_url.endswith("/") else service_url + "/"
    url = urljoin(base, f"{API_PREFIX}/{path}" if path else API_PREFIX)
    return f"{url}?{query}" if query else url


class ServiceProxyHandler(AtmoHandler):
    """Every atmo_lab route of this server, answered by the team service."""

    auth_resource = "atmo_lab"

    async def prepare(self) -> None:  # type: ignore[override]
        await APIHandler.prepare(self)  # authentication only: this server has no Core

    @property
    def service_url(self) -> str:
        return self.settings["atmo_lab_service_url"]

    @web.authenticated
    @authorized
    async def get(self, path: str) -> None:
        await self._forward(path)

    @web.authenticated
    @authorized
    async def post(self, path: str) -> None:
        await self._forward(path)

    @web.authenticated
    @authorized
    async def patch(self, path: str) -> None:
        await self._forward(path)

    @web.authenticated
    @authorized
    async def put(self, path: str) -> None:
        await self._forward(path)

    @web.authenticated
    @authorized
    async def delete(self, path: str) -> None:
        await self._forward(path)

    async def _forward(self, path: str) -> None:
        path = path.lstrip("/")
        if any(part in (".", "..") for part in unquote(path).split("/")):
            raise ApiError(404, "No such route.")  # the service's API, nothing beside it
        body = await self._body(path)
        headers = {k: v for k in REQUEST_HEADERS if (v := self.request.headers.get(k))}
        try:
            headers["Authorization"] = f"token {hub_token()}"
        except NoHubToken as exc:
            raise ApiError(503, str(exc)) from None
        relay = _Relay(self)
        request = httpclient.HTTPRequest(
            service_api_url(self.service_url, path, self.request.query),
            method=self.request.method or "GET",
            headers=headers,
            body=body,
            follow_redirects=False,
            request_timeout=TIMEOUT_SECONDS,
            allow_nonstandard_methods=True,
            header_callback=relay.header_line,
            streaming_callback=relay.chunk,
        )
        problem: BaseException | None = None
        try:  # raise_error=False: HTTP errors are replies; no reply (599) still raises
            await httpclient.AsyncHTTPClient().fetch(request, raise_error=False)
        except (OSError, httpclient.HTTPClientError) as exc:  # refused, timed out, cut off
            problem = exc
        if problem is None:
            self.finish()
        elif not relay.started:  # no HTTP answer at all (refused, timed out)
            raise ApiError(502, f"The team's atmo_lab service did not answer ({problem}).")
        else:  # cut off mid-reply: close, so the client sees an incomplete reply, not a short one
            log.warning("the team service's reply to %s broke off: %s", path, problem)
            self.request.connection.close()  # type: ignore[union-attr]

    async def _body(self, path: str) -> bytes | None:
        """The body to send: as received, with a ``notebook_path`` replaced by the notebook."""
        if self.request.method not in ("POST", "PATCH", "PUT"):
            return None
        raw = self.request.body
        route_name = path.split("/", 1)[0]
        if route_name not in NOTEBOOK_BODY_ROUTES or b"notebook_path" not in raw:
            return raw
        body = parse_json(raw)
        if not isinstance(body, dict) or body.get("notebook_path") in (None, ""):
            return raw
        if body.get("notebook") is not None:
            return raw  # the service names the conflict
        body.update(await self._notebook(body.pop("notebook_path")))
        return json.dumps(body).encode()

    async def _notebook(self, path: Any) -> dict[str, Any]:
        """``notebook`` and ``notebook_name`` for a notebook in this server's files."""
        if not isinstance(path, str) or not path.strip("/ "):
            raise ApiError(
                400, "notebook_path must be a path.", {"notebook_path": "Choose a notebook."}
            )
        path = path.strip("/")
        missing = f"There is no notebook at {path} in your Jupyter files."
        try:
            model = await ensure_async(self.contents_manager.get(path, content=True))
        except web.HTTPError:
            raise ApiError(400, missing, {"notebook_path": missing}) from None
        if model.get("type") != "notebook":
            raise ApiError(400, missing, {"notebook_path": f"{path} is not a notebook."})
        name = str(model.get("name") or posixpath.basename(path))
        return {"notebook": model["content"], "notebook_name": name}


class NotebookFactsHandler(ServiceProxyHandler):
    """``GET jobs/notebook-facts?notebook_path=``: read here, where the user's files are (the
    same function the service would run; it opens no store)."""

    @web.authenticated
    @authorized
    async def get(self, path: str = "") -> None:
        from ..errors import AtmoError
        from ..jobs.inspection import notebook_facts
        from ..jobs.notebooks import NotebookSource

        notebook_path = self.query("notebook_path")
        if not notebook_path:
            raise ApiError(400, "Choose a notebook.", {"notebook_path": "Choose a notebook."})
        found = await self._notebook(notebook_path)
        source = NotebookSource(
            name=found["notebook_name"], content=found["notebook"], name_field="notebook_path"
        )
        try:
            facts = await asyncio.get_running_loop().run_in_executor(None, notebook_facts, source)
        except AtmoError as exc:
            raise ApiError(exc.status, exc.message, exc.errors) from exc
        self.reply({"notebook_path": notebook_path, **facts})


def client_handlers() -> list[tuple[str, type]]:
    """The routes of a client-mode server: everything under ``atmo-lab/api``."""
    return [
        (rf"/{API_PREFIX}/jobs/notebook-facts()", NotebookFactsHandler),
        (rf"/{API_PREFIX}(/.*|)", ServiceProxyHandler),
    ]
