"""One run of the action: the driver from an event to its outcome; I/O through ``Ports``.

Decide, then do: ``triggers.decide_trigger`` says what the event is, ``authz`` who may,
``routing.route`` what it means for the requests already on the thread; this module applies
that decision with ``tracker`` (the durable state on the issue), ``sessions`` (start,
follow, apply a step) and ``pulls``. Before its own trigger, a run on an issue handles the
trigger comments on the thread that no run has taken (GitHub drops queued runs), so every
``/jules`` comment is handled exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from jules_action import authz, mdtext, notices
from jules_action.errors import GitHubError, JulesActionError, JulesAPIError
from jules_action.events import Comment, Event, Issue
from jules_action.github_port import CommentRecord
from jules_action.jules_models import Session
from jules_action.messages import explain
from jules_action.outcome import Outcome, OutcomeKind
from jules_action.ports import Ports
from jules_action.pull_events import handle_pull_request
from jules_action.pulls import session_of_pull
from jules_action.routing import (
    AlreadyHandled,
    Amend,
    Approve,
    CheckPull,
    Converse,
    Decision,
    Ended,
    Follow,
    LeaveQueued,
    LeaveStarting,
    NothingToApprove,
    Recover,
    Report,
    Resume,
    Start,
    resume,
    route,
    unhandled_commands,
)
from jules_action.sessions import (
    authorize_actor,
    error,
    follow,
    new_state,
    outcome_of,
    plan,
    start,
)
from jules_action.tracker import Claimed, Lost, Tracker, claim, read_thread
from jules_action.tracking import Status, Tracked, TrackingState, same_login
from jules_action.triggers import Skip, Trigger, comment_trigger, decide_trigger

log = logging.getLogger("jules_action")


def run(ports: Ports, event: Event) -> Outcome:
    """Handle one workflow event end to end."""
    settings = ports.settings
    for warning in settings.warnings:
        log.warning(warning)
    if event.pull_request is not None and event.name == "pull_request" and not settings.prompt:
        # Without a prompt a pull_request event is the PR-link-by-event path, not a task.
        return handle_pull_request(ports, event)
    decision = decide_trigger(
        event,
        trigger_label=settings.trigger_label,
        trigger_phrase=settings.trigger_phrase,
        prompt=settings.prompt,
        run_id=ports.context.run_id,
    )
    if isinstance(decision, Skip):
        log.info("Skipped: %s", decision.reason)
        return Outcome(OutcomeKind.SKIPPED, decision.reason)
    trigger = decision
    verdict = authorize(ports, trigger)
    ports.report.line(_who_line(trigger, verdict))
    if not verdict.allowed:
        log.info("Skipped: %s", verdict.reason)
        _maybe_reply_unauthorized(ports, trigger)
        return Outcome(OutcomeKind.SKIPPED, verdict.reason)
    if trigger.issue is None:
        return _run_without_issue(ports, trigger)
    issue = trigger.issue
    if not settings.dry_run:
        _acknowledge(ports, trigger, issue)
    try:
        comments, requests = read_thread(ports, issue.number)
    except GitHubError as exc:
        return _fail_without_comment(exc)
    if not settings.dry_run and handle_dropped(
        ports, issue, comments, requests, skip=_comment_id(trigger)
    ):
        comments, requests = _reread(ports, issue.number, comments, requests)
    return handle(ports, trigger, comments, requests, wait=True)


def authorize(ports: Ports, trigger: Trigger) -> authz.AuthDecision:
    if authz.needs_no_check(trigger.kind):
        return authz.AuthDecision(True, f"{trigger.kind} runs need no permission check", "event")
    if trigger.actor is None:
        return authz.AuthDecision(False, "the event names no actor", "none")
    verdict = authorize_actor(ports, trigger.actor)
    upstream = trigger.also_authorize
    if (
        verdict.allowed
        and upstream is not None
        and not same_login(upstream.login, trigger.actor.login)
    ):
        # A workflow_run: whoever started the upstream run (a fork's PR author, a bot) may
        # not, even when the one who re-ran it may.
        second = authorize_actor(ports, upstream)
        if not second.allowed:
            return authz.AuthDecision(False, f"the upstream run: {second.reason}", second.via)
    return verdict


def _comment_id(trigger: Trigger) -> int | None:
    return trigger.handled_id or None


def _reread(
    ports: Ports, issue: int, comments: Sequence[CommentRecord], requests: list[Tracked]
) -> tuple[Sequence[CommentRecord], list[Tracked]]:
    try:
        return read_thread(ports, issue)
    except GitHubError:
        return comments, requests


def handle_dropped(
    ports: Ports,
    issue: Issue,
    comments: Sequence[CommentRecord],
    requests: list[Tracked],
    *,
    skip: int | None,
) -> int:
    """Handle the thread's trigger comments that no run took; returns how many were handled."""
    pending = unhandled_commands(
        comments,
        requests,
        phrase=ports.settings.trigger_phrase,
        now=ports.clock.now(),
        is_own=lambda c: same_login(c.author_login, ports.identity.login),
        skip=skip,
    )
    handled = 0
    for record in pending:
        comment = Comment.from_record(record)
        trigger = comment_trigger(issue, comment, ports.settings.trigger_phrase)
        if trigger is None:
            continue
        if not authorize(ports, trigger).allowed:
            continue
        log.info("Comment %s was never handled (a dropped run?); handling it now.", record.id)
        comments, requests = _reread(ports, issue.number, comments, requests)
        handle(ports, trigger, comments, requests, wait=False)
        handled += 1
    return handled


def handle(
    ports: Ports,
    trigger: Trigger,
    comments: Sequence[CommentRecord],
    requests: list[Tracked],
    *,
    wait: bool,
) -> Outcome:
    """Apply what ``trigger`` means for the thread's requests (``routing.route``)."""
    assert trigger.issue is not None
    decision: Decision | Outcome = route(trigger, requests)
    log.info("Decision: %s.", type(decision).__name__)
    if isinstance(decision, CheckPull):
        decision = _check_pull(ports, trigger)
    if isinstance(decision, Outcome):
        return decision
    if isinstance(decision, Start):
        return _new_request(ports, trigger, trigger.issue, comments, wait=wait)
    if isinstance(decision, Resume):
        return _resume(ports, decision.tracked, wait=wait)
    if isinstance(decision, Report | AlreadyHandled):
        log.info("Reporting the request this trigger belongs to.")
        return outcome_of(decision.tracked.state)
    if isinstance(decision, NothingToApprove):
        return _nothing_to_approve(ports, trigger, decision.tracked)
    if isinstance(decision, Amend):
        return _amend(ports, trigger, decision.tracked, decision.text)
    if isinstance(decision, Approve):
        return _talk(ports, trigger, decision.tracked, "", approve=True, wait=wait)
    assert isinstance(decision, Converse)
    return _talk(ports, trigger, decision.tracked, decision.text, approve=False, wait=wait)


# --- the decisions, applied ---------------------------------------------------------------------


def _new_request(
    ports: Ports, trigger: Trigger, issue: Issue, comments: Sequence[CommentRecord], *, wait: bool
) -> Outcome:
    try:
        planned = plan(ports, trigger, comments)
    except GitHubError as exc:
        return _fail_without_comment(exc)
    if ports.settings.dry_run:
        return _dry_run(ports, planned, issue=issue.number)
    state = new_state(ports, trigger, issue.number, planned)
    claimed = claim(ports, state, trigger)
    if isinstance(claimed, Lost):
        link = claimed.other.comment.html_url or f"comment {claimed.other.comment.id}"
        message = f"Another run is already handling this request: {link}"
        log.info(message)
        return Outcome(OutcomeKind.SKIPPED, message)
    if not isinstance(claimed, Claimed):
        if claimed.posted:
            message = (
                f"Could not confirm the claim on the issue ({claimed.error.message}). Nothing "
                "was started; the reconcile workflow (or a re-run) picks the request up."
            )
            ports.report.warn(message)
            return Outcome(OutcomeKind.HANDED_OFF, message)
        return _fail_without_comment(claimed.error)
    tracker = claimed.tracker
    if not tracker.ensure_label():
        message = (
            "Could not mark the issue with the jules-in-progress label, so the reconcile "
            "workflow could not find this request; nothing was started. Fix: give the "
            "workflow `issues: write`, then comment again."
        )
        tracker.finish(replace(tracker.state, status=Status.ERROR, detail=message))
        return Outcome(OutcomeKind.ERROR, message)
    stopped = start(ports, tracker, look_first=False)
    if stopped is not None:
        return stopped
    return follow(ports, tracker, wait=wait)


def _resume(ports: Ports, tracked: Tracked, *, wait: bool) -> Outcome:
    step = resume(tracked, now=ports.clock.now(), run_id=ports.context.run_id)
    tracker = Tracker.of(ports, tracked)
    if isinstance(step, Ended):
        log.info("The request already ended: %s.", tracked.state.status.value)
        if notices.due(tracked.state):
            # An earlier attempt ended it but did not get to tell the requester.
            tracker.finish(tracked.state)
        return outcome_of(tracked.state)
    tracker.ensure_label()
    if isinstance(step, LeaveQueued):
        log.info("The request is queued; the reconcile workflow starts it.")
        return outcome_of(tracked.state)
    if isinstance(step, LeaveStarting):
        log.info(step.reason)
        return Outcome(OutcomeKind.HANDED_OFF, step.reason)
    if isinstance(step, Recover):
        log.info("Recovering the request's session (looking for it by its tag first).")
        stopped = start(ports, tracker, look_first=True)
        if stopped is not None:
            return stopped
        return follow(ports, tracker, wait=wait)
    assert isinstance(step, Follow)
    tracker.set(replace(tracker.state, run_url=ports.context.run_url, handed_off=False))
    return follow(ports, tracker, wait=wait)


def _talk(
    ports: Ports, trigger: Trigger, tracked: Tracked, text: str, *, approve: bool, wait: bool
) -> Outcome:
    """A ``/jules`` reply (or approval) for the open request's session."""
    tracker = Tracker.of(ports, tracked)
    session_id = tracked.state.session_id
    try:
        if approve:
            ports.jules.approve_plan(session_id)
            log.info("Approved the plan of session %s.", session_id)
        elif text.strip():
            ports.jules.send_message(session_id, text)
            log.info("Sent the reply to session %s.", session_id)
        else:
            log.info("Empty reply; resuming the wait on session %s.", session_id)
    except JulesAPIError as exc:
        delivered = _delivered(ports, session_id, text, approve=approve)
        if not delivered:
            return error(ports, tracker, exc, keep_open=True)
    state = tracker.state.handling(trigger.handled_id)
    tracker.set(
        replace(
            state,
            status=Status.RUNNING,
            detail="",
            need="",
            run_url=ports.context.run_url,
            approved=state.approved or approve,
            completed_at="",
            nudged=False,
        )
    )
    tracker.ensure_label()
    return follow(ports, tracker, wait=wait)


def _delivered(ports: Ports, session_id: str, text: str, *, approve: bool) -> bool:
    """After a lost answer: did Jules take the message (or approval)? Look, don't resend."""
    try:
        for activity in ports.jules.list_activities(session_id):
            if approve and activity.plan_approved is not None:
                return True
            said = activity.user_messaged
            if not approve and said is not None and said.user_message.strip() == text.strip():
                return True
    except JulesAPIError:
        return False
    return False


def _amend(ports: Ports, trigger: Trigger, tracked: Tracked, text: str) -> Outcome:
    """Instructions for a request whose session does not exist yet join its prompt."""
    tracker = Tracker.of(ports, tracked)
    state = tracked.state.handling(trigger.handled_id)
    if text.strip():
        state = replace(state, followups=(*state.followups, text.strip()))
    tracker.set(state)
    tracker.ensure_label()
    message = "Added to the request; Jules gets it when the session starts."
    log.info(message)
    return replace(outcome_of(tracker.state), message=message)


def _nothing_to_approve(ports: Ports, trigger: Trigger, tracked: Tracked | None) -> Outcome:
    phrase = ports.settings.trigger_phrase
    message = (
        "There is no plan waiting for approval on this issue, so nothing was approved. "
        f"To start a request, comment `{phrase} <instructions>`."
    )
    assert trigger.issue is not None
    try:
        ports.github.create_issue_comment(trigger.issue.number, message)
    except GitHubError as exc:
        ports.report.warn(f"Could not reply on the issue: {exc.message}")
    if tracked is not None:
        Tracker.of(ports, tracked).set(tracked.state.handling(trigger.handled_id))
    log.info(message)
    return Outcome(OutcomeKind.SKIPPED, message)


def _check_pull(ports: Ports, trigger: Trigger) -> Decision | Outcome:
    """A comment on a PR: the PR's session's when Jules confirms the PR is its; else new."""
    assert trigger.issue is not None
    try:
        pull = ports.github.get_pull(trigger.issue.number)
        session = session_of_pull(ports, pull)
    except (GitHubError, JulesAPIError) as exc:
        return _fail_without_comment(exc)
    if session is None:
        return Start()
    return _route_to_pr_session(ports, trigger, session, pull.html_url)


def _route_to_pr_session(ports: Ports, trigger: Trigger, session: Session, pr_url: str) -> Outcome:
    """A ``/jules`` comment on a pull request Jules opened goes to that PR's session."""
    assert trigger.issue is not None
    session_id = session.id
    state = TrackingState(
        request=trigger.request_key,
        issue=trigger.issue.number,
        status=Status.RUNNING,
        requested_at=trigger.requested_at.isoformat() if trigger.requested_at else "",
        actor=trigger.actor.login if trigger.actor else "",
        session_id=session_id,
        session_url=session.web_url,
        run_url=ports.context.run_url,
        pr_url=pr_url,
    )
    claimed = claim(ports, state, trigger)
    if isinstance(claimed, Lost):
        return Outcome(OutcomeKind.SKIPPED, "Another run is already handling this comment.")
    if not isinstance(claimed, Claimed):
        return _fail_without_comment(claimed.error)
    tracker = claimed.tracker
    try:
        ports.jules.send_message(session_id, trigger.instructions)
    except JulesAPIError as exc:
        if not _delivered(ports, session_id, trigger.instructions, approve=False):
            return error(ports, tracker, exc)
    final = replace(
        tracker.state,
        status=Status.PR_OPENED,
        detail="Your message was sent to the session that opened this pull request; Jules "
        "updates the pull request.",
    )
    # The commenter knows: a message to an existing PR's session deserves no notice.
    tracker.finish(replace(final, notified=notices.notice_key(final)))
    log.info("Sent the comment to session %s, which opened this pull request.", session_id)
    return outcome_of(tracker.state, kind=OutcomeKind.HANDED_OFF)


# --- runs without an issue (schedule, workflow_dispatch) ------------------------------------


def _run_without_issue(ports: Ports, trigger: Trigger) -> Outcome:
    """No thread to record on: the session's tag alone makes a re-run find its session."""
    try:
        planned = plan(ports, trigger, [])
    except GitHubError as exc:
        return _fail_without_comment(exc)
    if ports.settings.dry_run:
        return _dry_run(ports, planned)
    state = new_state(ports, trigger, 0, planned)
    tracker = _Unstored(ports, state)
    stopped = start(ports, tracker, look_first=ports.context.run_attempt != "1")
    if stopped is not None:
        return stopped
    return follow(ports, tracker, wait=True)


class _Unstored(Tracker):
    """A tracker with no comment to keep (no issue): states live in memory only."""

    def __init__(self, ports: Ports, state: TrackingState) -> None:
        super().__init__(ports, state, comment_id=None)

    def set(self, state: TrackingState) -> bool:
        self.state = state
        return True

    def ensure_label(self) -> bool:
        return True

    def finish(self, state: TrackingState) -> bool:
        self.state = state
        return True


# --- small pieces ----------------------------------------------------------------------------


def _acknowledge(ports: Ports, trigger: Trigger, issue: Issue) -> None:
    try:
        if trigger.comment is not None and not trigger.comment.in_review:
            ports.github.add_comment_reaction(trigger.comment.id, "eyes")
        else:
            # A review comment's reactions are another API: the 👀 goes on the pull request.
            ports.github.add_issue_reaction(issue.number, "eyes")
    except GitHubError as exc:
        ports.report.warn(f"Could not add the 👀 reaction: {exc.message}")


def _who_line(trigger: Trigger, verdict: authz.AuthDecision) -> str:
    actor = f"@{trigger.actor.login}" if trigger.actor else "(none)"
    state = "authorized" if verdict.allowed else "not authorized"
    line = f"- Triggered by {actor} ({trigger.kind}): {state}, {verdict.reason}"
    if trigger.issue is None:
        return line
    author = trigger.issue.author.login
    return (
        f"{line}\n- Issue author @{author}: their text is passed to Jules as data, not instructions"
    )


def _maybe_reply_unauthorized(ports: Ports, trigger: Trigger) -> None:
    issue, actor = trigger.issue, trigger.actor
    if not ports.settings.reply_to_unauthorized or trigger.kind != "comment":
        return
    if issue is None or actor is None or authz.is_bot(actor):
        return
    body = (
        f"Thanks @{actor.login}! Only people with write access to this repository can "
        f"start Jules with `{ports.settings.trigger_phrase}`. A maintainer can do it for you."
    )
    try:
        ports.github.create_issue_comment(issue.number, body)
    except GitHubError as exc:
        ports.report.warn(f"Could not reply: {exc.message}")


def _dry_run(ports: Ports, planned: tuple[str, str, str], *, issue: int = 0) -> Outcome:
    branch, prompt, title = planned
    # A fence longer than any backtick run in the prompt: issue text cannot close it.
    fence = mdtext.fence_for(prompt)
    ports.report.line(
        f"### Dry run: the session that would be created\n\n"
        f"- Title: {mdtext.inline(title)}\n- Starting branch: {mdtext.code(branch)}\n\n"
        f"<details><summary>Prompt</summary>\n\n{fence}text\n{prompt}\n{fence}\n\n</details>"
    )
    message = (
        "Dry run: the prompt is in the step summary and the prompt output; no session was created."
    )
    log.info(message)
    return Outcome(OutcomeKind.DRY_RUN, message, issue=issue, prompt=prompt)


def _fail_without_comment(exc: JulesActionError) -> Outcome:
    message = explain(exc)
    log.error(message)
    return Outcome(OutcomeKind.ERROR, message)
