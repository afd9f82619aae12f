"""GitHub calls retried on the injected clock, within the run's deadline; I/O via the port.

``RetryingGitHub`` wraps any ``GitHubPort``. A call that failed transiently (no answer, a
5xx, a rate limit) is tried again after a backoff, or after exactly the wait GitHub asked for,
as long as that wait ends before the deadline; a rate limit longer than what is left ends
the call at once with a message that names the wait. Every method is retried except
``create_issue_comment``: GitHub may have stored the comment before the answer was lost, so a
blind repeat could post it twice. Its callers look at the thread first (``tracker``).
Edits, labels and reactions set a state, so repeating them is safe.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from typing import Final, TypeVar

from jules_action.clock import Clock
from jules_action.errors import GitHubError
from jules_action.github_port import (
    CommentRecord,
    CommitState,
    GitHubPort,
    IssueRecord,
    PullRecord,
    Reaction,
    Role,
)

log = logging.getLogger("jules_action")
T = TypeVar("T")

ATTEMPTS: Final = 4
FIRST_DELAY: Final = 1.0
MAX_DELAY: Final = 20.0


class RetryingGitHub:
    """A ``GitHubPort`` that retries transient failures of the port it wraps."""

    def __init__(
        self,
        inner: GitHubPort,
        *,
        clock: Clock,
        deadline: Callable[[], float],
        rng: random.Random | None = None,
    ) -> None:
        self._inner = inner
        self._clock = clock
        self._deadline = deadline
        self._rng = rng if rng is not None else random.Random()

    def _retry(self, what: str, action: Callable[[], T]) -> T:
        attempt = 0
        while True:
            try:
                return action()
            except GitHubError as exc:
                attempt += 1
                if not exc.transient or attempt >= ATTEMPTS:
                    raise
                delay = exc.retry_after
                if delay is None:
                    base = min(MAX_DELAY, FIRST_DELAY * 2 ** (attempt - 1))
                    delay = base * (0.5 + 0.5 * self._rng.random())
                left = self._deadline() - self._clock.monotonic()
                if delay > left:
                    if exc.retry_after is not None:
                        raise GitHubError(
                            f"{exc.message} GitHub asked to wait {exc.retry_after:.0f} s, "
                            f"longer than the {max(left, 0.0):.0f} s this run has left; the "
                            "next run (or the reconcile workflow) carries on.",
                            status_code=exc.status_code,
                            retry_after=exc.retry_after,
                        ) from exc
                    raise
                log.info("%s; retrying %s in %.1f s.", exc.message, what, delay)
                self._clock.sleep(delay)

    # --- reads ----------------------------------------------------------------------------

    def get_default_branch(self) -> str:
        return self._retry("get_default_branch", self._inner.get_default_branch)

    def get_permission(self, login: str) -> Role:
        return self._retry("get_permission", lambda: self._inner.get_permission(login))

    def get_authenticated_login(self) -> str | None:
        return self._retry("get_authenticated_login", self._inner.get_authenticated_login)

    def get_issue(self, number: int) -> IssueRecord:
        return self._retry("get_issue", lambda: self._inner.get_issue(number))

    def get_pull(self, number: int) -> PullRecord:
        return self._retry("get_pull", lambda: self._inner.get_pull(number))

    def list_issue_comments(self, number: int) -> Sequence[CommentRecord]:
        return self._retry("list_issue_comments", lambda: self._inner.list_issue_comments(number))

    def list_open_issues_with_label(self, label: str) -> Sequence[IssueRecord]:
        return self._retry(
            "list_open_issues_with_label", lambda: self._inner.list_open_issues_with_label(label)
        )

    def list_open_pulls(self) -> Sequence[PullRecord]:
        return self._retry("list_open_pulls", self._inner.list_open_pulls)

    # --- writes ---------------------------------------------------------------------------

    def create_issue_comment(self, number: int, body: str) -> CommentRecord:
        return self._inner.create_issue_comment(number, body)

    def edit_issue_comment(self, comment_id: int, body: str) -> None:
        self._retry("edit_issue_comment", lambda: self._inner.edit_issue_comment(comment_id, body))

    def add_issue_reaction(self, number: int, content: Reaction) -> None:
        self._retry("add_issue_reaction", lambda: self._inner.add_issue_reaction(number, content))

    def add_comment_reaction(self, comment_id: int, content: Reaction) -> None:
        self._retry(
            "add_comment_reaction", lambda: self._inner.add_comment_reaction(comment_id, content)
        )

    def add_label(self, number: int, label: str) -> None:
        self._retry("add_label", lambda: self._inner.add_label(number, label))

    def remove_label(self, number: int, label: str) -> None:
        self._retry("remove_label", lambda: self._inner.remove_label(number, label))

    def edit_pull_body(self, number: int, body: str) -> None:
        self._retry("edit_pull_body", lambda: self._inner.edit_pull_body(number, body))

    def request_review(self, number: int, login: str) -> None:
        self._retry("request_review", lambda: self._inner.request_review(number, login))

    def set_commit_status(
        self, sha: str, state: CommitState, *, context: str, description: str, target_url: str
    ) -> None:
        self._retry(
            "set_commit_status",
            lambda: self._inner.set_commit_status(
                sha, state, context=context, description=description, target_url=target_url
            ),
        )
