"""The fault matrix: every fault kind at every call of every main flow, with its figures.

The same cases as ``tests/faults/test_fault_matrix.py`` (which CI runs), printed as a table:
per flow, the calls of its fault-free run, how many of them are faulted (within a run of
identical polls, the first two and the last), the cases (faulted call x fault kind), how many
kept every invariant, and the wall time. Exits 1 if any case broke an invariant, listing them.

Usage, from the repository root: ``python bench/fault_matrix.py``
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.faults.flows import FLOWS  # noqa: E402
from tests.faults.harness import Injector, cases, positions, run_case  # noqa: E402


def main() -> int:
    rows: list[tuple[str, int, int, int, int, float]] = []
    broken: list[str] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as scratch:
        tmp = Path(scratch)
        for spec in FLOWS:
            begun = time.monotonic()
            baseline = Injector()
            run_case(spec, tmp / f"{len(rows)}-baseline", baseline)
            matrix = list(cases(spec, baseline.calls))
            passed = 0
            for number, (index, call, kind) in enumerate(matrix):
                injector = Injector(target=index, kind=kind)
                _, problems = run_case(spec, tmp / f"{len(rows)}-{number}", injector)
                if problems:
                    broken.append(f"{spec.name}: #{index} {call} / {kind}: {problems}")
                else:
                    passed += 1
            faulted = len(positions(baseline.calls))
            seconds = time.monotonic() - begun
            rows.append((spec.name, len(baseline.calls), faulted, len(matrix), passed, seconds))
    width = max(len(name) for name, *_ in rows)
    print(f"{'flow':<{width}}  calls  faulted  cases  passed  seconds")
    for name, calls, faulted, total, passed, seconds in rows:
        print(
            f"{name:<{width}}  {calls:>5}  {faulted:>7}  {total:>5}  {passed:>6}  {seconds:>7.1f}"
        )
    sums = [sum(int(row[i]) for row in rows) for i in (1, 2, 3, 4)]
    print(
        f"{'all':<{width}}  {sums[0]:>5}  {sums[1]:>7}  {sums[2]:>5}  {sums[3]:>6}  "
        f"{time.monotonic() - started:>7.1f}"
    )
    for line in broken:
        print(f"BROKEN {line}")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
