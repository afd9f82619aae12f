"""The tracking comment: its visible text and its hidden, signed state marker; no I/O.

The issue thread is the action's durable store. Each request (a label, a ``/jules``
comment) gets one tracking comment whose hidden marker carries ``TrackingState`` as
base64 JSON plus an HMAC. The HMAC key is derived from the Jules API key, so a marker
pasted into a comment by anyone else is ignored: it can neither resume a foreign session
nor queue a prompt of its own for the reconciler. (Rotating the API key orphans the open
markers made under the old key; they are then left alone.)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from jules_action.github_port import CommentRecord

MARKER_PREFIX: Final = "<!-- jules-action:v1 "
_MARKER = re.compile(r"<!-- jules-action:v1 ([A-Za-z0-9+/=]+)\.([0-9a-f]{64}) -->")


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

    request: str  # the request key, e.g. "comment:123" or "label:7:jules-task"
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

    def with_(self, **changes: Any) -> TrackingState:
        return replace(self, **changes)


class MarkerCodec:
    """Encodes and verifies the hidden marker with a key derived from the Jules API key."""

    def __init__(self, api_key: str) -> None:
        self._key = hashlib.sha256(b"jules-action/marker/v1\0" + api_key.encode()).digest()

    def _sign(self, payload: str) -> str:
        return hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).hexdigest()

    def encode(self, state: TrackingState) -> str:
        data = asdict(state)
        data["plan"] = list(state.plan)
        raw = json.dumps(data, separators=(",", ":"), sort_keys=True)
        payload = base64.b64encode(raw.encode("utf-8")).decode("ascii")
        return f"{MARKER_PREFIX}{payload}.{self._sign(payload)} -->"

    def decode(self, body: str) -> TrackingState | None:
        """The state in ``body``'s marker, or None when absent, malformed or not ours."""
        match = _MARKER.search(body)
        if match is None:
            return None
        payload, signature = match.groups()
        if not hmac.compare_digest(self._sign(payload), signature):
            return None
        try:
            data = json.loads(base64.b64decode(payload, validate=True))
            data["status"] = Status(data["status"])
            data["plan"] = tuple(data.get("plan", ()))
            known = {f for f in TrackingState.__dataclass_fields__}
            return TrackingState(**{k: v for k, v in data.items() if k in known})
        except (ValueError, TypeError, KeyError):
            return None


@dataclass(frozen=True)
class Tracked:
    """A tracking comment found on an issue."""

    comment: CommentRecord
    state: TrackingState


def find_tracked(comments: Sequence[CommentRecord], codec: MarkerCodec) -> list[Tracked]:
    """Our tracking comments, in thread order (oldest first)."""
    found = []
    for comment in comments:
        if MARKER_PREFIX not in comment.body:
            continue
        state = codec.decode(comment.body)
        if state is not None:
            found.append(Tracked(comment, state))
    return found


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# --- the visible text ----------------------------------------------------------------------

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


def quote(text: str) -> str:
    """Untrusted text (an agent message, an error) as a Markdown quote that cannot fake a marker."""
    cleaned = text.replace("<!--", "&lt;!--").strip() or "(empty)"
    return "\n".join(f"> {line}" if line else ">" for line in cleaned.splitlines())


def render(state: TrackingState, codec: MarkerCodec, *, trigger_phrase: str = "/jules") -> str:
    """The whole tracking comment body for ``state``."""
    lines = [f"### {_headline(state)}", ""]
    lines += _details(state, trigger_phrase)
    rows = []
    if state.session_url:
        rows.append(f"| Jules session | [{state.session_id}]({state.session_url}) |")
    if state.state:
        rows.append(f"| Session state | `{state.state}` |")
    if state.pr_url:
        rows.append(
            f"| Pull request | [{_md_text(state.pr_title) or state.pr_url}]({state.pr_url}) |"
        )
    if state.actor:
        rows.append(f"| Requested by | @{state.actor} |")
    if state.run_url:
        rows.append(f"| Workflow run | [logs]({state.run_url}) |")
    if rows:
        lines += ["", "| | |", "|---|---|", *rows]
    lines += ["", codec.encode(state)]
    return "\n".join(lines)


_RUNNING_HEADLINES: Final = {
    "QUEUED": "⏳ Jules has queued this task (waiting for a free task slot)",
    "PLANNING": "🧭 Jules is planning",
    "PAUSED": "⏸️ The Jules session is paused",
}


def _headline(state: TrackingState) -> str:
    if state.status is Status.RUNNING:
        return _RUNNING_HEADLINES.get(state.state, _HEADLINES[Status.RUNNING])
    if state.status is Status.NEEDS_INPUT:
        if state.state == "AWAITING_PLAN_APPROVAL":
            return "✋ Jules has a plan and is waiting for approval"
        return "❓ Jules has a question"
    return _HEADLINES[state.status]


def _details(state: TrackingState, phrase: str) -> list[str]:
    status = state.status
    if status is Status.STARTING:
        return ["Checking the request and creating the session."]
    if status is Status.QUEUED:
        return [
            "Jules refused to start another task right now:",
            "",
            quote(state.detail),
            "",
            "The request is kept here and starts when the scheduled reconcile workflow "
            "finds a free slot (see the README's reconcile workflow).",
        ]
    if status is Status.RUNNING:
        text = ["Progress is updated here; the pull request link appears when it is ready."]
        if state.handed_off:
            text.append(
                "This workflow run stopped waiting; the session goes on, and the scheduled "
                "reconcile workflow posts the result here."
            )
        return text
    if status is Status.NEEDS_INPUT:
        if state.state == "AWAITING_PLAN_APPROVAL":
            steps = [f"{n}. {_md_text(step)}" for n, step in enumerate(state.plan, start=1)]
            return [
                *(steps or ["(the plan has no steps)"]),
                "",
                f"Reply `{phrase} approve` to approve the plan, or `{phrase} <feedback>` "
                "to ask for changes.",
            ]
        return [
            quote(state.detail),
            "",
            f"Reply with `{phrase} <your answer>`; the answer goes to the session "
            "and work resumes.",
        ]
    if status is Status.PR_OPENED:
        link = f"**[{_md_text(state.pr_title) or state.pr_url}]({state.pr_url})**"
        return [link, "", quote(state.detail)] if state.detail else [link]
    if status is Status.DUPLICATE:
        return [
            f"This trigger arrived while another run was handling the same request: {state.detail}"
        ]
    if status is Status.NO_PR:
        return [
            "The session completed but no pull request appeared. Open the session to see "
            "what Jules did; you can ask for a pull request there, or comment "
            f"`{phrase} <instructions>` to start a new request.",
        ]
    return [
        quote(state.detail),
        "",
        f"To try again, comment `{phrase} <instructions>` to start a new request.",
    ]


def _md_text(text: str) -> str:
    """Text safe inside a Markdown link label or table cell."""
    return re.sub(r"([\[\]|<>`*_])", r"\\\1", text.replace("\n", " ")).strip()
