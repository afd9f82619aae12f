"""One run of the action: trigger → authorize → one session per request → wait → report.

All collaborators are injected (``Runtime``): the Jules client, the GitHub port, the clock
and the marker codec, so every path runs in tests with fakes and a fake clock. The issue
thread is the durable store: a request is claimed with a tracking comment *before* its
session is created, and the session id goes into that comment's signed marker, so a re-run,
a second event or the reconciler resumes the same session instead of creating another.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Final, TypeVar

from jules_action import authz
from jules_action.clock import Clock
from jules_action.commands import is_approval
from jules_action.config import GitHubContext, Settings
from jules_action.errors import (
    GitHubError,
    GitHubPermissionError,
    JulesActionError,
    JulesAPIError,
    JulesNotFound,
    JulesRateLimited,
)
from jules_action.events import Actor, Comment, Event, Issue
from jules_action.github_port import CommentRecord, GitHubPort, PullRecord
from jules_action.jules_client import JulesClient
from jules_action.jules_models import (
    AutomationMode,
    CreateSessionRequest,
    GitHubRepoContext,
    Session,
    SessionState,
    SourceContext,
)
from jules_action.messages import explain, source_not_connected
from jules_action.polling import (
    CompletedWithoutPr,
    Failed,
    NeedsInput,
    PollPolicy,
    PrOpened,
    TimedOut,
    wait_for_session,
)
from jules_action.prompt import build_prompt, select_context_comments, session_title
from jules_action.tracking import (
    MarkerCodec,
    Status,
    Tracked,
    TrackingState,
    find_tracked,
    iso,
    render,
)
from jules_action.triggers import Skip, Trigger, decide_trigger

log = logging.getLogger("jules_action")
T = TypeVar("T")

MAX_CONTEXT_COMMENTS: Final = 30
# A claim younger than this may belong to a run that is creating its session right now.
CLAIM_IN_FLIGHT: Final = timedelta(minutes=2)
# Claims older than this belong to the reconciler; a run leaves them alone.
RECONCILE_RECOVERS_AFTER: Final = timedelta(minutes=15)
# The label this action keeps on issues with an open request, so the reconciler can find them.
OPEN_LABEL: Final = "jules-in-progress"
NUDGE_MESSAGE: Final = (
    "The session has completed but no pull request was created. Please commit your changes "
    "and open a pull request for them now."
)
_CLOSING = re.compile(r"\b(close[sd]?|fix(e[sd])?|resolve[sd]?)\s+#(\d+)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Outcome:
    """How the run ended, as the step outputs, the summary and the exit code show it."""

    outcome: str
    message: str
    session_id: str = ""
    session_url: str = ""
    session_state: str = ""
    pr_url: str = ""

    @property
    def exit_code(self) -> int:
        return 1 if self.outcome in {"failed", "error"} else 0

    def outputs(self) -> dict[str, str]:
        return {
            "session-id": self.session_id,
            "session-url": self.session_url,
            "session-state": self.session_state,
            "pr-url": self.pr_url,
            "outcome": self.outcome,
        }


@dataclass
class Runtime:
    """The collaborators of a run."""

    settings: Settings
    context: GitHubContext
    jules: JulesClient
    github: GitHubPort
    clock: Clock
    codec: MarkerCodec
    summary: list[str] = field(default_factory=list)


def run(rt: Runtime, event: Event) -> Outcome:
    """Handle one workflow event end to end."""
    for warning in rt.settings.warnings:
        log.warning(warning)
    decision = decide_trigger(
        event,
        trigger_label=rt.settings.trigger_label,
        trigger_phrase=rt.settings.trigger_phrase,
        prompt=rt.settings.prompt,
        run_id=rt.context.run_id,
    )
    if isinstance(decision, Skip):
        log.info("Skipped: %s", decision.reason)
        return Outcome("skipped", decision.reason)
    trigger = decision
    verdict = _authorize(rt, trigger)
    rt.summary.append(_who_line(trigger, verdict))
    if not verdict.allowed:
        log.info("Skipped: %s", verdict.reason)
        _maybe_reply_unauthorized(rt, trigger)
        return Outcome("skipped", verdict.reason)
    if trigger.issue is None:
        return _run_without_issue(rt, trigger)
    return _run_on_issue(rt, trigger, trigger.issue)


# --- authorization -------------------------------------------------------------------------


def _authorize(rt: Runtime, trigger: Trigger) -> authz.AuthDecision:
    if authz.needs_no_check(trigger.kind):
        return authz.AuthDecision(True, f"{trigger.kind} runs need no permission check", "event")
    if trigger.actor is None:
        return authz.AuthDecision(False, "the event names no actor", "none")
    return _authorize_actor(rt, trigger.actor)


def _authorize_actor(rt: Runtime, actor: Actor) -> authz.AuthDecision:
    """Classify first; ask GitHub for the role only when the allow-lists do not decide."""
    actor_class = authz.classify_actor(
        actor, allowed_users=rt.settings.allowed_users, allowed_bots=rt.settings.allowed_bots
    )
    needs_role = actor_class is authz.ActorClass.NEEDS_ROLE
    role = rt.github.get_permission(actor.login) if needs_role else None
    return authz.decide(actor_class, role, login=actor.login)


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


def _maybe_reply_unauthorized(rt: Runtime, trigger: Trigger) -> None:
    issue, actor = trigger.issue, trigger.actor
    if not rt.settings.reply_to_unauthorized or trigger.kind != "comment":
        return
    if issue is None or actor is None or authz.is_bot(actor):
        return
    body = (
        f"Thanks @{actor.login}! Only people with write access to this repository can "
        f"start Jules with `{rt.settings.trigger_phrase}`. A maintainer can do it for you."
    )
    _quietly(rt, lambda: rt.github.create_issue_comment(issue.number, body), "reply")


# --- runs with an issue --------------------------------------------------------------------


def _run_on_issue(rt: Runtime, trigger: Trigger, issue: Issue) -> Outcome:
    _acknowledge(rt, trigger, issue)
    comments = rt.github.list_issue_comments(issue.number)
    tracked = find_tracked(comments, rt.codec)
    same = [t for t in tracked if t.state.request == trigger.request_key]
    if same:
        log.info("This request already has a tracking comment; resuming it.")
        return _resume(rt, same[-1])
    open_ones = [t for t in tracked if t.state.status.is_open]
    if open_ones:
        latest = open_ones[-1]
        if trigger.kind == "comment" and latest.state.session_id:
            return _converse(rt, latest, trigger.instructions)
        log.info("Issue #%s already has an open request; resuming it.", issue.number)
        return _resume(rt, latest)
    requests = [t for t in tracked if t.state.status is not Status.DUPLICATE]
    if trigger.kind == "label" and requests:
        # The label asks for this issue to be done, and it was: report that request rather
        # than start a second session. A new `/jules` comment is how to ask again.
        log.info("Issue #%s already had a request; reporting it.", issue.number)
        return _resume(rt, requests[-1])
    if trigger.kind == "comment" and issue.is_pull_request:
        routed = _route_to_pr_session(rt, trigger, issue)
        if routed is not None:
            return routed
    return _new_request(rt, trigger, issue, comments)


def _context_comments(
    rt: Runtime, trigger: Trigger, comments: Sequence[CommentRecord]
) -> list[Comment]:
    """Earlier comments by people who may trigger, unchanged since the request (TOCTOU).

    Only the latest ``MAX_CONTEXT_COMMENTS`` are considered, which also bounds the role
    lookups (one per distinct author) on a busy issue.
    """
    if trigger.requested_at is None:
        return []
    own = trigger.comment.id if trigger.comment else None
    candidates = [Comment.from_record(c) for c in comments if c.id != own]
    candidates = [c for c in candidates if c.created_at < trigger.requested_at]
    candidates = candidates[-MAX_CONTEXT_COMMENTS:]
    authors = {c.author.login: c.author for c in candidates}
    verdicts: dict[str, bool] = {}

    def authorized(login: str) -> bool:
        if login not in verdicts:
            verdicts[login] = _authorize_actor(rt, authors[login]).allowed
        return verdicts[login]

    return select_context_comments(
        candidates, trigger_time=trigger.requested_at, is_authorized=authorized
    )


def _acknowledge(rt: Runtime, trigger: Trigger, issue: Issue) -> None:
    if trigger.comment is not None:
        comment_id = trigger.comment.id
        _quietly(
            rt, lambda: rt.github.add_comment_reaction(comment_id, "eyes"), "add the 👀 reaction"
        )
    else:
        _quietly(
            rt, lambda: rt.github.add_issue_reaction(issue.number, "eyes"), "add the 👀 reaction"
        )


def _new_request(
    rt: Runtime, trigger: Trigger, issue: Issue, comments: Sequence[CommentRecord]
) -> Outcome:
    settings = rt.settings
    try:
        branch, prompt, title = _plan(rt, trigger, comments)
    except GitHubError as exc:
        return _fail_without_comment(rt, exc)
    if settings.dry_run:
        return _dry_run(rt, prompt, title, branch)
    state = TrackingState(
        request=trigger.request_key,
        issue=issue.number,
        requested_at=iso(trigger.requested_at or rt.clock.now()),
        actor=trigger.actor.login if trigger.actor else "",
        prompt=prompt,
        title=title,
        branch=branch,
        require_plan_approval=settings.require_plan_approval,
        run_url=rt.context.run_url,
    )
    tracker = Tracker(rt, issue.number, state, comment_id=None)
    tracker.save()
    earlier = _earlier_claim(rt, tracker, trigger)
    if earlier is not None:
        link = earlier.comment.html_url or f"comment {earlier.comment.id}"
        tracker.update(status=Status.DUPLICATE, detail=link, prompt="")
        message = f"Another run is already handling this request: {link}"
        log.info(message)
        return Outcome("skipped", message)
    _quietly(
        rt, lambda: rt.github.add_label(issue.number, OPEN_LABEL), f"add the {OPEN_LABEL} label"
    )
    return _start_and_wait(rt, tracker, recovering=False)


def _earlier_claim(rt: Runtime, tracker: Tracker, trigger: Trigger) -> Tracked | None:
    """An open claim for the same request made before ours, by a run racing this one.

    Comment ids grow in creation order and each run lists the thread after posting its
    own claim, so of two racing claims only the lower one sees no earlier claim: exactly
    one run proceeds. Two label events for one issue are one request.
    """
    ours = tracker.comment_id
    if ours is None:
        return None
    try:
        comments = rt.github.list_issue_comments(tracker.issue)
    except GitHubError as exc:
        log.warning("Could not re-read the issue thread: %s", exc.message)
        return None
    for tracked in find_tracked(comments, rt.codec):
        state = tracked.state
        same = state.request == trigger.request_key or (
            trigger.kind == "label" and state.request.startswith("label:")
        )
        if tracked.comment.id < ours and state.status.is_open and same:
            return tracked
    return None


def _resume(rt: Runtime, tracked: Tracked) -> Outcome:
    tracker = Tracker(rt, tracked.state.issue, tracked.state, comment_id=tracked.comment.id)
    state = tracked.state
    if not state.status.is_open:
        log.info("The request already ended: %s.", state.status.value)
        return _outcome_from_state(state)
    if state.status is Status.QUEUED:
        # Only the reconciler starts queued requests (oldest first, within the cap); a run
        # starting one too could race it into a second session.
        log.info("The request is queued; the reconcile workflow starts it.")
        return _outcome_from_state(state)
    if not state.session_id:
        age = rt.clock.now() - tracked.comment.updated_at
        if age < CLAIM_IN_FLIGHT or age >= RECONCILE_RECOVERS_AFTER - CLAIM_IN_FLIGHT:
            message = (
                "Another run is starting this request."
                if age < CLAIM_IN_FLIGHT
                else "This request's start was interrupted; the reconcile workflow recovers it."
            )
            log.info(message)
            return Outcome("handed-off", message)
        return _start_and_wait(rt, tracker, recovering=True)
    tracker.update(run_url=rt.context.run_url, handed_off=False)
    return _wait(rt, tracker)


def _converse(rt: Runtime, tracked: Tracked, text: str) -> Outcome:
    """A ``/jules`` reply on an issue with an open session goes to that session."""
    tracker = Tracker(rt, tracked.state.issue, tracked.state, comment_id=tracked.comment.id)
    session_id = tracked.state.session_id
    try:
        if tracked.state.state == SessionState.AWAITING_PLAN_APPROVAL.value and is_approval(text):
            rt.jules.approve_plan(session_id)
            log.info("Approved the plan of session %s.", session_id)
        elif text.strip():
            rt.jules.send_message(session_id, text)
            log.info("Sent the reply to session %s.", session_id)
        else:
            log.info("Empty reply; resuming the wait on session %s.", session_id)
    except JulesAPIError as exc:
        return tracker.error(exc)
    tracker.update(status=Status.RUNNING, detail="", plan=(), run_url=rt.context.run_url)
    return _wait(rt, tracker)


_SESSION_IN_PR = re.compile(r"jules\.google\.com/(?:task|session)/(\d{6,})")
_SESSION_IN_BRANCH = re.compile(r"-(\d{7,})$")


def _route_to_pr_session(rt: Runtime, trigger: Trigger, issue: Issue) -> Outcome | None:
    """A ``/jules`` comment on a pull request Jules opened goes to that PR's session."""
    pull = rt.github.get_pull(issue.number)
    session_id = _session_of_pull(pull)
    if session_id is None:
        return None
    try:
        rt.jules.send_message(session_id, trigger.instructions)
        session = rt.jules.get_session(session_id)
    except JulesAPIError as exc:
        return _fail_without_comment(rt, exc)
    state = TrackingState(
        request=trigger.request_key,
        issue=issue.number,
        # The PR exists already: this request is done once the message is delivered.
        status=Status.PR_OPENED,
        requested_at=iso(trigger.requested_at or rt.clock.now()),
        actor=trigger.actor.login if trigger.actor else "",
        session_id=session.id or session_id,
        session_url=session.url,
        state=session.state.value,
        pr_url=pull.html_url,
        pr_title=pull.title,
        run_url=rt.context.run_url,
    )
    Tracker(rt, issue.number, state, comment_id=None).save()
    message = (
        f"Sent the request to Jules session {session_id}; Jules pushes its changes to this PR."
    )
    log.info(message)
    return Outcome(
        "handed-off", message, session_id, session.url, session.state.value, pull.html_url
    )


def _session_of_pull(pull: PullRecord) -> str | None:
    found = _SESSION_IN_PR.search(pull.body) or _SESSION_IN_BRANCH.search(pull.head_ref)
    return found.group(1) if found else None


# --- starting and waiting ------------------------------------------------------------------


def _start_and_wait(rt: Runtime, tracker: Tracker, *, recovering: bool) -> Outcome:
    started = start_session(rt, tracker, recovering=recovering)
    if started is not None:
        return started
    if rt.settings.wait_minutes == 0:
        tracker.update(handed_off=True)
        return _outcome_from_state(tracker.state, outcome="handed-off")
    return _wait(rt, tracker)


def start_session(rt: Runtime, tracker: Tracker, *, recovering: bool) -> Outcome | None:
    """Create the session of a claimed request; an Outcome only when it did not start.

    ``recovering``: the claim comes from an earlier run, which may have created the session
    and died before recording it; look for it first so the request never gets two.
    """
    state = tracker.state
    try:
        found = _find_session_by_tag(rt, state) if recovering else None
        session = found or _create_session(rt, state)
    except JulesRateLimited as exc:
        detail = explain(exc)
        tracker.update(status=Status.QUEUED, detail=detail)
        log.warning("Queued: %s", detail)
        return Outcome("queued", detail)
    except JulesActionError as exc:
        return tracker.error(exc)
    tracker.update(
        status=Status.RUNNING,
        session_id=session.id,
        session_url=session.url or f"https://jules.google.com/session/{session.id}",
        state=session.state.value
        if session.state is not SessionState.STATE_UNSPECIFIED
        else "QUEUED",
        prompt="",
        detail="",
    )
    log.info("Jules session %s: %s", session.id, tracker.state.session_url)
    return None


def _create_session(rt: Runtime, state: TrackingState) -> Session:
    owner, name = rt.context.owner, rt.context.repo
    try:
        source = rt.jules.get_source(owner, name)
    except JulesNotFound:
        raise JulesActionError(source_not_connected(rt.context.repository)) from None
    request = CreateSessionRequest(
        prompt=state.prompt,
        title=state.title,
        source_context=SourceContext(
            source=source.name or f"sources/github/{owner}/{name}",
            github_repo_context=GitHubRepoContext(starting_branch=state.branch),
        ),
        require_plan_approval=True if state.require_plan_approval else None,
        automation_mode=AutomationMode.AUTO_CREATE_PR,
    )
    return rt.jules.create_session(request)


_TAG_PREFIX: Final = "(jules-action request "


def _plan(rt: Runtime, trigger: Trigger, comments: Sequence[CommentRecord]) -> tuple[str, str, str]:
    """Starting branch, prompt (ending with the request's tag) and title of a new session.

    The tag is what lets a later run find this request's session if the job dies between
    creating it and recording it.
    """
    branch = _starting_branch(rt, trigger)
    context = _context_comments(rt, trigger, comments) if rt.settings.include_comments else []
    prompt = build_prompt(
        trigger,
        repository=rt.context.repository,
        extra_instructions=rt.settings.prompt,
        comments=context,
    )
    tag = f"{_TAG_PREFIX}{rt.context.repository} {trigger.request_key})"
    title = session_title(trigger, title_input=rt.settings.title)
    return branch, f"{prompt}\n\n{tag}", title


def _find_session_by_tag(rt: Runtime, state: TrackingState) -> Session | None:
    """After a job died between create and comment, the session exists: find it, never duplicate."""
    start = state.prompt.rfind(_TAG_PREFIX)
    if start < 0:
        return None
    tag = state.prompt[start:]
    for index, session in enumerate(rt.jules.list_sessions(page_size=100)):
        if index >= 200:
            break
        if tag in session.prompt:
            log.info("Found the session created by an earlier run: %s.", session.id)
            return session
    return None


def _wait(rt: Runtime, tracker: Tracker) -> Outcome:
    if rt.settings.wait_minutes == 0:
        tracker.update(handed_off=True)
        return _outcome_from_state(tracker.state, outcome="handed-off")
    deadline = rt.clock.monotonic() + rt.settings.wait_seconds
    session_id = tracker.state.session_id

    def on_change(session: Session) -> None:
        log.info("Session %s is %s.", session_id, session.state.value)
        if session.state.value != tracker.state.state:
            tracker.update(state=session.state.value)

    while True:
        policy = PollPolicy(
            interval=rt.settings.poll_interval,
            timeout=max(deadline - rt.clock.monotonic(), 0.0),
        )
        try:
            step = wait_for_session(
                lambda: rt.jules.get_session(session_id),
                clock=rt.clock,
                policy=policy,
                on_change=on_change,
            )
            outcome = apply_step(rt, tracker, step)
        except JulesAPIError as exc:
            return tracker.error(exc, keep_open=True)
        if outcome is not None:
            return outcome


def apply_step(
    rt: Runtime,
    tracker: Tracker,
    step: PrOpened | Failed | NeedsInput | CompletedWithoutPr | TimedOut,
) -> Outcome | None:
    """Record what one poll result means on the issue; None means 'keep waiting'."""
    session = step.session
    state_value = session.state.value
    if isinstance(step, PrOpened):
        tracker.update(
            status=Status.PR_OPENED,
            state=state_value,
            pr_url=step.pull_request.url,
            pr_title=step.pull_request.title,
            detail="",
            handed_off=False,
        )
        _check_closing_reference(rt, tracker)
        return tracker.finish()
    if isinstance(step, Failed):
        reason = _latest_failure_reason(rt, session.id) or "Jules did not give a reason."
        tracker.update(status=Status.FAILED, state=state_value, detail=reason, handed_off=False)
        log.error("The Jules session failed: %s", reason)
        return tracker.finish()
    if isinstance(step, NeedsInput):
        detail, plan = _what_jules_needs(rt, session)
        tracker.update(status=Status.NEEDS_INPUT, state=state_value, detail=detail, plan=plan)
        return _outcome_from_state(tracker.state)
    if isinstance(step, CompletedWithoutPr):
        pull = _find_pull_for_session(rt, session.id)
        if pull is not None:
            tracker.update(
                status=Status.PR_OPENED,
                state=state_value,
                pr_url=pull.html_url,
                pr_title=pull.title,
            )
            _check_closing_reference(rt, tracker)
            return tracker.finish()
        if not tracker.state.nudged:
            log.info(
                "Session %s completed without a PR; asking Jules once to open one.", session.id
            )
            rt.jules.send_message(session.id, NUDGE_MESSAGE)
            tracker.update(nudged=True, state=state_value)
            return None
        tracker.update(status=Status.NO_PR, state=state_value, handed_off=False)
        return tracker.finish()
    tracker.update(state=state_value, handed_off=True)
    return _outcome_from_state(tracker.state, outcome="timed-out")


def _latest_failure_reason(rt: Runtime, session_id: str) -> str:
    reason = ""
    for activity in rt.jules.list_activities(session_id):
        if activity.session_failed is not None and activity.session_failed.reason:
            reason = activity.session_failed.reason
    return reason


def _what_jules_needs(rt: Runtime, session: Session) -> tuple[str, tuple[str, ...]]:
    """The latest question (AWAITING_USER_FEEDBACK) or plan (AWAITING_PLAN_APPROVAL)."""
    question = ""
    plan: tuple[str, ...] = ()
    for activity in rt.jules.list_activities(session.id):
        if activity.agent_messaged is not None:
            question = activity.agent_messaged.agent_message
        if activity.plan_generated is not None and activity.plan_generated.plan is not None:
            plan = tuple(step.title for step in activity.plan_generated.plan.steps)
    if session.state is SessionState.AWAITING_PLAN_APPROVAL:
        return "Jules is waiting for its plan to be approved.", plan
    return question or "Jules is waiting for your input in the session.", ()


def _find_pull_for_session(rt: Runtime, session_id: str) -> PullRecord | None:
    try:
        pulls = rt.github.list_open_pulls()
    except GitHubError as exc:
        log.warning("Could not list pull requests: %s", exc.message)
        return None
    for pull in pulls:
        if session_id in pull.body or pull.head_ref.endswith(f"-{session_id}"):
            return pull
    return None


def _check_closing_reference(rt: Runtime, tracker: Tracker) -> None:
    """The PR should close the issue; add `Closes #N` to its body when it does not."""
    number = _pull_number(tracker.state.pr_url, rt.context.repository)
    if number is None or not tracker.store:
        return
    issue = tracker.state.issue
    try:
        pull = rt.github.get_pull(number)
        if any(int(m.group(3)) == issue for m in _CLOSING.finditer(pull.body)):
            return
        rt.github.edit_pull_body(number, f"{pull.body.rstrip()}\n\nCloses #{issue}\n".lstrip())
        log.info("Added 'Closes #%s' to pull request #%s.", issue, number)
    except GitHubError as exc:
        tracker.update(
            detail=f"The pull request does not say `Closes #{issue}` and it could not be added "
            f"({exc.message}); link it to this issue by hand."
        )


def _pull_number(url: str, repository: str) -> int | None:
    found = re.search(rf"/{re.escape(repository)}/pull/(\d+)", url)
    return int(found.group(1)) if found else None


# --- runs without an issue (schedule, workflow_dispatch) ----------------------------------------


def _run_without_issue(rt: Runtime, trigger: Trigger) -> Outcome:
    try:
        branch, prompt, title = _plan(rt, trigger, ())
    except GitHubError as exc:
        return _fail_without_comment(rt, exc)
    if rt.settings.dry_run:
        return _dry_run(rt, prompt, title, branch)
    state = TrackingState(
        request=trigger.request_key,
        issue=0,
        prompt=prompt,
        title=title,
        branch=branch,
        require_plan_approval=rt.settings.require_plan_approval,
    )
    tracker = Tracker(rt, 0, state, comment_id=None, store=False)
    return _start_and_wait(rt, tracker, recovering=rt.context.run_attempt != "1")


def _starting_branch(rt: Runtime, trigger: Trigger) -> str:
    """The input; else the PR's base; else the dispatched branch; else the default branch."""
    if rt.settings.starting_branch:
        return rt.settings.starting_branch
    if trigger.issue is not None and trigger.issue.is_pull_request:
        return rt.github.get_pull(trigger.issue.number).base_ref
    if trigger.kind == "dispatch" and trigger.ref and trigger.ref.startswith("refs/heads/"):
        return trigger.ref.removeprefix("refs/heads/")
    if trigger.default_branch:
        return trigger.default_branch
    return rt.github.get_default_branch()


def _dry_run(rt: Runtime, prompt: str, title: str, branch: str) -> Outcome:
    rt.summary.append(
        f"### Dry run: the session that would be created\n\n- Title: {title}\n"
        f"- Starting branch: `{branch}`\n\n<details><summary>Prompt</summary>\n\n"
        f"````text\n{prompt}\n````\n\n</details>"
    )
    message = "Dry run: the prompt is in the step summary; no session was created."
    log.info(message)
    return Outcome("skipped", message)


def _fail_without_comment(rt: Runtime, error: JulesActionError) -> Outcome:
    message = explain(error)
    log.error(message)
    return Outcome("error", message)


# --- the tracking comment ------------------------------------------------------------------

_OUTCOME_OF: Final = {
    Status.STARTING: "handed-off",
    Status.QUEUED: "queued",
    Status.RUNNING: "handed-off",
    Status.NEEDS_INPUT: "needs-input",
    Status.PR_OPENED: "pr-opened",
    Status.NO_PR: "no-pr",
    Status.FAILED: "failed",
    Status.ERROR: "error",
    Status.DUPLICATE: "skipped",
}


def _outcome_from_state(state: TrackingState, *, outcome: str | None = None) -> Outcome:
    name = outcome or _OUTCOME_OF[state.status]
    message = {
        "pr-opened": f"Jules opened a pull request: {state.pr_url}",
        "no-pr": "The Jules session completed without a pull request.",
        "failed": f"The Jules session failed: {state.detail}",
        "needs-input": f"Jules is waiting for input: {state.detail}",
        "timed-out": "Stopped waiting; the session goes on and the reconcile workflow finishes it.",
        "handed-off": (
            "The session is running; the reconcile workflow (or a re-run) reports the result."
        ),
        "queued": f"Queued: {state.detail}",
        "error": state.detail,
    }[name]
    return Outcome(name, message, state.session_id, state.session_url, state.state, state.pr_url)


class Tracker:
    """Keeps one tracking comment in step with a request's state (when there is an issue)."""

    def __init__(
        self,
        rt: Runtime,
        issue: int,
        state: TrackingState,
        *,
        comment_id: int | None,
        store: bool = True,
    ) -> None:
        self.rt = rt
        self.issue = issue
        self.state = state
        self.comment_id = comment_id
        self.store = store

    def save(self) -> None:
        if not self.store:
            return
        body = render(self.state, self.rt.codec, trigger_phrase=self.rt.settings.trigger_phrase)
        if self.comment_id is not None:
            comment_id = self.comment_id
            _quietly(
                self.rt,
                lambda: self.rt.github.edit_issue_comment(comment_id, body),
                "update the tracking comment",
            )
            return
        try:
            self.comment_id = self.rt.github.create_issue_comment(self.issue, body).id
        except GitHubError as exc:
            _warn(self.rt, f"Could not create the tracking comment: {exc.message}")
            if isinstance(exc, GitHubPermissionError):
                # Retrying on every state change would only repeat the refusal.
                self.store = False

    def update(self, **changes: object) -> None:
        new = self.state.with_(**changes)
        if new != self.state:
            self.state = new
            self.save()

    def finish(self) -> Outcome:
        """A final state: the request is closed, so the reconciler may forget the issue."""
        if self.store:
            _quietly(
                self.rt,
                lambda: self.rt.github.remove_label(self.issue, OPEN_LABEL),
                "remove a label",
            )
        return _outcome_from_state(self.state)

    def error(self, exc: JulesActionError, *, keep_open: bool = False) -> Outcome:
        message = explain(exc, branch=self.state.branch)
        log.error(message)
        if keep_open:
            # The session may still be fine: leave the request open for the reconciler.
            self.update(detail=message)
        else:
            self.update(status=Status.ERROR, detail=message)
            self.finish()
        return Outcome(
            "error", message, self.state.session_id, self.state.session_url, self.state.state
        )


def _quietly(rt: Runtime, action: Callable[[], T], what: str) -> T | None:
    """Run a GitHub write whose failure must not lose the session: warn and go on."""
    try:
        return action()
    except GitHubError as exc:
        _warn(rt, f"Could not {what}: {exc.message}")
    return None


def _warn(rt: Runtime, message: str) -> None:
    """A ``::warning::`` annotation, repeated once in the step summary."""
    log.warning(message)
    line = f"- ⚠️ {message}"
    if line not in rt.summary:
        rt.summary.append(line)
