"""``atmo-lab``: the demo, the team service, a standalone worker and one maintenance tick."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from typing import Any

from .core import Core
from .settings import load_settings


def _core(config_args: list[str]) -> Core:
    core = Core(load_settings(config_args))
    core.store.create_schema()
    return core


def tick(config_args: list[str]) -> int:
    """Run every periodic maintenance task once and print what each did."""
    from .worker.runtime import run_periodic_once

    core = _core(config_args)
    failed = False
    for name, report in run_periodic_once(core, raise_errors=False):
        if isinstance(report, Exception):
            failed = True
            print(f"{name}: FAILED: {report}")
        else:
            print(f"{name}: {_summary(report)}")
    core.close()
    return 1 if failed else 0


def _summary(report: Any) -> str:
    if isinstance(report, dict):
        return ", ".join(f"{k}={json.dumps(v, default=str)}" for k, v in report.items())
    return json.dumps(report, default=str)


def upload_bootstrap(config_args: list[str]) -> int:
    """Upload the EMR bootstrap scripts to the configured S3 URIs."""
    from .bootstrap import upload_bootstrap_scripts

    core = _core(config_args)
    for uri in upload_bootstrap_scripts(core):
        print(f"uploaded {uri}")
    core.close()
    return 0


def worker(config_args: list[str], threads: int | None) -> int:
    """Run a standalone huey consumer (signals: SIGINT stops gracefully)."""
    core = _core(config_args)
    consumer = core.worker.huey.create_consumer(
        workers=threads or core.settings.worker_threads,
        worker_type="thread",
        periodic=True,
        flush_locks=True,
    )
    print(f"atmo-lab worker: queue {core.settings.queue_url}", flush=True)
    consumer.run()
    core.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="atmo-lab",
        description="atmo_lab: EMR clusters and scheduled notebooks for JupyterLab.",
        epilog="Options like --AtmoLabApp.db_url=... are passed to the Jupyter config.",
    )
    parser.add_argument("--log-level", default="WARNING")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("tick", help="run every periodic maintenance task once, now")
    commands.add_parser(
        "upload-bootstrap", help="upload the EMR bootstrap scripts to the configured S3 URIs"
    )
    commands.add_parser("serve", help="the team service, run by JupyterHub (c.JupyterHub.services)")
    worker_cmd = commands.add_parser("worker", help="run a standalone huey consumer")
    worker_cmd.add_argument("--threads", type=int, default=None)
    demo = commands.add_parser("demo", help="JupyterLab on a local AWS emulator, no account needed")
    demo.add_argument("--no-browser", action="store_true", help="don't open a browser")
    demo.add_argument("--port", type=int, default=None, help="JupyterLab's port (default: free)")
    demo.add_argument("--dir", default=None, help="demo folder (default: ./atmo-lab-demo)")
    args, config_args = parser.parse_known_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    if args.command == "tick":
        return tick(config_args)
    if args.command == "upload-bootstrap":
        return upload_bootstrap(config_args)
    if args.command == "serve":
        from .team.service import serve

        return serve(config_args)
    if args.command == "worker":
        return worker(config_args, args.threads)
    from .demo import run_demo

    return run_demo(no_browser=args.no_browser, port=args.port, folder=args.dir, extra=config_args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
