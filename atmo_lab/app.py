"""The Jupyter server extension: ``AtmoLabApp`` (configured as ``c.AtmoLabApp.*``)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from jupyter_server.extension.application import ExtensionApp

from .core import Core
from .handlers import ANONYMOUS_PROVIDERS
from .settings import AtmoLabConfig, Settings


class AtmoLabApp(ExtensionApp, AtmoLabConfig):
    """Self-service EMR clusters, SSH keys and scheduled notebooks for JupyterLab."""

    name = "atmo_lab"
    description = __doc__
    load_other_extensions = True

    core: Core | None = None
    _executor: ThreadPoolExecutor | None = None

    def initialize_settings(self) -> None:
        settings = Settings.from_config(self)
        self.core = Core(settings)
        self.core.store.create_schema()
        self._executor = ThreadPoolExecutor(max_workers=16, thread_name_prefix="atmo-lab")
        self.settings.update(atmo_lab_core=self.core, atmo_lab_executor=self._executor)
        self._warn_about_anonymous_owners(settings)
        self.log.info("atmo_lab: store %s, region %s", _safe_url(settings.db_url), settings.region)

    def _warn_about_anonymous_owners(self, settings: Settings) -> None:
        provider = getattr(self.serverapp, "identity_provider", None)
        if settings.multi_user and type(provider) in ANONYMOUS_PROVIDERS:
            self.log.error(
                "atmo_lab: multi_user is on but the identity provider issues anonymous users; "
                "requests will be refused until a provider with real user names is configured."
            )

    def initialize_handlers(self) -> None:
        from .clusters.handlers import handlers as cluster_handlers
        from .config_api import handlers as config_handlers
        from .keys.handlers import handlers as key_handlers
        from .notifications.handlers import handlers as notification_handlers

        self.handlers.extend(
            [*config_handlers, *key_handlers, *cluster_handlers, *notification_handlers]
        )
        self.handlers.extend(__import__("atmo_lab.jobs.handlers", fromlist=["_"]).handlers)

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        """Start the embedded huey consumer once the server's loop runs."""
        if self.core is not None and self.core.settings.embedded_worker:
            self.core.worker.start(workers=self.core.settings.worker_threads)
            from .jobs.local import reconcile_runs  # runs a killed server left: settle them now

            assert self._executor is not None
            self._executor.submit(reconcile_runs, self.core)

    async def stop_extension(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
        if self.core is not None:
            self.core.close()


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
