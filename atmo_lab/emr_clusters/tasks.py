"""Periodic cluster maintenance (ATMO's cadences)."""

from __future__ import annotations

from ..core import Core
from ..worker.registry import periodic
from .maintenance import send_expiry_warnings, terminate_expired


@periodic("terminate_expired_clusters", minutes=1, max_retries=7)
def terminate_expired_clusters(core: Core) -> dict[str, list[str]]:
    """Terminate clusters past their expiry."""
    return {"terminated": terminate_expired(core)}


@periodic("send_expiry_warnings", minutes=5, max_retries=3)
def warn_expiring_clusters(core: Core) -> dict[str, list[str]]:
    """Warn owners an hour before expiry, once per extension."""
    return {"warned": send_expiry_warnings(core)}
