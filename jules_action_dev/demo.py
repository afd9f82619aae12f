"""``python -m jules_action_dev demo``: the whole flow on this machine, with no credentials.

Starts the Jules simulator and the GitHub stand-in on loopback, seeds the stand-in with the
issue from a real webhook payload (``demo_data/``), and runs the action's real code path
(``cli.run_from_environ``, PyGithub over HTTP, the Jules client over HTTP) for one trigger, a
label, a ``/jules`` comment, a schedule or a dispatch, or for the recommended set-up: a
label run that hands off at once and the scheduled reconcile workflow that finishes the
request. Every change to the issue thread is printed as it happens.

Time is simulated: the simulator, the stand-in and the action share one clock that runs
``--time-scale`` times faster than real time, so every wait of the action (polls, retries,
the grace period after COMPLETED, the reconcile schedule) shrinks with it. Scripted flags
answer Jules's question (``--answer``) or approve its plan (``--approve``) the way a
maintainer would: with a ``/jules`` comment on the issue. Does I/O: servers, a temp dir.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

from jules_action.cli import run_from_environ
from jules_action.github_port import GitHubPort
from jules_action.github_pygithub import build_github_port
from jules_action.tracker import OPEN_LABEL
from jules_action.tracking import MARKER_PREFIX
from jules_action_dev.simulator import SCENARIO_NAMES, Simulator, SimulatorConfig, SourceConfig
from jules_action_dev.simulator.clock import ScaledClock
from jules_action_dev.standin.render import format_change
from jules_action_dev.standin.server import GitHubStandin
from jules_action_dev.standin.state import ChangeEvent, RepositoryState

DEMO_KEY = "demo-jules-key"
DEMO_TOKEN = "demo-github-token"
TRIGGERS = ("label", "comment", "schedule", "dispatch", "handoff")
RECONCILE_EVERY = 10 * 60.0  # simulated seconds between reconcile passes (a */10 cron)
RECONCILE_PASSES = 12

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


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return value


def _minutes(text: str) -> str:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of minutes") from None
    if not 0 <= value <= 355:
        raise argparse.ArgumentTypeError(f"must be between 0 and 355, got {text!r}")
    return text


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m jules_action_dev demo",
        description="Run jules-action end to end against the Jules simulator and a local "
        "stand-in for the GitHub issue thread. Time is simulated and sped up.",
        epilog="Examples: --trigger comment; --trigger handoff; --scenario user-feedback "
        "--answer 'Yes, keep it compatible.'; --require-plan-approval --approve",
    )
    parser.add_argument(
        "--trigger",
        default="label",
        choices=TRIGGERS,
        help="what starts the request: the trigger label on the issue, a /jules comment, a "
        "schedule or a workflow_dispatch run (with a prompt), or 'handoff': the label with "
        "wait-minutes 0 and the reconcile workflow finishing it (the recommended set-up)",
    )
    parser.add_argument(
        "--scenario",
        default="happy",
        choices=SCENARIO_NAMES,
        metavar="NAME",
        help=f"what the simulated session does: {', '.join(SCENARIO_NAMES)} (default happy)",
    )
    parser.add_argument(
        "--time-scale",
        type=_positive,
        default=150.0,
        help="simulated seconds per real second for the whole demo (default 150: a "
        "20-minute session in 8 s)",
    )
    parser.add_argument(
        "--wait-minutes",
        type=_minutes,
        default="30",
        help="the action's wait-minutes input, in simulated minutes (default 30)",
    )
    parser.add_argument(
        "--require-plan-approval",
        action="store_true",
        help="make Jules wait for its plan to be approved (see --approve)",
    )
    parser.add_argument(
        "--approve",
        action="store_true",
        help="when Jules shows its plan, approve it with a '/jules approve' comment",
    )
    parser.add_argument(
        "--answer",
        metavar="TEXT",
        help="when Jules asks a question (try --scenario user-feedback), answer it with "
        "'/jules TEXT'",
    )
    parser.add_argument(
        "--prompt",
        default="Fix the spelling of 'commit' in the README.",
        help="the task for --trigger schedule or dispatch",
    )
    return parser


def run_demo(argv: Sequence[str], *, stdout: TextIO) -> int:
    args = parser().parse_args(list(argv))
    with _Demo(args, stdout) as demo:
        return demo.run()


def _payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        resources.files("jules_action_dev").joinpath(f"demo_data/{name}.json").read_bytes()
    )
    return data


class DemoClock:
    """The action's clock in the demo: the simulator's sped-up time, and sleeps to match.

    ``now`` is the simulated instant (so timestamps on the stand-in and the elapsed times in
    the tracking comment agree with the session), ``monotonic`` runs ``scale`` times faster
    than real time, and ``sleep(s)`` takes ``s / scale`` real seconds: every wait of the
    action, including the grace period after COMPLETED, is in simulated seconds.
    """

    def __init__(self, sim: ScaledClock) -> None:
        self.sim = sim
        self.scale = sim.time_scale
        self._start = time.monotonic()

    def monotonic(self) -> float:
        return (time.monotonic() - self._start) * self.scale

    def now(self) -> datetime:
        return self.sim.now()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds / self.scale)


class _Demo:
    """The servers, the issue, the clock, and the runs of one demo."""

    def __init__(self, args: argparse.Namespace, stdout: TextIO) -> None:
        self.args = args
        self.printer = _Printer(stdout)
        self.clock = DemoClock(ScaledClock(args.time_scale))
        labeled = _payload("issues.labeled")
        repo, issue = labeled["repository"], labeled["issue"]
        self.label = labeled["label"]["name"]
        self.state = RepositoryState(
            owner=repo["owner"]["login"],
            name=repo["name"],
            default_branch=repo.get("default_branch") or "main",
            now=self.clock.now,
        )
        self.issue = self.state.create_issue(
            title=issue["title"], body=issue.get("body") or "", author=issue["user"]["login"]
        ).number
        self.maintainer = labeled["sender"]["login"]
        self.state.add_observer(self.printer.change)
        config = SimulatorConfig(
            api_keys=(DEMO_KEY,),
            sources=(SourceConfig(self.state.owner, self.state.name, self.state.default_branch),),
            default_scenario=args.scenario,
            time_scale=args.time_scale,
        )
        self.simulator = Simulator(
            config, clock=self.clock.sim, on_pull_request=self.state.open_pull_for_jules
        )
        self.github = GitHubStandin(self.state, token=DEMO_TOKEN)
        self._tmp = tempfile.TemporaryDirectory(prefix="jules-action-demo-")
        self.work = Path(self._tmp.name)
        self.runs = 0

    def __enter__(self) -> _Demo:
        self.simulator.__enter__()
        self.github.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.github.__exit__(None, None, None)
        self.simulator.__exit__(None, None, None)
        self._tmp.cleanup()

    # --- the story ---------------------------------------------------------------------

    def run(self) -> int:
        trigger = self.args.trigger
        self.printer.line(
            f"jules-action demo: {self._what(trigger)} on {self.state.full_name}; scenario "
            f"'{self.args.scenario}'; time runs {self.args.time_scale:g}x faster than real time."
        )
        self.printer.line(
            f"Jules simulator: {self.simulator.base_url}   GitHub stand-in: {self.github.api_url}"
        )
        if trigger == "handoff":
            code = self._handoff()
        elif trigger in ("schedule", "dispatch"):
            code = self._task(trigger)
        else:
            code, outputs = self._issue_run(trigger)
            code = self._follow_up(code, outputs)
        self.printer.line("")
        if trigger not in ("schedule", "dispatch"):
            self.printer.line("── The issue thread at the end " + "─" * 50)
            self.printer.line(self.github.render_thread(self.issue))
        self.printer.line(
            f"── Exit code {code}; Jules API requests made: {len(self.simulator.requests)}; "
            f"{self.clock.monotonic() / 60:.0f} simulated minutes"
        )
        return code

    def _what(self, trigger: str) -> str:
        return {
            "label": f"issue #{self.issue} gets the label '{self.label}' (a real issues.labeled "
            "webhook payload)",
            "comment": f"a maintainer comments '/jules ...' on issue #{self.issue} (a real "
            "issue_comment.created payload)",
            "schedule": "a scheduled run with a prompt (no issue)",
            "dispatch": "a workflow_dispatch run with a prompt (no issue)",
            "handoff": f"issue #{self.issue} gets the label; the run hands off at once "
            "(wait-minutes 0) and the scheduled reconcile workflow finishes the request",
        }[trigger]

    def _issue_run(self, trigger: str, **inputs: str) -> tuple[int, dict[str, str]]:
        if trigger == "label":
            payload = copy.deepcopy(_payload("issues.labeled"))
            # The label is added now (the payload's updated_at is when a label was added).
            payload["issue"]["updated_at"] = self.clock.now().isoformat()
            return self._job("issues", payload, **inputs)
        return self._comment("/jules Please fix the spelling of 'commit'.", **inputs)

    def _comment(self, body: str, **inputs: str) -> tuple[int, dict[str, str]]:
        """A maintainer's comment on the thread, and the ``issue_comment`` run it starts."""
        record = self.state.add_comment(self.issue, body, author=self.maintainer)
        payload = copy.deepcopy(_payload("issue_comment.created"))
        payload["comment"].update(
            id=record.id,
            body=body,
            created_at=record.created_at.isoformat(),
            updated_at=record.updated_at.isoformat(),
        )
        payload["issue"]["number"] = self.issue
        return self._job("issue_comment", payload, **inputs)

    def _follow_up(self, code: int, outputs: dict[str, str]) -> int:
        """Answer Jules's question or approve its plan when the flags say so."""
        for _ in range(3):
            if outputs.get("outcome") != "needs-input":
                return code
            waiting = "plan" if "plan" in outputs.get("message", "") else "question"
            if waiting == "plan" and self.args.approve:
                self.printer.line("\n── A maintainer approves the plan " + "─" * 46)
                code, outputs = self._comment("/jules approve")
            elif waiting == "question" and self.args.answer:
                self.printer.line("\n── A maintainer answers the question " + "─" * 43)
                code, outputs = self._comment(f"/jules {self.args.answer}")
            else:
                flag = "--approve" if waiting == "plan" else "--answer 'your answer'"
                self.printer.line(
                    f"\nJules waits for a person. Run the demo again with {flag} to reply "
                    "with a /jules comment, as a maintainer would on GitHub."
                )
                return code
        return code

    def _task(self, trigger: str) -> int:
        name = "schedule" if trigger == "schedule" else "workflow_dispatch"
        payload = copy.deepcopy(_payload(name))
        code, _ = self._job(name, payload, prompt=self.args.prompt)
        return code

    def _handoff(self) -> int:
        code, outputs = self._issue_run("label", **{"wait-minutes": "0"})
        if outputs.get("outcome") != "handed-off":
            return code
        for number in range(1, RECONCILE_PASSES + 1):
            if OPEN_LABEL not in self._labels():
                break
            self.clock.sleep(RECONCILE_EVERY)
            self.printer.line(
                f"\n── Reconcile pass {number} (the scheduled workflow, every "
                f"{RECONCILE_EVERY / 60:.0f} simulated minutes) " + "─" * 20
            )
            code, _ = self._job("", None, mode="reconcile")
            code = self._reply_if_waiting(code)
        return code

    def _reply_if_waiting(self, code: int) -> int:
        """In the hand-off set-up, a reply is a comment run, with wait-minutes 0 as well."""
        headline = self._headline()
        if "Jules has a plan" in headline and self.args.approve:
            self.printer.line("\n── A maintainer approves the plan " + "─" * 46)
            code, _ = self._comment("/jules approve", **{"wait-minutes": "0"})
        elif "Jules has a question" in headline and self.args.answer:
            self.printer.line("\n── A maintainer answers the question " + "─" * 43)
            code, _ = self._comment(f"/jules {self.args.answer}", **{"wait-minutes": "0"})
        return code

    def _headline(self) -> str:
        """The first line of the latest tracking comment (the notices stay; the record moves)."""
        records = [
            c.body
            for c in self.state.list_comments(self.issue)
            if c.user.login == self.state.actor and MARKER_PREFIX in c.body
        ]
        return records[-1].splitlines()[0] if records else ""

    def _labels(self) -> list[str]:
        return [label.name for label in self.state.get_issue(self.issue).labels]

    # --- one workflow run ---------------------------------------------------------------

    def _job(
        self, event_name: str, payload: dict[str, Any] | None, **inputs: str
    ) -> tuple[int, dict[str, str]]:
        self.runs += 1
        where = self.work / f"run-{self.runs}"
        where.mkdir()
        environ = {
            "GITHUB_REPOSITORY": self.state.full_name,
            "GITHUB_API_URL": self.github.api_url,
            "GITHUB_SERVER_URL": self.github.api_url,
            "GITHUB_RUN_ID": str(100 + self.runs),
            "GITHUB_OUTPUT": str(where / "output"),
            "GITHUB_STEP_SUMMARY": str(where / "summary.md"),
            "INPUT_JULES-API-KEY": DEMO_KEY,
            "INPUT_GITHUB-TOKEN": DEMO_TOKEN,
            "INPUT_JULES-API-URL": self.simulator.base_url,
            "INPUT_TRIGGER-LABEL": self.label,
            "INPUT_WAIT-MINUTES": self.args.wait_minutes,
            "INPUT_REQUIRE-PLAN-APPROVAL": str(self.args.require_plan_approval).lower(),
        }
        if payload is not None:
            (where / "event.json").write_text(json.dumps(payload), encoding="utf-8")
            environ["GITHUB_EVENT_NAME"] = event_name
            environ["GITHUB_EVENT_PATH"] = str(where / "event.json")
        environ.update({f"INPUT_{key.upper()}": value for key, value in inputs.items()})
        what = "reconcile" if payload is None else event_name
        self.printer.line(f"\n── Workflow run {100 + self.runs}: {what} " + "─" * 50)
        code = run_from_environ(
            environ,
            stdout=self.printer.stream("action"),
            clock=self.clock,
            github_factory=_fast_github,
        )
        text = (where / "output").read_text(encoding="utf-8")
        self.printer.line("── Step outputs " + "─" * 64)
        self.printer.line(_shown_outputs(text))
        return code, _outputs(text)


def _outputs(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT lines: ``name=value`` or ``name<<DELIM`` ... ``DELIM``."""
    found: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        name, sep, value = line.partition("=")
        if "<<" in name:
            name, delimiter = line.split("<<", 1)
            body: list[str] = []
            for inner in lines:
                if inner == delimiter:
                    break
                body.append(inner)
            found[name] = "\n".join(body)
        elif sep:
            found[name] = value
    return found


def _shown_outputs(text: str) -> str:
    """The outputs set, as ``name=value`` lines (multi-line values shortened to one line)."""
    shown = []
    for name, value in _outputs(text).items():
        if not value or value == "[]":
            continue
        first, _, rest = value.partition("\n")
        shown.append(f"{name}={first}{' …' if rest else ''}")
    return "\n".join(shown)


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
