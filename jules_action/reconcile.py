"""Reconcile mode: finish the story of every open request, from the state on the issues.

Meant for a ``schedule`` workflow every few minutes. It finds issues carrying the label the
action maintains, reads their signed tracking markers, looks once at each live session
(PR link, failure reason, question, completion without PR) and starts queued requests,
oldest first, while fewer than ``max-concurrent-sessions`` of ours are running. All I/O goes
through the injected ports of ``Runtime``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from jules_action.errors import GitHubError, JulesAPIError
from jules_action.jules_models import Session, SessionState
from jules_action.orchestrator import (
    OPEN_LABEL,
    RECONCILE_RECOVERS_AFTER,
    Outcome,
    Runtime,
    Tracker,
    apply_step,
    start_session,
)
from jules_action.polling import (
    TERMINAL,
    CompletedWithoutPr,
    NeedsInput,
    PollPolicy,
    ending,
)
from jules_action.tracking import Status, Tracked, find_tracked, iso

log = logging.getLogger("jules_action")


def reconcile(rt: Runtime) -> Outcome:
    """One reconcile pass over every issue with an open request."""
    requests = _open_requests(rt)
    counts = {"checked": 0, "finished": 0, "started": 0, "still queued": 0, "errors": 0}
    running = 0
    for tracked in (t for t in requests if t.state.session_id):
        counts["checked"] += 1
        tracker = Tracker(rt, tracked.state.issue, tracked.state, comment_id=tracked.comment.id)
        try:
            session = rt.jules.get_session(tracked.state.session_id)
            _observe(rt, tracker, session)
        except JulesAPIError as exc:
            counts["errors"] += 1
            log.warning("Issue #%s: could not check the session: %s", tracker.issue, exc.message)
            running += 1
            continue
        if tracker.state.status.is_open:
            running += 0 if session.state in TERMINAL else 1
        else:
            counts["finished"] += 1
    now = rt.clock.now()
    waiting = sorted(
        (t for t in requests if not t.state.session_id and _startable(t, now)),
        key=lambda t: (t.state.requested_at, t.comment.id),
    )
    for position, tracked in enumerate(waiting):
        if running >= rt.settings.max_concurrent_sessions:
            counts["still queued"] += len(waiting) - position
            break
        tracker = Tracker(rt, tracked.state.issue, tracked.state, comment_id=tracked.comment.id)
        tracker.update(run_url=rt.context.run_url)
        result = start_session(rt, tracker, recovering=tracked.state.status is Status.STARTING)
        if result is None:
            counts["started"] += 1
            running += 1
            continue
        if result.outcome == "queued":
            counts["still queued"] += len(waiting) - position
            break
        counts["errors"] += 1
    message = ", ".join(f"{n} {what}" for what, n in counts.items()) + f"; {running} running"
    log.info("Reconciled %d open request(s): %s.", len(requests), message)
    rt.summary.append(f"- Open requests found: {len(requests)}; {message}")
    return Outcome("reconciled", f"Reconciled {len(requests)} open request(s): {message}.")


def _open_requests(rt: Runtime) -> list[Tracked]:
    found: list[Tracked] = []
    for issue in rt.github.list_open_issues_with_label(OPEN_LABEL):
        tracked = [
            t
            for t in find_tracked(rt.github.list_issue_comments(issue.number), rt.codec)
            if t.state.status.is_open
        ]
        if not tracked:
            try:
                rt.github.remove_label(issue.number, OPEN_LABEL)
            except GitHubError as exc:
                log.warning("Issue #%s: could not remove the label: %s", issue.number, exc.message)
        found += tracked
    return found


def _startable(tracked: Tracked, now: datetime) -> bool:
    if tracked.state.status is Status.QUEUED:
        return True
    return (
        tracked.state.status is Status.STARTING
        and now - tracked.comment.updated_at > RECONCILE_RECOVERS_AFTER
    )


def _observe(rt: Runtime, tracker: Tracker, session: Session) -> None:
    """Apply one look at a session to its request (no waiting)."""
    now = rt.clock.now()
    ended = ending(session)
    if isinstance(ended, NeedsInput):
        # Post the question or plan once; later passes only keep looking.
        if (
            tracker.state.state != session.state.value
            or tracker.state.status is not Status.NEEDS_INPUT
        ):
            apply_step(rt, tracker, ended)
    elif ended is not None:
        apply_step(rt, tracker, ended)
    elif session.state is SessionState.COMPLETED:
        since = tracker.state.completed_at
        if not since:
            tracker.update(state=session.state.value, completed_at=iso(now))
        elif now - datetime.fromisoformat(since) >= timedelta(seconds=PollPolicy.completed_grace):
            nudged = apply_step(rt, tracker, CompletedWithoutPr(session)) is None
            if nudged:
                tracker.update(completed_at=iso(now))
    else:
        tracker.update(state=session.state.value, status=Status.RUNNING)
