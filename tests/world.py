"""A whole world for running the action in-process: simulator, GitHub state, linked clocks.

The action's fake clock is linked to the simulator's manual clock, so every sleep of the
action (poll interval, backoff) moves simulated time by the same amount: a "20-minute"
session runs in milliseconds and every run is deterministic. GitHub is the stand-in's
in-memory state behind ``StateBackedGitHub`` (the same state the HTTP stand-in serves).
"""

from __future__ import annotations

import heapq
import itertools
import json
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import httpx

from jules_action.clock import Clock
from jules_action.config import GitHubContext, Settings
from jules_action.events import parse_event
from jules_action.github_port import GitHubPort
from jules_action.jules_client import JulesClient
from jules_action.notices import NOTICE_PREFIX
from jules_action.orchestrator import run
from jules_action.outcome import Outcome
from jules_action.ports import Ports, assemble, deadline_of
from jules_action.reconcile import reconcile
from jules_action.tracking import MARKER_PREFIX, MarkerCodec, find_tracked
from jules_action_dev.simulator import ManualClock, Simulator, SimulatorConfig, SourceConfig
from jules_action_dev.standin.state import RepositoryState, StateBackedGitHub, comment_record
from tests.conftest import FakeClock

PAYLOADS = Path(__file__).parent / "payloads" / "github"
API_KEY = "AIza-test-key-0123456789"
TOKEN = "ghs_test_token_0123456789"
OWNER, REPO = "Codertocat", "Hello-World"


@dataclass
class LinkedClock(FakeClock):
    """A FakeClock whose sleeps also move the simulator's time forward."""

    sim: ManualClock = field(default_factory=ManualClock)

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        self.sim.advance(max(seconds, 0.0))

    def advance(self, seconds: float) -> None:
        super().advance(seconds)
        self.sim.advance(seconds)


def load_payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text())
    return data


@dataclass
class World:
    """The simulator, the repository state and a clock, plus helpers to run the action."""

    clock: LinkedClock
    github_state: RepositoryState
    simulator: Simulator
    summaries: list[list[str]] = field(default_factory=list)
    runs: int = 0

    @property
    def github(self) -> StateBackedGitHub:
        return StateBackedGitHub(self.github_state)

    def settings(self, **inputs: str) -> Settings:
        env = {
            "INPUT_JULES-API-KEY": API_KEY,
            "INPUT_GITHUB-TOKEN": TOKEN,
            "INPUT_POLL-INTERVAL": "15",
        }
        env.update({f"INPUT_{k.upper().replace('_', '-')}": v for k, v in inputs.items()})
        return Settings.from_environ(env)

    def runtime(
        self,
        *,
        clock: Clock | None = None,
        github: GitHubPort | None = None,
        transport: httpx.BaseTransport | None = None,
        run_id: str = "",
        run_attempt: str = "1",
        seed: int = 0,
        **inputs: str,
    ) -> tuple[Ports, httpx.Client]:
        """The ports of one job: the simulator over HTTP (or ``transport``), GitHub in memory."""
        settings = self.settings(**inputs)
        key = settings.jules_api_key.get_secret_value()
        http = httpx.Client(
            base_url=self.simulator.base_url, headers={"X-Goog-Api-Key": key}, transport=transport
        )
        job_clock = clock or self.clock
        if not run_id:
            # Every job is its own workflow run, as every delivered event is.
            self.runs += 1
            run_id = str(76 + self.runs)
        context = GitHubContext.from_environ(
            {
                "GITHUB_REPOSITORY": f"{OWNER}/{REPO}",
                "GITHUB_RUN_ID": run_id,
                "GITHUB_RUN_ATTEMPT": run_attempt,
            }
        )
        deadline = deadline_of(settings, job_clock)
        ports = assemble(
            settings=settings,
            context=context,
            jules=JulesClient(http, clock=job_clock, rng=random.Random(seed), deadline=deadline),
            github=github or self.github,
            clock=job_clock,
            deadline=deadline,
            rng=random.Random(seed),
        )
        return ports, http

    def run(self, event_name: str, payload: dict[str, Any], **inputs: str) -> Outcome:
        """One job run of the action for this event."""
        ports, http = self.runtime(**inputs)
        with http:
            outcome = run(ports, parse_event(event_name, json.dumps(payload).encode()))
        self.summaries.append(ports.report.lines)
        return outcome

    def reconcile(self, **inputs: str) -> Outcome:
        ports, http = self.runtime(mode="reconcile", **inputs)
        with http:
            outcome = reconcile(ports)
        self.summaries.append(ports.report.lines)
        return outcome

    def tracking(self, issue: int) -> list[Any]:
        """The states of the action's requests on ``issue``, as the action itself reads them."""
        comments = self.github_state.list_comments(issue)
        records = [comment_record(c, html_base=self.github_state.html_base) for c in comments]
        found = find_tracked(
            records, MarkerCodec(API_KEY), issue=issue, identity=self.github_state.actor
        )
        return [t.state for t in found]

    def comment_bodies(self, issue: int) -> list[str]:
        return [c.body for c in self.github_state.list_comments(issue)]

    def tracking_bodies(self, issue: int) -> list[str]:
        """The action's tracking comments on ``issue`` (those with a state marker)."""
        return [b for b in self.comment_bodies(issue) if MARKER_PREFIX in b]

    def notice_bodies(self, issue: int) -> list[str]:
        """The action's notices on ``issue`` (the short comments that @mention the requester)."""
        return [b for b in self.comment_bodies(issue) if NOTICE_PREFIX in b]

    def assert_no_secrets(self, *extra: str) -> None:
        """Neither the key nor the token is anywhere the action wrote (comments, PRs, Jules)."""
        written = [json.dumps(r.body) for r in self.simulator.requests]
        written += ["\n".join(lines) for lines in self.summaries]
        for issue in self.github_state.list_issues(state="all"):
            written += [issue.title, issue.body or ""]
            written += [c.body for c in self.github_state.list_comments(issue.number)]
        text = "\n".join(written)
        for secret in (API_KEY, TOKEN, *extra):
            assert secret not in text

    def sessions_created(self) -> int:
        return sum(
            1
            for r in self.simulator.requests
            if r.method == "POST" and r.path.endswith("/sessions") and r.status == 200
        )


def make_world(clock: LinkedClock, **sim_options: Any) -> World:
    state = RepositoryState(owner=OWNER, name=REPO, default_branch="master", now=clock.now)
    sender = "Codertocat"
    state.set_role(sender, "admin")

    config = SimulatorConfig(
        api_keys=(API_KEY,),
        sources=(SourceConfig(OWNER, REPO, "master"),),
        **sim_options,
    )
    simulator = Simulator(config, clock=clock.sim, on_pull_request=state.open_pull_for_jules)
    return World(clock=clock, github_state=state, simulator=simulator)


# --- concurrent jobs in simulated time (the fleet test) ------------------------------------


JulesFactory = Callable[[httpx.Client, Clock], JulesClient]


def _runtime_with(
    world: World,
    *,
    clock: Clock | None,
    jules: JulesFactory | None,
    seed: int,
    inputs: dict[str, str],
    interleave: bool = False,
) -> tuple[Ports, httpx.Client]:
    """Like ``World.runtime``, with a job's own clock, a seeded retry RNG and a client hook."""
    job_clock: Clock = clock or world.clock
    github: GitHubPort = world.github
    if interleave:
        github = cast(GitHubPort, _Interleaved(github, job_clock))
    ports, http = world.runtime(clock=job_clock, github=github, seed=seed, **inputs)
    make = jules or (lambda h, c: JulesClient(h, clock=c, rng=random.Random(seed)))
    client = make(http, job_clock)
    if interleave:
        client = cast(JulesClient, _Interleaved(client, job_clock))
    return replace(ports, jules=client), http


class _Interleaved:
    """Yields (``clock.sleep(0)``) before every call of ``inner``: under ``Scheduler`` the other
    jobs due now run first, so concurrent jobs interleave at every GitHub and Jules call."""

    def __init__(self, inner: object, clock: Clock) -> None:
        self._inner = inner
        self._clock = clock

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            self._clock.sleep(0)
            return attr(*args, **kwargs)

        return call


def run_job(
    world: World,
    event_name: str,
    payload: dict[str, Any],
    *,
    clock: Clock | None = None,
    jules: JulesFactory | None = None,
    seed: int = 0,
    interleave: bool = False,
    **inputs: str,
) -> Outcome:
    """``World.run`` on a job's own clock (see ``Scheduler``), deterministic retry jitter and an
    optional factory for the Jules client (e.g. one that 'kills' the job after N polls).
    ``interleave``: yield to the other jobs before every GitHub and Jules call."""
    ports, http = _runtime_with(
        world, clock=clock, jules=jules, seed=seed, inputs=inputs, interleave=interleave
    )
    with http:
        outcome = run(ports, parse_event(event_name, json.dumps(payload).encode()))
    world.summaries.append(ports.report.lines)
    return outcome


def reconcile_job(
    world: World,
    *,
    clock: Clock | None = None,
    jules: JulesFactory | None = None,
    seed: int = 0,
    interleave: bool = False,
    **inputs: str,
) -> Outcome:
    """``World.reconcile`` on a job's own clock, like ``run_job``."""
    ports, http = _runtime_with(
        world,
        clock=clock,
        jules=jules,
        seed=seed,
        inputs={"mode": "reconcile", **inputs},
        interleave=interleave,
    )
    with http:
        outcome = reconcile(ports)
    world.summaries.append(ports.report.lines)
    return outcome


class _Job:
    def __init__(self, scheduler: Scheduler, name: str, target: Callable[[Clock], object]) -> None:
        self.name = name
        self.clock = _JobClock(scheduler, self)
        self.go = threading.Event()
        self.started = False
        self.done = False
        self.result: object = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._body, args=(scheduler, target), name=name)
        self.thread.daemon = True

    def _body(self, scheduler: Scheduler, target: Callable[[Clock], object]) -> None:
        self.go.wait()
        self.go.clear()
        try:
            self.result = target(self.clock)
        except BaseException as exc:  # reported by Scheduler.run on the main thread
            self.error = exc
        finally:
            self.done = True
            scheduler._yielded.set()


@dataclass
class _JobClock:
    """A job's view of simulated time: reads the shared clock; ``sleep`` parks the job."""

    scheduler: Scheduler
    job: _Job

    def monotonic(self) -> float:
        return self.scheduler.clock.monotonic()

    def now(self) -> datetime:
        return self.scheduler.clock.now()

    def sleep(self, seconds: float) -> None:
        self.scheduler._park(self.job, max(seconds, 0.0))


class Scheduler:
    """Jobs (threads) that overlap in simulated time but run one at a time: a discrete-event loop.

    ``spawn(name, target)`` makes a job that calls ``target(clock)``; the clock reads the shared
    ``LinkedClock`` and its ``sleep`` parks the job until simulated time reaches the wake-up.
    ``run()`` repeatedly advances the clock to the earliest wake-up and lets that job run until
    it sleeps again or ends (ties: the first to park goes first). So thirty jobs that each poll
    for thirty "minutes" finish in thirty simulated minutes, deterministically, and a job only
    ever yields at a sleep (a poll interval, a retry backoff), like a real job yields the CPU
    while it waits.
    """

    def __init__(self, clock: LinkedClock, *, stall_timeout: float = 60.0) -> None:
        self.clock = clock
        self.jobs: list[_Job] = []
        self._queue: list[tuple[float, int, _Job]] = []
        self._seq = itertools.count()
        self._lock = threading.Lock()
        self._yielded = threading.Event()
        self._stall_timeout = stall_timeout

    def spawn(self, name: str, target: Callable[[Clock], object], *, delay: float = 0.0) -> _Job:
        """A job that starts ``delay`` simulated seconds from now."""
        job = _Job(self, name, target)
        self.jobs.append(job)
        self._push(job, self.clock.monotonic() + max(delay, 0.0))
        return job

    def _push(self, job: _Job, wake: float) -> None:
        with self._lock:
            heapq.heappush(self._queue, (wake, next(self._seq), job))

    def _park(self, job: _Job, seconds: float) -> None:
        self._push(job, self.clock.monotonic() + seconds)
        job.go.clear()
        self._yielded.set()
        job.go.wait()
        job.go.clear()

    def run(self) -> None:
        """Run every job to its end; re-raise the first job error (after all jobs ended)."""
        while True:
            with self._lock:
                if not self._queue:
                    break
                wake, _, job = heapq.heappop(self._queue)
            if wake > self.clock.monotonic():
                self.clock.advance(wake - self.clock.monotonic())
            self._yielded.clear()
            if not job.started:
                job.started = True
                job.thread.start()
            job.go.set()
            if not self._yielded.wait(self._stall_timeout):
                raise RuntimeError(f"job {job.name} neither slept nor ended in time")
        for job in self.jobs:
            job.thread.join(self._stall_timeout)
        errors = [job.error for job in self.jobs if job.error is not None]
        if errors:
            raise errors[0]
