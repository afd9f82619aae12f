"""What Jules's activities say about a request's progress, folded into its state; pure, no I/O.

The tracking comment shows the plan as a checklist, the latest progress line and, at the end,
what Jules reported. ``absorb(state, activities)`` folds a run of activities (oldest first)
into the ``TrackingState`` fields that hold them, bounded so the hidden marker stays small:

- ``planGenerated``: the plan's step titles (a newer plan replaces an older one, and the
  checklist starts again);
- ``progressUpdated``: the latest progress line; and the checklist ticks: the API does not
  say which step an update belongs to, so an update that names a step (a shared word stem,
  ``tick``) moves the current step there, ticking the ones before it. The end of the session
  (``sessionCompleted``, a pull request) ticks every step;
- ``agentMessaged``: the last thing Jules said, kept as the report until a pull request's
  description replaces it.

Folding the same activities again gives the same state (a full listing after an incremental
one), so callers need not track which activities they already folded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Final

from jules_action.jules_models import Activity
from jules_action.tracking import TrackingState

MAX_STEPS: Final = 20
MAX_STEP_CHARS: Final = 160
MAX_PROGRESS_CHARS: Final = 300
MAX_REPORT_CHARS: Final = 3000
_STEM: Final = 4
_WORD: Final = re.compile(r"[a-z0-9]+")
_IGNORED: Final = frozenset(
    {"the", "and", "for", "with", "into", "from", "that", "this", "code", "file", "files"}
)


def bounded(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _stems(text: str) -> set[str]:
    words = _WORD.findall(text.lower())
    return {w[:_STEM] for w in words if len(w) >= _STEM and w not in _IGNORED}


def tick(plan: Sequence[str], current: int, update: str) -> int:
    """The step in progress after ``update``: the first step from ``current`` on that it names."""
    said = _stems(update)
    for index in range(max(current, 0), len(plan)):
        if said & _stems(plan[index]):
            return index
    return current


def progress_line(title: str, description: str) -> str:
    title, description = title.strip(), description.strip()
    if title and description and description != title:
        return bounded(f"{title}: {description}", MAX_PROGRESS_CHARS)
    return bounded(title or description, MAX_PROGRESS_CHARS)


def absorb(state: TrackingState, activities: Iterable[Activity]) -> TrackingState:
    """``state`` with what ``activities`` (oldest first) say about the plan and progress."""
    plan, done, progress, report = state.plan, state.plan_done, state.progress, state.report
    for activity in activities:
        generated = activity.plan_generated
        if generated is not None and generated.plan is not None:
            steps = [
                bounded(s.title or s.description, MAX_STEP_CHARS) for s in generated.plan.steps
            ]
            plan, done = tuple(s for s in steps if s)[:MAX_STEPS], 0
        if activity.progress_updated is not None:
            update = activity.progress_updated
            line = progress_line(update.title, update.description)
            if line:
                progress = line
                done = tick(plan, done, f"{update.title} {update.description}")
        if activity.agent_messaged is not None and activity.agent_messaged.agent_message.strip():
            report = bounded(activity.agent_messaged.agent_message, MAX_REPORT_CHARS)
        if activity.session_completed is not None:
            done = len(plan)
    return replace(
        state, plan=plan, plan_done=min(done, len(plan)), progress=progress, report=report
    )
