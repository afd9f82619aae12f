"""What later steps can build on: every output, the ``::notice::`` with the PR link, titled
annotations, and ``dry-run`` with its prompt; through ``cli.run_from_environ``."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.harness import _read_outputs as read_outputs
from tests.integration.test_cli import Run
from tests.world import API_KEY, TOKEN, LinkedClock, World, load_payload, make_world


@pytest.fixture
def world() -> Iterator[World]:
    w = make_world(LinkedClock())
    w.github_state.create_issue(title="Spelling error", body="two t's", author="Codertocat")
    with w.simulator:
        yield w


@pytest.fixture
def action(world: World, tmp_path: Path) -> Iterator[Run]:
    run = Run(world, tmp_path)
    yield run
    written = run.written() + (tmp_path / "output").read_text()
    assert API_KEY not in written
    assert TOKEN not in written


def outputs(action: Run) -> dict[str, str]:
    return read_outputs((action.tmp / "output").read_text())


def lines(action: Run, prefix: str) -> list[str]:
    return [line for line in action.stdout.getvalue().splitlines() if line.startswith(prefix)]


def test_outputs__a_pr_gives_its_number_issue_branch_message_and_result(action: Run) -> None:
    assert action(action.env("issues", load_payload("issues.labeled"))) == 0
    out = outputs(action)
    assert out["outcome"] == "pr-opened"
    assert out["pr-url"].endswith("/pull/2")
    assert out["pr-number"] == "2"
    assert out["issue-number"] == "1"
    assert out["branch"] == action.world.github_state.get_pull(2).pull.head_ref
    assert out["message"] == f"Jules opened a pull request: {out['pr-url']}"
    assert out["prompt"] == ""
    [entry] = json.loads(out["result"])
    assert entry == {
        "issue": 1,
        "request": entry["request"],
        "outcome": "pr-opened",
        "session_id": out["session-id"],
        "session_url": out["session-url"],
        "pr_url": out["pr-url"],
        "pr_number": 2,
    }
    assert entry["request"].startswith("label:1:bug:")
    [notice] = lines(action, "::notice")
    title = "::notice title=Jules opened a pull request::"
    assert notice == f"{title}Jules opened a pull request: {out['pr-url']}"


def test_outputs__reconcile_mode_lists_every_request_it_touched(action: Run, world: World) -> None:
    world.github_state.create_issue(title="Second", body="b", author="Codertocat")
    for number in (1, 2):
        payload = copy.deepcopy(load_payload("issues.labeled"))
        payload["issue"]["number"] = number
        world.run("issues", payload, wait_minutes="0", trigger_label="bug")
    world.clock.advance(30 * 60)
    assert action(action.env("schedule", None, mode="reconcile")) == 0
    out = outputs(action)
    assert out["outcome"] == "reconciled"
    result = json.loads(out["result"])
    assert sorted(e["issue"] for e in result) == [1, 2]
    assert {e["outcome"] for e in result} == {"pr-opened"}
    assert all(e["pr_url"] and e["session_id"] for e in result)
    assert len(lines(action, "::notice")) == 2, "one ::notice:: per pull request"


def test_outputs__a_skipped_run_says_why_and_touched_nothing(action: Run) -> None:
    payload = load_payload("issues.labeled")
    assert action(action.env("issues", payload, trigger_label="not-this-one")) == 0
    out = outputs(action)
    assert out["outcome"] == "skipped"
    assert "is not the trigger label" in out["message"]
    assert out["result"] == "[]"
    assert (out["pr-number"], out["issue-number"], out["branch"]) == ("", "", "")


def test_outputs__dry_run_is_its_own_outcome_with_the_prompt(action: Run, world: World) -> None:
    payload = copy.deepcopy(load_payload("issues.labeled"))
    payload["issue"]["body"] = "Run ```` then ````` and ``````` end"
    assert action(action.env("issues", payload, dry_run="true")) == 0
    out = outputs(action)
    assert out["outcome"] == "dry-run"
    assert out["issue-number"] == "1"
    assert "UNTRUSTED ISSUE DATA" in out["prompt"]
    assert "``````` end" in out["prompt"]
    assert "\n" in out["prompt"], "a multi-line output, written with a heredoc delimiter"
    assert world.simulator.requests == ()
    assert world.comment_bodies(1) == []
    # The summary's fence is longer than the longest backtick run in the prompt.
    assert "\n````````text\n" in action.summary
    assert action.summary.startswith("## Jules: 📝 Dry run")


def test_outputs__annotations_have_titles(action: Run) -> None:
    env = action.env("issues", load_payload("issues.labeled"), prompt="[jules-sim:failed]")
    assert action(env) == 1
    annotations = lines(action, "::error") + lines(action, "::warning")
    assert annotations
    assert all(line.startswith(("::error title=", "::warning title=")) for line in annotations)


def test_outputs__an_event_error_has_a_title(action: Run) -> None:
    assert action(action.env("issues", b"not json")) == 1
    [error] = lines(action, "::error")
    assert error.startswith("::error title=Jules cannot run::The event file is not valid JSON")
