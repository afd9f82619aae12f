"""The PR link by event: a ``pull_request`` that Jules opened ends its request at once.

With ``pull_request`` (``opened``, ``reopened``, ``ready_for_review``) in the workflow's
``on:``, GitHub runs the action when Jules opens its pull request, so the link reaches the
issue within seconds instead of at the next poll or reconcile pass. I/O through ``Ports``:

1. The PR's branch suffix and session links name candidate sessions (claims, not proof);
   a PR that names none is skipped with no Jules request and no write.
2. Jules confirms: the candidate session lists this PR's URL in its outputs (one request).
3. The open request with that session is found on the labelled issues (our markers only),
   and the step the poller would have taken is applied: PR link, ``Closes #N``, the request
   closed; and the ``Jules session`` status is set on the PR's head commit.

Anything else (another PR, a session that does not list it, a request already finished)
ends ``skipped`` with what it found.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Final

from jules_action.errors import GitHubError, JulesAPIError
from jules_action.events import Event
from jules_action.events import PullRequest as PullEvent
from jules_action.github_port import PullRecord
from jules_action.jules_models import PullRequest, Session
from jules_action.messages import explain
from jules_action.outcome import Outcome, OutcomeKind
from jules_action.polling import PrOpened
from jules_action.ports import Ports
from jules_action.pulls import candidate_sessions, session_of_pull
from jules_action.sessions import apply_step
from jules_action.tracker import OPEN_LABEL, Tracker, read_thread
from jules_action.tracking import Tracked

log = logging.getLogger("jules_action")

PULL_ACTIONS: Final = frozenset({"opened", "reopened", "ready_for_review"})


def handle_pull_request(ports: Ports, event: Event) -> Outcome:
    """One ``pull_request`` event: link it to its request if Jules opened it for one."""
    pull = event.pull_request
    if pull is None or event.action not in PULL_ACTIONS:
        return _skip(f"pull_request action '{event.action}' does not link a pull request")
    record = _record_of(pull)
    if not candidate_sessions(record):
        return _skip(f"pull request #{pull.number} names no Jules session")
    try:
        session = session_of_pull(ports, record)
        if session is None:
            return _skip(f"no Jules session lists pull request #{pull.number} among its outputs")
        tracked = _open_request_of(ports, session.id)
    except (GitHubError, JulesAPIError) as exc:
        message = explain(exc)
        log.error(message)
        return Outcome(OutcomeKind.ERROR, message)
    if tracked is None:
        reason = f"session {session.id} has no open request on this repository's issues"
        return _skip(reason, session)
    log.info(
        "Pull request #%s is session %s's, for issue #%s.",
        pull.number,
        session.id,
        tracked.state.issue,
    )
    tracker = Tracker.of(ports, tracked)
    tracker.set(replace(tracker.state, run_url=ports.context.run_url))
    linked = PullRequest(url=pull.html_url, title=pull.title)
    outcome = apply_step(ports, tracker, PrOpened(session, linked))
    assert outcome is not None
    return outcome


def _skip(reason: str, session: Session | None = None) -> Outcome:
    log.info("Skipped: %s", reason)
    if session is None:
        return Outcome(OutcomeKind.SKIPPED, reason)
    return Outcome(OutcomeKind.SKIPPED, reason, session.id, session.url or "")


def _record_of(pull: PullEvent) -> PullRecord:
    return PullRecord(
        number=pull.number,
        title=pull.title,
        body=pull.body,
        html_url=pull.html_url,
        state="open",
        base_ref=pull.base_ref,
        head_ref=pull.head_ref,
        head_sha=pull.head_sha,
        author_login=pull.author.login if pull.author else "",
    )


def _open_request_of(ports: Ports, session_id: str) -> Tracked | None:
    for issue in ports.github.list_open_issues_with_label(OPEN_LABEL):
        _, requests = read_thread(ports, issue.number)
        for tracked in requests:
            if tracked.state.session_id == session_id and tracked.state.status.is_open:
                return tracked
    return None
