"""Session-time clocks for the simulator: a scaled real clock (reads the system clock) and a
manual clock for deterministic tests (no I/O).

Scenario timelines are in simulated seconds; the clock says which simulated instant it is now.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class SimClock(Protocol):
    def now(self) -> datetime:
        """The current simulated instant, timezone-aware (UTC)."""
        ...


class ScaledClock:
    """Real time sped up by ``time_scale``: 120 makes a 20-minute session pass in 10 s."""

    def __init__(self, time_scale: float = 1.0) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.time_scale = time_scale
        self._start_wall = datetime.now(UTC)
        self._start_monotonic = time.monotonic()

    def now(self) -> datetime:
        elapsed = (time.monotonic() - self._start_monotonic) * self.time_scale
        return self._start_wall + timedelta(seconds=elapsed)


class ManualClock:
    """Stands still until ``advance`` is called; thread-safe."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 24, 9, 0, 0, 123456, tzinfo=UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        with self._lock:
            self._now += timedelta(seconds=seconds)
