"""Plain-text rendering of a stand-in issue thread and of its changes, for the demo; no I/O.

``render_thread`` shows what a person would see on the issue page: title, state, labels,
body, reactions and every comment with its author. HTML comments (the tracking comment's hidden
state marker) are hidden, as GitHub hides them, unless ``show_hidden=True``.
``format_change`` turns one ``ChangeEvent`` into a one-line log entry.
"""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jules_action_dev.standin.state import ChangeEvent, ReactionEntry, RepositoryState

_HIDDEN = re.compile(r"<!--.*?-->", re.DOTALL)
_EMOJI = {
    "+1": "👍",
    "-1": "👎",
    "laugh": "😄",
    "confused": "😕",
    "heart": "❤️",
    "hooray": "🎉",
    "rocket": "🚀",
    "eyes": "👀",
}


def visible_text(body: str, *, show_hidden: bool = False) -> str:
    """``body`` as GitHub displays it: without HTML comments (unless ``show_hidden``)."""
    return body if show_hidden else _HIDDEN.sub("", body).strip()


def _reactions(entries: Iterable[ReactionEntry]) -> str:
    counts = Counter(e.content for e in entries)
    return "  ".join(f"{_EMOJI.get(c, c)} {n}" for c, n in counts.items())


def render_thread(state: RepositoryState, number: int, *, show_hidden: bool = False) -> str:
    """The issue or pull request ``number`` with its comments, as text."""
    issue = state.get_issue(number)
    kind = "Pull request" if issue.pull else "Issue"
    lines = [
        f"{kind} #{issue.number}: {issue.title}  [{issue.state}]  {state.html_url(number)}",
        f"opened by @{issue.user.login}"
        + (f" · labels: {', '.join(label.name for label in issue.labels)}" if issue.labels else ""),
    ]
    body = visible_text(issue.body or "", show_hidden=show_hidden)
    if body:
        lines.append(textwrap.indent(body, "  "))
    if issue.reactions:
        lines.append(f"  {_reactions(issue.reactions)}")
    for comment in state.list_comments(number):
        edited = " (edited)" if comment.updated_at != comment.created_at else ""
        lines.append("")
        lines.append(f"— @{comment.user.login} ({comment.user.type}){edited}:")
        text = visible_text(comment.body, show_hidden=show_hidden)
        lines.append(textwrap.indent(text or "(empty)", "  "))
        if comment.reactions:
            lines.append(f"  {_reactions(comment.reactions)}")
    return "\n".join(lines) + "\n"


def format_change(event: ChangeEvent, *, width: int = 100) -> str:
    """One line describing ``event`` (long or multi-line comment bodies are shortened)."""
    where = f"#{event.issue_number}" if event.issue_number is not None else "repo"
    summary = visible_text(event.summary)
    if event.kind == "reaction.added":
        summary = _EMOJI.get(summary, summary)
    summary = textwrap.shorten(" ".join(summary.split()), width=width, placeholder=" …")
    return f"[github] {where} {event.kind} by @{event.actor}: {summary}"
