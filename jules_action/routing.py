"""What a trigger means for the requests already on the thread; pure, no I/O.

The executor (``orchestrator``, ``reconcile``) reads the thread, asks these functions what
to do, and applies the answer through the ports. Everything here takes plain values (the
trigger, the verified requests on the thread, the time) and returns a plain decision, so
every rule (re-deliveries, re-runs, claim ages, races, replies to a queued request) is
unit-tested without a network.

- ``route(trigger, requests)``: a trigger on an issue -> ``Start``, ``Resume``, ``Report``,
  ``Converse``, ``Approve``, ``Amend``, ``NothingToApprove``, ``AlreadyHandled`` or
  ``CheckPull`` (a comment on a PR: ask Jules whether the PR is one of its sessions').
- ``resume(tracked, now, run)``: what to do with a request that already exists.
- ``winner(claims)``: of racing claims for one request, the one that proceeds.
- ``unhandled_commands(...)``: trigger comments on the thread that no run has taken (GitHub
  drops queued workflow runs), so every run and reconcile pass handles them, once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from jules_action.commands import find_command, is_approval
from jules_action.github_port import CommentRecord
from jules_action.tracking import Status, Tracked, TrackingState
from jules_action.triggers import Trigger

# A claim younger than this may belong to a run that is creating its session right now.
CLAIM_IN_FLIGHT: Final = timedelta(minutes=2)
# Claims older than this belong to the reconciler; a run leaves them alone. Also how long
# a create whose answer was lost gets to show up in sessions.list before another create.
RECONCILE_RECOVERS_AFTER: Final = timedelta(minutes=15)
# A trigger comment older than this is history, not a request a dropped run left behind.
SCAN_HORIZON: Final = timedelta(hours=24)
SCAN_MOST: Final = 10


# --- decisions for a trigger -------------------------------------------------------------


@dataclass(frozen=True)
class Start:
    """A new request: claim it, then create its session."""


@dataclass(frozen=True)
class Resume:
    """The request exists (a re-run, a re-delivered event, a label on an open request)."""

    tracked: Tracked


@dataclass(frozen=True)
class Report:
    """The issue's last request ended; a label asks for what is done: report it."""

    tracked: Tracked


@dataclass(frozen=True)
class Converse:
    """A reply for the open request's session."""

    tracked: Tracked
    text: str


@dataclass(frozen=True)
class Approve:
    """Approve the open request's pending plan."""

    tracked: Tracked


@dataclass(frozen=True)
class Amend:
    """More instructions for a request whose session does not exist yet (queued, starting)."""

    tracked: Tracked
    text: str


@dataclass(frozen=True)
class NothingToApprove:
    """``/jules approve`` with no plan waiting: say so, start nothing."""

    tracked: Tracked | None


@dataclass(frozen=True)
class AlreadyHandled:
    """This trigger comment was already taken by ``tracked`` (a re-delivered event)."""

    tracked: Tracked


@dataclass(frozen=True)
class CheckPull:
    """A comment on a pull request with no request of ours: is the PR a Jules session's?"""


Decision = (
    Start
    | Resume
    | Report
    | Converse
    | Approve
    | Amend
    | NothingToApprove
    | AlreadyHandled
    | CheckPull
)


def awaits_approval(state: TrackingState) -> bool:
    """Whether ``/jules approve`` has a plan to approve.

    A session created with plan approval may report COMPLETED, with no PR, while its plan
    waits; approving it resumes the work. So COMPLETED counts until a plan was approved.
    """
    if not state.session_id:
        return False
    if state.state == "AWAITING_PLAN_APPROVAL":
        return True
    return state.require_plan_approval and not state.approved and state.state == "COMPLETED"


def route(trigger: Trigger, requests: Sequence[Tracked]) -> Decision:
    """What ``trigger`` (on an issue) means, given our verified requests on its thread."""
    same = [t for t in requests if t.state.request == trigger.request_key]
    if same:
        return Resume(same[-1])
    if trigger.comment is not None:
        taken = [t for t in requests if trigger.handled_id in t.state.handled]
        if taken:
            return AlreadyHandled(taken[-1])
    open_ones = [t for t in requests if t.state.status.is_open]
    approval = trigger.kind == "comment" and is_approval(trigger.instructions)
    if open_ones:
        latest = open_ones[-1]
        if trigger.kind != "comment":
            return Resume(latest)
        if approval:
            return Approve(latest) if awaits_approval(latest.state) else NothingToApprove(latest)
        if not latest.state.session_id:
            return Amend(latest, trigger.instructions)
        return Converse(latest, trigger.instructions)
    if approval:
        return NothingToApprove(None)
    requests_made = [t for t in requests if t.state.status is not Status.DUPLICATE]
    if trigger.kind == "label" and requests_made:
        # The label asks for this issue to be done, and it was: report that request rather
        # than start a second session. A new `/jules` comment is how to ask again.
        return Report(requests_made[-1])
    if trigger.kind == "comment" and trigger.on_pull_request:
        return CheckPull()
    return Start()


# --- what an existing request needs ------------------------------------------------------


@dataclass(frozen=True)
class Ended:
    """Final already: report it."""


@dataclass(frozen=True)
class LeaveQueued:
    """Queued: only the reconciler starts queued requests (oldest first, within the cap)."""


@dataclass(frozen=True)
class LeaveStarting:
    """Claimed without a session, and not ours to recover now; ``reason`` says why."""

    reason: str


@dataclass(frozen=True)
class Recover:
    """Claimed without a recorded session: look for it by its tag, create it if absent."""


@dataclass(frozen=True)
class Follow:
    """A session exists: wait for it (or hand off)."""


ResumeStep = Ended | LeaveQueued | LeaveStarting | Recover | Follow


def claim_of(run_id: str, attempt: str) -> str:
    """The claim id of a run attempt, as recorded in the claims it makes."""
    return f"{run_id}.{attempt}"


def resume(tracked: Tracked, *, now: datetime, run_id: str) -> ResumeStep:
    """What a run does with a request that exists already."""
    state = tracked.state
    if not state.status.is_open:
        return Ended()
    if state.status is Status.QUEUED:
        return LeaveQueued()
    if state.session_id:
        return Follow()
    if run_id and state.claim.split(".", 1)[0] == run_id:
        # A re-run attempt of the run that made the claim: attempts run one after another,
        # so the earlier one is over. Its session, if it made one, is found by its tag.
        return Recover()
    age = now - tracked.comment.updated_at
    if age < CLAIM_IN_FLIGHT:
        return LeaveStarting("Another run is starting this request.")
    if age >= RECONCILE_RECOVERS_AFTER - CLAIM_IN_FLIGHT:
        return LeaveStarting(
            "This request's start was interrupted; the reconcile workflow recovers it."
        )
    return Recover()


def reconcile_may_recover(tracked: Tracked, *, now: datetime) -> bool:
    """A claim without a session that no run is still starting (older than the window)."""
    state = tracked.state
    return (
        state.status is Status.STARTING
        and not state.session_id
        and now - tracked.comment.updated_at > RECONCILE_RECOVERS_AFTER
    )


# --- races -----------------------------------------------------------------------------


def same_request(state: TrackingState, trigger: Trigger) -> bool:
    """Claims that are one request: the same key, or any two label requests on one issue."""
    return state.request == trigger.request_key or (
        trigger.kind == "label" and state.request.startswith("label:")
    )


def winner(claims: Sequence[Tracked]) -> Tracked | None:
    """Of open claims for one request, the one that proceeds: the lowest comment id.

    Every racing run posts its claim, then lists the thread: they all see the same lowest id
    (comment ids grow in creation order), so exactly one proceeds.
    """
    live = [t for t in claims if t.state.status.is_open]
    return min(live, key=lambda t: t.comment.id) if live else None


# --- trigger comments no run has taken -------------------------------------------------------


def handled_comments(requests: Sequence[Tracked]) -> set[int]:
    """Ids of the trigger comments our requests took (as their own key or as a reply)."""
    ids: set[int] = set()
    for tracked in requests:
        state = tracked.state
        ids.update(state.handled)
        kind, _, rest = state.request.partition(":")
        if kind == "comment" and rest.isdigit():
            ids.add(int(rest))
    return ids


def unhandled_commands(
    comments: Sequence[CommentRecord],
    requests: Sequence[Tracked],
    *,
    phrase: str,
    now: datetime,
    is_own: Callable[[CommentRecord], bool],
    skip: int | None = None,
) -> list[CommentRecord]:
    """Trigger comments that no run took, oldest first; at most ``SCAN_MOST``.

    Only where the action already works on the issue (after our first tracking comment),
    within ``SCAN_HORIZON``, never edited (only new comments trigger), and not ``skip`` (the
    comment this run was started for). Whether the author may trigger is the caller's check.
    """
    if not requests:
        return []
    since = min(t.comment.created_at for t in requests)
    taken = handled_comments(requests)
    found = [
        c
        for c in comments
        if c.id not in taken
        and c.id != skip
        and c.created_at > since
        and now - c.created_at <= SCAN_HORIZON
        and c.updated_at == c.created_at
        and c.author_type != "Bot"
        and not is_own(c)
        and find_command(c.body, phrase) is not None
    ]
    return found[:SCAN_MOST]
