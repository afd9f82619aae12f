"""Notices: a short new comment that tells the requester when Jules needs them or is done.

GitHub sends no notification for an edited comment, not even for an @mention added by the
edit, so the tracking comment alone tells nobody that Jules asked a question or opened the PR.
A notice is a new, short comment that @mentions the requester; the tracking comment stays
the one record of the state. Pure parts (which event deserves a notice, its text, its marker)
and ``deliver``, which posts it through the port.

Exactly once, under re-runs, racing runs and the reconcile workflow:

- an event that deserves a notice has a key (``notice_key``): the plan, question or pause by
  its id, or the end of the request. The state records the key of the last notice posted
  (``TrackingState.notified``), and a notice is due when the state's key differs from it;
- a notice is posted only after the state it tells of is on the issue (``Tracker.set`` calls
  ``deliver`` after a successful write), so nobody is told of something a later run would not
  find;
- every notice carries a tiny signed marker naming its request and key. Before posting,
  ``deliver`` looks at the thread for our own notice with that marker (our identity, as
  ``tracker._own_claim`` checks it) and posts only when there is none; after a failed post it
  looks again. So a post whose answer was lost, a job killed between posting and recording,
  or a re-run never posts twice; a notice that could not be posted stays due, and the next
  run or reconcile pass posts it (a final request keeps its open label until then).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Final

from jules_action import mdtext
from jules_action.errors import GitHubError
from jules_action.github_port import CommentRecord
from jules_action.tracking import MarkerCodec, Status, TrackingState, pr_label, waiting_for

if TYPE_CHECKING:
    from jules_action.ports import Ports

log = logging.getLogger("jules_action")

NOTICE_PREFIX: Final = "<!-- jules-action:notice "
_FINAL: Final = frozenset({Status.PR_OPENED, Status.NO_PR, Status.FAILED, Status.ERROR})
_KEY_UNSAFE: Final = re.compile(r"[^A-Za-z0-9:._-]")
_LOGIN: Final = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
QUESTION_SHOWN: Final = 600


def notice_key(state: TrackingState) -> str:
    """The key of the event ``state`` tells of that deserves a notice; "" for none."""
    if state.status in _FINAL:
        return "end"
    if state.status is Status.NEEDS_INPUT:
        need = waiting_for(state)
        return _KEY_UNSAFE.sub("_", f"{need}:{state.need_id}")[:120]
    return ""


def due(state: TrackingState) -> bool:
    """A notice is owed for ``state``: it deserves one and none was recorded for it."""
    key = notice_key(state)
    return bool(key) and key != state.notified


def marker(codec: MarkerCodec, state: TrackingState, key: str) -> str:
    """The notice's marker: its key and a signature binding it to the issue and request."""
    signature = codec.sign_notice(f"{state.issue}\0{state.request}\0{key}")
    return f"{NOTICE_PREFIX}{key} {signature} -->"


def mention(login: str) -> str:
    """``@login`` for a person; "" for a bot or anything that is not a login."""
    if not _LOGIN.match(login):
        return ""
    return f"@{login}"


def body(state: TrackingState, *, key: str, codec: MarkerCodec, phrase: str, link: str) -> str:
    """The notice's text: who, what happened, what to do, where to look; the marker last."""
    who = mention(state.actor)
    lead = f"{who} " if who else ""
    see = mdtext.link("the tracking comment", link)
    text = _text(state, phrase=phrase, see=see)
    return f"{lead}{text}\n\n{marker(codec, state, key)}"


def _text(state: TrackingState, *, phrase: str, see: str) -> str:
    status = state.status
    if status is Status.PR_OPENED:
        pull = mdtext.link(pr_label(state.pr_url), state.pr_url)
        return f"✅ Jules opened {pull} for this request; details in {see}."
    if status is Status.NO_PR:
        return f"⚠️ Jules finished without opening a pull request; see {see} for what to do."
    if status is Status.FAILED:
        return f"❌ The Jules session failed; the reason is in {see}."
    if status is Status.ERROR:
        return f"❌ Jules could not be run for this request; the cause and the fix are in {see}."
    need = waiting_for(state)
    if need == "plan":
        approve = mdtext.code(f"{phrase} approve")
        feedback = mdtext.code(f"{phrase} <feedback>")
        steps = f" ({len(state.plan)} steps)" if state.plan else ""
        return (
            f"✋ Jules has a plan{steps} and waits for approval: it is in {see}. Reply "
            f"{approve} to approve it, or {feedback} to ask for changes."
        )
    if need == "paused":
        return (
            "⏸️ The Jules session is paused in the Jules web app. Resume it there, or reply "
            f"{mdtext.code(f'{phrase} <message>')} to send it a message ({see})."
        )
    question = mdtext.quote(_shorten(state.detail))
    answer = mdtext.code(f"{phrase} <your answer>")
    return f"❓ Jules has a question:\n\n{question}\n\nReply with {answer} ({see})."


def _shorten(text: str) -> str:
    text = text.strip()
    return text if len(text) <= QUESTION_SHOWN else text[: QUESTION_SHOWN - 1].rstrip() + "…"


def find(
    comments: Sequence[CommentRecord], expected: str, *, is_ours: Callable[[CommentRecord], bool]
) -> CommentRecord | None:
    """Our comment carrying the notice marker ``expected``, if the thread has one."""
    return next((c for c in comments if expected in c.body and is_ours(c)), None)


def deliver(ports: Ports, state: TrackingState, *, link: str) -> bool:
    """Post the notice ``state`` is owed, unless the thread has it already; True when it is there.

    Never posts without a successful look at the thread first: a notice whose post failed or
    was lost may be on the issue, and a second post would notify everyone twice.
    """
    key = notice_key(state)
    expected = marker(ports.codec, state, key)
    seen = _look(ports, state.issue, expected)
    if seen is not False:
        return bool(seen)
    text = body(state, key=key, codec=ports.codec, phrase=ports.settings.trigger_phrase, link=link)
    try:
        ports.github.create_issue_comment(state.issue, text)
    except GitHubError as exc:
        log.info("Posting the notice failed (%s); looking whether GitHub stored it.", exc.message)
        if _look(ports, state.issue, expected):
            return True
        ports.report.warn(
            f"Could not post the notice on #{state.issue}: {exc.message}. The next run or "
            "reconcile pass posts it."
        )
        return False
    log.info("Posted the notice (%s) on #%s.", key, state.issue)
    return True


def _look(ports: Ports, issue: int, expected: str) -> bool | None:
    """Is our notice on the thread: True, False, or None when the thread could not be read."""
    try:
        comments = ports.github.list_issue_comments(issue)
    except GitHubError as exc:
        ports.report.warn(
            f"Could not look for the notice on #{issue} ({exc.message}); not posting it blind. "
            "The next run or reconcile pass posts it."
        )
        return None
    return find(comments, expected, is_ours=ports.identity.wrote) is not None
