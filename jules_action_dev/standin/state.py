"""In-memory state of one GitHub repository, and a ``GitHubPort`` directly over it; no I/O.

``RepositoryState`` holds what the stand-in serves: repository info, users, collaborator roles,
issues and pull requests (one number sequence, as on GitHub), comments, reactions and labels.
It is thread-safe (one re-entrant lock) and hands out copies, so callers never share mutable
records with the server thread. Refusals are ``ApiFailure(status, message)`` with GitHub's own
messages; the HTTP layer (``server``) renders them as GitHub's JSON error body, and
``StateBackedGitHub`` maps them with ``github_failures.failure_for`` exactly like the PyGithub
adapter does, so the in-memory fake and the HTTP path raise the same exceptions.

Faults can be injected per port operation (``fail``/``forbid``), for example a 403 "Resource not
accessible by integration" on ``create_issue_comment`` to simulate a missing ``issues: write``.
Every change is reported to observers as a ``ChangeEvent`` (the demo prints them).
"""

from __future__ import annotations

import copy
import hashlib
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final, TypeVar, cast, get_args

from jules_action.github_failures import LABEL_DOES_NOT_EXIST, NOT_ACCESSIBLE, failure_for
from jules_action.github_port import (
    CommentRecord,
    CommitState,
    IssueRecord,
    PullRecord,
    Reaction,
    Role,
)

REACTIONS: Final[frozenset[str]] = frozenset(get_args(Reaction))
ROLES: Final[frozenset[str]] = frozenset(get_args(Role)) - {"none"}
# The legacy ``permission`` field of the collaborator-permission API folds roles into
# admin/write/read (https://docs.github.com/rest/collaborators/collaborators).
LEGACY_PERMISSION: Final[dict[str, str]] = {
    "admin": "admin",
    "maintain": "write",
    "write": "write",
    "triage": "read",
    "read": "read",
}

# Real ids of the users the payload fixtures and Actions use, for realistic JSON.
KNOWN_USERS: Final[dict[str, tuple[int, str]]] = {
    "Codertocat": (21031067, "User"),
    "octocat": (583231, "User"),
    "github-actions[bot]": (41898282, "Bot"),
}


class ApiFailure(Exception):
    """GitHub would refuse the call: an HTTP status and GitHub's ``message``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message


@dataclass
class User:
    login: str
    id: int
    type: str = "User"  # "User" | "Bot" | "Organization"


@dataclass
class ReactionEntry:
    id: int
    content: str
    user: User
    created_at: datetime


@dataclass
class Label:
    id: int
    name: str
    color: str = "ededed"
    description: str | None = None


@dataclass
class PullInfo:
    head_ref: str
    base_ref: str
    merged: bool = False
    merged_at: datetime | None = None
    requested_reviewers: list[str] = field(default_factory=list)

    @property
    def head_sha(self) -> str:
        return branch_sha(self.head_ref)


def branch_sha(ref: str) -> str:
    """A stable stand-in for the commit a branch points at."""
    return hashlib.sha1(ref.encode("utf-8")).hexdigest()


@dataclass
class Issue:
    """An issue, or a pull request when ``pull`` is set (they share GitHub's issue numbers)."""

    number: int
    id: int
    title: str
    body: str | None
    user: User
    state: str = "open"
    labels: list[Label] = field(default_factory=list)
    reactions: list[ReactionEntry] = field(default_factory=list)
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    closed_at: datetime | None = None
    pull: PullInfo | None = None
    comment_count: int = 0


@dataclass
class Comment:
    id: int
    issue_number: int
    body: str
    user: User
    created_at: datetime
    updated_at: datetime
    reactions: list[ReactionEntry] = field(default_factory=list)


@dataclass(frozen=True)
class CommitStatus:
    """A commit status as GitHub keeps it: the latest one per (sha, context) counts."""

    sha: str
    state: str
    context: str
    description: str
    target_url: str
    creator: str


@dataclass(frozen=True)
class ChangeEvent:
    """One change to the repository state, for observers (``kind`` like ``comment.created``)."""

    kind: str
    issue_number: int | None
    actor: str
    summary: str
    comment_id: int | None = None


Observer = Callable[[ChangeEvent], None]
T = TypeVar("T")


def _seconds(moment: datetime) -> datetime:
    # GitHub timestamps have second precision.
    return moment.replace(microsecond=0)


class RepositoryState:
    """Thread-safe in-memory state of one repository as GitHub's REST API shows it."""

    def __init__(
        self,
        *,
        owner: str = "Codertocat",
        name: str = "Hello-World",
        default_branch: str = "main",
        actor: str = "github-actions[bot]",
        html_base: str = "https://github.com",
        now: Callable[[], datetime] | None = None,
        on_change: Observer | None = None,
    ) -> None:
        self.owner = owner
        # Where html_url links point; the stand-in server sets its own base URL here.
        self.html_base = html_base.rstrip("/")
        self.name = name
        self.default_branch = default_branch
        self.repo_id = 186853002
        self.actor = actor
        self._now = now or (lambda: datetime.now(UTC))
        self._lock = threading.RLock()
        self._observers: list[Observer] = [on_change] if on_change else []
        self._users: dict[str, User] = {}
        self._roles: dict[str, str] = {}
        self._issues: dict[int, Issue] = {}
        self._comments: dict[int, Comment] = {}
        self._labels: dict[str, Label] = {}
        self._statuses: list[CommitStatus] = []
        self._faults: dict[str, list[tuple[int, str, int | None]]] = {}
        self._next_number = 1
        self._next_issue_id = 444500041
        self._next_comment_id = 492700400
        self._next_reaction_id = 1000001
        self._next_label_id = 1362934389
        self._next_user_id = 90000001
        self.user(owner)
        self.user(actor)
        self._roles[owner] = "admin"

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    # -- observers and faults -------------------------------------------------------------

    def add_observer(self, observer: Observer) -> None:
        """Call ``observer(event)`` after every change (on the thread that made it)."""
        with self._lock:
            self._observers.append(observer)

    def _emit(self, event: ChangeEvent) -> None:
        with self._lock:
            observers = list(self._observers)
        for observer in observers:
            observer(event)

    def fail(self, operation: str, *, status: int, message: str, times: int | None = None) -> None:
        """Make ``operation`` (a ``GitHubPort`` method name) fail; ``times=None``: until cleared."""
        with self._lock:
            self._faults.setdefault(operation, []).append((status, message, times))

    def forbid(self, operation: str, *, times: int | None = None) -> None:
        """Refuse ``operation`` with 403 "Resource not accessible by integration" (a missing
        workflow permission, e.g. ``issues: write`` for ``create_issue_comment``)."""
        self.fail(operation, status=403, message=NOT_ACCESSIBLE, times=times)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def check(self, operation: str) -> None:
        """Raise the injected ``ApiFailure`` for ``operation``, if any (consuming one use)."""
        with self._lock:
            faults = self._faults.get(operation)
            if not faults:
                return
            status, message, times = faults[0]
            if times is not None:
                if times <= 1:
                    faults.pop(0)
                else:
                    faults[0] = (status, message, times - 1)
        raise ApiFailure(status, message)

    # -- users and roles ------------------------------------------------------------------

    def user(self, login: str, *, type: str | None = None) -> User:
        """The user ``login``, created on first use (real ids for well-known logins)."""
        with self._lock:
            found = self._users.get(login)
            if found is None:
                known_id, known_type = KNOWN_USERS.get(login, (0, ""))
                if not known_id:
                    known_id, self._next_user_id = self._next_user_id, self._next_user_id + 1
                kind = type or known_type or ("Bot" if login.endswith("[bot]") else "User")
                found = self._users[login] = User(login=login, id=known_id, type=kind)
            elif type is not None:
                found.type = type
            return copy.copy(found)

    def set_role(self, login: str, role: str | None) -> None:
        """Make ``login`` a collaborator with ``role`` (admin/maintain/write/triage/read);
        ``None`` removes them."""
        if role is not None and role not in ROLES:
            raise ValueError(f"unknown role {role!r}; expected one of {sorted(ROLES)}")
        with self._lock:
            self.user(login)
            if role is None:
                self._roles.pop(login, None)
            else:
                self._roles[login] = role

    def permission(self, login: str) -> tuple[str, str]:
        """(legacy ``permission``, ``role_name``) of a collaborator; 404 for anyone else."""
        with self._lock:
            role = self._roles.get(login)
        if role is None:
            raise ApiFailure(404, f"{login} is not a collaborator")
        return LEGACY_PERMISSION[role], role

    # -- issues and pull requests ---------------------------------------------------------

    def create_issue(
        self,
        *,
        title: str,
        body: str | None = "",
        author: str | None = None,
        labels: Iterable[str] = (),
    ) -> Issue:
        if not title:
            raise ApiFailure(422, 'Invalid request.\n\n"title" wasn\'t supplied.')
        issue = self._new_issue(title=title, body=body, author=author, labels=labels, pull=None)
        self._emit(
            ChangeEvent("issue.opened", issue.number, issue.user.login, f"#{issue.number} {title}")
        )
        return issue

    def create_pull(
        self,
        *,
        title: str,
        head_ref: str,
        body: str | None = "",
        base_ref: str | None = None,
        author: str | None = None,
        labels: Iterable[str] = (),
    ) -> Issue:
        """Open a pull request (the Jules simulator's PR hook uses this); see ``pull_html_url``."""
        pull = PullInfo(head_ref=head_ref, base_ref=base_ref or self.default_branch)
        issue = self._new_issue(title=title, body=body, author=author, labels=labels, pull=pull)
        self._emit(
            ChangeEvent(
                "pull.opened",
                issue.number,
                issue.user.login,
                f"#{issue.number} {title} ({head_ref} -> {pull.base_ref}) "
                f"{self.html_url(issue.number)}",
            )
        )
        return issue

    def open_pull_for_jules(self, request: Mapping[str, object]) -> str:
        """The Jules simulator's ``on_pull_request`` hook: open the PR here, return its URL.

        Jules PRs are authored by the repository's user (the owner here), not a bot.
        """
        pull = self.create_pull(
            title=str(request.get("title") or "Jules changes"),
            head_ref=str(request.get("head") or "jules"),
            base_ref=str(request.get("base") or self.default_branch),
            body=str(request.get("body") or ""),
            author=self.owner,
        )
        return self.html_url(pull.number)

    def _new_issue(
        self,
        *,
        title: str,
        body: str | None,
        author: str | None,
        labels: Iterable[str],
        pull: PullInfo | None,
    ) -> Issue:
        with self._lock:
            now = _seconds(self._now())
            number, self._next_number = self._next_number, self._next_number + 1
            issue_id, self._next_issue_id = self._next_issue_id, self._next_issue_id + 1
            issue = Issue(
                number=number,
                id=issue_id,
                title=title,
                body=body,
                user=self.user(author or self.owner),
                labels=[self._label(name) for name in dict.fromkeys(labels)],
                created_at=now,
                updated_at=now,
                pull=pull,
            )
            self._issues[number] = issue
            return copy.deepcopy(issue)

    def html_url(self, number: int) -> str:
        """The web page of issue or pull request ``number`` (``…/issues/N`` or ``…/pull/N``)."""
        with self._lock:
            is_pull = self._issue(number).pull is not None
        return f"{self.html_base}/{self.full_name}/{'pull' if is_pull else 'issues'}/{number}"

    def _issue(self, number: int) -> Issue:
        issue = self._issues.get(number)
        if issue is None:
            raise ApiFailure(404, "Not Found")
        return issue

    def get_issue(self, number: int) -> Issue:
        with self._lock:
            return copy.deepcopy(self._issue(number))

    def get_pull(self, number: int) -> Issue:
        with self._lock:
            issue = self._issue(number)
            if issue.pull is None:
                raise ApiFailure(404, "Not Found")
            return copy.deepcopy(issue)

    def set_status(
        self, sha: str, *, state: str, context: str, description: str, target_url: str
    ) -> CommitStatus:
        """Add a commit status (GitHub keeps them all; the latest per context counts)."""
        if state not in {"error", "failure", "pending", "success"}:
            raise ApiFailure(422, "Validation Failed")
        status = CommitStatus(sha, state, context, description, target_url, self.actor)
        with self._lock:
            self._statuses.append(status)
        self._emit(ChangeEvent("status.created", None, self.actor, f"{context}: {state}"))
        return status

    def statuses(self, sha: str) -> list[CommitStatus]:
        """The latest status per context on ``sha``."""
        with self._lock:
            latest = {s.context: s for s in self._statuses if s.sha == sha}
        return list(latest.values())

    def update_pull(
        self,
        number: int,
        *,
        title: str | None = None,
        body: str | None = None,
        state: str | None = None,
        actor: str | None = None,
    ) -> Issue:
        if state not in (None, "open", "closed"):
            raise ApiFailure(422, "Validation Failed")
        with self._lock:
            issue = self._issue(number)
            if issue.pull is None:
                raise ApiFailure(404, "Not Found")
            if title is not None:
                issue.title = title
            if body is not None:
                issue.body = body
            if state is not None:
                issue.state = state
                issue.closed_at = _seconds(self._now()) if state == "closed" else None
            issue.updated_at = _seconds(self._now())
            result = copy.deepcopy(issue)
        self._emit(ChangeEvent("pull.edited", number, actor or self.actor, f"#{number} edited"))
        return result

    def request_reviewers(self, number: int, logins: Sequence[str]) -> Issue:
        """Ask ``logins`` to review a pull request, as GitHub does: never its author (422)."""
        with self._lock:
            issue = self._issue(number)
            if issue.pull is None:
                raise ApiFailure(404, "Not Found")
            if any(login.lower() == issue.user.login.lower() for login in logins):
                raise ApiFailure(422, "Review cannot be requested from pull request author.")
            for login in logins:
                if login not in issue.pull.requested_reviewers:
                    issue.pull.requested_reviewers.append(login)
            result = copy.deepcopy(issue)
        who = ", ".join(f"@{login}" for login in logins)
        self._emit(ChangeEvent("review.requested", number, self.actor, f"review from {who}"))
        return result

    def merge_pull(self, number: int) -> Issue:
        """Mark a pull request merged and closed (for tests and demos)."""
        with self._lock:
            issue = self._issue(number)
            if issue.pull is None:
                raise ApiFailure(404, "Not Found")
            now = _seconds(self._now())
            issue.pull.merged, issue.pull.merged_at = True, now
            issue.state, issue.closed_at, issue.updated_at = "closed", now, now
            result = copy.deepcopy(issue)
        self._emit(ChangeEvent("pull.merged", number, self.owner, f"#{number} merged"))
        return result

    def list_issues(
        self,
        *,
        state: str = "open",
        labels: Sequence[str] = (),
        sort: str = "created",
        direction: str = "desc",
    ) -> list[Issue]:
        """Issues and pull requests, filtered like ``GET /repos/{o}/{r}/issues``."""
        with self._lock:
            found = [
                copy.deepcopy(i)
                for i in self._issues.values()
                if (state == "all" or i.state == state)
                and set(labels) <= {label.name for label in i.labels}
            ]
        return _sorted(found, sort=sort, direction=direction)

    def list_pulls(
        self, *, state: str = "open", sort: str = "created", direction: str = "desc"
    ) -> list[Issue]:
        with self._lock:
            found = [
                copy.deepcopy(i)
                for i in self._issues.values()
                if i.pull is not None and (state == "all" or i.state == state)
            ]
        return _sorted(found, sort=sort, direction=direction)

    # -- comments -------------------------------------------------------------------------

    def add_comment(self, number: int, body: str, *, author: str | None = None) -> Comment:
        if not body:
            raise ApiFailure(422, 'Invalid request.\n\n"body" wasn\'t supplied.')
        with self._lock:
            issue = self._issue(number)
            now = _seconds(self._now())
            comment_id, self._next_comment_id = self._next_comment_id, self._next_comment_id + 1
            comment = Comment(
                id=comment_id,
                issue_number=number,
                body=body,
                user=self.user(author or self.actor),
                created_at=now,
                updated_at=now,
            )
            self._comments[comment_id] = comment
            issue.comment_count += 1
            issue.updated_at = now
            result = copy.deepcopy(comment)
        self._emit(
            ChangeEvent("comment.created", number, result.user.login, body, comment_id=comment_id)
        )
        return result

    def _comment(self, comment_id: int) -> Comment:
        comment = self._comments.get(comment_id)
        if comment is None:
            raise ApiFailure(404, "Not Found")
        return comment

    def get_comment(self, comment_id: int) -> Comment:
        with self._lock:
            return copy.deepcopy(self._comment(comment_id))

    def edit_comment(self, comment_id: int, body: str, *, actor: str | None = None) -> Comment:
        if not body:
            raise ApiFailure(422, 'Invalid request.\n\n"body" wasn\'t supplied.')
        with self._lock:
            comment = self._comment(comment_id)
            comment.body = body
            comment.updated_at = _seconds(self._now())
            result = copy.deepcopy(comment)
        self._emit(
            ChangeEvent(
                "comment.edited",
                result.issue_number,
                actor or self.actor,
                body,
                comment_id=comment_id,
            )
        )
        return result

    def list_comments(self, number: int) -> list[Comment]:
        """The comments of an issue or pull request, oldest first."""
        with self._lock:
            self._issue(number)
            found = [copy.deepcopy(c) for c in self._comments.values() if c.issue_number == number]
        return sorted(found, key=lambda c: (c.created_at, c.id))

    # -- reactions ------------------------------------------------------------------------

    def _react(
        self, reactions: list[ReactionEntry], content: str, login: str
    ) -> tuple[ReactionEntry, bool]:
        if content not in REACTIONS:
            raise ApiFailure(422, "Validation Failed")
        for existing in reactions:
            if existing.content == content and existing.user.login == login:
                return copy.deepcopy(existing), False
        reaction_id, self._next_reaction_id = self._next_reaction_id, self._next_reaction_id + 1
        entry = ReactionEntry(reaction_id, content, self.user(login), _seconds(self._now()))
        reactions.append(entry)
        return copy.deepcopy(entry), True

    def add_issue_reaction(
        self, number: int, content: str, *, user: str | None = None
    ) -> tuple[ReactionEntry, bool]:
        """React to an issue; (reaction, created) — ``created`` False when it already existed."""
        login = user or self.actor
        with self._lock:
            entry, created = self._react(self._issue(number).reactions, content, login)
        if created:
            self._emit(ChangeEvent("reaction.added", number, login, content))
        return entry, created

    def add_comment_reaction(
        self, comment_id: int, content: str, *, user: str | None = None
    ) -> tuple[ReactionEntry, bool]:
        login = user or self.actor
        with self._lock:
            comment = self._comment(comment_id)
            entry, created = self._react(comment.reactions, content, login)
            number = comment.issue_number
        if created:
            self._emit(ChangeEvent("reaction.added", number, login, content, comment_id=comment_id))
        return entry, created

    # -- labels ---------------------------------------------------------------------------

    def _label(self, name: str) -> Label:
        label = self._labels.get(name)
        if label is None:
            label_id, self._next_label_id = self._next_label_id, self._next_label_id + 1
            label = self._labels[name] = Label(id=label_id, name=name)
        return label

    def add_labels(
        self, number: int, names: Sequence[str], *, actor: str | None = None
    ) -> list[Label]:
        """Add labels to an issue (creating them in the repository, as GitHub does)."""
        if not names or not all(isinstance(n, str) and n for n in names):
            raise ApiFailure(422, "Validation Failed")
        with self._lock:
            issue = self._issue(number)
            present = {label.name for label in issue.labels}
            added = [n for n in dict.fromkeys(names) if n not in present]
            issue.labels.extend(self._label(n) for n in added)
            result = copy.deepcopy(issue.labels)
        for name in added:
            self._emit(ChangeEvent("label.added", number, actor or self.actor, name))
        return result

    def remove_label(self, number: int, name: str, *, actor: str | None = None) -> list[Label]:
        with self._lock:
            issue = self._issue(number)
            kept = [label for label in issue.labels if label.name != name]
            if len(kept) == len(issue.labels):
                raise ApiFailure(404, LABEL_DOES_NOT_EXIST)
            issue.labels = kept
            result = copy.deepcopy(kept)
        self._emit(ChangeEvent("label.removed", number, actor or self.actor, name))
        return result

    # -- rendering ------------------------------------------------------------------------

    def render_thread(self, number: int, *, show_hidden: bool = False) -> str:
        """The issue thread as text (see ``standin.render.render_thread``)."""
        from jules_action_dev.standin.render import render_thread

        text: str = render_thread(self, number, show_hidden=show_hidden)
        return text


def _sorted(issues: list[Issue], *, sort: str, direction: str) -> list[Issue]:
    key: Callable[[Issue], tuple[object, ...]]
    if sort == "updated":
        key = lambda i: (i.updated_at, i.number)  # noqa: E731
    elif sort == "comments":
        key = lambda i: (i.comment_count, i.number)  # noqa: E731
    else:
        key = lambda i: (i.created_at, i.number)  # noqa: E731
    return sorted(issues, key=key, reverse=direction != "asc")


# -- records --------------------------------------------------------------------------------


def issue_record(issue: Issue, *, html_base: str) -> IssueRecord:
    return IssueRecord(
        number=issue.number,
        title=issue.title,
        body=issue.body or "",
        html_url=html_base + f"/{'pull' if issue.pull else 'issues'}/{issue.number}",
        state=issue.state,
        author_login=issue.user.login,
        labels=tuple(label.name for label in issue.labels),
        is_pull_request=issue.pull is not None,
        created_at=issue.created_at,
    )


def pull_record(issue: Issue, *, html_base: str) -> PullRecord:
    assert issue.pull is not None
    return PullRecord(
        number=issue.number,
        title=issue.title,
        body=issue.body or "",
        html_url=f"{html_base}/pull/{issue.number}",
        state=issue.state,
        base_ref=issue.pull.base_ref,
        head_ref=issue.pull.head_ref,
        head_sha=issue.pull.head_sha,
        author_login=issue.user.login,
        merged=issue.pull.merged,
        labels=tuple(label.name for label in issue.labels),
    )


def comment_record(comment: Comment, *, html_base: str, pull: bool = False) -> CommentRecord:
    kind = "pull" if pull else "issues"
    return CommentRecord(
        id=comment.id,
        body=comment.body,
        author_login=comment.user.login,
        author_type=comment.user.type,
        created_at=comment.created_at,
        updated_at=comment.updated_at,
        html_url=f"{html_base}/{kind}/{comment.issue_number}#issuecomment-{comment.id}",
    )


class StateBackedGitHub:
    """A ``GitHubPort`` directly over a ``RepositoryState``: the in-memory fake for tests.

    Behaves like ``PyGithubPort`` against the stand-in server: same records, same exceptions
    (``GitHubNotFound``, ``GitHubPermissionError`` with the same messages) for the same state
    and injected faults. Writes are made as ``state.actor``.
    """

    def __init__(self, state: RepositoryState) -> None:
        self.state = state

    @property
    def _html_base(self) -> str:
        return f"{self.state.html_base}/{self.state.full_name}"

    def _call(self, operation: str, action: Callable[[], T]) -> T:
        try:
            self.state.check(operation)
            return action()
        except ApiFailure as failure:
            raise failure_for(
                operation, status=failure.status, github_message=failure.message
            ) from failure

    def get_default_branch(self) -> str:
        return self._call("get_default_branch", lambda: self.state.default_branch)

    def get_permission(self, login: str) -> Role:
        try:
            self.state.check("get_permission")
            _, role = self.state.permission(login)
        except ApiFailure as failure:
            if failure.status == 404:
                return "none"
            raise failure_for(
                "get_permission", status=failure.status, github_message=failure.message
            ) from failure
        return as_role(role)

    def get_authenticated_login(self) -> str | None:
        try:
            self.state.check("get_authenticated_user")
        except ApiFailure as failure:
            if failure.status in (401, 403, 404):
                return None
            raise failure_for(
                "get_authenticated_login", status=failure.status, github_message=failure.message
            ) from failure
        # GitHub refuses GET /user to installation tokens such as the workflow's GITHUB_TOKEN.
        return None if self.state.actor.endswith("[bot]") else self.state.actor

    def get_issue(self, number: int) -> IssueRecord:
        issue = self._call("get_issue", lambda: self.state.get_issue(number))
        return issue_record(issue, html_base=self._html_base)

    def get_pull(self, number: int) -> PullRecord:
        issue = self._call("get_pull", lambda: self.state.get_pull(number))
        return pull_record(issue, html_base=self._html_base)

    def list_issue_comments(self, number: int) -> Sequence[CommentRecord]:
        def run() -> list[CommentRecord]:
            is_pull = self.state.get_issue(number).pull is not None
            return [
                comment_record(c, html_base=self._html_base, pull=is_pull)
                for c in self.state.list_comments(number)
            ]

        return self._call("list_issue_comments", run)

    def create_issue_comment(self, number: int, body: str) -> CommentRecord:
        def run() -> CommentRecord:
            is_pull = self.state.get_issue(number).pull is not None
            comment = self.state.add_comment(number, body)
            return comment_record(comment, html_base=self._html_base, pull=is_pull)

        return self._call("create_issue_comment", run)

    def edit_issue_comment(self, comment_id: int, body: str) -> None:
        self._call("edit_issue_comment", lambda: self.state.edit_comment(comment_id, body))

    def add_issue_reaction(self, number: int, content: Reaction) -> None:
        self._call("add_issue_reaction", lambda: self.state.add_issue_reaction(number, content))

    def add_comment_reaction(self, comment_id: int, content: Reaction) -> None:
        self._call(
            "add_comment_reaction", lambda: self.state.add_comment_reaction(comment_id, content)
        )

    def add_label(self, number: int, label: str) -> None:
        self._call("add_label", lambda: self.state.add_labels(number, [label]))

    def remove_label(self, number: int, label: str) -> None:
        def run() -> None:
            try:
                self.state.remove_label(number, label)
            except ApiFailure as failure:
                if failure.status != 404 or failure.message != LABEL_DOES_NOT_EXIST:
                    raise

        self._call("remove_label", run)

    def list_open_issues_with_label(self, label: str) -> Sequence[IssueRecord]:
        def run() -> list[IssueRecord]:
            issues = self.state.list_issues(
                state="open", labels=[label], sort="created", direction="asc"
            )
            return [issue_record(i, html_base=self._html_base) for i in issues]

        return self._call("list_open_issues_with_label", run)

    def list_open_pulls(self) -> Sequence[PullRecord]:
        def run() -> list[PullRecord]:
            pulls = self.state.list_pulls(state="open", sort="created", direction="desc")
            return [pull_record(i, html_base=self._html_base) for i in pulls]

        return self._call("list_open_pulls", run)

    def edit_pull_body(self, number: int, body: str) -> None:
        self._call("edit_pull_body", lambda: self.state.update_pull(number, body=body))

    def request_review(self, number: int, login: str) -> None:
        self._call("request_review", lambda: self.state.request_reviewers(number, [login]))

    def set_commit_status(
        self, sha: str, state: CommitState, *, context: str, description: str, target_url: str
    ) -> None:
        self._call(
            "set_commit_status",
            lambda: self.state.set_status(
                sha, state=state, context=context, description=description, target_url=target_url
            ),
        )


def as_role(role: str) -> Role:
    """``role`` as a ``Role`` ("none" for anything GitHub may add later)."""
    return cast(Role, role) if role in ROLES else "none"
