"""The jobs and job_runs tables."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import NEVER_REUSED_IDS, Base, UTCDateTime, utcnow


class Job(Base):
    """A scheduled notebook."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_owner_id", "owner", "id"),
        Index("ix_jobs_due", "is_enabled", "next_run_at"),
        NEVER_REUSED_IDS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(150), nullable=False)
    identifier: Mapped[str] = mapped_column(String(100), unique=True, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    notebook_name: Mapped[str] = mapped_column(String(255), nullable=False)
    notebook_s3_key: Mapped[str] = mapped_column(String(800), nullable=False)
    result_visibility: Mapped[str] = mapped_column(String(16), default="private", nullable=False)
    size: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    interval_in_hours: Mapped[int | None] = mapped_column(Integer)
    schedule: Mapped[str | None] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", nullable=False)
    job_timeout_hours: Mapped[int] = mapped_column(Integer, default=24, nullable=False)
    start_date: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    end_date: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    expired_date: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    emr_release: Mapped[str] = mapped_column(String(50), nullable=False)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)
    executor: Mapped[str] = mapped_column(String(16), nullable=False)
    next_run_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # An occurrence claimed by a worker and not yet started (cleared once it is): a worker
    # that dies in between leaves it here, and the next tick starts it (never lost).
    pending_occurrence: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    pending_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    modified_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )

    runs: Mapped[list[JobRun]] = relationship(
        back_populates="job", cascade="all, delete-orphan", passive_deletes=True
    )


class JobRun(Base):
    """One execution of a job: a transient EMR cluster, or papermill on this machine."""

    __tablename__ = "job_runs"
    __table_args__ = (
        Index("ix_job_runs_job_id_id", "job_id", "id"),
        Index("ix_job_runs_status", "status"),
        Index("ix_job_runs_jobflow_id", "jobflow_id"),
        NEVER_REUSED_IDS,
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False)
    executor: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(50), nullable=False)
    status_reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    jobflow_id: Mapped[str | None] = mapped_column(String(50))
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    emr_release: Mapped[str] = mapped_column(String(50), nullable=False)
    is_manual: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    scheduled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ready_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    output_notebook_key: Mapped[str | None] = mapped_column(String(1024))
    # When the worker deleted the run's executed notebook and logs (only the newest
    # run_outputs_kept runs of a job keep theirs); the key stays as a record.
    output_pruned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    pid: Mapped[int | None] = mapped_column(Integer)
    alert_sent: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    modified_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )

    job: Mapped[Job] = relationship(back_populates="runs")
