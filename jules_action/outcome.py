"""How a run ends: the ``outcome`` output's values, the step outputs and the exit code; no I/O.

``OutcomeKind`` is the closed list of values the ``outcome`` output can take; a test ties it
to ``action.yml``'s description of that output, so the two cannot drift. The exit code is
non-zero exactly for ``failed`` and ``error``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final


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

    @property
    def exit_code(self) -> int:
        return 1 if self in _FAILING else 0


_FAILING: Final = frozenset({OutcomeKind.FAILED, OutcomeKind.ERROR})


@dataclass(frozen=True)
class Outcome:
    """How the run ended, as the step outputs, the summary and the exit code show it."""

    outcome: OutcomeKind
    message: str
    session_id: str = ""
    session_url: str = ""
    session_state: str = ""
    pr_url: str = ""

    @property
    def exit_code(self) -> int:
        return self.outcome.exit_code

    def outputs(self) -> dict[str, str]:
        return {
            "session-id": self.session_id,
            "session-url": self.session_url,
            "session-state": self.session_state,
            "pr-url": self.pr_url,
            "outcome": self.outcome.value,
        }
