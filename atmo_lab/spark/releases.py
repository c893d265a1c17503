"""Which Spark an EMR release runs, and what its Spark Connect server can do."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# Releases without a ``spark_version`` key: the Spark line of their EMR major version.
SPARK_LINE_BY_EMR_MAJOR = {"6": "3.4", "7": "3.5", "spark-8": "4.0"}
SPARK_FALLBACK = "3.5"


def spark_version(releases: Iterable[Mapping[str, Any]], release: str) -> str:
    """The Spark version of EMR `release` ("3.5.6"; "3.5" when only the line is known).

    Read from the release's ``spark_version`` key in ``settings.emr_releases``; a release without
    one gets the Spark line of its EMR major version.
    """
    for item in releases:
        if item.get("version") == release and item.get("spark_version"):
            return str(item["spark_version"])
    if release.startswith("spark-"):
        return SPARK_LINE_BY_EMR_MAJOR["spark-8"]
    return SPARK_LINE_BY_EMR_MAJOR.get(release.split(".", 1)[0], SPARK_FALLBACK)


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
