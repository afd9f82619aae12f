"""The step ends within its wait budget plus a small margin, whatever the services say.

Jules failing on every poll, Jules asking to retry in ten minutes, GitHub's primary rate
limit an hour from reset: the run still ends in time (simulated), and a limit longer than
what is left is named in the message instead of slept through.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from jules_action.errors import GitHubError
from jules_action.events import parse_event
from jules_action.github_failures import failure_for
from jules_action.orchestrator import run
from jules_action.ports import RUN_MARGIN
from jules_action.tracking import Status
from tests.world import LinkedClock, World, load_payload, make_world


@pytest.fixture
def world() -> Iterator[World]:
    w = make_world(LinkedClock())
    w.github_state.create_issue(title="Typo", body="two t's", author="Codertocat")
    with w.simulator:
        yield w


class FailingPolls(httpx.BaseTransport):
    """Jules answers every GET of a session with ``status`` (and ``Retry-After``, if set)."""

    def __init__(self, status: int, retry_after: str | None = None) -> None:
        self._inner = httpx.HTTPTransport()
        self._status = status
        self._retry_after = retry_after

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "GET" and "/sessions/" in path and "/activities" not in path:
            headers = {"Retry-After": self._retry_after} if self._retry_after else {}
            error = {"error": {"code": self._status, "message": "no", "status": "UNAVAILABLE"}}
            return httpx.Response(self._status, json=error, headers=headers)
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


def labeled() -> dict[str, Any]:
    payload = copy.deepcopy(load_payload("issues.labeled"))
    payload["label"]["name"] = "jules-task"
    return payload


def run_once(world: World, transport: httpx.BaseTransport | None = None, **inputs: str) -> Any:
    ports, http = world.runtime(transport=transport, **inputs)
    with http:
        return run(ports, parse_event("issues", json.dumps(labeled()).encode()))


@pytest.mark.parametrize(
    ("status", "retry_after"),
    [(503, None), (500, None), (429, "600")],
    ids=["503-every-poll", "500-every-poll", "429-retry-in-ten-minutes"],
)
def test_wait__jules_failing_every_poll_ends_within_the_budget(
    world: World, status: int, retry_after: str | None
) -> None:
    started = world.clock.monotonic()
    outcome = run_once(world, FailingPolls(status, retry_after), wait_minutes="1")
    took = world.clock.monotonic() - started
    assert took <= 60 + RUN_MARGIN
    assert (outcome.outcome, outcome.exit_code) == ("error", 1)
    # The session may be fine: the request stays open for the reconciler.
    [state] = world.tracking(1)
    assert state.status is Status.RUNNING
    labels = [label.name for label in world.github_state.get_issue(1).labels]
    assert "jules-in-progress" in labels


class HourLongRateLimit:
    """GitHub's primary rate limit is spent until an hour from now for edits."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.refused = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def edit_issue_comment(self, comment_id: int, body: str) -> None:
        self.refused += 1
        raise failure_for(
            "edit_issue_comment",
            status=403,
            github_message="API rate limit exceeded for installation.",
            retry_after=3600.0,
        )


def test_wait__an_hour_long_github_rate_limit_is_named_not_slept_through(world: World) -> None:
    github = HourLongRateLimit(world.github)
    started = world.clock.monotonic()
    ports, http = world.runtime(github=github, wait_minutes="0")
    with http:
        outcome = run(ports, parse_event("issues", json.dumps(labeled()).encode()))
    assert world.clock.monotonic() - started < 60
    assert github.refused >= 1
    warnings = "\n".join(line for line in ports.report.lines if line.startswith("- ⚠️"))
    assert "GitHub asked to wait 3600 s" in warnings
    # The session exists and is findable by its tag; the claim stays open for reconcile.
    assert world.sessions_created() == 1
    assert outcome.outcome in {"handed-off", "error"}


def test_wait__retrying_github_gives_up_at_once_on_a_limit_past_the_deadline() -> None:
    from jules_action.github_retry import RetryingGitHub
    from tests.conftest import FakeClock

    class Limited:
        def list_open_pulls(self) -> list[Any]:
            raise GitHubError("limited", status_code=429, retry_after=900.0)

    clock = FakeClock()
    retrying = RetryingGitHub(Limited(), clock=clock, deadline=lambda: 120.0)
    with pytest.raises(GitHubError, match="asked to wait 900 s"):
        retrying.list_open_pulls()
    assert clock.sleeps == []
