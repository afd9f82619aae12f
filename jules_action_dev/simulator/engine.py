"""The simulated Jules account: sessions, their scenario state machines, activities, archiving,
the concurrency cap and the daily quota; pure, no I/O, not thread-safe (the server serialises
calls).

Everything is driven by explicit ``now_us`` arguments (microseconds of simulated time). The
engine is a small discrete-event simulation: ``advance(now_us)`` performs every due beat of
every session in time order, so a slot freed at 12:20 promotes a queued session at 12:20
even when nobody polled in between. With ``advance_per_get`` each session additionally runs
ahead of the global clock by its own offset, bumped on every ``sessions.get`` of it.

Timestamps shown to clients (``createTime``, ``updateTime``, activity and plan times) are not
simulated instants: ``stamp`` maps the global simulated instant at which something happened to
the instant to show, so a sped-up clock (or a per-session offset) never produces a timestamp
ahead of the wall clock. Scheduling uses simulated time only.
"""

from __future__ import annotations

import random
import re
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from jules_action_dev.simulator.config import SimulatorConfig, SourceConfig
from jules_action_dev.simulator.scenarios import (
    REPLY_DELAY,
    AgentReply,
    ApprovePlan,
    AskUser,
    Beat,
    Complete,
    Fail,
    GeneratePlan,
    OpenPullRequest,
    Pause,
    Progress,
    ScenarioSpec,
    SetState,
    Stall,
    asks_for_pull_request,
    resume_script,
    script_for,
)
from jules_action_dev.simulator.wire import JsonObject, RpcError, format_timestamp, not_found, prune

SESSION_URL = "https://jules.google.com/session/{id}"
TASK_URL = "https://jules.google.com/task/{id}"
PullRequestHook = Callable[[JsonObject], str | None]
"""Receives owner, repo, base, head, title, body, session_id; may return the PR URL to use."""
Stamp = Callable[[int], int]
"""Global simulated instant (µs) -> the instant (µs) to show in timestamps."""

_SECOND = 1_000_000
_PLAN_STEPS = (
    ("Explore the repository", "Find the code the task is about."),
    ("Make the change", "Edit the relevant files."),
    ("Add or update tests", "Cover the new behaviour."),
    ("Run the test suite", "Make sure everything passes."),
)


@dataclass
class ActivityRecord:
    id: str
    seq: int
    create_us: int
    originator: str
    description: str
    member: JsonObject
    """Exactly one union member, e.g. ``{"progressUpdated": {...}}``."""
    artifacts: list[JsonObject] = field(default_factory=list)


@dataclass
class SessionRecord:
    id: str
    seq: int
    prompt: str
    title: str
    source: SourceConfig | None
    starting_branch: str
    require_approval: bool
    auto_pr: bool
    spec: ScenarioSpec
    create_us: int
    """Simulated instant of the create (scheduling); ``create_stamp_us`` is what is shown."""
    create_stamp_us: int
    eligible_us: int
    beats: deque[Beat]
    faults_left: int
    queue_position: int
    """Sessions leave the queue strictly in the order they entered it."""
    state: str = "QUEUED"
    update_us: int = 0
    """Shown ``updateTime`` (a stamp, not a simulated instant)."""
    offset_us: int = 0
    queued: bool = True
    holds_slot: bool = False
    due_us: int | None = None
    blocked: str | None = None
    """What the next beat waits for: "approval", "feedback", "paused" or "forever"."""
    wake_us: int | None = None
    """While blocked: when something happens anyway (local time), see ``wake_kind``."""
    wake_kind: str = ""
    """"inactive": the waiting plan's session reads COMPLETED; "resume": the web app resumes."""
    archived: bool = False
    replies: list[int] = field(default_factory=list)
    pending_plan_id: str | None = None
    pr_opened: bool = False
    activities: list[ActivityRecord] = field(default_factory=list)
    outputs: list[JsonObject] = field(default_factory=list)

    def local(self, global_us: int) -> int:
        return global_us + self.offset_us

    @property
    def is_terminal(self) -> bool:
        return self.state in ("COMPLETED", "FAILED")


class Engine:
    def __init__(
        self,
        config: SimulatorConfig,
        *,
        open_pull_request: PullRequestHook,
        rng: random.Random,
        stamp: Stamp | None = None,
    ) -> None:
        self._config = config
        self._open_pull_request = open_pull_request
        self._rng = rng
        self._stamp: Stamp = stamp or (lambda micros: micros)
        self._event_us = 0
        """Global simulated instant of what is being performed now; see ``_now_stamp``."""
        self._sessions: dict[str, SessionRecord] = {}
        self._order: list[SessionRecord] = []
        self._cursor_us = 0
        self._creates_per_day: Counter[date] = Counter()
        self._pr_numbers: Counter[tuple[str, str]] = Counter()
        self._queue_positions = 0

    # -- queries -------------------------------------------------------------------------

    @property
    def sessions(self) -> list[SessionRecord]:
        """All sessions, oldest first."""
        return list(self._order)

    def find(self, session_id: str) -> SessionRecord:
        session = self._sessions.get(session_id)
        if session is None:
            raise not_found()
        return session

    # -- requests --------------------------------------------------------------------------

    def create(
        self,
        *,
        now_us: int,
        prompt: str,
        title: str,
        source: SourceConfig | None,
        starting_branch: str,
        require_approval: bool,
        auto_pr: bool,
        spec: ScenarioSpec,
    ) -> SessionRecord:
        self.advance(now_us)
        limit = self._config.daily_session_limit
        day = _as_datetime(now_us).date()
        if limit is not None and self._creates_per_day[day] >= limit:
            raise RpcError(
                "RESOURCE_EXHAUSTED",
                f"Daily task limit reached: this account can create {limit} sessions per day. "
                "Try again tomorrow.",
            )
        self._creates_per_day[day] += 1
        self._event_us = max(self._event_us, now_us)
        shown = self._now_stamp()
        session = SessionRecord(
            id=self._new_session_id(),
            seq=len(self._order),
            prompt=prompt,
            title=title,
            source=source,
            starting_branch=starting_branch,
            require_approval=require_approval or spec.forces_plan_approval,
            auto_pr=auto_pr,
            spec=spec,
            create_us=now_us,
            create_stamp_us=shown,
            update_us=shown,
            eligible_us=now_us + round(spec.queue * _SECOND),
            beats=deque(script_for(spec)),
            faults_left=spec.count if spec.burst_status else 0,
            queue_position=self._next_queue_position(),
        )
        self._sessions[session.id] = session
        self._order.append(session)
        return session

    def bump_offset(self, session: SessionRecord) -> None:
        """``advance_per_get``: this session's own time runs ahead by one step."""
        if self._config.advance_per_get:
            session.offset_us += round(self._config.advance_per_get * _SECOND)

    def check_faults(self, session: SessionRecord, now_us: int, *, is_get: bool) -> None:
        """Scripted transport faults for requests on one session."""
        window = session.spec.not_found_window
        if is_get and session.local(now_us) < session.create_us + round(window * _SECOND):
            raise not_found()
        status = session.spec.burst_status
        if status is not None and session.faults_left > 0:
            session.faults_left -= 1
            message = (
                "Resource has been exhausted (e.g. check quota)."
                if status == "RESOURCE_EXHAUSTED"
                else "The service is currently unavailable."
            )
            raise RpcError(status, message, retry_after=session.spec.retry_after)

    def approve_plan(self, session: SessionRecord, now_us: int) -> None:
        """Approve the waiting plan, also when its session already reads COMPLETED (inactive)."""
        if session.blocked != "approval" or session.pending_plan_id is None:
            raise RpcError("FAILED_PRECONDITION", "There is no plan awaiting approval.")
        self._event_us = max(self._event_us, now_us)
        at = session.local(now_us)
        self._add_activity(
            session, "user", "Plan approved", {"planApproved": {"planId": session.pending_plan_id}}
        )
        session.pending_plan_id = None
        self._set_state(session, "IN_PROGRESS")
        self._unblock(session, at)
        self.advance(now_us)

    def send_message(self, session: SessionRecord, prompt: str, now_us: int) -> None:
        self._event_us = max(self._event_us, now_us)
        at = session.local(now_us)
        self._add_activity(
            session, "user", "User message", {"userMessaged": {"userMessage": prompt}}
        )
        if session.blocked in ("feedback", "paused"):
            # A message resumes a paused session, as typing into it in the web app does.
            self._set_state(session, "IN_PROGRESS")
            self._unblock(session, at)
        elif session.is_terminal and not session.beats:
            spec = session.spec
            open_pr = not spec.never_opens_pr and (
                not spec.withholds_pr or asks_for_pull_request(prompt)
            )
            session.beats = deque(resume_script(open_pr=open_pr))
            session.queued = True
            session.queue_position = self._next_queue_position()
            session.eligible_us = at
            self._set_state(session, "QUEUED")
        else:
            session.replies.append(at + self._delay_us(REPLY_DELAY))
        self.advance(now_us)

    def set_archived(self, session: SessionRecord, archived: bool, now_us: int) -> None:
        """:archive / :unarchive; idempotent. Archiving changes neither state nor work."""
        self._event_us = max(self._event_us, now_us)
        if session.archived != archived:
            session.archived = archived
            session.update_us = max(session.update_us, self._now_stamp())

    # -- the event loop ----------------------------------------------------------------------

    def advance(self, now_us: int) -> None:
        """Perform, in time order, everything that is due at or before ``now_us``."""
        while True:
            event = self._next_event()
            if event is None or event[0] > now_us:
                break
            at_global, _, kind, session = event
            self._cursor_us = max(self._cursor_us, at_global)
            self._event_us = max(self._event_us, self._cursor_us)
            at = session.local(at_global)
            if kind == "start":
                session.queued = False
                session.holds_slot = True
                self._schedule_head(session, at)
            elif kind == "reply":
                session.replies.remove(min(session.replies))
                self._add_activity(
                    session, "agent", "Agent message", {"agentMessaged": {"agentMessage": _ACK}}
                )
            elif kind == "wake":
                self._wake(session, at)
            else:
                self._run_beat(session, at)
        self._cursor_us = max(self._cursor_us, now_us)
        self._event_us = max(self._event_us, now_us)

    def _next_event(self) -> tuple[int, int, str, SessionRecord] | None:
        """The earliest pending event as (global time, tie-break, kind, session).

        Queued sessions compete for a free slot by eligibility time, then queue position,
        so sessions waiting for the same freed slot leave the queue first-in first-out.
        """
        limit = self._config.max_concurrent_sessions
        slot_free = limit is None or sum(s.holds_slot for s in self._order) < limit
        candidates: list[tuple[int, int, str, SessionRecord]] = []
        for session in self._order:
            offset = session.offset_us
            if session.queued and slot_free:
                at = max(session.eligible_us - offset, self._cursor_us)
                candidates.append((at, session.queue_position, "start", session))
            if session.due_us is not None:
                candidates.append((session.due_us - offset, session.seq, "beat", session))
            if session.wake_us is not None:
                candidates.append((session.wake_us - offset, session.seq, "wake", session))
            if session.replies:
                candidates.append((min(session.replies) - offset, session.seq, "reply", session))
        return min(candidates, key=lambda event: event[:2], default=None)

    def _schedule_head(self, session: SessionRecord, at: int) -> None:
        session.due_us = at + self._delay_us(session.beats[0].delay) if session.beats else None

    def _unblock(self, session: SessionRecord, at: int) -> None:
        session.blocked = None
        session.wake_us = None
        self._schedule_head(session, at)

    def _wake(self, session: SessionRecord, at: int) -> None:
        kind, session.wake_us = session.wake_kind, None
        if kind == "inactive":
            # The plan still waits, but the session reads COMPLETED, with no outputs and no
            # sessionCompleted activity; approvePlan still works (SDK's "inactive" session).
            self._set_state(session, "COMPLETED")
        elif kind == "resume":
            self._set_state(session, "IN_PROGRESS")
            self._unblock(session, at)

    def _block_until(
        self, session: SessionRecord, what: str, at: int, after: float | None, wake_kind: str
    ) -> None:
        """Block the script on ``what``; with ``after``, ``wake_kind`` happens then anyway."""
        session.blocked = what
        if after is not None:
            session.wake_us = at + self._delay_us(after)
            session.wake_kind = wake_kind

    def _run_beat(self, session: SessionRecord, at: int) -> None:
        action = session.beats.popleft().action
        session.due_us = None
        match action:
            case SetState(state=state):
                self._set_state(session, state)
            case GeneratePlan():
                self._generate_plan(session)
            case ApprovePlan():
                if session.require_approval:
                    inactive_after = session.spec.inactive_plan_after
                    shown = "COMPLETED" if inactive_after == 0 else "AWAITING_PLAN_APPROVAL"
                    self._set_state(session, shown)
                    wake = inactive_after if inactive_after else None
                    self._block_until(session, "approval", at, wake, "inactive")
                else:
                    member = {"planApproved": {"planId": session.pending_plan_id}}
                    self._add_activity(session, "system", "Plan approved", member)
                    session.pending_plan_id = None
                    self._set_state(session, "IN_PROGRESS")
            case Progress(title=title, description=description):
                # No bashOutput artifacts: the live API stopped returning them (SDK fcd54b5).
                member = {"progressUpdated": {"title": title, "description": description}}
                self._add_activity(session, "agent", title, member)
            case AskUser(question=question):
                member = {"agentMessaged": {"agentMessage": question}}
                self._add_activity(session, "agent", "Agent question", member)
                self._set_state(session, "AWAITING_USER_FEEDBACK")
                session.blocked = "feedback"
            case AgentReply(text=text):
                member = {"agentMessaged": {"agentMessage": text}}
                self._add_activity(session, "agent", "Agent message", member)
            case OpenPullRequest():
                self._open_pr(session)
            case Complete(open_pr=open_pr):
                if open_pr:
                    self._open_pr(session)
                self._add_activity(
                    session,
                    "agent",
                    "Session completed",
                    {"sessionCompleted": {}},
                    [self._change_set(session)],
                )
                self._finish(session, "COMPLETED")
            case Fail(reason=reason):
                member = {"sessionFailed": {"reason": reason}}
                self._add_activity(session, "system", "Session failed", member)
                self._finish(session, "FAILED")
            case Pause():
                # Paused by a person in the web app: no activity, the slot stays taken.
                self._set_state(session, "PAUSED")
                resume_after = session.spec.web_app_resume_after
                self._block_until(session, "paused", at, resume_after, "resume")
            case Stall():
                session.blocked = "forever"
        if session.blocked is None:
            self._schedule_head(session, at)

    # -- effects of beats --------------------------------------------------------------------

    def _now_stamp(self) -> int:
        """The timestamp to show for what is being performed now."""
        return self._stamp(self._event_us)

    def _set_state(self, session: SessionRecord, state: str) -> None:
        if session.state != state:
            session.state = state
            session.update_us = max(session.update_us, self._now_stamp())

    def _finish(self, session: SessionRecord, state: str) -> None:
        self._set_state(session, state)
        session.holds_slot = False

    def _generate_plan(self, session: SessionRecord) -> None:
        plan_id = self._hex_id()
        steps = [
            {"id": self._hex_id(), "title": title, "description": text, "index": index}
            for index, (title, text) in enumerate(_PLAN_STEPS)
        ]
        plan = {"id": plan_id, "steps": steps, "createTime": format_timestamp(self._now_stamp())}
        self._add_activity(session, "agent", "Plan generated", {"planGenerated": {"plan": plan}})
        session.pending_plan_id = plan_id

    def _open_pr(self, session: SessionRecord) -> None:
        # Faithful to the API: without AUTO_CREATE_PR (or without a repository) no PR is made.
        if session.pr_opened or not session.auto_pr or session.source is None:
            return
        source = session.source
        head = f"{_slug(session.title)}-{session.id}"
        # Jules writes its own description (a summary of the change), not the prompt; a
        # closing reference appears only when the task asked for one and the agent obeyed,
        # which the simulator leaves to the caller to check.
        body = (
            f"{session.title or 'Changes'}\n\nThis pull request was created by Jules for "
            f"session {session.id}.\n\n{TASK_URL.format(id=session.id)}"
        )
        request = {
            "owner": source.owner,
            "repo": source.repo,
            "base": session.starting_branch,
            "head": head,
            "title": session.title,
            "body": body,
            "session_id": session.id,
        }
        url = self._open_pull_request(request)
        if url is None:
            self._pr_numbers[(source.owner, source.repo)] += 1
            number = self._pr_numbers[(source.owner, source.repo)]
            server = self._config.github_server_url.rstrip("/")
            url = f"{server}/{source.owner}/{source.repo}/pull/{number}"
        pull_request = {
            "url": url,
            "title": session.title,
            "description": body,
            "baseRef": session.starting_branch,
            "headRef": head,
        }
        session.outputs.append({"pullRequest": pull_request})
        session.pr_opened = True
        session.update_us = max(session.update_us, self._now_stamp())

    def _change_set(self, session: SessionRecord) -> JsonObject:
        patch = (
            "diff --git a/CHANGES.md b/CHANGES.md\n"
            "--- a/CHANGES.md\n+++ b/CHANGES.md\n"
            "@@ -1 +1,2 @@\n # Changes\n"
            f"+- {session.title} (Jules session {session.id})\n"
        )
        git_patch = {
            "unidiffPatch": patch,
            "baseCommitId": f"{self._rng.getrandbits(160):040x}",
            "suggestedCommitMessage": session.title,
        }
        change_set: JsonObject = {"gitPatch": git_patch}
        if session.source is not None:
            change_set = {"source": session.source.name, **change_set}
        return {"changeSet": change_set}

    def _add_activity(
        self,
        session: SessionRecord,
        originator: str,
        description: str,
        member: JsonObject,
        artifacts: list[JsonObject] | None = None,
    ) -> None:
        # Strictly increasing times keep "createTime > last seen" filters exact.
        last = session.activities[-1].create_us if session.activities else session.create_stamp_us
        session.activities.append(
            ActivityRecord(
                id=self._hex_id(),
                seq=len(session.activities),
                create_us=max(self._now_stamp(), last + 1),
                originator=originator,
                description=description,
                member=member,
                artifacts=artifacts or [],
            )
        )

    # -- rendering -------------------------------------------------------------------------

    def session_resource(self, session: SessionRecord) -> JsonObject:
        source_context = None
        if session.source is not None:
            source_context = {
                "source": session.source.name,
                "githubRepoContext": {"startingBranch": session.starting_branch},
            }
        return prune(
            {
                "name": f"sessions/{session.id}",
                "id": session.id,
                "prompt": session.prompt,
                "title": session.title,
                "sourceContext": source_context,
                "createTime": format_timestamp(session.create_stamp_us),
                "updateTime": format_timestamp(session.update_us),
                "state": session.state,
                "url": SESSION_URL.format(id=session.id),
                "outputs": session.outputs,
                "archived": session.archived,
            }
        )

    @staticmethod
    def activity_resource(session: SessionRecord, activity: ActivityRecord) -> JsonObject:
        return prune(
            {
                "name": f"sessions/{session.id}/activities/{activity.id}",
                "id": activity.id,
                "description": activity.description,
                "createTime": format_timestamp(activity.create_us),
                "originator": activity.originator,
                **activity.member,
                "artifacts": activity.artifacts,
            }
        )

    # -- ids and time ----------------------------------------------------------------------

    def _next_queue_position(self) -> int:
        self._queue_positions += 1
        return self._queue_positions

    def _new_session_id(self) -> str:
        while True:
            candidate = str(self._rng.randrange(10**18, 10**19))
            if candidate not in self._sessions:
                return candidate

    def _hex_id(self) -> str:
        return f"{self._rng.getrandbits(128):032x}"

    def _delay_us(self, seconds: float) -> int:
        """A scripted delay plus up to one second of jitter, so timestamps look real."""
        if seconds <= 0:
            return 0
        return round(seconds * _SECOND) + self._rng.randrange(_SECOND)


_ACK = "Thanks, noted. I'll take that into account."


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].strip("-") or "jules"


def _as_datetime(micros: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)
