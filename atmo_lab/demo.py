"""``atmo-lab demo``: the whole product on this machine, on a local AWS emulator.

A moto server on a free loopback port (buckets created, an SES sender verified, sample data
seeded), the SQLite store and huey queue in a demo folder, the embedded worker,
``job_executor=local``, sample notebooks, a local Spark Connect server for every launched
cluster (with Java and ``atmo-lab[spark]``), then JupyterLab. Ctrl-C, SIGTERM and SIGHUP stop
everything and leave no child process behind.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import psutil

DEMO_REGION = "us-west-2"
DEMO_SENDER = "atmo-lab@demo.localhost"
SAMPLES = Path(__file__).parent / "samples"
# The PySpark sample notebook's input, in the emulator's S3.
SAMPLE_DATA_BUCKET = "atmo-lab-sample-data"
SAMPLE_DATA_KEY = "trips.csv"
DEMO_BUCKETS = (
    "atmo-lab-code", "atmo-lab-public-data", "atmo-lab-private-data", "atmo-lab-logs",
    SAMPLE_DATA_BUCKET,
)  # fmt: skip
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Stopped(Exception):
    """SIGTERM or SIGHUP asked the demo to stop (handled as Ctrl-C is)."""


def sample_trips_csv(rows: int = 90) -> bytes:
    """Deterministic trips (city, distance_km, minutes) for the PySpark sample notebook."""
    cities = ("Berlin", "Paris", "Toronto")
    lines = ["city,distance_km,minutes"]
    for i in range(rows):
        distance = round(1.5 + (i * 7 % 23) * 0.8, 1)
        lines.append(f"{cities[i % 3]},{distance},{int(distance * 3 + i % 5)}")
    return ("\n".join(lines) + "\n").encode()


def seed_sample_data(s3: Any) -> None:
    """The sample notebooks' input bucket and object."""
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if SAMPLE_DATA_BUCKET not in existing:
        s3.create_bucket(
            Bucket=SAMPLE_DATA_BUCKET,
            CreateBucketConfiguration={"LocationConstraint": DEMO_REGION},
        )
    s3.put_object(Bucket=SAMPLE_DATA_BUCKET, Key=SAMPLE_DATA_KEY, Body=sample_trips_csv())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_emulator() -> tuple[Any, str]:
    """A moto server on loopback with the demo's buckets and a verified SES sender."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        raise SystemExit(
            "atmo-lab demo needs the local AWS emulator: pip install 'atmo-lab[demo]'"
        ) from None

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per emulator request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    seed_emulator(endpoint)
    return server, endpoint


def seed_emulator(endpoint: str) -> None:
    """Create the demo's buckets and verify its SES sender on the emulator at `endpoint`."""
    import boto3

    session = boto3.session.Session(
        aws_access_key_id="demo", aws_secret_access_key="demo", region_name=DEMO_REGION
    )
    s3 = session.client("s3", endpoint_url=endpoint)
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    for bucket in DEMO_BUCKETS:
        if bucket not in existing:
            s3.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": DEMO_REGION}
            )
    session.client("ses", endpoint_url=endpoint).verify_email_identity(EmailAddress=DEMO_SENDER)
    seed_sample_data(s3)
    from .bootstrap import CLUSTER_SCRIPT, JOB_SCRIPT

    for script in (CLUSTER_SCRIPT, JOB_SCRIPT):  # where the default settings point
        s3.put_object(
            Bucket="atmo-lab-code", Key=f"bootstrap/{script.name}", Body=script.read_bytes()
        )


def demo_environment(endpoint: str) -> dict[str, str]:
    """The server's (and its kernels') environment: emulator endpoint and dummy credentials."""
    env = dict(os.environ)
    for key in [k for k in env if k.startswith("AWS_")]:
        env.pop(key)
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="demo",
        AWS_SECRET_ACCESS_KEY="demo",
        AWS_DEFAULT_REGION=DEMO_REGION,
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def prepare_folder(folder: Path) -> Path:
    """The demo folder with its notebooks root; sample notebooks are copied once."""
    root = folder / "notebooks"
    root.mkdir(parents=True, exist_ok=True)
    for sample in SAMPLES.glob("*.ipynb"):
        target = root / sample.name
        if not target.exists():
            shutil.copyfile(sample, target)
    return root


def spark_missing() -> str | None:
    """Why the demo's clusters get no local Spark (None when they do)."""
    from .spark_connect.errors import INSTALL_SPARK
    from .spark_connect.local import java_missing

    try:
        import pyspark  # noqa: F401
    except ImportError:
        return f"pyspark is not installed ({INSTALL_SPARK})"
    return java_missing()


def lab_command(
    folder: Path, root: Path, port: int, token: str, open_browser: bool, spark: bool = True
) -> list[str]:
    db = folder / "atmo_lab.sqlite"
    return [
        sys.executable, "-m", "jupyter", "lab",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.open_browser={open_browser}",
        f"--AtmoLabApp.db_url=sqlite:///{db}",
        f"--AtmoLabApp.queue_url=sqlite:///{folder / 'atmo_lab-queue.sqlite'}",
        f"--AtmoLabApp.region={DEMO_REGION}",
        "--AtmoLabApp.job_executor=local",
        "--AtmoLabApp.embedded_worker=True",
        f"--AtmoLabApp.mail_sender={DEMO_SENDER}",
        "--AtmoLabApp.email_domain=demo.localhost",
        "--AtmoLabApp.environment=demo",
        f"--AtmoLabApp.spark_stand_in={spark}",
    ] + (["--ServerApp.allow_root=True"] if os.geteuid() == 0 else [])  # fmt: skip


def wait_until_up(url: str, token: str, process: subprocess.Popen[bytes], timeout: float) -> bool:
    request = urllib.request.Request(
        f"{url}api/status", headers={"Authorization": f"token {token}"}
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def stop_tree(process: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    """Stop JupyterLab gracefully (it shuts its kernels down), then anything left of its tree."""
    try:
        parent = psutil.Process(process.pid)
        descendants = parent.children(recursive=True)
    except psutil.NoSuchProcess:
        descendants = []
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
    alive = [p for p in descendants if p.is_running()]
    for child in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.terminate()
    _, still = psutil.wait_procs(alive, timeout=5)
    for child in still:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()


def _raise_stopped(signum: int, _frame: Any) -> None:
    raise Stopped(signal.Signals(signum).name)


def run_demo(
    no_browser: bool = False,
    port: int | None = None,
    folder: str | None = None,
    extra: list[str] | None = None,
) -> int:
    """Run the demo until Ctrl-C, SIGTERM or SIGHUP; the exit code of JupyterLab."""
    demo_dir = Path(folder or "atmo-lab-demo").resolve()
    root = prepare_folder(demo_dir)
    handlers = {sig: signal.signal(sig, _raise_stopped) for sig in STOP_SIGNALS[1:]}
    server, endpoint = start_emulator()
    port = port or free_port()
    token = secrets.token_hex(16)
    no_spark = spark_missing()
    command = lab_command(demo_dir, root, port, token, not no_browser, no_spark is None)
    command += list(extra or [])
    # Its own session: a terminal's Ctrl-C reaches only us, and we stop JupyterLab cleanly.
    process = subprocess.Popen(command, env=demo_environment(endpoint), start_new_session=True)
    base = f"http://127.0.0.1:{port}/"
    interrupted = False
    try:
        if not wait_until_up(base, token, process, timeout=120):
            print("atmo-lab demo: JupyterLab did not start", file=sys.stderr)
            return 1
        (demo_dir / "demo.json").write_text(
            json.dumps({"url": base, "token": token, "aws_endpoint": endpoint}, indent=2)
        )
        spark = (
            "Every cluster you launch gets a local Spark Connect server."
            if no_spark is None
            else f"Clusters get no local Spark: {no_spark}."
        )
        print(
            f"\natmo-lab demo is running on a local AWS emulator ({endpoint}).\n"
            f"Open: {base}lab?token={token}\n{spark}\n"
            f"Demo folder: {demo_dir}\nPress Ctrl-C to stop everything.\n",
            flush=True,
        )
        return process.wait()
    except (KeyboardInterrupt, Stopped):
        interrupted = True
        return 0
    finally:
        # No second signal may orphan the children while they stop.
        previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in STOP_SIGNALS}
        stop_tree(process)
        server.stop()
        for sig in STOP_SIGNALS:
            signal.signal(sig, handlers.get(sig, previous[sig]))
        if interrupted:
            print("atmo-lab demo: stopped.", flush=True)
