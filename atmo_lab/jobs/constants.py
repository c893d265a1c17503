"""Constants of scheduled jobs: intervals, result visibilities, executors, timeouts, limits,
the injected parameter and the outcome words."""

from __future__ import annotations

INTERVAL_DAILY = 24
INTERVAL_WEEKLY = 168
INTERVAL_MONTHLY = 720
JOB_INTERVALS = (INTERVAL_DAILY, INTERVAL_WEEKLY, INTERVAL_MONTHLY)
DEFAULT_INTERVAL = INTERVAL_WEEKLY

RESULT_PRIVATE = "private"
RESULT_PUBLIC = "public"
RESULT_VISIBILITIES = (RESULT_PRIVATE, RESULT_PUBLIC)

EXECUTOR_EMR = "emr"
EXECUTOR_LOCAL = "local"
EXECUTORS = (EXECUTOR_EMR, EXECUTOR_LOCAL)

MIN_TIMEOUT_HOURS = 1
MAX_TIMEOUT_HOURS = 24
DEFAULT_TIMEOUT_HOURS = 24
DEFAULT_SIZE = 1
DEFAULT_TIMEZONE = "UTC"
MAX_DESCRIPTION_CHARS = 10_000
MAX_PARAMETERS_CHARS = 10_000  # EMR step arguments must stay small

# Seconds in one hour of ``job_timeout_hours``. Tests shorten it (monkeypatch) to see a
# timeout kill in seconds; everything reads it at call time through this module.
TIMEOUT_UNIT_SECONDS = 3600

# A run row for an occurrence that did not run (the previous run was still active, or the
# worker was down); shown in the history, never active.
MISSED = "MISSED"
# A run's outcome in words (the API's ``outcome``; its ``status`` stays EMR's).
SUCCEEDED, FAILED, TIMED_OUT, MISSED_WORD, RUNNING_WORD, STOPPED = (
    "succeeded", "failed", "timed out", "missed", "running", "stopped",
)  # fmt: skip
OUTCOMES = (SUCCEEDED, FAILED, TIMED_OUT, MISSED_WORD, RUNNING_WORD, STOPPED)
# At most this many skipped occurrences are recorded as missed when a worker comes back.
MAX_MISSED_RECORDED = 24

# Papermill parameter injected into every run: the run's scheduled time (ISO 8601, UTC).
SCHEDULED_AT_PARAMETER = "scheduled_at"
DEFAULT_KERNEL = "python3"


def timeout_seconds(job_timeout_hours: int) -> float:
    """The run time a job may take before it is killed."""
    return job_timeout_hours * float(TIMEOUT_UNIT_SECONDS)
