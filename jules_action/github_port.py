"""The narrow GitHub port the orchestrator talks to, and the plain records it returns; no I/O.

The PyGithub adapter (``github_pygithub``) is the only module that imports PyGithub; tests
use an in-memory fake with the same methods. All methods act on the one repository the
workflow runs in. Failures raise ``GitHubError`` subclasses from ``errors``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

Reaction = Literal["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"]

# Roles as GitHub names them in the collaborator-permission API's ``role_name``
# (https://docs.github.com/rest/collaborators/collaborators#get-repository-permissions-for-a-user);
# "none" when the user is not a collaborator at all.
Role = Literal["admin", "maintain", "write", "triage", "read", "none"]

# The states of a commit status (https://docs.github.com/rest/commits/statuses).
CommitState = Literal["error", "failure", "pending", "success"]


@dataclass(frozen=True)
class CommentRecord:
    """An issue (or pull request conversation) comment."""

    id: int
    body: str
    author_login: str
    author_type: str  # "User", "Bot" or "Organization", as GitHub reports user.type
    created_at: datetime
    updated_at: datetime
    html_url: str = ""


@dataclass(frozen=True)
class IssueRecord:
    """An issue or pull request as the issues API shows it."""

    number: int
    title: str
    body: str
    html_url: str
    state: str  # "open" | "closed"
    author_login: str
    labels: tuple[str, ...] = ()
    is_pull_request: bool = False
    created_at: datetime | None = None


@dataclass(frozen=True)
class PullRecord:
    """A pull request."""

    number: int
    title: str
    body: str
    html_url: str
    state: str  # "open" | "closed"
    base_ref: str
    head_ref: str
    head_sha: str = ""
    author_login: str = ""
    merged: bool = False
    labels: tuple[str, ...] = field(default=())


class GitHubPort(Protocol):
    """What jules-action needs from GitHub, for the repository the workflow runs in."""

    def get_default_branch(self) -> str:
        """The repository's default branch name."""
        ...

    def get_permission(self, login: str) -> Role:
        """The user's role on the repository ("none" when not a collaborator)."""
        ...

    def get_authenticated_login(self) -> str | None:
        """The token's own login (``GET /user``); None where GitHub refuses to say, as it does
        for the workflow's ``GITHUB_TOKEN`` and other GitHub App installation tokens."""
        ...

    def get_issue(self, number: int) -> IssueRecord: ...

    def get_pull(self, number: int) -> PullRecord: ...

    def list_issue_comments(self, number: int) -> Sequence[CommentRecord]:
        """All comments on an issue or pull request, oldest first."""
        ...

    def create_issue_comment(self, number: int, body: str) -> CommentRecord: ...

    def edit_issue_comment(self, comment_id: int, body: str) -> None: ...

    def add_issue_reaction(self, number: int, content: Reaction) -> None: ...

    def add_comment_reaction(self, comment_id: int, content: Reaction) -> None: ...

    def add_label(self, number: int, label: str) -> None:
        """Add a label to an issue (creating the label in the repository if needed)."""
        ...

    def remove_label(self, number: int, label: str) -> None:
        """Remove a label from an issue; no error when it is not there."""
        ...

    def list_open_issues_with_label(self, label: str) -> Sequence[IssueRecord]:
        """Open issues and pull requests carrying ``label``, oldest first."""
        ...

    def list_open_pulls(self) -> Sequence[PullRecord]:
        """Open pull requests, newest first."""
        ...

    def edit_pull_body(self, number: int, body: str) -> None: ...

    def request_review(self, number: int, login: str) -> None:
        """Ask ``login`` to review pull request ``number`` (asking again changes nothing)."""
        ...

    def set_commit_status(
        self, sha: str, state: CommitState, *, context: str, description: str, target_url: str
    ) -> None:
        """Set the commit status ``context`` on ``sha`` (a later call replaces it)."""
        ...
