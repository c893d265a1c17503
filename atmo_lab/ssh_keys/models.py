"""The ssh_keys table."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import NEVER_REUSED_IDS, Base, UTCDateTime, utcnow


class SSHKey(Base):
    """One user's public key."""

    __tablename__ = "ssh_keys"
    __table_args__ = (
        UniqueConstraint("owner", "fingerprint", name="uq_ssh_keys_owner_fingerprint"),
        Index("ix_ssh_keys_owner_id", "owner", "id"),
        NEVER_REUSED_IDS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(150), nullable=False)
    title: Mapped[str] = mapped_column(String(100), nullable=False)
    key: Mapped[str] = mapped_column(Text, nullable=False)
    prefix: Mapped[str] = mapped_column(String(64), nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(48), nullable=False)
    fingerprint_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
