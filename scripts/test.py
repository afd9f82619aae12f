"""Run every check of the repository, in order, stopping at the first failure.

This is the README's test command (``.venv/bin/python scripts/test.py``), run from a venv made
with ``pip install -e '.[test]'``. Steps: install the npm test tools, ruff check, ruff format
--check, mypy on ``jules_action``, actionlint, check-jsonschema on ``action.yml``, the
workflows and ``.github/dependabot.yml``, hadolint on the Dockerfile, zizmor (security audit
of the workflows, the action and the Dependabot config), then the whole pytest suite. A
failing step ends the run with ``FAILED: step <name> ...`` and a non-zero exit; pytest
collecting no test (exit 5) counts as a failure. Extra arguments are passed to pytest
(``scripts/test.py -k packaging -x``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PY = sys.executable


def tool(name: str) -> str:
    """The venv's executable ``name`` (next to this Python), else the one on PATH."""
    local = BIN / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if found is None:
        sys.exit(f"FAILED: {name} is not installed; run: pip install -e '.[test]'")
    return found


def workflows() -> list[str]:
    found = sorted(
        str(p.relative_to(ROOT)) for p in (ROOT / ".github" / "workflows").glob("*.y*ml")
    )
    if not found:
        sys.exit("FAILED: no workflow files under .github/workflows")
    return found


def steps(pytest_args: Sequence[str]) -> list[tuple[str, list[str]]]:
    # The whole suite measures branch coverage of jules_action against the floor in
    # pyproject.toml (tool.coverage); a chosen subset (extra arguments) does not.
    coverage = [] if pytest_args else ["--cov", "--cov-report=term"]
    plan: list[tuple[str, list[str]]] = []
    installer = ROOT / "scripts" / "install_test_tools.py"
    if installer.exists():
        plan.append(("install test tools", [PY, str(installer)]))
    else:
        print("note: scripts/install_test_tools.py does not exist yet; skipping that step")
    plan += [
        ("ruff check", [tool("ruff"), "check", "."]),
        ("ruff format", [tool("ruff"), "format", "--check", "."]),
        ("mypy", [PY, "-m", "mypy", "-p", "jules_action"]),
        ("actionlint", [tool("actionlint"), "-oneline", *workflows()]),
        (
            "check-jsonschema action.yml",
            [tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", "action.yml"],
        ),
        (
            "check-jsonschema workflows",
            [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *workflows()],
        ),
        (
            "check-jsonschema dependabot",
            [
                tool("check-jsonschema"),
                "--builtin-schema",
                "vendor.dependabot",
                ".github/dependabot.yml",
            ],
        ),
        ("hadolint", [tool("hadolint"), "Dockerfile"]),
        # Offline: audits that need the GitHub API are skipped. Findings are fixed or ignored
        # inline with the reason next to them; any other finding fails the step.
        ("zizmor", [tool("zizmor"), "--offline", "--no-progress", "."]),
        ("pytest", [PY, "-m", "pytest", *coverage, *pytest_args]),
    ]
    return plan


def main(argv: Sequence[str]) -> int:
    started = time.monotonic()
    plan = steps(argv)
    for number, (name, command) in enumerate(plan, 1):
        print(f"\n=== [{number}/{len(plan)}] {name}: {' '.join(command)}", flush=True)
        step_started = time.monotonic()
        code = subprocess.run(command, cwd=ROOT, check=False).returncode
        took = time.monotonic() - step_started
        if name == "pytest" and code == 5:
            print(f"\nFAILED: step {name}: no tests were collected (pytest exit 5)", flush=True)
            return 1
        if code != 0:
            print(f"\nFAILED: step {name} (exit {code}, {took:.1f}s)", flush=True)
            return code if code > 0 else 1
        print(f"=== {name}: ok ({took:.1f}s)", flush=True)
    print(f"\nall {len(plan)} steps passed in {time.monotonic() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
