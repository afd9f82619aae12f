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

    def with_(self, **changes: Any) -> TrackingState:
        return replace(self, **changes)

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

    def _sign(self, version: int, payload: str) -> str:
        return hmac.new(self._keys[version], payload.encode("ascii"), hashlib.sha256).hexdigest()

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
        match = _MARKER.search(body)
        if match is None:
            return None
        version, payload, signature = int(match.group(1)), match.group(2), match.group(3)
        if not hmac.compare_digest(self._sign(version, payload), signature):
            return None
        try:
            data = json.loads(base64.b64decode(payload, validate=True))
            data["status"] = Status(data["status"])
            for name in ("plan", "followups"):
                data[name] = tuple(str(item) for item in data.get(name, ()))
            data["handled"] = tuple(int(item) for item in data.get("handled", ()))
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
        if state.state == "AWAITING_PLAN_APPROVAL" or state.plan:
            return "✋ Jules has a plan and is waiting for approval"
        if state.state == "PAUSED":
            return "⏸️ The Jules session is paused"
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
        if state.state == "AWAITING_PLAN_APPROVAL" or state.plan:
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
