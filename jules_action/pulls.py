"""Pull requests and sessions: which PR is a session's, and the PR's link to its issue.

A PR's text is written by whoever opened it, and Jules's PRs are authored by the account's
own user, not a bot, so neither the author, the branch name nor a session link in the body
proves anything. ``session_of_pull`` takes candidate session ids from the branch suffix and
from session links in the body and asks Jules: a PR is a session's only when that session
lists this PR's URL in its outputs. I/O through ``Ports``; the parsing helpers are pure.
"""

from __future__ import annotations

import logging
import re
from typing import Final

from jules_action.errors import GitHubError, JulesNotFound
from jules_action.github_port import CommitState, PullRecord
from jules_action.jules_models import Session, SessionState
from jules_action.ports import Ports
from jules_action.tracking import TrackingState

log = logging.getLogger("jules_action")

# Session ids are long decimal strings (19-20 digits seen); 12 or more keeps dates and Unix
# times in ordinary branch names (hotfix-20241231, build-1733011200) from counting.
_SESSION_IN_TEXT: Final = re.compile(r"jules\.google\.com/(?:task|session)/(\d{12,})\b")
_SESSION_IN_BRANCH: Final = re.compile(r"-(\d{12,})$")
_CLOSING: Final = re.compile(r"\b(close[sd]?|fix(e[sd])?|resolve[sd]?)\s+#(\d+)\b", re.IGNORECASE)
CANDIDATES_MOST: Final = 3


def candidate_sessions(pull: PullRecord) -> list[str]:
    """Session ids the PR's branch or body names, branch first; pure. Claims, not proof."""
    found: list[str] = []
    branch = _SESSION_IN_BRANCH.search(pull.head_ref)
    if branch:
        found.append(branch.group(1))
    for match in _SESSION_IN_TEXT.finditer(pull.body):
        if match.group(1) not in found:
            found.append(match.group(1))
    return found[:CANDIDATES_MOST]


def session_of_pull(ports: Ports, pull: PullRecord) -> Session | None:
    """The session that Jules says opened ``pull``, or None for any other PR."""
    for session_id in candidate_sessions(pull):
        try:
            session = ports.jules.get_session(session_id)
        except JulesNotFound:
            continue
        listed = [out.pull_request.url for out in session.outputs if out.pull_request]
        if any(same_pull(url, pull.html_url) for url in listed):
            return session if session.id else session.model_copy(update={"id": session_id})
        log.info("Session %s does not list %s among its outputs.", session_id, pull.html_url)
    return None


def same_pull(a: str, b: str) -> bool:
    return a.rstrip("/").lower() == b.rstrip("/").lower()


def pull_number(url: str, repository: str) -> int | None:
    found = re.search(rf"/{re.escape(repository)}/pull/(\d+)", url)
    return int(found.group(1)) if found else None


def closes(body: str, issue: int) -> bool:
    return any(int(m.group(3)) == issue for m in _CLOSING.finditer(body))


def link_pull(ports: Ports, state: TrackingState, session: Session) -> str:
    """Link the session's PR to its issue: ``Closes #N`` in its body and the ``Jules
    session`` status on its head commit. Returns a note for the issue when the link failed."""
    number = pull_number(state.pr_url, ports.context.repository)
    issue = state.issue
    if number is None:
        return ""
    try:
        pull = ports.github.get_pull(number)
    except GitHubError as exc:
        return _unlinked(issue, exc) if issue else ""
    set_session_status(ports, pull.head_sha, session, issue=issue)
    if not issue or closes(pull.body, issue):
        return ""
    try:
        ports.github.edit_pull_body(number, f"{pull.body.rstrip()}\n\nCloses #{issue}\n".lstrip())
    except GitHubError as exc:
        return _unlinked(issue, exc)
    log.info("Added 'Closes #%s' to pull request #%s.", issue, number)
    return ""


def _unlinked(issue: int, exc: GitHubError) -> str:
    return (
        f"The pull request does not say `Closes #{issue}` and it could not be added "
        f"({exc.message}); link it to this issue by hand."
    )


STATUS_CONTEXT: Final = "Jules session"
_STATUS_OF: Final[dict[SessionState, tuple[CommitState, str]]] = {
    SessionState.COMPLETED: ("success", "completed"),
    SessionState.FAILED: ("failure", "failed"),
}


def set_session_status(ports: Ports, sha: str, session: Session, *, issue: int) -> None:
    """The ``Jules session`` status on a PR's head: the session, its issue, its state."""
    if not sha:
        return
    state, words = _STATUS_OF.get(session.state, ("pending", "still working"))
    where = f" for #{issue}" if issue else ""
    try:
        ports.github.set_commit_status(
            sha,
            state,
            context=STATUS_CONTEXT,
            description=f"Jules session {session.id}{where}: {words}",
            target_url=session.web_url,
        )
    except GitHubError as exc:
        ports.report.warn(f"Could not set the {STATUS_CONTEXT} status: {exc.message}")
