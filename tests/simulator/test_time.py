"""Simulator time: a sped-up clock or advance_per_get never shows a timestamp ahead of the wall
clock, while scenario timelines still run on simulated time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from jules_action_dev.simulator import ScaledClock, Simulator, SimulatorConfig, SourceConfig
from jules_action_dev.simulator.wire import micros_from_datetime, parse_timestamp
from tests.simulator.helpers import API_KEY, activities, create

WALL_START = datetime(2026, 11, 24, 9, 0, 0, tzinfo=UTC)


class FakeMonotonic:
    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


def shown_times(session: dict[str, Any], items: list[dict[str, Any]]) -> list[int]:
    """Every timestamp a client sees for the session, as microseconds."""
    texts = [session["createTime"], session["updateTime"]]
    for item in items:
        texts.append(item["createTime"])
        if "planGenerated" in item:
            texts.append(item["planGenerated"]["plan"]["createTime"])
    return [parse_timestamp(text) for text in texts]


def test_scaled_clock__runs_fast_and_maps_back_onto_the_wall_clock() -> None:
    monotonic = FakeMonotonic()
    clock = ScaledClock(600, wall=lambda: WALL_START, monotonic=monotonic)

    monotonic.value += 2.0

    assert clock.now() == WALL_START + timedelta(seconds=1200)
    assert clock.to_wall(clock.now()) == WALL_START + timedelta(seconds=2)
    assert clock.to_wall(WALL_START) == WALL_START


def test_time_scale__timestamps_follow_the_wall_clock_not_simulated_time() -> None:
    monotonic = FakeMonotonic()
    clock = ScaledClock(600, wall=lambda: WALL_START, monotonic=monotonic)
    config = SimulatorConfig(
        api_keys=(API_KEY,), sources=(SourceConfig("octo", "widgets"),), seed=3
    )
    with (
        Simulator(config, clock=clock) as simulator,
        httpx.Client(base_url=simulator.base_url, headers={"X-Goog-Api-Key": API_KEY}) as client,
    ):
        created = create(client)
        monotonic.value += 3.0  # 1800 simulated seconds: the happy path is over
        session = client.get(f"/sessions/{created['id']}").json()
        items = activities(client, created["id"])

    times = shown_times(session, items)
    assert session["state"] == "COMPLETED"
    assert session["createTime"] == "2026-11-24T09:00:00Z"
    assert min(times) >= micros_from_datetime(WALL_START)
    assert max(times) <= micros_from_datetime(WALL_START + timedelta(seconds=3))
    # The timeline keeps its shape, compressed 600 times: completed ≈ 1200 s / 600 = 2 s in.
    completed = parse_timestamp(items[-1]["createTime"]) - micros_from_datetime(WALL_START)
    assert 1_990_000 <= completed <= 2_020_000
    item_times = [parse_timestamp(item["createTime"]) for item in items]
    assert item_times == sorted(set(item_times))


def test_advance_per_get__timestamps_never_pass_the_clock(
    make_simulator: Callable[..., Simulator],
) -> None:
    simulator = make_simulator(advance_per_get=120)
    now = micros_from_datetime(simulator.clock.now())
    with httpx.Client(base_url=simulator.base_url, headers={"X-Goog-Api-Key": API_KEY}) as client:
        sid = create(client)["id"]
        states = [client.get(f"/sessions/{sid}").json()["state"] for _ in range(15)]
        session = client.get(f"/sessions/{sid}").json()
        items = activities(client, sid)

    assert states[-1] == "COMPLETED"
    assert max(shown_times(session, items)) <= now + len(items)  # +1 µs per same-instant step
