"""A local Spark Connect server on loopback, standing in for a cluster's master node.

The server is the Spark Connect service of the pyspark wheel, run with spark-submit on this
machine's Java: bound to 127.0.0.1 on a free port, its UI off, a token required. With
``spark_stand_in`` on, the process that hosts the stand-ins (the Jupyter server) gives every
active cluster one server: started when the cluster is launched, stopped when it ends and when
the host stops. Servers start one at a time (each is a JVM of about half a GB).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import logging
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .endpoint import connect_url, port_accepts
from .errors import JavaMissing, SparkNotInstalled

if TYPE_CHECKING:
    from ..core import Core

log = logging.getLogger(__name__)

CONNECT_SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"
START_TIMEOUT = 180.0
STOP_TIMEOUT = 10.0
HOST = "localhost"  # a token over "localhost" needs no TLS in the pyspark client
_PR_SET_PDEATHSIG = 1


def spark_home() -> Path:
    """The Spark distribution inside the installed pyspark wheel."""
    try:
        import pyspark
    except ImportError:
        raise SparkNotInstalled("pyspark") from None
    return Path(pyspark.__file__).parent


def pyspark_version() -> str:
    try:
        from pyspark.version import __version__
    except ImportError:
        raise SparkNotInstalled("pyspark") from None
    return str(__version__)


def java_missing() -> str | None:
    """Why no local Spark can run here (None when Java is on PATH or in JAVA_HOME)."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return None
    if shutil.which("java"):
        return None
    return "no Java runtime: install Java 17 (Debian: apt-get install openjdk-17-jre-headless)"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the JVM gets SIGTERM when the thread that started it ends (e.g. the host dies)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class LocalConnectServer:
    """One running Spark Connect server (a JVM, the Popen's own pid)."""

    process: subprocess.Popen[bytes]
    port: int
    token: str
    log_path: Path
    started_in: float = 0.0
    _stopped: bool = field(default=False, repr=False)

    @property
    def url(self) -> str:
        return connect_url(HOST, self.port, self.token)

    @property
    def pid(self) -> int:
        return self.process.pid

    def is_running(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM to the JVM, SIGKILL when it lingers; its log file is removed."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if not self._stopped:
            self._stopped = True
            with contextlib.suppress(OSError):
                self.log_path.unlink()


def server_command(home: Path, port: int, token: str, name: str) -> list[str]:
    return [
        str(home / "bin" / "spark-submit"),
        "--master", "local[2]",
        "--name", name,
        "--class", CONNECT_SERVER_CLASS,
        "--conf", "spark.connect.grpc.binding.address=127.0.0.1",
        "--conf", f"spark.connect.grpc.binding.port={port}",
        "--conf", f"spark.connect.authenticate.token={token}",
        "--conf", "spark.ui.enabled=false",
        "spark-internal",
    ]  # fmt: skip


def start_server(
    name: str = "atmo-lab-stand-in", timeout: float = START_TIMEOUT, die_with_thread: bool = False
) -> LocalConnectServer:
    """Start a local Spark Connect server and return once its port accepts connections."""
    reason = java_missing()
    if reason:
        raise JavaMissing(f"A local Spark server needs Java: {reason}.")
    home = spark_home()
    port, token = free_port(), secrets.token_urlsafe(24)
    handle, log_name = tempfile.mkstemp(prefix="atmo-lab-spark-", suffix=".log")
    env = dict(os.environ, SPARK_LOCAL_IP="127.0.0.1", SPARK_HOME=str(home))
    env.pop("SPARK_REMOTE", None)
    env.pop("SPARK_CONNECT_MODE_ENABLED", None)
    began = time.monotonic()
    with os.fdopen(handle, "wb") as log_file:
        process = subprocess.Popen(
            server_command(home, port, token, name),
            stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT, env=env,
            preexec_fn=_die_with_parent if die_with_thread else None,  # noqa: PLW1509
        )  # fmt: skip
    server = LocalConnectServer(process, port, token, Path(log_name))
    deadline = began + timeout
    while not port_accepts("127.0.0.1", port, timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            tail = server.log_tail()
            server.stop()
            raise RuntimeError(f"The local Spark Connect server did not start:\n{tail}")
        time.sleep(0.2)
    server.started_in = time.monotonic() - began
    return server


# --- stand-ins for clusters --------------------------------------------------------------------


class StandInHost:
    """Gives every active cluster of a store a local Spark Connect server (one JVM each).

    A thread reconciles servers with the store every `interval` seconds and when woken (after a
    launch or a termination here): clusters launched from kernels and ended elsewhere are seen
    too. Servers start one at a time; the cluster's ``spark_connect_url`` is set once its server
    accepts connections and cleared when the server stops.
    """

    def __init__(self, core: Core, interval: float = 2.0) -> None:
        self.core = core
        self.interval = interval
        self.servers: dict[int, LocalConnectServer] = {}
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failed: set[int] = set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="atmo-lab-spark", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.reconcile()
            except Exception:  # keep serving: the store may come back
                log.exception("atmo_lab: reconciling local Spark servers failed")
            self._wake.wait(self.interval)
            self._wake.clear()

    def reconcile(self) -> None:
        from .records import active_cluster_ids

        active = active_cluster_ids(self.core)
        with self._lock:
            for cluster_id in [c for c in self.servers if c not in active]:
                self.release(cluster_id)
        for cluster_id in sorted(active):
            if self._stop.is_set():
                return
            with self._lock:
                if cluster_id in self.servers or cluster_id in self._failed:
                    continue
            self._serve(cluster_id)

    def _serve(self, cluster_id: int) -> None:
        from .records import set_endpoint

        try:
            server = start_server(f"atmo-lab-cluster-{cluster_id}", die_with_thread=True)
        except Exception as exc:  # noqa: BLE001 - one failure per cluster is logged, not retried
            log.error("atmo_lab: no local Spark server for cluster %s: %s", cluster_id, exc)
            self._failed.add(cluster_id)
            return
        log.info(
            "atmo_lab: local Spark Connect server for cluster %s on port %s (%.1f s)",
            cluster_id, server.port, server.started_in,
        )  # fmt: skip
        with self._lock:
            if self._stop.is_set() or not set_endpoint(
                self.core, cluster_id, server.url, pyspark_version()
            ):
                server.stop()  # ended while the server started
                return
            self.servers[cluster_id] = server

    def release(self, cluster_id: int) -> None:
        """Stop the cluster's server (if any) and clear its URL."""
        from .records import clear_endpoint

        with self._lock:
            server = self.servers.pop(cluster_id, None)
        if server is None:
            return
        server.stop()
        clear_endpoint(self.core, cluster_id, server.url)

    def stop(self) -> None:
        """Stop the thread and every server (their clusters' URLs are cleared)."""
        self._stop.set()
        self._wake.set()
        with self._lock:
            ids = list(self.servers)
        for cluster_id in ids:
            try:
                self.release(cluster_id)
            except Exception:  # the store may be gone at shutdown: the JVM is stopped anyway
                log.exception("atmo_lab: clearing the Spark endpoint of %s failed", cluster_id)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(STOP_TIMEOUT + 5)


_hosts: dict[int, StandInHost] = {}
_hosts_lock = threading.Lock()


def host(core: Core) -> StandInHost:
    """Host stand-ins for `core`'s clusters in this process (once per core)."""
    with _hosts_lock:
        found = _hosts.get(id(core))
        if found is None:
            found = _hosts[id(core)] = StandInHost(core)
            found.start()
        return found


def hosted(core: Core) -> StandInHost | None:
    with _hosts_lock:
        return _hosts.get(id(core))


def cluster_changed(core: Core, cluster_id: int, ended: bool) -> None:
    """After a launch (``ended`` False) or an end seen here: serve or release it now."""
    found = hosted(core)
    if found is None:
        return
    if ended:
        found.release(cluster_id)
    found.wake()


def stop_hosting(core: Core | None = None) -> None:
    """Stop the stand-ins of `core` (every core's when None)."""
    with _hosts_lock:
        keys = [k for k in _hosts if core is None or k == id(core)]
        stopping = [_hosts.pop(k) for k in keys]
    for item in stopping:
        item.stop()


atexit.register(stop_hosting)
