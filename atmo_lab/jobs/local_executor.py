"""The ``local`` executor: papermill in a child process, supervised by a worker thread.

This module is the supervisor; it runs in the process of the huey worker (the embedded one of
the Jupyter server, or ``atmo-lab worker``). The child is :mod:`atmo_lab.jobs.notebook_run`, which
reads the notebook from the code bucket and writes the executed notebook to
``s3://<data bucket>/<identifier>/data/run-<run id>/<notebook name>`` (each run its own),
exactly as an EMR run does. The supervising thread

- records the child's pid and the start time (the run is ``RUNNING``),
- stops the child's process group when the job timeout passes (``TERMINATED_WITH_ERRORS``,
  "timed out after N h") or when the run stops being active in the store (job deleted, timed
  out by the worker) — it looks every second, so this works from any process or machine,
- ships the child's output to
  ``s3://<data bucket>/<identifier>/logs/run-<run id>/<identifier>.<stamp>.log``,
- records the outcome: ``TERMINATED``, or ``TERMINATED_WITH_ERRORS`` with the failing cell.

The supervisor holds a lease on the run in the store (renewed while it waits), and the run's
files live in a temporary folder named after the run's marker. When the supervising process
dies (a SIGKILLed Jupyter server, say), :func:`reconcile_runs` — at server start and every
minute — takes the lease over and adopts the child if it still runs on this host, records
the outcome a finished child left in its folder, or ends the run ("the server stopped while
the run executed"). A run is never left RUNNING for ever.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from sqlalchemy import select, update

from .. import emr
from ..aws import aws_call, error_code
from ..core import Core
from ..db import rowcount, utcnow
from ..errors import AwsFailure
from ..validation import iso
from ..worker import leases
from . import constants
from .executor import RunLaunch, data_bucket, log_folder, output_key, run_parameters
from .models import Job, JobRun
from .notebook_run import describe_failure
from .outcomes import STOPPED_REASON, finish_run, timed_out_reason

log = logging.getLogger(__name__)

POLL_SECONDS = 0.2
CHECK_STORE_SECONDS = 1.0
KILL_GRACE_SECONDS = 5.0
MAX_LOG_BYTES = 10 * 1024 * 1024
# Local runs supervised at once by one worker process; more wait in the queue.
MAX_CONCURRENT_RUNS = max(2, os.cpu_count() or 2)
DEFER_SECONDS = 5.0
TASK_NAME = "execute_local_run"
# The supervisor's lease on a run: renewed every LEASE_RENEW_SECONDS, so a supervisor on
# another host that died is noticed within LEASE_TTL (on this host: at once).
LEASE_TTL = dt.timedelta(minutes=10)
LEASE_RENEW_SECONDS = 60.0
SERVER_STOPPED = "The server stopped while the run executed."

_slots = threading.BoundedSemaphore(MAX_CONCURRENT_RUNS)

_processes: dict[tuple[str, int], subprocess.Popen[bytes]] = {}
_processes_lock = threading.Lock()
# Runs a thread of this process supervises (or is about to), by (store URL, run id).
_supervising: set[tuple[str, int]] = set()


@dataclass(frozen=True)
class LocalRun:
    """What the supervisor needs to know about a run, read once from the store."""

    run_id: int
    identifier: str
    notebook_key: str
    notebook_name: str
    data_bucket: str
    parameters: dict[str, Any]
    timeout_hours: int
    scheduled_at: dt.datetime
    created_at: dt.datetime

    @property
    def marker(self) -> str:
        return run_marker(self.run_id, self.created_at)


def run_marker(run_id: int, created_at: dt.datetime) -> str:
    """Names a run's process in the process table (checked before killing by pid)."""
    return f"atmo-lab-run-{run_id}-{int(created_at.timestamp() * 1_000_000)}"


def log_key(identifier: str, run_id: int, stamp: dt.datetime) -> str:
    return f"{log_folder(identifier, run_id)}{identifier}.{stamp:%Y%m%d%H%M%S}.log"


def child_environment() -> dict[str, str]:
    """The worker's environment (AWS_ENDPOINT_URL and credentials reach papermill), with
    this atmo_lab importable by the child even when it runs from a source checkout."""
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parents[2])
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    if package_root not in paths:
        env["PYTHONPATH"] = os.pathsep.join([package_root, *paths])
    return env


class LocalExecutor:
    """Runs in a child process of a worker: the launch queues the run for the huey worker,
    whose task (:func:`start`) supervises it; stopped by signalling its process group."""

    initial_status = emr.RUNNING

    def launch(self, core: Core, launch: RunLaunch, manual: bool) -> None:
        try:
            core.worker.enqueue(TASK_NAME, launch.run_id)
        except Exception as exc:
            log.exception("Could not queue local run %s", launch.run_id)
            finish_run(
                core,
                launch.run_id,
                emr.TERMINATED_WITH_ERRORS,
                f"Could not queue the run for the worker: {exc}",
                notify_kind="run_failed",
            )
            raise AwsFailure("Enqueue", type(exc).__name__, str(exc)) from exc

    def was_launched(self, run: JobRun) -> bool:
        return run.started_at is not None

    def stop(self, core: Core, run: JobRun) -> None:
        stop_local_run(core, run.id, run.pid, run.created_at)

    def timeout_counted_from(self, run: JobRun) -> dt.datetime:
        """When the supervisor took the run (``started_at``, its process start), else when the
        run was recorded (still queued)."""
        return run.started_at or run.created_at


# --- the supervisor ----------------------------------------------------------------------------


def _load(core: Core, run_id: int) -> LocalRun | None:
    with core.store.reader() as session:
        row = session.execute(
            select(JobRun, Job).join(Job, JobRun.job_id == Job.id).where(JobRun.id == run_id)
        ).first()
        if row is None:
            return None
        run, job = row
        if run.status not in emr.ACTIVE_STATES:
            return None
        return LocalRun(
            run_id=run.id,
            identifier=job.identifier,
            notebook_key=job.notebook_s3_key,
            notebook_name=job.notebook_name,
            data_bucket=data_bucket(core, job.result_visibility),
            parameters=dict(job.parameters or {}),
            timeout_hours=job.job_timeout_hours,
            scheduled_at=run.scheduled_at,
            created_at=run.created_at,
        )


def _still_active(core: Core, run_id: int) -> bool:
    with core.store.reader() as session:
        status = session.scalar(select(JobRun.status).where(JobRun.id == run_id))
    return status in emr.ACTIVE_STATES


def start(core: Core, run_id: int) -> dict[str, Any]:
    """Start supervising a queued run in its own thread (the huey task returns at once).

    A run takes as long as its notebook (up to 24 h), so it must not hold one of the few
    worker threads that periodic maintenance needs. At most :data:`MAX_CONCURRENT_RUNS`
    run at once per worker process; others are re-queued a few seconds later.
    """
    if not _slots.acquire(blocking=False):
        core.worker.enqueue(TASK_NAME, run_id, delay=DEFER_SECONDS)
        return {"run": run_id, "deferred": True}

    def supervise() -> None:
        try:
            execute(core, run_id)
        except Exception:
            log.exception("Local run %s ended with an error", run_id)
        finally:
            _slots.release()

    threading.Thread(target=supervise, name=f"atmo-lab-run-{run_id}", daemon=True).start()
    return {"run": run_id, "started": True}


def execute(core: Core, run_id: int) -> dict[str, Any]:
    """Run a queued local run to its end; a short report for the worker's log."""
    spec = _load(core, run_id)
    if spec is None:
        return {"run": run_id, "skipped": "not active"}
    try:
        return _execute(core, spec)
    except Exception as exc:
        log.exception("Local run %s failed in the worker", run_id)
        finish_run(
            core,
            run_id,
            emr.TERMINATED_WITH_ERRORS,
            f"The worker could not run the notebook: {type(exc).__name__}: {exc}",
            notify_kind="run_failed",
        )
        raise


def lease_name(run_id: int) -> str:
    return f"local-run:{run_id}"


def _take_supervision(core: Core, run_id: int) -> bool:
    """Become the run's only supervisor (in this process, and by its lease in the store);
    False when another thread or a live worker supervises it already."""
    key = (core.store.url, run_id)
    with _processes_lock:
        if key in _supervising:
            return False
        _supervising.add(key)
    try:
        if leases.acquire(core, lease_name(run_id), LEASE_TTL):
            return True
    except Exception:
        with _processes_lock:
            _supervising.discard(key)
        raise
    with _processes_lock:
        _supervising.discard(key)
    return False


def _drop_supervision(core: Core, run_id: int) -> None:
    try:
        leases.release(core, lease_name(run_id))
    finally:
        with _processes_lock:
            _supervising.discard((core.store.url, run_id))


def _execute(core: Core, spec: LocalRun) -> dict[str, Any]:
    if not _take_supervision(core, spec.run_id):
        return {"run": spec.run_id, "skipped": "supervised by another worker"}
    try:
        return _execute_supervised(core, spec)
    finally:
        _drop_supervision(core, spec.run_id)


def _execute_supervised(core: Core, spec: LocalRun) -> dict[str, Any]:
    started = utcnow()
    if not _claim_start(core, spec.run_id, started):
        return {"run": spec.run_id, "skipped": "already started by another worker"}
    key = output_key(spec.identifier, spec.run_id, spec.notebook_name)
    # Named after the marker: after a crash, reconcile_runs() finds the result and the log.
    with tempfile.TemporaryDirectory(prefix=f"{spec.marker}-") as tmp:
        folder = Path(tmp)
        params_path, result_path = folder / "parameters.json", folder / "result.json"
        log_path, work = folder / "run.log", folder / "work"
        work.mkdir()
        params_path.write_text(json.dumps(run_parameters(spec.parameters, spec.scheduled_at)))
        command = [
            sys.executable, "-m", "atmo_lab.jobs.notebook_run",
            "--input", f"s3://{core.settings.code_bucket}/{spec.notebook_key}",
            "--output", f"s3://{spec.data_bucket}/{key}",
            "--parameters", str(params_path),
            "--result", str(result_path),
            "--cwd", str(work),
            "--marker", spec.marker,
        ]  # fmt: skip
        with open(log_path, "wb") as log_file:
            process = subprocess.Popen(
                command,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=work,
                env=child_environment(),
                start_new_session=True,  # its own process group, killed as a whole
            )
        registry_key = (core.store.url, spec.run_id)
        with _processes_lock:
            _processes[registry_key] = process
        try:
            marked = _mark_started(core, spec.run_id, process.pid, started)
            stop = _supervise(core, spec, process, None if marked else "cancelled")
        finally:
            with _processes_lock:
                _processes.pop(registry_key, None)
        finished = utcnow()
        result = _read_result(result_path)
        _ship_log(core, spec, log_path, started, finished, process.returncode, stop)
        stored = _output_written(core, spec.data_bucket, key, started)
    return _record_outcome(core, spec, stop, result, process.returncode, key if stored else None)


def _claim_start(core: Core, run_id: int, started: dt.datetime) -> bool:
    """Take the run for this worker; a run queued twice (e.g. re-queued after a worker
    stopped) starts one process only."""
    with core.store.session() as session:
        return bool(
            rowcount(
                session.execute(
                    update(JobRun)
                    .where(
                        JobRun.id == run_id,
                        JobRun.started_at.is_(None),
                        JobRun.status.in_(emr.ACTIVE_STATES),
                    )
                    .values(started_at=started)
                )
            )
        )


def _mark_started(core: Core, run_id: int, pid: int, started: dt.datetime) -> bool:
    with core.store.session() as session:
        return bool(
            rowcount(
                session.execute(
                    update(JobRun)
                    .where(JobRun.id == run_id, JobRun.status.in_(emr.ACTIVE_STATES))
                    .values(pid=pid, started_at=started, ready_at=started, status=emr.RUNNING)
                )
            )
        )


def _supervise(
    core: Core, spec: LocalRun, process: Any, stop: str | None, elapsed: float = 0.0
) -> str | None:
    """Wait for the child (a Popen, or an adopted :class:`_Orphan`); stop it on timeout or
    cancellation; keep the run's lease. Why it was stopped, if it was. `elapsed`: seconds the
    run has been executing already."""
    clock = time.monotonic
    deadline = clock() + constants.timeout_seconds(spec.timeout_hours) - elapsed
    next_check = clock() + CHECK_STORE_SECONDS
    next_renew = clock() + LEASE_RENEW_SECONDS
    stopped_at = clock()
    if stop is not None:
        _signal_group(process.pid, signal.SIGTERM)
    while True:
        try:
            process.wait(timeout=POLL_SECONDS)
        except subprocess.TimeoutExpired:
            pass
        else:  # ended; stopped from elsewhere (a deletion signals the process directly)?
            if stop is None and not _still_active(core, spec.run_id):
                stop = "cancelled"
            return stop
        now = clock()
        if stop is None:
            if now >= deadline:
                stop = "timeout"
            elif now >= next_check:
                next_check = now + CHECK_STORE_SECONDS
                if not _still_active(core, spec.run_id):
                    stop = "cancelled"
            if now >= next_renew:
                next_renew = now + LEASE_RENEW_SECONDS
                if not leases.acquire(core, lease_name(spec.run_id), LEASE_TTL):
                    log.warning("The lease on local run %s was taken over", spec.run_id)
            if stop is not None:
                log.info("Stopping local run %s (%s)", spec.run_id, stop)
                _signal_group(process.pid, signal.SIGTERM)
                stopped_at = now
        elif now - stopped_at > KILL_GRACE_SECONDS:
            _signal_group(process.pid, signal.SIGKILL)
            stopped_at = now


def _read_result(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _ship_log(
    core: Core,
    spec: LocalRun,
    path: Path,
    started: dt.datetime,
    finished: dt.datetime,
    returncode: int | None,
    stop: str | None,
) -> None:
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            if size > MAX_LOG_BYTES:
                head = fh.read(MAX_LOG_BYTES // 2)
                fh.seek(size - MAX_LOG_BYTES // 2)
                body = head + b"\n[... log truncated ...]\n" + fh.read()
            else:
                body = fh.read()
    except OSError:
        body = b""
    header = (
        f"atmo_lab local run {spec.run_id} of job {spec.identifier}\n"
        f"scheduled at {iso(spec.scheduled_at)}, started {iso(started)}\n\n"
    ).encode()
    footer = (
        f"\nfinished {iso(finished)}, exit code {returncode}"
        + (f", stopped ({stop})" if stop else "")
        + "\n"
    ).encode()
    try:
        with aws_call("PutObject"):
            core.aws.s3.put_object(
                Bucket=spec.data_bucket,
                Key=log_key(spec.identifier, spec.run_id, started),
                Body=header + body + footer,
                ContentType="text/plain; charset=utf-8",
            )
    except AwsFailure as exc:
        log.warning("Could not upload the log of run %s: %s", spec.run_id, exc)


def _output_written(core: Core, bucket: str, key: str, since: dt.datetime) -> bool:
    """Whether this run wrote the executed notebook (an older object does not count)."""
    try:
        with aws_call("HeadObject"):
            try:
                head = core.aws.s3.head_object(Bucket=bucket, Key=key)
            except ClientError as exc:
                if error_code(exc) in ("404", "NoSuchKey", "NotFound"):
                    return False
                raise
    except AwsFailure as exc:
        log.warning("Could not check the output of %s: %s", key, exc)
        return False
    modified = head["LastModified"]
    return bool(modified >= since - dt.timedelta(seconds=2))


def _record_outcome(
    core: Core,
    spec: LocalRun,
    stop: str | None,
    result: dict[str, Any],
    returncode: int | None,
    key: str | None,
) -> dict[str, Any]:
    report: dict[str, Any] = {"run": spec.run_id, "exit_code": returncode, "output": key}
    if stop == "timeout":
        reason = timed_out_reason(spec.timeout_hours)
        finish_run(
            core, spec.run_id, emr.TERMINATED_WITH_ERRORS, reason,
            output_key=key, notify_kind="run_timed_out",
        )  # fmt: skip
        return report | {"status": emr.TERMINATED_WITH_ERRORS, "reason": reason}
    if stop == "cancelled":
        finish_run(core, spec.run_id, emr.TERMINATED, STOPPED_REASON, output_key=key)
        return report | {"status": "stopped"}
    if result.get("ok") and returncode == 0:
        finish_run(core, spec.run_id, emr.TERMINATED, "Notebook completed.", output_key=key)
        return report | {"status": emr.TERMINATED}
    error = result.get("error")
    if isinstance(error, dict):
        clean = {
            "cell_index": error.get("cell_index"),
            "ename": str(error.get("ename") or ""),
            "evalue": str(error.get("evalue") or ""),
        }
        finish_run(
            core, spec.run_id, emr.TERMINATED_WITH_ERRORS, describe_failure(clean)[:2000],
            error=clean, output_key=key, notify_kind="run_failed",
        )  # fmt: skip
        return report | {"status": emr.TERMINATED_WITH_ERRORS, "error": clean}
    reason = str(result.get("reason") or f"papermill exited with code {returncode}; see the log.")
    finish_run(
        core, spec.run_id, emr.TERMINATED_WITH_ERRORS, reason[:2000],
        output_key=key, notify_kind="run_failed",
    )  # fmt: skip
    return report | {"status": emr.TERMINATED_WITH_ERRORS, "reason": reason}


# --- after a crash: runs whose supervisor is gone ----------------------------------------------


class _Orphan:
    """A run's child whose supervisor died: not our child, so waited for by its marker."""

    returncode: int | None = None

    def __init__(self, pid: int, marker: str) -> None:
        self.pid = pid
        self.marker = marker

    def wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while _runs_marker(self.pid, self.marker):
            if time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(self.marker, timeout)
            time.sleep(min(0.05, timeout))


def _run_folder(marker: str) -> Path | None:
    """The run's temporary folder on this host (left behind when its supervisor died)."""
    folders = sorted(Path(tempfile.gettempdir()).glob(f"{marker}-*"))
    return folders[0] if folders else None


def reconcile_runs(core: Core) -> dict[str, list[int]]:
    """Settle the local runs whose supervising process is gone (none of this process's, and
    no live worker holds the run's lease): a child still running on this host is adopted
    (supervised from here to its end); a child that finished left its result in the run's
    folder, which is recorded; otherwise the run ends TERMINATED_WITH_ERRORS with
    :data:`SERVER_STOPPED`. Returns the run ids by what happened."""
    with core.store.reader() as session:
        rows = list(
            session.execute(
                select(JobRun.id, JobRun.pid, JobRun.started_at).where(
                    JobRun.executor == constants.EXECUTOR_LOCAL,
                    JobRun.status.in_(emr.ACTIVE_STATES),
                    JobRun.started_at.is_not(None),
                )
            )
        )
    report: dict[str, list[int]] = {"adopted": [], "finished": [], "failed": []}
    for run_id, pid, started in rows:
        if started is None:
            continue
        try:
            outcome = _reconcile(core, run_id, pid, started)
        except Exception:
            log.exception("Could not reconcile local run %s", run_id)
            continue
        if outcome is not None:
            report[outcome].append(run_id)
    return report


def _reconcile(core: Core, run_id: int, pid: int | None, started: dt.datetime) -> str | None:
    if not _take_supervision(core, run_id):
        return None  # a live supervisor has it
    handed_over = False
    try:
        spec = _load(core, run_id)
        if spec is None:
            return None
        folder = _run_folder(spec.marker)
        if pid and _runs_marker(pid, spec.marker):
            log.warning("Adopting local run %s (pid %s): its supervisor is gone", run_id, pid)
            thread = threading.Thread(
                target=_adopt, args=(core, spec, pid, folder, started),
                name=f"atmo-lab-run-{run_id}", daemon=True,
            )  # fmt: skip
            thread.start()
            handed_over = True  # the adopting thread lets go of the run when it ends
            return "adopted"
        return _settle(core, spec, folder, started, None)
    finally:
        if not handed_over:
            _drop_supervision(core, run_id)


def _adopt(core: Core, spec: LocalRun, pid: int, folder: Path | None, started: dt.datetime) -> None:
    """Supervise a child left by a dead supervisor to its end, then record the outcome."""
    try:
        elapsed = (utcnow() - started).total_seconds()
        stop = _supervise(core, spec, _Orphan(pid, spec.marker), None, elapsed=elapsed)
        _settle(core, spec, folder, started, stop)
    except Exception:
        log.exception("Adopted local run %s ended with an error", spec.run_id)
    finally:
        _drop_supervision(core, spec.run_id)


def _settle(
    core: Core, spec: LocalRun, folder: Path | None, started: dt.datetime, stop: str | None
) -> str:
    """Record the outcome of a run whose child has ended (its result, if it left one)."""
    result = _read_result(folder / "result.json") if folder else {}
    finished = utcnow()
    code = 0 if result.get("ok") else None
    if folder is not None:
        _ship_log(core, spec, folder / "run.log", started, finished, code, stop)
    key = output_key(spec.identifier, spec.run_id, spec.notebook_name)
    stored = _output_written(core, spec.data_bucket, key, started)
    try:
        if result or stop is not None:
            report = _record_outcome(core, spec, stop, result, code, key if stored else None)
            return "finished" if report.get("status") == emr.TERMINATED else "failed"
        finish_run(
            core, spec.run_id, emr.TERMINATED_WITH_ERRORS,
            SERVER_STOPPED + " The run was stopped; run it again.",
            output_key=key if stored else None, notify_kind="run_failed",
        )  # fmt: skip
        return "failed"
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


# --- stopping from elsewhere --------------------------------------------------------------------


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def _runs_marker(pid: int, marker: str) -> bool:
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return marker.encode() in args


def stop_local_run(core: Core, run_id: int, pid: int | None, created_at: dt.datetime) -> None:
    """Stop a local run's process now (its supervisor also notices within a second).

    A pid alone is never trusted: the process must be this run's (the supervisor's own
    handle in this process, or a process whose command line carries the run's marker).
    """
    with _processes_lock:
        process = _processes.get((core.store.url, run_id))
    if process is not None:
        _signal_group(process.pid, signal.SIGTERM)
        return
    marker = run_marker(run_id, created_at)
    if pid and _runs_marker(pid, marker):
        _signal_group(pid, signal.SIGTERM)

        def escalate() -> None:
            if _runs_marker(pid, marker):
                _signal_group(pid, signal.SIGKILL)

        timer = threading.Timer(KILL_GRACE_SECONDS, escalate)
        timer.daemon = True
        timer.start()
