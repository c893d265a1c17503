"""A cluster's Spark Connect endpoint: the master's ports, the SSH tunnel, the launch step,
the endpoint's URL and the readiness probe."""

from __future__ import annotations

import shlex
import socket
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

from .releases import has_token_auth, is_full_version, spark_line

SPARK_CONNECT_PORT = 15002
START_CONNECT_SERVER = "/usr/lib/spark/sbin/start-connect-server.sh"
STEP_NAME = "start-spark-connect"
PROBE_TIMEOUT = 1.0


class MasterPort(NamedTuple):
    name: str
    port: int


def master_ports(connect_port: int = SPARK_CONNECT_PORT) -> tuple[MasterPort, ...]:
    """The ports that listen on an EMR 7 master node and are worth forwarding."""
    return (
        MasterPort("Spark Connect", connect_port),
        MasterPort("YARN ResourceManager", 8088),
        MasterPort("Spark History Server", 18080),
    )


def ssh_tunnel(master_address: str, connect_port: int = SPARK_CONNECT_PORT) -> str:
    """One ``ssh -N`` command forwarding the master's ports to the same ports on this machine."""
    forwards = " ".join(f"-L {p.port}:localhost:{p.port}" for p in master_ports(connect_port))
    return f"ssh -N {forwards} hadoop@{master_address}"


def connect_url(host: str, port: int, token: str | None = None) -> str:
    """``sc://host:port``, with ``/;token=…`` when the endpoint checks a token."""
    url = f"sc://{host}:{port}"
    return f"{url}/;token={token}" if token else url


def connect_step(spark_version: str, port: int, token: str | None) -> dict[str, object]:
    """The EMR step that starts Spark Connect on the master (it must run as a step: a bootstrap
    action runs before Spark is installed).

    Spark 3.5 fetches the Connect jar of the cluster's own Spark version with ``--packages``
    (Spark 4 ships it). When only the Spark line is known, the step reads the exact version
    from the Spark installed on the node. A failure leaves the cluster running
    (ActionOnFailure CONTINUE): the cluster stays usable over SSH, and ``spark_connect_url``
    stays null.
    """
    confs = ["--conf", f"spark.connect.grpc.binding.port={port}"]
    if token and has_token_auth(spark_version):
        confs += ["--conf", f"spark.connect.authenticate.token={token}"]
    if spark_line(spark_version) >= (4, 0):
        args = [START_CONNECT_SERVER, *confs]
    elif is_full_version(spark_version):
        package = f"org.apache.spark:spark-connect_2.12:{spark_version}"
        args = [START_CONNECT_SERVER, "--packages", package, *confs]
    else:
        detect = (
            "v=$(spark-submit --version 2>&1 | "
            "sed -n 's/.*version \\([0-9]*\\.[0-9]*\\.[0-9]*\\).*/\\1/p' | head -n 1) && "
        )
        rest = " ".join(shlex.quote(a) for a in confs)
        script = (
            f"{detect}{START_CONNECT_SERVER} --packages "
            f'"org.apache.spark:spark-connect_2.12:$v" {rest}'
        )
        args = ["bash", "-c", script]
    return {
        "Name": STEP_NAME,
        "ActionOnFailure": "CONTINUE",
        "HadoopJarStep": {"Jar": "command-runner.jar", "Args": args},
    }


def is_loopback(host: str) -> bool:
    return host == "localhost" or host == "::1" or host.startswith("127.")


def port_accepts(host: str, port: int, timeout: float = PROBE_TIMEOUT) -> bool:
    """True when a TCP connection to host:port succeeds within `timeout` seconds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def probe_all(targets: list[tuple[str, int]], timeout: float = PROBE_TIMEOUT) -> list[bool]:
    """`port_accepts` for many endpoints at once (a sync pass waits for one timeout at most)."""
    if not targets:
        return []
    with ThreadPoolExecutor(max_workers=min(16, len(targets))) as pool:
        return list(pool.map(lambda t: port_accepts(t[0], t[1], timeout), targets))
