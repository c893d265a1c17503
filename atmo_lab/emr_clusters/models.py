"""The clusters table."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import NEVER_REUSED_IDS, Base, UTCDateTime, utcnow


class Cluster(Base):
    """An on-demand EMR cluster; rows are kept after termination as history."""

    __tablename__ = "clusters"
    __table_args__ = (
        Index("ix_clusters_owner_status_id", "owner", "status", "id"),
        Index("ix_clusters_owner_id", "owner", "id"),  # status=all, newest first
        Index("ix_clusters_status_expires", "status", "expires_at"),
        Index("ix_clusters_identifier", "identifier"),
        NEVER_REUSED_IDS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(150), nullable=False)
    identifier: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    lifetime_hours: Mapped[int] = mapped_column(Integer, nullable=False)
    lifetime_extension_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    ssh_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("ssh_keys.id", ondelete="SET NULL"), nullable=True
    )
    emr_release: Mapped[str] = mapped_column(String(50), nullable=False)
    jobflow_id: Mapped[str] = mapped_column(String(50), unique=True, nullable=False)
    status: Mapped[str] = mapped_column(String(50), default="", nullable=False)
    status_reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    master_address: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ready_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    # Spark Connect: the endpoint once it accepts connections (null before and after), the
    # token its server checks (Spark 4 releases and local stand-ins), the Spark it runs.
    spark_connect_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    spark_connect_token: Mapped[str | None] = mapped_column(String(100), nullable=True)
    spark_version: Mapped[str | None] = mapped_column(String(50), nullable=True)
    expiration_warning_sent: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    modified_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )
