"""Text from Jules reaches the log, the summary and the public issue: none of it may run a
workflow command or show a secret.

The whole action runs through ``cli.run_from_environ`` (masking, logging, outputs, summary,
the GitHub writes) while Jules's failure reason is hostile: it echoes the API key and the
token, and carries newlines followed by workflow commands.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from jules_action.cli import run_from_environ
from jules_action.github_port import GitHubPort
from jules_action_dev.simulator.scenarios import FAILURE_REASON
from tests.world import API_KEY, TOKEN, LinkedClock, World, load_payload, make_world

HOSTILE = (
    f"Tests failed with key {API_KEY} and token {TOKEN}\n"
    "::warning::pwned\n"
    "::add-mask::nothing\n"
    "::stop-commands::abc\n"
    "%0A::error::also pwned"
)


class HostileReason(httpx.BaseTransport):
    """The simulator's failure reason, replaced by ``HOSTILE`` in every activity list."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        if request.url.path.endswith("/activities"):
            response.read()
            text = response.text.replace(FAILURE_REASON, json.dumps(HOSTILE)[1:-1])
            return httpx.Response(
                response.status_code, content=text.encode(), headers=response.headers
            )
        return response

    def close(self) -> None:
        self._inner.close()


@pytest.fixture
def world() -> Iterator[World]:
    w = make_world(LinkedClock())
    w.github_state.create_issue(title="Typo", body="two t's", author="Codertocat")
    with w.simulator:
        yield w


def test_hostile_failure_reason__runs_no_command_and_shows_no_secret(
    world: World, tmp_path: Path
) -> None:
    (tmp_path / "event.json").write_text(json.dumps(load_payload("issues.labeled")))
    env = {
        "GITHUB_EVENT_NAME": "issues",
        "GITHUB_EVENT_PATH": str(tmp_path / "event.json"),
        "GITHUB_REPOSITORY": "Codertocat/Hello-World",
        "GITHUB_RUN_ID": "9",
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "INPUT_JULES-API-KEY": API_KEY,
        "INPUT_GITHUB-TOKEN": TOKEN,
        "INPUT_JULES-API-URL": world.simulator.base_url,
        "INPUT_TRIGGER-LABEL": "bug",
        "INPUT_PROMPT": "[jules-sim:failed]",
    }
    stdout = io.StringIO()

    def github(*, token: str, api_url: str, repository: str) -> GitHubPort:
        return world.github

    code = run_from_environ(
        env,
        stdout=stdout,
        clock=world.clock,
        github_factory=github,
        jules_transport=HostileReason(),
    )
    assert code == 1
    lines = stdout.getvalue().splitlines()
    masks = [line for line in lines if line.startswith("::add-mask::")]
    assert masks == [f"::add-mask::{API_KEY}", f"::add-mask::{TOKEN}"]
    commands = [line for line in lines[2:] if line.startswith("::")]
    # Only the commands the action means: annotations it writes itself, none from the text.
    assert all(re.match(r"::(error|warning|notice)( [^:]*)?::", line) for line in commands)
    assert not any("pwned" in line and line.startswith("::warning::pwned") for line in lines)
    assert not any(line.startswith(("::add-mask::nothing", "::stop-commands::")) for line in lines)
    bodies = world.comment_bodies(1)
    body = bodies[0]  # the tracking comment; a notice may follow
    for secret in (API_KEY, TOKEN):
        assert all(secret not in b for b in bodies), "a public comment shows a secret"
        assert secret not in (tmp_path / "summary.md").read_text()
        assert secret not in (tmp_path / "output").read_text()
        assert secret not in "\n".join(lines[2:])
    assert "Tests failed with key" in body  # the reason itself is shown, only redacted
