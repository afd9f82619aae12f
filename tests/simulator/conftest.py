"""Fixtures for the simulator tests: a started simulator on a ManualClock and an httpx client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from jules_action_dev.simulator import ManualClock, Simulator, SimulatorConfig, SourceConfig
from tests.simulator.helpers import API_KEY


@pytest.fixture
def manual_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def make_simulator(manual_clock: ManualClock) -> Iterator[Callable[..., Simulator]]:
    """Start simulators with config overrides; all are stopped at teardown."""
    started: list[Simulator] = []

    def make(*, on_pull_request: Any = None, **overrides: Any) -> Simulator:
        values: dict[str, Any] = {
            "api_keys": (API_KEY,),
            "sources": (
                SourceConfig("octo", "widgets", branches=("main", "dev")),
                SourceConfig("octo", "gadgets", default_branch="trunk", is_private=True),
            ),
            "seed": 7,
            **overrides,
        }
        simulator = Simulator(
            SimulatorConfig(**values), clock=manual_clock, on_pull_request=on_pull_request
        )
        started.append(simulator.start())
        return simulator

    yield make
    for simulator in started:
        simulator.stop()


@pytest.fixture
def simulator(make_simulator: Callable[..., Simulator]) -> Simulator:
    return make_simulator()


@pytest.fixture
def client(simulator: Simulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=simulator.base_url, headers={"X-Goog-Api-Key": API_KEY}) as http:
        yield http
