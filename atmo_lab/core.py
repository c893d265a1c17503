"""The core: settings, store and AWS clients that every adapter shares."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .aws import AwsClients
from .caller import Caller, caller_for
from .settings import Settings, load_settings
from .store import Store

if TYPE_CHECKING:
    from .worker.runtime import Worker


class Core:
    """Everything a rule needs: the resolved settings, the store and the AWS clients.

    The server, the worker, the CLI and the widgets each hold one; none of them holds rules.
    """

    def __init__(
        self, settings: Settings, store: Store | None = None, aws: AwsClients | None = None
    ) -> None:
        self.settings = settings
        self.store = store or Store(settings.db_url)
        self.aws = aws or AwsClients(settings.region)
        self._worker: Worker | None = None
        self._worker_lock = threading.Lock()

    @property
    def worker(self) -> Worker:
        """The task queue of this installation (a producer; consumers start it explicitly)."""
        with self._worker_lock:
            if self._worker is None:
                from .worker.runtime import Worker

                self._worker = Worker(self)
            return self._worker

    def caller(self, identity_username: str | None = None, groups: Iterable[str] = ()) -> Caller:
        """The caller for a request (see :func:`atmo_lab.caller.caller_for`)."""
        return caller_for(self.settings, identity_username, groups)

    def close(self) -> None:
        if self._worker is not None:
            self._worker.stop()
        self.store.dispose()


_default_core: Core | None = None
_default_lock = threading.Lock()


def default_core() -> Core:
    """The Core of this installation, from the Jupyter config files (kernels, CLI)."""
    global _default_core
    with _default_lock:
        if _default_core is None:
            _default_core = Core(load_settings())
        return _default_core
