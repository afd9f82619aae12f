"""GitHub writes and wall time of two runs, through the real PyGithub adapter over HTTP.

The GitHub port is ``github_pygithub.build_github_port`` exactly as ``cli.py`` builds it
(PyGithub's pacing included: ``seconds_between_requests=0.25``, ``seconds_between_writes=1``,
real ``time.sleep``), talking to the local GitHub stand-in (``jules_action_dev.standin``); Jules
is the simulator on a manual clock. Measured in real time:

- **hand-off run**: an ``issues: labeled`` job with ``wait-minutes: 0`` (claim, label, create
  the session, hand off);
- **reconcile, 10 PRs**: one ``mode: reconcile`` pass over 10 issues whose handed-off sessions
  have all opened their PR (set up beforehand with the in-memory GitHub, not measured).

Printed: GitHub requests by HTTP method and operation, writes, wall seconds, and how much of
that is PyGithub's pacing (writes * 1 s at least). Usage, from the repository root:
``.venv/bin/python bench/github_writes.py``.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import OWNER, REPO, TOKEN, World, world

from jules_action.github_pygithub import build_github_port
from jules_action_dev.simulator import ManualClock
from jules_action_dev.standin import GitHubStandin

RECONCILED: Final = 10
WRITE_METHODS: Final = frozenset({"POST", "PATCH", "PUT", "DELETE"})


class WallClock:
    """Real time for waits and durations; the simulator's instant for ``now()``."""

    def __init__(self, sim: ManualClock) -> None:
        self._sim = sim

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return self._sim.now()

    def sleep(self, seconds: float) -> None:
        time.sleep(max(seconds, 0.0))


@dataclass(frozen=True)
class Measured:
    name: str
    outcome: str
    seconds: float
    by_method: Counter[str]
    by_operation: Counter[str]

    @property
    def writes(self) -> int:
        return sum(n for method, n in self.by_method.items() if method in WRITE_METHODS)


def measure(name: str, bench: World, go: Callable[..., object]) -> Measured:
    """Run ``go(github=..., clock=...)`` with PyGithub over HTTP; count what GitHub received."""
    with GitHubStandin(bench.state, token=TOKEN) as standin:
        port = build_github_port(token=TOKEN, api_url=standin.api_url, repository=f"{OWNER}/{REPO}")
        try:
            started = time.monotonic()
            go(github=port, clock=WallClock(bench.clock.sim))
            seconds = time.monotonic() - started
        finally:
            port.close()
        requests = standin.requests
    return Measured(
        name=name,
        outcome=bench.jobs[-1].outcome,
        seconds=seconds,
        by_method=Counter(r.method for r in requests),
        by_operation=Counter(
            f"{r.method} {r.operation}" for r in requests if r.method in WRITE_METHODS
        ),
    )


def hand_off() -> Measured:
    with world() as bench:
        return measure(
            "hand-off run", bench, lambda **ports: bench.label_job(wait_minutes="0", **ports)
        )


def reconcile_ten() -> Measured:
    with world(issues=RECONCILED) as bench:
        for issue in range(1, RECONCILED + 1):
            assert bench.label_job(issue, wait_minutes="0").outcome == "handed-off"
        bench.clock.advance(25 * 60)
        measured = measure(
            f"reconcile pass, {RECONCILED} PRs",
            bench,
            lambda **ports: bench.reconcile_job(max_concurrent_sessions="10", **ports),
        )
        assert len(bench.linked_at) == RECONCILED, bench.linked_at
        return measured


def main() -> None:
    results = [hand_off(), reconcile_ten()]
    print("PyGithub over HTTP to the GitHub stand-in, real time, pacing as build_github_port.\n")
    print(f"{'run':<24}  {'outcome':<11}  {'writes':>6}  {'GETs':>4}  {'wall s':>6}")
    for m in results:
        print(
            f"{m.name:<24}  {m.outcome:<11}  {m.writes:>6}  {m.by_method['GET']:>4}  "
            f"{m.seconds:>6.1f}"
        )
    print("\nWrites by request:")
    for m in results:
        parts = ", ".join(f"{op} {n}" for op, n in sorted(m.by_operation.items()))
        print(f"  {m.name}: {parts}")


if __name__ == "__main__":
    main()
