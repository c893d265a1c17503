"""Periodic mail delivery."""

from __future__ import annotations

from ..core import Core
from ..worker.registry import periodic
from .service import deliver_pending


@periodic("deliver_notifications", minutes=1)
def deliver_notifications(core: Core) -> dict[str, int]:
    """Mail notifications recorded since the last round."""
    return {"mailed": deliver_pending(core)}
