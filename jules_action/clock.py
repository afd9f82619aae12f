"""The clock seam: monotonic time, wall time and sleep, injected everywhere.

``SystemClock`` is the real one (it sleeps).

Tests use a fake whose ``sleep`` records the duration and advances ``monotonic``/``now``,
so retries, backoff and deadlines are checked without real time passing.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards."""
        ...

    def now(self) -> datetime:
        """The current wall-clock time, timezone-aware (UTC)."""
        ...

    def sleep(self, seconds: float) -> None:
        """Block for ``seconds``."""
        ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)
