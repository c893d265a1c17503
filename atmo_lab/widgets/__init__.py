"""Notebook widgets (ipywidgets 8) over the atmo_lab core.

    from atmo_lab.widgets import ClusterLauncher, ClusterPanel
    ClusterLauncher()            # a form; Launch shows a ClusterPanel for the new cluster
    ClusterPanel("my-cluster")   # or a cluster id: live status of an existing cluster
    JobPanel()                   # schedule this notebook, list my jobs, run now, results

They call the core directly with the installation's config and store (kernels do not get the
server's token), acting as the configured owner; in a team member's kernel (``service_url``
set) they call the team service as the kernel's JupyterHub user (:mod:`atmo_lab.backend`).
"""

from __future__ import annotations

from .cluster import ClusterPanel
from .jobs import JobPanel
from .launcher import ClusterLauncher

__all__ = ["ClusterLauncher", "ClusterPanel", "JobPanel"]
