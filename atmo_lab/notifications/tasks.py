"""Periodic mail delivery."""

from __future__ import annotations

from ..core import Core
from ..worker.registry import periodic
from .service import deliver_pending


@periodic("send_notifications", minutes=1)
def send_notifications(core: Core) -> dict[str, int]:
    """Mail what was recorded since the last round: expiry warnings, run alerts, expiry notices."""
    return {"mailed": deliver_pending(core)}
