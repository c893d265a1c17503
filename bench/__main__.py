"""``python -m bench [--smoke] [--only 1,3] [--results PATH]``: run the benchmarks, print one
table, write RESULTS.md.

Exit status: non-zero only when a benchmark crashed — never because a figure is slow.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
from pathlib import Path

from .common import Row, crash_row, load_average, log, text_table, versions, write_results

BENCHMARKS = {
    "1": ("sync_cost", "sync cost"),
    "2": ("list_latency", "list latency at scale"),
    "3": ("scheduling", "scheduling throughput"),
    "4": ("upload", "schedule-a-notebook"),
    "5": ("startup", "start-up cost"),
    "6": ("run_now", "run-now latency"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="small sizes (CI: under 2 minutes)")
    parser.add_argument("--only", default="", help="comma-separated benchmark numbers, e.g. 1,3")
    parser.add_argument("--results", default="", help="where to write the results (Markdown)")
    args = parser.parse_args(argv)
    size = "smoke" if args.smoke else "full"
    chosen = [b.strip() for b in args.only.split(",") if b.strip()] or list(BENCHMARKS)
    unknown = [b for b in chosen if b not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    here = Path(__file__).resolve().parent
    results = (
        Path(args.results)
        if args.results
        else here / ("RESULTS.md" if size == "full" else "RESULTS-smoke.md")
    )

    rows: list[Row] = []
    notes: list[str] = []
    crashed = False
    started = time.perf_counter()
    load_before = load_average()
    versions_at_start = versions()  # what is imported and measured (others may commit meanwhile)
    for number in chosen:
        module_name, title = BENCHMARKS[number]
        log(f"benchmark {number} ({title}), {size} sizes")
        t0 = time.perf_counter()
        try:
            module = importlib.import_module(f"bench.{module_name}")
            rows += module.run(size)
            notes += getattr(module, "NOTES", [])
        except Exception as exc:  # noqa: BLE001 - report, keep going, exit non-zero at the end
            crashed = True
            traceback.print_exc()
            rows.append(crash_row(f"{number} {title}", exc))
        log(f"benchmark {number} took {time.perf_counter() - t0:.1f} s")
    elapsed = time.perf_counter() - started

    print(text_table(rows))
    print(f"\n{size} run: {elapsed:.1f} s; results written to {results}")
    write_results(
        results,
        rows,
        size,
        elapsed,
        notes,
        {"load average at start": load_before, "load average at end": load_average()},
        versions_at_start,
    )
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
