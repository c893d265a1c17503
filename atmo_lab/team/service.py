"""``atmo-lab serve``: the team's atmo_lab service, run by JupyterHub as a managed service.

A Jupyter server that loads only atmo_lab, under the service's prefix, on the address the Hub
gave it, with ``multi_user`` on and people known by their Hub identity. It serves no files,
kernels or terminals: its process holds the store and the AWS credentials.
"""

from __future__ import annotations

import os
import sys
import tempfile
from typing import TYPE_CHECKING
from urllib.parse import urlparse

if TYPE_CHECKING:
    from jupyter_server.serverapp import ServerApp

LOCAL_RUNS_OFF = ["--AtmoLabApp.local_runs=False"]
NEEDED_ENV = ("JUPYTERHUB_API_TOKEN", "JUPYTERHUB_API_URL", "JUPYTERHUB_SERVICE_URL")


def service_argv(config_args: list[str]) -> list[str]:
    """The Jupyter server's command line of the service (the Hub's environment sets it)."""
    url = urlparse(os.environ["JUPYTERHUB_SERVICE_URL"])
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX") or url.path or "/"
    empty_root = tempfile.mkdtemp(prefix="atmo-lab-service-")
    identity = "atmo_lab.team.identity"
    # Users' notebooks never run beside the service's keys, unless the command line says so
    # (an option given twice is an error to traitlets, so it is added only when absent).
    local_runs = [] if _names(config_args, "AtmoLabApp.local_runs") else LOCAL_RUNS_OFF
    return [
        f"--ServerApp.base_url={prefix}",
        f"--ServerApp.ip={url.hostname or '127.0.0.1'}",
        f"--ServerApp.port={url.port or 80}",
        "--ServerApp.port_retries=0",
        "--ServerApp.open_browser=False",
        "--ServerApp.allow_root=True",  # it runs no kernels; the Hub's user runs it
        f"--ServerApp.root_dir={empty_root}",
        "--ServerApp.terminals_enabled=False",
        f"--ServerApp.identity_provider_class={identity}.HubServiceIdentityProvider",
        f"--ServerApp.authorizer_class={identity}.HubServiceAuthorizer",
        "--AtmoLabApp.multi_user=True",
        *local_runs,
        *config_args,
        "--AtmoLabApp.service_url=",  # this is the service: it never forwards
    ]


def _names(args: list[str], name: str) -> bool:
    """Whether ``--<name>`` is among the command-line options."""
    return any(arg == f"--{name}" or arg.startswith(f"--{name}=") for arg in args)


def serve(config_args: list[str]) -> int:
    """Run the service until the Hub stops it."""
    missing = [name for name in NEEDED_ENV if not os.environ.get(name)]
    if missing:
        print(
            f"atmo-lab serve runs as a JupyterHub service; {', '.join(missing)} not set. "
            "Add it to c.JupyterHub.services (see README, 'Team deployment on JupyterHub').",
            file=sys.stderr,
        )
        return 2
    app = _service_app_class().instance()
    app.initialize(service_argv(config_args), find_extensions=False)
    app.start()
    return 0


def _service_app_class() -> type[ServerApp]:
    from jupyter_server.serverapp import ServerApp

    class TeamServiceApp(ServerApp):
        """A Jupyter server with atmo_lab as its only extension, whatever the config files
        on the machine enable (no JupyterLab, no terminals: nothing but the REST API)."""

        name = "atmo-lab-serve"

        def init_server_extensions(self) -> None:
            self.jpserver_extensions = {"atmo_lab": True}
            super().init_server_extensions()

        def init_webapp(self) -> None:
            super().init_webapp()
            # Tornado's own XSRF check runs before the Hub's identity is known; Jupyter
            # Server's check, which exempts token-authenticated requests, still applies
            # (as in JupyterHub's single-user servers).
            self.web_app.settings["xsrf_cookies"] = False
            headers = self.web_app.settings.setdefault("headers", {})
            headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")

    return TeamServiceApp
