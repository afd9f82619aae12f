"""The poll state machine: every state classified, backoff, PR in any state, grace, deadline."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from jules_action.jules_models import Session, SessionState
from jules_action.polling import (
    KEEP_POLLING,
    NEEDS_HUMAN,
    TERMINAL,
    CompletedWithoutPr,
    Failed,
    NeedsInput,
    PollPolicy,
    PrOpened,
    TimedOut,
    Wait,
    first_memo,
    next_step,
    wait_for_session,
)

T0 = datetime(2026, 11, 24, tzinfo=UTC)
PR = {"pullRequest": {"url": "https://github.com/o/r/pull/1", "title": "Fix"}}


def session(state: str | None, *, minute: int = 0, pr: bool = False) -> Session:
    data: dict[str, object] = {
        "id": "1",
        "updateTime": (T0 + timedelta(minutes=minute)).isoformat(),
    }
    if state:
        data["state"] = state
    if pr:
        data["outputs"] = [PR]
    return Session.model_validate(data)


def test_states__every_state_is_classified_exactly_once() -> None:
    groups = [KEEP_POLLING, NEEDS_HUMAN, TERMINAL]
    for state in SessionState:
        assert sum(state in g for g in groups) == 1, state


@pytest.mark.parametrize("state", ["QUEUED", "PLANNING", "IN_PROGRESS", "FAILED", "COMPLETED"])
def test_next_step__a_pr_link_ends_the_wait_in_any_state(state: str) -> None:
    step, _ = next_step(
        session(state, pr=True), elapsed=0, memo=first_memo(PollPolicy()), policy=PollPolicy()
    )
    assert isinstance(step, PrOpened)
    assert step.pull_request.url.endswith("/pull/1")


def test_next_step__failed_and_awaiting_stop() -> None:
    policy = PollPolicy()
    assert isinstance(
        next_step(session("FAILED"), elapsed=0, memo=first_memo(policy), policy=policy)[0], Failed
    )
    for state in ("AWAITING_PLAN_APPROVAL", "AWAITING_USER_FEEDBACK"):
        step, _ = next_step(session(state), elapsed=0, memo=first_memo(policy), policy=policy)
        assert isinstance(step, NeedsInput)


def test_next_step__missing_and_unknown_states_keep_polling() -> None:
    policy = PollPolicy(interval=10)
    for s in (session(None), session("SOMETHING_NEW")):
        step, _ = next_step(s, elapsed=0, memo=first_memo(policy), policy=policy)
        assert step == Wait(10)


def waits(policy: PollPolicy, observations: list[Session]) -> list[float]:
    memo = first_memo(policy)
    found = []
    for observation in observations:
        step, memo = next_step(observation, elapsed=0, memo=memo, policy=policy)
        assert isinstance(step, Wait)
        found.append(step.seconds)
    return found


def test_next_step__while_working_the_wait_stays_at_the_interval() -> None:
    policy = PollPolicy(interval=10, growth=1.5, max_factor=4, timeout=10_000)
    for state in ("IN_PROGRESS", "SOMETHING_NEW", None):
        assert waits(policy, [session(state)] * 8) == [10] * 8


@pytest.mark.parametrize("state", ["QUEUED", "PLANNING"])
def test_next_step__before_the_work_starts_the_wait_grows_and_resets_on_change(
    state: str,
) -> None:
    policy = PollPolicy(interval=10, growth=1.5, max_factor=4, timeout=10_000)
    queued = [session(state)] * 6 + [session(state, minute=5), session("IN_PROGRESS")]
    assert waits(policy, queued) == [10, 15, 22.5, 33.75, 40, 40, 10, 10]


def test_next_step__after_completed_without_pr_looks_soon_then_back_to_the_interval() -> None:
    policy = PollPolicy(interval=12, growth=1.5, completed_factor=1 / 3, timeout=10_000)
    done = [session("IN_PROGRESS")] + [session("COMPLETED", minute=20)] * 5
    assert waits(policy, done) == [12, 4, 6, 9, 12, 12]


def test_default_policy__a_working_session_is_looked_at_every_12_seconds() -> None:
    # The schedule bench/sdk_vs_action.py measured (bench/README.md): p50 <= 10 s from the
    # PR to its link at under half the official SDK's requests.
    policy = PollPolicy()
    assert (policy.interval, policy.max_factor, policy.completed_factor) == (12.0, 4.0, 1 / 3)


def test_next_step__never_sleeps_past_the_deadline_then_times_out() -> None:
    policy = PollPolicy(interval=10, timeout=25)
    step, memo = next_step(
        session("IN_PROGRESS"), elapsed=20, memo=first_memo(policy), policy=policy
    )
    assert step == Wait(5)
    step, _ = next_step(session("IN_PROGRESS"), elapsed=25, memo=memo, policy=policy)
    assert isinstance(step, TimedOut)


def test_next_step__completed_without_pr_waits_a_grace_period() -> None:
    policy = PollPolicy(interval=30, completed_grace=30, timeout=1000)
    memo = first_memo(policy)
    step, memo = next_step(session("COMPLETED"), elapsed=100, memo=memo, policy=policy)
    assert step == Wait(10)
    step, memo = next_step(session("COMPLETED"), elapsed=125, memo=memo, policy=policy)
    assert step == Wait(5)
    step, _ = next_step(session("COMPLETED"), elapsed=130, memo=memo, policy=policy)
    assert isinstance(step, CompletedWithoutPr)


def test_wait_for_session__sleeps_on_the_injected_clock_and_reports_changes(clock) -> None:
    script: Iterator[Session] = iter(
        [
            session("QUEUED"),
            session("IN_PROGRESS", minute=1),
            session("IN_PROGRESS", minute=1),
            session("COMPLETED", minute=2, pr=True),
        ]
    )
    seen: list[str] = []
    events: list[str] = []
    step = wait_for_session(
        lambda: next(script),
        clock=clock,
        policy=PollPolicy(interval=2),
        on_change=lambda s: seen.append(s.state.value),
        before_wait=lambda: events.append(f"flush after {len(clock.sleeps)} sleeps"),
    )
    assert isinstance(step, PrOpened)
    assert clock.sleeps == [2, 2, 2]
    assert seen == ["QUEUED", "IN_PROGRESS", "COMPLETED"]
    # Before every wait (what the looks found is made durable), never after the last look.
    assert events == [f"flush after {n} sleeps" for n in range(3)]


def test_wait_for_session__stuck_session_times_out_at_the_deadline(clock) -> None:
    step = wait_for_session(
        lambda: session("IN_PROGRESS"), clock=clock, policy=PollPolicy(interval=10, timeout=600)
    )
    assert isinstance(step, TimedOut)
    assert sum(clock.sleeps) == pytest.approx(600)
    assert max(clock.sleeps) <= 10
