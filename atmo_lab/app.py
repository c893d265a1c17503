"""The Jupyter server extension: ``AtmoLabApp`` (configured as ``c.AtmoLabApp.*``)."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from jupyter_server.extension.application import ExtensionApp

from .handlers import ANONYMOUS_PROVIDERS
from .settings import AtmoLabConfig, Settings
from .startup import CoreStartup

if TYPE_CHECKING:
    from .core import Core


class AtmoLabApp(ExtensionApp, AtmoLabConfig):
    """Self-service EMR clusters, SSH keys and scheduled notebooks for JupyterLab."""

    name = "atmo_lab"
    description = __doc__
    load_other_extensions = True

    startup: CoreStartup | None = None
    _executor: ThreadPoolExecutor | None = None

    @property
    def core(self) -> Core | None:
        """The Core once it is built (it is built when the server's loop starts)."""
        return self.startup.built if self.startup is not None else None

    @property
    def client_mode(self) -> bool:
        """A team member's server: the REST API is the team service's (``service_url``)."""
        return bool(self.service_url)

    def initialize_settings(self) -> None:
        if self.client_mode:  # no Core, no store, no AWS client in this process
            from .team.client import SERVICE_URL_ENV

            self.settings.update(atmo_lab_service_url=self.service_url)
            os.environ[SERVICE_URL_ENV] = self.service_url  # the kernels' way to the service
            self.log.info("atmo_lab: client mode, the REST API is %s's", self.service_url)
            return
        settings = Settings.from_config(self)
        self._executor = ThreadPoolExecutor(max_workers=16, thread_name_prefix="atmo-lab")
        self.startup = CoreStartup(settings, self._executor)
        self.settings.update(atmo_lab_startup=self.startup, atmo_lab_executor=self._executor)
        self._warn_about_anonymous_owners(settings)

    def _warn_about_anonymous_owners(self, settings: Settings) -> None:
        provider = getattr(self.serverapp, "identity_provider", None)
        if settings.multi_user and type(provider) in ANONYMOUS_PROVIDERS:
            self.log.error(
                "atmo_lab: multi_user is on but the identity provider issues anonymous users; "
                "requests will be refused until a provider with real user names is configured."
            )

    def initialize_handlers(self) -> None:
        if self.client_mode:
            from .team.client import client_handlers

            self.handlers.extend(client_handlers())
            return
        from .config_api import handlers as config_handlers
        from .emr_clusters.handlers import handlers as cluster_handlers
        from .notifications.handlers import handlers as notification_handlers
        from .ssh_keys.handlers import handlers as key_handlers

        self.handlers.extend(
            [*config_handlers, *key_handlers, *cluster_handlers, *notification_handlers]
        )
        self.handlers.extend(__import__("atmo_lab.jobs.handlers", fromlist=["_"]).handlers)

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        """Build the Core and start the embedded huey consumer once the server's loop runs.

        The work runs in a thread: the server answers requests meanwhile.
        """
        if self.client_mode:
            return
        assert self._executor is not None
        await asyncio.wrap_future(self._executor.submit(self._start_core))

    def _start_core(self) -> None:
        assert self.startup is not None
        try:
            core = self.startup.build()
        except Exception:
            self.log.exception("atmo_lab: could not open the store; requests will retry")
            return
        self.log.info("atmo_lab: store %s, region %s", _safe_url(core), core.settings.region)
        if core.settings.embedded_worker:
            core.worker.start(workers=core.settings.worker_threads)
            # runs a killed server left: settle them now
            from .jobs.local_executor import reconcile_runs

            reconcile_runs(core)
        if core.settings.spark_stand_in:  # a local Spark Connect server per active cluster
            from .spark_connect.local import host

            host(core)

    async def stop_extension(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
        if self.core is not None:
            from .spark_connect.local import stop_hosting

            stop_hosting(self.core)  # no JVM outlives the server
            self.core.close()


def _safe_url(core: Core) -> str:
    """The store's URL without its password."""
    return core.store.engine.url.render_as_string(hide_password=True)
