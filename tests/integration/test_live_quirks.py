"""Whole runs against behaviours the live Jules API shows (docs/JULES-API-CONFIRMED.md).

- A session created with plan approval may read COMPLETED, with no outputs, while its plan
  waits: the plan is posted, `/jules approve` approves it, and the work ends in a PR.
- PAUSED (paused in the web app) needs a person: it is reported and the job stops waiting;
  a `/jules` reply goes to the session and work resumes.
- An archived session is hidden from `sessions.list` by default: the lookup by tag still
  finds it, so a lost create answer never becomes a second session.
- FAILED_PRECONDITION on create names its one documented cause.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from jules_action.events import parse_event
from jules_action.orchestrator import run
from jules_action.tracking import Status
from tests.integration.test_orchestrator import labeled
from tests.world import LinkedClock, World, load_payload, make_world


@pytest.fixture
def world() -> Iterator[World]:
    w = make_world(LinkedClock())
    w.github_state.create_issue(title="Spelling error", body="two t's", author="Codertocat")
    with w.simulator:
        yield w
    w.assert_no_secrets()


def reply(world: World, text: str) -> dict[str, Any]:
    record = world.github_state.add_comment(1, f"/jules {text}", author="Codertocat")
    payload = copy.deepcopy(load_payload("issue_comment.created"))
    payload["comment"].update(
        id=record.id,
        body=record.body,
        created_at=record.created_at.isoformat(),
        updated_at=record.updated_at.isoformat(),
    )
    return payload


def test_plan_waiting_behind_completed__is_posted_approved_and_ends_in_a_pr(
    world: World,
) -> None:
    first = world.run(
        "issues",
        labeled(),
        prompt="[jules-sim:plan-approval-inactive]",
        require_plan_approval="true",
        wait_minutes="30",
    )
    assert first.outcome == "needs-input"
    [state] = world.tracking(1)
    assert state.status is Status.NEEDS_INPUT
    assert state.state == "COMPLETED"
    body = world.comment_bodies(1)[0]
    assert "approve" in body
    nudges = [r for r in world.simulator.requests if r.path.endswith(":sendMessage")]
    assert nudges == [], "a waiting plan is not a session that forgot its PR"

    second = world.run("issue_comment", reply(world, "approve"), wait_minutes="30")
    approvals = [r for r in world.simulator.requests if r.path.endswith(":approvePlan")]
    assert len(approvals) == 1
    assert second.outcome == "pr-opened"
    assert world.sessions_created() == 1


def test_paused__is_reported_as_needing_a_person_and_a_reply_resumes_it(world: World) -> None:
    started = world.clock.monotonic()
    first = world.run("issues", labeled(), prompt="[jules-sim:paused]", wait_minutes="60")
    assert first.outcome == "needs-input"
    assert world.clock.monotonic() - started < 30 * 60, "stopped waiting at PAUSED"
    body = world.comment_bodies(1)[0]
    assert "paused" in body.lower()
    second = world.run("issue_comment", reply(world, "please carry on"), wait_minutes="60")
    assert second.outcome == "pr-opened"
    assert world.sessions_created() == 1


class LoseTheCreateAnswer(httpx.BaseTransport):
    """Jules creates the session, then the answer is lost; someone archives the session."""

    def __init__(self, world: World) -> None:
        self._inner = httpx.HTTPTransport()
        self._world = world

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        if request.method == "POST" and request.url.path.endswith("/sessions"):
            response.read()
            session_id = json.loads(response.content)["id"]
            archive = httpx.Request(
                "POST",
                f"{self._world.simulator.base_url}/sessions/{session_id}:archive",
                headers={"X-Goog-Api-Key": request.headers["X-Goog-Api-Key"]},
                json={},
            )
            self._inner.handle_request(archive).read()
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return response

    def close(self) -> None:
        self._inner.close()


def test_archived_session__is_found_by_its_tag_after_a_lost_create_answer(world: World) -> None:
    ports, http = world.runtime(transport=LoseTheCreateAnswer(world), wait_minutes="0")
    with http:
        outcome = run(ports, parse_event("issues", json.dumps(labeled()).encode()))
    assert outcome.outcome == "handed-off"
    assert world.sessions_created() == 1
    lists = [r for r in world.simulator.requests if r.operation == "sessions.list"]
    assert any("archived" in str(r.query) for r in lists)
    [state] = world.tracking(1)
    assert state.session_id, "the archived session was found and recorded"


def test_failed_precondition__names_its_documented_cause(world: World) -> None:
    outcome = world.run("issues", labeled(), prompt="[jules-sim:precondition-failed]")
    assert (outcome.outcome, outcome.exit_code) == ("error", 1)
    assert "requirePlanApproval" in outcome.message or "automation" in outcome.message
    [state] = world.tracking(1)
    assert state.status is Status.ERROR
    assert world.sessions_created() == 0
