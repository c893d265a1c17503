"""The server extension's Core, built off the server's start-up path.

Importing SQLAlchemy and boto3 and opening the store take about half a second, a third of a bare
``jupyter server`` start. The extension registers its routes at once and builds the Core in a
worker thread when the server's loop starts; requests that arrive earlier wait for it.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Executor, Future
from typing import TYPE_CHECKING

from .settings import Settings

if TYPE_CHECKING:
    from .core import Core


class CoreStartup:
    """Builds the Core once (blocking in a thread, or awaited by request handlers)."""

    def __init__(self, settings: Settings, executor: Executor) -> None:
        self.settings = settings
        self._executor = executor
        self._lock = threading.Lock()
        self._core: Core | None = None
        self._future: Future[Core] | None = None

    @property
    def built(self) -> Core | None:
        """The Core when it is ready, else None."""
        return self._core

    def build(self) -> Core:
        """The Core, built on first call: settings, store schema, AWS clients (thread-safe)."""
        with self._lock:
            if self._core is None:
                from .core import Core

                core = Core(self.settings)
                core.store.create_schema()
                self._core = core
            return self._core

    def begin(self) -> Future[Core]:
        """Start building in the executor (once; again after a failure)."""
        with self._lock:
            failed = self._future is not None and self._future.done() and self._future.exception()
            if self._future is None or failed:
                self._future = self._executor.submit(self.build)
            return self._future

    async def core(self) -> Core:
        """The Core, awaiting the build when it is not ready yet."""
        if self._core is not None:
            return self._core
        return await asyncio.wrap_future(self.begin())
