"""Which Spark an EMR release runs, and what its Spark Connect server can do."""

from __future__ import annotations

from ..emr_clusters.releases import release_info
from ..settings import Settings


def spark_version(settings: Settings, release: str) -> str:
    """The Spark version of EMR `release` ("3.5.6"; "3.5" when only the line is known)."""
    return str(release_info(settings, release)["spark_version"])


def spark_line(version: str) -> tuple[int, int]:
    """``(major, minor)`` of a Spark version such as "3.5.6" or "4.0"."""
    parts = ([*version.split("."), "0"])[:2]
    try:
        return int(parts[0]), int(parts[1])
    except ValueError:
        return 0, 0


def has_token_auth(version: str) -> bool:
    """Spark Connect checks a pre-shared token from Spark 4 on (3.5 has no authentication)."""
    return spark_line(version) >= (4, 0)


def is_full_version(version: str) -> bool:
    """True for "3.5.6" (a Maven version), False for a line such as "3.5"."""
    parts = version.split(".")
    return len(parts) == 3 and all(p.isdigit() for p in parts)
