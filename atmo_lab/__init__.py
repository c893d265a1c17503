"""atmo_lab: self-service EMR clusters and scheduled notebooks inside JupyterLab.

The Python API for notebooks (:mod:`atmo_lab.api`) is exported here: ``atmo_lab.launch()``,
``atmo_lab.clusters()``, ``atmo_lab.spark("my-cluster")`` and the rest. Its names are loaded on
first use, so that ``import atmo_lab`` (which the Jupyter server does at start-up to find the
extension) does not import SQLAlchemy, boto3 or ipywidgets.
"""

from __future__ import annotations

from typing import Any

from .version import __version__

__all__ = [
    "Cluster",
    "ClusterFailed",
    "__version__",
    "add_key",
    "cluster",
    "clusters",
    "keys",
    "launch",
    "schedule",
    "spark",
]
_API_NAMES = frozenset(__all__) - {"__version__", "spark"}


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "atmo-lab"}]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .app import AtmoLabApp

    return [{"module": "atmo_lab", "app": AtmoLabApp}]


def spark(cluster: Any, **kwargs: Any) -> Any:
    """A ``pyspark.sql.SparkSession`` on one of your clusters: ``atmo_lab.spark("my-cluster")``
    (see :func:`atmo_lab.spark_connect.session.spark`)."""
    from .spark_connect.session import spark as session_on

    return session_on(cluster, **kwargs)


def __getattr__(name: str) -> Any:
    if name in _API_NAMES:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_API_NAMES})
