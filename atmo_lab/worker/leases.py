"""Leases in the store: one worker at a time runs a periodic task, and a dead one's lease
does not block the others (it expires, or is taken over at once on the same host)."""

from __future__ import annotations

import datetime as dt
import os
import socket
from typing import TYPE_CHECKING

import psutil
from sqlalchemy import String, delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, rowcount, utcnow

if TYPE_CHECKING:
    from ..core import Core

HOST = socket.gethostname()


class Lease(Base):
    __tablename__ = "worker_leases"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200), nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)


def holder_id() -> str:
    return f"{HOST}:{os.getpid()}"


def _holder_is_dead(holder: str) -> bool:
    host, _, pid = holder.rpartition(":")
    return host == HOST and pid.isdigit() and not psutil.pid_exists(int(pid))


def acquire(core: Core, name: str, ttl: dt.timedelta) -> bool:
    """Take lease `name` for `ttl`; False while another live worker holds it."""
    me, now = holder_id(), utcnow()
    with core.store.session() as session:
        current = session.get(Lease, name, with_for_update=True)
        if current is None:
            session.add(Lease(name=name, holder=me, expires_at=now + ttl))
            try:
                session.flush()
            except IntegrityError:
                return False
            return True
        if (
            current.expires_at > now
            and current.holder != me
            and not _holder_is_dead(current.holder)
        ):
            return False
        return bool(
            rowcount(
                session.execute(
                    update(Lease)
                    .where(Lease.name == name, Lease.holder == current.holder)
                    .values(holder=me, expires_at=now + ttl)
                )
            )
        )


def release(core: Core, name: str) -> None:
    with core.store.session() as session:
        session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder_id()))
