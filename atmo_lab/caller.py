"""Who is asking: each object belongs to one owner, who alone may change it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .settings import Settings


@dataclass(frozen=True)
class Caller:
    """The person a request acts for."""

    username: str
    is_maintainer: bool = False

    def owns(self, owner: str) -> bool:
        return self.username == owner


def caller_for(
    settings: Settings, identity_username: str | None = None, groups: Iterable[str] = ()
) -> Caller:
    """The caller: ``owner`` on a one-person server, the identity's username with multi_user.

    A maintainer is named in ``maintainers`` or, with multi_user, belongs to one of the
    identity's `groups` named in ``maintainer_groups``.
    """
    username = identity_username if settings.multi_user else settings.owner
    if not username:
        raise ValueError("no owner: set c.AtmoLabApp.owner or use a real identity provider")
    in_group = settings.multi_user and not settings.maintainer_groups.isdisjoint(groups)
    return Caller(username=username, is_maintainer=username in settings.maintainers or in_group)


def identity_groups(user: Any) -> frozenset[str]:
    """The Hub groups of a Jupyter identity: JupyterHub's identity provider keeps the Hub's
    user model (``hub_user``), whose ``groups`` the Hub includes for the token's own user;
    other identities have none."""
    model = getattr(user, "hub_user", None)
    groups = model.get("groups") if isinstance(model, dict) else None
    return frozenset(g for g in groups or () if isinstance(g, str))
