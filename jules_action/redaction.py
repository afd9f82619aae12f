"""Secrets out of everything the action writes: ``Redactor`` and ``RedactingGitHub``.

``Redactor`` replaces each known secret (the Jules API key, the GitHub token) with ``***``,
also in the encodings a secret commonly travels in when some tool echoes it: URL-encoded,
JSON- or HTML-escaped, and base64 (standard and URL-safe, at each of the three alignments a
secret can have inside a longer base64 text, as in an ``Authorization: Basic`` header).
It is pure. The runner masks the plain values in the log after ``::add-mask::``, but not in
what the action writes through the API, and not their encodings.

``RedactingGitHub`` wraps a ``GitHubPort`` and redacts every text it writes to GitHub
(comment bodies, pull request bodies, commit status descriptions and links); reads pass
through. Its only I/O is the wrapped port's.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterable, Sequence
from typing import Final
from urllib.parse import quote, quote_plus

from jules_action.github_port import (
    CommentRecord,
    CommitState,
    GitHubPort,
    IssueRecord,
    PullRecord,
    Reaction,
    Role,
)

MASK: Final = "***"
MIN_SECRET_CHARS: Final = 4  # shorter values would mask ordinary words
# An encoded form shorter than this is not masked on its own: base64 alignments drop up to
# three characters at each end, and a short core would match ordinary text.
_MIN_VARIANT_CHARS: Final = 8


class Redactor:
    """Replaces secret values, and their common encodings, with ``***`` in any text."""

    def __init__(self, secret_values: Iterable[str] = ()) -> None:
        self._secrets: list[str] = []
        self._pattern: re.Pattern[str] | None = None
        for value in secret_values:
            self.add(value)

    def add(self, value: str) -> None:
        """Redact ``value`` from now on (ignored when shorter than four characters)."""
        value = value.strip()
        if len(value) < MIN_SECRET_CHARS or value in self._secrets:
            return
        self._secrets.append(value)
        variants = {form for secret in self._secrets for form in _encodings(secret)}
        ordered = sorted(variants, key=lambda form: (-len(form), form))
        self._pattern = re.compile("|".join(map(re.escape, ordered)))

    @property
    def values(self) -> tuple[str, ...]:
        """The secrets themselves (for ``::add-mask::``), longest first."""
        return tuple(sorted(self._secrets, key=len, reverse=True))

    def __call__(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(MASK, text)


def _encodings(secret: str) -> set[str]:
    """``secret`` and the forms it takes when URL-encoded, escaped or base64-encoded."""
    forms = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        json.dumps(secret)[1:-1],
        html.escape(secret),
    }
    raw = secret.encode("utf-8")
    for shift in range(3):
        # Preceded by ``shift`` bytes (mod 3), the secret's bits fill the characters from
        # ceil(8*shift/6) to floor(8*(shift+n)/6): those do not depend on the neighbours.
        encoded = base64.b64encode(b"\0" * shift + raw).decode("ascii")
        core = encoded[(4 * shift + 2) // 3 : (4 * (shift + len(raw))) // 3]
        forms |= {core, core.replace("+", "-").replace("/", "_")}
    return {form for form in forms if form == secret or len(form) >= _MIN_VARIANT_CHARS}


class RedactingGitHub:
    """A ``GitHubPort`` that redacts secrets from every text it writes to GitHub."""

    def __init__(self, inner: GitHubPort, redactor: Redactor) -> None:
        self._inner = inner
        self._redact = redactor

    # Writes: every text is redacted.

    def create_issue_comment(self, number: int, body: str) -> CommentRecord:
        return self._inner.create_issue_comment(number, self._redact(body))

    def edit_issue_comment(self, comment_id: int, body: str) -> None:
        self._inner.edit_issue_comment(comment_id, self._redact(body))

    def edit_pull_body(self, number: int, body: str) -> None:
        self._inner.edit_pull_body(number, self._redact(body))

    def set_commit_status(
        self, sha: str, state: CommitState, *, context: str, description: str, target_url: str
    ) -> None:
        self._inner.set_commit_status(
            sha,
            state,
            context=self._redact(context),
            description=self._redact(description),
            target_url=self._redact(target_url),
        )

    def add_label(self, number: int, label: str) -> None:
        self._inner.add_label(number, self._redact(label))

    def remove_label(self, number: int, label: str) -> None:
        self._inner.remove_label(number, label)

    def add_issue_reaction(self, number: int, content: Reaction) -> None:
        self._inner.add_issue_reaction(number, content)

    def request_review(self, number: int, login: str) -> None:
        self._inner.request_review(number, login)

    def add_comment_reaction(self, comment_id: int, content: Reaction) -> None:
        self._inner.add_comment_reaction(comment_id, content)

    # Reads pass through.

    def get_default_branch(self) -> str:
        return self._inner.get_default_branch()

    def get_permission(self, login: str) -> Role:
        return self._inner.get_permission(login)

    def get_authenticated_login(self) -> str | None:
        return self._inner.get_authenticated_login()

    def get_issue(self, number: int) -> IssueRecord:
        return self._inner.get_issue(number)

    def get_pull(self, number: int) -> PullRecord:
        return self._inner.get_pull(number)

    def list_issue_comments(self, number: int) -> Sequence[CommentRecord]:
        return self._inner.list_issue_comments(number)

    def list_open_issues_with_label(self, label: str) -> Sequence[IssueRecord]:
        return self._inner.list_open_issues_with_label(label)

    def list_open_pulls(self) -> Sequence[PullRecord]:
        return self._inner.list_open_pulls()
