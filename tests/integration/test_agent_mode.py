"""Whole runs of agent mode (any event with a ``prompt``), ``prompt-file`` and ``/jules`` in a
pull-request review comment, from the real webhook payloads in ``tests/payloads/github``."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.faults.harness import _read_outputs as read_outputs
from tests.integration.test_cli import Run
from tests.world import LinkedClock, World, load_payload, make_world


@pytest.fixture
def world() -> Iterator[World]:
    w = make_world(LinkedClock())
    w.github_state.create_issue(title="Spelling error", body="two t's", author="Codertocat")
    with w.simulator:
        yield w


def created(world: World) -> dict[str, Any]:
    [body] = [r.body for r in world.simulator.requests if r.method == "POST" and r.status == 200]
    return body


def started_from(world: World) -> str:
    branch: str = created(world)["sourceContext"]["githubRepoContext"]["startingBranch"]
    return branch


def test_workflow_run__a_failed_ci_run_becomes_a_fix_from_its_branch(world: World) -> None:
    payload = load_payload("workflow_run.completed.failure")
    payload["workflow_run"]["head_branch"] = "feature/flaky"
    outcome = world.run("workflow_run", payload, prompt="Fix the failing CI run.")
    assert outcome.outcome == "pr-opened"
    assert started_from(world) == "feature/flaky"
    prompt = created(world)["prompt"]
    assert "## Task\n\nFix the failing CI run." in prompt
    assert "Workflow: test" in prompt
    assert "Conclusion: failure" in prompt
    assert "Run: https://github.com/octo-org/octo-repo/actions/runs/289782451" in prompt
    assert world.comment_bodies(1) == [], "no issue: nothing is posted"


def test_workflow_run__an_upstream_run_by_someone_who_may_not_is_refused(world: World) -> None:
    """A fork's PR author cannot get a Jules session by making CI fail (secrets are there)."""
    payload = load_payload("workflow_run.completed.failure")
    payload["workflow_run"]["actor"]["login"] = "mallory"
    world.github_state.set_role("mallory", "read")
    outcome = world.run("workflow_run", payload, prompt="Fix the failing CI run.")
    assert outcome.outcome == "skipped"
    assert "the upstream run: @mallory has the read role" in outcome.message
    assert world.sessions_created() == 0


def test_workflow_run__starting_branch_input_wins(world: World) -> None:
    payload = load_payload("workflow_run.completed.failure")
    world.run("workflow_run", payload, prompt="Fix it.", starting_branch="release")
    assert started_from(world) == "release"


def test_push__starts_from_the_pushed_branch(world: World) -> None:
    payload = load_payload("push")
    payload["ref"] = "refs/heads/docs"
    outcome = world.run("push", payload, prompt="Update the changelog for what was pushed.")
    assert outcome.outcome == "pr-opened"
    assert started_from(world) == "docs"
    assert "Head commit message: Initial commit" in created(world)["prompt"]


def test_pull_request__with_a_prompt_starts_from_the_prs_head(world: World) -> None:
    payload = load_payload("pull_request.opened")
    outcome = world.run("pull_request", payload, prompt="Review the PR and add missing tests.")
    assert outcome.outcome == "pr-opened"
    assert started_from(world) == payload["pull_request"]["head"]["ref"]


def test_any_event__without_a_prompt_is_skipped_with_the_way_to_use_it(world: World) -> None:
    outcome = world.run("push", load_payload("push"))
    assert outcome.outcome == "skipped"
    assert "`prompt`" in outcome.message
    assert world.simulator.requests == ()


def review_comment(world: World, body: str) -> dict[str, Any]:
    payload = copy.deepcopy(load_payload("pull_request_review_comment.created"))
    payload["comment"]["body"] = body
    return payload


def test_review_comment__jules_on_a_line_of_a_diff_works_like_on_the_pr(world: World) -> None:
    world.github_state.create_pull(title="Update README", head_ref="changes", base_ref="develop")
    payload = review_comment(world, "/jules use a bulleted list here")
    outcome = world.run("pull_request_review_comment", payload)
    assert outcome.outcome == "pr-opened"
    assert started_from(world) == "develop", "like a comment on the PR: from its base"
    prompt = created(world)["prompt"]
    assert "About `README.md`, line 265 of the diff" in prompt
    assert "use a bulleted list here" in prompt
    # The tracking comment and the notice are on the PR's conversation.
    tracking, notice = world.comment_bodies(2)
    assert tracking.startswith("**✅ Jules opened a pull request**")
    assert notice.startswith("@Codertocat ✅ Jules opened")
    pull = world.github_state.get_issue(2)
    assert [r.content for r in pull.reactions] == ["eyes"], "the 👀 goes on the PR"


def test_review_comment__on_jules_own_pr_reaches_its_session(world: World) -> None:
    first = world.run("issues", {**load_payload("issues.labeled"), "label": {"name": "jules-task"}})
    payload = review_comment(world, "/jules rename this variable")
    outcome = world.run("pull_request_review_comment", payload)
    assert outcome.outcome == "handed-off"
    assert outcome.session_id == first.session_id
    sent = [r.body["prompt"] for r in world.simulator.requests if r.path.endswith(":sendMessage")]
    assert sent == [
        "About `README.md`, line 265 of the diff (a review comment on the pull request):\n"
        "rename this variable"
    ]


def test_review_comment__redelivered_is_handled_once(world: World) -> None:
    world.github_state.create_pull(title="Update README", head_ref="changes")
    payload = review_comment(world, "/jules tidy this")
    world.run("pull_request_review_comment", payload)
    again = world.run("pull_request_review_comment", payload)
    assert again.outcome == "pr-opened"
    assert world.sessions_created() == 1


# --- prompt-file, through the composition root ------------------------------------------------


@pytest.fixture
def action(world: World, tmp_path: Path) -> Run:
    return Run(world, tmp_path)


def run_with_prompt_file(action: Run, tmp_path: Path, name: str, **inputs: str) -> int:
    env = action.env("workflow_run", load_payload("workflow_run.completed.failure"), **inputs)
    env["INPUT_PROMPT-FILE"] = name
    env["GITHUB_WORKSPACE"] = str(tmp_path / "workspace")
    return action(env)


def test_prompt_file__is_read_at_run_time(action: Run, world: World, tmp_path: Path) -> None:
    task = tmp_path / "workspace" / ".github" / "jules" / "fix-ci.md"
    task.parent.mkdir(parents=True)
    task.write_text("Fix the failing CI run.\n\nKeep the change small.\n", encoding="utf-8")
    assert run_with_prompt_file(action, tmp_path, ".github/jules/fix-ci.md") == 0
    assert read_outputs((action.tmp / "output").read_text())["outcome"] == "pr-opened"
    assert (
        "## Task\n\nFix the failing CI run.\n\nKeep the change small." in created(world)["prompt"]
    )


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("missing.md", None, "The prompt-file missing.md does not exist in the workspace"),
        ("../outside.md", "x", "points outside the workspace"),
        ("big.md", "x" * (64 * 1024 + 1), "is larger than 64 KiB"),
        ("empty.md", "  \n", "is empty, so there is no task"),
    ],
)
def test_prompt_file__problems_are_one_clear_error(
    action: Run, world: World, tmp_path: Path, name: str, content: str | None, expected: str
) -> None:
    (tmp_path / "workspace").mkdir()
    if content is not None:
        (tmp_path / "workspace" / name).write_text(content, encoding="utf-8")
    assert run_with_prompt_file(action, tmp_path, name) == 1
    [error] = [line for line in action.stdout.getvalue().splitlines() if line.startswith("::error")]
    assert error.startswith("::error title=Jules cannot run::")
    assert expected in error
    assert world.simulator.requests == ()


def test_prompt_file__and_prompt_together_are_refused(
    action: Run, world: World, tmp_path: Path
) -> None:
    (tmp_path / "workspace").mkdir()
    (tmp_path / "workspace" / "task.md").write_text("Do it.", encoding="utf-8")
    assert run_with_prompt_file(action, tmp_path, "task.md", prompt="Also this.") == 1
    assert "Both the prompt and the prompt-file inputs are set" in action.stdout.getvalue()
    assert json.loads(read_outputs((action.tmp / "output").read_text())["result"]) == []
