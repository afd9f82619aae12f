"""The collaborators of a run, passed explicitly, and the report sink; no I/O of its own.

``Ports`` is what every executor function receives: the settings and GitHub context, the
Jules client, the GitHub port (already retrying and redacting), the clock, the marker codec,
who the action writes as (``Identity``), the run's deadline and the ``Report`` that collects
the step summary. It is frozen: nothing is threaded through a mutable bag.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from jules_action.clock import Clock
from jules_action.config import GitHubContext, Mode, Settings
from jules_action.errors import GitHubError
from jules_action.github_port import CommentRecord, GitHubPort
from jules_action.github_retry import RetryingGitHub
from jules_action.jules_client import JulesClient
from jules_action.tracking import MarkerCodec, TrackingState, same_login

log = logging.getLogger("jules_action")

# Who writes the comments when the token is the workflow's GITHUB_TOKEN.
WORKFLOW_TOKEN_LOGIN = "github-actions[bot]"


@dataclass
class Report:
    """The step summary's extra lines, warnings (logged once, repeated in the summary), and
    the requests the run touched (their latest state, for the ``result`` output)."""

    lines: list[str] = field(default_factory=list)
    requests: dict[tuple[int, str], TrackingState] = field(default_factory=dict)

    def touch(self, state: TrackingState) -> None:
        self.requests[(state.issue, state.request)] = state

    def touched(self) -> list[TrackingState]:
        return list(self.requests.values())

    def line(self, text: str) -> None:
        self.lines.append(text)

    def warn(self, message: str) -> None:
        log.warning(message)
        line = f"- ⚠️ {message}"
        if line not in self.lines:
            self.lines.append(line)


class Identity:
    """The login the action's comments appear under: only its markers count.

    Set by the ``bot-login`` input; else the token's user where GitHub tells it (a PAT);
    else ``github-actions[bot]`` (the workflow token, which may not ask). Asked the first
    time it is needed (a skipped run asks nothing). The first comment this run writes shows
    the truth, and ``learn`` adopts it.
    """

    def __init__(self, login: str | None, *, ask: Callable[[], str | None] | None = None) -> None:
        self._login = login
        self._ask = ask
        self.explicit = login is not None

    @property
    def login(self) -> str:
        if self._login is None:
            told: str | None = None
            if self._ask is not None:
                try:
                    told = self._ask()
                except GitHubError as exc:
                    log.warning("Could not ask GitHub who the token is: %s", exc.message)
            self._login = told or WORKFLOW_TOKEN_LOGIN
        return self._login

    def wrote(self, comment: CommentRecord) -> bool:
        """Whether the action wrote ``comment``: as its identity, or (while that is only assumed)
        as some bot, the way a GitHub App token writes; never a person's copy."""
        return same_login(comment.author_login, self.login) or (
            not self.explicit and comment.author_type == "Bot"
        )

    def learn(self, author: str) -> None:
        if author and not same_login(author, self.login):
            if self.explicit:
                log.warning(
                    "The action's comments appear as @%s, not @%s as the bot-login input says; "
                    "using @%s.",
                    author,
                    self.login,
                    author,
                )
            self._login = author


@dataclass(frozen=True)
class Ports:
    """Everything one run talks to or reads."""

    settings: Settings
    context: GitHubContext
    jules: JulesClient
    github: GitHubPort
    clock: Clock
    codec: MarkerCodec
    identity: Identity
    report: Report
    deadline: float  # on ``clock.monotonic()``: no wait or retry goes past it

    def left(self) -> float:
        return max(self.deadline - self.clock.monotonic(), 0.0)


# Time a run may spend beyond its wait (claiming, creating, reporting), and a reconcile pass.
RUN_MARGIN: Final = 90.0
RECONCILE_BUDGET: Final = 600.0


def deadline_of(settings: Settings, clock: Clock) -> float:
    """When this run must be done, on ``clock.monotonic()``: no wait or retry goes past it."""
    budget = RECONCILE_BUDGET if settings.mode is Mode.RECONCILE else settings.wait_seconds
    return clock.monotonic() + budget + RUN_MARGIN


def assemble(
    *,
    settings: Settings,
    context: GitHubContext,
    jules: JulesClient,
    github: GitHubPort,
    clock: Clock,
    deadline: float,
    rng: random.Random | None = None,
) -> Ports:
    """The ports of one run: ``github`` wrapped to retry within the run's ``deadline``."""
    retrying = RetryingGitHub(github, clock=clock, deadline=lambda: deadline, rng=rng)
    identity = Identity(settings.bot_login, ask=retrying.get_authenticated_login)
    return Ports(
        settings=settings,
        context=context,
        jules=jules,
        github=retrying,
        clock=clock,
        codec=MarkerCodec(settings.jules_api_key.get_secret_value()),
        identity=identity,
        report=Report(),
        deadline=deadline,
    )
