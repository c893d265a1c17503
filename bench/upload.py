"""Benchmark 4 — schedule a notebook: ``POST /jobs`` with 1 MB and 50 MB notebooks.

Valid nbformat 4 notebooks of the given size (code cells with long sources, big stream outputs
and base64 PNG outputs) are scheduled through a real Jupyter server with atmo_lab (``emr``
executor; S3 is the moto server in its own process) two ways: the notebook JSON in the body
(``notebook`` + ``notebook_name``) and a file in the server's root (``notebook_path``, what the
notebook toolbar action sends). Baseline in the same run: a raw boto3 ``put_object`` of the same
bytes into the same bucket. Server memory: the server process's RSS sampled every 2 ms (psutil)
during the first upload of that size on a fresh server (after one small warm-up upload);
growth = peak - RSS before the request.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from typing_extensions import Self

from .common import (
    REGION,
    JupyterServer,
    Measure,
    MotoServer,
    Row,
    Workdir,
    atmo_config,
    log,
    row_from,
)

MB = 1_000_000
SIZES = {"smoke": [1], "full": [1, 50]}
REPS = {"smoke": {1: 3}, "full": {1: 30, 50: 5}}  # (1 MB: a request is ~20 ms, its noise ±30 %)
NOTES: list[str] = []


def make_notebook(size_bytes: int, seed: int = 0) -> dict[str, Any]:
    """A valid nbformat 4 notebook of about `size_bytes` (as saved by Jupyter, indent 1)."""
    import nbformat

    nb = _make_notebook(size_bytes, seed)
    actual = len(nbformat.writes(nbformat.from_dict(nb)))
    if abs(actual - size_bytes) > size_bytes * 0.02:  # calibrate the size estimate once
        nb = _make_notebook(int(size_bytes * size_bytes / actual), seed)
    return nb


def _make_notebook(size_bytes: int, seed: int) -> dict[str, Any]:
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    rng = _Rand(seed)
    nb = new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells.append(new_markdown_cell("# Telemetry report\n\nGenerated for the benchmark."))
    nb.cells.append(new_code_cell("day = 'yesterday'", metadata={"tags": ["parameters"]}))
    total = len(nbformat.writes(nb))
    i = 0
    while total < size_bytes:
        left = size_bytes - total
        source = "\n".join(
            f"df_{i}_{k} = spark.sql('SELECT * FROM main_summary WHERE sample_id = {k}')"
            for k in range(40)
        )
        chunk = min(left, 200_000)
        if i % 3 == 2:  # a plot: base64 PNG-ish payload
            png = base64.b64encode(rng.bytes(max(1, chunk * 3 // 4))).decode()
            output = new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"})
        else:  # a long stream of printed rows
            line = "row {:>8} | {:>12.6f} | {}\n"
            lines = []
            n = 0
            while n < chunk:
                text = line.format(n, rng.random(), rng.word())
                lines.append(text)
                n += len(text) + 2
            output = new_output("stream", name="stdout", text="".join(lines))
        cell = new_code_cell(source, execution_count=i + 1, outputs=[output])
        nb.cells.append(cell)
        total += len(json.dumps(cell, indent=1)) + 4
        i += 1
    nbformat.validate(nb)
    return dict(nb)


class _Rand:
    """Deterministic filler (no numpy, no os.urandom in the hot path)."""

    def __init__(self, seed: int) -> None:
        import random

        self._r = random.Random(seed)

    def bytes(self, n: int) -> bytes:
        return self._r.randbytes(n)

    def random(self) -> float:
        return self._r.random()

    def word(self) -> str:
        return "".join(self._r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(12))


class RssSampler:
    """Peak RSS of a process while a block runs (psutil, every `interval` seconds)."""

    def __init__(self, pid: int, interval: float = 0.002) -> None:
        import psutil

        self.proc = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()

    def rss(self) -> int:
        return int(self.proc.memory_info().rss)

    def __enter__(self) -> Self:
        self.before = self.rss()
        self.peak = self.before
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss())
            time.sleep(self.interval)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss())

    @property
    def growth(self) -> int:
        return self.peak - self.before


def _body(identifier: str, variant: str, nb: dict[str, Any] | None) -> bytes:
    body: dict[str, Any] = {
        "identifier": identifier,
        "description": "A big notebook, scheduled for the benchmark",
        "interval_in_hours": 24,
        "executor": "emr",
    }
    if variant == "inline":
        body.update(notebook=nb, notebook_name="big.ipynb")
    else:
        body["notebook_path"] = "big.ipynb"
    return json.dumps(body).encode()


def _post(server: JupyterServer, body: bytes) -> float:
    t0 = time.perf_counter()
    status, reply = server.http.request("POST", "/atmo-lab/api/jobs", body)
    elapsed = time.perf_counter() - t0
    if status != 201:
        raise RuntimeError(f"POST /jobs -> {status}: {reply[:300]!r}")
    return elapsed


def _server(work: Path, name: str, moto: MotoServer) -> JupyterServer:
    return JupyterServer(
        work,
        name=name,
        extensions={"atmo_lab": True},
        config=atmo_config(f"sqlite:///{work / (name + '.sqlite')}"),
        env=moto.aws_env(),
    )


def run(size: str) -> list[Row]:
    import boto3
    import nbformat

    rows: list[Row] = []
    variants = {"inline": "notebook in body", "path": "notebook_path"}
    with Workdir("upload") as work, MotoServer(work) as moto:
        moto.use()
        moto.reset()
        s3 = boto3.session.Session(region_name=REGION).client("s3")
        s3.put_object(Bucket="atmo-lab-code", Key="warmup", Body=b"x")
        small = make_notebook(20_000, seed=1)
        for mb in SIZES[size]:
            nb = make_notebook(mb * MB, seed=mb)
            data = nbformat.writes(nbformat.from_dict(nb)).encode()
            reps = REPS[size][mb]
            log(f"upload {mb} MB notebook ({len(data):,} bytes): fresh servers, memory")
            servers = {v: _server(work, f"upload-{mb}-{v}", moto) for v in variants}
            times: dict[str, list[float]] = {v: [] for v in variants}
            rss: dict[str, RssSampler] = {}
            raw: list[float] = []
            try:
                for variant, server in servers.items():
                    server.start()
                    (server.root / "big.ipynb").write_bytes(data)
                    _post(server, _body(f"warmup-{mb}-{variant}", "inline", small))
                for variant, server in servers.items():  # first big upload: peak RSS
                    body = _body(f"nb-{mb}-{variant}-0", variant, nb)
                    raw.append(_timed_put(s3, f"raw/{mb}/0/big.ipynb", data))
                    with RssSampler(server.pid) as rss[variant]:
                        times[variant].append(_post(server, body))
                    del body
                log(f"upload {mb} MB: {reps} rounds of put_object, POST (body), POST (path)")
                for i in range(1, reps):
                    raw.append(_timed_put(s3, f"raw/{mb}/{i}/big.ipynb", data))
                    for variant, server in servers.items():
                        body = _body(f"nb-{mb}-{variant}-{i}", variant, nb)
                        times[variant].append(_post(server, body))
                        del body
            finally:
                for server in servers.values():
                    server.stop()
            bench = f"4 upload ({mb} MB)"
            for variant, label in variants.items():
                rows.append(
                    row_from(
                        bench,
                        f"POST /jobs, {label}",
                        Measure(times[variant]),
                        Measure(raw),
                        "raw put_object",
                        limit=1.3,
                        target="≤ 1.3",
                    )
                )
            for variant, label in variants.items():
                r = rss[variant]
                rows.append(
                    row_from(
                        bench,
                        f"server RSS growth, {label}",
                        Measure([r.growth / MB], unit="MB", scale=1),
                        Measure([len(data) / MB], unit="MB", scale=1),
                        "notebook size",
                        limit=2.0,
                        target="< 2",
                        note=f"{label}: RSS {r.before / MB:.0f} MB before, peak "
                        f"{r.peak / MB:.0f} MB (first upload on a fresh server)",
                    )
                )
            del nb, data
    return rows


def _timed_put(s3: Any, key: str, data: bytes) -> float:
    t0 = time.perf_counter()
    s3.put_object(
        Bucket="atmo-lab-code", Key=key, Body=data, ContentType="application/x-ipynb+json"
    )
    elapsed = time.perf_counter() - t0
    s3.delete_object(Bucket="atmo-lab-code", Key=key)  # keep the emulator's memory flat
    return elapsed


if __name__ == "__main__":  # pragma: no cover - size check helper
    import sys

    import nbformat

    for mb in (1, 50):
        nb = make_notebook(mb * MB)
        print(mb, len(nbformat.writes(nbformat.from_dict(nb))), file=sys.stderr)
    os._exit(0)
