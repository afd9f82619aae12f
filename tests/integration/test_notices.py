"""Notices in whole runs: the requester is @mentioned when Jules needs them and when it ends.

Exactly once, whatever happens to the post: an answer lost after GitHub stored it, a refusal,
a job killed between posting and recording, a re-run, a reconcile pass, racing runs (the fleet
tests). The tracking comment stays the one record; the notice is a short new comment.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any, cast

import pytest

from jules_action.errors import GitHubError
from jules_action.events import parse_event
from jules_action.github_failures import failure_for
from jules_action.github_port import CommentRecord, GitHubPort
from jules_action.notices import NOTICE_PREFIX, marker
from jules_action.orchestrator import run
from jules_action.outcome import Outcome
from jules_action.tracker import OPEN_LABEL
from jules_action.tracking import MarkerCodec, Status
from tests.world import API_KEY, LinkedClock, World, load_payload, make_world


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


def comment(world: World, body: str) -> dict[str, Any]:
    record = world.github_state.add_comment(1, body, author="Codertocat")
    payload = copy.deepcopy(load_payload("issue_comment.created"))
    payload["comment"].update(
        id=record.id,
        body=body,
        created_at=record.created_at.isoformat(),
        updated_at=record.updated_at.isoformat(),
    )
    return payload


class Killed(BaseException):
    """The runner went away: nothing in the action catches it."""


class NoticeFault:
    """The in-memory GitHub, with ``fault`` applied to the first ``times`` notice posts."""

    def __init__(self, world: World, fault: str, *, times: int = 1) -> None:
        self._inner = world.github
        self.fault = fault
        self.left = times

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def create_issue_comment(self, number: int, body: str) -> CommentRecord:
        if NOTICE_PREFIX not in body or self.left == 0:
            return self._inner.create_issue_comment(number, body)
        self.left -= 1
        if self.fault == "refused":
            raise failure_for("create_issue_comment", status=502, github_message="Bad Gateway")
        self._inner.create_issue_comment(number, body)  # GitHub stored it
        if self.fault == "killed-after":
            raise Killed
        raise GitHubError("GitHub's answer for create_issue_comment could not be read.")


def run_with(
    world: World, github: object, event: str, payload: dict[str, Any], **inputs: str
) -> Outcome:
    """One job run whose GitHub is ``github``."""
    ports, http = world.runtime(github=cast(GitHubPort, github), **inputs)
    try:
        with http:
            return run(ports, parse_event(event, json.dumps(payload).encode()))
    finally:
        world.summaries.append(ports.report.lines)


def labels(world: World) -> list[str]:
    return [label.name for label in world.github_state.get_issue(1).labels]


def test_notice__pr_opened_mentions_the_requester_once(world: World) -> None:
    world.run("issues", labeled())
    [notice] = world.notice_bodies(1)
    assert notice.startswith("@Codertocat ✅ Jules opened [#2](")
    assert "/Codertocat/Hello-World/issues/1#issuecomment-" in notice, "links the record"
    [state] = world.tracking(1)
    assert state.notified == "end"
    [record] = world.tracking_bodies(1)
    assert "@Codertocat" not in record.replace("`@Codertocat`", ""), "the record mentions nobody"


def test_notice__question_then_pr_tells_the_requester_each_time(world: World) -> None:
    world.run("issues", labeled(), prompt="[jules-sim:user-feedback]")
    [question] = world.notice_bodies(1)
    assert question.startswith("@Codertocat ❓ Jules has a question:")
    assert "> Should the change keep backwards compatibility" in question
    assert "`/jules <your answer>`" in question
    world.run("issue_comment", comment(world, "/jules Yes, keep it compatible."))
    first, end = world.notice_bodies(1)
    assert first == question
    assert end.startswith("@Codertocat ✅ Jules opened")
    # A later run or reconcile pass over the same states tells nobody again.
    world.run("issues", labeled())
    world.reconcile()
    assert len(world.notice_bodies(1)) == 2


def test_notice__plan_waiting_for_approval(world: World) -> None:
    world.run("issues", labeled(), require_plan_approval="true")
    [notice] = world.notice_bodies(1)
    assert notice.startswith("@Codertocat ✋ Jules has a plan (4 steps) and waits for approval")
    assert "`/jules approve`" in notice
    world.run("issue_comment", comment(world, "/jules approve"))
    assert len(world.notice_bodies(1)) == 2


def test_notice__paused_session(world: World) -> None:
    world.run("issues", labeled(), prompt="[jules-sim:paused]")
    [notice] = world.notice_bodies(1)
    assert notice.startswith("@Codertocat ⏸️ The Jules session is paused in the Jules web app.")


def test_notice__hand_off_then_reconcile_tells_once(world: World) -> None:
    world.run("issues", labeled(), wait_minutes="0")
    assert world.notice_bodies(1) == []
    world.clock.advance(30 * 60)
    world.reconcile()
    world.reconcile()
    [notice] = world.notice_bodies(1)
    assert notice.startswith("@Codertocat ✅ Jules opened")
    assert labels(world) == []


def test_notice__answer_lost_after_github_stored_it_is_not_posted_again(world: World) -> None:
    github = NoticeFault(world, "applied-then-lost")
    outcome = run_with(world, github, "issues", labeled())
    assert outcome.outcome == "pr-opened"
    assert len(world.notice_bodies(1)) == 1
    [state] = world.tracking(1)
    assert state.notified == "end"
    assert labels(world) == []
    world.reconcile()
    assert len(world.notice_bodies(1)) == 1


def test_notice__refused_post_is_owed_and_the_reconciler_posts_it(world: World) -> None:
    github = NoticeFault(world, "refused", times=4)  # more than the retries of one call
    outcome = run_with(world, github, "issues", labeled())
    assert outcome.outcome == "pr-opened"
    assert world.notice_bodies(1) == []
    [state] = world.tracking(1)
    assert (state.status, state.notified) == (Status.PR_OPENED, "")
    assert labels(world) == [OPEN_LABEL], "kept, so the reconciler comes back"
    world.reconcile()
    assert len(world.notice_bodies(1)) == 1
    assert world.tracking(1)[0].notified == "end"
    assert labels(world) == []


def test_notice__killed_between_posting_and_recording_then_rerun(world: World) -> None:
    github = NoticeFault(world, "killed-after")
    payload = labeled()
    with pytest.raises(Killed):
        run_with(world, github, "issues", payload, run_id="500", run_attempt="1")
    assert len(world.notice_bodies(1)) == 1
    assert world.tracking(1)[0].notified == ""
    rerun = run_with(world, world.github, "issues", payload, run_id="500", run_attempt="2")
    assert rerun.outcome == "pr-opened"
    assert len(world.notice_bodies(1)) == 1, "the re-run finds the notice, and only records it"
    assert world.tracking(1)[0].notified == "end"
    assert labels(world) == []


def test_notice__unreadable_thread_means_no_blind_post(world: World) -> None:
    """Whether an earlier post landed cannot be known without the thread: wait, don't guess."""

    class Blind(NoticeFault):
        """The thread cannot be read once the request has ended (the notice's look)."""

        def list_issue_comments(self, number: int) -> Any:
            ended = any(not s.status.is_open for s in world.tracking(1))
            if ended and self.left:
                self.left -= 1
                raise failure_for("list_issue_comments", status=404, github_message="Not Found")
            return self._inner.list_issue_comments(number)

    outcome = run_with(world, Blind(world, "", times=1), "issues", labeled())
    assert outcome.outcome == "pr-opened"
    assert world.notice_bodies(1) == []
    assert labels(world) == [OPEN_LABEL]
    assert any("not posting it blind" in line for line in world_summary(world, outcome))
    world.reconcile()
    assert len(world.notice_bodies(1)) == 1
    assert labels(world) == []


def world_summary(world: World, outcome: Outcome) -> list[str]:
    return [line for lines in world.summaries for line in lines] + [outcome.message]


def test_notice__a_bot_requester_is_not_mentioned(world: World) -> None:
    world.github_state.set_role("renovate[bot]", "write")
    payload = labeled()
    payload["sender"]["login"] = "renovate[bot]"
    payload["sender"]["type"] = "Bot"
    world.run("issues", payload, allowed_bots="renovate[bot]")
    [notice] = world.notice_bodies(1)
    assert notice.startswith("✅ Jules opened")
    assert "@" not in notice.split("<!--")[0]


def test_notice__a_copy_by_someone_else_does_not_suppress_it(world: World) -> None:
    """Someone who pastes our notice's marker cannot keep the requester from being told."""
    world.run("issues", labeled(), wait_minutes="0")
    [state] = world.tracking(1)
    world.github_state.add_comment(1, marker(MarkerCodec(API_KEY), state, "end"), author="mallory")
    world.clock.advance(30 * 60)
    world.reconcile()
    assert len(world.notice_bodies(1)) == 2  # mallory's copy and ours
    assert world.github_state.list_comments(1)[-1].user.login == world.github_state.actor


def test_review_request__the_requester_is_asked_to_review_jules_pr(world: World) -> None:
    world.github_state.set_role("maintainer", "write")
    payload = labeled()
    payload["sender"]["login"] = "maintainer"
    outcome = world.run("issues", payload, request_review="true")
    assert outcome.outcome == "pr-opened"
    pull = world.github_state.get_issue(2).pull
    assert pull is not None
    assert pull.requested_reviewers == ["maintainer"]
    assert world.notice_bodies(1)[0].startswith("@maintainer ✅ Jules opened")


def test_review_request__not_the_prs_own_author_and_off_by_default(world: World) -> None:
    """Jules's PRs are authored by the account's user: GitHub refuses that review request."""
    world.run("issues", labeled(), request_review="true")  # Codertocat owns the Jules account
    world.run("issue_comment", comment(world, "/jules now the CONTRIBUTING file too"))
    for number in (2, 3):
        pull = world.github_state.get_issue(number).pull
        assert pull is not None
        assert pull.requested_reviewers == []
    assert not any("review" in line for lines in world.summaries for line in lines)
