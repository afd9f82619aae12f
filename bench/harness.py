"""The benchmarks' world: the Jules simulator over HTTP, an in-memory GitHub, one fake clock.

No pytest and no test suite: the benchmarks import only the action, the development package
(simulator, GitHub stand-in) and the repository's sample payloads. Every job of the action
runs the real code (``orchestrator.run``, ``reconcile.reconcile``) in-process; the action's
clock and the simulator's move together (``BenchClock``), so a 20-minute session takes well
under a second and every figure is reproducible.

What is modelled rather than real, on purpose:

- GitHub is in memory, but each job's GitHub port is paced the way PyGithub paces the real
  one (``PacedGitHub``: 0.25 s between requests, 1 s between writes, as
  ``build_github_port`` configures it); requests themselves take no time.
- The PR's opening instant is read from the session's ``updateTime`` when its PR output first
  shows (the clock looks at the simulator every ``STEP`` simulated seconds while it moves).
- The PR link is "posted" when a tracking comment's marker first carries a PR URL (the
  marker, not the comment text, which another change may word differently).
"""

from __future__ import annotations

import copy
import json
import math
import random
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final, cast

ROOT: Final = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from jules_action.clock import Clock  # noqa: E402
from jules_action.config import GitHubContext, Settings  # noqa: E402
from jules_action.events import parse_event  # noqa: E402
from jules_action.github_port import GitHubPort  # noqa: E402
from jules_action.jules_client import JulesClient  # noqa: E402
from jules_action.orchestrator import run  # noqa: E402
from jules_action.outcome import Outcome  # noqa: E402
from jules_action.ports import Ports, assemble, deadline_of  # noqa: E402
from jules_action.reconcile import reconcile  # noqa: E402
from jules_action.tracking import MarkerCodec  # noqa: E402
from jules_action_dev.simulator import (  # noqa: E402
    ManualClock,
    Simulator,
    SimulatorConfig,
    SourceConfig,
)
from jules_action_dev.standin.state import (  # noqa: E402
    ChangeEvent,
    RepositoryState,
    StateBackedGitHub,
)

API_KEY: Final = "AIza-bench-key-0123456789"
TOKEN: Final = "ghs_bench_token"
OWNER, REPO = "Codertocat", "Hello-World"
START: Final = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
PAYLOAD: Final = ROOT / "tests" / "payloads" / "github" / "issues.labeled.json"
STEP: Final = 1.0
"""Simulated seconds between two looks at the simulator while the clock moves."""
OVERHEAD_PER_JOB: Final = 20.0
"""Seconds a GitHub-hosted runner spends per job before the action's first line runs (queueing,
VM start, pulling the action's image): an assumption, stated with every figure that uses it."""


def is_write(operation: str) -> bool:
    """A ``GitHubPort`` method that changes something (every one but ``get_*``/``list_*``)."""
    return not operation.startswith(("get_", "list_"))


BETWEEN_REQUESTS: Final = 0.25
BETWEEN_WRITES: Final = 1.0


class BenchClock:
    """The action's clock; sleeping (or advancing) moves the simulator's clock as much, in
    steps of at most ``STEP``, calling every watcher after each step."""

    def __init__(self) -> None:
        self.sim = ManualClock(START)
        self.elapsed = 0.0
        self.watchers: list[Callable[[], None]] = []

    def monotonic(self) -> float:
        return self.elapsed

    def now(self) -> datetime:
        return START + timedelta(seconds=self.elapsed)

    def sleep(self, seconds: float) -> None:
        self.advance(max(seconds, 0.0))

    def advance(self, seconds: float) -> None:
        end = self.elapsed + seconds
        while self.elapsed < end:
            step = min(STEP, end - self.elapsed)
            self.elapsed += step
            self.sim.advance(step)
            for watcher in self.watchers:
                watcher()


def pacing_wait(now: float, last_request: float, last_write: float, *, write: bool) -> float:
    """Seconds PyGithub sleeps before a request (its ``__deferRequest``); pure."""
    due = last_request + BETWEEN_REQUESTS
    if write:
        due = max(due, last_write + BETWEEN_WRITES)
    return max(due - now, 0.0)


class PacedGitHub:
    """A ``GitHubPort`` paced like PyGithub on the bench clock; counts the calls."""

    def __init__(self, inner: GitHubPort, clock: BenchClock) -> None:
        self._inner = inner
        self._clock = clock
        self._last_request = -math.inf
        self._last_write = -math.inf
        self.calls: Counter[str] = Counter()
        self.paced = 0.0  # seconds spent waiting for the pacing

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._inner, name)
        if name.startswith("_") or not callable(method):
            return method

        def call(*args: Any, **kwargs: Any) -> Any:
            write = is_write(name)
            clock = self._clock
            wait = pacing_wait(clock.elapsed, self._last_request, self._last_write, write=write)
            if wait:
                self.paced += wait
                clock.sleep(wait)
            try:
                return method(*args, **kwargs)
            finally:
                self._last_request = clock.elapsed
                if write:
                    self._last_write = clock.elapsed
                self.calls[name] += 1

        return call

    @property
    def writes(self) -> int:
        return sum(n for name, n in self.calls.items() if is_write(name))


@dataclass(frozen=True)
class Job:
    """One job of the action: its outcome and what it cost."""

    outcome: str
    seconds: float
    jules: Counter[str]
    github: Counter[str]
    paced: float

    @property
    def writes(self) -> int:
        return sum(n for name, n in self.github.items() if is_write(name))


@dataclass
class World:
    """One repository with issues, the simulator, the clock; when PRs opened and got linked."""

    clock: BenchClock
    state: RepositoryState
    simulator: Simulator
    pr_at: dict[str, float] = field(default_factory=dict)  # session id -> opened (clock s)
    linked_at: dict[int, float] = field(default_factory=dict)  # issue -> link posted (clock s)
    jobs: list[Job] = field(default_factory=list)

    def look(self) -> None:
        """Note every session's PR opening instant, from its ``updateTime``."""
        for session_id, session in self.simulator.sessions.items():
            if session_id in self.pr_at:
                continue
            if any("pullRequest" in out for out in session.get("outputs", [])):
                opened = datetime.fromisoformat(session["updateTime"])
                self.pr_at[session_id] = (opened - START).total_seconds()

    def changed(self, event: ChangeEvent) -> None:
        issue = event.issue_number
        if event.comment_id is None or issue is None or issue in self.linked_at:
            return
        marker = MarkerCodec(API_KEY).decode(self.state.get_comment(event.comment_id).body)
        if marker is not None and marker.pr_url:
            self.linked_at[issue] = self.clock.elapsed

    def job(
        self,
        body: Callable[[Ports], Outcome],
        *,
        github: GitHubPort | None = None,
        clock: Clock | None = None,
        **inputs: str,
    ) -> Job:
        """One job of the action (``body`` given its ports); its cost is recorded.

        By default GitHub is the in-memory state behind ``PacedGitHub`` and the clock is the
        bench's; ``github`` and ``clock`` replace them (e.g. PyGithub over HTTP, real time).
        """
        env = {"INPUT_JULES-API-KEY": API_KEY, "INPUT_GITHUB-TOKEN": TOKEN}
        env.update({f"INPUT_{k.upper().replace('_', '-')}": v for k, v in inputs.items()})
        settings = Settings.from_environ(env)
        context = GitHubContext.from_environ(
            {
                "GITHUB_REPOSITORY": f"{OWNER}/{REPO}",
                "GITHUB_RUN_ID": str(1000 + len(self.jobs)),
                "GITHUB_RUN_ATTEMPT": "1",
            }
        )
        job_clock: Clock = clock or self.clock
        paced = PacedGitHub(StateBackedGitHub(self.state), self.clock)
        port: GitHubPort = github or cast(GitHubPort, paced)
        before = self.simulator.counts()
        started = job_clock.monotonic()
        with httpx.Client(
            base_url=self.simulator.base_url, headers={"X-Goog-Api-Key": API_KEY}
        ) as http:
            deadline = deadline_of(settings, job_clock)
            ports = assemble(
                settings=settings,
                context=context,
                jules=JulesClient(http, clock=job_clock, rng=random.Random(0), deadline=deadline),
                github=port,
                clock=job_clock,
                deadline=deadline,
                rng=random.Random(0),
            )
            outcome = body(ports)
        job = Job(
            outcome=outcome.outcome,
            seconds=job_clock.monotonic() - started,
            jules=self.simulator.counts() - before,
            github=paced.calls,
            paced=paced.paced,
        )
        self.jobs.append(job)
        return job

    def label_job(
        self,
        issue: int = 1,
        *,
        github: GitHubPort | None = None,
        clock: Clock | None = None,
        **inputs: str,
    ) -> Job:
        """The ``issues: labeled`` run for ``issue``."""
        payload = copy.deepcopy(json.loads(PAYLOAD.read_text()))
        payload["label"]["name"] = "jules-task"
        payload["issue"]["number"] = issue
        payload["issue"]["updated_at"] = self.clock.now().isoformat()
        event = parse_event("issues", json.dumps(payload).encode())
        return self.job(lambda ports: run(ports, event), github=github, clock=clock, **inputs)

    def reconcile_job(
        self, *, github: GitHubPort | None = None, clock: Clock | None = None, **inputs: str
    ) -> Job:
        return self.job(reconcile, github=github, clock=clock, mode="reconcile", **inputs)

    def session_ids(self) -> list[str]:
        return list(self.simulator.sessions)


@contextmanager
def world(scenario: str = "happy", *, issues: int = 1, seed: int = 1) -> Iterator[World]:
    """A running world whose sessions follow ``scenario`` (a simulator scenario spec)."""
    clock = BenchClock()
    state = RepositoryState(owner=OWNER, name=REPO, default_branch="master", now=clock.now)
    state.set_role(OWNER, "admin")
    for number in range(1, issues + 1):
        state.create_issue(title=f"Spelling error {number}", body="Fix it.", author=OWNER)
    config = SimulatorConfig(
        api_keys=(API_KEY,),
        sources=(SourceConfig(OWNER, REPO, "master"),),
        default_scenario=scenario,
        seed=seed,
    )
    simulator = Simulator(config, clock=clock.sim, on_pull_request=state.open_pull_for_jules)
    bench = World(clock, state, simulator)
    clock.watchers.append(bench.look)
    state.add_observer(bench.changed)
    with simulator:
        yield bench
