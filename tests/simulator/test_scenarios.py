"""Every scenario over real HTTP, driven by a ManualClock (timelines in the package README)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from jules_action_dev.simulator import ManualClock, Simulator
from tests.simulator.helpers import API_KEY, activities, create, kinds, poll


def pull_request(session: dict[str, object]) -> dict[str, str]:
    outputs = session["outputs"]
    assert isinstance(outputs, list)
    return outputs[0]["pullRequest"]  # type: ignore[no-any-return]


def send(client: httpx.Client, session_id: str, text: str) -> None:
    response = client.post(f"/sessions/{session_id}:sendMessage", json={"prompt": text})
    assert response.status_code == 200, response.text


def test_scenario_happy__walks_states_and_opens_pr(
    client: httpx.Client, manual_clock: ManualClock
) -> None:
    session = create(client, "Fix the flaky test")
    sid = session["id"]

    queued = poll(client, manual_clock, sid, 10)
    planning = poll(client, manual_clock, sid, 50)
    working = poll(client, manual_clock, sid, 140)
    done = poll(client, manual_clock, sid, 1100)

    assert [queued["state"], planning["state"], working["state"], done["state"]] == [
        "QUEUED", "PLANNING", "IN_PROGRESS", "COMPLETED",
    ]  # fmt: skip
    assert "outputs" not in working
    assert queued["updateTime"] == session["updateTime"]
    assert len({planning["updateTime"], working["updateTime"], done["updateTime"]}) == 3
    pr = pull_request(done)
    assert pr["url"] == "https://github.com/octo/widgets/pull/1"
    assert pr["title"] == "Fix the flaky test"
    assert sid in pr["description"]
    assert f"https://jules.google.com/task/{sid}" in pr["description"]
    assert pr["baseRef"] == "main"
    assert pr["headRef"].endswith(f"-{sid}")
    items = activities(client, sid)
    assert kinds(items) == [
        "planGenerated", "planApproved", "progressUpdated", "progressUpdated",
        "progressUpdated", "sessionCompleted",
    ]  # fmt: skip
    assert items[1]["originator"] == "system"
    plan_id = items[0]["planGenerated"]["plan"]["id"]
    assert items[1]["planApproved"] == {"planId": plan_id}


def test_scenario_happy__pr_numbers_increment_per_repo(
    make_simulator: Callable[..., Simulator], manual_clock: ManualClock
) -> None:
    simulator = make_simulator(github_server_url="https://ghe.example.com/")
    with httpx.Client(base_url=simulator.base_url, headers={"X-Goog-Api-Key": API_KEY}) as client:
        first, second = create(client, "One"), create(client, "Two")
        other = create(
            client,
            "Three",
            sourceContext={
                "source": "sources/github/octo/gadgets",
                "githubRepoContext": {"startingBranch": "trunk"},
            },
        )
        manual_clock.advance(1300)
        urls = [pull_request(simulator.sessions[s["id"]])["url"] for s in (first, second, other)]

    # Sessions finish in their own (jittered) order; numbers count per repository.
    assert sorted(urls[:2]) == [
        "https://ghe.example.com/octo/widgets/pull/1",
        "https://ghe.example.com/octo/widgets/pull/2",
    ]
    assert urls[2] == "https://ghe.example.com/octo/gadgets/pull/1"


def test_scenario_happy__without_auto_create_pr_never_opens_a_pr(
    client: httpx.Client, manual_clock: ManualClock
) -> None:
    session = create(client, automationMode="AUTOMATION_MODE_UNSPECIFIED")

    done = poll(client, manual_clock, session["id"], 1300)

    assert done["state"] == "COMPLETED"
    assert "outputs" not in done


def test_scenario_pr_while_in_progress__pr_appears_before_completion(
    client: httpx.Client, manual_clock: ManualClock
) -> None:
    sid = create(client, "[jules-sim:pr-while-in-progress] Fix it")["id"]

    working = poll(client, manual_clock, sid, 950)
    done = poll(client, manual_clock, sid, 350)

    assert working["state"] == "IN_PROGRESS"
    assert pull_request(working)["url"].endswith("/pull/1")
    assert done["state"] == "COMPLETED"
    assert done["outputs"] == working["outputs"]


def listed(client: httpx.Client, session_id: str) -> dict[str, object]:
    """The session as sessions.list shows it (no sessions.get of it)."""
    response = client.get("/sessions", params={"pageSize": 100})
    assert response.status_code == 200, response.text
    return next(s for s in response.json()["sessions"] if s["id"] == session_id)


def test_scenario_pr_after_completed__pr_comes_with_time_not_with_gets(
    client: httpx.Client, manual_clock: ManualClock
) -> None:
    sid = create(client, "[jules-sim:pr-after-completed] Fix it")["id"]

    manual_clock.advance(1250)
    completed = listed(client, sid)
    manual_clock.advance(60)
    with_pr = listed(client, sid)

    assert completed["state"] == with_pr["state"] == "COMPLETED"
    assert "outputs" not in completed
    assert pull_request(with_pr)["url"].endswith("/pull/1")
    assert with_pr["updateTime"] > completed["updateTime"]
    assert client.get(f"/sessions/{sid}").json()["outputs"] == with_pr["outputs"]


def test_scenario_pr_after_completed__seconds_option_sets_the_delay(
    client: httpx.Client, manual_clock: ManualClock
) -> None:
    sid = create(client, "[jules-sim:pr-after-completed seconds=600] Fix it")["id"]

    gets = [poll(client, manual_clock, sid, 1300 if n == 0 else 1) for n in range(20)]
    later = poll(client, manual_clock, sid, 600)

    assert all("outputs" not in got and got["state"] == "COMPLETED" for got in gets)
    assert "outputs" in later


def test_scenario_completed_no_pr__message_asking_for_pr_resumes_and_opens_one(
    client: httpx.Client, manual_clock: ManualClock
) -> None:
    sid = create(client, "[jules-sim:completed-no-pr] Fix it")["id"]
    done = poll(client, manual_clock, sid, 1300)
    still = poll(client, manual_clock, sid, 3600)
    assert done["state"] == still["state"] == "COMPLETED"
    assert "outputs" not in still

    send(client, sid, "Please commit your changes and open a pull request.")
    resumed = poll(client, manual_clock, sid, 0)
    finished = poll(client, manual_clock, sid, 400)

    assert resumed["state"] == "IN_PROGRESS"
    assert finished["state"] == "COMPLETED"
    assert pull_request(finished)["url"].endswith("/pull/1")
    assert kinds(activities(client, sid))[-4:] == [
        "userMessaged", "agentMessaged", "progressUpdated", "sessionCompleted",
    ]  # fmt: skip


def test_scenario_completed_no_pr__other_messages_complete_again_without_pr(
    client: httpx.Client, manual_clock: ManualClock
) -> None:
    sid = create(client, "[jules-sim:completed-no-pr] Fix it")["id"]
    poll(client, manual_clock, sid, 1300)

    send(client, sid, "Thanks, looks good.")
    finished = poll(client, manual_clock, sid, 400)

    assert finished["state"] == "COMPLETED"
    assert "outputs" not in finished


def test_scenario_failed__fails_with_a_reason(
    client: httpx.Client, manual_clock: ManualClock
) -> None:
    sid = create(client, "[jules-sim:failed] Fix it")["id"]

    failed = poll(client, manual_clock, sid, 1300)

    assert failed["state"] == "FAILED"
    assert "outputs" not in failed
    last = activities(client, sid)[-1]
    assert last["originator"] == "system"
    assert "test suite" in last["sessionFailed"]["reason"]


@pytest.mark.parametrize(
    ("prompt", "extra"),
    [("[jules-sim:plan-approval] Fix it", {}), ("Fix it", {"requirePlanApproval": True})],
)
def test_scenario_plan_approval__waits_for_approve_plan(
    client: httpx.Client, manual_clock: ManualClock, prompt: str, extra: dict[str, bool]
) -> None:
    sid = create(client, prompt, **extra)["id"]
    waiting = poll(client, manual_clock, sid, 200)
    still = poll(client, manual_clock, sid, 86_400)
    assert waiting["state"] == still["state"] == "AWAITING_PLAN_APPROVAL"

    approved = client.post(f"/sessions/{sid}:approvePlan", json={})
    again = client.post(f"/sessions/{sid}:approvePlan")
    working = poll(client, manual_clock, sid, 0)
    done = poll(client, manual_clock, sid, 1200)

    assert approved.status_code == 200
    assert approved.json() == {}
    assert again.status_code == 400
    assert again.json()["error"]["status"] == "FAILED_PRECONDITION"
    assert working["state"] == "IN_PROGRESS"
    assert done["state"] == "COMPLETED"
    assert "outputs" in done
    approval = activities(client, sid)[1]
    assert approval["originator"] == "user"
    assert "planApproved" in approval


def test_scenario_user_feedback__asks_then_continues_after_a_message(
    client: httpx.Client, manual_clock: ManualClock
) -> None:
    sid = create(client, "[jules-sim:user-feedback] Fix it")["id"]
    waiting = poll(client, manual_clock, sid, 600)
    still = poll(client, manual_clock, sid, 86_400)
    question = activities(client, sid)[-1]
    assert waiting["state"] == still["state"] == "AWAITING_USER_FEEDBACK"
    assert question["originator"] == "agent"
    assert question["agentMessaged"]["agentMessage"].endswith("?")

    send(client, sid, "Yes, keep it compatible.")
    working = poll(client, manual_clock, sid, 0)
    done = poll(client, manual_clock, sid, 800)

    assert working["state"] == "IN_PROGRESS"
    assert done["state"] == "COMPLETED"
    assert "outputs" in done
    assert activities(client, sid)[4]["userMessaged"] == {"userMessage": "Yes, keep it compatible."}


def test_scenario_stuck__stays_in_progress_forever(
    client: httpx.Client, manual_clock: ManualClock
) -> None:
    sid = create(client, "[jules-sim:stuck] Fix it")["id"]

    states = {poll(client, manual_clock, sid, step)["state"] for step in (800, 86_400, 864_000)}

    assert states == {"IN_PROGRESS"}


def test_scenario_not_found_window__gets_404_until_the_window_passes(
    client: httpx.Client, manual_clock: ManualClock
) -> None:
    sid = create(client, "[jules-sim:not-found-window seconds=120] Fix it")["id"]

    early = [client.get(f"/sessions/{sid}"), client.get(f"/sessions/{sid}/activities")]
    manual_clock.advance(121)
    late = [client.get(f"/sessions/{sid}"), client.get(f"/sessions/{sid}/activities")]

    assert [r.status_code for r in early] == [404, 404]
    assert early[0].json()["error"]["message"] == "Requested entity was not found."
    assert [r.status_code for r in late] == [200, 200]


@pytest.mark.parametrize(
    ("marker", "status", "retry_after"),
    [
        ("rate-limit-burst count=2 retry-after=3", 429, "3"),
        ("unavailable-burst count=2", 503, None),
    ],
)
def test_scenario_bursts__first_requests_on_the_session_fail(
    client: httpx.Client, marker: str, status: int, retry_after: str | None
) -> None:
    sid = create(client, f"[jules-sim:{marker}] Fix it")["id"]

    responses = [
        client.get(f"/sessions/{sid}"),
        client.get(f"/sessions/{sid}/activities"),
        client.get(f"/sessions/{sid}"),
    ]

    assert [r.status_code for r in responses] == [status, status, 200]
    assert responses[0].headers.get("Retry-After") == retry_after
    assert responses[0].json()["error"]["code"] == status


def test_scenario_default__config_sets_it_and_a_marker_overrides_it(
    make_simulator: Callable[..., Simulator], manual_clock: ManualClock
) -> None:
    simulator = make_simulator(default_scenario="failed")
    with httpx.Client(base_url=simulator.base_url, headers={"X-Goog-Api-Key": API_KEY}) as client:
        default = create(client, "Fix it")["id"]
        marked = create(client, "Fix it [jules-sim:happy]")["id"]
        manual_clock.advance(1300)
        states = [simulator.sessions[sid]["state"] for sid in (default, marked)]

    assert states == ["FAILED", "COMPLETED"]


def test_scenario_no_changes__even_a_pr_request_completes_without_pr(
    client: httpx.Client, manual_clock: ManualClock
) -> None:
    sid = create(client, "[jules-sim:no-changes] Fix it")["id"]
    poll(client, manual_clock, sid, 1300)

    send(client, sid, "Please commit your changes and open a pull request.")
    resumed = poll(client, manual_clock, sid, 0)
    finished = poll(client, manual_clock, sid, 400)

    assert resumed["state"] == "IN_PROGRESS"
    assert finished["state"] == "COMPLETED"
    assert "outputs" not in finished


def test_scenario_plan_approval_inactive__reads_completed_while_the_plan_waits(
    client: httpx.Client, manual_clock: ManualClock
) -> None:
    sid = create(client, "[jules-sim:plan-approval-inactive] Fix it")["id"]
    states = [poll(client, manual_clock, sid, step)["state"] for step in (60, 70, 60, 86_400)]
    inactive = poll(client, manual_clock, sid, 0)
    assert states == ["PLANNING", "PLANNING", "COMPLETED", "COMPLETED"]
    assert "outputs" not in inactive
    assert kinds(activities(client, sid)) == ["planGenerated"]

    approved = client.post(f"/sessions/{sid}:approvePlan", json={})
    working = poll(client, manual_clock, sid, 0)
    done = poll(client, manual_clock, sid, 1200)
    again = client.post(f"/sessions/{sid}:approvePlan", json={})

    assert (approved.status_code, approved.json()) == (200, {})
    assert working["state"] == "IN_PROGRESS"
    assert working["updateTime"] > inactive["updateTime"]
    assert done["state"] == "COMPLETED"
    assert pull_request(done)["url"].endswith("/pull/1")
    items = activities(client, sid)
    assert kinds(items) == [
        "planGenerated", "planApproved", "progressUpdated", "progressUpdated",
        "progressUpdated", "sessionCompleted",
    ]  # fmt: skip
    assert items[1]["originator"] == "user"
    assert items[1]["planApproved"]["planId"] == items[0]["planGenerated"]["plan"]["id"]
    assert again.json()["error"]["status"] == "FAILED_PRECONDITION"


def test_scenario_plan_approval_inactive__seconds_shows_awaiting_first(
    client: httpx.Client, manual_clock: ManualClock
) -> None:
    sid = create(client, "[jules-sim:plan-approval-inactive seconds=300] Fix it")["id"]

    awaiting = poll(client, manual_clock, sid, 200)
    inactive = poll(client, manual_clock, sid, 310)
    message = client.post(f"/sessions/{sid}:sendMessage", json={"prompt": "Any news?"})
    replied = poll(client, manual_clock, sid, 120)

    assert awaiting["state"] == "AWAITING_PLAN_APPROVAL"
    assert inactive["state"] == replied["state"] == "COMPLETED"
    assert message.status_code == 200
    # A message does not approve the plan: the agent answers and the plan still waits.
    assert kinds(activities(client, sid)) == ["planGenerated", "userMessaged", "agentMessaged"]
    assert client.post(f"/sessions/{sid}:approvePlan", json={}).status_code == 200
    assert poll(client, manual_clock, sid, 1200)["outputs"]


def test_scenario_paused__stays_paused_until_a_message_resumes_it(
    client: httpx.Client, manual_clock: ManualClock
) -> None:
    sid = create(client, "[jules-sim:paused] Fix it")["id"]
    working = poll(client, manual_clock, sid, 700)
    paused = poll(client, manual_clock, sid, 150)
    still = poll(client, manual_clock, sid, 7 * 86_400)
    before = kinds(activities(client, sid))
    assert working["state"] == "IN_PROGRESS"
    assert paused["state"] == still["state"] == "PAUSED"
    assert paused["updateTime"] == still["updateTime"]
    assert "outputs" not in still
    refused = client.post(f"/sessions/{sid}:approvePlan", json={})
    assert refused.json()["error"]["status"] == "FAILED_PRECONDITION"

    send(client, sid, "Please continue.")
    resumed = poll(client, manual_clock, sid, 0)
    done = poll(client, manual_clock, sid, 600)

    assert resumed["state"] == "IN_PROGRESS"
    assert done["state"] == "COMPLETED"
    assert pull_request(done)["url"].endswith("/pull/1")
    assert kinds(activities(client, sid)) == [
        *before, "userMessaged", "progressUpdated", "sessionCompleted",
    ]  # fmt: skip


def test_scenario_paused__seconds_is_a_resume_from_the_web_app(
    client: httpx.Client, manual_clock: ManualClock
) -> None:
    sid = create(client, "[jules-sim:paused seconds=600] Fix it")["id"]

    paused = poll(client, manual_clock, sid, 850)
    resumed = poll(client, manual_clock, sid, 602)
    done = poll(client, manual_clock, sid, 600)

    assert (paused["state"], resumed["state"], done["state"]) == (
        "PAUSED", "IN_PROGRESS", "COMPLETED",
    )  # fmt: skip
    assert "userMessaged" not in kinds(activities(client, sid))


def test_scenario_precondition_failed__create_answers_the_live_error(
    client: httpx.Client, simulator: Simulator
) -> None:
    response = client.post(
        "/sessions",
        json={"prompt": "[jules-sim:precondition-failed] Fix it", "requirePlanApproval": False},
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": 400,
            "message": "Precondition check failed.",
            "status": "FAILED_PRECONDITION",
        }
    }
    assert simulator.sessions == {}


@pytest.mark.parametrize("scenario", ["happy", "user-feedback", "pr-while-in-progress", "paused"])
def test_scenarios__no_bash_output_artifacts(
    client: httpx.Client, manual_clock: ManualClock, scenario: str
) -> None:
    sid = create(client, f"[jules-sim:{scenario}] Fix it")["id"]
    for _ in range(4):
        poll(client, manual_clock, sid, 600)
        client.post(f"/sessions/{sid}:sendMessage", json={"prompt": "Yes, go on."})
    poll(client, manual_clock, sid, 1200)

    artifacts = [kind for item in activities(client, sid) for a in item.get("artifacts", [])
                 for kind in a]  # fmt: skip

    assert artifacts == ["changeSet"] * artifacts.count("changeSet")
    assert artifacts


def _first(
    client: httpx.Client, clock: ManualClock, sid: str, found: Callable[[dict[str, object]], bool]
) -> float:
    """Simulated seconds after create of the first 1-second poll where ``found`` holds."""
    for second in range(1, 3000):
        if found(poll(client, clock, sid, 1)):
            return float(second)
    raise AssertionError("never")


def test_scenario_pr_while_in_progress__seconds_opens_the_pr_that_long_before_completion(
    client: httpx.Client, manual_clock: ManualClock
) -> None:
    sid = create(client, "[jules-sim:pr-while-in-progress seconds=30] Fix it")["id"]

    pr_at = _first(client, manual_clock, sid, lambda s: "outputs" in s)
    assert poll(client, manual_clock, sid, 0)["state"] == "IN_PROGRESS"
    done_at = pr_at + _first(client, manual_clock, sid, lambda s: s["state"] == "COMPLETED")

    assert 1170 <= pr_at <= 1178
    assert 29 <= done_at - pr_at <= 32


def test_scenario_options__queue_shifts_and_scale_shortens_the_timeline(
    client: httpx.Client, manual_clock: ManualClock
) -> None:
    late = create(client, "[jules-sim:happy queue=100] Fix it")["id"]
    short = create(client, "[jules-sim:happy scale=0.1] Fix it")["id"]

    assert poll(client, manual_clock, late, 90)["state"] == "QUEUED"
    assert poll(client, manual_clock, late, 11)["state"] == "PLANNING"
    manual_clock.advance(150 - 101)
    assert poll(client, manual_clock, short, 10)["state"] == "COMPLETED"
    assert "outputs" in poll(client, manual_clock, short, 0)
