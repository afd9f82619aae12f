"""Every fault at every call of every main flow: the invariants hold in each case.

For each flow in ``flows.FLOWS``, a fault-free run records the calls it makes (GitHub port
calls and Jules HTTP requests, numbered across all its jobs); then every (call, fault kind)
pair (``harness.positions``: within a run of identical polls, the first two and the last)
is run from scratch with that single fault, settled by at most two reconcile passes,
and checked (``harness.violations``). The matrix size and the pass count are printed
(``pytest -s``); every case must pass.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.faults.flows import EXPECTED_FINAL, FLOWS
from tests.faults.harness import FlowSpec, Injector, cases, positions, run_case


@pytest.mark.parametrize("spec", FLOWS, ids=[spec.name for spec in FLOWS])
def test_fault_matrix__every_fault_at_every_call_keeps_the_invariants(
    spec: FlowSpec, tmp_path: Path
) -> None:
    started = time.monotonic()
    baseline = Injector()
    flow, problems = run_case(spec, tmp_path / "baseline", baseline)
    assert problems == [], problems
    [final] = [s.status for s in flow.world.tracking(spec.issue)]
    assert final is EXPECTED_FINAL, "the fault-free flow must end with a PR link"
    matrix = list(cases(spec, baseline.calls))
    failures: list[str] = []
    for number, (index, call, kind) in enumerate(matrix):
        injector = Injector(target=index, kind=kind)
        _, problems = run_case(spec, tmp_path / f"case-{number}", injector)
        if problems:
            failures.append(f"#{index} {call} / {kind}: {'; '.join(problems)}")
    took = time.monotonic() - started
    print(
        f"\nfault matrix [{spec.name}]: {len(baseline.calls)} calls "
        f"({len(positions(baseline.calls))} faulted), {len(matrix)} cases, "
        f"{len(matrix) - len(failures)} passed, {len(failures)} failed, {took:.1f} s"
    )
    assert failures == [], "\n".join(failures)
