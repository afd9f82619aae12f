"""The plan checklist and progress line folded from Jules's activities; pure."""

from __future__ import annotations

from typing import Any

from jules_action.jules_models import Activity
from jules_action.progress import MAX_REPORT_CHARS, MAX_STEPS, absorb, tick
from jules_action.tracking import TrackingState

PLAN = ("Explore the repository", "Make the change", "Add or update tests", "Run the test suite")


def activity(**member: Any) -> Activity:
    return Activity.model_validate({"id": str(len(str(member))), **member})


def plan_generated(*titles: str) -> Activity:
    steps = [{"id": f"s{i}", "title": t, "index": i} for i, t in enumerate(titles)]
    return activity(planGenerated={"plan": {"id": "p1", "steps": steps}})


def progress(title: str, description: str = "") -> Activity:
    return activity(progressUpdated={"title": title, "description": description})


def test_tick__an_update_that_names_a_later_step_moves_there() -> None:
    assert tick(PLAN, 0, "Exploring the codebase") == 0
    assert tick(PLAN, 0, "Implementing the change") == 1
    assert tick(PLAN, 1, "Running the tests") == 2, "the first step from the current one"
    assert tick(PLAN, 2, "Reading files") == 2, "an update that names no step moves nothing"
    assert tick(PLAN, 3, "Explore again") == 3, "never back"


def test_absorb__the_checklist_ticks_as_progress_arrives_and_ends_all_ticked() -> None:
    state = TrackingState("r", 1)
    state = absorb(state, [plan_generated(*PLAN), progress("Exploring the codebase")])
    assert (state.plan, state.plan_done) == (PLAN, 0)
    assert state.progress == "Exploring the codebase"
    state = absorb(state, [progress("Implementing the change", "Editing the code")])
    assert state.plan_done == 1
    assert state.progress == "Implementing the change: Editing the code"
    state = absorb(state, [activity(sessionCompleted={})])
    assert state.plan_done == len(PLAN)


def test_absorb__folding_the_whole_listing_again_gives_the_same_state() -> None:
    listing = [plan_generated(*PLAN), progress("Implementing the change"), progress("Tests")]
    once = absorb(TrackingState("r", 1), listing[:2])
    once = absorb(once, listing[2:])
    assert absorb(once, listing) == once


def test_absorb__a_new_plan_replaces_the_old_and_starts_over() -> None:
    state = absorb(TrackingState("r", 1), [plan_generated(*PLAN), progress("Make the change")])
    state = absorb(state, [plan_generated("Only step")])
    assert (state.plan, state.plan_done) == (("Only step",), 0)


def test_absorb__keeps_the_marker_small() -> None:
    titles = [f"step {i} " + "x" * 500 for i in range(50)]
    message = "y" * 10_000
    state = absorb(
        TrackingState("r", 1),
        [plan_generated(*titles), activity(agentMessaged={"agentMessage": message})],
    )
    assert len(state.plan) == MAX_STEPS
    assert all(len(step) <= 160 for step in state.plan)
    assert len(state.report) == MAX_REPORT_CHARS
