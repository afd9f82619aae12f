"""JulesClient over real HTTP against the in-process Jules simulator, one test per scenario.

The client's fake clock is linked to the simulator's manual clock: every sleep of the client
(backoff, Retry-After, the poll interval below) advances simulated time by the same amount,
so scenarios that take simulated minutes run in milliseconds and stay deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from jules_action.errors import (
    JulesAuthError,
    JulesInvalidArgument,
    JulesNotFound,
    JulesRateLimited,
)
from jules_action.jules_client import JulesClient
from jules_action.jules_models import (
    AutomationMode,
    CreateSessionRequest,
    GitHubRepoContext,
    Session,
    SessionState,
    SourceContext,
)
from jules_action_dev.simulator import ManualClock, Simulator, SimulatorConfig, SourceConfig
from tests.conftest import FakeClock

API_KEY = "sim-secret-key-0123"
SOURCE = "sources/github/octo/widgets"
POLL_SECONDS = 30.0
POLL_LIMIT = 200


@dataclass
class LinkedClock(FakeClock):
    """The client's clock; its sleeps also move the simulator's manual clock forward.

    Kept here (not shared with the whole-run tests' world) so these client tests depend on
    nothing but the client and the simulator.
    """

    sim: ManualClock = field(default_factory=ManualClock)

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        self.sim.advance(max(seconds, 0.0))


@pytest.fixture
def clock() -> LinkedClock:
    return LinkedClock()


@pytest.fixture
def make_simulator(clock: LinkedClock) -> Iterator[Callable[..., Simulator]]:
    started: list[Simulator] = []

    def make(**overrides: object) -> Simulator:
        config = SimulatorConfig(
            api_keys=(API_KEY,),
            sources=(SourceConfig("octo", "widgets", branches=("main", "dev")),),
            seed=7,
            **overrides,  # type: ignore[arg-type]
        )
        simulator = Simulator(config, clock=clock.sim).start()
        started.append(simulator)
        return simulator

    yield make
    for simulator in started:
        simulator.stop()


@pytest.fixture
def simulator(make_simulator: Callable[..., Simulator]) -> Simulator:
    return make_simulator()


def _client(simulator: Simulator, clock: LinkedClock, key: str = API_KEY) -> Iterator[JulesClient]:
    with httpx.Client(
        base_url=simulator.base_url, headers={"X-Goog-Api-Key": key}, timeout=10.0
    ) as http:
        yield JulesClient(http, clock=clock)


@pytest.fixture
def jules(simulator: Simulator, clock: LinkedClock) -> Iterator[JulesClient]:
    yield from _client(simulator, clock)


def create(jules: JulesClient, scenario: str, **overrides: object) -> Session:
    fields: dict[str, object] = {
        "prompt": f"[jules-sim:{scenario}] Fix the flaky test",
        "title": "Fix the flaky test",
        "source_context": SourceContext(
            source=SOURCE, github_repo_context=GitHubRepoContext(starting_branch="main")
        ),
        "automation_mode": AutomationMode.AUTO_CREATE_PR,
        **overrides,
    }
    return jules.create_session(CreateSessionRequest.model_validate(fields))


def poll_until(
    jules: JulesClient, clock: LinkedClock, session_id: str, done: Callable[[Session], bool]
) -> Session:
    for _ in range(POLL_LIMIT):
        session = jules.get_session(session_id)
        if done(session):
            return session
        clock.sleep(POLL_SECONDS)
    raise AssertionError(f"session {session_id} never reached the expected condition")


def in_state(*states: SessionState) -> Callable[[Session], bool]:
    return lambda session: session.state in states


def test_client_vs_simulator__sources(jules: JulesClient) -> None:
    source = jules.get_source("octo", "widgets")

    assert source.name == SOURCE
    assert source.github_repo is not None
    assert source.github_repo.default_branch is not None
    assert source.github_repo.default_branch.display_name == "main"
    assert [s.name for s in jules.list_sources(filter=f"name={SOURCE}")] == [SOURCE]
    with pytest.raises(JulesNotFound):
        jules.get_source("octo", "not-connected")


def test_client_vs_simulator__happy(jules: JulesClient, clock: LinkedClock) -> None:
    created = create(jules, "happy")

    session = poll_until(jules, clock, created.id, in_state(SessionState.COMPLETED))

    assert session.pull_request is not None
    assert session.pull_request.url.startswith("https://github.com/octo/widgets/pull/")
    activities = list(jules.list_activities(created.id, page_size=2))
    kinds = [a.kind for a in activities]
    assert kinds[0] == "planGenerated"
    assert "planApproved" in kinds
    assert kinds[-1] == "sessionCompleted"
    assert [a.id for a in jules.list_activities(created.id)] == [a.id for a in activities]
    assert activities[2].create_time is not None
    later = list(jules.list_activities(created.id, created_after=activities[2].create_time))
    assert [a.id for a in later] == [a.id for a in activities[3:]]
    one = jules.get_activity(created.id, activities[-1].id)
    assert one.kind == "sessionCompleted"


def test_client_vs_simulator__failed(jules: JulesClient, clock: LinkedClock) -> None:
    created = create(jules, "failed")

    session = poll_until(jules, clock, created.id, in_state(SessionState.FAILED))

    assert session.pull_request is None
    reasons = [
        a.session_failed.reason for a in jules.list_activities(created.id) if a.session_failed
    ]
    assert len(reasons) == 1
    assert reasons[0]


def test_client_vs_simulator__plan_approval(jules: JulesClient, clock: LinkedClock) -> None:
    created = create(jules, "plan-approval", require_plan_approval=True)

    poll_until(jules, clock, created.id, in_state(SessionState.AWAITING_PLAN_APPROVAL))
    jules.approve_plan(created.name)
    session = poll_until(jules, clock, created.id, in_state(SessionState.COMPLETED))

    assert session.pull_request is not None
    approved = [a for a in jules.list_activities(created.id) if a.kind == "planApproved"]
    assert [a.originator for a in approved] == ["user"]


def test_client_vs_simulator__user_feedback(jules: JulesClient, clock: LinkedClock) -> None:
    created = create(jules, "user-feedback")

    poll_until(jules, clock, created.id, in_state(SessionState.AWAITING_USER_FEEDBACK))
    questions = [a for a in jules.list_activities(created.id) if a.agent_messaged is not None]
    assert questions
    jules.send_message(created.id, "Yes, keep it backwards compatible.")
    session = poll_until(jules, clock, created.id, in_state(SessionState.COMPLETED))

    assert session.pull_request is not None
    kinds = [a.kind for a in jules.list_activities(created.id)]
    assert kinds.index("userMessaged") > kinds.index("agentMessaged")


def test_client_vs_simulator__completed_no_pr_then_asked(
    jules: JulesClient, clock: LinkedClock
) -> None:
    created = create(jules, "completed-no-pr")

    session = poll_until(jules, clock, created.id, in_state(SessionState.COMPLETED))
    assert session.pull_request is None
    jules.send_message(created.id, "Please open a pull request with the change.")
    session = poll_until(jules, clock, created.id, lambda s: s.pull_request is not None)

    assert session.state is SessionState.COMPLETED


def test_client_vs_simulator__pr_after_completed(jules: JulesClient, clock: LinkedClock) -> None:
    created = create(jules, "pr-after-completed seconds=120")

    completed = poll_until(jules, clock, created.id, in_state(SessionState.COMPLETED))
    assert completed.pull_request is None
    clock.sleep(125)
    (listed,) = [s for s in jules.list_sessions() if s.id == created.id]

    assert listed.state is SessionState.COMPLETED
    assert listed.pull_request is not None


def test_client_vs_simulator__plan_approval_inactive(
    jules: JulesClient, clock: LinkedClock
) -> None:
    created = create(jules, "plan-approval-inactive", require_plan_approval=True)

    inactive = poll_until(jules, clock, created.id, in_state(SessionState.COMPLETED))
    kinds = [a.kind for a in jules.list_activities(created.id)]
    jules.approve_plan(created.id)
    resumed = jules.get_session(created.id)
    session = poll_until(jules, clock, created.id, lambda s: s.pull_request is not None)

    # COMPLETED with no outputs and a plan never approved: the plan waits.
    assert inactive.pull_request is None
    assert kinds == ["planGenerated"]
    assert resumed.state is SessionState.IN_PROGRESS
    assert session.state is SessionState.COMPLETED


def test_client_vs_simulator__paused_until_a_message(
    jules: JulesClient, clock: LinkedClock
) -> None:
    created = create(jules, "paused")

    paused = poll_until(jules, clock, created.id, in_state(SessionState.PAUSED))
    for _ in range(10):
        clock.sleep(3600)
        assert jules.get_session(created.id).state is SessionState.PAUSED
    jules.send_message(created.id, "Please go on.")
    session = poll_until(jules, clock, created.id, in_state(SessionState.COMPLETED))

    assert paused.pull_request is None
    assert session.pull_request is not None


def test_client_vs_simulator__archived_session_found_only_with_include_archived(
    jules: JulesClient,
) -> None:
    kept, hidden = create(jules, "happy"), create(jules, "happy")
    jules.archive_session(hidden.name)

    default = [s.id for s in jules.list_sessions(page_size=1)]
    everything = [s.id for s in jules.list_sessions(page_size=1, include_archived=True)]
    archived = [s for s in jules.list_sessions(filter="archived = true") if s.id == hidden.id]
    jules.unarchive_session(hidden.id)

    assert default == [kept.id]
    assert everything == [kept.id, hidden.id]
    assert [s.archived for s in archived] == [True]
    assert jules.get_session(hidden.id).archived is False
    assert [s.id for s in jules.list_sessions()] == [hidden.id, kept.id]


def test_client_vs_simulator__unsupported_sessions_filter_is_invalid_argument(
    jules: JulesClient,
) -> None:
    with pytest.raises(JulesInvalidArgument) as caught:
        list(jules.list_sessions(filter="state = COMPLETED"))

    assert [v.field for v in caught.value.field_violations] == ["filter"]


def test_client_vs_simulator__precondition_failed_on_create(jules: JulesClient) -> None:
    with pytest.raises(JulesInvalidArgument) as caught:
        create(jules, "precondition-failed")

    assert caught.value.status == "FAILED_PRECONDITION"
    assert caught.value.status_code == 400
    assert list(jules.list_sessions(include_archived=True)) == []


def test_client_vs_simulator__pr_while_in_progress(jules: JulesClient, clock: LinkedClock) -> None:
    created = create(jules, "pr-while-in-progress")

    session = poll_until(jules, clock, created.id, lambda s: s.pull_request is not None)

    assert session.state is not SessionState.COMPLETED


def test_client_vs_simulator__not_found_window_is_retried(
    jules: JulesClient, clock: LinkedClock
) -> None:
    created = create(jules, "not-found-window seconds=20")

    session = jules.get_session(created.id)

    assert session.id == created.id
    assert clock.sleeps
    assert sum(clock.sleeps) >= 20.0


def test_client_vs_simulator__not_found_for_foreign_session_fails_at_once(
    jules: JulesClient, clock: LinkedClock
) -> None:
    with pytest.raises(JulesNotFound, match="404 NOT_FOUND"):
        jules.get_session("999999999")
    assert clock.sleeps == []


def test_client_vs_simulator__rate_limit_burst_honours_retry_after(
    jules: JulesClient, clock: LinkedClock
) -> None:
    created = create(jules, "rate-limit-burst count=2 retry-after=7")

    jules.get_session(created.id)

    assert clock.sleeps == [7.0, 7.0]


def test_client_vs_simulator__unavailable_burst_backs_off(
    jules: JulesClient, clock: LinkedClock
) -> None:
    created = create(jules, "unavailable-burst count=3")

    jules.get_session(created.id)

    assert len(clock.sleeps) == 3
    assert all(
        base / 2 <= slept <= base for slept, base in zip(clock.sleeps, (1, 2, 4), strict=True)
    )


def test_client_vs_simulator__pagination(jules: JulesClient) -> None:
    ids = {create(jules, "happy").id for _ in range(3)}

    assert {s.id for s in jules.list_sessions(page_size=1)} == ids


def test_client_vs_simulator__invalid_enum_has_field_violations(jules: JulesClient) -> None:
    with pytest.raises(JulesInvalidArgument) as caught:
        create(jules, "happy", automation_mode=AutomationMode.UNKNOWN)

    assert caught.value.field_violations
    assert "automation_mode" in caught.value.field_violations[0].field


def test_client_vs_simulator__daily_limit_is_rate_limited(
    make_simulator: Callable[..., Simulator], clock: LinkedClock
) -> None:
    simulator = make_simulator(daily_session_limit=1)
    for jules in _client(simulator, clock):
        create(jules, "happy")
        with pytest.raises(JulesRateLimited):
            create(jules, "happy")
    assert sum(clock.sleeps) <= 300.0


def test_client_vs_simulator__wrong_key_is_auth_error_without_the_key(
    simulator: Simulator, clock: LinkedClock
) -> None:
    wrong = "wrong-key-must-not-leak"
    for jules in _client(simulator, clock, key=wrong):
        with pytest.raises(JulesAuthError) as caught:
            jules.get_session("1")

    assert wrong not in str(caught.value)
    assert wrong not in repr(caught.value)
    assert clock.sleeps == []
