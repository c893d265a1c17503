"""REST routes for scheduled notebook jobs (API §3.4)."""

from __future__ import annotations

import functools
import io
import os
import posixpath
import re
import tempfile
from collections.abc import Awaitable, Callable
from typing import IO, TYPE_CHECKING, Any, TypeVar

from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import authorized
from jupyter_server.services.contents.filemanager import (
    AsyncFileContentsManager,
    FileContentsManager,
)
from tornado import web

from ..caller import Caller
from ..errors import AtmoError
from ..handlers import (
    ApiError,
    AtmoHandler,
    deferred,
    not_json,
    not_unicode,
    object_id,
    parse_json,
    route,
)
from ..validation import LoneSurrogate
from .notebooks import (
    NOTEBOOK_CONTENT_TYPE,
    NotebookNotRead,
    NotebookSource,
    SentNotebook,
    check_size,
    content_disposition,
    read_body,
    read_body_around_notebook,
    read_body_file,
    read_body_file_around_notebook,
    same_reading,
)

if TYPE_CHECKING:
    from . import outputs, service
    from .stored import NotebookDownload
else:
    service = deferred("atmo_lab.jobs.service")
    outputs = deferred("atmo_lab.jobs.outputs")

CHUNK_BYTES = 256 * 1024
# Bodies up to this size are kept in memory, larger ones (a notebook sent in the body) spooled to
# disk; either is read a cell at a time, its notebook uploaded as the bytes sent.
SPOOL_IN_MEMORY = 4 * 1024 * 1024
READ_ON_LOOP_BYTES = 64 * 1024  # larger bodies are read in a thread, off the event loop
_OBJECT_START = re.compile(rb"[ \t\r\n]*\{")


class BodySpool:
    """A request body as it arrives: in memory, then in a temporary file once it is large."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.memory = io.BytesIO()
        self.file: IO[bytes] | None = None

    @property
    def too_large(self) -> bool:
        return self.size > self.limit

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.too_large:  # keep reading (the client is still sending), keep nothing
            self.close()
            return
        if self.file is None and self.memory.tell() + len(chunk) > SPOOL_IN_MEMORY:
            self.file = tempfile.NamedTemporaryFile(prefix="atmo-lab-body-", suffix=".json")  # noqa: SIM115
            self.file.write(self.memory.getbuffer())
            self.memory = io.BytesIO()
        if self.file is not None:
            self.file.write(chunk)
        else:
            self.memory.write(chunk)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()  # deletes it
            self.file = None
        self.memory = io.BytesIO()


class JobsBaseHandler(AtmoHandler):
    auth_resource = "atmo_lab:jobs"
    _spool: BodySpool | None = None
    _refusal: web.HTTPError | None = None

    async def prepare(self) -> None:  # type: ignore[override]
        if not _streams_body(self):
            await super().prepare()
            return
        # A streamed body is read after prepare(): refusing here (a missing XSRF token, no
        # store) would close the connection on a client still sending, or about to reuse it.
        # Read the body, keep nothing, then refuse (`streamed_body`).
        try:
            await super().prepare()
        except web.HTTPError as exc:
            self._refusal = exc
            return
        if self.request.method in ("POST", "PATCH") and self.current_user is not None:
            # a notebook in the body, escaped as JSON, with the other fields around it
            self._spool = BodySpool(2 * self.core.settings.max_notebook_bytes + SPOOL_IN_MEMORY)

    def data_received(self, chunk: bytes) -> None:
        if self._spool is not None:
            self._spool.write(chunk)

    def on_finish(self) -> None:
        self._drop_spool()

    def on_connection_close(self) -> None:
        super().on_connection_close()
        self._drop_spool()

    def _drop_spool(self) -> None:
        if self._spool is not None:
            self._spool.close()

    async def spooled_body(self, around_notebook: bool = False) -> Any:
        """The JSON body, its ``notebook`` object kept as the bytes sent (a
        :class:`~.notebooks.SentNotebook`); a large body is read from the file it was spooled to.

        With `around_notebook`, a body of :data:`READ_ON_LOOP_BYTES` or more is read around its
        notebook where it can be (:func:`~.notebooks.read_body_around_notebook`): its upload
        can start before its notebook is read. Whoever uses such a body answers from
        :meth:`whole_body` when the core raises an error or ``NotebookNotRead`` (see ``post``).
        """
        spool = self._spool
        if spool is None:
            return self.json_body()
        if spool.too_large:
            limit = self.core.settings.max_notebook_bytes
            message = f"The request is larger than a notebook of {limit:,} bytes can make it."
            raise ApiError(413, message, {"notebook": message})
        if spool.file is None:
            data, path = spool.memory.getvalue(), None  # (shares the buffer, copies nothing)
            spool.close()
        else:
            spool.file.flush()
            data, path = b"", spool.file.name
        if around_notebook:
            body = await self._read_around(data, path)
            if body is not None:
                return body
        return await self._read_whole(data, path)

    async def whole_body(self, body: Any) -> Any | None:
        """`body` read whole again, when it was read around its notebook (else None)."""
        sent = body.get("notebook") if isinstance(body, dict) else None
        if not isinstance(sent, SentNotebook) or sent.skeleton is not None:
            return None
        return await self._read_whole(sent.body, sent.path)

    async def _read_around(self, data: bytes, path: str | None) -> Any | None:
        if path is not None:
            return await self.run(read_body_file_around_notebook, path)
        if len(data) >= READ_ON_LOOP_BYTES and _OBJECT_START.match(data):
            return read_body_around_notebook(data)  # (on the loop: it reads ≤ 320 KiB)
        return None

    async def _read_whole(self, data: bytes, path: str | None) -> Any:
        """The body read whole: `data`, or the file at `path` it was spooled to."""
        if path is not None:
            return await self.run(_json_or_400, functools.partial(read_body_file, path))
        if not _OBJECT_START.match(data):
            return parse_json(data)
        if len(data) < READ_ON_LOOP_BYTES:
            return _json_or_400(functools.partial(read_body, data))
        return await self.run(_json_or_400, functools.partial(read_body, data))

    async def notebook_from_path(self, body: Any) -> NotebookSource | None:
        """Read ``notebook_path`` through the contents manager (nothing outside its root)."""
        if not isinstance(body, dict) or body.get("notebook_path") in (None, ""):
            return None
        if body.get("notebook") is not None:
            raise ApiError(
                400,
                "Send either notebook_path or notebook, not both.",
                {"notebook": "Send either notebook_path or notebook, not both."},
            )
        path = body["notebook_path"]
        if not isinstance(path, str) or not path.strip("/ "):
            raise ApiError(
                400, "notebook_path must be a path.", {"notebook_path": "Choose a notebook."}
            )
        path = path.strip("/")
        missing = f"There is no notebook at {path} in your Jupyter files."
        manager = self.contents_manager
        try:
            model = await ensure_async(manager.get(path, content=False))
        except web.HTTPError:
            raise ApiError(400, missing, {"notebook_path": missing}) from None
        if model.get("type") == "directory":
            raise ApiError(400, missing, {"notebook_path": f"{path} is a folder."})
        size = model.get("size")
        try:
            if isinstance(size, int):
                check_size(size, self.core.settings.max_notebook_bytes)
        except AtmoError as exc:
            raise ApiError(exc.status, exc.message, exc.errors) from exc
        name = str(model.get("name") or posixpath.basename(path))
        if not name.endswith(".ipynb"):
            return NotebookSource(name=name, name_field="notebook_path")
        local_path = _local_file(manager, path)
        if local_path is not None:  # streamed by the core, never read here whole
            return NotebookSource(name=name, path=local_path, name_field="notebook_path")
        try:
            model = await ensure_async(manager.get(path, content=True, type="file", format="text"))
        except web.HTTPError as exc:
            message = f"{path} could not be read as a UTF-8 text file ({exc.log_message})."
            raise ApiError(400, message, {"notebook": message}) from None
        return NotebookSource(name=name, content=model["content"], name_field="notebook_path")


def _json_or_400(reading: Callable[[], Any]) -> Any:
    try:
        return reading()
    except LoneSurrogate:
        raise not_unicode() from None
    except ValueError:
        raise not_json() from None


def _local_file(manager: Any, path: str) -> str | None:
    """The file behind `path` when the contents manager keeps files on this machine's disk."""
    if not isinstance(manager, (FileContentsManager, AsyncFileContentsManager)):
        return None
    os_path = manager._get_os_path(path)  # checks that it stays inside the root
    return os_path if os.path.isfile(os_path) else None


def _streams_body(handler: web.RequestHandler) -> bool:
    return bool(getattr(type(handler), "_stream_request_body", False))


H = TypeVar("H", bound=type[JobsBaseHandler])


def streamed_body(cls: H) -> H:
    """tornado's ``stream_request_body``; a refusal of ``prepare()`` is answered by the method,
    once the body has been read."""
    for name in ("get", "post", "patch", "delete"):
        if name in cls.__dict__:
            # (web.authenticated outermost again: jupyter_server looks for it there)
            setattr(cls, name, web.authenticated(_refused_first(cls.__dict__[name])))
    web.stream_request_body(cls)
    return cls


def _refused_first(method: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    @functools.wraps(method)
    async def answer(self: JobsBaseHandler, *args: Any, **kwargs: Any) -> None:
        if self._refusal is not None:
            raise self._refusal
        await method(self, *args, **kwargs)

    return answer


@streamed_body
class JobsHandler(JobsBaseHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        page = await self.run(
            service.list_jobs,
            self.core,
            self.caller(),
            owner=self.query("owner", None),
            limit=self.query("limit", None),
            cursor=self.query("cursor", None),
        )
        self.reply_page("jobs", page)

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = await self.spooled_body(around_notebook=True)
        caller = self.caller()
        try:
            job = await self._create(caller, body)
        except (ApiError, NotebookNotRead) as exc:
            # A body read around its notebook: its whole reading is the one that answers.
            whole = await self.whole_body(body)
            if whole is None or (isinstance(exc, ApiError) and same_reading(whole, body)):
                raise
            job = await self._create(caller, whole)
        self.reply(job, 201)

    async def _create(self, caller: Caller, body: Any) -> dict[str, Any]:
        notebook = await self.notebook_from_path(body)
        return await self.run(service.create_job, self.core, caller, body, notebook)


class IdentifierAvailableHandler(JobsBaseHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        result = await self.run(
            service.identifier_availability, self.core, self.query("identifier", "")
        )
        self.reply(result)


@streamed_body
class JobHandler(JobsBaseHandler):
    @web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        job = await self.run(service.get_job, self.core, self.caller(), object_id(job_id))
        self.reply(job)

    @web.authenticated
    @authorized
    async def patch(self, job_id: str) -> None:
        body = await self.spooled_body()
        caller, pk = self.caller(), object_id(job_id)
        # Only the owner may see the notebook being replaced: check before reading files.
        await self.run(service.get_job, self.core, caller, pk)
        notebook = await self.notebook_from_path(body)
        job = await self.run(service.update_job, self.core, caller, pk, body, notebook)
        self.reply(job)

    @web.authenticated
    @authorized
    async def delete(self, job_id: str) -> None:
        await self.run(service.delete_job, self.core, self.caller(), object_id(job_id))
        self.set_status(204)
        self.finish()


class JobRunsHandler(JobsBaseHandler):
    @web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        page = await self.run(
            service.list_runs,
            self.core,
            self.caller(),
            object_id(job_id),
            limit=self.query("limit", None),
            cursor=self.query("cursor", None),
        )
        self.reply_page("runs", page)


class RunNowHandler(JobsBaseHandler):
    @web.authenticated
    @authorized
    async def post(self, job_id: str) -> None:
        run = await self.run(service.run_now, self.core, self.caller(), object_id(job_id))
        self.reply(run, 202)


class NotebookDownloadHandler(JobsBaseHandler):
    @web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        download = await self.run(
            service.open_notebook, self.core, self.caller(), object_id(job_id)
        )
        await _stream_notebook(self, download)


async def _stream_notebook(handler: JobsBaseHandler, download: NotebookDownload) -> None:
    try:
        handler.set_header("Content-Type", NOTEBOOK_CONTENT_TYPE)
        handler.set_header("Content-Disposition", content_disposition(download.filename))
        if download.length is not None:
            handler.set_header("Content-Length", str(download.length))
        while True:
            chunk = await handler.run(download.read, CHUNK_BYTES)
            if not chunk:
                break
            handler.write(chunk)
            await handler.flush()
    finally:
        download.close()
    handler.finish(set_content_type=NOTEBOOK_CONTENT_TYPE)


class ResultsHandler(JobsBaseHandler):
    @web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        results = await self.run(service.list_results, self.core, self.caller(), object_id(job_id))
        self.reply(results)


class RunHandler(JobsBaseHandler):
    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        run = await self.run(service.get_run, self.core, self.caller(), object_id(run_id))
        self.reply(run)


class RunOutputHandler(JobsBaseHandler):
    """``GET /runs/{id}/output``: the run's executed notebook, streamed from its bucket."""

    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        download = await self.run(
            outputs.open_run_output, self.core, self.caller(), object_id(run_id)
        )
        await _stream_notebook(self, download)


handlers = [
    (route("jobs"), JobsHandler),
    (route("jobs/identifier-available"), IdentifierAvailableHandler),
    (route(r"jobs/([^/]+)"), JobHandler),
    (route(r"jobs/([^/]+)/runs"), JobRunsHandler),
    (route(r"jobs/([^/]+)/run"), RunNowHandler),
    (route(r"jobs/([^/]+)/notebook"), NotebookDownloadHandler),
    (route(r"jobs/([^/]+)/results"), ResultsHandler),
    (route(r"runs/([^/]+)"), RunHandler),
    (route(r"runs/([^/]+)/output"), RunOutputHandler),
]
