"""Base REST handler: authentication, the caller, JSON in/out and error mapping (API §3)."""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any, TypeVar

from jupyter_server.auth.identity import IdentityProvider, PasswordIdentityProvider
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web

from .caller import Caller
from .core import Core
from .errors import AtmoError
from .pages import Page

T = TypeVar("T")

API_PREFIX = "atmo-lab/api"
ANONYMOUS_PROVIDERS = (IdentityProvider, PasswordIdentityProvider)


class ApiError(web.HTTPError):
    """An HTTPError carrying the contract's ``errors`` mapping."""

    def __init__(self, status: int, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(status, reason=None)
        self.message = message
        self.errors = errors or {}


class AtmoHandler(ExtensionHandlerMixin, APIHandler):
    """Every atmo_lab route: authenticated, authorized on ``atmo_lab:<resource>``, JSON."""

    auth_resource = "atmo_lab"

    @property
    def core(self) -> Core:
        return self.settings["atmo_lab_core"]

    @property
    def executor(self) -> Executor:
        return self.settings["atmo_lab_executor"]

    def caller(self) -> Caller:
        """The owner this request acts for (docs/API.md §3)."""
        settings = self.core.settings
        if not settings.multi_user:
            return self.core.caller()
        if type(self.identity_provider) in ANONYMOUS_PROVIDERS:
            raise ApiError(
                403,
                "multi_user needs an identity provider with real user names (for example "
                "JupyterHub); token users are anonymous and can't own clusters or jobs.",
            )
        return self.core.caller(self.current_user.username)

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run blocking core work off the event loop; core errors become API errors."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self.executor, functools.partial(fn, *args, **kwargs))
        except AtmoError as exc:
            raise ApiError(exc.status, exc.message, exc.errors) from exc

    def json_body(self) -> Any:
        """The parsed JSON body (400 naming ``body`` when it isn't JSON)."""
        raw = self.request.body
        if not raw:
            return {}
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise ApiError(
                400, "The body is not valid JSON.", {"body": "Send valid JSON."}
            ) from None

    def reply(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(data))

    def reply_page(self, name: str, page: Page) -> None:
        self.reply({name: page.items, "next_cursor": page.next_cursor})

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        errors: dict[str, str] = {}
        if isinstance(exc, ApiError):
            message = exc.message
            errors = exc.errors
        elif isinstance(exc, web.HTTPError) and exc.log_message:
            message = exc.log_message % exc.args if exc.args else exc.log_message
        else:
            message = self._reason
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"message": message, "errors": errors}))


def object_id(value: str) -> int:
    """A numeric id from the URL; anything else is an object that does not exist."""
    if not value.isdigit():
        raise ApiError(404, f"No object {value!r}.")
    return int(value)


def query_flag(handler: AtmoHandler, name: str) -> bool | None:
    value = handler.get_argument(name, None)
    if value is None or value == "":
        return None
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise ApiError(400, f"{name} must be true or false.", {name: "Use true or false."})


def route(path: str) -> str:
    return f"/{API_PREFIX}/{path}" if path else f"/{API_PREFIX}"
