"""Base REST handler: authentication, the caller, JSON in/out and error mapping."""

from __future__ import annotations

import asyncio
import functools
import importlib
import json
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

from jupyter_server.auth.identity import IdentityProvider, PasswordIdentityProvider
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web

from .caller import Caller, identity_groups
from .errors import AtmoError
from .validation import SURROGATE_ESCAPE, LoneSurrogate, refuse_lone_surrogates

if TYPE_CHECKING:
    from .core import Core
    from .pages import Page
    from .startup import CoreStartup

T = TypeVar("T")
log = logging.getLogger(__name__)

API_PREFIX = "atmo-lab/api"
ANONYMOUS_PROVIDERS = (IdentityProvider, PasswordIdentityProvider)
# Ids are 32-bit integer columns: a larger number names no object (and must not reach SQL).
MAX_OBJECT_ID = 2**31 - 1


class ApiError(web.HTTPError):
    """An HTTPError carrying the contract's ``errors`` mapping."""

    def __init__(self, status: int, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(status, reason=None)
        self.message = message
        self.errors = errors or {}


class AtmoHandler(ExtensionHandlerMixin, APIHandler):
    """Every atmo_lab route: authenticated, authorized on ``atmo_lab:<resource>``, JSON."""

    auth_resource = "atmo_lab"
    #: The feature's service module, imported on the first request rather than when the routes
    #: are registered: services import SQLAlchemy and boto3, which the server's start-up needn't.
    service_module = ""
    _core: Core | None = None

    async def prepare(self) -> None:  # type: ignore[override]
        await super().prepare()
        startup: CoreStartup = self.settings["atmo_lab_startup"]
        try:
            self._core = await startup.core()
        except Exception:
            log.exception("atmo_lab could not start")
            raise ApiError(
                503, "atmo_lab could not open its store; the server log says why."
            ) from None

    @property
    def core(self) -> Core:
        assert self._core is not None, "prepare() sets the core"
        return self._core

    @property
    def service(self) -> ModuleType:
        return importlib.import_module(self.service_module)

    @property
    def executor(self) -> Executor:
        return self.settings["atmo_lab_executor"]

    def caller(self) -> Caller:
        """The owner this request acts for."""
        settings = self.core.settings
        if not settings.multi_user:
            return self.core.caller()
        if type(self.identity_provider) in ANONYMOUS_PROVIDERS:
            raise ApiError(
                403,
                "multi_user needs an identity provider with real user names (for example "
                "JupyterHub); token users are anonymous and can't own clusters or jobs.",
            )
        user = self.current_user
        return self.core.caller(user.username, identity_groups(user))

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run blocking core work off the event loop; core errors become API errors."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self.executor, functools.partial(fn, *args, **kwargs))
        except AtmoError as exc:
            raise ApiError(exc.status, exc.message, exc.errors) from exc

    def query(self, name: str, default: str | None = None) -> str | None:
        """A query parameter as sent (tornado's ``get_argument`` strips it, and turns control
        characters into spaces, so ``?limit=%13`` would read as no limit at all)."""
        return self.get_argument(name, default, strip=False)

    def json_body(self) -> Any:
        """The parsed JSON body (400 naming ``body`` when it isn't JSON)."""
        return parse_json(self.request.body)

    def reply(self, data: Any, status: int = 200) -> None:
        # (no circular-reference check: replies are plain data built here, never cyclic)
        self._send_json(json.dumps(data, separators=(",", ":"), check_circular=False), status)

    def reply_page(self, name: str, page: Page) -> None:
        self._send_json(page.to_json(name))

    def _send_json(self, text: str, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(text)

    def allowed_methods(self) -> list[str]:
        """The HTTP methods this route implements (the ``Allow`` header of a 405)."""
        return [
            method
            for method in self.SUPPORTED_METHODS
            if getattr(type(self), method.lower(), None)
            is not getattr(web.RequestHandler, method.lower(), None)
        ]

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        if status_code == 405:  # a 405 lists the methods that are allowed (HTTP's rule)
            self.set_header("Allow", ", ".join(self.allowed_methods()))
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


def not_json() -> ApiError:
    return ApiError(400, "The body is not valid JSON.", {"body": "Send valid JSON."})


def parse_json(raw: bytes) -> Any:
    """A request body's JSON (400 naming ``body`` when it isn't JSON or valid Unicode)."""
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise not_json() from None
    if SURROGATE_ESCAPE.search(raw):  # escaped pairs are fine; a lone one can't be stored
        check_unicode(data)
    return data


def check_unicode(data: Any) -> None:
    """400 naming ``body`` when parsed JSON holds a lone surrogate (no store can hold one)."""
    try:
        refuse_lone_surrogates(data)
    except (LoneSurrogate, RecursionError):
        raise not_unicode() from None


def not_unicode() -> ApiError:
    return ApiError(
        400,
        "The body contains text that is not valid Unicode.",
        {"body": "Send valid Unicode text (a \\uD800-\\uDFFF escape on its own isn't)."},
    )


def object_id(value: str) -> int:
    """A numeric id from the URL; anything else is an object that does not exist."""
    if not (value.isascii() and value.isdigit()) or len(value) > 10 or int(value) > MAX_OBJECT_ID:
        raise ApiError(404, f"No object {value[:100]!r}.")
    return int(value)


def query_flag(handler: AtmoHandler, name: str) -> bool | None:
    value = handler.query(name)
    if value is None or value == "":
        return None
    if value == "true":
        return True
    if value == "false":
        return False
    raise ApiError(400, f"{name} must be true or false.", {name: "Use true or false."})


def route(path: str) -> str:
    return f"/{API_PREFIX}/{path}" if path else f"/{API_PREFIX}"
