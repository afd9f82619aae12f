"""The tracking comment: its visible text and its hidden, signed state marker; no I/O.

The issue thread is the action's durable store. Each request (a label, a ``/jules``
comment) gets one tracking comment whose hidden marker carries ``TrackingState`` as
base64 JSON plus an HMAC keyed from the Jules API key (marker format ``v2``).

A marker is public (the raw body through the API, every earlier revision in the edit
history), so a valid signature alone proves nothing: anyone can paste a copy. A marker
counts only when ``find_tracked`` accepts it:

- the comment was written by the action's own identity (``identity``, the login its
  comments appear under), so a copy pasted by anyone else is inert;
- the state is bound to the issue it sits on (``TrackingState.issue``), so a marker copied
  from issue #1 to issue #2 is inert there;
- once the comment exists, the state is bound to that comment (``comment_id``), so an old
  revision or a copy in another of our comments is inert.

(Rotating the API key orphans the open markers made under the old key; they are then left
alone. ``v1`` markers, from before the binding, are read with the same author and issue
checks so that requests open at an upgrade are finished.)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from jules_action import mdtext
from jules_action.github_port import CommentRecord

MARKER_VERSION: Final = 2
MARKER_PREFIX: Final = "<!-- jules-action:v"
_MARKER = re.compile(r"<!-- jules-action:v([12]) ([A-Za-z0-9+/=]+)\.([0-9a-f]{64}) -->")
HANDLED_KEPT: Final = 50


class Status(StrEnum):
    """Where a request stands, as recorded on the issue."""

    STARTING = "starting"  # claimed; the session may or may not exist yet
    QUEUED = "queued"  # Jules refused for quota/concurrency; reconcile starts it later
    RUNNING = "running"  # a session exists and is working
    NEEDS_INPUT = "needs-input"  # waiting for plan approval or an answer
    PR_OPENED = "pr-opened"
    NO_PR = "no-pr"
    FAILED = "failed"
    ERROR = "error"
    DUPLICATE = "duplicate"  # a racing trigger for a request another run is handling

    @property
    def is_open(self) -> bool:
        """Open requests are the reconciler's business."""
        return self in _OPEN


_OPEN = frozenset({Status.STARTING, Status.QUEUED, Status.RUNNING, Status.NEEDS_INPUT})


@dataclass(frozen=True)
class TrackingState:
    """Everything a later run (or the reconciler) needs to carry on with a request."""

    request: str  # the request key, e.g. "comment:123" or "label:7:jules-task:<time>"
    issue: int
    status: Status = Status.STARTING
    requested_at: str = ""  # ISO time of the triggering event; orders the queue
    actor: str = ""  # who authorized the request
    session_id: str = ""
    session_url: str = ""
    state: str = ""  # the Jules session state last seen
    pr_url: str = ""
    pr_title: str = ""
    detail: str = ""  # failure reason, question text or error message (plain text)
    plan: tuple[str, ...] = ()  # plan step titles while waiting for approval
    prompt: str = ""  # kept until the session exists, so reconcile can create it
    title: str = ""
    branch: str = ""
    require_plan_approval: bool = False
    run_url: str = ""
    completed_at: str = ""  # first seen COMPLETED without a PR (grace period)
    nudged: bool = False  # already asked Jules once to open the PR
    handed_off: bool = False  # the last run stopped waiting; reconcile finishes
    claim: str = ""  # "<run id>.<attempt>" of the run that claimed the request
    comment_id: int = 0  # the tracking comment this state lives in, once it exists
    followups: tuple[str, ...] = ()  # instructions that arrived before the session existed
    handled: tuple[int, ...] = ()  # trigger comments this request has taken (latest kept)
    approved: bool = False  # the plan was approved (COMPLETED may show while a plan waits)
    need: str = ""  # what a needs-input request waits for: "plan", "question" or "paused"
    need_id: str = ""  # which plan, question or pause (its notice is posted once)
    plan_done: int = 0  # plan steps ticked (the first ``plan_done`` of ``plan``)
    progress: str = ""  # the latest progress line Jules reported
    report: str = ""  # what Jules said last: its final message, or the PR's description
    pr_branch: str = ""  # the pull request's head branch
    finished_at: str = ""  # ISO time the request reached its final state
    notified: str = ""  # the key of the last notice posted (``notices.notice_key``)

    def handling(self, comment_id: int) -> TrackingState:
        """This state, also recording that trigger comment ``comment_id`` was taken."""
        if comment_id in self.handled:
            return self
        return replace(self, handled=(*self.handled, comment_id)[-HANDLED_KEPT:])


_FIELDS: Final = frozenset(f.name for f in fields(TrackingState))


class MarkerCodec:
    """Encodes and verifies the hidden marker with a key derived from the Jules API key."""

    def __init__(self, api_key: str) -> None:
        secret = api_key.encode()
        self._keys = {
            1: hashlib.sha256(b"jules-action/marker/v1\0" + secret).digest(),
            2: hashlib.sha256(b"jules-action/marker/v2\0" + secret).digest(),
        }

        self._notice_key = hashlib.sha256(b"jules-action/notice/v1\0" + secret).digest()

    def _sign(self, version: int, payload: str) -> str:
        return hmac.new(self._keys[version], payload.encode("ascii"), hashlib.sha256).hexdigest()

    def sign_notice(self, text: str) -> str:
        """A signature for a notice's marker (its own key: a notice is not a state)."""
        digest = hmac.new(self._notice_key, text.encode("utf-8"), hashlib.sha256).hexdigest()
        return digest[:32]

    def encode(self, state: TrackingState) -> str:
        data: dict[str, Any] = asdict(state)
        data["plan"] = list(state.plan)
        data["followups"] = list(state.followups)
        data["handled"] = list(state.handled)
        raw = json.dumps(data, separators=(",", ":"), sort_keys=True)
        payload = base64.b64encode(raw.encode("utf-8")).decode("ascii")
        signature = self._sign(MARKER_VERSION, payload)
        return f"{MARKER_PREFIX}{MARKER_VERSION} {payload}.{signature} -->"

    def decode(self, body: str) -> TrackingState | None:
        """The state in ``body``'s marker, or None when absent, malformed or not signed by us.

        A valid signature is necessary, not sufficient: ``find_tracked`` also checks who wrote
        the comment and where it is.
        """
        # The last marker counts: ours is always the comment's last line, so text shown above
        # it (however it got there) can never stand in for it.
        matches = list(_MARKER.finditer(body))
        if not matches:
            return None
        match = matches[-1]
        version, payload, signature = int(match.group(1)), match.group(2), match.group(3)
        if not hmac.compare_digest(self._sign(version, payload), signature):
            return None
        try:
            data = json.loads(base64.b64decode(payload, validate=True))
            data["status"] = Status(data["status"])
            for name in ("plan", "followups"):
                data[name] = tuple(str(item) for item in data.get(name, ()))
            data["handled"] = tuple(int(item) for item in data.get("handled", ()))
            data["plan_done"] = int(data.get("plan_done", 0))
            return TrackingState(**{k: v for k, v in data.items() if k in _FIELDS})
        except (ValueError, TypeError, KeyError):
            return None


@dataclass(frozen=True)
class Tracked:
    """A tracking comment found on an issue."""

    comment: CommentRecord
    state: TrackingState


def same_login(a: str, b: str) -> bool:
    """GitHub logins compare case-insensitively."""
    return a.casefold() == b.casefold()


def find_tracked(
    comments: Sequence[CommentRecord], codec: MarkerCodec, *, issue: int, identity: str
) -> list[Tracked]:
    """Our tracking comments on ``issue``, in thread order (oldest first).

    Only markers that verify, in comments written by ``identity``, bound to ``issue`` and
    (once bound) to the comment they are in; everything else is inert text.
    """
    found = []
    for comment in comments:
        if MARKER_PREFIX not in comment.body or not same_login(comment.author_login, identity):
            continue
        state = codec.decode(comment.body)
        if state is None or state.issue != issue:
            continue
        if state.comment_id not in (0, comment.id):
            continue
        found.append(Tracked(comment, state))
    return found


def marker_authors(comments: Sequence[CommentRecord], codec: MarkerCodec) -> set[str]:
    """Who wrote the comments carrying a marker that verifies (ours and copies alike)."""
    return {
        c.author_login
        for c in comments
        if MARKER_PREFIX in c.body and codec.decode(c.body) is not None
    }


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# --- the visible text ----------------------------------------------------------------------
#
# One comment people would rather look at: a one-line header (the state in words, the time
# since the request, links to the session, the PR by number and the workflow run), then what
# matters now (the plan as a checklist, the latest progress line, a question, a cause and its
# fix), a small table of who and where, what Jules reported at the end in a collapsible block,
# and the hidden marker last. Text from Jules, the issue or an API goes through ``mdtext``.

_HEADLINES: Final = {
    Status.STARTING: "⏳ Starting a Jules session…",
    Status.QUEUED: "🕒 Queued: Jules is at its task limit",
    Status.RUNNING: "⚙️ Jules is working on this",
    Status.PR_OPENED: "✅ Jules opened a pull request",
    Status.NO_PR: "⚠️ Jules finished without opening a pull request",
    Status.FAILED: "❌ The Jules session failed",
    Status.ERROR: "❌ Could not run Jules",
    Status.DUPLICATE: "↩️ Already being handled",
}
# Jules's own start-up queue is not our quota queue: it never reads "waiting for a slot".
_RUNNING_HEADLINES: Final = {
    "": "⏳ Jules is starting the session",
    "STATE_UNSPECIFIED": "⏳ Jules is starting the session",
    "QUEUED": "⏳ Jules is starting the session",
    "PLANNING": "🧭 Jules is planning",
    "COMPLETED": "⚙️ Jules has finished; waiting for its pull request",
}
_WAITING_HEADLINES: Final = {
    "plan": "✋ Jules has a plan and is waiting for approval",
    "paused": "⏸️ The Jules session is paused",
    "question": "❓ Jules has a question",
}
# Session states as people read them (never the raw enum).
JULES_STATE_WORDS: Final = {
    "STATE_UNSPECIFIED": "starting",
    "QUEUED": "starting",
    "PLANNING": "planning",
    "AWAITING_PLAN_APPROVAL": "waiting for its plan to be approved",
    "AWAITING_USER_FEEDBACK": "waiting for an answer",
    "IN_PROGRESS": "working",
    "PAUSED": "paused",
    "COMPLETED": "completed",
    "FAILED": "failed",
}
_PULL_NUMBER: Final = re.compile(r"/pull/(\d+)(?:[/?#]|$)")


def state_words(jules_state: str) -> str:
    """A Jules session state in words."""
    return JULES_STATE_WORDS.get(jules_state, "in a state this action does not know yet")


def waiting_for(state: TrackingState) -> str:
    """What a needs-input request waits for: "plan", "question" or "paused"."""
    if state.need in _WAITING_HEADLINES:
        return state.need
    # Markers written before ``need`` existed.
    if state.state == "AWAITING_PLAN_APPROVAL" or state.plan:
        return "plan"
    return "paused" if state.state == "PAUSED" else "question"


def pr_label(url: str) -> str:
    """``#12`` for a pull request URL (the number, as GitHub writes references)."""
    found = _PULL_NUMBER.search(url)
    return f"#{found.group(1)}" if found else "pull request"


def quote(text: str) -> str:
    """Untrusted text as a quote that cannot forge a marker, break out or mention anyone."""
    return mdtext.quote(text)


def render(
    state: TrackingState,
    codec: MarkerCodec,
    *,
    trigger_phrase: str = "/jules",
    now: datetime | None = None,
) -> str:
    """The whole tracking comment body for ``state`` (``now`` dates the elapsed time)."""
    blocks = [_header(state, now), *_body(state, trigger_phrase)]
    table = _facts(state)
    if table:
        blocks.append(table)
    if state.report and not state.status.is_open and state.status is not Status.DUPLICATE:
        what = "The pull request's description" if state.pr_url else "Jules's last message"
        blocks.append(
            f"<details><summary>{what}</summary>\n\n{mdtext.quote(state.report)}\n\n</details>"
        )
    blocks.append(codec.encode(state))
    return "\n\n".join(blocks)


def _header(state: TrackingState, now: datetime | None) -> str:
    parts = [f"**{_headline(state)}**"]
    elapsed = _elapsed(state, now)
    if elapsed:
        parts.append(elapsed)
    if state.session_url:
        parts.append(mdtext.link("Jules session", state.session_url))
    if state.pr_url:
        parts.append(mdtext.link(pr_label(state.pr_url), state.pr_url))
    if state.run_url:
        parts.append(mdtext.link("workflow run", state.run_url))
    return " · ".join(parts)


def _headline(state: TrackingState) -> str:
    if state.status is Status.RUNNING:
        return _RUNNING_HEADLINES.get(state.state, _HEADLINES[Status.RUNNING])
    if state.status is Status.NEEDS_INPUT:
        return _WAITING_HEADLINES[waiting_for(state)]
    return _HEADLINES[state.status]


def _elapsed(state: TrackingState, now: datetime | None) -> str:
    try:
        since = datetime.fromisoformat(state.requested_at)
        until = datetime.fromisoformat(state.finished_at) if state.finished_at else now
    except ValueError:
        return ""
    if until is None or since.tzinfo is None or until.tzinfo is None:
        return ""
    seconds = (until - since).total_seconds()
    if seconds < 0:
        return ""
    took = _duration(seconds)
    return f"took {took}" if state.finished_at else f"{took} so far"


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days"


def _body(state: TrackingState, phrase: str) -> list[str]:
    status = state.status
    reply = mdtext.code(f"{phrase} <instructions>")
    if status is Status.STARTING:
        if state.handed_off and state.detail:
            return [quote(state.detail)]
        return ["Checking the request and creating the session."]
    if status is Status.QUEUED:
        return [
            "Jules refused to start another task for now: the account's daily quota or its "
            "limit of tasks at once is reached (the job log has Jules's answer).",
            "The request is kept here and starts when the scheduled reconcile workflow finds a "
            "free slot (see the README's reconcile workflow).",
        ]
    if status is Status.RUNNING:
        text = [*_plan_blocks(state), *_progress_blocks(state)]
        text.append("Progress is updated here; the pull request link appears when it is ready.")
        if state.handed_off:
            text.append(
                "This workflow run stopped waiting; the session goes on, and the scheduled "
                "reconcile workflow posts the result here."
            )
        return text
    if status is Status.NEEDS_INPUT:
        need = waiting_for(state)
        if need == "plan":
            return [
                *(_plan_blocks(state) or ["(the plan has no steps)"]),
                f"Reply {mdtext.code(f'{phrase} approve')} to approve the plan, or "
                f"{mdtext.code(f'{phrase} <feedback>')} to ask for changes.",
            ]
        if need == "paused":
            return [
                "The session is paused in the Jules web app. Resume it there, or reply "
                f"{mdtext.code(f'{phrase} <message>')} to send it a message.",
            ]
        return [
            quote(state.detail),
            f"Reply with {mdtext.code(f'{phrase} <your answer>')}; the answer goes to the "
            "session and work resumes.",
        ]
    if status is Status.PR_OPENED:
        text = _plan_blocks(state)
        return [*text, quote(state.detail)] if state.detail else text
    if status is Status.DUPLICATE:
        other = mdtext.link("this request", state.detail) or mdtext.inline(state.detail)
        return [f"This trigger arrived while another run was handling the same request: {other}."]
    if status is Status.NO_PR:
        return [
            *_plan_blocks(state),
            "The session completed but no pull request appeared.",
            "**Fix:** open the session to see what Jules did and ask for a pull request there, "
            f"or comment {reply} to start a new request.",
        ]
    if status is Status.FAILED:
        return [
            *_plan_blocks(state),
            "The session reported:",
            quote(state.detail or "no reason"),
            f"**Fix:** open the session to see what happened, then comment {reply} to start "
            "a new request.",
        ]
    cause, _, fix = state.detail.partition(" Fix: ")
    again = f"comment {reply} to start a new request."
    fix_line = f"{_plain(fix)} Then {again}" if fix.strip() else again[0].upper() + again[1:]
    return [quote(cause), f"**Fix:** {fix_line}"]


def _plan_blocks(state: TrackingState) -> list[str]:
    if not state.plan:
        return []
    finished = state.status is Status.PR_OPENED
    done = len(state.plan) if finished else min(state.plan_done, len(state.plan))
    working = state.status is Status.RUNNING
    lines = [f"**Plan** ({done} of {len(state.plan)} done)"]
    for index, step in enumerate(state.plan):
        mark = "x" if index < done else " "
        now = " ← *in progress*" if working and index == done else ""
        lines.append(f"- [{mark}] {mdtext.inline(step, limit=200)}{now}")
    return ["\n".join(lines)]


def _progress_blocks(state: TrackingState) -> list[str]:
    if not state.progress:
        return []
    return [f"**Latest:** {mdtext.inline(state.progress, limit=300)}"]


def _facts(state: TrackingState) -> str:
    columns = []
    if state.actor:
        columns.append(("Requested by", _cell_code(f"@{state.actor}")))
    if state.branch:
        columns.append(("Starting branch", _cell_code(state.branch)))
    if state.pr_branch:
        columns.append(("Pull request branch", _cell_code(state.pr_branch)))
    if not columns:
        return ""
    head = "| " + " | ".join(name for name, _ in columns) + " |"
    rule = "|" + "---|" * len(columns)
    row = "| " + " | ".join(value for _, value in columns) + " |"
    return "\n".join([head, rule, row])


def _cell_code(text: str) -> str:
    """A code span fit for a table cell (a ``|`` inside would end the cell)."""
    return mdtext.code(text).replace("|", "\\|")


def _plain(text: str) -> str:
    """Our own message text, on one line: Markdown kept, no HTML, no mentions."""
    folded = " ".join(text.split())
    return mdtext.no_mentions(folded.replace("&", "&amp;").replace("<", "&lt;"))
