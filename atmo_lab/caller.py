"""Who is asking: the owner rule of docs/API.md §3."""

from __future__ import annotations

from dataclasses import dataclass

from .settings import Settings


@dataclass(frozen=True)
class Caller:
    """The person a request acts for."""

    username: str
    is_maintainer: bool = False

    def owns(self, owner: str) -> bool:
        return self.username == owner


def caller_for(settings: Settings, identity_username: str | None = None) -> Caller:
    """The caller: ``owner`` on a one-person server, the identity's username with multi_user."""
    username = identity_username if settings.multi_user else settings.owner
    if not username:
        raise ValueError("no owner: set c.AtmoLabApp.owner or use a real identity provider")
    return Caller(username=username, is_maintainer=username in settings.maintainers)
