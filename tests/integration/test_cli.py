"""The composition root: environment in, workflow commands, outputs, summary and exit code out.

Runs ``cli.run_from_environ`` with the in-process simulator and the in-memory GitHub, and
scans everything the action wrote (stdout, outputs, summary, comments, requests) for the
API key and the token.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jules_action.cli import run_from_environ
from jules_action.github_port import GitHubPort
from tests.world import API_KEY, TOKEN, LinkedClock, World, load_payload, make_world


@pytest.fixture
def world() -> Iterator[World]:
    w = make_world(LinkedClock())
    w.github_state.create_issue(title="Spelling error", body="two t's", author="Codertocat")
    with w.simulator:
        yield w


class Run:
    def __init__(self, world: World, tmp_path: Path) -> None:
        self.world = world
        self.tmp = tmp_path
        self.stdout = io.StringIO()
        self.code: int | None = None

    def env(
        self, event_name: str, payload: bytes | dict[str, Any] | None, **inputs: str
    ) -> dict[str, str]:
        env = {
            "GITHUB_EVENT_NAME": event_name,
            "GITHUB_REPOSITORY": "Codertocat/Hello-World",
            "GITHUB_RUN_ID": "9",
            "GITHUB_OUTPUT": str(self.tmp / "output"),
            "GITHUB_STEP_SUMMARY": str(self.tmp / "summary.md"),
            "INPUT_JULES-API-KEY": API_KEY,
            "INPUT_GITHUB-TOKEN": TOKEN,
            "INPUT_JULES-API-URL": self.world.simulator.base_url,
            "INPUT_TRIGGER-LABEL": "bug",
        }
        if payload is not None:
            raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            (self.tmp / "event.json").write_bytes(raw)
            env["GITHUB_EVENT_PATH"] = str(self.tmp / "event.json")
        env.update({f"INPUT_{k.upper().replace('_', '-')}": v for k, v in inputs.items()})
        return env

    def __call__(self, env: dict[str, str]) -> int:
        def github(*, token: str, api_url: str, repository: str) -> GitHubPort:
            assert token == env.get("INPUT_GITHUB-TOKEN")
            return self.world.github

        self.code = run_from_environ(
            env, stdout=self.stdout, clock=self.world.clock, github_factory=github
        )
        return self.code

    @property
    def outputs(self) -> dict[str, str]:
        path = self.tmp / "output"
        if not path.exists():
            return {}
        return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)

    @property
    def summary(self) -> str:
        path = self.tmp / "summary.md"
        return path.read_text() if path.exists() else ""

    def written(self) -> str:
        """Everything the action wrote anywhere a person or a log could see it."""
        log = [
            line
            for line in self.stdout.getvalue().splitlines()
            if not line.startswith("::add-mask::")
        ]
        parts = [*log, self.summary, json.dumps(self.outputs)]
        parts += self.world.comment_bodies(1)
        parts += [json.dumps(r.body) for r in self.world.simulator.requests]
        return "\n".join(parts)


@pytest.fixture
def action(world: World, tmp_path: Path) -> Iterator[Run]:
    run = Run(world, tmp_path)
    yield run
    written = run.written()
    assert API_KEY not in written
    assert TOKEN not in written


def test_cli__masks_secrets_before_anything_else(action: Run) -> None:
    action(action.env("issues", load_payload("issues.labeled")))
    lines = action.stdout.getvalue().splitlines()
    assert lines[:2] == [f"::add-mask::{API_KEY}", f"::add-mask::{TOKEN}"]


def test_cli__happy_path_writes_outputs_and_summary(action: Run) -> None:
    assert action(action.env("issues", load_payload("issues.labeled"))) == 0
    outputs = action.outputs
    assert outputs["outcome"] == "pr-opened"
    assert outputs["pr-url"].endswith("/pull/2")
    assert outputs["session-state"] == "COMPLETED"
    assert outputs["session-url"] == f"https://jules.google.com/session/{outputs['session-id']}"
    assert action.summary.startswith("## Jules: ✅ Pull request opened")
    assert outputs["pr-url"] in action.summary
    assert "Triggered by @Codertocat (label): authorized" in action.summary
    assert "Issue author @Codertocat: their text is passed to Jules as data" in action.summary


def test_cli__skip_is_green_with_a_reason(action: Run) -> None:
    env = action.env("issues", load_payload("issues.labeled"), trigger_label="jules-task")
    assert action(env) == 0
    assert action.outputs["outcome"] == "skipped"
    assert "Skipped: label 'bug' is not the trigger label 'jules-task'" in action.stdout.getvalue()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"", "empty"),
        (b"\xff\xfe{not json", "JSON"),
        (b"[1, 2]", "object"),
    ],
)
def test_cli__bad_event_file_is_one_clear_error(action: Run, raw: bytes, expected: str) -> None:
    assert action(action.env("issues", raw)) == 1
    out = action.stdout.getvalue()
    errors = [line for line in out.splitlines() if line.startswith("::error")]
    assert len(errors) == 1
    assert expected in errors[0]
    assert "event.json" in errors[0]
    assert "Traceback" not in out
    assert action.outputs["outcome"] == "error"
    assert "## Jules: ❌ Error" in action.summary


def test_cli__missing_event_file_is_explained(action: Run) -> None:
    env = action.env("issues", None)
    env["GITHUB_EVENT_PATH"] = str(action.tmp / "nope.json")
    assert action(env) == 1
    assert "Could not read the event file" in action.stdout.getvalue()


def test_cli__missing_key_says_where_to_get_one(action: Run) -> None:
    env = action.env("issues", load_payload("issues.labeled"))
    env["INPUT_JULES-API-KEY"] = ""
    assert action(env) == 1
    error = "::error title=Jules cannot run::The jules-api-key input is empty"
    assert error in action.stdout.getvalue()
    assert action.world.simulator.requests == ()


def test_cli__invalid_input_names_it(action: Run) -> None:
    env = action.env("issues", load_payload("issues.labeled"), poll_interval="often")
    assert action(env) == 1
    assert "The poll-interval input is invalid" in action.stdout.getvalue()


def test_cli__failed_session_fails_the_step(action: Run) -> None:
    env = action.env("issues", load_payload("issues.labeled"), prompt="[jules-sim:failed]")
    assert action(env) == 1
    assert action.outputs["outcome"] == "failed"
    error = "::error title=Jules session failed::The Jules session failed"
    assert error in action.stdout.getvalue()


def test_cli__unexpected_error_is_reported_without_secrets(action: Run) -> None:
    def broken(*, token: str, api_url: str, repository: str) -> GitHubPort:
        raise RuntimeError(f"boom with {token} and {API_KEY}")

    env = action.env("issues", load_payload("issues.labeled"))
    code = run_from_environ(
        env, stdout=action.stdout, clock=action.world.clock, github_factory=broken
    )
    assert code == 1
    out = action.stdout.getvalue()
    assert "this is a bug, please report it" in out
    assert "boom with *** and ***" in out
    assert action.outputs["outcome"] == "error"


def test_cli__reconcile_mode_needs_no_event(action: Run) -> None:
    env = action.env("schedule", None, mode="reconcile")
    assert action(env) == 0
    assert action.outputs["outcome"] == "reconciled"
    assert "Reconciled 0 open request(s)" in action.summary
