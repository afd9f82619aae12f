"""``python -m jules_action_dev demo``: the whole flow on this machine, with no credentials.

Starts the Jules simulator and the GitHub stand-in on loopback, seeds the stand-in with the
issue from a real ``issues.labeled`` webhook payload (``demo_data/``), and runs the action's
real code path (``cli.run_from_environ``, PyGithub over HTTP, the Jules client over HTTP)
while printing every change to the issue thread as it happens. Does I/O: servers, a temp dir.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

from jules_action.cli import run_from_environ
from jules_action.github_port import GitHubPort
from jules_action.github_pygithub import build_github_port
from jules_action_dev.simulator import SCENARIO_NAMES, Simulator, SimulatorConfig, SourceConfig
from jules_action_dev.standin.render import format_change
from jules_action_dev.standin.server import GitHubStandin
from jules_action_dev.standin.state import ChangeEvent, RepositoryState

DEMO_KEY = "demo-jules-key"
DEMO_TOKEN = "demo-github-token"


USAGE = """usage: python -m jules_action_dev demo [--help] [options]

  demo   run jules-action end to end against the Jules simulator and a local stand-in
         for the GitHub issue thread (no credentials, nothing leaves this machine)

The simulator alone: python -m jules_action_dev.simulator --help
"""


def main(argv: Sequence[str], *, stdout: TextIO) -> int:
    """``python -m jules_action_dev``: dispatch to the demo; usage errors exit 2."""
    if argv[:1] == ["demo"]:
        return run_demo(argv[1:], stdout=stdout)
    if list(argv) in (["-h"], ["--help"]):
        stdout.write(USAGE)
        return 0
    sys.stderr.write(USAGE)
    return 2


def run_demo(argv: Sequence[str], *, stdout: TextIO) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m jules_action_dev demo",
        description="Run jules-action end to end against the Jules simulator and a local "
        "stand-in for the GitHub issue thread.",
    )
    parser.add_argument("--scenario", default="happy", choices=SCENARIO_NAMES)
    parser.add_argument(
        "--time-scale",
        type=float,
        default=150.0,
        help="simulated seconds per real second (default 150: a 20-minute session in 8 s)",
    )
    parser.add_argument("--wait-minutes", default="5", help="the action's wait-minutes input")
    args = parser.parse_args(list(argv))

    payload: dict[str, Any] = json.loads(
        resources.files("jules_action_dev").joinpath("demo_data/issues.labeled.json").read_bytes()
    )
    repo, issue, label = payload["repository"], payload["issue"], payload["label"]["name"]
    printer = _Printer(stdout)
    state = RepositoryState(
        owner=repo["owner"]["login"],
        name=repo["name"],
        default_branch=repo.get("default_branch") or "main",
    )
    state.create_issue(
        title=issue["title"], body=issue.get("body") or "", author=issue["user"]["login"]
    )
    state.add_observer(printer.change)

    config = SimulatorConfig(
        api_keys=(DEMO_KEY,),
        sources=(SourceConfig(state.owner, state.name, state.default_branch),),
        default_scenario=args.scenario,
        time_scale=args.time_scale,
    )
    printer.line(
        f"jules-action demo: issue #{issue['number']} of {state.full_name} gets the label "
        f"'{label}' (a real issues.labeled webhook payload); scenario '{args.scenario}'."
    )
    with (
        Simulator(config, on_pull_request=state.open_pull_for_jules) as sim,
        GitHubStandin(state, token=DEMO_TOKEN) as github,
        tempfile.TemporaryDirectory(prefix="jules-action-demo-") as tmp,
    ):
        work = Path(tmp)
        (work / "event.json").write_text(json.dumps(payload), encoding="utf-8")
        environ = {
            "GITHUB_EVENT_NAME": "issues",
            "GITHUB_EVENT_PATH": str(work / "event.json"),
            "GITHUB_REPOSITORY": state.full_name,
            "GITHUB_API_URL": github.api_url,
            "GITHUB_SERVER_URL": github.api_url,
            "GITHUB_RUN_ID": "1",
            "GITHUB_OUTPUT": str(work / "output"),
            "GITHUB_STEP_SUMMARY": str(work / "summary.md"),
            "INPUT_JULES-API-KEY": DEMO_KEY,
            "INPUT_GITHUB-TOKEN": DEMO_TOKEN,
            "INPUT_JULES-API-URL": sim.base_url,
            "INPUT_TRIGGER-LABEL": label,
            "INPUT_POLL-INTERVAL": "0.5",
            "INPUT_WAIT-MINUTES": args.wait_minutes,
        }
        printer.line(f"Jules simulator: {sim.base_url}   GitHub stand-in: {github.api_url}")
        printer.line("")
        code = run_from_environ(
            environ, stdout=printer.stream("action"), github_factory=_fast_github
        )
        printer.line("")
        printer.line("── The issue thread at the end " + "─" * 50)
        printer.line(github.render_thread(int(issue["number"])))
        printer.line("── Step outputs " + "─" * 64)
        printer.line((work / "output").read_text(encoding="utf-8").rstrip())
        printer.line(f"── Exit code {code}; Jules API requests made: {len(sim.requests)}")
    return code


def _fast_github(*, token: str, api_url: str, repository: str) -> GitHubPort:
    """PyGithub without its write throttle: the stand-in has no rate limits."""
    return build_github_port(
        token=token,
        api_url=api_url,
        repository=repository,
        seconds_between_requests=0,
        seconds_between_writes=0,
    )


class _Printer:
    """Prints action log lines and issue-thread changes as they happen, with elapsed time."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._lock = threading.Lock()
        self._start = time.monotonic()

    def line(self, text: str) -> None:
        with self._lock:
            self._out.write(text + "\n")
            self._out.flush()

    def change(self, event: ChangeEvent) -> None:
        self.line(f"{self._clock()} issue thread │ {format_change(event)}")

    def stream(self, name: str) -> TextIO:
        printer = self

        class _Stream:
            def write(self, text: str) -> int:
                for part in text.splitlines():
                    if part and not part.startswith("::add-mask::"):
                        printer.line(f"{printer._clock()} {name:>12} │ {part}")
                return len(text)

            def flush(self) -> None:
                printer._out.flush()

        return _Stream()  # type: ignore[return-value]

    def _clock(self) -> str:
        return f"[{time.monotonic() - self._start:5.1f}s]"
