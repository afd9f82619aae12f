"""Fewer GitHub writes: back-to-back tracking-comment edits are one edit, and a run link alone
is no edit; what must be on the issue before a wait still is (bench/github_writes.py measures
the same runs through PyGithub)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import pytest

from jules_action.events import parse_event
from jules_action.github_port import GitHubPort
from jules_action.orchestrator import run
from jules_action.reconcile import reconcile
from jules_action.tracking import MarkerCodec, TrackingState
from tests.world import API_KEY, LinkedClock, World, load_payload, make_world


@dataclass
class Write:
    operation: str
    sleeps: int  # how many waits the run had made before this write
    state: TrackingState | None  # the tracking state an edit wrote


@dataclass
class Recording:
    """The in-memory GitHub, recording every write (and, for edits, the state written)."""

    inner: GitHubPort
    clock: LinkedClock
    writes: list[Write] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)
        if name.startswith(("get_", "list_")):
            return method

        def call(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            state = MarkerCodec(API_KEY).decode(args[1]) if name == "edit_issue_comment" else None
            self.writes.append(Write(name, len(self.clock.sleeps), state))
            return result

        return call

    def edits(self) -> list[TrackingState]:
        return [w.state for w in self.writes if w.state is not None]


@pytest.fixture
def world() -> Iterator[World]:
    w = make_world(LinkedClock())
    w.github_state.create_issue(title="Typo", body="two t's", author="Codertocat")
    with w.simulator:
        yield w


def job(world: World, *, reconciling: bool = False, **inputs: str) -> Recording:
    recording = Recording(world.github, world.clock)
    mode = {"mode": "reconcile"} if reconciling else {}
    ports, http = world.runtime(github=cast(GitHubPort, recording), **mode, **inputs)
    with http:
        if reconciling:
            reconcile(ports)
        else:
            payload = copy.deepcopy(load_payload("issues.labeled"))
            payload["label"]["name"] = "jules-task"
            run(ports, parse_event("issues", json.dumps(payload).encode()))
    return recording


def test_hand_off__one_edit_records_the_session_and_the_hand_off(world: World) -> None:
    handed = job(world, wait_minutes="0")

    assert [w.operation for w in handed.writes] == [
        "add_issue_reaction",
        "create_issue_comment",
        "add_label",
        "edit_issue_comment",
    ]
    [edit] = handed.edits()
    assert edit.session_id
    assert edit.handed_off


def test_reconcile__a_look_that_finds_nothing_new_writes_nothing(world: World) -> None:
    job(world, wait_minutes="0")
    world.clock.advance(5 * 60)
    job(world, reconciling=True)  # sees IN_PROGRESS: written
    world.clock.advance(60)

    quiet = job(world, reconciling=True)

    assert quiet.writes == [], "only the run link changed: no edit for it"


def test_reconcile__finishing_edits_the_comment_with_the_link_first(world: World) -> None:
    job(world, wait_minutes="0")
    world.clock.advance(25 * 60)

    finished = job(world, reconciling=True)

    first = finished.edits()[0]
    assert first.pr_url, "no edit for the run link alone before the result"
    assert first.run_url, "the run link goes with the result"


def test_in_job__the_session_is_on_the_issue_before_the_first_wait(world: World) -> None:
    waited = job(world, wait_minutes="30")

    recorded = [w for w in waited.writes if w.state is not None and w.state.session_id]
    assert recorded[0].sleeps == 0, "the session id is written before the job first waits"
    last = recorded[-1].state
    assert last is not None
    assert last.pr_url
    edits = waited.edits()
    # A state change seen on the look that ends the wait is no edit of its own.
    assert not any(e.state == "COMPLETED" and not e.pr_url for e in edits)
    # Every other change seen while waiting is on the issue before the next wait.
    seen = [e.state for e in edits if e.session_id and not e.pr_url]
    assert seen[0] == "QUEUED"
    assert "IN_PROGRESS" in seen
