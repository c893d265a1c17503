"""Shared pieces of the benchmarks: timing, percentiles, rows and the table, RESULTS.md,
and the processes a benchmark starts (moto server, Jupyter servers) — always on loopback,
always stopped again by their own pid.

Benchmarks import atmo_lab from the source tree (the repository root goes first on
``sys.path`` here and on ``PYTHONPATH`` for every child process), never from an installed copy.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import http.client
import json
import math
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from typing_extensions import Self

REPO = Path(__file__).resolve().parents[1]
# The atmo_lab source tree measured: this checkout, or another tree (ATMO_LAB_BENCH_SOURCE) to
# try a patch before proposing it. It goes first on sys.path and on children's PYTHONPATH.
SOURCE = Path(os.environ.get("ATMO_LAB_BENCH_SOURCE") or REPO).resolve()
for _path in (REPO, SOURCE):
    if str(_path) in sys.path:
        sys.path.remove(str(_path))
    sys.path.insert(0, str(_path))

REGION = "us-west-2"
TOKEN = "benchtoken"
OWNER = "bench"
BUCKETS = ("atmo-lab-code", "atmo-lab-public-data", "atmo-lab-private-data", "atmo-lab-logs")
POSTGRES_URL = os.environ.get("ATMO_LAB_BENCH_POSTGRES_URL") or os.environ.get(
    "ATMO_LAB_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
JS_VENV = Path(os.environ.get("ATMO_LAB_BENCH_JS_VENV", "/tmp/js-venv"))


def log(message: str) -> None:
    """Progress on stderr (the table goes to stdout)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- numbers ------------------------------------------------------------------------------------


def median(xs: Sequence[float]) -> float:
    return float(statistics.median(xs))


def p95(xs: Sequence[float]) -> float:
    """Nearest-rank 95th percentile (the formula used for jupyter-scheduler too)."""
    s = sorted(xs)
    return float(s[min(len(s) - 1, round(0.95 * (len(s) - 1)))])


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def repeat(fn: Callable[[], Any], n: int) -> list[float]:
    """Wall seconds of `n` calls of `fn`."""
    return [timed(fn)[0] for _ in range(n)]


@dataclass
class Row:
    """One line of the table. `median`/`p95` are in `unit`; `ratio` = median / baseline's median
    (or whatever the note says for counts and memory)."""

    bench: str
    case: str
    unit: str
    median: float
    p95: float | None = None
    baseline: str = ""
    base_median: float | None = None
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""
    n: int | None = None


@dataclass
class Measure:
    """Samples of one case and what they are compared with."""

    samples: list[float]
    unit: str = "ms"
    scale: float = 1000.0  # seconds -> ms

    @property
    def median(self) -> float:
        return median(self.samples) * self.scale

    @property
    def p95(self) -> float:
        return p95(self.samples) * self.scale


def row_from(
    bench: str,
    case: str,
    m: Measure,
    base: Measure | None = None,
    baseline: str = "",
    limit: float | None = None,
    target: str = "",
    note: str = "",
) -> Row:
    """A row for `m` against `base`; met = ratio <= limit when a limit is given."""
    ratio = m.median / base.median if base is not None and base.median else None
    return Row(
        bench=bench,
        case=case,
        unit=m.unit,
        median=m.median,
        p95=m.p95,
        baseline=baseline,
        base_median=base.median if base is not None else None,
        ratio=ratio,
        target=target,
        met=(ratio <= limit) if (limit is not None and ratio is not None) else None,
        note=note,
        n=len(m.samples),
    )


def crash_row(bench: str, exc: BaseException) -> Row:
    return Row(bench, "CRASHED", "", float("nan"), note=f"{type(exc).__name__}: {exc}"[:200])


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return ""
    if math.isnan(value):
        return "—"
    if unit in ("calls", "pages", "requests"):
        return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"
    if abs(value) >= 1000:
        text = f"{value:,.0f}"
    elif abs(value) >= 100:
        text = f"{value:.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".strip()


def _ratio(row: Row) -> str:
    if row.ratio is None:
        return ""
    return f"{row.ratio:.3f}" if row.ratio < 0.1 else f"{row.ratio:.2f}"


def _met(row: Row) -> str:
    if row.met is None:
        return ""
    return "yes" if row.met else "NO"


HEADERS = (
    "benchmark",
    "case",
    "median",
    "p95",
    "n",
    "baseline",
    "baseline median",
    "ratio",
    "target",
    "met",
)


def _cells(row: Row) -> list[str]:
    return [
        row.bench,
        row.case,
        _fmt(row.median, row.unit),
        _fmt(row.p95, row.unit),
        "" if row.n is None else str(row.n),
        row.baseline,
        _fmt(row.base_median, row.unit),
        _ratio(row),
        row.target,
        _met(row),
    ]


def _with_footnotes(rows: Sequence[Row]) -> tuple[list[list[str]], list[str]]:
    """Cells of each row (a row's note becomes a numbered footnote) and the footnotes."""
    cells: list[list[str]] = []
    notes: list[str] = []
    for r in rows:
        c = _cells(r)
        if r.note:
            notes.append(r.note)
            c[1] += f" [{len(notes)}]"
        cells.append(c)
    return cells, [f"[{i}] {n}" for i, n in enumerate(notes, 1)]


def text_table(rows: Sequence[Row]) -> str:
    """The one table `make bench` prints (with its footnotes)."""
    body, notes = _with_footnotes(rows)
    cells = [list(HEADERS), *body]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADERS))]
    right = {2, 3, 4, 6, 7}
    lines = []
    for k, c in enumerate(cells):
        parts = [
            (c[i].rjust(widths[i]) if i in right else c[i].ljust(widths[i]))
            for i in range(len(HEADERS))
        ]
        lines.append("  ".join(parts).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines + (["", *notes] if notes else []))


def markdown_table(rows: Sequence[Row]) -> str:
    body, notes = _with_footnotes(rows)
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    for c in body:
        lines.append("| " + " | ".join(x.replace("|", "\\|") for x in c) + " |")
    if notes:
        lines += [""] + [n + "  " for n in notes]
    return "\n".join(lines)


# --- the machine and the versions ---------------------------------------------------------------


def _version(dist: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _source_version() -> str:
    try:
        text = (SOURCE / "atmo_lab" / "_version.py").read_text()
        for line in text.splitlines():
            if line.startswith("__version__"):  # __version__ = VERSION = '0.1.0'
                return line.rsplit("=", 1)[1].strip().strip("\"'")
    except OSError:
        pass
    return "unknown"


def _git_revision() -> str:
    if SOURCE != REPO:
        return f"patched tree {SOURCE}"
    try:
        rev = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--", "atmo_lab"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
        return rev + (" + uncommitted changes in atmo_lab/" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def js_version() -> str:
    python = JS_VENV / "bin" / "python"
    if not python.exists():
        return "not installed"
    try:
        return subprocess.run(
            [
                str(python),
                "-c",
                "import importlib.metadata as m; print(m.version('jupyter-scheduler'))",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def load_average() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1 / 5 / 15 min)"
    except OSError:
        return "unknown"


def machine() -> dict[str, str]:
    import psutil

    model = platform.processor() or "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpus": str(os.cpu_count()),
        "cpu model": model,
        "memory": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "os": platform.platform(),
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def versions() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "atmo_lab": f"{_source_version()} (source tree, git {_git_revision()})",
        "boto3": _version("boto3"),
        "botocore": _version("botocore"),
        "moto": _version("moto"),
        "sqlalchemy": _version("SQLAlchemy"),
        "jupyter_server": _version("jupyter_server"),
        "tornado": _version("tornado"),
        "psycopg": _version("psycopg"),
        "jupyter-scheduler": f"{js_version()} (own venv {JS_VENV})",
    }


def write_results(
    path: Path,
    rows: Sequence[Row],
    size: str,
    elapsed: float,
    notes: Sequence[str],
    extra: dict[str, str] | None = None,
    versions_at_start: dict[str, str] | None = None,
) -> None:
    lines = [
        "# atmo_lab benchmarks",
        "",
        (
            f"Written by `python -m bench{' --smoke' if size == 'smoke' else ''}` "
            f"(`make bench{'-smoke' if size == 'smoke' else ''}`); sizes: **{size}**; "
            f"the run took {elapsed / 60:.1f} min."
        ),
        (
            "Ratios compare figures measured in this same run. They are not timed tests and do "
            "not gate CI. See bench/README.md for what each row measures."
        ),
        "",
        "## Machine",
        "",
    ]
    lines += [f"- {k}: {v}" for k, v in {**machine(), **(extra or {})}.items()]
    lines += ["", "## Versions", ""]
    lines += [f"- {k}: {v}" for k, v in (versions_at_start or versions()).items()]
    lines += ["", "## Results", "", markdown_table(rows), ""]
    if notes:
        lines += ["## Notes", ""] + [f"- {n}" for n in notes] + [""]
    path.write_text("\n".join(lines))


# --- processes ------------------------------------------------------------------------------------

_STARTED: dict[int, subprocess.Popen[bytes]] = {}


def _stop(proc: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            proc.wait(10)
    _STARTED.pop(proc.pid, None)


def _stop_all() -> None:
    for proc in list(_STARTED.values()):
        _stop(proc, 5.0)


atexit.register(_stop_all)


def start_process(
    argv: Sequence[str], env: dict[str, str], log_path: Path, cwd: Path | None = None
) -> subprocess.Popen[bytes]:
    """A child process we own (stopped by pid at exit even if a benchmark crashes)."""
    out = open(log_path, "ab")  # noqa: SIM115 - lives as long as the process
    proc = subprocess.Popen(
        list(argv), env=env, stdout=out, stderr=subprocess.STDOUT, cwd=cwd, stdin=subprocess.DEVNULL
    )
    out.close()
    _STARTED[proc.pid] = proc
    return proc


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process (all its threads) has used so far."""
    import psutil

    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return float("nan")
    return float(times.user + times.system)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Callable[[], bool], timeout: float, what: str, interval: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(interval)
    raise TimeoutError(f"{what} not ready after {timeout:.0f} s")


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of child processes: source tree first on PYTHONPATH."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(SOURCE)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    )
    env.pop("AWS_PROFILE", None)
    env.update(extra or {})
    return env


class Workdir:
    """A temporary folder for one benchmark (removed afterwards)."""

    def __init__(self, name: str) -> None:
        self.path = Path(tempfile.mkdtemp(prefix=f"atmo-bench-{name}-"))

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


# --- moto ---------------------------------------------------------------------------------------


class MotoServer:
    """``python -m moto.server`` on a free loopback port, in its own process."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.proc = start_process(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            child_env(),
            workdir / "moto.log",
            cwd=workdir,
        )
        wait_for(self._up, 60, "moto server")

    def _up(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError(f"moto server exited with {self.proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            conn.request("GET", "/moto-api/data.json")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    def aws_env(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
        }

    def use(self) -> None:
        """Point boto3 in this process at the emulator."""
        os.environ.update(self.aws_env())
        os.environ.pop("AWS_PROFILE", None)

    def reset(self, buckets: bool = True) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.request("POST", "/moto-api/reset")
        conn.getresponse().read()
        conn.close()
        if buckets:
            self.create_buckets()

    def create_buckets(self) -> None:
        import boto3

        s3 = boto3.session.Session(region_name=REGION).client("s3", endpoint_url=self.endpoint)
        for bucket in BUCKETS:
            s3.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
            )

    def stop(self) -> None:
        _stop(self.proc)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- HTTP ---------------------------------------------------------------------------------------


class Http:
    """A keep-alive HTTP/1.1 client with token auth (the same client for every server)."""

    def __init__(self, port: int, token: str = TOKEN, timeout: float = 600.0) -> None:
        self.port = port
        self.token = token
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, body: bytes | None = None, ctype: str = "application/json"
    ) -> tuple[int, bytes]:
        headers = {"Authorization": f"token {self.token}"}
        if body is not None:
            headers["Content-Type"] = ctype
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (ConnectionError, http.client.HTTPException):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        if params:
            path += ("&" if "?" in path else "?") + urllib.parse.urlencode(params)
        status, body = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path} -> {status}: {body[:300]!r}")
        return json.loads(body)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


# --- Jupyter servers ----------------------------------------------------------------------------


@dataclass
class JupyterServer:
    """``jupyter server`` on loopback with token auth, in its own process."""

    workdir: Path
    python: str = sys.executable
    launcher: list[str] = field(default_factory=lambda: ["-m", "jupyter_server"])
    extensions: dict[str, bool] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)  # written to jupyter_server_config.json
    env: dict[str, str] = field(default_factory=dict)
    args: list[str] = field(default_factory=list)
    name: str = "server"
    ready_cpu: float = float("nan")  # CPU seconds the server had used at its first 200

    def start(self, timeout: float = 120.0) -> float:
        """Start it; the seconds from spawn to the first 200 on /api/status."""
        self.port = free_port()
        base = self.workdir / self.name
        for sub in ("config", "data", "runtime", "root"):
            (base / sub).mkdir(parents=True, exist_ok=True)
        self.root = base / "root"
        config = json.loads(json.dumps(self.config))
        if self.extensions:
            server = config.setdefault("ServerApp", {})
            server.setdefault("jpserver_extensions", {}).update(self.extensions)
        (base / "config" / "jupyter_server_config.json").write_text(json.dumps(config))
        env = child_env(
            {
                "JUPYTER_CONFIG_DIR": str(base / "config"),
                "JUPYTER_DATA_DIR": str(base / "data"),
                "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
                **self.env,
            }
        )
        argv = [
            self.python,
            *self.launcher,
            "--no-browser",
            "--allow-root",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={TOKEN}",
            f"--ServerApp.root_dir={self.root}",
        ]
        argv += self.args
        self.http = Http(self.port)
        t0 = time.perf_counter()
        # cwd = its own folder: `python -m` puts the cwd first on sys.path, before PYTHONPATH
        self.proc = start_process(argv, env, base / "server.log", cwd=base)
        deadline = t0 + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"jupyter server exited with {self.proc.returncode}; see its log:\n"
                    + self.log_tail()
                )
            try:
                status, _ = self.http.request("GET", "/api/status")
                if status == 200:
                    elapsed = time.perf_counter() - t0
                    self.ready_cpu = _cpu_seconds(self.proc.pid)
                    return elapsed
            except OSError:
                self.http.close()
            if time.perf_counter() > deadline:
                raise TimeoutError("jupyter server did not answer /api/status:\n" + self.log_tail())
            time.sleep(0.005)

    def log_tail(self, n: int = 40) -> str:
        path = self.workdir / self.name / "server.log"
        try:
            return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        if getattr(self, "http", None) is not None:
            self.http.close()
        if getattr(self, "proc", None) is not None:
            _stop(self.proc)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def atmo_config(db_url: str, **extra: Any) -> dict[str, Any]:
    """``c.AtmoLabApp`` of a benchmark server."""
    return {
        "AtmoLabApp": {
            "db_url": db_url,
            "region": REGION,
            "owner": OWNER,
            "embedded_worker": False,
            "job_executor": "emr",
            **extra,
        }
    }


# --- stores -------------------------------------------------------------------------------------


@contextlib.contextmanager
def postgres_database(prefix: str = "atmo_bench") -> Iterator[str]:
    """A new PostgreSQL database for one run, dropped afterwards."""
    import uuid

    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    head, _, _ = admin.rpartition("/")
    try:
        yield f"{head}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_available() -> bool:
    try:
        import psycopg

        admin = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(admin, connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001 - any failure means "not here"
        return False


def settings_for(db_url: str, **extra: Any) -> Any:
    from traitlets.config import Config

    from atmo_lab.settings import settings_from_config

    return settings_from_config(Config(atmo_config(db_url, **extra)))
