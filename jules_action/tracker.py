"""The durable state of a request on its issue: claim, write, finish; GitHub I/O via the port.

The tracking comment is the store. Its rules:

- A claim is posted before any session exists. Posting a comment is the one write that is
  not safe to repeat (GitHub may have stored it before the answer was lost), so a failed post
  is followed by a look at the thread for a claim carrying this run's claim id before
  another post; a second copy of our own claim is marked a duplicate.
- Of racing claims for one request, the lowest comment id proceeds (``routing.winner``).
- An issue with an open request carries ``OPEN_LABEL`` so the reconciler finds it; the label
  is set on every touch of an open request (setting a label is safe to repeat).
- A request leaves the open state only once its final state is on the issue: ``finish``
  removes the label only after the final write succeeded. When it fails, the last durable
  state is still open, so the reconciler looks again and writes the end.
- Once the issue shows a state that owes the requester a notice (``notices``), the notice is
  posted and its key recorded; an ended request keeps the label until its notice is posted,
  so the reconciler comes back to post one that could not be.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final

from jules_action import notices
from jules_action.errors import GitHubError, GitHubPermissionError
from jules_action.github_port import CommentRecord
from jules_action.ports import Ports
from jules_action.routing import claim_of, same_request, winner
from jules_action.tracking import (
    Status,
    Tracked,
    TrackingState,
    find_tracked,
    iso,
    render,
    same_login,
)
from jules_action.triggers import Trigger

log = logging.getLogger("jules_action")

# The label this action keeps on issues with an open request, so the reconciler can find them.
OPEN_LABEL: Final = "jules-in-progress"


def read_thread(ports: Ports, issue: int) -> tuple[Sequence[CommentRecord], list[Tracked]]:
    """The issue's comments and our verified requests on it (``GitHubError`` if unreadable)."""
    comments = ports.github.list_issue_comments(issue)
    return comments, our_requests(ports, issue, comments)


def our_requests(ports: Ports, issue: int, comments: Sequence[CommentRecord]) -> list[Tracked]:
    return find_tracked(comments, ports.codec, issue=issue, identity=ports.identity.login)


class Tracker:
    """Keeps one tracking comment in step with a request's state.

    Every edit is a GitHub write, and GitHub asks for writes one at a time, a second apart
    (PyGithub spaces them so), so back-to-back changes are made one edit: ``hold`` takes a
    state without writing it, and the next ``set``, ``finish`` or ``flush`` writes it with
    whatever came after. A change is held only when nothing that cannot be repeated (a
    create, a notice, a message to Jules) comes before the next write. The workflow-run link
    alone is not worth an edit either: a ``set`` that changes only ``run_url`` is held.
    """

    def __init__(self, ports: Ports, state: TrackingState, *, comment_id: int | None) -> None:
        self.ports = ports
        self.state = state
        self.comment_id = comment_id
        self.durable = comment_id is not None  # the issue shows ``state`` (but what is held)
        self.held = False  # ``state`` has a change the issue does not show yet

    @classmethod
    def of(cls, ports: Ports, tracked: Tracked) -> Tracker:
        return cls(ports, tracked.state, comment_id=tracked.comment.id)

    @property
    def issue(self) -> int:
        return self.state.issue

    def set(self, state: TrackingState) -> bool:
        """Record ``state`` on the issue; True when the issue shows it.

        Once the issue shows a state that owes a notice (``notices``), the notice is posted
        and then recorded in the state.
        """
        if self.durable and replace(state, run_url=self.state.run_url) == self.state:
            self.hold(state)
        else:
            self.state = state
            if not self._write():
                return False
        self._notify()
        return True

    def hold(self, state: TrackingState) -> None:
        """Take ``state`` without writing it; the next write takes it to the issue."""
        if state != self.state:
            self.state = state
            self.held = True

    def flush(self) -> bool:
        """Write a held change now; True when the issue shows ``state``."""
        if not self.held or self.comment_id is None:
            return self.durable and not self.held
        if not self._write():
            return False
        self._notify()
        return True

    @property
    def link(self) -> str:
        """The tracking comment's address, for the notice that points at it."""
        context = self.ports.context
        return (
            f"{context.server_url.rstrip('/')}/{context.repository}/issues/{self.issue}"
            f"#issuecomment-{self.comment_id}"
        )

    def _notify(self) -> None:
        if not notices.due(self.state):
            return
        if notices.deliver(self.ports, self.state, link=self.link):
            self.state = replace(self.state, notified=notices.notice_key(self.state))
            self._write()

    def _write(self) -> bool:
        if self.comment_id is None:
            raise RuntimeError("a tracking comment is edited only after its claim was posted")
        bound = replace(self.state, comment_id=self.comment_id)
        self.state = bound
        body = render(
            bound,
            self.ports.codec,
            trigger_phrase=self.ports.settings.trigger_phrase,
            now=self.ports.clock.now(),
        )
        self.ports.report.touch(bound)
        try:
            self.ports.github.edit_issue_comment(self.comment_id, body)
        except GitHubError as exc:
            self.durable = False
            self.ports.report.warn(f"Could not update the tracking comment: {exc.message}")
            return False
        self.durable = True
        self.held = False
        return True

    def ensure_label(self) -> bool:
        try:
            self.ports.github.add_label(self.issue, OPEN_LABEL)
        except GitHubError as exc:
            self.ports.report.warn(f"Could not add the {OPEN_LABEL} label: {exc.message}")
            return False
        return True

    def finish(self, state: TrackingState) -> bool:
        """Record a final ``state``; the label goes only once the issue shows it and the
        requester's notice is posted (until then the reconciler comes back to it)."""
        if not state.finished_at:
            state = replace(state, finished_at=iso(self.ports.clock.now()))
        if not self.set(state):
            self.ports.report.warn(
                "The result is not on the issue yet; the request stays open and the reconcile "
                "workflow (or a re-run) writes it."
            )
            return False
        if notices.due(self.state):
            return True
        try:
            self.ports.github.remove_label(self.issue, OPEN_LABEL)
        except GitHubError as exc:
            self.ports.report.warn(f"Could not remove the {OPEN_LABEL} label: {exc.message}")
        return True


# --- claiming a request ----------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    tracker: Tracker


@dataclass(frozen=True)
class Lost:
    """Another run's claim for the same request came first."""

    other: Tracked


@dataclass(frozen=True)
class Unclaimed:
    """No claim could be posted or confirmed; nothing was started."""

    error: GitHubError
    posted: bool  # a claim of ours may be on the issue (the reconciler recovers it)


ClaimResult = Claimed | Lost | Unclaimed


def claim(ports: Ports, state: TrackingState, trigger: Trigger) -> ClaimResult:
    """Post the claim for a new request, then settle any race for it."""
    nonce = claim_of(ports.context.run_id, ports.context.run_attempt)
    state = replace(state, claim=nonce)
    body = render(
        state, ports.codec, trigger_phrase=ports.settings.trigger_phrase, now=ports.clock.now()
    )
    posted: CommentRecord | None = None
    error: GitHubError | None = None
    for _ in range(2):
        try:
            posted = ports.github.create_issue_comment(state.issue, body)
            break
        except GitHubPermissionError as exc:
            return Unclaimed(exc, posted=False)
        except GitHubError as exc:
            error = exc
            log.info(
                "Posting the claim failed (%s); looking whether GitHub stored it.", exc.message
            )
            posted = _own_claim(ports, state, nonce)
            if posted is not None:
                break
    if posted is None:
        assert error is not None
        return Unclaimed(error, posted=True)
    ports.identity.learn(posted.author_login)
    ports.report.touch(state)
    try:
        comments, requests = read_thread(ports, state.issue)
    except GitHubError as exc:
        # Unverified: another run may have claimed first. Leave ours open; the next run or
        # the reconciler decides with the whole thread in view.
        return Unclaimed(exc, posted=True)
    del comments
    claims = [t for t in requests if same_request(t.state, trigger)]
    if all(t.comment.id != posted.id for t in claims):
        # Not listed yet (the list may lag the write): ours all the same.
        claims.append(Tracked(posted, state))
    first = winner(claims)
    assert first is not None
    ours = [t for t in claims if t.state.claim == nonce]
    if first.state.claim != nonce:
        for tracked in ours:
            _mark_duplicate(ports, tracked, first)
        return Lost(first)
    for extra in ours:
        if extra.comment.id != first.comment.id:
            _mark_duplicate(ports, extra, first)
    tracker = Tracker(ports, first.state, comment_id=first.comment.id)
    return Claimed(tracker)


def _own_claim(ports: Ports, state: TrackingState, nonce: str) -> CommentRecord | None:
    try:
        comments = ports.github.list_issue_comments(state.issue)
    except GitHubError:
        return None
    identity = ports.identity
    for comment in comments:
        # Ours: written as the identity, or (when that is only assumed) by some bot, as a
        # GitHub App token writes; never a user's copy of the marker.
        author_ok = same_login(comment.author_login, identity.login) or (
            not identity.explicit and comment.author_type == "Bot"
        )
        found = ports.codec.decode(comment.body) if author_ok else None
        if (
            found is not None
            and found.claim == nonce
            and found.request == state.request
            and found.issue == state.issue
        ):
            return comment
    return None


def _mark_duplicate(ports: Ports, tracked: Tracked, first: Tracked) -> None:
    link = first.comment.html_url or f"comment {first.comment.id}"
    tracker = Tracker.of(ports, tracked)
    tracker.set(replace(tracked.state, status=Status.DUPLICATE, detail=link, prompt=""))
