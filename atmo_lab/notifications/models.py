"""The notifications table."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import NEVER_REUSED_IDS, Base, UTCDateTime, utcnow

# The table of each object type a notification names (``object_type`` → table).
OBJECT_TABLES = {"job": "jobs", "run": "job_runs", "cluster": "clusters"}


class Notification(Base):
    """One message to one user; `dedupe_key` makes each event recorded once."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_owner_id", "owner", "id"),
        Index("ix_notifications_mail_pending", "mail_sent_at", "id"),
        NEVER_REUSED_IDS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(150), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    subject: Mapped[str] = mapped_column(String(300), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    object_type: Mapped[str] = mapped_column(String(16), nullable=False)
    object_id: Mapped[int] = mapped_column(Integer, nullable=False)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    read: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    mail_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    mail_error: Mapped[str | None] = mapped_column(Text)
