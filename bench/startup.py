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
# ``jupyter server`` as a default ``pip install atmo-lab`` has it: without the optional redis and
# psycopg packages (the dev venv has them, and huey imports both when they are importable).
DEFAULT_INSTALL = [
    "-c",
    (
        "import sys; sys.modules.update(redis=None, psycopg=None); "
        "from jupyter_server.serverapp import main; sys.exit(main())"
    ),
]
VARIANTS = {  # name: (atmo_lab enabled, launcher)
    "with": (True, None),
    "without": (False, None),
    "with, default install": (True, DEFAULT_INSTALL),
    "without, default install": (False, DEFAULT_INSTALL),
}
PAIRS = (("with", "without"), ("with, default install", "without, default install"))


def run(size: str) -> list[Row]:
    pairs = PAIRS if size == "full" else PAIRS[:1]
    variants = [v for pair in pairs for v in pair]
    wall: dict[str, list[float]] = {v: [] for v in VARIANTS}
    cpu: dict[str, list[float]] = {v: [] for v in VARIANTS}
    with Workdir("startup") as work, MotoServer(work) as moto:

        def start(variant: str) -> tuple[float, float]:
            enabled, launcher = VARIANTS[variant]
            server = JupyterServer(
                work,
                name=f"startup-{'with' if enabled else 'without'}",
                extensions={"atmo_lab": enabled},
                env=moto.aws_env(),
            )
            if launcher:
                server.launcher = launcher
            try:
                return server.start(), server.ready_cpu
            finally:
                server.stop()

        for variant in variants:  # untimed warm-up (creates the store, warms the page cache)
            start(variant)
        for i in range(RUNS[size]):
            for pair in pairs:
                for variant in pair if i % 2 == 0 else pair[::-1]:
                    w, c = start(variant)
                    wall[variant].append(w)
                    cpu[variant].append(c)
            log(
                f"startup run {i + 1}: "
                + ", ".join(f"{v} {wall[v][-1]:.2f} s ({cpu[v][-1]:.2f} s CPU)" for v in variants)
            )
    rows = []
    for with_, without in pairs:
        extra = with_[len("with") :]
        for label, samples, limit in (("wall", wall, 1.15), ("server CPU", cpu, None)):
            rows.append(_row(f"spawn → /api/status 200{extra}: {label}", samples[with_],
                             samples[without], limit))  # fmt: skip
    return rows


def _row(case: str, with_: list[float], without: list[float], limit: float | None) -> Row:
    # Each pair of starts ran back to back; the median of the paired ratios resists load that
    # comes and goes better than the ratio of the two medians.
    paired = median([a / b for a, b in zip(with_, without, strict=True)])
    row = row_from(
        "5 start-up", case, Measure(with_), Measure(without), "without atmo_lab",
        target="≤ 1.15" if limit else "",
    )  # fmt: skip
    note = f"{case}: ratio = median of {len(with_)} paired ratios"
    if row.ratio is not None:
        note += f" (ratio of the medians {row.ratio:.2f})"
    if limit is None:
        note += "; CPU seconds the server used until its first 200 (inflated least by load)"
    row.ratio, row.note = paired, note
    row.met = paired <= limit if limit else None
    return row
