"""Shared test fixtures: a fake clock and a hermetic environment."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest


@dataclass
class FakeClock:
    """A Clock whose sleep records the duration and advances time instantly."""

    start: datetime = field(default_factory=lambda: datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    elapsed: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.elapsed

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.elapsed)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.elapsed += max(seconds, 0.0)

    def advance(self, seconds: float) -> None:
        self.elapsed += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(autouse=True)
def _hermetic_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's shell must not change a result: drop GitHub, input and Jules variables."""
    import os

    for name in list(os.environ):
        if name.startswith(("GITHUB_", "INPUT_", "JULES_", "RUNNER_")) or name == "CI":
            monkeypatch.delenv(name, raising=False)
