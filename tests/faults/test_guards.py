"""The guards of "one request, one session, only people we trust", each removed in turn.

Every test here takes one guard out of the code (with ``monkeypatch``) and shows that the
invariants of the fault suite, or the fleet's race test, then fail. A guard whose removal no
test notices is not tested: these keep that from happening again.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from jules_action import orchestrator, routing, sessions, tracker
from jules_action.authz import AuthDecision
from jules_action.tracking import Tracked
from jules_action.triggers import Trigger
from tests.faults.flows import FLOWS
from tests.faults.harness import FlowSpec, Injector, run_case
from tests.integration import test_fleet


def flow(name: str) -> FlowSpec:
    [spec] = [spec for spec in FLOWS if spec.name == name]
    return spec


def test_guard__without_the_request_key_lookup_a_rerun_starts_a_second_session(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    spec = flow("/jules comment -> PR")
    _, intact = run_case(spec, tmp_path / "intact", Injector())
    assert intact == []

    def forgetful(trigger: Trigger, requests: Sequence[Tracked]) -> routing.Decision:
        others = [t for t in requests if t.state.request != trigger.request_key]
        return routing.route(trigger, others)

    monkeypatch.setattr(orchestrator, "route", forgetful)
    _, broken = run_case(spec, tmp_path / "broken", Injector())
    assert any("2 sessions for request comment:" in problem for problem in broken), broken


def test_guard__without_the_lookup_by_tag_a_lost_create_answer_makes_two_sessions(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    spec = flow("label -> PR")
    baseline = Injector()
    run_case(spec, tmp_path / "baseline", baseline)
    create = baseline.calls.index("jules POST /sessions")
    lost = Injector(target=create, kind="applied-then-lost")
    _, intact = run_case(spec, tmp_path / "intact", lost)
    assert intact == []

    monkeypatch.setattr(sessions, "find_by_tag", lambda ports, prompt: None)
    lost = Injector(target=create, kind="applied-then-lost")
    _, broken = run_case(spec, tmp_path / "broken", lost)
    assert any("2 sessions for request label:" in problem for problem in broken), broken


def test_guard__without_authorization_a_strangers_comment_spends_the_quota(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    spec = flow("stranger's /jules, maintainer's label -> PR")
    _, intact = run_case(spec, tmp_path / "intact", Injector())
    assert intact == []

    allow_all = AuthDecision(True, "anyone", "event")
    monkeypatch.setattr(orchestrator, "authorize", lambda ports, trigger: allow_all)
    _, broken = run_case(spec, tmp_path / "broken", Injector())
    assert "a session for a request by @mallory, who may not trigger" in broken


def test_guard__without_the_claim_race_check_racing_deliveries_make_two_sessions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    test_fleet.test_fleet__racing_claims_without_a_concurrency_group_make_one_session(0)

    monkeypatch.setattr(tracker, "read_thread", lambda ports, issue: ([], []))
    with pytest.raises(AssertionError, match="sessions_created"):
        test_fleet.test_fleet__racing_claims_without_a_concurrency_group_make_one_session(0)
