"""How a run ends: the ``outcome`` output's values, the step outputs and the exit code; no I/O.

``OutcomeKind`` is the closed list of values the ``outcome`` output can take; a test ties it
to ``action.yml``'s description of that output, so the two cannot drift. The exit code is
non-zero exactly for ``failed`` and ``error``. ``RequestResult`` is one request the run
touched, as the ``result`` output's JSON lists it (reconcile mode touches many).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

_PULL_NUMBER: Final = re.compile(r"/pull/(\d+)(?:[/?#]|$)")


class OutcomeKind(StrEnum):
    PR_OPENED = "pr-opened"
    NO_PR = "no-pr"
    FAILED = "failed"
    NEEDS_INPUT = "needs-input"
    TIMED_OUT = "timed-out"
    HANDED_OFF = "handed-off"
    QUEUED = "queued"
    SKIPPED = "skipped"
    ERROR = "error"
    RECONCILED = "reconciled"
    DRY_RUN = "dry-run"

    @property
    def exit_code(self) -> int:
        return 1 if self in _FAILING else 0


_FAILING: Final = frozenset({OutcomeKind.FAILED, OutcomeKind.ERROR})


def pr_number(url: str) -> str:
    """The number in a pull request URL, as text ("" when there is none)."""
    found = _PULL_NUMBER.search(url)
    return found.group(1) if found else ""


@dataclass(frozen=True)
class RequestResult:
    """One request a run touched: an entry of the ``result`` output."""

    issue: int
    request: str
    outcome: str
    session_id: str = ""
    session_url: str = ""
    pr_url: str = ""

    def as_json(self) -> dict[str, object]:
        number = pr_number(self.pr_url)
        return {
            "issue": self.issue or None,
            "request": self.request,
            "outcome": self.outcome,
            "session_id": self.session_id,
            "session_url": self.session_url,
            "pr_url": self.pr_url,
            "pr_number": int(number) if number else None,
        }


@dataclass(frozen=True)
class Outcome:
    """How the run ended, as the step outputs, the summary and the exit code show it."""

    outcome: OutcomeKind
    message: str
    session_id: str = ""
    session_url: str = ""
    session_state: str = ""
    pr_url: str = ""
    issue: int = 0  # the issue or pull request the request is on (0: none)
    branch: str = ""  # the pull request's head branch
    request: str = ""  # the request key, when the outcome is one request's
    prompt: str = ""  # dry-run: the prompt the session would get
    results: tuple[RequestResult, ...] = ()

    @property
    def exit_code(self) -> int:
        return self.outcome.exit_code

    def outputs(self) -> dict[str, str]:
        return {
            "session-id": self.session_id,
            "session-url": self.session_url,
            "session-state": self.session_state,
            "pr-url": self.pr_url,
            "pr-number": pr_number(self.pr_url),
            "issue-number": str(self.issue) if self.issue else "",
            "branch": self.branch,
            "outcome": self.outcome.value,
            "message": self.message,
            "result": json.dumps([r.as_json() for r in self.results], separators=(",", ":")),
            "prompt": self.prompt,
        }
