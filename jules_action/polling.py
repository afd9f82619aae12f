"""Waiting for a Jules session: a pure poll state machine and a thin driver.

``next_step`` decides from one observed session what happens next (wait how long, or
stop and why); ``wait_for_session`` only fetches, asks and sleeps. Every session state is
classified in exactly one of the sets below (a test checks that), and a total deadline on
the injected clock bounds every wait, because sessions can stay IN_PROGRESS forever
(jules-sdk #23).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Final

from jules_action.clock import Clock
from jules_action.jules_models import PullRequest, Session, SessionState

KEEP_POLLING: Final = frozenset(
    {
        SessionState.STATE_UNSPECIFIED,
        SessionState.QUEUED,
        SessionState.PLANNING,
        SessionState.IN_PROGRESS,
        # A state newer than this code: keep watching rather than guess an ending.
        SessionState.UNKNOWN,
    }
)
# PAUSED (paused in the Jules web app) waits for a person like a question does: report it
# on the issue and stop waiting, rather than poll a session nobody is driving.
NEEDS_HUMAN: Final = frozenset(
    {
        SessionState.AWAITING_PLAN_APPROVAL,
        SessionState.AWAITING_USER_FEEDBACK,
        SessionState.PAUSED,
    }
)
TERMINAL: Final = frozenset({SessionState.COMPLETED, SessionState.FAILED})


@dataclass(frozen=True)
class PollPolicy:
    """How long to wait before the next look, by what the session is doing.

    Chosen from measurement (``bench/sdk_vs_action.py``, figures in ``bench/README.md``):

    - while the session may open a PR (IN_PROGRESS, a state newer than this code): every
      ``interval``, however long nothing changes, so a PR waits at most one interval;
    - before the work starts (QUEUED, which at the concurrency cap can last hours; PLANNING):
      no PR can come yet, so ``interval`` after a change, then ``growth`` times longer per
      look without one, up to ``interval * max_factor``;
    - once COMPLETED without a PR (the PR, if any, usually follows within seconds): from
      ``interval * completed_factor``, ``growth`` times longer per look, up to ``interval``,
      for ``completed_grace``.
    """

    interval: float = 12.0
    max_factor: float = 4.0
    growth: float = 1.5
    completed_factor: float = 1 / 3
    timeout: float = 30 * 60.0  # total budget for this wait
    completed_grace: float = 180.0  # keep looking for a PR this long after COMPLETED


@dataclass(frozen=True)
class Memo:
    """What the machine remembers between polls."""

    wait: float
    fingerprint: tuple[str, ...] = ()
    completed_at: float | None = None
    changed: bool = False


@dataclass(frozen=True)
class Wait:
    seconds: float


@dataclass(frozen=True)
class PrOpened:
    session: Session
    pull_request: PullRequest


@dataclass(frozen=True)
class Failed:
    session: Session


@dataclass(frozen=True)
class NeedsInput:
    session: Session


@dataclass(frozen=True)
class CompletedWithoutPr:
    session: Session


@dataclass(frozen=True)
class TimedOut:
    session: Session


Step = Wait | PrOpened | Failed | NeedsInput | CompletedWithoutPr | TimedOut


def first_memo(policy: PollPolicy) -> Memo:
    return Memo(wait=policy.interval)


def _fingerprint(session: Session) -> tuple[str, ...]:
    update = session.update_time.isoformat() if session.update_time else ""
    return (session.state.value, update, str(len(session.outputs)))


def ending(session: Session) -> PrOpened | Failed | NeedsInput | None:
    """What one look at the session settles at once, whatever the waiting so far; pure.

    A PR link wins in any state (it can appear before COMPLETED, or on FAILED); then a
    failure; then a wait for a person. COMPLETED without a PR needs a grace period, which
    the caller measures.
    """
    if session.pull_request is not None:
        return PrOpened(session, session.pull_request)
    if session.state is SessionState.FAILED:
        return Failed(session)
    if session.state in NEEDS_HUMAN:
        return NeedsInput(session)
    return None


def next_step(
    session: Session, *, elapsed: float, memo: Memo, policy: PollPolicy
) -> tuple[Step, Memo]:
    """Classify one observation of ``session``; pure."""
    fingerprint = _fingerprint(session)
    changed = fingerprint != memo.fingerprint
    ended = ending(session)
    if ended is not None:
        return ended, replace(memo, changed=changed)
    state = session.state
    completed_at = memo.completed_at
    if state is SessionState.COMPLETED:
        completed_at = elapsed if completed_at is None else completed_at
        if elapsed - completed_at >= policy.completed_grace:
            return CompletedWithoutPr(session), replace(memo, changed=changed)
    else:
        completed_at = None
    remaining = policy.timeout - elapsed
    if remaining <= 0:
        return TimedOut(session), replace(memo, changed=changed)
    wait = _wait(state, changed=changed, previous=memo.wait, policy=policy)
    if completed_at is not None:
        wait = min(wait, max(policy.completed_grace - (elapsed - completed_at), 0.0))
    new_memo = Memo(wait=wait, fingerprint=fingerprint, completed_at=completed_at, changed=changed)
    return Wait(min(wait, remaining)), new_memo


_BEFORE_WORK: Final = frozenset({SessionState.QUEUED, SessionState.PLANNING})


def _wait(state: SessionState, *, changed: bool, previous: float, policy: PollPolicy) -> float:
    """The wait after a look at a session in ``state`` that is still going; pure."""
    if state is SessionState.COMPLETED:
        first = policy.interval * policy.completed_factor
        return first if changed else min(previous * policy.growth, policy.interval)
    if state in _BEFORE_WORK and not changed:
        return min(previous * policy.growth, policy.interval * policy.max_factor)
    return policy.interval


def wait_for_session(
    fetch: Callable[[], Session],
    *,
    clock: Clock,
    policy: PollPolicy,
    on_change: Callable[[Session], None] = lambda _session: None,
    before_wait: Callable[[], object] = lambda: None,
) -> PrOpened | Failed | NeedsInput | CompletedWithoutPr | TimedOut:
    """Poll ``fetch`` until the machine says stop; call ``on_change`` when the session changes
    and ``before_wait`` before every wait (to make durable what the looks found)."""
    start = clock.monotonic()
    memo = first_memo(policy)
    while True:
        session = fetch()
        step, memo = next_step(session, elapsed=clock.monotonic() - start, memo=memo, policy=policy)
        if memo.changed:
            on_change(session)
        if not isinstance(step, Wait):
            return step
        before_wait()
        clock.sleep(step.seconds)
