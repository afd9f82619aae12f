"""The tracking comment while Jules works: the plan ticks as progress arrives, in whole runs."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

import pytest

from jules_action_dev.standin.state import ChangeEvent
from tests.world import LinkedClock, World, load_payload, make_world


@pytest.fixture
def world() -> Iterator[World]:
    w = make_world(LinkedClock())
    w.github_state.create_issue(title="Spelling error", body="two t's", author="Codertocat")
    with w.simulator:
        yield w


def labeled() -> dict[str, Any]:
    payload = copy.deepcopy(load_payload("issues.labeled"))
    payload["label"]["name"] = "jules-task"
    return payload


def record_edits(world: World) -> list[str]:
    bodies: list[str] = []

    def seen(event: ChangeEvent) -> None:
        if (
            event.kind in ("comment.created", "comment.edited")
            and "jules-action:v2" in event.summary
        ):
            bodies.append(event.summary)

    world.github_state.add_observer(seen)
    return bodies


def test_progress__the_checklist_ticks_while_jules_works(world: World) -> None:
    bodies = record_edits(world)
    outcome = world.run("issues", labeled())
    assert outcome.outcome == "pr-opened"
    done = [int(m.group(1)) for b in bodies if (m := re.search(r"\*\*Plan\*\* \((\d) of 4", b))]
    assert done == sorted(done), "ticks only move forward"
    assert done[0] < done[-1] == 4
    assert len(set(done)) >= 3, f"the checklist advanced step by step: {done}"
    assert any("**Latest:** Implementing the change" in b for b in bodies)
    final = bodies[-1]
    assert "<details><summary>The pull request's description</summary>" in final


def test_progress__a_stalled_session_shows_where_it_is(world: World) -> None:
    payload = labeled()
    payload["issue"]["updated_at"] = world.clock.now().isoformat()  # labelled now
    outcome = world.run("issues", payload, prompt="[jules-sim:stuck]", wait_minutes="15")
    assert outcome.outcome == "timed-out"
    [body] = world.tracking_bodies(1)
    assert body.startswith("**⚙️ Jules is working on this** · 15 min so far · [Jules session](")
    assert "**Plan** (1 of 4 done)\n- [x] Explore the repository\n" in body
    assert "- [ ] Make the change ← *in progress*" in body
    assert "**Latest:** Implementing the change: Editing the code for the task." in body
    assert "IN_PROGRESS" not in body.rsplit("\n", 1)[0], "no raw enum"


def test_progress__jules_queue_is_not_our_quota_queue(world: World) -> None:
    bodies = record_edits(world)
    world.run("issues", labeled())
    starting = [b for b in bodies if b.startswith("**⏳ Jules is starting the session**")]
    assert starting, "Jules's own QUEUED state, in words"
    assert not any("task limit" in b or "slot" in b for b in bodies)
