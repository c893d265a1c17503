"""Which notebook is this kernel running? Asked from the Jupyter server(s) that started it.

A kernel knows its own id (its connection file is ``kernel-<id>.json``); the server's sessions
API (``GET /api/sessions``) maps kernel ids to notebook paths. The servers of this user are
found through their runtime files (``jupyter_server.serverapp.list_running_servers``), which
carry the token to call them with.
"""

from __future__ import annotations

import json
import logging
import os
import re
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from typing import Any

log = logging.getLogger(__name__)

_CONNECTION_FILE = re.compile(r"^kernel-(?P<id>[^/\\]+)\.json$")
TIMEOUT_SECONDS = 2.0


def kernel_id() -> str | None:
    """The id of the kernel this code runs in (None outside a Jupyter kernel)."""
    try:
        from ipykernel.connect import get_connection_file

        connection_file = get_connection_file()
    except (ImportError, RuntimeError):
        return None
    match = _CONNECTION_FILE.match(os.path.basename(connection_file))
    return match.group("id") if match else None


def running_servers() -> list[dict[str, Any]]:
    """The Jupyter servers of this user that are running (their runtime files)."""
    try:
        from jupyter_server.serverapp import list_running_servers
    except ImportError:
        return []
    return list(list_running_servers())


def sessions(server: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``GET /api/sessions`` of one server (empty when it can't be asked)."""
    url = str(server.get("url") or "")
    if not url:
        return []
    request = urllib.request.Request(url.rstrip("/") + "/api/sessions")
    token = server.get("token")
    if token:
        request.add_header("Authorization", f"token {token}")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            found = json.load(response)
    except (OSError, ValueError) as exc:  # URLError/HTTPError are OSErrors; bad JSON
        log.debug("could not list the sessions of %s: %s", url, exc)
        return []
    return [s for s in found if isinstance(s, dict)] if isinstance(found, list) else []


def notebook_path_of(kernel: str, servers: Iterable[Mapping[str, Any]] | None = None) -> str | None:
    """Absolute path of the notebook whose session runs `kernel`, if a server knows it."""
    for server in running_servers() if servers is None else servers:
        for session in sessions(server):
            if (session.get("kernel") or {}).get("id") != kernel:
                continue
            path = session.get("path") or (session.get("notebook") or {}).get("path")
            if not path:
                continue
            root = server.get("root_dir") or server.get("notebook_dir") or ""
            return os.path.normpath(os.path.join(root, path))
    return None


def current_notebook_path() -> str | None:
    """Absolute path of the notebook this kernel belongs to (None when it can't be told)."""
    kernel = kernel_id()
    if kernel is None:
        return None
    return notebook_path_of(kernel)
