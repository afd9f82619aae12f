"""Session-time clocks for the simulator: a scaled real clock (reads the system clock) and a
manual clock for deterministic tests (no I/O).

Scenario timelines are in simulated seconds; the clock says which simulated instant it is now,
and ``to_wall`` which instant a simulated one shows as in timestamps: a sped-up clock
compresses its timeline back onto the wall clock, so no timestamp is ever in the future.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol


class SimClock(Protocol):
    def now(self) -> datetime:
        """The current simulated instant, timezone-aware (UTC)."""
        ...

    def to_wall(self, moment: datetime) -> datetime:
        """The instant to show in timestamps for simulated instant ``moment`` (never later
        than the wall clock when ``moment`` is not later than ``now()``)."""
        ...


class ScaledClock:
    """Real time sped up by ``time_scale``: 120 makes a 20-minute session pass in 10 s.

    Simulated time starts at the wall clock and then runs ``time_scale`` times faster, so
    ``now()`` is ahead of the wall clock; ``to_wall`` maps it back for timestamps. ``wall`` and
    ``monotonic`` default to the system clocks (tests inject fakes).
    """

    def __init__(
        self,
        time_scale: float = 1.0,
        *,
        wall: Callable[[], datetime] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.time_scale = time_scale
        self._monotonic = monotonic
        self._start_wall = (wall or (lambda: datetime.now(UTC)))()
        self._start_monotonic = monotonic()

    def now(self) -> datetime:
        elapsed = (self._monotonic() - self._start_monotonic) * self.time_scale
        return self._start_wall + timedelta(seconds=elapsed)

    def to_wall(self, moment: datetime) -> datetime:
        """When, in real time, simulated ``moment`` came: the start plus elapsed / scale."""
        return self._start_wall + (moment - self._start_wall) / self.time_scale


class ManualClock:
    """Stands still until ``advance`` is called; thread-safe."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 24, 9, 0, 0, 123456, tzinfo=UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def to_wall(self, moment: datetime) -> datetime:
        """A manual clock is its own wall clock."""
        return moment

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        with self._lock:
            self._now += timedelta(seconds=seconds)
