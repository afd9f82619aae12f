"""Check, inside the image at build time, that what was installed is exactly the product.

The Dockerfile runs ``python /tmp/image_check.py /app/requirements.txt`` after installing the
pinned requirements (with ``--no-deps``) and the package, then deletes this script. It fails
the build when:

- ``pip check`` reports a broken requirement other than the packages ``requirements.txt``
  declares as excluded (its closing "excluded from the output" list, written by
  ``scripts/pin_requirements.py``): a dependency left out by mistake shows up here;
- a runtime module of ``jules_action``, or a PyGithub module the adapter loads, fails to import;
- anything from development (``jules_action_dev``, the tests) is importable.

Standard library only: it runs on the image's interpreter before anything else is there.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

# Modules that must not be in the product image.
FORBIDDEN = ("jules_action_dev", "tests", "jules_action.simulator", "jules_action.standin")
# What github_pygithub loads at run time (Repository pulls github.PublicKey, hence PyNaCl).
PYGITHUB_MODULES = ("github", "github.Auth", "github.Repository", "github.Issue", "jwt")


def excluded(requirements: Path) -> set[str]:
    """Package names listed after uv's "excluded from the output" line."""
    lines = requirements.read_text(encoding="utf-8").splitlines()
    names: set[str] = set()
    for number, line in enumerate(lines):
        if line.startswith("# The following packages were excluded from the output"):
            for item in lines[number + 1 :]:
                if item.startswith("# ") and item[2:].strip():
                    names.add(item[2:].strip().lower())
    return names


def broken_requirements(allowed_missing: set[str]) -> list[str]:
    """``pip check`` lines that are not about an allowed missing package."""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "check"], capture_output=True, text=True, check=False
    )
    problems = []
    for line in result.stdout.splitlines():
        found = re.match(r"^\S+ \S+ requires (\S+), which is not installed\.$", line)
        if line == "No broken requirements found." or (
            found and found.group(1).lower() in allowed_missing
        ):
            continue
        problems.append(line)
    if result.returncode != 0 and not result.stdout.strip():
        problems.append(f"pip check failed: {result.stderr.strip()}")
    return problems


def main(argv: list[str]) -> int:
    requirements = Path(argv[1] if len(argv) > 1 else "/app/requirements.txt")
    allowed = excluded(requirements)
    problems = broken_requirements(allowed)
    package = importlib.import_module("jules_action")
    runtime = [  # __main__ would run the action (python -m jules_action)
        info.name
        for info in pkgutil.walk_packages(package.__path__, prefix="jules_action.")
        if not info.name.endswith(".__main__")
    ]
    for name in ["jules_action", *runtime, *PYGITHUB_MODULES]:
        try:
            importlib.import_module(name)
        except Exception as exc:  # any import failure is a broken image
            problems.append(f"import {name}: {type(exc).__name__}: {exc}")
    for name in FORBIDDEN:
        try:
            spec = importlib.util.find_spec(name)
        except ModuleNotFoundError:
            spec = None
        if spec is not None:
            problems.append(f"{name} is importable in the product image ({spec.origin})")
    for name in sorted(allowed):
        if importlib.util.find_spec(name) is not None:
            problems.append(f"{name} is installed although requirements.txt excludes it")
    if problems:
        print("image check FAILED:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    print(
        f"image check ok: {len(runtime) + 1} jules_action modules import, "
        f"excluded on purpose: {', '.join(sorted(allowed)) or 'none'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
