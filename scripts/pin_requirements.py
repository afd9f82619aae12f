"""Write ``requirements.txt``: the image's runtime dependencies, pinned, with their hashes.

The one way to regenerate the file. It runs ``uv pip compile`` over ``[project].dependencies``
of ``pyproject.toml`` for the image's Python (3.11 on Linux) with ``--generate-hashes``, so the
Dockerfile can install with ``pip install --require-hashes --no-deps``: every distribution is
checked against a hash recorded here, and nothing outside this file is installed. uv keeps the
pins already in the file unless asked to move them, like pip-compile does.

Left out on purpose (``EXCLUDED``): packages in the dependency closure that the action never
imports. ``cryptography`` comes in only through PyGithub's ``pyjwt[crypto]``, which PyJWT needs
to sign GitHub App JWTs (RS256); the action authenticates with a token it is given
(``Auth.Token``), never as an App, and ``import jwt`` works without it. It is the largest
package of the closure (about 16 MB installed of 44 MB). PyNaCl stays: PyGithub's
``github.Repository`` imports ``github.PublicKey``, which imports ``nacl`` at module level.

Usage (needs uv, from the test extras, and the package index):

    python scripts/pin_requirements.py                      # add/remove pins, keep the others
    python scripts/pin_requirements.py --upgrade            # newest versions pyproject allows
    python scripts/pin_requirements.py --upgrade-package httpx
    python scripts/pin_requirements.py --check              # exit 1 if the file would change

The command recorded in the file's header is the plain uv command, so anyone (or Dependabot)
can run it without this script.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements.txt"
# The image's interpreter (the Dockerfile's FROM) and platform; the pins carry every
# distribution's hash, so the same file serves linux/amd64 and linux/arm64.
PYTHON_VERSION = "3.11"
PYTHON_PLATFORM = "linux"
# Package -> why the image does without it (see the module docstring).
EXCLUDED: dict[str, str] = {
    "cryptography": "only PyJWT's RS256 signing of GitHub App JWTs needs it; unused here",
}


def uv_command(output: Path, extra: list[str]) -> list[str]:
    """The uv invocation; ``output`` relative to the repository root keeps the header stable."""
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        sys.exit("uv is not installed; run: pip install -e '.[test]'")
    command = [uv, "pip", "compile", "pyproject.toml", "--generate-hashes", "--quiet"]
    command += ["--python-version", PYTHON_VERSION, "--python-platform", PYTHON_PLATFORM]
    for name in sorted(EXCLUDED):
        command += ["--no-emit-package", name]
    command += ["--output-file", str(output), *extra]
    return command


def compile_to(output: Path, extra: list[str]) -> None:
    result = subprocess.run(uv_command(output, extra), cwd=ROOT, check=False)
    if result.returncode != 0:
        sys.exit(f"uv pip compile failed (exit {result.returncode})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    parser.add_argument("--upgrade", action="store_true", help="move every pin to the newest")
    parser.add_argument("--upgrade-package", action="append", default=[], metavar="NAME")
    args = parser.parse_args()
    extra = ["--upgrade"] if args.upgrade else []
    for name in args.upgrade_package:
        extra += ["--upgrade-package", name]
    if not args.check:
        compile_to(REQUIREMENTS.relative_to(ROOT), extra)
        pins = sum(1 for line in REQUIREMENTS.read_text().splitlines() if "==" in line)
        print(f"wrote requirements.txt ({pins} pins with hashes)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        candidate = Path(tmp) / "requirements.txt"
        shutil.copyfile(REQUIREMENTS, candidate)  # uv prefers the pins already there
        compile_to(candidate, extra)
        # The header names the output file; compare what follows it.
        ours = REQUIREMENTS.read_text(encoding="utf-8").splitlines()[2:]
        theirs = candidate.read_text(encoding="utf-8").splitlines()[2:]
    if ours != theirs:
        print("requirements.txt is out of date; run: python scripts/pin_requirements.py")
        return 1
    print("requirements.txt is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
