"""atmo_lab: self-service EMR clusters and scheduled notebooks inside JupyterLab."""

from __future__ import annotations

from typing import Any

try:
    from ._version import __version__
except ImportError:  # running from a source tree that was never built
    __version__ = "0.0.0.dev0"

__all__ = ["__version__"]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "atmo-lab"}]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .app import AtmoLabApp

    return [{"module": "atmo_lab", "app": AtmoLabApp}]
