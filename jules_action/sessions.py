"""A request's Jules session: plan it, start it exactly once, follow it, apply what it says.

I/O through ``Ports`` (Jules client, GitHub port, clock). The rules that make one request
one session:

- Every prompt ends with the request's tag; a session whose create answer was lost (5xx,
  dropped connection, read timeout, a body with no session in it) is looked for by that tag
  in ``sessions.list`` (archived ones included) before anything else is tried.
- A run never creates twice. When the look finds nothing, the request stays ``starting``
  and open; the reconciler, once ``RECONCILE_RECOVERS_AFTER`` has passed, looks again and
  only then creates.
- A refused create (429) is retried briefly (a transient limit), then the request is queued.

``apply_step`` records what one observation of the session means (``polling`` decides);
``outcome_of`` turns a recorded state into the run's outcome.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Final

from jules_action import authz
from jules_action.config import Mode
from jules_action.errors import (
    GitHubError,
    JulesActionError,
    JulesAPIError,
    JulesNetworkError,
    JulesNotFound,
    JulesRateLimited,
    JulesServerError,
)
from jules_action.events import Actor, Comment
from jules_action.github_port import CommentRecord
from jules_action.jules_client import ARCHIVED_FILTER
from jules_action.jules_models import (
    Activity,
    AutomationMode,
    CreateSessionRequest,
    GitHubRepoContext,
    Session,
    SessionState,
    SourceContext,
)
from jules_action.messages import explain, source_not_connected
from jules_action.outcome import Outcome, OutcomeKind, RequestResult
from jules_action.polling import (
    CompletedWithoutPr,
    Failed,
    NeedsInput,
    PollPolicy,
    PrOpened,
    TimedOut,
    ending,
    wait_for_session,
)
from jules_action.ports import Ports
from jules_action.progress import MAX_REPORT_CHARS, absorb, bounded
from jules_action.prompt import (
    build_event_prompt,
    build_prompt,
    select_context_comments,
    session_title,
)
from jules_action.pulls import link_pull, pull_number
from jules_action.tracker import Tracker
from jules_action.tracking import Status, TrackingState, iso
from jules_action.triggers import Trigger

log = logging.getLogger("jules_action")

MAX_CONTEXT_COMMENTS: Final = 30
TAG_PREFIX: Final = "(jules-action request "
LOOKUP_MOST: Final = 200
# A refused create may be a short burst limit: a run tries once more, this much later. The
# reconciler does not: it meets the day's quota or the concurrency cap, which last far longer
# than a retry, and its next pass tries again anyway.
CREATE_RETRIES: Final = 1
CREATE_RETRY_DELAY: Final = 10.0
NUDGE_MESSAGE: Final = (
    "The session has completed but no pull request was created. Please commit your changes "
    "and open a pull request for them now."
)


# --- planning ----------------------------------------------------------------------------


def authorize_actor(ports: Ports, actor: Actor) -> authz.AuthDecision:
    """Classify first; ask GitHub for the role only when the allow-lists do not decide."""
    settings = ports.settings
    actor_class = authz.classify_actor(
        actor, allowed_users=settings.allowed_users, allowed_bots=settings.allowed_bots
    )
    needs_role = actor_class is authz.ActorClass.NEEDS_ROLE
    role = ports.github.get_permission(actor.login) if needs_role else None
    return authz.decide(actor_class, role, login=actor.login)


def tag_of(repository: str, request_key: str) -> str:
    return f"{TAG_PREFIX}{repository} {request_key})"


def plan(ports: Ports, trigger: Trigger, comments: Sequence[CommentRecord]) -> tuple[str, str, str]:
    """Starting branch, prompt (ending with the request's tag) and title of a new session."""
    branch = starting_branch(ports, trigger)
    context = context_comments(ports, trigger, comments) if ports.settings.include_comments else []
    if trigger.kind == "event":
        prompt = build_event_prompt(trigger, repository=ports.context.repository)
    else:
        prompt = build_prompt(
            trigger,
            repository=ports.context.repository,
            extra_instructions=ports.settings.prompt,
            comments=context,
        )
    title = session_title(trigger, title_input=ports.settings.title)
    tag = tag_of(ports.context.repository, trigger.request_key)
    return branch, f"{prompt}\n\n{tag}", title


def context_comments(
    ports: Ports, trigger: Trigger, comments: Sequence[CommentRecord]
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
            verdicts[login] = authorize_actor(ports, authors[login]).allowed
        return verdicts[login]

    return select_context_comments(
        candidates, trigger_time=trigger.requested_at, is_authorized=authorized
    )


def starting_branch(ports: Ports, trigger: Trigger) -> str:
    """The input; else the event's branch (agent mode); else the PR's base; else the
    dispatched branch; else the default branch."""
    if ports.settings.starting_branch:
        return ports.settings.starting_branch
    if trigger.branch:
        return trigger.branch
    if trigger.issue is not None and trigger.issue.is_pull_request:
        return ports.github.get_pull(trigger.issue.number).base_ref
    if trigger.kind == "dispatch" and trigger.ref and trigger.ref.startswith("refs/heads/"):
        return trigger.ref.removeprefix("refs/heads/")
    if trigger.default_branch:
        return trigger.default_branch
    return ports.github.get_default_branch()


def new_state(
    ports: Ports, trigger: Trigger, issue: int, planned: tuple[str, str, str]
) -> TrackingState:
    branch, prompt, title = planned
    return TrackingState(
        request=trigger.request_key,
        issue=issue,
        requested_at=iso(trigger.requested_at or ports.clock.now()),
        actor=trigger.actor.login if trigger.actor else "",
        prompt=prompt,
        title=title,
        branch=branch,
        require_plan_approval=ports.settings.require_plan_approval,
        run_url=ports.context.run_url,
    )


# --- starting ------------------------------------------------------------------------------


def start(ports: Ports, tracker: Tracker, *, look_first: bool) -> Outcome | None:
    """Create the request's session (or find the one an earlier run made); None once it runs,
    with the session held in ``tracker`` for the caller's next write.

    Otherwise the outcome: queued (Jules at its limits), handed off (the create's answer was
    lost and the session is not listed yet: the reconciler looks again), or an error.
    """
    state = tracker.state
    try:
        found = find_by_tag(ports, state.prompt) if look_first else None
        session = found or _create(ports, tracker)
    except JulesRateLimited as exc:
        # What Jules said (quota figures) goes to the log only, not to the issue.
        log.warning("Queued: %s", explain(exc), extra={"title": "Jules request queued"})
        tracker.set(replace(tracker.state, status=Status.QUEUED, detail=explain(exc, public=True)))
        return outcome_of(tracker.state)
    except _Ambiguous as lost:
        message = (
            f"Jules did not confirm the new session ({lost.cause}). It may exist: the reconcile "
            "workflow looks for it by its tag and starts it only if it is not there."
        )
        ports.report.warn(message)
        tracker.set(replace(tracker.state, detail=message, handed_off=True))
        return Outcome(OutcomeKind.HANDED_OFF, message)
    except JulesActionError as exc:
        return error(ports, tracker, exc)
    _deliver_followups(ports, session, tracker.state)
    # Held: the caller's next write (the hand-off, or before the first wait) records the
    # session, one edit instead of two; nothing unrepeatable comes before it.
    tracker.hold(
        replace(
            tracker.state,
            status=Status.RUNNING,
            session_id=session.id,
            session_url=session.web_url,
            state=_state_name(session),
            prompt="",
            followups=(),
            detail="",
            handed_off=False,
        )
    )
    log.info("Jules session %s: %s", session.id, tracker.state.session_url)
    return None


class _Ambiguous(Exception):
    """The create may or may not have happened, and the session was not found."""

    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause


def _create(ports: Ports, tracker: Tracker) -> Session:
    state = tracker.state
    owner, name = ports.context.owner, ports.context.repo
    try:
        source = ports.jules.get_source(owner, name)
    except JulesNotFound:
        raise JulesActionError(source_not_connected(ports.context.repository)) from None
    prompt = state.prompt
    if state.followups:
        extra = "\n\n".join(state.followups)
        prompt = prompt.replace(
            f"\n\n{TAG_PREFIX}", f"\n\nFurther instructions:\n{extra}\n\n{TAG_PREFIX}", 1
        )
    request = CreateSessionRequest(
        prompt=prompt,
        title=state.title,
        source_context=SourceContext(
            source=source.name or f"sources/github/{owner}/{name}",
            github_repo_context=GitHubRepoContext(starting_branch=state.branch),
        ),
        require_plan_approval=True if state.require_plan_approval else None,
        automation_mode=AutomationMode.AUTO_CREATE_PR,
    )
    retries = 0 if ports.settings.mode is Mode.RECONCILE else CREATE_RETRIES
    for attempt in range(retries + 1):
        try:
            session = ports.jules.create_session(request)
        except JulesRateLimited:
            # Refused, so nothing was created: a short wait and another try are safe.
            if attempt == retries or ports.left() < CREATE_RETRY_DELAY:
                raise
            ports.clock.sleep(CREATE_RETRY_DELAY)
            continue
        except (JulesServerError, JulesNetworkError) as exc:
            return _look_after_lost_create(ports, state, exc.message)
        except JulesAPIError as exc:
            if exc.status_code is None:  # an answer that is not a session
                return _look_after_lost_create(ports, state, exc.message)
            raise
        if not session.id:
            return _look_after_lost_create(ports, state, "the answer named no session")
        return session
    raise AssertionError("unreachable")


def _look_after_lost_create(ports: Ports, state: TrackingState, cause: str) -> Session:
    log.warning("The create's answer was lost (%s); looking for the session by its tag.", cause)
    try:
        found = find_by_tag(ports, state.prompt)
    except JulesAPIError as exc:
        raise _Ambiguous(f"{cause}; the lookup failed too: {exc.message}") from exc
    if found is None:
        raise _Ambiguous(cause)
    return found


def find_by_tag(ports: Ports, prompt: str) -> Session | None:
    """The session an earlier attempt created for this prompt's request tag, if listed.

    Archived sessions too: ``sessions.list`` hides them unless asked (a person may archive a
    session in the web app), and a session missed here would be created a second time. Each
    list is read newest first, up to ``LOOKUP_MOST`` sessions.
    """
    start_at = prompt.rfind(TAG_PREFIX)
    if start_at < 0:
        return None
    tag = prompt[start_at:]
    for listing in (None, ARCHIVED_FILTER):
        found = ports.jules.list_sessions(page_size=100, filter=listing)
        for session in itertools.islice(found, LOOKUP_MOST):
            if tag in session.prompt:
                log.info("Found the session created by an earlier attempt: %s.", session.id)
                return session
    return None


def _deliver_followups(ports: Ports, session: Session, state: TrackingState) -> None:
    """Instructions that came while the session did not exist, if its prompt lacks them."""
    for text in state.followups:
        if text in session.prompt:
            continue
        try:
            ports.jules.send_message(session.id, text)
        except JulesAPIError as exc:
            ports.report.warn(f"Could not pass on the further instructions: {exc.message}")


def _state_name(session: Session) -> str:
    if session.state is SessionState.STATE_UNSPECIFIED:
        return "QUEUED"
    return session.state.value


# --- following ------------------------------------------------------------------------------


def follow(ports: Ports, tracker: Tracker, *, wait: bool) -> Outcome:
    """Wait for the session until it ends, asks, or the wait is over; or hand off at once."""
    if not wait or ports.settings.wait_minutes == 0:
        tracker.set(replace(tracker.state, handed_off=True))
        return outcome_of(tracker.state, kind=OutcomeKind.HANDED_OFF)
    deadline = min(
        ports.clock.monotonic() + ports.settings.wait_seconds,
        ports.deadline,
    )
    session_id = tracker.state.session_id
    watch = _Progress(ports, tracker)

    def look() -> Session:
        session = ports.jules.get_session(session_id)
        watch.see(session)
        return session

    def on_change(session: Session) -> None:
        log.info("Session %s is %s.", session_id, session.state.value)
        if session.state.value != tracker.state.state:
            # Written before the next wait, or with the step that ends it (one edit).
            tracker.hold(replace(tracker.state, state=session.state.value))

    while True:
        policy = PollPolicy(
            interval=ports.settings.poll_interval,
            timeout=max(deadline - ports.clock.monotonic(), 0.0),
        )
        try:
            step = wait_for_session(
                look,
                clock=ports.clock,
                policy=policy,
                on_change=on_change,
                before_wait=tracker.flush,
            )
            outcome = apply_step(ports, tracker, step)
        except JulesNotFound:
            return session_gone(ports, tracker)
        except JulesAPIError as exc:
            return error(ports, tracker, exc, keep_open=True)
        if outcome is not None:
            return outcome


def observe(ports: Ports, tracker: Tracker, session: Session) -> Outcome | None:
    """Apply one look at a session to its request, without waiting (the reconciler)."""
    now = ports.clock.now()
    ended = ending(session)
    state = tracker.state
    if isinstance(ended, NeedsInput):
        # Post the question or plan once; later passes only keep looking.
        if state.state != session.state.value or state.status is not Status.NEEDS_INPUT:
            return apply_step(ports, tracker, ended)
        return None
    if ended is not None:
        return apply_step(ports, tracker, ended)
    if session.state is SessionState.COMPLETED:
        if not state.completed_at:
            tracker.set(replace(state, state=session.state.value, completed_at=iso(now)))
            return None
        since = datetime.fromisoformat(state.completed_at)
        if now - since >= timedelta(seconds=PollPolicy.completed_grace):
            outcome = apply_step(ports, tracker, CompletedWithoutPr(session))
            if outcome is None:
                tracker.set(replace(tracker.state, completed_at=iso(now)))
            return outcome
        return None
    state = replace(state, state=session.state.value, status=Status.RUNNING)
    if session.state in _PROGRESSING:
        try:
            state = absorb(state, ports.jules.list_activities(session.id))
        except JulesAPIError as exc:
            log.info("Could not read the session's progress: %s", exc.message)
    tracker.set(state)
    return None


# States in which the plan and progress lines are worth a look.
_PROGRESSING: Final = frozenset({SessionState.PLANNING, SessionState.IN_PROGRESS})
# How often a waiting run reads the session's new activities (besides every state change).
PROGRESS_EVERY: Final = 180.0


class _Progress:
    """Keeps the plan checklist and progress line of a followed session current.

    Reads only the activities newer than the last one seen (``created_after``), on a state
    change and at most every ``PROGRESS_EVERY`` seconds; a failed read is skipped (progress
    is news, not state: the next read catches up).
    """

    def __init__(self, ports: Ports, tracker: Tracker) -> None:
        self.ports = ports
        self.tracker = tracker
        self.seen: set[str] = set()
        self.after: datetime | None = None
        self.last_state: SessionState | None = None
        self.last_read = -PROGRESS_EVERY

    def see(self, session: Session) -> None:
        now = self.ports.clock.monotonic()
        changed = session.state is not self.last_state
        self.last_state = session.state
        if session.state not in _PROGRESSING:
            return
        if not changed and now - self.last_read < PROGRESS_EVERY:
            return
        self.last_read = now
        try:
            fresh = [
                a
                for a in self.ports.jules.list_activities(session.id, created_after=self.after)
                if a.id not in self.seen
            ]
        except JulesAPIError as exc:
            log.info("Could not read the session's progress: %s", exc.message)
            return
        for activity in fresh:
            self.seen.add(activity.id)
            if activity.create_time is not None:
                self.after = max(self.after or activity.create_time, activity.create_time)
        state = self.tracker.state
        updated = absorb(replace(state, state=session.state.value), fresh)
        if updated != state:
            # Written before the next wait (``before_wait``), with whatever else came.
            self.tracker.hold(updated)


def apply_step(
    ports: Ports,
    tracker: Tracker,
    step: PrOpened | Failed | NeedsInput | CompletedWithoutPr | TimedOut,
) -> Outcome | None:
    """Record what one poll result means on the issue; None means 'keep waiting'."""
    session = step.session
    state = tracker.state
    state_value = session.state.value
    if isinstance(step, PrOpened):
        pull = step.pull_request
        final = replace(
            state,
            status=Status.PR_OPENED,
            state=state_value,
            pr_url=pull.url,
            pr_title=pull.title,
            pr_branch=pull.head_ref,
            report=bounded(pull.description, MAX_REPORT_CHARS) or state.report,
            plan_done=len(state.plan),
            detail="",
            handed_off=False,
        )
        note = link_pull(ports, final, session)
        if ports.settings.request_review:
            _ask_for_review(ports, final)
        return finish(ports, tracker, replace(final, detail=note))
    if isinstance(step, Failed):
        activities = list(ports.jules.list_activities(session.id))
        reason = _latest_failure_reason(activities) or "Jules did not give a reason."
        log.error("The Jules session failed: %s", reason, extra={"title": "Jules session failed"})
        final = replace(
            absorb(state, activities),
            status=Status.FAILED,
            state=state_value,
            detail=reason,
            handed_off=False,
        )
        return finish(ports, tracker, final)
    if isinstance(step, NeedsInput):
        tracker.set(_waiting(ports, session, replace(state, state=state_value)))
        return outcome_of(tracker.state)
    if isinstance(step, CompletedWithoutPr):
        if state.require_plan_approval and not state.approved:
            activities = list(ports.jules.list_activities(session.id))
            waiting_plan = _pending_plan(activities)
            if waiting_plan is not None:
                # COMPLETED with no outputs while the plan waits (a live-API quirk).
                tracker.set(
                    replace(
                        absorb(state, activities),
                        status=Status.NEEDS_INPUT,
                        state=state_value,
                        detail="Jules is waiting for its plan to be approved.",
                        need="plan",
                        need_id=waiting_plan,
                    )
                )
                return outcome_of(tracker.state)
        if not state.nudged:
            log.info(
                "Session %s completed without a PR; asking Jules once to open one.", session.id
            )
            ports.jules.send_message(session.id, NUDGE_MESSAGE)
            tracker.set(replace(state, nudged=True, state=state_value))
            return None
        final = replace(state, status=Status.NO_PR, state=state_value, handed_off=False)
        try:
            final = absorb(final, ports.jules.list_activities(session.id))
        except JulesAPIError as exc:
            log.info("Could not read what Jules said last: %s", exc.message)
        return finish(ports, tracker, final)
    tracker.set(replace(state, state=state_value, handed_off=True))
    return outcome_of(tracker.state, kind=OutcomeKind.TIMED_OUT)


def _ask_for_review(ports: Ports, state: TrackingState) -> None:
    """Ask the requester to review the PR: a person, and not its author (GitHub refuses)."""
    number = pull_number(state.pr_url, ports.context.repository)
    login = state.actor
    if number is None or not login or login.lower().endswith("[bot]"):
        return
    try:
        pull = ports.github.get_pull(number)
        if pull.author_login.lower() == login.lower():
            log.info("@%s opened #%s (their Jules account): no review request.", login, number)
            return
        ports.github.request_review(number, login)
    except GitHubError as exc:
        ports.report.warn(f"Could not ask @{login} to review #{number}: {exc.message}")
        return
    log.info("Asked @%s to review #%s.", login, number)


def finish(ports: Ports, tracker: Tracker, final: TrackingState) -> Outcome:
    """A final state: on the issue first, then the request is closed."""
    tracker.finish(final)
    return outcome_of(tracker.state)


def session_gone(ports: Ports, tracker: Tracker) -> Outcome:
    """The session answers 404 for good: deleted in the Jules web app. End the request."""
    message = (
        f"The Jules session {tracker.state.session_id} no longer exists (deleted in the Jules "
        f"web app?). Comment `{ports.settings.trigger_phrase} <instructions>` to start again."
    )
    final = replace(tracker.state, status=Status.ERROR, detail=message, handed_off=False)
    finish(ports, tracker, final)
    return outcome_of(tracker.state)


def error(
    ports: Ports, tracker: Tracker, exc: JulesActionError, *, keep_open: bool = False
) -> Outcome:
    message = explain(exc, branch=tracker.state.branch)
    log.error(message, extra={"title": "Jules error"})
    shown = explain(exc, branch=tracker.state.branch, public=True)
    if keep_open:
        # The session may still be fine: leave the request open for the reconciler.
        tracker.set(replace(tracker.state, detail=shown))
    else:
        finish(ports, tracker, replace(tracker.state, status=Status.ERROR, detail=shown))
    state = tracker.state
    return Outcome(OutcomeKind.ERROR, message, state.session_id, state.session_url, state.state)


def _latest_failure_reason(activities: Sequence[Activity]) -> str:
    reason = ""
    for activity in activities:
        if activity.session_failed is not None and activity.session_failed.reason:
            reason = activity.session_failed.reason
    return reason


def _waiting(ports: Ports, session: Session, state: TrackingState) -> TrackingState:
    """``state`` waiting for a person: the plan to approve, the question, or a pause.

    ``need_id`` names the plan or question (its activity), so each gets one notice.
    """
    waiting = replace(state, status=Status.NEEDS_INPUT)
    if session.state is SessionState.PAUSED:
        stamp = session.update_time.isoformat() if session.update_time else ""
        return replace(
            waiting,
            need="paused",
            need_id=stamp,
            detail="The session is paused in the Jules web app. A person has to resume it "
            "there (or reply here to send it a message).",
        )
    activities = list(ports.jules.list_activities(session.id))
    waiting = absorb(waiting, activities)
    if session.state is SessionState.AWAITING_PLAN_APPROVAL:
        return replace(
            waiting,
            need="plan",
            need_id=_pending_plan(activities) or "",
            detail="Jules is waiting for its plan to be approved.",
        )
    question, asked = "", ""
    for activity in activities:
        if activity.agent_messaged is not None:
            question, asked = activity.agent_messaged.agent_message, activity.id
    return replace(
        waiting,
        need="question",
        need_id=asked,
        detail=question or "Jules is waiting for your input in the session.",
    )


def _pending_plan(activities: Sequence[Activity]) -> str | None:
    """The id of a generated plan that no approval followed, if there is one."""
    pending: str | None = None
    for activity in activities:
        if activity.plan_generated is not None and activity.plan_generated.plan is not None:
            pending = activity.plan_generated.plan.id or activity.id or "plan"
        if activity.plan_approved is not None:
            pending = None
    return pending


# --- outcomes -------------------------------------------------------------------------------

_OUTCOME_OF: Final = {
    Status.STARTING: OutcomeKind.HANDED_OFF,
    Status.QUEUED: OutcomeKind.QUEUED,
    Status.RUNNING: OutcomeKind.HANDED_OFF,
    Status.NEEDS_INPUT: OutcomeKind.NEEDS_INPUT,
    Status.PR_OPENED: OutcomeKind.PR_OPENED,
    Status.NO_PR: OutcomeKind.NO_PR,
    Status.FAILED: OutcomeKind.FAILED,
    Status.ERROR: OutcomeKind.ERROR,
    Status.DUPLICATE: OutcomeKind.SKIPPED,
}


def outcome_of(state: TrackingState, *, kind: OutcomeKind | None = None) -> Outcome:
    """The run's outcome for a recorded state (``kind`` overrides the status's own)."""
    name = kind or _OUTCOME_OF[state.status]
    message = _MESSAGES[name](state)
    return Outcome(
        name,
        message,
        state.session_id,
        state.session_url,
        state.state,
        state.pr_url,
        issue=state.issue,
        branch=state.pr_branch,
        request=state.request,
    )


def result_of(state: TrackingState, *, kind: OutcomeKind | None = None) -> RequestResult:
    """A request the run touched, as the ``result`` output lists it."""
    name = kind or _OUTCOME_OF[state.status]
    return RequestResult(
        issue=state.issue,
        request=state.request,
        outcome=name.value,
        session_id=state.session_id,
        session_url=state.session_url,
        pr_url=state.pr_url,
    )


def with_results(outcome: Outcome, touched: Sequence[TrackingState]) -> Outcome:
    """``outcome`` listing every request the run touched (its own request with its kind)."""
    results = [
        result_of(s, kind=outcome.outcome if s.request == outcome.request else None)
        for s in touched
    ]
    if outcome.request and all(s.request != outcome.request for s in touched):
        results.append(
            RequestResult(
                issue=outcome.issue,
                request=outcome.request,
                outcome=outcome.outcome.value,
                session_id=outcome.session_id,
                session_url=outcome.session_url,
                pr_url=outcome.pr_url,
            )
        )
    return replace(outcome, results=tuple(results))


def _handed_off(state: TrackingState) -> str:
    if state.session_id:
        return "The session is running; the reconcile workflow (or a re-run) reports the result."
    return state.detail or "The request is being started; the reconcile workflow carries on."


_MESSAGES: Final[dict[OutcomeKind, Callable[[TrackingState], str]]] = {
    OutcomeKind.PR_OPENED: lambda s: f"Jules opened a pull request: {s.pr_url}",
    OutcomeKind.NO_PR: lambda s: "The Jules session completed without a pull request.",
    OutcomeKind.FAILED: lambda s: f"The Jules session failed: {s.detail}",
    OutcomeKind.NEEDS_INPUT: lambda s: f"Jules is waiting for input: {s.detail}",
    OutcomeKind.TIMED_OUT: lambda s: (
        "Stopped waiting; the session goes on and the reconcile workflow finishes it."
    ),
    OutcomeKind.HANDED_OFF: _handed_off,
    OutcomeKind.QUEUED: lambda s: f"Queued: {s.detail}",
    OutcomeKind.SKIPPED: lambda s: f"Another run is already handling this request: {s.detail}",
    OutcomeKind.ERROR: lambda s: s.detail,
    OutcomeKind.RECONCILED: lambda s: "Reconciled.",
}
