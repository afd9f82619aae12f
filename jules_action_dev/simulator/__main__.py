"""Command line for the simulator: ``python -m jules_action_dev.simulator``; does I/O (reads the
config file, serves HTTP, prints the listening line, handles SIGINT/SIGTERM).

Flags override values from ``--config``. Prints exactly one line on start:
``Jules simulator listening on http://127.0.0.1:PORT/v1alpha``.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from jules_action_dev.simulator.config import SimulatorConfig
from jules_action_dev.simulator.scenarios import SCENARIO_NAMES
from jules_action_dev.simulator.server import Simulator


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m jules_action_dev.simulator",
        description="Serve a local simulator of the Jules REST API v1alpha on 127.0.0.1.",
    )
    parser.add_argument("--config", type=Path, help="JSON config file (see the README)")
    parser.add_argument("--port", type=int, help="port to listen on; 0 picks a free one")
    parser.add_argument(
        "--api-key", action="append", dest="api_keys", help="accepted API key (repeatable)"
    )
    parser.add_argument(
        "--source",
        action="append",
        dest="sources",
        metavar="OWNER/REPO[@BRANCH]",
        help="connected GitHub repository (repeatable)",
    )
    parser.add_argument(
        "--scenario",
        dest="default_scenario",
        metavar="SPEC",
        help="default scenario, e.g. 'happy' or 'rate-limit-burst count=5'; one of "
        + ", ".join(SCENARIO_NAMES),
    )
    parser.add_argument("--time-scale", type=float, help="simulated seconds per real second")
    parser.add_argument(
        "--advance-per-get",
        type=float,
        metavar="SECONDS",
        help="each GET of a session advances that session's time by SECONDS",
    )
    parser.add_argument("--github-server-url", help="base of PR links (default https://github.com)")
    parser.add_argument("--max-concurrent-sessions", type=int, help="account concurrency cap")
    parser.add_argument("--daily-session-limit", type=int, help="sessions per simulated day")
    parser.add_argument("--seed", type=int, help="seed for ids and jitter")
    return parser


def build_config(args: argparse.Namespace) -> SimulatorConfig:
    """File values first, then every flag that was given. Raises ValueError/OSError."""
    values: dict[str, Any] = {}
    if args.config is not None:
        loaded = json.loads(args.config.read_text(encoding="utf-8"))
        if not isinstance(loaded, dict):
            raise ValueError("the config file must hold a JSON object")
        values.update(loaded)
    for name, value in vars(args).items():
        if name != "config" and value is not None:
            values[name] = value
    return SimulatorConfig.from_mapping(values)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = build_config(args)
    except (OSError, ValueError) as error:
        parser.error(str(error))
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    with Simulator(config) as simulator:
        print(f"Jules simulator listening on {simulator.base_url}", flush=True)
        # A timeout keeps the main thread responsive to signals on every platform.
        while not stop.wait(timeout=0.2):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
