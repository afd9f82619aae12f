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


def test_scenario_pr_after_completed__pr_appears_on_the_third_completed_poll(
    client: httpx.Client, manual_clock: ManualClock
) -> None:
    sid = create(client, "[jules-sim:pr-after-completed] Fix it")["id"]

    polls = [poll(client, manual_clock, sid, 1300 if n == 0 else 10) for n in range(3)]

    assert [p["state"] for p in polls] == ["COMPLETED"] * 3
    assert ["outputs" in p for p in polls] == [False, False, True]


def test_scenario_pr_after_completed__polls_option_changes_the_count(
    client: httpx.Client, manual_clock: ManualClock
) -> None:
    sid = create(client, "[jules-sim:pr-after-completed polls=1] Fix it")["id"]

    assert "outputs" in poll(client, manual_clock, sid, 1300)


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
