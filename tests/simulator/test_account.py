"""Account-level behaviour: concurrency cap, daily quota, advance_per_get, the PR hook, request
recording and many clients at once."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from jules_action_dev.simulator import ManualClock, Simulator
from jules_action_dev.simulator.wire import parse_timestamp
from tests.simulator.helpers import API_KEY, activities, create, poll, session_body


def open_client(simulator: Simulator) -> httpx.Client:
    return httpx.Client(base_url=simulator.base_url, headers={"X-Goog-Api-Key": API_KEY})


def test_concurrency_cap__sessions_beyond_the_cap_stay_queued_until_a_slot_frees(
    make_simulator: Callable[..., Simulator], manual_clock: ManualClock
) -> None:
    simulator = make_simulator(max_concurrent_sessions=2)
    with open_client(simulator) as client:
        ids = [create(client, f"Task {n}")["id"] for n in range(3)]
        manual_clock.advance(60)
        early = [simulator.sessions[sid]["state"] for sid in ids]
        manual_clock.advance(1240)
        late = [simulator.sessions[sid]["state"] for sid in ids]
        first_done = min(
            parse_timestamp(activities(client, sid)[-1]["createTime"]) for sid in ids[:2]
        )
        third_start = parse_timestamp(simulator.sessions[ids[2]]["updateTime"])

    assert early == ["PLANNING", "PLANNING", "QUEUED"]
    assert late == ["COMPLETED", "COMPLETED", "PLANNING"]
    # Promoted at the moment the slot freed, not at the next request.
    assert 0 <= third_start - first_done < 10_000_000


def test_concurrency_cap__awaiting_states_hold_a_slot(
    make_simulator: Callable[..., Simulator], manual_clock: ManualClock
) -> None:
    simulator = make_simulator(max_concurrent_sessions=1)
    with open_client(simulator) as client:
        waiting = create(client, "[jules-sim:plan-approval] A")["id"]
        queued = create(client, "B")["id"]
        manual_clock.advance(86_400)
        before = [simulator.sessions[sid]["state"] for sid in (waiting, queued)]
        client.post(f"/sessions/{waiting}:approvePlan", json={})
        manual_clock.advance(1100)
        after = [simulator.sessions[sid]["state"] for sid in (waiting, queued)]

    assert before == ["AWAITING_PLAN_APPROVAL", "QUEUED"]
    assert after == ["COMPLETED", "PLANNING"]


@pytest.mark.parametrize(
    ("marker", "state"), [("paused", "PAUSED"), ("plan-approval-inactive", "COMPLETED")]
)
def test_concurrency_cap__paused_and_inactive_plan_hold_a_slot(
    make_simulator: Callable[..., Simulator], manual_clock: ManualClock, marker: str, state: str
) -> None:
    simulator = make_simulator(max_concurrent_sessions=1)
    with open_client(simulator) as client:
        holder = create(client, f"[jules-sim:{marker}] A")["id"]
        queued = create(client, "B")["id"]
        manual_clock.advance(86_400)
        states = [simulator.sessions[sid]["state"] for sid in (holder, queued)]

    assert states == [state, "QUEUED"]


def test_daily_quota__creates_beyond_the_limit_get_429_until_the_next_day(
    make_simulator: Callable[..., Simulator], manual_clock: ManualClock
) -> None:
    simulator = make_simulator(daily_session_limit=2)
    with open_client(simulator) as client:
        create(client, "One")
        create(client, "Two")
        refused = client.post("/sessions", json=session_body("Three"))
        manual_clock.advance(86_400)
        tomorrow = client.post("/sessions", json=session_body("Three"))

    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["status"] == "RESOURCE_EXHAUSTED"
    assert "daily task limit" in error["message"].lower()
    assert tomorrow.status_code == 200
    assert len(simulator.sessions) == 3


def test_advance_per_get__each_get_moves_that_session_forward(
    make_simulator: Callable[..., Simulator],
) -> None:
    simulator = make_simulator(advance_per_get=60)
    with open_client(simulator) as client:
        sid = create(client)["id"]
        other = create(client, "Not polled")["id"]
        states = [client.get(f"/sessions/{sid}").json()["state"] for _ in range(25)]
        other_state = client.get(f"/sessions/{other}").json()["state"]

    assert states[0] == "PLANNING"
    assert states.index("COMPLETED") in range(19, 22)
    assert other_state == "PLANNING"


def test_on_pull_request__hook_receives_the_pr_and_its_url_is_used(
    make_simulator: Callable[..., Simulator], manual_clock: ManualClock
) -> None:
    calls: list[dict[str, Any]] = []

    def hook(request: dict[str, Any]) -> str | None:
        calls.append(request)
        return "http://standin.test/octo/widgets/pull/77" if len(calls) == 1 else None

    simulator = make_simulator(on_pull_request=hook)
    with open_client(simulator) as client:
        first = create(client, "Fix it")["id"]
        second = create(client, "Fix more")["id"]
        urls = [poll(client, manual_clock, first, 1300)["outputs"][0]["pullRequest"]["url"]]
        urls.append(poll(client, manual_clock, second, 0)["outputs"][0]["pullRequest"]["url"])

    assert urls == [
        "http://standin.test/octo/widgets/pull/77",
        "https://github.com/octo/widgets/pull/1",
    ]
    assert calls[0] == {
        "owner": "octo",
        "repo": "widgets",
        "base": "main",
        "head": calls[0]["head"],
        "title": "Fix it",
        "body": calls[0]["body"],
        "session_id": first,
    }
    assert calls[0]["head"].endswith(first)
    assert f"https://jules.google.com/task/{first}" in calls[0]["body"]


def test_requests__are_recorded_without_the_key_value(simulator: Simulator) -> None:
    with open_client(simulator) as client, httpx.Client(base_url=simulator.base_url) as anonymous:
        sid = create(client)["id"]
        client.get("/sessions", params={"pageSize": 5})
        client.post(f"/sessions/{sid}:sendMessage", content=b"{oops")
        anonymous.get(f"/sessions/{sid}")

    created, listed, broken, unauthenticated = simulator.requests
    assert (created.method, created.path, created.status) == ("POST", "/v1alpha/sessions", 200)
    assert created.body == session_body()
    assert created.operation == "sessions.create"
    assert created.api_key_sent
    assert listed.query == {"pageSize": "5"}
    assert (broken.status, broken.body, broken.operation) == (400, None, "sessions.sendMessage")
    assert (unauthenticated.status, unauthenticated.api_key_sent) == (401, False)
    assert API_KEY not in repr(simulator.requests)
    assert simulator.counts() == {
        "sessions.create": 1,
        "sessions.list": 1,
        "sessions.sendMessage": 1,
        "sessions.get": 1,
    }


def test_concurrency__thirty_clients_create_and_poll_at_once(
    make_simulator: Callable[..., Simulator],
) -> None:
    simulator = make_simulator(advance_per_get=120)

    def job(n: int) -> tuple[str, list[int], str]:
        with open_client(simulator) as client:
            created = client.post("/sessions", json=session_body(f"Job {n}"))
            sid = created.json()["id"]
            statuses = [created.status_code]
            for _ in range(12):
                response = client.get(f"/sessions/{sid}")
                statuses.append(response.status_code)
            statuses.append(client.get(f"/sessions/{sid}/activities").status_code)
            return sid, statuses, response.json()["outputs"][0]["pullRequest"]["url"]

    with ThreadPoolExecutor(max_workers=30) as pool:
        results = list(pool.map(job, range(30)))

    assert all(statuses == [200] * 14 for _, statuses, _ in results)
    assert len({sid for sid, _, _ in results}) == 30
    assert sorted(int(url.rsplit("/", 1)[1]) for _, _, url in results) == list(range(1, 31))
    assert simulator.counts() == {
        "sessions.create": 30,
        "sessions.get": 360,
        "sessions.activities.list": 30,
    }
    assert len(simulator.requests) == 420
    assert {s["state"] for s in simulator.sessions.values()} == {"COMPLETED"}


def test_on_pull_request__a_failing_hook_answers_500(
    make_simulator: Callable[..., Simulator], manual_clock: ManualClock
) -> None:
    def hook(request: dict[str, Any]) -> str | None:
        raise RuntimeError("stand-in is down")

    simulator = make_simulator(on_pull_request=hook)
    with open_client(simulator) as client:
        sid = create(client)["id"]
        manual_clock.advance(1300)
        response = client.get(f"/sessions/{sid}")

    assert response.status_code == 500
    assert response.json()["error"]["status"] == "INTERNAL"


def test_stop__closes_idle_keep_alive_connections_and_is_idempotent(
    make_simulator: Callable[..., Simulator],
) -> None:
    simulator = make_simulator()
    with open_client(simulator) as client:
        assert client.get("/sources").status_code == 200
        simulator.stop()
        simulator.stop()
        with pytest.raises(httpx.TransportError):
            client.get("/sources")
