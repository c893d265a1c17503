"""atmo_lab: self-service EMR clusters and scheduled notebooks inside JupyterLab."""

from __future__ import annotations

import types as _types
from typing import Any

from . import clusters as _clusters_package
from . import keys as _keys_package
from . import spark as _spark_package

try:
    from ._version import __version__
except ImportError:  # running from a source tree that was never built
    __version__ = "0.0.0.dev0"

__all__ = ["__version__", "spark"]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "atmo-lab"}]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .app import AtmoLabApp

    return [{"module": "atmo_lab", "app": AtmoLabApp}]


# --- the Python API (atmo_lab/api.py), exported lazily ---------------------------------------
# ``import atmo_lab`` stays cheap: nothing below imports ipywidgets, tornado, SQLAlchemy or
# boto3 until an API function is used.

_API_NAMES = frozenset({"Cluster", "ClusterFailed", "add_key", "cluster", "launch", "schedule"})


def __getattr__(name: str) -> Any:
    if name in _API_NAMES:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_API_NAMES})


# ``atmo_lab.clusters()``, ``atmo_lab.keys()`` and ``atmo_lab.spark()`` share their names with the subpackages
# ``atmo_lab.clusters`` and ``atmo_lab.keys``, which Python binds as attributes of this package
# once imported. So the subpackages themselves are made callable (a module may change its
# class to a ModuleType subclass, see the data model's "Customizing module attribute access");
# ``atmo_lab.clusters.service`` and every other import keep working. The subpackages'
# ``__init__`` files only hold a docstring, so importing them here costs nothing.


class _ClustersModule(_types.ModuleType):
    def __call__(self, status: str = "active", **kwargs: Any) -> Any:
        """Your clusters, newest first (:func:`atmo_lab.api.clusters`)."""
        from .api import clusters

        return clusters(status, **kwargs)


class _KeysModule(_types.ModuleType):
    def __call__(self, **kwargs: Any) -> Any:
        """Your SSH public keys, newest first (:func:`atmo_lab.api.keys`)."""
        from .api import keys

        return keys(**kwargs)


class _SparkModule(_types.ModuleType):
    def __call__(self, cluster: Any, **kwargs: Any) -> Any:
        """A ``pyspark.sql.SparkSession`` on one of your clusters
        (:func:`atmo_lab.spark.session.spark`): ``spark = atmo_lab.spark("my-cluster")``."""
        from .spark.session import spark

        return spark(cluster, **kwargs)


_clusters_package.__class__ = _ClustersModule
_keys_package.__class__ = _KeysModule
_spark_package.__class__ = _SparkModule
