"""The fleet: thirty issues labelled at once against a Jules account with a concurrency cap of 3
and a daily quota of 20, finished by a reconcile workflow every 5 simulated minutes.

Every job (the thirty label runs, each reconcile run) is a thread of ``tests.world.Scheduler``:
they overlap in simulated time like concurrent workflow runs but run one at a time, so the
whole day (and the night until the quota resets) takes a few real seconds and every figure
is the same on every run. Run with ``pytest -s`` to see the figures.

Variants: the same event delivered twice plus a re-label while the first request is open
(one session), and a job killed mid-wait or right after creating its session (reconcile
finishes it, still one session).
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from jules_action.clock import Clock
from jules_action.jules_client import JulesClient
from jules_action.jules_models import CreateSessionRequest, Session
from jules_action.outcome import Outcome
from jules_action.tracker import OPEN_LABEL
from jules_action.tracking import Status, iso
from tests.world import (
    OWNER,
    REPO,
    LinkedClock,
    Scheduler,
    World,
    load_payload,
    make_world,
    reconcile_job,
    run_job,
)

ISSUES = 30
CAP = 3  # the account's concurrency cap and the max-concurrent-sessions input
DAILY_QUOTA = 20
RECONCILE_EVERY = 5 * 60.0
ACTIVE = {"PLANNING", "IN_PROGRESS", "AWAITING_PLAN_APPROVAL", "AWAITING_USER_FEEDBACK", "PAUSED"}
_SUMMARY = re.compile(
    r"(?P<checked>\d+) checked, (?P<finished>\d+) finished, (?P<started>\d+) started, "
    r"(?P<queued>\d+) still queued, \d+ comments handled, (?P<errors>\d+) errors; "
    r"(?P<running>\d+) running"
)


class JobKilled(BaseException):
    """The runner went away (cancelled, timed out, lost): nothing in the action catches it."""


@dataclass(frozen=True)
class Pass:
    """One reconcile run, as its summary line and the simulator's sessions saw it."""

    start: float
    end: float
    checked: int
    finished: int
    started: int
    queued: int
    errors: int
    running: int
    jules_active: int  # our sessions holding a Jules slot (PLANNING, IN_PROGRESS, ...)
    jules_open: int  # our sessions not yet COMPLETED/FAILED, Jules-queued ones included


@dataclass
class Cron:
    """The reconcile workflow: every ``interval`` seconds (never two at once, like its
    concurrency group) until the label jobs have ended and no issue is open any more."""

    world: World
    waiting_for: list[Any]
    interval: float = RECONCILE_EVERY
    interleave: bool = False
    passes: list[Pass] = field(default_factory=list)
    quiet_at: float | None = None

    def __call__(self, clock: Clock) -> None:
        tick = clock.monotonic()
        while True:
            tick += self.interval
            clock.sleep(max(tick - clock.monotonic(), 0.0))
            tick = max(tick, clock.monotonic())
            start = clock.monotonic()
            outcome = reconcile_job(
                self.world,
                clock=clock,
                seed=len(self.passes),
                interleave=self.interleave,
                max_concurrent_sessions=str(CAP),
            )
            self.passes.append(self._record(outcome, start, clock.monotonic()))
            if all(job.done for job in self.waiting_for) and not open_issues(self.world):
                self.quiet_at = clock.monotonic()
                return

    def _record(self, outcome: Outcome, start: float, end: float) -> Pass:
        found = _SUMMARY.search(outcome.message)
        assert found is not None, outcome.message
        states = [s["state"] for s in self.world.simulator.sessions.values()]
        numbers = {k: int(v) for k, v in found.groupdict().items()}
        return Pass(
            start=start,
            end=end,
            **numbers,
            jules_active=sum(state in ACTIVE for state in states),
            jules_open=sum(state not in {"COMPLETED", "FAILED"} for state in states),
        )


def outcome_of(job: Any) -> Outcome:
    assert isinstance(job.result, Outcome)
    return job.result


def open_issues(world: World) -> list[int]:
    return [i.number for i in world.github_state.list_issues(labels=[OPEN_LABEL])]


def labeled(number: int, at: datetime) -> dict[str, Any]:
    """The real ``issues.labeled`` payload for issue ``number``, labelled at ``at``."""
    payload = copy.deepcopy(load_payload("issues.labeled"))
    payload["label"]["name"] = "jules-task"
    payload["issue"]["number"] = number
    payload["issue"]["title"] = f"Task {number}"
    payload["issue"]["body"] = f"Please do task number {number}."
    payload["issue"]["updated_at"] = iso(at.replace(microsecond=0))
    return payload


def fleet_world(clock: LinkedClock, issues: int, **sim_options: Any) -> World:
    world = make_world(clock, seed=7, **sim_options)
    for number in range(1, issues + 1):
        world.github_state.create_issue(
            title=f"Task {number}", body=f"Please do task number {number}.", author=OWNER
        )
    return world


def label_job(world: World, number: int, wait: str, prompt: str) -> Callable[[Clock], Outcome]:
    payload = labeled(number, world.clock.now())

    def job(clock: Clock) -> Outcome:
        return run_job(
            world, "issues", payload, clock=clock, seed=number, wait_minutes=wait, prompt=prompt
        )

    return job


def sessions_per_issue(world: World) -> Counter[int]:
    """How many Jules sessions carry each issue's request tag (created by any run)."""
    tag = re.compile(rf"\(jules-action request {OWNER}/{REPO} label:(\d+):")
    found: Counter[int] = Counter()
    for session in world.simulator.sessions.values():
        match = tag.search(str(session.get("prompt", "")))
        if match:
            found[int(match.group(1))] += 1
    return found


def creates(world: World, status: int) -> int:
    return sum(
        1
        for r in world.simulator.requests
        if r.operation == "sessions.create" and r.status == status
    )


def assert_every_issue_has_its_pr(world: World, numbers: range) -> None:
    """One tracking comment per issue, final, with the PR link; the PR says it closes it; one
    notice told the requester."""
    pulls = world.github_state.list_pulls(state="all")
    closes = Counter(int(m) for p in pulls for m in re.findall(r"Closes #(\d+)", p.body or ""))
    for number in numbers:
        [state] = world.tracking(number)
        assert state.status is Status.PR_OPENED, (number, state.status, state.detail)
        assert state.pr_url
        body, notice = world.comment_bodies(number)
        assert body.startswith("**✅ Jules opened a pull request**")
        assert notice.startswith("@Codertocat ✅ Jules opened [#"), notice
        assert closes[number] == 1, number
    assert len(pulls) == len(numbers)
    assert open_issues(world) == []


# --- the fleet -------------------------------------------------------------------------------

# A third hands off at once, a third waits 10 minutes, a third waits the default 30; a few
# sessions take the scenic route to their PR (opened mid-session; completed first and nudged).
WAITS = ("0", "10", "30")
SCENARIOS = {5: "pr-while-in-progress", 10: "completed-no-pr", 25: "pr-while-in-progress"}


def test_fleet__thirty_issues_thirty_prs_one_session_each_never_over_the_cap() -> None:
    clock = LinkedClock()
    world = fleet_world(clock, ISSUES, max_concurrent_sessions=CAP, daily_session_limit=DAILY_QUOTA)
    scheduler = Scheduler(clock)
    with world.simulator:
        jobs = []
        for number in range(1, ISSUES + 1):
            scenario = SCENARIOS.get(number)
            prompt = f"[jules-sim:{scenario}]" if scenario else ""
            job = label_job(world, number, WAITS[number % 3], prompt)
            jobs.append(scheduler.spawn(f"issue-{number}", job))
        cron = Cron(world, waiting_for=jobs)
        scheduler.spawn("reconcile", cron)
        scheduler.run()

        sim_start = clock.sim.now() - timedelta(seconds=clock.elapsed)
        outcomes = Counter(outcome_of(job).outcome for job in jobs)
        counts = world.simulator.counts()
        refusals = creates(world, 429)
        passes = cron.passes
        assert cron.quiet_at is not None
        print(
            f"\nfleet: {ISSUES} issues, Jules cap {CAP}, daily quota {DAILY_QUOTA}, "
            f"reconcile every {RECONCILE_EVERY / 60:.0f} min, max-concurrent-sessions {CAP}\n"
            f"  label-job outcomes:        {dict(sorted(outcomes.items()))}\n"
            f"  sessions created:          {world.sessions_created()}\n"
            f"  429 refusals (creates):    {refusals}\n"
            f"  reconcile passes:          {len(passes)} "
            f"({sum(p.started for p in passes)} sessions started by reconcile)\n"
            f"  simulated minutes to quiet: {cron.quiet_at / 60:.0f} "
            f"(simulator day {sim_start:%H:%M} -> {clock.sim.now():%a %H:%M} UTC)\n"
            f"  reconcile runner minutes:  {sum(p.end - p.start for p in passes) / 60:.0f} "
            f"(without start-up)\n"
            f"  max our sessions open at Jules (queued there or running) at a pass: "
            f"{max(p.jules_open for p in passes)}\n"
            f"  max our sessions holding a Jules slot at a pass: "
            f"{max(p.jules_active for p in passes)}\n"
            f"  max reconcile 'running' in a pass that started one: "
            f"{max((p.running for p in passes if p.started), default=0)}\n"
            f"  Jules requests by method:  {dict(sorted(counts.items()))}\n"
            f"  Jules requests in total:   {sum(counts.values())}"
        )

        # 30 PR links, one final comment each, 30 PRs.
        assert_every_issue_has_its_pr(world, range(1, ISSUES + 1))
        # 0 duplicate sessions.
        assert world.sessions_created() == ISSUES
        assert sessions_per_issue(world) == Counter(range(1, ISSUES + 1))
        # The quota refused the creates beyond 20 on day one; they started the next day.
        assert refusals > 0
        assert outcomes["queued"] == ISSUES - DAILY_QUOTA
        assert sum(p.started for p in passes) == ISSUES - DAILY_QUOTA
        assert clock.sim.now().date() > sim_start.date()
        # Never more than the cap at once: Jules' slots, and reconcile's own starts.
        assert max(p.jules_active for p in passes) <= CAP
        assert all(p.running <= CAP for p in passes if p.started)
        assert all(p.errors == 0 for p in passes)
        # The figures: quiet within a day; every create beyond the quota was a refusal.
        assert cron.quiet_at < 24 * 3600
        assert counts["sessions.create"] == ISSUES + refusals
        assert counts["sessions.get"] > 0
    world.assert_no_secrets()


# --- duplicate and racing events -------------------------------------------------------------


@pytest.mark.parametrize(
    ("concurrency_group", "waits"),
    [
        # The README's job-level group (one run per issue at a time): the deliveries run one
        # after the other, while every GitHub/Jules call interleaves with the reconcile runs.
        pytest.param(True, ("0", "0", "5"), id="concurrency-group"),
        # No group: the three runs overlap in simulated time (yielding while they wait).
        pytest.param(False, ("30", "30", "5"), id="overlapping-runs"),
        pytest.param(
            True,
            ("30", "30", "5"),
            id="concurrency-group-relabel-waits-for-the-pr",
        ),
    ],
)
def test_fleet__same_event_twice_and_a_relabel_make_one_session(
    concurrency_group: bool, waits: tuple[str, str, str]
) -> None:
    clock = LinkedClock()
    world = fleet_world(clock, 1)
    scheduler = Scheduler(clock)
    with world.simulator:
        payload = labeled(1, clock.now())
        relabel = labeled(1, clock.now() + timedelta(minutes=2))
        events = (payload, payload, relabel)

        def delivery(n: int) -> Callable[[Clock], Outcome]:
            return lambda c: run_job(
                world,
                "issues",
                events[n],
                clock=c,
                seed=n,
                interleave=concurrency_group,
                wait_minutes=waits[n],
            )

        if concurrency_group:
            group = scheduler.spawn("jules-1", lambda c: [delivery(n)(c) for n in range(3)])
            runs: list[Any] = [group]
        else:
            runs = [
                scheduler.spawn(f"delivery-{n}", delivery(n), delay=120 if n == 2 else 0)
                for n in range(3)
            ]
        cron = Cron(world, waiting_for=runs, interleave=concurrency_group)
        scheduler.spawn("reconcile", cron)
        scheduler.run()

        results = runs[0].result if concurrency_group else [outcome_of(job) for job in runs]
        print(f"\nduplicates: {[(r.outcome, r.session_id) for r in results]}")
        assert world.sessions_created() == 1
        assert len({r.session_id for r in results}) == 1
        assert len(world.tracking_bodies(1)) == 1
        assert len(world.notice_bodies(1)) == 1, "racing runs tell the requester once"
        assert_every_issue_has_its_pr(world, range(1, 2))
    world.assert_no_secrets()


def test_fleet__relabel_racing_reconcile_on_a_queued_request_makes_one_session() -> None:
    clock = LinkedClock()
    world = fleet_world(clock, 3, daily_session_limit=2)
    with world.simulator:
        for number in (1, 2, 3):
            run_job(world, "issues", labeled(number, clock.now()), wait_minutes="0")
        assert world.tracking(3)[0].status is Status.QUEUED
        clock.advance(seconds_to_next_sim_day(clock) + 60)
        scheduler = Scheduler(clock)
        relabel = labeled(3, clock.now())
        scheduler.spawn(
            "jules-3",
            lambda c: run_job(world, "issues", relabel, clock=c, interleave=True, wait_minutes="0"),
        )
        scheduler.spawn(
            "jules-reconcile", lambda c: reconcile_job(world, clock=c, seed=1, interleave=True)
        )
        scheduler.run()
        print(f"\nqueued request raced: {sessions_per_issue(world)[3]} sessions for issue 3")
        assert sessions_per_issue(world)[3] == 1


def seconds_to_next_sim_day(clock: LinkedClock) -> float:
    now = clock.sim.now()
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - now).total_seconds()


# --- a job killed mid-wait --------------------------------------------------------------------


def killed_after_polls(polls: int) -> Callable[[httpx.Client, Clock], JulesClient]:
    class Killed(JulesClient):
        seen = 0

        def get_session(self, session_id: str) -> Session:
            if self.seen >= polls:
                raise JobKilled
            self.seen += 1
            return super().get_session(session_id)

    return lambda http, clock: Killed(http, clock=clock)


def killed_after_create(http: httpx.Client, clock: Clock) -> JulesClient:
    class Killed(JulesClient):
        def create_session(self, request: CreateSessionRequest) -> Session:
            super().create_session(request)
            raise JobKilled  # the session exists; the tracking comment does not know it

    return Killed(http, clock=clock)


@pytest.mark.parametrize(
    ("kill", "status_after_kill"),
    [
        pytest.param(killed_after_polls(4), Status.RUNNING, id="mid-wait"),
        pytest.param(killed_after_create, Status.STARTING, id="between-create-and-comment"),
    ],
)
def test_fleet__killed_job_is_finished_by_reconcile(
    kill: Callable[[httpx.Client, Clock], JulesClient], status_after_kill: Status
) -> None:
    clock = LinkedClock()
    world = fleet_world(clock, 1)
    with world.simulator:
        with pytest.raises(JobKilled):
            run_job(world, "issues", labeled(1, clock.now()), jules=kill)
        [state] = world.tracking(1)
        assert state.status is status_after_kill
        passes = 0
        while open_issues(world):
            assert passes < 24, "reconcile did not finish the request in two hours"
            clock.advance(RECONCILE_EVERY)
            reconcile_job(world)
            passes += 1
        print(f"\nkilled job ({state.status.value} left behind): {passes} reconcile passes")
        assert world.sessions_created() == 1
        assert_every_issue_has_its_pr(world, range(1, 2))
    world.assert_no_secrets()


@pytest.mark.parametrize("seed", range(6))
def test_fleet__racing_claims_without_a_concurrency_group_make_one_session(seed: int) -> None:
    """Two deliveries interleaved at every GitHub/Jules call: the lower claim wins."""
    clock = LinkedClock()
    world = fleet_world(clock, 1)
    scheduler = Scheduler(clock)
    with world.simulator:
        payload = labeled(1, clock.now())
        runs = [
            scheduler.spawn(
                f"delivery-{n}",
                lambda c, n=n: run_job(
                    world,
                    "issues",
                    payload,
                    clock=c,
                    seed=seed * 10 + n,
                    interleave=True,
                    wait_minutes="0",
                ),
            )
            for n in range(2)
        ]
        scheduler.run()
        outcomes = sorted(outcome_of(job).outcome for job in runs)
        assert world.sessions_created() == 1
        assert outcomes == ["handed-off", "skipped"]
        open_requests = [s for s in world.tracking(1) if s.status.is_open]
        assert len(open_requests) == 1
