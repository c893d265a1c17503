"""REST routes for scheduled notebook jobs."""

from __future__ import annotations

import os
import posixpath
from types import ModuleType
from typing import TYPE_CHECKING, Any

from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import authorized
from jupyter_server.services.contents.filemanager import (
    AsyncFileContentsManager,
    FileContentsManager,
)
from tornado import web

from ..errors import AtmoError
from ..handlers import ApiError, AtmoHandler, object_id, parse_json, route
from .notebooks import NOTEBOOK_CONTENT_TYPE, NotebookSource, check_size, content_disposition

if TYPE_CHECKING:
    from .stored import NotebookDownload

CHUNK_BYTES = 256 * 1024
# A body holds the notebook escaped as JSON (up to twice its size) and the other fields.
BODY_FIELDS_BYTES = 1024 * 1024


class JobsBaseHandler(AtmoHandler):
    """Every job and run route: authorized on ``atmo_lab:jobs``."""

    auth_resource = "atmo_lab:jobs"
    service_module = "atmo_lab.jobs.service"

    @property
    def outputs(self) -> ModuleType:
        from . import outputs

        return outputs

    async def notebook_body(self) -> Any:
        """The JSON body of a create or edit (parsed off the event loop: it may hold a large
        notebook); 413 when it is larger than a notebook of ``max_notebook_bytes`` makes it."""
        most = self.core.settings.max_notebook_bytes
        if len(self.request.body) > 2 * most + BODY_FIELDS_BYTES:
            message = f"The request is larger than a notebook of {most:,} bytes can make it."
            raise ApiError(413, message, {"notebook": message})
        return await self.run(parse_json, self.request.body)

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
        if local_path is not None:  # uploaded from the file
            return NotebookSource(name=name, path=local_path, name_field="notebook_path")
        try:
            model = await ensure_async(manager.get(path, content=True, type="file", format="text"))
        except web.HTTPError as exc:
            message = f"{path} could not be read as a UTF-8 text file ({exc.log_message})."
            raise ApiError(400, message, {"notebook": message}) from None
        return NotebookSource(name=name, content=model["content"], name_field="notebook_path")


def _local_file(manager: Any, path: str) -> str | None:
    """The file behind `path` when the contents manager keeps files on this machine's disk."""
    if not isinstance(manager, (FileContentsManager, AsyncFileContentsManager)):
        return None
    os_path = manager._get_os_path(path)  # checks that it stays inside the root
    return os_path if os.path.isfile(os_path) else None


class JobsHandler(JobsBaseHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        page = await self.run(
            self.service.list_jobs,
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
        body = await self.notebook_body()
        notebook = await self.notebook_from_path(body)
        job = await self.run(self.service.create_job, self.core, self.caller(), body, notebook)
        self.reply(job, 201)


class SchedulePreviewHandler(JobsBaseHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        names = ("interval_in_hours", "schedule", "timezone", "start_date", "end_date", "count")
        query = {name: self.query(name) for name in names}
        self.reply(await self.run(self.service.preview_schedule, query))


class NotebookFactsHandler(JobsBaseHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        path = self.query("notebook_path")
        source = await self.notebook_from_path({"notebook_path": path})
        if source is None:
            raise ApiError(400, "Choose a notebook.", {"notebook_path": "Choose a notebook."})
        facts = await self.run(self.service.notebook_facts, source)
        self.reply({"notebook_path": path, **facts})


class IdentifierAvailableHandler(JobsBaseHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        result = await self.run(
            self.service.identifier_availability, self.core, self.query("identifier", "")
        )
        self.reply(result)


class JobHandler(JobsBaseHandler):
    @web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        job = await self.run(self.service.get_job, self.core, self.caller(), object_id(job_id))
        self.reply(job)

    @web.authenticated
    @authorized
    async def patch(self, job_id: str) -> None:
        body = await self.notebook_body()
        caller, pk = self.caller(), object_id(job_id)
        # Only the owner may see the notebook being replaced: check before reading files.
        await self.run(self.service.get_job, self.core, caller, pk)
        notebook = await self.notebook_from_path(body)
        job = await self.run(self.service.update_job, self.core, caller, pk, body, notebook)
        self.reply(job)

    @web.authenticated
    @authorized
    async def delete(self, job_id: str) -> None:
        await self.run(self.service.delete_job, self.core, self.caller(), object_id(job_id))
        self.set_status(204)
        self.finish()


class JobRunsHandler(JobsBaseHandler):
    @web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        page = await self.run(
            self.service.list_runs,
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
        run = await self.run(self.service.run_now, self.core, self.caller(), object_id(job_id))
        self.reply(run, 202)


class NotebookDownloadHandler(JobsBaseHandler):
    @web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        download = await self.run(
            self.service.open_notebook, self.core, self.caller(), object_id(job_id)
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
        results = await self.run(
            self.service.list_results, self.core, self.caller(), object_id(job_id)
        )
        self.reply(results)


class RunHandler(JobsBaseHandler):
    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        run = await self.run(self.service.get_run, self.core, self.caller(), object_id(run_id))
        self.reply(run)


class RunOutputHandler(JobsBaseHandler):
    """``GET /runs/{id}/output``: the run's executed notebook, streamed from its bucket."""

    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        download = await self.run(
            self.outputs.open_run_output, self.core, self.caller(), object_id(run_id)
        )
        await _stream_notebook(self, download)


handlers = [
    (route("jobs"), JobsHandler),
    (route("jobs/identifier-available"), IdentifierAvailableHandler),
    (route("jobs/schedule-preview"), SchedulePreviewHandler),
    (route("jobs/notebook-facts"), NotebookFactsHandler),
    (route(r"jobs/([^/]+)"), JobHandler),
    (route(r"jobs/([^/]+)/runs"), JobRunsHandler),
    (route(r"jobs/([^/]+)/run"), RunNowHandler),
    (route(r"jobs/([^/]+)/notebook"), NotebookDownloadHandler),
    (route(r"jobs/([^/]+)/results"), ResultsHandler),
    (route(r"runs/([^/]+)"), RunHandler),
    (route(r"runs/([^/]+)/output"), RunOutputHandler),
]
