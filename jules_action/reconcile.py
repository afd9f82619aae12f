"""Reconcile mode: finish the story of every open request, from the state on the issues.

Meant for a ``schedule`` workflow. One pass: list the issues carrying ``OPEN_LABEL``; on
each, handle trigger comments no run took, post the notices that ended requests still owe
(``notices``), drop the label where no request is open and none is owed, look
once at each live session (PR link, failure, question, completion without PR, deleted
session), recover claims whose start was interrupted (looking for the session by its tag
first), and start queued requests oldest first while fewer than ``max-concurrent-sessions``
of ours are running. The same pieces as run mode (``routing``, ``tracker``, ``sessions``);
I/O through ``Ports``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

from jules_action import notices
from jules_action.errors import GitHubError, JulesAPIError, JulesNotFound
from jules_action.events import Actor, Issue
from jules_action.github_port import IssueRecord
from jules_action.messages import explain
from jules_action.orchestrator import handle_dropped
from jules_action.outcome import Outcome, OutcomeKind
from jules_action.polling import TERMINAL
from jules_action.ports import Ports
from jules_action.routing import reconcile_may_recover
from jules_action.sessions import observe, session_gone, start
from jules_action.tracker import OPEN_LABEL, Tracker, read_thread
from jules_action.tracking import Status, Tracked

log = logging.getLogger("jules_action")


@dataclass
class _Tally:
    checked: int = 0
    finished: int = 0
    started: int = 0
    still_queued: int = 0
    errors: int = 0
    replies: int = 0
    running: int = 0
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        return (
            f"{self.checked} checked, {self.finished} finished, {self.started} started, "
            f"{self.still_queued} still queued, {self.replies} comments handled, "
            f"{self.errors} errors; {self.running} running"
        )


def reconcile(ports: Ports) -> Outcome:
    """One reconcile pass over every issue with an open request."""
    try:
        issues = ports.github.list_open_issues_with_label(OPEN_LABEL)
    except GitHubError as exc:
        message = explain(exc)
        log.error(message)
        return Outcome(OutcomeKind.ERROR, message)
    tally = _Tally()
    requests: list[Tracked] = []
    for issue in issues:
        requests += _open_requests(ports, issue, tally)
    for tracked in (t for t in requests if t.state.session_id):
        _check(ports, tracked, tally)
    _start_waiting(ports, [t for t in requests if not t.state.session_id], tally)
    message = tally.text()
    log.info("Reconciled %d open request(s): %s.", len(requests), message)
    ports.report.line(f"- Open requests found: {len(requests)}; {message}")
    kind = OutcomeKind.ERROR if tally.errors and not (tally.finished or tally.started) else None
    return Outcome(
        kind or OutcomeKind.RECONCILED, f"Reconciled {len(requests)} open request(s): {message}."
    )


def _open_requests(ports: Ports, record: IssueRecord, tally: _Tally) -> list[Tracked]:
    try:
        comments, requests = read_thread(ports, record.number)
        issue = _issue_of(record)
        if handle_dropped(ports, issue, comments, requests, skip=None):
            tally.replies += 1
            comments, requests = read_thread(ports, record.number)
    except GitHubError as exc:
        tally.errors += 1
        ports.report.warn(f"Issue #{record.number}: could not read the thread: {exc.message}")
        return []
    open_ones = [t for t in requests if t.state.status.is_open]
    owing = False
    for tracked in requests:
        if not tracked.state.status.is_open and notices.due(tracked.state):
            # Ended, but the requester was not told yet: post the notice, then let go.
            tracker = Tracker.of(ports, tracked)
            tracker.set(tracked.state)
            owing = owing or notices.due(tracker.state)
    if not open_ones and not owing:
        try:
            ports.github.remove_label(record.number, OPEN_LABEL)
        except GitHubError as exc:
            ports.report.warn(f"Issue #{record.number}: could not remove the label: {exc.message}")
    return open_ones


def _issue_of(record: IssueRecord) -> Issue:
    return Issue(
        number=record.number,
        title=record.title,
        body=record.body,
        html_url=record.html_url,
        author=Actor(record.author_login),
        is_pull_request=record.is_pull_request,
        labels=record.labels,
        created_at=record.created_at,
    )


def _check(ports: Ports, tracked: Tracked, tally: _Tally) -> None:
    tally.checked += 1
    tracker = Tracker.of(ports, tracked)
    tracker.set(replace(tracker.state, run_url=ports.context.run_url))
    try:
        session = ports.jules.get_session(tracked.state.session_id)
    except JulesNotFound:
        session_gone(ports, tracker)
        tally.finished += 1
        return
    except JulesAPIError as exc:
        tally.errors += 1
        tally.running += 1
        ports.report.warn(f"Issue #{tracker.issue}: could not check the session: {exc.message}")
        return
    try:
        observe(ports, tracker, session)
    except JulesAPIError as exc:
        tally.errors += 1
        ports.report.warn(f"Issue #{tracker.issue}: {exc.message}")
    if tracker.state.status.is_open:
        tally.running += 0 if session.state in TERMINAL else 1
    elif tracker.durable:
        tally.finished += 1


def _start_waiting(ports: Ports, waiting: list[Tracked], tally: _Tally) -> None:
    now = ports.clock.now()
    startable = sorted(
        (
            t
            for t in waiting
            if t.state.status is Status.QUEUED or reconcile_may_recover(t, now=now)
        ),
        key=lambda t: (t.state.requested_at, t.comment.id),
    )
    for position, tracked in enumerate(startable):
        if tally.running >= ports.settings.max_concurrent_sessions:
            tally.still_queued += len(startable) - position
            return
        tracker = Tracker.of(ports, tracked)
        tracker.set(replace(tracker.state, run_url=ports.context.run_url))
        # Every start here looks first: a claim may have its session already (a lost
        # answer, a killed job), and a queued request may have been started by a run.
        result = start(ports, tracker, look_first=True)
        if result is None:
            tally.started += 1
            tally.running += 1
            tracker.set(replace(tracker.state, handed_off=True))
            continue
        if result.outcome is OutcomeKind.QUEUED:
            tally.still_queued += len(startable) - position
            return
        if result.outcome is OutcomeKind.ERROR:
            tally.errors += 1
