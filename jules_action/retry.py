"""Retry policy for Jules API calls: backoff schedule and the give-up rule; pure, no I/O.

The client decides *whether* an error may be retried (that depends on the HTTP method and
the error); this module decides *how long* to wait and *whether the budget allows it*. The
numbers follow jules-api.md §9.3 (1 s doubling, cap 30 s, jitter) and the official SDK's
5-minute retry window (§5).
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """How a JulesClient retries.

    Attributes:
        initial: first backoff delay in seconds.
        multiplier: growth factor per attempt.
        max_delay: cap on one computed backoff delay (a server's Retry-After is not capped).
        jitter: fraction of each delay that is randomised away: the delay is drawn from
            ``[base * (1 - jitter), base]``, so the cap is never exceeded and concurrent
            jobs do not retry in lockstep.
        budget: total seconds, from the first attempt, after which no retry is started.
        not_found_window: seconds after this client created a session during which a 404
            for that session is treated as eventual consistency and retried (jules-sdk #19).
    """

    initial: float = 1.0
    multiplier: float = 2.0
    max_delay: float = 30.0
    jitter: float = 0.5
    budget: float = 300.0
    not_found_window: float = 300.0


def backoff_delay(policy: RetryPolicy, attempt: int, rng: random.Random) -> float:
    """The wait before retry number ``attempt + 1`` (``attempt`` counts from 0)."""
    base = min(policy.max_delay, policy.initial * policy.multiplier ** min(attempt, 64))
    return base * (1.0 - policy.jitter * rng.random())


def next_delay(
    policy: RetryPolicy,
    *,
    attempt: int,
    elapsed: float,
    retry_after: float | None,
    rng: random.Random,
) -> float | None:
    """Seconds to sleep before the next attempt, or ``None`` when the budget is spent.

    A server-provided ``retry_after`` replaces the computed backoff. A retry whose wait
    would end past the budget is not started: failing now beats failing after the wait.
    """
    delay = (
        max(retry_after, 0.0) if retry_after is not None else backoff_delay(policy, attempt, rng)
    )
    if elapsed + delay > policy.budget:
        return None
    return delay
