"""Whole runs for the lifecycle rules the fault matrix does not reach by single faults.

Each test is a way the promise "one request, one session, and the story always ends on the
issue" broke before the redesign, as a user meets it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from jules_action.events import parse_event
from jules_action.orchestrator import run
from jules_action.tracking import MarkerCodec, Status, TrackingState, render
from tests.integration.test_live_quirks import reply
from tests.integration.test_orchestrator import labeled
from tests.world import API_KEY, LinkedClock, World, make_world


@pytest.fixture
def world() -> Iterator[World]:
    w = make_world(LinkedClock(), daily_session_limit=3)
    w.github_state.create_issue(title="Spelling error", body="two t's", author="Codertocat")
    with w.simulator:
        yield w
    w.assert_no_secrets()


class Gone(httpx.BaseTransport):
    """The session was deleted in the Jules web app: every GET of it answers 404."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and "/sessions/" in request.url.path:
            body = {"error": {"code": 404, "message": "not found", "status": "NOT_FOUND"}}
            return httpx.Response(404, json=body)
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


def use_quota(world: World) -> None:
    """Someone else's task, created on the same account."""
    other = {
        "prompt": "another task",
        "sourceContext": {
            "source": "sources/github/Codertocat/Hello-World",
            "githubRepoContext": {"startingBranch": "master"},
        },
    }
    headers = {"X-Goog-Api-Key": API_KEY}
    used = httpx.post(f"{world.simulator.base_url}/sessions", json=other, headers=headers)
    assert used.status_code == 200, used.text


def reconcile_with(world: World, transport: httpx.BaseTransport, **inputs: str) -> Any:
    from jules_action.reconcile import reconcile

    ports, http = world.runtime(transport=transport, mode="reconcile", **inputs)
    with http:
        return reconcile(ports)


def test_deleted_session__ends_its_request_and_frees_the_slot(world: World) -> None:
    world.run("issues", labeled(), wait_minutes="0")
    world.clock.advance(600)
    outcome = reconcile_with(world, Gone())
    assert "1 finished" in outcome.message
    [state] = world.tracking(1)
    assert state.status is Status.ERROR
    assert "no longer exists" in state.detail
    assert [label.name for label in world.github_state.get_issue(1).labels] == []


def test_more_instructions_for_a_queued_request_join_its_prompt(world: World) -> None:
    # Fill today's quota so the request is queued.
    for _ in range(3):
        use_quota(world)
    queued = world.run("issues", labeled(), wait_minutes="0")
    assert queued.outcome == "queued"
    amended = world.run("issue_comment", reply(world, "also fix the changelog"))
    assert "Added to the request" in amended.message
    world.clock.advance(24 * 3600)
    world.reconcile()
    [create] = [
        r for r in world.simulator.requests if r.operation == "sessions.create" and r.status == 200
    ][-1:]
    assert "also fix the changelog" in create.body["prompt"]
    assert world.tracking(1)[0].status is Status.RUNNING


def test_approve_with_nothing_to_approve_starts_nothing(world: World) -> None:
    outcome = world.run("issue_comment", reply(world, "approve"))
    assert outcome.outcome == "skipped"
    assert world.sessions_created() == 0
    assert any("no plan waiting for approval" in b for b in world.comment_bodies(1))


class RefuseFirstCreate(httpx.BaseTransport):
    """One 429 on the first create (a burst limit), without Retry-After; then Jules again."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()
        self.refused = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/sessions") and not self.refused:
            self.refused += 1
            body = {"error": {"code": 429, "message": "slow down", "status": "RESOURCE_EXHAUSTED"}}
            return httpx.Response(429, json=body)
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


def test_a_transient_429_on_create_is_retried_before_queueing(world: World) -> None:
    transport = RefuseFirstCreate()
    ports, http = world.runtime(transport=transport)
    with http:
        outcome = run(ports, parse_event("issues", json.dumps(labeled()).encode()))
    assert transport.refused == 1
    assert outcome.outcome == "pr-opened"
    assert world.sessions_created() == 1


def test_a_rerun_after_two_racing_runs_reports_the_duplicate(world: World) -> None:
    """The losing run's claim is a duplicate; re-running that run must not crash."""
    codec = MarkerCodec(API_KEY)
    key = "label:1:jules-task:2019-05-15T15:20:18+00:00"
    winner = TrackingState(request=key, issue=1, status=Status.RUNNING, session_id="1" * 19)
    loser = TrackingState(request=key, issue=1, status=Status.DUPLICATE, detail="comment 1")
    world.github_state.add_comment(1, render(winner, codec))
    world.github_state.add_comment(1, render(loser, codec))
    payload = labeled()
    payload["issue"]["updated_at"] = "2019-05-15T15:20:18+00:00"
    ports, http = world.runtime(wait_minutes="0")
    with http:
        outcome = run(ports, parse_event("issues", json.dumps(payload).encode()))
    assert outcome.exit_code == 0
    assert world.sessions_created() == 0
