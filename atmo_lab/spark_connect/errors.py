"""What goes wrong when a notebook asks for Spark."""

from __future__ import annotations

from ..errors import AtmoError, Conflict

INSTALL_SPARK = "pip install 'atmo-lab[spark]'"


class SparkNotInstalled(AtmoError, ImportError):
    """pyspark (with its Connect client) is not installed in this environment."""

    status = 501

    def __init__(self, missing: str) -> None:
        super().__init__(
            f"Spark needs pyspark with its Connect client, and {missing} is not installed here. "
            f"Install it with: {INSTALL_SPARK}"
        )


class JavaMissing(AtmoError):
    """No Java runtime to run a local Spark server."""

    status = 501


class SparkNotReady(Conflict):
    """The cluster is active but its Spark Connect endpoint does not accept connections yet."""


class SparkVersionMismatch(Conflict):
    """This kernel's pyspark cannot talk to the cluster's Spark."""
