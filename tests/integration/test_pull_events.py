"""The PR link by event: Jules opens its pull request, GitHub runs the action, the story ends.

Whole runs with the simulator over HTTP and the in-memory GitHub: the issue is handed off
(``wait-minutes: 0``), the simulated session opens its PR in the stand-in, and the
``pull_request`` event built from that PR (a real ``pull_request.opened`` payload) runs the
action. Other PRs, including ones that name a session they are not, change nothing.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from jules_action.tracking import Status
from jules_action_dev.standin.state import branch_sha
from tests.integration.test_orchestrator import labeled
from tests.world import LinkedClock, World, load_payload, make_world


@pytest.fixture
def world() -> Iterator[World]:
    w = make_world(LinkedClock())
    w.github_state.create_issue(title="Spelling error", body="two t's", author="Codertocat")
    with w.simulator:
        yield w
    w.assert_no_secrets()


def pull_event(world: World, number: int, *, action: str = "opened") -> dict[str, Any]:
    """The ``pull_request`` payload GitHub sends for PR ``number`` as the stand-in has it."""
    pull = world.github.get_pull(number)
    payload = copy.deepcopy(load_payload("pull_request.opened"))
    payload["action"] = action
    payload["number"] = number
    payload["pull_request"].update(
        number=number, html_url=pull.html_url, title=pull.title, body=pull.body
    )
    payload["pull_request"]["head"].update(ref=pull.head_ref, sha=branch_sha(pull.head_ref))
    payload["pull_request"]["base"]["ref"] = pull.base_ref
    return payload


def jules_pr(world: World) -> int:
    """Hand the issue off, let the session run until Jules opens its PR; the PR's number."""
    outcome = world.run("issues", labeled(), wait_minutes="0")
    assert outcome.outcome == "handed-off"
    world.clock.advance(25 * 60)
    assert world.simulator.sessions  # the simulator catches up: the PR is opened now
    [pull] = world.github_state.list_pulls(state="open", sort="created", direction="desc")
    return pull.number


def test_pull_request_event__links_the_pr_and_ends_the_request(world: World) -> None:
    number = jules_pr(world)
    before = len(world.simulator.requests)
    outcome = world.run("pull_request", pull_event(world, number))

    assert (outcome.outcome, outcome.exit_code) == ("pr-opened", 0)
    assert outcome.pr_url.endswith(f"/pull/{number}")
    jules_calls = world.simulator.requests[before:]
    assert [(r.method, r.operation) for r in jules_calls] == [("GET", "sessions.get")]
    [state] = world.tracking(1)
    assert state.status is Status.PR_OPENED
    assert f"/pull/{number}" in world.comment_bodies(1)[0]
    assert [label.name for label in world.github_state.get_issue(1).labels] == []
    assert "Closes #1" in world.github_state.get_pull(number).body
    [status] = world.github_state.statuses(branch_sha(world.github.get_pull(number).head_ref))
    assert (status.context, status.state) == ("Jules session", "success")
    assert status.target_url == state.session_url
    assert "for #1" in status.description


def test_pull_request_event__a_second_delivery_changes_nothing(world: World) -> None:
    number = jules_pr(world)
    world.run("pull_request", pull_event(world, number))
    bodies = world.comment_bodies(1)
    again = world.run("pull_request", pull_event(world, number, action="reopened"))
    assert again.outcome == "skipped"
    assert "no open request" in again.message
    assert world.comment_bodies(1) == bodies


def test_pull_request_event__a_human_pr_costs_no_jules_request_and_no_write(
    world: World,
) -> None:
    human = world.github_state.create_pull(title="Docs", head_ref="hotfix-20241231", body="x")
    before = len(world.simulator.requests)
    outcome = world.run("pull_request", pull_event(world, human.number))
    assert outcome.outcome == "skipped"
    assert "names no Jules session" in outcome.message
    assert world.simulator.requests[before:] == ()
    assert world.comment_bodies(1) == []
    assert world.github_state.statuses(branch_sha("hotfix-20241231")) == []


def test_pull_request_event__a_pr_naming_someone_elses_session_is_not_linked(
    world: World,
) -> None:
    """A stranger's PR whose body and branch name our session: Jules does not list it."""
    outcome = world.run("issues", labeled(), wait_minutes="0")
    session = outcome.session_id
    fake = world.github_state.create_pull(
        title="Totally Jules",
        head_ref=f"fix-{session}",
        body=f"Made by https://jules.google.com/session/{session}",
        author="mallory",
    )
    outcome = world.run("pull_request", pull_event(world, fake.number))
    assert outcome.outcome == "skipped"
    assert "lists pull request" in outcome.message
    [state] = world.tracking(1)
    assert state.status is Status.RUNNING
    assert "Closes #1" not in world.github_state.get_pull(fake.number).body
    assert world.github_state.statuses(branch_sha(f"fix-{session}")) == []


def test_pull_request_event__other_actions_are_skipped_without_any_request(world: World) -> None:
    human = world.github_state.create_pull(title="Docs", head_ref="docs", body="")
    before = len(world.simulator.requests)
    outcome = world.run("pull_request", pull_event(world, human.number, action="synchronize"))
    assert outcome.outcome == "skipped"
    assert world.simulator.requests[before:] == ()


def test_in_job_link__also_sets_the_session_status_on_the_pr(world: World) -> None:
    outcome = world.run("issues", labeled())
    assert outcome.outcome == "pr-opened"
    number = int(outcome.pr_url.rsplit("/", 1)[1])
    [status] = world.github_state.statuses(branch_sha(world.github.get_pull(number).head_ref))
    assert status.context == "Jules session"
    assert status.state in {"success", "pending"}
