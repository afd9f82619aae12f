"""A whole world for running the action in-process: simulator, GitHub state, linked clocks.

The action's fake clock is linked to the simulator's manual clock, so every sleep of the
action (poll interval, backoff) moves simulated time by the same amount: a "20-minute"
session runs in milliseconds and every run is deterministic. GitHub is the stand-in's
in-memory state behind ``StateBackedGitHub`` (the same state the HTTP stand-in serves).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from jules_action.config import GitHubContext, Settings
from jules_action.events import parse_event
from jules_action.jules_client import JulesClient
from jules_action.orchestrator import Outcome, Runtime, run
from jules_action.reconcile import reconcile
from jules_action.simulator import ManualClock, Simulator, SimulatorConfig, SourceConfig
from jules_action.standin.state import RepositoryState, StateBackedGitHub
from jules_action.tracking import MarkerCodec, find_tracked
from tests.conftest import FakeClock

PAYLOADS = Path(__file__).parent / "payloads" / "github"
API_KEY = "AIza-test-key-0123456789"
TOKEN = "ghs_test_token_0123456789"
OWNER, REPO = "Codertocat", "Hello-World"


@dataclass
class LinkedClock(FakeClock):
    """A FakeClock whose sleeps also move the simulator's time forward."""

    sim: ManualClock = field(default_factory=ManualClock)

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        self.sim.advance(max(seconds, 0.0))

    def advance(self, seconds: float) -> None:
        super().advance(seconds)
        self.sim.advance(seconds)


def load_payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text())
    return data


@dataclass
class World:
    """The simulator, the repository state and a clock, plus helpers to run the action."""

    clock: LinkedClock
    github_state: RepositoryState
    simulator: Simulator
    summaries: list[list[str]] = field(default_factory=list)

    @property
    def github(self) -> StateBackedGitHub:
        return StateBackedGitHub(self.github_state)

    def settings(self, **inputs: str) -> Settings:
        env = {
            "INPUT_JULES-API-KEY": API_KEY,
            "INPUT_GITHUB-TOKEN": TOKEN,
            "INPUT_POLL-INTERVAL": "15",
        }
        env.update({f"INPUT_{k.upper().replace('_', '-')}": v for k, v in inputs.items()})
        return Settings.from_environ(env)

    def runtime(self, **inputs: str) -> tuple[Runtime, httpx.Client]:
        settings = self.settings(**inputs)
        key = settings.jules_api_key.get_secret_value()
        http = httpx.Client(base_url=self.simulator.base_url, headers={"X-Goog-Api-Key": key})
        rt = Runtime(
            settings=settings,
            context=GitHubContext.from_environ(
                {"GITHUB_REPOSITORY": f"{OWNER}/{REPO}", "GITHUB_RUN_ID": "77"}
            ),
            jules=JulesClient(http, clock=self.clock),
            github=self.github,
            clock=self.clock,
            codec=MarkerCodec(key),
        )
        return rt, http

    def run(self, event_name: str, payload: dict[str, Any], **inputs: str) -> Outcome:
        """One job run of the action for this event."""
        rt, http = self.runtime(**inputs)
        with http:
            outcome = run(rt, parse_event(event_name, json.dumps(payload).encode()))
        self.summaries.append(rt.summary)
        return outcome

    def reconcile(self, **inputs: str) -> Outcome:
        rt, http = self.runtime(mode="reconcile", **inputs)
        with http:
            return reconcile(rt)

    def tracking(self, issue: int) -> list[Any]:
        comments = self.github_state.list_comments(issue)
        from jules_action.standin.state import comment_record

        records = [comment_record(c, html_base=self.github_state.html_base) for c in comments]
        return [t.state for t in find_tracked(records, MarkerCodec(API_KEY))]

    def comment_bodies(self, issue: int) -> list[str]:
        return [c.body for c in self.github_state.list_comments(issue)]

    def assert_no_secrets(self, *extra: str) -> None:
        """Neither the key nor the token is anywhere the action wrote (comments, PRs, Jules)."""
        written = [json.dumps(r.body) for r in self.simulator.requests]
        written += ["\n".join(lines) for lines in self.summaries]
        for issue in self.github_state.list_issues(state="all"):
            written += [issue.title, issue.body or ""]
            written += [c.body for c in self.github_state.list_comments(issue.number)]
        text = "\n".join(written)
        for secret in (API_KEY, TOKEN, *extra):
            assert secret not in text

    def sessions_created(self) -> int:
        return sum(
            1
            for r in self.simulator.requests
            if r.method == "POST" and r.path.endswith("/sessions") and r.status == 200
        )


def make_world(clock: LinkedClock, **sim_options: Any) -> World:
    state = RepositoryState(owner=OWNER, name=REPO, default_branch="master", now=clock.now)
    sender = "Codertocat"
    state.set_role(sender, "admin")

    def open_pull(request: dict[str, Any]) -> str:
        pull = state.create_pull(
            title=str(request.get("title") or "Jules"),
            head_ref=str(request.get("head") or "jules"),
            base_ref=str(request.get("base") or "master"),
            body=str(request.get("body") or ""),
            author=OWNER,
        )
        return state.html_url(pull.number)

    config = SimulatorConfig(
        api_keys=(API_KEY,),
        sources=(SourceConfig(OWNER, REPO, "master"),),
        **sim_options,
    )
    simulator = Simulator(config, clock=clock.sim, on_pull_request=open_pull)
    return World(clock=clock, github_state=state, simulator=simulator)
