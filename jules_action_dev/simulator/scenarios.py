"""Scenario scripts for simulated sessions and the prompt marker that picks one; pure, no I/O.

A scenario is a sequence of ``Beat``s: each waits ``delay`` simulated seconds after the previous
one finished, then performs one ``Action``. Some actions block (plan approval, a question to
the user, a pause in the web app, forever) until the engine sees the matching request. Scenario
specs look like ``name key=value ...`` and come from the operator (config / ``--scenario``) or
from a ``[jules-sim:<spec>]`` marker in the prompt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

QUEUE_DELAY = 30.0
"""Simulated seconds a new session stays QUEUED before it may take a slot."""

REPLY_DELAY = 60.0
"""Simulated seconds before the agent answers a message sent while it is working."""

MARKER = re.compile(r"\[jules-sim:([^\]]*)\]")


@dataclass(frozen=True)
class SetState:
    state: str


@dataclass(frozen=True)
class GeneratePlan:
    pass


@dataclass(frozen=True)
class ApprovePlan:
    """Auto-approve (originator ``system``) unless the session requires manual approval."""


@dataclass(frozen=True)
class Progress:
    title: str
    description: str


@dataclass(frozen=True)
class AskUser:
    question: str


@dataclass(frozen=True)
class AgentReply:
    text: str


@dataclass(frozen=True)
class OpenPullRequest:
    pass


@dataclass(frozen=True)
class Complete:
    open_pr: bool


@dataclass(frozen=True)
class Fail:
    reason: str


@dataclass(frozen=True)
class Pause:
    """A person pauses the session in the Jules web app: PAUSED until resumed."""


@dataclass(frozen=True)
class Stall:
    pass


Action = (
    SetState
    | GeneratePlan
    | ApprovePlan
    | Progress
    | AskUser
    | AgentReply
    | OpenPullRequest
    | Complete
    | Fail
    | Pause
    | Stall
)


@dataclass(frozen=True)
class Beat:
    delay: float
    action: Action


@dataclass(frozen=True)
class ScenarioSpec:
    """A scenario name plus its options (defaults in the README)."""

    name: str
    seconds: float | None = None
    """Scenario-specific duration; ``None`` means the scenario's own default."""
    count: int = 3
    retry_after: int | None = None
    queue: float = QUEUE_DELAY
    """Simulated seconds the new session stays QUEUED before it may take a slot."""
    scale: float = 1.0
    """Every scripted delay is multiplied by this (a shorter or longer session)."""

    @property
    def withholds_pr(self) -> bool:
        """The session completes without a PR until a message asks for one."""
        return self.name == "completed-no-pr"

    @property
    def never_opens_pr(self) -> bool:
        """The session had nothing to commit: no message makes it open a PR."""
        return self.name == "no-changes"

    @property
    def forces_plan_approval(self) -> bool:
        return self.name in ("plan-approval", "plan-approval-inactive")

    @property
    def inactive_plan_after(self) -> float | None:
        """plan-approval-inactive: seconds the plan shows AWAITING_PLAN_APPROVAL before the
        session reads COMPLETED while the plan still waits (``None``: other scenarios)."""
        if self.name != "plan-approval-inactive":
            return None
        return self.seconds or 0.0

    @property
    def web_app_resume_after(self) -> float | None:
        """paused: seconds until a person resumes the session in the web app (``None``: never)."""
        return self.seconds if self.name == "paused" else None

    @property
    def rejects_create(self) -> bool:
        """precondition-failed: every create answers 400 FAILED_PRECONDITION."""
        return self.name == "precondition-failed"

    @property
    def not_found_window(self) -> float:
        if self.name != "not-found-window":
            return 0.0
        return DEFAULT_NOT_FOUND_SECONDS if self.seconds is None else self.seconds

    @property
    def burst_status(self) -> str | None:
        return {"rate-limit-burst": "RESOURCE_EXHAUSTED", "unavailable-burst": "UNAVAILABLE"}.get(
            self.name
        )


DEFAULT_NOT_FOUND_SECONDS = 60.0
DEFAULT_LATE_PR_SECONDS = 90.0
"""pr-after-completed: simulated seconds between COMPLETED and the PR output."""

_OPENING = (
    Beat(0, SetState("PLANNING")),
    Beat(90, GeneratePlan()),
    Beat(30, ApprovePlan()),
)
_EXPLORE = Beat(240, Progress("Exploring the codebase", "Reading the files the task touches."))
_IMPLEMENT = Beat(300, Progress("Implementing the change", "Editing the code for the task."))
_TEST = Beat(300, Progress("Running the tests", "All tests pass."))
_WORK = (_EXPLORE, _IMPLEMENT, _TEST)
QUESTION = "Should the change keep backwards compatibility with the old behaviour?"
FAILURE_REASON = "The agent could not get the test suite to pass after several attempts."

_SCRIPTS: dict[str, tuple[Beat, ...]] = {
    "happy": (*_OPENING, *_WORK, Beat(210, Complete(open_pr=True))),
    "pr-while-in-progress": (
        *_OPENING,
        _EXPLORE,
        _IMPLEMENT,
        Beat(200, OpenPullRequest()),
        Beat(100, Progress("Running the tests", "Checking the PR branch.")),
        Beat(210, Complete(open_pr=True)),
    ),
    "pr-after-completed": (*_OPENING, *_WORK, Beat(210, Complete(open_pr=False))),
    "completed-no-pr": (*_OPENING, *_WORK, Beat(210, Complete(open_pr=False))),
    "no-changes": (*_OPENING, *_WORK, Beat(210, Complete(open_pr=False))),
    "failed": (*_OPENING, _EXPLORE, _IMPLEMENT, Beat(120, Fail(FAILURE_REASON))),
    "user-feedback": (
        *_OPENING,
        _EXPLORE,
        Beat(120, AskUser(QUESTION)),
        Beat(180, Progress("Applying your answer", "Adjusting the change as requested.")),
        _TEST,
        Beat(210, Complete(open_pr=True)),
    ),
    "paused": (
        *_OPENING,
        _EXPLORE,
        _IMPLEMENT,
        Beat(120, Pause()),
        _TEST,
        Beat(210, Complete(open_pr=True)),
    ),
    "stuck": (*_OPENING, _EXPLORE, _IMPLEMENT, Beat(0, Stall())),
}
for _variant in (
    "plan-approval",
    "plan-approval-inactive",
    "not-found-window",
    "rate-limit-burst",
    "unavailable-burst",
    "precondition-failed",
):
    _SCRIPTS[_variant] = _SCRIPTS["happy"]

SCENARIO_NAMES = tuple(sorted(_SCRIPTS))

_OPTION_NAMES = {"seconds", "count", "retry-after", "retry_after", "queue", "scale"}


def parse_spec(text: str) -> ScenarioSpec:
    """Parse ``name [key=value ...]``. Raises ValueError naming what is wrong."""
    parts = text.split()
    if not parts:
        raise ValueError("empty scenario spec")
    name, *pairs = parts
    if name not in _SCRIPTS:
        raise ValueError(f"unknown scenario {name!r}; known: {', '.join(SCENARIO_NAMES)}")
    options: dict[str, float] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or key not in _OPTION_NAMES:
            raise ValueError(
                f"bad scenario option {pair!r}; use seconds=, count=, retry-after=, queue=, scale="
            )
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"scenario option {key} needs a number, got {value!r}") from None
        if not number >= 0:  # also rejects nan
            raise ValueError(f"scenario option {key} must not be negative, got {value!r}")
        options[key.replace("-", "_")] = number
    retry_after = options.get("retry_after")
    return ScenarioSpec(
        name=name,
        seconds=options.get("seconds"),
        count=int(options.get("count", ScenarioSpec.count)),
        retry_after=None if retry_after is None else int(retry_after),
        queue=options.get("queue", QUEUE_DELAY),
        scale=options.get("scale", 1.0),
    )


def spec_for_prompt(prompt: str, default: ScenarioSpec) -> ScenarioSpec:
    """The first ``[jules-sim:...]`` marker in the prompt wins; otherwise ``default``."""
    match = MARKER.search(prompt)
    return default if match is None else parse_spec(match.group(1))


def script_for(spec: ScenarioSpec) -> tuple[Beat, ...]:
    beats = _SCRIPTS[spec.name]
    if spec.name == "pr-after-completed":
        late = DEFAULT_LATE_PR_SECONDS if spec.seconds is None else spec.seconds
        beats = (*beats, Beat(late, OpenPullRequest()))
    if spec.name == "pr-while-in-progress" and spec.seconds is not None:
        beats = _open_pr_before_the_end(_SCRIPTS["happy"], spec.seconds)
    if spec.scale != 1.0:
        beats = tuple(Beat(beat.delay * spec.scale, beat.action) for beat in beats)
    return beats


def _open_pr_before_the_end(beats: tuple[Beat, ...], seconds: float) -> tuple[Beat, ...]:
    """``beats`` with an ``OpenPullRequest`` ``seconds`` before the last one (at the start at
    the earliest), splitting the beat whose wait spans that moment."""
    at = max(sum(beat.delay for beat in beats) - seconds, 0.0)
    out: list[Beat] = []
    elapsed = 0.0
    for index, beat in enumerate(beats):
        if elapsed + beat.delay >= at:
            before = at - elapsed
            out += [Beat(before, OpenPullRequest()), Beat(beat.delay - before, beat.action)]
            return (*out, *beats[index + 1 :])
        out.append(beat)
        elapsed += beat.delay
    return (*out, Beat(0, OpenPullRequest()))


def resume_script(*, open_pr: bool) -> tuple[Beat, ...]:
    """What a COMPLETED/FAILED session does after a new message: work briefly, complete again."""
    return (
        Beat(0, SetState("IN_PROGRESS")),
        Beat(60, AgentReply("Sure, I'll take care of that now.")),
        Beat(180, Progress("Following up", "Working on the follow-up request.")),
        Beat(60, Complete(open_pr=open_pr)),
    )


def asks_for_pull_request(message: str) -> bool:
    return re.search(r"\b(pr|pull[ -]?request)s?\b", message, re.IGNORECASE) is not None
