"""Who is asking the team service: the Hub's answer about the request's token, nothing else."""

from __future__ import annotations

from typing import Any

from jupyter_server.auth import User
from jupyterhub.singleuser.extension import JupyterHubAuthorizer, JupyterHubIdentityProvider

# The only resources the service serves: atmo_lab's routes (``atmo_lab`` and ``atmo_lab:<x>``).
SERVED_RESOURCE = "atmo_lab"


class HubServiceIdentityProvider(JupyterHubIdentityProvider):
    """People by their Hub identity: OAuth (a cookie) for browsers, a Hub API token in the
    ``Authorization`` header for servers and kernels. The Hub checks every token; headers
    such as ``X-Forwarded-User`` and the caller's environment are never read."""


class HubServiceAuthorizer(JupyterHubAuthorizer):
    """Allows atmo_lab's routes to users with access to the service, and nothing else: the
    service process holds the AWS credentials, so no kernel, file or terminal route is open."""

    def is_authorized(self, handler: Any, user: User, action: str, resource: str) -> bool:
        served = resource == SERVED_RESOURCE or resource.startswith(SERVED_RESOURCE + ":")
        return served and bool(super().is_authorized(handler, user, action, resource))
