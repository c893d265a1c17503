"""The EMR releases users may choose, from the ``emr_releases`` config."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import ValidationFailed
from ..settings import CHANGELOG_URL, EMR7_APPLICATIONS, EMR_SPARK_APPLICATIONS, Settings

PUBLIC_FIELDS = ("version", "changelog_url", "help_text", "is_experimental", "is_deprecated")
# The AWS runtime for Apache Spark releases: version "spark-8.1.0", label "emr-spark-8.1.0".
SPARK_RUNTIME_PREFIX = "spark-"


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Natural sort key: ``7.10.0`` sorts above ``7.9.0``, ``spark-8.1.0`` above both (its
    family prefix aside, it is version 8.1.0)."""
    numbers = version.removeprefix(SPARK_RUNTIME_PREFIX)
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[.\-]", numbers))


def release_label(version: str) -> str:
    """RunJobFlow's ReleaseLabel: ``7.14.0`` → ``emr-7.14.0``, ``spark-8.1.0`` →
    ``emr-spark-8.1.0``."""
    return f"emr-{version}"


def changelog_url(version: str) -> str:
    """EMR's release page: ``emr-7140-release.html``, ``emr-spark810-release.html``."""
    return CHANGELOG_URL.format(compact=version.replace(".", "").replace("-", ""))


def default_applications(version: str) -> list[str]:
    """The applications of a release that does not list its own."""
    if version.startswith(SPARK_RUNTIME_PREFIX):
        return list(EMR_SPARK_APPLICATIONS)
    return list(EMR7_APPLICATIONS)


# A release without a ``spark_version`` key: the Spark line of its family (the Connect step
# then reads the exact version on the node).
SPARK_LINE_BY_FAMILY = {"6": "3.4", "7": "3.5", SPARK_RUNTIME_PREFIX: "4.0"}


def default_spark_version(version: str) -> str:
    if version.startswith(SPARK_RUNTIME_PREFIX):
        return SPARK_LINE_BY_FAMILY[SPARK_RUNTIME_PREFIX]
    return SPARK_LINE_BY_FAMILY.get(version.split(".", 1)[0], SPARK_LINE_BY_FAMILY["7"])


def _normalise(release: Mapping[str, Any]) -> dict[str, Any]:
    version = str(release["version"])
    applications = [str(a) for a in release.get("applications") or default_applications(version)]
    if "Spark" not in applications:  # every cluster and run needs it
        applications.insert(0, "Spark")
    return {
        "version": version,
        "changelog_url": release.get("changelog_url") or changelog_url(version),
        "help_text": release.get("help_text", ""),
        "is_experimental": bool(release.get("is_experimental", False)),
        "is_deprecated": bool(release.get("is_deprecated", False)),
        "is_active": bool(release.get("is_active", True)),
        "applications": applications,
        "spark_version": str(release.get("spark_version") or default_spark_version(version)),
    }


def release_info(settings: Settings, version: str) -> dict[str, Any]:
    """Everything configured about one release (every field, inactive ones too); a release
    missing from the config gets the defaults of its family."""
    for release in settings.emr_releases:
        if str(release.get("version")) == version:
            return _normalise(release)
    return _normalise({"version": version})


def active_releases(settings: Settings) -> list[dict[str, Any]]:
    """Active releases, newest first, with the public fields only."""
    releases = [_normalise(r) for r in settings.emr_releases if r.get("version")]
    releases = [r for r in releases if r["is_active"]]
    releases.sort(key=lambda r: version_key(r["version"]), reverse=True)
    return [{k: r[k] for k in PUBLIC_FIELDS} for r in releases]


def default_release(releases: Iterable[Mapping[str, Any]]) -> str | None:
    """The newest stable release (neither experimental nor deprecated), else the newest."""
    releases = list(releases)
    for release in releases:
        if not release["is_experimental"] and not release["is_deprecated"]:
            return str(release["version"])
    return str(releases[0]["version"]) if releases else None


def resolve_release(settings: Settings, requested: object, field: str = "emr_release") -> str:
    """The requested active release, or the default one when none is requested."""
    releases = active_releases(settings)
    if requested is None or requested == "":
        version = default_release(releases)
        if version is None:
            raise ValidationFailed({field: "No EMR release is configured (emr_releases)."})
        return version
    if not isinstance(requested, str) or requested not in {r["version"] for r in releases}:
        choices = ", ".join(r["version"] for r in releases)
        raise ValidationFailed({field: f"Choose one of the available EMR releases: {choices}."})
    return requested
