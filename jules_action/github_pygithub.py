"""``GitHubPort`` over PyGithub for the one repository the workflow runs in; GitHub API I/O.

The only module that imports ``github`` (PyGithub), so PyGithub's quirks stay here:

* the client is built lazy (``Github(lazy=True)``): ``get_issue``/``get_pull``/``get_repo``
  make no request until an attribute is read, so writes such as "comment on issue N" are one
  request, not a GET first;
* list endpoints return incomplete objects, and reading an attribute the list JSON lacks makes
  PyGithub fetch each object again; so ``merged`` is derived from ``merged_at`` (which the
  pulls list has) instead of reading ``merged`` (which it lacks);
* failures (``GithubException`` and transport errors) become ``errors.GitHubError`` subclasses
  through ``github_failures.failure_for``, the same mapping the in-memory fake uses.

The token is passed to PyGithub only; it is never logged or put in a message.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar, cast

import requests
from github import Auth, Github, GithubException, GithubRetry
from github.Issue import Issue
from github.IssueComment import IssueComment
from github.PullRequest import PullRequest
from github.Repository import Repository

from jules_action.errors import GitHubError
from jules_action.github_failures import LABEL_DOES_NOT_EXIST, failure_for
from jules_action.github_port import (
    CommentRecord,
    CommitState,
    IssueRecord,
    PullRecord,
    Reaction,
    Role,
)

T = TypeVar("T")

_ROLES: frozenset[str] = frozenset({"admin", "maintain", "write", "triage", "read"})
_USER_AGENT = "jules-action"
PER_PAGE = 100  # GitHub's largest page for the list endpoints


def _message(exc: GithubException) -> str:
    data = exc.data
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return str(data["message"])
    return exc.message or str(data or "") or type(exc).__name__


def _retry_after(headers: Mapping[str, str], *, now: float) -> float | None:
    """The wait GitHub asks for: ``Retry-After``, else the primary limit's reset when spent."""
    lowered = {key.lower(): value for key, value in headers.items()}
    try:
        if "retry-after" in lowered:
            return max(float(lowered["retry-after"]), 0.0)
        if lowered.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in lowered:
            return max(float(lowered["x-ratelimit-reset"]) - now, 0.0)
    except ValueError:
        return None
    return None


class PyGithubPort:
    """``GitHubPort`` for one repository, over a ``github.Github`` client."""

    def __init__(self, client: Github, repository: str) -> None:
        self._client = client
        self._full_name = repository
        self._repo_object: Repository | None = None

    @property
    def _repo(self) -> Repository:
        # Lazy: no GET /repos/{owner}/{repo} until an attribute of the repo itself is needed.
        if self._repo_object is None:
            self._repo_object = self._client.get_repo(self._full_name)
        return self._repo_object

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def _call(self, operation: str, action: Callable[[], T]) -> T:
        try:
            return action()
        except GithubException as exc:
            raise failure_for(
                operation,
                status=exc.status,
                github_message=_message(exc),
                retry_after=_retry_after(exc.headers or {}, now=time.time()),
            ) from exc
        except requests.RequestException as exc:
            raise GitHubError(
                f"GitHub could not be reached ({type(exc).__name__}) for {operation}.",
                status_code=None,
            ) from exc
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            # A 200 whose body is not what the API describes (a proxy's page, a truncated
            # body): no usable answer, like a dropped connection.
            raise GitHubError(
                f"GitHub's answer for {operation} could not be read ({type(exc).__name__}).",
                status_code=None,
            ) from exc

    # -- reads ----------------------------------------------------------------------------

    def get_default_branch(self) -> str:
        return self._call("get_default_branch", lambda: self._repo.default_branch)

    def get_permission(self, login: str) -> Role:
        def run() -> Role:
            # role_name (admin/maintain/write/triage/read, or a custom role's name) is more
            # precise than the legacy ``permission`` (admin/write/read/none).
            user = urllib.parse.quote(login, safe="")
            _, data = self._repo.requester.requestJsonAndCheck(
                "GET", f"{self._repo.url}/collaborators/{user}/permission"
            )
            for key in ("role_name", "permission"):
                value = data.get(key)
                if isinstance(value, str) and value in _ROLES:
                    return cast(Role, value)
            return "none"

        try:
            return self._call("get_permission", run)
        except GitHubError as exc:
            if exc.status_code == 404:  # not a collaborator (or no such user)
                return "none"
            raise

    def get_authenticated_login(self) -> str | None:
        def run() -> str:
            _, data = self._client.requester.requestJsonAndCheck("GET", "/user")
            return str(data.get("login") or "")

        try:
            return self._call("get_authenticated_login", run) or None
        except GitHubError as exc:
            if exc.status_code in (401, 403, 404):
                return None
            raise

    def get_issue(self, number: int) -> IssueRecord:
        return self._call("get_issue", lambda: _issue_record(self._repo.get_issue(number)))

    def get_pull(self, number: int) -> PullRecord:
        return self._call("get_pull", lambda: _pull_record(self._repo.get_pull(number)))

    def list_issue_comments(self, number: int) -> Sequence[CommentRecord]:
        return self._call(
            "list_issue_comments",
            lambda: [_comment_record(c) for c in self._repo.get_issue(number).get_comments()],
        )

    def list_open_issues_with_label(self, label: str) -> Sequence[IssueRecord]:
        return self._call(
            "list_open_issues_with_label",
            lambda: [
                _issue_record(i)
                for i in self._repo.get_issues(
                    state="open", labels=[label], sort="created", direction="asc"
                )
            ],
        )

    def list_open_pulls(self) -> Sequence[PullRecord]:
        return self._call(
            "list_open_pulls",
            lambda: [
                _pull_record(p)
                for p in self._repo.get_pulls(state="open", sort="created", direction="desc")
            ],
        )

    # -- writes ---------------------------------------------------------------------------

    def create_issue_comment(self, number: int, body: str) -> CommentRecord:
        return self._call(
            "create_issue_comment",
            lambda: _comment_record(self._repo.get_issue(number).create_comment(body)),
        )

    def _comment(self, comment_id: int) -> IssueComment:
        # A lazy object: editing or reacting needs no GET of the comment first.
        url = f"{self._repo.url}/issues/comments/{comment_id}"
        return IssueComment(self._repo.requester, url=url)

    def edit_issue_comment(self, comment_id: int, body: str) -> None:
        self._call("edit_issue_comment", lambda: self._comment(comment_id).edit(body))

    def add_issue_reaction(self, number: int, content: Reaction) -> None:
        self._call(
            "add_issue_reaction", lambda: self._repo.get_issue(number).create_reaction(content)
        )

    def add_comment_reaction(self, comment_id: int, content: Reaction) -> None:
        self._call(
            "add_comment_reaction", lambda: self._comment(comment_id).create_reaction(content)
        )

    def add_label(self, number: int, label: str) -> None:
        # GitHub creates a label that does not exist yet in the repository.
        self._call("add_label", lambda: self._repo.get_issue(number).add_to_labels(label))

    def remove_label(self, number: int, label: str) -> None:
        def run() -> None:
            try:
                self._repo.get_issue(number).remove_from_labels(label)
            except GithubException as exc:
                if exc.status == 404 and _message(exc) == LABEL_DOES_NOT_EXIST:
                    return
                raise

        self._call("remove_label", run)

    def edit_pull_body(self, number: int, body: str) -> None:
        self._call("edit_pull_body", lambda: self._repo.get_pull(number).edit(body=body))

    def request_review(self, number: int, login: str) -> None:
        # One POST .../requested_reviewers: the lazy pull makes no GET first.
        self._call(
            "request_review",
            lambda: self._repo.get_pull(number).create_review_request(reviewers=[login]),
        )

    def set_commit_status(
        self, sha: str, state: CommitState, *, context: str, description: str, target_url: str
    ) -> None:
        # One POST, no GET of the commit first (``get_commit`` would fetch it).
        body = {
            "state": state,
            "context": context,
            "description": description[:140],
            "target_url": target_url,
        }
        path = f"{self._repo.url}/statuses/{urllib.parse.quote(sha, safe='')}"
        self._call(
            "set_commit_status",
            lambda: self._repo.requester.requestJsonAndCheck("POST", path, input=body),
        )


def _issue_record(issue: Issue) -> IssueRecord:
    number = issue.number  # completes a lazy object (one GET) before _rawData is read
    # ``issue.pull_request`` would re-fetch every plain issue of a list: GitHub omits the key
    # for issues, and PyGithub completes an object when an attribute is missing.
    is_pull_request = issue._rawData.get("pull_request") is not None
    return IssueRecord(
        number=number,
        title=issue.title or "",
        body=issue.body or "",
        html_url=issue.html_url,
        state=issue.state,
        author_login=issue.user.login if issue.user else "",
        labels=tuple(label.name for label in issue.labels),
        is_pull_request=is_pull_request,
        created_at=issue.created_at,
    )


def _pull_record(pull: PullRequest) -> PullRecord:
    return PullRecord(
        number=pull.number,
        title=pull.title or "",
        body=pull.body or "",
        html_url=pull.html_url,
        state=pull.state,
        base_ref=pull.base.ref,
        head_ref=pull.head.ref,
        head_sha=pull.head.sha or "",
        author_login=pull.user.login if pull.user else "",
        # The list endpoint has merged_at but not merged; reading ``merged`` would re-fetch.
        merged=pull.merged_at is not None,
        labels=tuple(label.name for label in pull.labels),
    )


def _comment_record(comment: IssueComment) -> CommentRecord:
    return CommentRecord(
        id=comment.id,
        body=comment.body or "",
        author_login=comment.user.login if comment.user else "",
        author_type=comment.user.type if comment.user else "",
        created_at=comment.created_at,
        updated_at=comment.updated_at,
        html_url=comment.html_url or "",
    )


def build_github_port(
    *,
    token: str,
    api_url: str,
    repository: str,
    timeout: int = 15,
    retry: int | GithubRetry | None = None,
    seconds_between_requests: float | None = 0.25,
    seconds_between_writes: float | None = 1.0,
    per_page: int = PER_PAGE,
    user_agent: str = _USER_AGENT,
) -> PyGithubPort:
    """A ``PyGithubPort`` for ``repository`` ("owner/name") at ``api_url`` (``GITHUB_API_URL``).

    The throttling defaults are PyGithub's, and GitHub's guidance for integrations: make
    requests one at a time, and wait at least a second between requests that change
    something (POST, PATCH, PUT, DELETE) to stay clear of the secondary rate limits; so a run
    takes about a second per write, and the action merges the writes it can (``Tracker``).
    Tests pass ``seconds_between_requests=0, seconds_between_writes=0``. Lists are read
    ``per_page`` (100, GitHub's most) at a time: one request for most threads, not one per
    30 comments. PyGithub's own retry is
    off: it sleeps as long as a rate limit says (an hour for a spent primary limit) and
    repeats POSTs that GitHub may already have applied. Retries are ``github_retry``'s,
    on the injected clock and bounded by the run's deadline.
    """
    if "/" not in repository.strip("/"):
        raise ValueError(f"repository must be 'owner/name', got {repository!r}")
    client = Github(
        base_url=api_url.rstrip("/"),
        auth=Auth.Token(token),
        timeout=timeout,
        user_agent=user_agent,
        retry=retry,
        seconds_between_requests=seconds_between_requests,
        seconds_between_writes=seconds_between_writes,
        per_page=per_page,
        lazy=True,
    )
    return PyGithubPort(client, repository.strip("/"))
