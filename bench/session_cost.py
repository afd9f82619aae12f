"""What one Jules session costs: waiting in the job versus hand-off plus a reconcile schedule.

Runs the real action (``orchestrator.run`` and ``reconcile.reconcile``) against the Jules
simulator over HTTP and an in-memory GitHub, on a fake clock linked to the simulator's, so a
20-minute session takes well under a second and no run sleeps for real. For one ``happy``
session (about 20 simulated minutes) it compares

- in-job waiting: ``wait-minutes: 30``, ``poll-interval: 15`` (the defaults);
- hand-off: ``wait-minutes: 0``, then a reconcile job every 5 (or 10) minutes;

and prints Jules requests by method, PR-detection latency (from the moment the simulated
session opened its PR to the tracking-comment edit that shows the link) and runner time. A
cron schedule's phase relative to the label is arbitrary, so each hand-off variant is run
with the label at ten evenly spaced points of the interval and reported as mean (min-max).

Usage, from the repository root: ``python bench/session_cost.py``
"""

from __future__ import annotations

import statistics
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import OVERHEAD_PER_JOB, World, world

PHASES = 10
"""Hand-off runs per variant: the label lands at 0, 1/10, ... 9/10 of the cron interval."""


def pr_opened_at(b: World) -> float:
    [opened] = b.pr_at.values()
    return opened


def session_minutes(b: World) -> float:
    [session] = b.simulator.sessions.values()
    return (pr_opened_at(b) - 0.0) / 60 if session else 0.0


@dataclass(frozen=True)
class Result:
    name: str
    requests: Counter[str]
    latency: float
    jobs: int
    job_seconds: float
    session_minutes: float


def in_job() -> Result:
    with world() as b:
        job = b.label_job(wait_minutes="30")
        assert job.outcome == "pr-opened", job
        return Result(
            "in-job wait (30 min, default poll-interval)",
            b.simulator.counts(),
            b.linked_at[1] - pr_opened_at(b),
            len(b.jobs),
            sum(j.seconds for j in b.jobs),
            session_minutes(b),
        )


def hand_off(interval_minutes: int, offset: float) -> Result:
    """Label ``offset`` seconds after a cron tick; reconcile on every tick until the link."""
    interval = interval_minutes * 60.0
    with world() as b:
        b.clock.advance(offset)
        assert b.label_job(wait_minutes="0").outcome == "handed-off"
        tick = interval
        while 1 not in b.linked_at:
            b.clock.advance(max(tick - b.clock.elapsed, 0.0))
            b.reconcile_job(max_concurrent_sessions="3")
            tick += interval
            assert tick < 4 * 3600, "reconcile never posted the PR link"
        return Result(
            f"hand-off + reconcile every {interval_minutes} min",
            b.simulator.counts(),
            b.linked_at[1] - pr_opened_at(b),
            len(b.jobs),
            sum(j.seconds for j in b.jobs),
            session_minutes(b),
        )


def summarize(results: list[Result]) -> dict[str, str]:
    """Mean (min-max) over the cron phases of one variant."""

    def spread(values: list[float], fmt: str) -> str:
        low, high, mean = min(values), max(values), statistics.fmean(values)
        if low == high:
            return format(mean, fmt)
        return f"{format(mean, fmt)} ({format(low, fmt)}-{format(high, fmt)})"

    methods = sorted({m for r in results for m in r.requests})
    requests = ", ".join(
        f"{m.removeprefix('sessions.')} {spread([float(r.requests[m]) for r in results], '.1f')}"
        for m in methods
    )
    return {
        "variant": results[0].name + (f" [{len(results)} phases]" if len(results) > 1 else ""),
        "requests": requests,
        "total": spread([float(sum(r.requests.values())) for r in results], ".1f"),
        "latency": spread([r.latency for r in results], ".0f"),
        "jobs": spread([float(r.jobs) for r in results], ".1f"),
        "runner": spread([r.job_seconds for r in results], ".0f"),
        "with_overhead": spread(
            [r.job_seconds + OVERHEAD_PER_JOB * r.jobs for r in results], ".0f"
        ),
    }


def main() -> None:
    variants = [[in_job()]]
    for interval in (5, 10):
        step = interval * 60.0 / PHASES
        variants.append([hand_off(interval, phase * step) for phase in range(PHASES)])
    minutes = variants[0][0].session_minutes
    print(
        f"One 'happy' simulated session: {minutes:.1f} simulated minutes from create to PR "
        f"(Jules' 30 s queue included).\n"
        f"Runner overhead assumed per job: {OVERHEAD_PER_JOB:.0f} s (start-up, image pull).\n"
    )
    rows = [summarize(results) for results in variants]
    columns = [
        ("variant", "variant"),
        ("total", "Jules requests"),
        ("latency", "PR->link s"),
        ("jobs", "jobs"),
        ("runner", "runner s"),
        ("with_overhead", f"runner s +{OVERHEAD_PER_JOB:.0f}s/job"),
    ]
    widths = [max(len(title), *(len(r[key]) for r in rows)) for key, title in columns]
    print("  ".join(title.ljust(w) for (_, title), w in zip(columns, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in rows:
        cells = (row[key].ljust(w) for (key, _), w in zip(columns, widths, strict=True))
        print("  ".join(cells).rstrip())
    print("\nJules requests by method:")
    for row in rows:
        print(f"  {row['variant']}: {row['requests']}")
    print(
        "\nHand-off rows count only the reconcile jobs between the hand-off and the PR link; a "
        "reconcile schedule also runs when nothing is open\n(every 5 min: 288 jobs a day, "
        f"{288 * OVERHEAD_PER_JOB / 60:.0f} runner minutes of start-up; every 10 min: half)."
    )


if __name__ == "__main__":
    main()
