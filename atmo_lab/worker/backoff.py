"""Full-jitter exponential backoff."""

from __future__ import annotations

import random

BASE_SECONDS = 1.0
CAP_SECONDS = 3600.0


def full_jitter(attempt: int, base: float = BASE_SECONDS, cap: float = CAP_SECONDS) -> float:
    """Seconds to wait before retry number `attempt` (0-based): uniform(0, min(cap, base·2^n))."""
    return random.uniform(0, min(cap, base * 2**attempt))
