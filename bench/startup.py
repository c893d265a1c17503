"""Benchmark 5 — start-up cost: ``jupyter server`` spawn to the first 200 on ``/api/status``.

The same server, same environment and same other extensions (whatever the venv enables:
jupyterlab, jupyter_lsp, …), with ``jpserver_extensions = {"atmo_lab": true}`` and
``{"atmo_lab": false}``, alternating, after one untimed start of each (the first start creates
the SQLite store and warms the OS file cache). atmo_lab runs with its defaults — the store under
the Jupyter data dir and the embedded worker on — with AWS pointed at the moto server.
"""

from __future__ import annotations

from .common import JupyterServer, Measure, MotoServer, Row, Workdir, log, median, row_from

RUNS = {"smoke": 2, "full": 9}
NOTES: list[str] = []


def run(size: str) -> list[Row]:
    times: dict[bool, list[float]] = {True: [], False: []}
    with Workdir("startup") as work, MotoServer(work) as moto:

        def start(enabled: bool) -> float:
            server = JupyterServer(
                work,
                name=f"startup-{'with' if enabled else 'without'}",
                extensions={"atmo_lab": enabled},
                env=moto.aws_env(),
            )
            try:
                return server.start()
            finally:
                server.stop()

        start(True), start(False)  # untimed warm-up
        for i in range(RUNS[size]):
            for enabled in (True, False) if i % 2 == 0 else (False, True):
                times[enabled].append(start(enabled))
            log(
                f"startup run {i + 1}: with {times[True][-1]:.2f} s, "
                f"without {times[False][-1]:.2f} s"
            )
    # Each pair of starts ran back to back; the median of the paired ratios resists load that
    # comes and goes over the run better than the ratio of the two medians.
    paired = median([w / wo for w, wo in zip(times[True], times[False], strict=True)])
    row = row_from(
        "5 start-up",
        "jupyter server → /api/status 200, with atmo_lab",
        Measure(times[True]),
        Measure(times[False]),
        "without atmo_lab",
        target="≤ 1.15",
    )
    note = f"ratio = median of {len(times[True])} paired ratios"
    if row.ratio is not None:
        note += f" (ratio of the medians: {row.ratio:.2f})"
    row.ratio, row.met, row.note = paired, paired <= 1.15, note
    return [row]
