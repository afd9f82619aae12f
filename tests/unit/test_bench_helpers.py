"""The benchmarks' pure helpers (the benchmarks themselves never run in the suite)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def bench() -> Iterator[tuple[ModuleType, ModuleType]]:
    sys.path.insert(0, str(BENCH))
    try:
        import harness
        import sdk_vs_action

        yield harness, sdk_vs_action
    finally:
        sys.path.remove(str(BENCH))


def test_pacing_wait__one_second_between_writes_a_quarter_between_requests(
    bench: tuple[ModuleType, ModuleType],
) -> None:
    harness, _ = bench
    wait = harness.pacing_wait

    assert wait(10.0, float("-inf"), float("-inf"), write=True) == 0.0
    assert wait(10.0, 9.9, float("-inf"), write=False) == pytest.approx(0.15)
    assert wait(10.0, 9.9, 9.5, write=True) == pytest.approx(0.5)
    assert wait(10.0, 9.9, 9.5, write=False) == pytest.approx(0.15)
    assert wait(12.0, 9.9, 9.5, write=True) == 0.0


def test_is_write__every_port_method_but_reads(bench: tuple[ModuleType, ModuleType]) -> None:
    harness, _ = bench

    assert harness.is_write("edit_issue_comment")
    assert harness.is_write("set_commit_status")
    assert not harness.is_write("get_pull")
    assert not harness.is_write("list_issue_comments")


def test_phases__spread_over_a_minute_and_over_the_sdks_poll_grid(
    bench: tuple[ModuleType, ModuleType],
) -> None:
    _, sdk_vs_action = bench
    queues = [sdk_vs_action.queue_of(k) for k in range(sdk_vs_action.PHASES)]

    assert queues[0] == 30.0
    assert max(queues) - min(queues) < 60
    assert len({round(q % 5, 2) for q in queues}) == len(queues)


def test_cells__ratios_to_the_sdk_and_missed_prs(bench: tuple[ModuleType, ModuleType]) -> None:
    _, b = bench
    sdk = b.Row("t", "SDK", (b.Run(200, 2.0, None, 1, 1200.0), b.Run(200, 4.0, None, 1, 1200.0)))
    ours = b.Row("t", "us", (b.Run(50, 6.0, 9, 2, 10.0), b.Run(50, None, 9, 2, 10.0)))

    assert b.cells(sdk, sdk)[2:] == ["200.0", "1.00x", "3.0", "4.0", "2/2", "-", "1220", "1.00x"]
    assert b.cells(ours, sdk)[2:] == ["50.0", "0.25x", "6.0", "6.0", "1/2", "9.0", "50", "0.04x"]
    assert b.table([b.cells(ours, sdk)]).splitlines()[0].startswith("timeline  client")
