"""The official Jules SDK and this action, side by side on the same simulated sessions.

For each timeline (a simulator scenario) and each of ``PHASES`` phases (the session's queue
time, which shifts the whole timeline against every client's poll grid), it runs:

- **SDK**: ``@google/jules-sdk`` 0.2.0, ``jules.run()`` + ``result()`` with its default 5 s
  polling, in Node (``bench/sdk_driver.mjs``), making its own HTTP requests to the simulator;
  its poll sleeps move the bench's clock instead of waiting;
- **in-job**: the action with its defaults (``wait-minutes: 30``, default ``poll-interval``),
  one job that waits for the session;
- **event**: the event-driven path: a hand-off job (``wait-minutes: 0``), then the
  ``pull_request`` event reaching the action ``EVENT_DELAY`` seconds after the PR opens, and
  the real ``pull_events.handle_pull_request`` in one job (it confirms the PR with one
  ``sessions.get`` and finishes the request). On a tree without ``pull_events`` a model of
  it stands in (``modelled_pull_request_run``: the same steps with ``session_of_pull`` and
  ``sessions.observe``, two ``sessions.get``), and the table says "(modelled)".

and prints per client and timeline: Jules requests, PR-to-link latency (p50 and max over the
phases), whether the PR was found, GitHub writes, runner seconds (simulated job time summed,
plus ``OVERHEAD_PER_JOB`` per job), and the ratios to the SDK.

Usage, from the repository root: ``.venv/bin/python bench/sdk_vs_action.py`` (needs Node 20;
installs the SDK into ``.cache/npm`` with npm when it is not there yet).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import API_KEY, OVERHEAD_PER_JOB, OWNER, REPO, STEP, World, is_write, world

from jules_action.events import Actor, Event
from jules_action.events import PullRequest as PullEvent
from jules_action.github_port import PullRecord
from jules_action.outcome import Outcome, OutcomeKind
from jules_action.ports import Ports
from jules_action.pulls import session_of_pull
from jules_action.sessions import observe, outcome_of
from jules_action.tracker import OPEN_LABEL, Tracker, read_thread
from jules_action_dev.standin.state import StateBackedGitHub

PullHandler = Callable[[Ports, Event], Outcome]
handle_pull_request: PullHandler | None
try:
    from jules_action.pull_events import handle_pull_request
except ImportError:  # a tree from before the event-driven path: the model stands in
    handle_pull_request = None

ROOT: Final = Path(__file__).resolve().parent.parent
NPM_DIR: Final = ROOT / ".cache" / "npm"
SDK: Final = "@google/jules-sdk"
SDK_VERSION: Final = "0.2.0"
DRIVER: Final = Path(__file__).with_name("sdk_driver.mjs")
PHASES: Final = 20
PHASE_STEP: Final = 3.05
"""Phase k: the session queues 30 + k * 3.05 s, so the phases spread over a minute and, modulo
the SDK's 5 s, over its whole poll grid; and the simulator's seed is k + 1 (the jitter of
every step of the timeline)."""
EVENT_DELAY: Final = OVERHEAD_PER_JOB
"""Seconds from the PR opening to the ``pull_request`` job's first line (delivery, runner
start-up): the same per-job start-up cost as everywhere else."""
GIVE_UP: Final = 4 * 3600.0


@dataclass(frozen=True)
class Timeline:
    name: str
    scenario: str  # a simulator scenario spec; "{queue}" is the phase
    what: str


TIMELINES: Final = (
    Timeline(
        "together-2.5min",
        "happy scale=0.12 queue={queue}",
        "PR and COMPLETED together, a short session (~2.5 min of work)",
    ),
    Timeline(
        "pr-30s-early",
        "pr-while-in-progress seconds=30 queue={queue}",
        "the PR opens 30 s before COMPLETED (20-minute session)",
    ),
    Timeline(
        "completed-15s-early",
        "pr-after-completed seconds=15 queue={queue}",
        "COMPLETED 15 s before the PR opens (20-minute session)",
    ),
    Timeline(
        "20-minute",
        "happy queue={queue}",
        "a 20-minute session, PR and COMPLETED together",
    ),
)


@dataclass(frozen=True)
class Run:
    """One client on one phase of one timeline."""

    requests: int
    latency: float | None  # PR opened -> link posted (None: the PR was never found)
    writes: int | None  # GitHub writes (None: not the action)
    jobs: int
    job_seconds: float
    by_method: Counter[str] = field(default_factory=Counter)  # Jules requests
    by_write: Counter[str] = field(default_factory=Counter)  # GitHub writes


def queue_of(phase: int) -> float:
    return round(30.0 + phase * PHASE_STEP, 3)


# --- the clients ----------------------------------------------------------------------------


class SdkDriver:
    """One Node process running the SDK, one job at a time, on the bench's clock."""

    def __init__(self) -> None:
        self._home = tempfile.TemporaryDirectory(prefix="jules-sdk-home-")
        entry = NPM_DIR / "node_modules" / "@google" / "jules-sdk" / "dist" / "index.mjs"
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": self._home.name,
            "JULES_HOME": self._home.name,
            "JULES_SDK_ENTRY": str(entry),
            "JULES_API_KEY": API_KEY,
            "SDK_REPO": f"{OWNER}/{REPO}",
        }
        self._node = subprocess.Popen(
            ["node", str(DRIVER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=self._home.name,
        )

    def _send(self, message: object) -> None:
        assert self._node.stdin is not None
        self._node.stdin.write(json.dumps(message) + "\n")
        self._node.stdin.flush()

    def run(self, bench: World) -> Run:
        assert self._node.stdout is not None
        started = bench.clock.elapsed
        self._send({"baseUrl": bench.simulator.base_url})
        for line in self._node.stdout:
            message = json.loads(line)
            if "advance" in message:
                bench.clock.advance(float(message["advance"]))
                self._send("ok")
                continue
            done = message["done"]
            if "error" in done:
                raise RuntimeError(f"the SDK failed: {done['error']}")
            [session_id] = bench.session_ids()
            found = done["pr"] is not None
            latency = bench.clock.elapsed - bench.pr_at[session_id] if found else None
            return Run(
                by_method=bench.simulator.counts(),
                requests=sum(bench.simulator.counts().values()),
                latency=latency,
                writes=None,
                jobs=1,
                job_seconds=bench.clock.elapsed - started,
            )
        raise RuntimeError("the SDK driver ended early")

    def close(self) -> None:
        if self._node.stdin is not None:
            self._node.stdin.close()
        self._node.wait(timeout=30)
        self._home.cleanup()


def in_job(bench: World) -> Run:
    bench.label_job(wait_minutes="30")
    return _action_run(bench)


def event_driven(bench: World) -> Run:
    bench.label_job(wait_minutes="0")
    [session_id] = bench.session_ids()
    while session_id not in bench.pr_at:
        bench.clock.advance(STEP)
        if bench.clock.elapsed > GIVE_UP:
            raise RuntimeError("the session never opened a PR")
    bench.clock.advance(max(bench.pr_at[session_id] + EVENT_DELAY - bench.clock.elapsed, 0.0))
    [pull] = bench.state.list_pulls()
    if handle_pull_request is None:
        bench.job(lambda ports: modelled_pull_request_run(ports, pull.number))
    else:
        event = pull_request_event(StateBackedGitHub(bench.state).get_pull(pull.number))
        bench.job(lambda ports: handle_pull_request(ports, event))
    return _action_run(bench)


def pull_request_event(pull: PullRecord) -> Event:
    """The ``pull_request: opened`` event GitHub delivers for ``pull``."""
    author = Actor(pull.author_login)
    opened = PullEvent(
        number=pull.number,
        html_url=pull.html_url,
        title=pull.title,
        body=pull.body,
        head_ref=pull.head_ref,
        head_sha=pull.head_sha,
        base_ref=pull.base_ref,
        author=author,
    )
    return Event(name="pull_request", action="opened", sender=author, pull_request=opened)


def modelled_pull_request_run(ports: Ports, number: int) -> Outcome:
    """The event-driven path modelled with the real pieces, for a tree without
    ``pull_events``: confirm the PR through Jules, find the issue's open request for that
    session, finish it (link, ``Closes #N``, label)."""
    pull = ports.github.get_pull(number)
    session_id = session_of_pull(ports, pull)  # Jules request 1
    if session_id is None:
        return Outcome(OutcomeKind.SKIPPED, "not a PR of one of our sessions")
    for record in ports.github.list_open_issues_with_label(OPEN_LABEL):
        _, requests = read_thread(ports, record.number)
        for tracked in requests:
            if tracked.state.status.is_open and tracked.state.session_id == session_id:
                tracker = Tracker.of(ports, tracked)
                session = ports.jules.get_session(session_id)  # Jules request 2
                return observe(ports, tracker, session) or outcome_of(tracker.state)
    return Outcome(OutcomeKind.SKIPPED, "no open request for this session")


def _action_run(bench: World) -> Run:
    [session_id] = bench.session_ids()
    linked = bench.linked_at.get(1)
    writes: Counter[str] = Counter()
    for job in bench.jobs:
        writes.update({op: n for op, n in job.github.items() if is_write(op)})
    return Run(
        by_method=bench.simulator.counts(),
        by_write=writes,
        requests=sum(bench.simulator.counts().values()),
        latency=None if linked is None else linked - bench.pr_at[session_id],
        writes=sum(job.writes for job in bench.jobs),
        jobs=len(bench.jobs),
        job_seconds=sum(job.seconds for job in bench.jobs),
    )


# --- the table ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    timeline: str
    client: str
    runs: tuple[Run, ...]

    @property
    def requests(self) -> float:
        return statistics.fmean(r.requests for r in self.runs)

    @property
    def latencies(self) -> list[float]:
        return [r.latency for r in self.runs if r.latency is not None]

    @property
    def found(self) -> int:
        return len(self.latencies)

    @property
    def runner_seconds(self) -> float:
        return statistics.fmean(r.job_seconds + OVERHEAD_PER_JOB * r.jobs for r in self.runs)

    @property
    def writes(self) -> float | None:
        counts = [r.writes for r in self.runs if r.writes is not None]
        return statistics.fmean(counts) if counts else None


def cells(row: Row, sdk: Row) -> list[str]:
    """One table line; pure."""
    latencies = row.latencies
    p50 = f"{statistics.median(latencies):.1f}" if latencies else "-"
    worst = f"{max(latencies):.1f}" if latencies else "-"
    writes = "-" if row.writes is None else f"{row.writes:.1f}"
    return [
        row.timeline,
        row.client,
        f"{row.requests:.1f}",
        f"{row.requests / sdk.requests:.2f}x",
        p50,
        worst,
        f"{row.found}/{len(row.runs)}",
        writes,
        f"{row.runner_seconds:.0f}",
        f"{row.runner_seconds / sdk.runner_seconds:.2f}x",
    ]


HEADER: Final = [
    "timeline",
    "client",
    "Jules req",
    "vs SDK",
    "PR->link p50 s",
    "max s",
    "PR found",
    "GitHub writes",
    f"runner s (+{OVERHEAD_PER_JOB:.0f} s/job)",
    "vs SDK",
]


def table(rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns under ``HEADER``; pure."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(HEADER)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(HEADER, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


# --- the SDK's installation -----------------------------------------------------------------


def ensure_sdk() -> None:
    """The pinned SDK in ``.cache/npm`` (as ``scripts/install_test_tools.py`` installs it)."""
    manifest = NPM_DIR / "node_modules" / "@google" / "jules-sdk" / "package.json"
    try:
        if json.loads(manifest.read_text(encoding="utf-8")).get("version") == SDK_VERSION:
            return
    except (OSError, ValueError):
        pass
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        sys.exit("error: node/npm not found on PATH; install Node.js 20 (with npm).")
    NPM_DIR.mkdir(parents=True, exist_ok=True)
    package = NPM_DIR / "package.json"
    if not package.exists():
        package.write_text(json.dumps({"name": "jules-action-test-tools", "private": True}))
    print(f"npm install {SDK}@{SDK_VERSION} (in {NPM_DIR.relative_to(ROOT)}) ...", flush=True)
    subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--save-exact", f"{SDK}@{SDK_VERSION}"],
        cwd=NPM_DIR,
        check=True,
    )


def main() -> None:
    ensure_sdk()
    sdk = SdkDriver()
    clients: list[tuple[str, Callable[[World], Run]]] = [
        ("SDK run()+result()", sdk.run),
        ("action in-job", in_job),
        ("action event" + (" (modelled)" if handle_pull_request is None else ""), event_driven),
    ]
    lines: list[list[str]] = []
    rows: list[Row] = []
    try:
        for timeline in TIMELINES:
            rows = []
            for client, go in clients:
                runs = []
                for phase in range(PHASES):
                    spec = timeline.scenario.format(queue=queue_of(phase))
                    with world(spec, seed=phase + 1) as bench:
                        runs.append(go(bench))
                rows.append(Row(timeline.name, client, tuple(runs)))
            lines += [cells(row, rows[0]) for row in rows]
    finally:
        sdk.close()
    print(
        f"Each timeline x {PHASES} phases (queue 30 + k*{PHASE_STEP} s, seed k+1). PR->link: from "
        "the PR opening to the tracking comment showing it\n(the SDK: to result() returning it). "
        f"Runner s: simulated job time + {OVERHEAD_PER_JOB:.0f} s start-up per job. The event "
        f"path: hand-off, then the pull_request job starts {EVENT_DELAY:.0f} s after the PR opens "
        f"({'a model of pull_events' if handle_pull_request is None else 'pull_events'}).\n"
    )
    for timeline in TIMELINES:
        print(f"  {timeline.name}: {timeline.what} [{timeline.scenario}]")
    print()
    print(table(lines))
    print(f"\nPer session, {rows[0].timeline} (mean over the phases):")
    for row in rows:
        print(f"  {row.client}: Jules {mean_counts([r.by_method for r in row.runs])}")
        if row.writes is not None:
            writes = mean_counts([r.by_write for r in row.runs])
            print(f"  {' ' * len(row.client)}  GitHub writes {writes}")


def mean_counts(counts: Sequence[Counter[str]]) -> str:
    """``name mean, ...`` over ``counts``, by name; pure."""
    names = sorted({name for c in counts for name in c})
    return ", ".join(
        f"{name.removeprefix('sessions.')} {statistics.fmean(c[name] for c in counts):.1f}"
        for name in names
    )


if __name__ == "__main__":
    main()
