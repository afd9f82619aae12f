"""The action as the runner starts it: ``python -m jules_action`` in its own process.

Each test builds the step's environment from scratch (``GITHUB_*`` and one ``INPUT_<NAME>``
per action input, hyphens kept), feeds a real webhook payload from ``tests/payloads/github``,
and points the action at the Jules simulator (a process of its own, or in this process where
a test must see what Jules received) and at Prism serving GitHub's OpenAPI description behind
a recording proxy, so every request PyGithub makes is validated against GitHub's spec.

Prism is stateless (it answers with the spec's examples: comment id 1, PR #1347 with base
``master``, permission ``admin``), so the tests assert on what the process did: exit code,
``GITHUB_OUTPUT``, step summary, workflow commands on stdout, and the requests it sent. Every
test ends with the secret scan (``ActionRun.assert_no_secrets``); the ``action`` fixture scans
any run a test did not scan itself.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from jules_action.notices import NOTICE_PREFIX
from jules_action.tracking import MARKER_PREFIX
from jules_action_dev.demo import DEMO_KEY, DEMO_TOKEN
from jules_action_dev.simulator import Simulator, SimulatorConfig, SourceConfig
from tests.e2e.action_process import (
    GITHUB_TOKEN,
    JULES_KEY,
    REPOSITORY,
    RUN_ID,
    ActionRun,
    HeaderRecordingProxy,
    SimulatorProcess,
    load_payload,
    run_action,
)

pytestmark = pytest.mark.e2e

# Each sessions.get moves the session 600 simulated seconds on: the happy scenario (PR at
# 1200 s) ends on the 2nd or 3rd poll, the failed one (810 s) on the 2nd.
ADVANCE_PER_GET = 600
DISPATCH_REPOSITORY = "octo-org/octo-repo"  # the repository of workflow_dispatch.json
REPO_API = f"/repos/{REPOSITORY}"
SESSION_ID = re.compile(r"\d{19}")
PROMPT = "Remove dead code and unused dependencies; keep behaviour unchanged."

RunAction = Callable[..., ActionRun]


@pytest.fixture(scope="module")
def jules_process() -> Iterator[SimulatorProcess]:
    """The simulator as its own process, for the module; SIGTERM at the end must exit 0."""
    simulator = SimulatorProcess(
        "--api-key",
        JULES_KEY,
        "--source",
        f"{REPOSITORY}@master",
        "--source",
        f"{DISPATCH_REPOSITORY}@master",
        "--advance-per-get",
        str(ADVANCE_PER_GET),
        "--seed",
        "7",
    )
    try:
        yield simulator
    finally:
        assert simulator.stop() == 0


@pytest.fixture
def jules_sim() -> Iterator[Simulator]:
    """The simulator in this process, for tests that check what Jules received."""
    config = SimulatorConfig(
        api_keys=(JULES_KEY,),
        sources=(
            SourceConfig("Codertocat", "Hello-World", "master"),
            SourceConfig("octo-org", "octo-repo", "master"),
        ),
        advance_per_get=ADVANCE_PER_GET,
        seed=7,
    )
    with Simulator(config) as simulator:
        yield simulator


@pytest.fixture
def action(tmp_path: Path, github_api: HeaderRecordingProxy) -> Iterator[RunAction]:
    """``action(event_name=..., payload=..., jules_url=..., ...)`` runs the action process.

    At teardown, every run the test did not put through the secret scan itself is scanned,
    so a leak is reported even by a test that forgot the call or failed before it.
    """
    runs: list[ActionRun] = []

    def run(**kwargs: Any) -> ActionRun:
        workdir = tmp_path / f"run{len(runs)}"
        workdir.mkdir()
        result = run_action(workdir, github=github_api, **kwargs)
        runs.append(result)
        return result

    yield run
    for result in runs:
        if not result.scanned:
            result.assert_no_secrets()


# --- assertion helpers -----------------------------------------------------------------------


def assert_spec_valid(result: ActionRun) -> None:
    """Prism found nothing wrong with any request, and answered each with a success."""
    for request in result.github_requests:
        assert request.request_violations == [], (request.method, request.path)
        assert 200 <= request.status < 300, (request.method, request.path, request.status)


def assert_one_error(result: ActionRun, *fragments: str) -> str:
    """Exactly one ``::error::`` line, containing every fragment; no traceback anywhere."""
    assert len(result.errors) == 1, result.describe()
    (error,) = result.errors
    for fragment in fragments:
        assert fragment in error, error
    assert "Traceback" not in result.stdout
    assert "Traceback" not in result.stderr
    return error


def pr_url_pattern(repository: str = REPOSITORY) -> re.Pattern[str]:
    return re.compile(rf"https://github\.com/{re.escape(repository)}/pull/(\d+)")


def assert_pr_opened(result: ActionRun, repository: str = REPOSITORY) -> tuple[str, str]:
    """Exit 0, outcome pr-opened with a session and a PR link in outputs, summary and log."""
    assert result.returncode == 0, result.describe()
    outputs = result.outputs
    assert outputs["outcome"] == "pr-opened", result.describe()
    session_id = outputs["session-id"]
    assert SESSION_ID.fullmatch(session_id), outputs
    assert outputs["session-url"] == f"https://jules.google.com/session/{session_id}"
    assert outputs["session-state"] == "COMPLETED"
    pr_url = outputs["pr-url"]
    assert pr_url_pattern(repository).fullmatch(pr_url), outputs
    assert result.summary.startswith("## Jules: ✅ Pull request opened\n")
    assert f"- Pull request: {pr_url}" in result.summary
    assert f"[{session_id}](https://jules.google.com/session/{session_id})" in result.summary
    assert f"Jules session {session_id}: {outputs['session-url']}" in result.lines
    assert result.errors == []
    assert result.warnings == []
    return session_id, pr_url


def assert_issue_thread(
    result: ActionRun, *, reaction_path: str, session_id: str, pr_url: str
) -> None:
    """The GitHub conversation of a run on issue #1 that ended with a PR."""
    assert_spec_valid(result)
    calls = [(r.method, r.path) for r in result.github_requests]
    permission = ("GET", f"{REPO_API}/collaborators/Codertocat/permission")
    # Authorization comes before any write.
    assert calls[0] == permission, calls
    (reaction,) = result.requests("POST", reaction_path)
    assert reaction.body == {"content": "eyes"}
    # The tracking comment (the claim), then the notice that tells the requester.
    created, notice = result.requests("POST", f"{REPO_API}/issues/1/comments")
    assert MARKER_PREFIX in created.body["body"]
    assert notice.body["body"].startswith("@Codertocat ✅ Jules opened [#")
    assert NOTICE_PREFIX in notice.body["body"]
    assert f"https://github.com/{REPOSITORY}/actions/runs/{RUN_ID}" in created.body["body"]
    created_call = ("POST", created.path)
    assert calls.index(("POST", reaction_path)) < calls.index(created_call)
    comment_id = created.response["id"]  # Prism's example comment
    edits = result.requests("PATCH", f"{REPO_API}/issues/comments/{comment_id}")
    assert len(edits) >= 2, calls
    assert calls.index(created_call) < calls.index(("PATCH", edits[0].path))
    bodies = [edit.body["body"] for edit in edits]
    assert all(MARKER_PREFIX in body for body in bodies)
    session_link = f"https://jules.google.com/session/{session_id}"
    assert session_link in bodies[0]
    assert "Jules opened a pull request" in bodies[-1]
    assert pr_url in bodies[-1]
    # The notice comes only once the final state is on the issue.
    before = result.github_requests[: result.github_requests.index(notice)]
    assert any(r.method == "PATCH" and pr_url in r.body["body"] for r in before)
    (label,) = result.requests("POST", f"{REPO_API}/issues/1/labels")
    assert label.body == ["jules-in-progress"]
    assert result.requests("DELETE", f"{REPO_API}/issues/1/labels/jules-in-progress")


def assert_no_issue_requests(result: ActionRun) -> None:
    """A run without an issue: no permission check, comment, reaction or label on GitHub."""
    assert_spec_valid(result)
    for request in result.github_requests:
        assert "/issues" not in request.path, (request.method, request.path)
        assert "/collaborators/" not in request.path, (request.method, request.path)


def created_sessions(simulator: Simulator) -> list[dict[str, Any]]:
    return [
        r.body for r in simulator.requests if r.operation == "sessions.create" and r.status == 200
    ]


# --- issue and comment triggers --------------------------------------------------------------


def test_issues_labeled__opens_a_pr_and_keeps_one_tracking_comment(
    action: RunAction, jules_process: SimulatorProcess
) -> None:
    result = action(
        event_name="issues",
        payload=load_payload("issues.labeled"),
        jules_url=jules_process.base_url,
        inputs={"INPUT_TRIGGER-LABEL": "bug"},
    )

    session_id, pr_url = assert_pr_opened(result)
    assert_issue_thread(
        result, reaction_path=f"{REPO_API}/issues/1/reactions", session_id=session_id, pr_url=pr_url
    )
    # Prism's example permission answer is role_name "admin".
    assert "@Codertocat has the admin role" in result.summary
    number = pr_url.rsplit("/", 1)[1]
    (closes,) = result.requests("PATCH", f"{REPO_API}/pulls/{number}")
    assert closes.body["body"].endswith("Closes #1\n")
    result.assert_no_secrets()


def test_issue_comment__jules_command_opens_a_pr(
    action: RunAction, jules_process: SimulatorProcess
) -> None:
    payload = load_payload("issue_comment.created")
    payload["comment"]["body"] = "/jules fix the flaky test"

    result = action(event_name="issue_comment", payload=payload, jules_url=jules_process.base_url)

    session_id, pr_url = assert_pr_opened(result)
    comment_id = payload["comment"]["id"]
    assert_issue_thread(
        result,
        reaction_path=f"{REPO_API}/issues/comments/{comment_id}/reactions",
        session_id=session_id,
        pr_url=pr_url,
    )
    assert result.requests("POST", f"{REPO_API}/issues/1/reactions") == []
    result.assert_no_secrets()


def test_issue_comment_on_pr__starts_from_the_pr_base_branch(
    action: RunAction, jules_sim: Simulator
) -> None:
    payload = load_payload("issue_comment.created.pr")
    # Make the default branch differ from the PR's base (Prism's example PR: base "master",
    # head "new-topic"), so only the PR's base can explain the branch Jules gets.
    payload["repository"]["default_branch"] = "main"

    result = action(
        event_name="issue_comment",
        payload=payload,
        jules_url=jules_sim.base_url,
        simulator=jules_sim,
    )

    session_id, pr_url = assert_pr_opened(result)
    assert_issue_thread(
        result,
        reaction_path=f"{REPO_API}/issues/comments/{payload['comment']['id']}/reactions",
        session_id=session_id,
        pr_url=pr_url,
    )
    assert result.requests("GET", f"{REPO_API}/pulls/1")
    (created,) = created_sessions(jules_sim)
    assert created["sourceContext"] == {
        "source": "sources/github/Codertocat/Hello-World",
        "githubRepoContext": {"startingBranch": "master"},
    }
    assert created["automationMode"] == "AUTO_CREATE_PR"
    assert "fix the flaky test" in created["prompt"]
    result.assert_no_secrets()


# --- runs without an issue ---------------------------------------------------------------------


def test_workflow_dispatch__prompt_opens_a_pr_from_the_dispatched_branch(
    action: RunAction, jules_sim: Simulator
) -> None:
    payload = load_payload("workflow_dispatch")
    payload["ref"] = "refs/heads/release-2"

    result = action(
        event_name="workflow_dispatch",
        payload=payload,
        jules_url=jules_sim.base_url,
        simulator=jules_sim,
        repository=DISPATCH_REPOSITORY,
        inputs={"INPUT_PROMPT": PROMPT},
        github_env={"GITHUB_REF": "refs/heads/release-2"},
    )

    assert_pr_opened(result, DISPATCH_REPOSITORY)
    # No issue, and no permission check (only people with write access can dispatch).
    assert_no_issue_requests(result)
    (created,) = created_sessions(jules_sim)
    assert created["sourceContext"]["githubRepoContext"] == {"startingBranch": "release-2"}
    assert PROMPT in created["prompt"]
    result.assert_no_secrets()


def test_schedule__prompt_opens_a_pr_without_touching_github(
    action: RunAction, jules_process: SimulatorProcess
) -> None:
    result = action(
        event_name="schedule",
        payload=load_payload("schedule"),
        jules_url=jules_process.base_url,
        inputs={"INPUT_PROMPT": PROMPT},
    )

    assert_pr_opened(result)
    assert_no_issue_requests(result)
    result.assert_no_secrets()


def test_schedule__leaves_the_pull_request_body_alone(
    action: RunAction, jules_process: SimulatorProcess
) -> None:
    result = action(
        event_name="schedule",
        payload=load_payload("schedule"),
        jules_url=jules_process.base_url,
        inputs={"INPUT_PROMPT": PROMPT},
    )

    result.assert_no_secrets()
    assert_pr_opened(result)
    edits = [r for r in result.github_requests if r.method == "PATCH"]
    assert edits == [], [r.body for r in edits]
    assert "Closes #0" not in result.stdout


# --- skips and failures ----------------------------------------------------------------------


def test_unsupported_event__is_skipped_without_any_request(
    action: RunAction, jules_sim: Simulator
) -> None:
    # A push is a task only with a prompt (agent mode); without one it is skipped.
    result = action(
        event_name="push",
        payload=load_payload("push"),
        jules_url=jules_sim.base_url,
        simulator=jules_sim,
    )

    assert result.returncode == 0, result.describe()
    assert result.outputs["outcome"] == "skipped"
    assert result.outputs["session-id"] == ""
    assert result.summary.startswith("## Jules: ⏭️ Skipped\n")
    assert "event 'push' is not a trigger without a task" in result.summary
    assert result.errors == []
    assert result.jules_requests == ()
    assert result.github_requests == []
    result.assert_no_secrets()


def test_malformed_event_file__one_error_naming_the_file(
    action: RunAction, jules_sim: Simulator
) -> None:
    result = action(
        event_name="issues",
        payload=b"\x89PNG\r\n\x1a\n\x00\xff\xfe{garbage",
        jules_url=jules_sim.base_url,
        simulator=jules_sim,
    )

    assert result.returncode == 1, result.describe()
    assert result.outputs["outcome"] == "error"
    assert_one_error(result, "The event file is not valid JSON", "GITHUB_EVENT_PATH", "event.json")
    assert result.summary.startswith("## Jules: ❌ Error\n")
    assert result.jules_requests == ()
    assert result.github_requests == []
    result.assert_no_secrets()


def test_missing_jules_api_key__error_says_where_to_create_one(
    action: RunAction, jules_sim: Simulator
) -> None:
    result = action(
        event_name="issues",
        payload=load_payload("issues.labeled"),
        jules_url=jules_sim.base_url,
        simulator=jules_sim,
        inputs={"INPUT_JULES-API-KEY": "", "INPUT_TRIGGER-LABEL": "bug"},
    )

    assert result.returncode == 1, result.describe()
    assert result.outputs["outcome"] == "error"
    assert_one_error(
        result, "jules-api-key input is empty", "https://jules.google.com/settings#api"
    )
    assert "https://jules.google.com/settings#api" in result.summary
    assert result.secrets == (GITHUB_TOKEN,)  # only the token to mask
    assert result.jules_requests == ()
    assert result.github_requests == []
    result.assert_no_secrets()


def test_wrong_jules_api_key__error_says_the_key_was_rejected(
    action: RunAction, jules_process: SimulatorProcess
) -> None:
    wrong_key = "AIzaSy-not-the-right-key-0000"
    result = action(
        event_name="schedule",
        payload=load_payload("schedule"),
        jules_url=jules_process.base_url,
        inputs={"INPUT_JULES-API-KEY": wrong_key, "INPUT_PROMPT": PROMPT},
    )

    assert result.returncode == 1, result.describe()
    assert result.outputs["outcome"] == "error"
    assert result.outputs["session-id"] == ""
    assert_one_error(result, "Jules rejected the API key", "https://jules.google.com/settings#api")
    assert "Jules rejected the API key" in result.summary
    assert result.secrets == (wrong_key, GITHUB_TOKEN)
    result.assert_no_secrets()


def test_failed_session__outcome_failed_with_the_reason(
    action: RunAction, jules_process: SimulatorProcess
) -> None:
    result = action(
        event_name="schedule",
        payload=load_payload("schedule"),
        jules_url=jules_process.base_url,
        inputs={"INPUT_PROMPT": f"[jules-sim:failed] {PROMPT}"},
    )

    assert result.returncode == 1, result.describe()
    outputs = result.outputs
    assert outputs["outcome"] == "failed"
    assert SESSION_ID.fullmatch(outputs["session-id"]), outputs
    assert outputs["session-state"] == "FAILED"
    assert outputs["pr-url"] == ""
    error = assert_one_error(result, "The Jules session failed: ")
    reason = error.split("The Jules session failed: ", 1)[1]
    assert reason.strip()
    assert result.summary.startswith("## Jules: ❌ Session failed\n")
    assert reason in result.summary  # the simulator's sessionFailed reason, end to end
    assert result.github_requests == []
    result.assert_no_secrets()


# --- the README's first command ----------------------------------------------------------------


def test_demo__runs_the_whole_flow_and_shows_the_pr_link(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "jules_action_dev", "demo"],
        env={"PATH": os.environ.get("PATH", os.defpath), "HOME": str(tmp_path)},
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "outcome=pr-opened" in completed.stdout
    thread = completed.stdout.split("The issue thread at the end", 1)[1]
    link = re.search(r"http://127\.0\.0\.1:\d+/Codertocat/Hello-World/pull/\d+", thread)
    assert link is not None, thread
    assert "Jules opened a pull request" in thread
    assert f"pr-url={link.group(0)}" in completed.stdout
    for secret in (DEMO_KEY, DEMO_TOKEN):
        assert secret not in completed.stdout
        assert secret not in completed.stderr
