"""What one Jules session costs: waiting in the job versus hand-off plus a reconcile schedule.

Runs the real action (``orchestrator.run`` and ``reconcile.reconcile``) against the Jules
simulator over HTTP and an in-memory GitHub, on a fake clock linked to the simulator's, so a
20-minute session takes well under a second and no run sleeps for real. For one ``happy``
session (about 20 simulated minutes) it compares

- in-job waiting: ``wait-minutes: 30``, ``poll-interval: 15`` (the defaults);
- hand-off: ``wait-minutes: 0``, then a reconcile job every 5 (or 10) minutes;

and prints Jules requests by method, PR-detection latency (from the moment the simulated
session opened its PR to the tracking-comment edit that shows the link) and runner time. A
cron schedule's phase relative to the label is arbitrary, so each hand-off variant is run
with the label at ten evenly spaced points of the interval and reported as mean (min-max).

Usage, from the repository root: ``python bench/session_cost.py``
"""

from __future__ import annotations

import copy
import json
import statistics
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from jules_action.config import GitHubContext, Settings  # noqa: E402
from jules_action.events import parse_event  # noqa: E402
from jules_action.jules_client import JulesClient  # noqa: E402
from jules_action.orchestrator import Outcome, Runtime, run  # noqa: E402
from jules_action.reconcile import reconcile  # noqa: E402
from jules_action.tracking import MarkerCodec  # noqa: E402
from jules_action_dev.simulator import ManualClock, Simulator, SimulatorConfig, SourceConfig  # noqa: E402
from jules_action_dev.standin.state import (  # noqa: E402
    ChangeEvent,
    RepositoryState,
    StateBackedGitHub,
)

OVERHEAD_PER_JOB = 20.0
"""Seconds a GitHub-hosted runner spends per job before the action's first line runs (queueing,
VM start, pulling the action's container image); an assumption, printed separately."""

API_KEY = "AIza-bench-key-0123456789"
OWNER, REPO = "Codertocat", "Hello-World"
START = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
PAYLOAD = ROOT / "tests" / "payloads" / "github" / "issues.labeled.json"
PR_LINKED = "### ✅ Jules opened a pull request"
PHASES = 10
"""Hand-off runs per variant: the label lands at 0, 1/10, ... 9/10 of the cron interval."""


@dataclass
class BenchClock:
    """The action's clock; sleeping (or advancing) moves the simulator's clock as much."""

    sim: ManualClock = field(default_factory=lambda: ManualClock(START))
    elapsed: float = 0.0

    def monotonic(self) -> float:
        return self.elapsed

    def now(self) -> datetime:
        return START + timedelta(seconds=self.elapsed)

    def sleep(self, seconds: float) -> None:
        self.advance(max(seconds, 0.0))

    def advance(self, seconds: float) -> None:
        self.elapsed += seconds
        self.sim.advance(seconds)


@dataclass
class Bench:
    """One issue, the simulator, the GitHub state; records when the PR link was posted."""

    clock: BenchClock
    state: RepositoryState
    simulator: Simulator
    linked_at: float | None = None
    job_seconds: list[float] = field(default_factory=list)

    def observe(self, event: ChangeEvent) -> None:
        if self.linked_at is not None or event.comment_id is None:
            return
        if self.state.get_comment(event.comment_id).body.startswith(PR_LINKED):
            self.linked_at = self.clock.elapsed

    def job(self, *, mode: str = "run", **inputs: str) -> Outcome:
        """One job of the action; its simulated duration is recorded."""
        env = {"INPUT_JULES-API-KEY": API_KEY, "INPUT_GITHUB-TOKEN": "ghs_x", "INPUT_MODE": mode}
        env.update({f"INPUT_{k.upper().replace('_', '-')}": v for k, v in inputs.items()})
        settings = Settings.from_environ(env)
        context = GitHubContext.from_environ(
            {"GITHUB_REPOSITORY": f"{OWNER}/{REPO}", "GITHUB_RUN_ID": "1"}
        )
        start = self.clock.elapsed
        with httpx.Client(
            base_url=self.simulator.base_url, headers={"X-Goog-Api-Key": API_KEY}
        ) as http:
            rt = Runtime(
                settings=settings,
                context=context,
                jules=JulesClient(http, clock=self.clock),
                github=StateBackedGitHub(self.state),
                clock=self.clock,
                codec=MarkerCodec(API_KEY),
            )
            if mode == "reconcile":
                outcome = reconcile(rt)
            else:
                payload = copy.deepcopy(json.loads(PAYLOAD.read_text()))
                payload["label"]["name"] = "jules-task"
                payload["issue"]["updated_at"] = self.clock.now().isoformat()
                outcome = run(rt, parse_event("issues", json.dumps(payload).encode()))
        self.job_seconds.append(self.clock.elapsed - start)
        return outcome

    def pr_opened_at(self) -> float:
        """When the simulated session opened its PR (the happy scenario opens it as it
        completes, so it is the session's last update), in seconds on the action's clock."""
        [session] = self.simulator.sessions.values()
        assert session["state"] == "COMPLETED", session["state"]
        assert session.get("outputs"), "the session opened no PR"
        opened = datetime.fromisoformat(session["updateTime"])
        return (opened - START).total_seconds()

    def session_minutes(self) -> float:
        [session] = self.simulator.sessions.values()
        created = datetime.fromisoformat(session["createTime"])
        return (datetime.fromisoformat(session["updateTime"]) - created).total_seconds() / 60


@contextmanager
def bench() -> Iterator[Bench]:
    clock = BenchClock()
    state = RepositoryState(owner=OWNER, name=REPO, default_branch="master", now=clock.now)
    state.create_issue(title="Spelling error in the README file", body="Fix it.", author=OWNER)

    config = SimulatorConfig(
        api_keys=(API_KEY,), sources=(SourceConfig(OWNER, REPO, "master"),), seed=1
    )
    simulator = Simulator(config, clock=clock.sim, on_pull_request=state.open_pull_for_jules)
    world = Bench(clock, state, simulator)
    state.add_observer(world.observe)
    with simulator:
        yield world


@dataclass(frozen=True)
class Result:
    name: str
    requests: Counter[str]
    latency: float
    jobs: int
    job_seconds: float
    session_minutes: float


def in_job() -> Result:
    with bench() as b:
        outcome = b.job(wait_minutes="30", poll_interval="15")
        assert outcome.outcome == "pr-opened", outcome
        assert b.linked_at is not None
        return Result(
            "in-job wait (30 min, poll 15 s)",
            b.simulator.counts(),
            b.linked_at - b.pr_opened_at(),
            len(b.job_seconds),
            sum(b.job_seconds),
            b.session_minutes(),
        )


def hand_off(interval_minutes: int, offset: float) -> Result:
    """Label ``offset`` seconds after a cron tick; reconcile on every tick until the link."""
    interval = interval_minutes * 60.0
    with bench() as b:
        b.clock.advance(offset)
        assert b.job(wait_minutes="0").outcome == "handed-off"
        tick = interval
        while b.linked_at is None:
            b.clock.advance(max(tick - b.clock.elapsed, 0.0))
            b.job(mode="reconcile", max_concurrent_sessions="3")
            tick += interval
            assert tick < 4 * 3600, "reconcile never posted the PR link"
        return Result(
            f"hand-off + reconcile every {interval_minutes} min",
            b.simulator.counts(),
            b.linked_at - b.pr_opened_at(),
            len(b.job_seconds),
            sum(b.job_seconds),
            b.session_minutes(),
        )


def summarize(results: list[Result]) -> dict[str, str]:
    """Mean (min-max) over the cron phases of one variant."""

    def spread(values: list[float], fmt: str) -> str:
        low, high, mean = min(values), max(values), statistics.fmean(values)
        if low == high:
            return format(mean, fmt)
        return f"{format(mean, fmt)} ({format(low, fmt)}-{format(high, fmt)})"

    methods = sorted({m for r in results for m in r.requests})
    requests = ", ".join(
        f"{m.removeprefix('sessions.')} {spread([float(r.requests[m]) for r in results], '.1f')}"
        for m in methods
    )
    return {
        "variant": results[0].name + (f" [{len(results)} phases]" if len(results) > 1 else ""),
        "requests": requests,
        "total": spread([float(sum(r.requests.values())) for r in results], ".1f"),
        "latency": spread([r.latency for r in results], ".0f"),
        "jobs": spread([float(r.jobs) for r in results], ".1f"),
        "runner": spread([r.job_seconds for r in results], ".0f"),
        "with_overhead": spread(
            [r.job_seconds + OVERHEAD_PER_JOB * r.jobs for r in results], ".0f"
        ),
    }


def main() -> None:
    variants = [[in_job()]]
    for interval in (5, 10):
        step = interval * 60.0 / PHASES
        variants.append([hand_off(interval, phase * step) for phase in range(PHASES)])
    minutes = variants[0][0].session_minutes
    print(
        f"One 'happy' simulated session: {minutes:.1f} simulated minutes from create to PR "
        f"(Jules' 30 s queue included).\n"
        f"Runner overhead assumed per job: {OVERHEAD_PER_JOB:.0f} s (start-up, image pull).\n"
    )
    rows = [summarize(results) for results in variants]
    columns = [
        ("variant", "variant"),
        ("total", "Jules requests"),
        ("latency", "PR->link s"),
        ("jobs", "jobs"),
        ("runner", "runner s"),
        ("with_overhead", f"runner s +{OVERHEAD_PER_JOB:.0f}s/job"),
    ]
    widths = [max(len(title), *(len(r[key]) for r in rows)) for key, title in columns]
    print("  ".join(title.ljust(w) for (_, title), w in zip(columns, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in rows:
        cells = (row[key].ljust(w) for (key, _), w in zip(columns, widths, strict=True))
        print("  ".join(cells).rstrip())
    print("\nJules requests by method:")
    for row in rows:
        print(f"  {row['variant']}: {row['requests']}")
    print(
        "\nHand-off rows count only the reconcile jobs between the hand-off and the PR link; a "
        "reconcile schedule also runs when nothing is open\n(every 5 min: 288 jobs a day, "
        f"{288 * OVERHEAD_PER_JOB / 60:.0f} runner minutes of start-up; every 10 min: half)."
    )


if __name__ == "__main__":
    main()
