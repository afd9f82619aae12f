"""Install the third-party test tools into ``.cache/`` (idempotent; stdlib only; runs npm).

What it installs, pinned, under ``.cache/npm`` (gitignored, outside every tracked folder):

* ``@stoplight/prism-cli`` — the spec-validating mock server (5.14.2 is the newest that runs
  on Node 20; 5.15+ needs Node 24);
* ``@octokit/openapi`` — GitHub's REST OpenAPI description;
* ``@octokit/webhooks-examples`` / ``@octokit/webhooks-schemas`` — real webhook payloads and
  their community JSON Schema (used by ``scripts/extract_payloads.py``);
* ``@google/jules-sdk`` — the official Jules TypeScript SDK, a client nobody here wrote, driven
  against the simulator by ``tests/contract`` (0.2.0 is the newest release; it runs on Node 20).

Then it writes ``.cache/github-api.trimmed.json``: GitHub's description cut down to the
operations PyGithub calls for ``GitHubPort`` and patched for Prism (see
``tests/github_mock/trim_spec.py``), with a ``{BASE_URL}`` placeholder the test fixture fills in.

Usage: ``python scripts/install_test_tools.py``  (exit 1 with a message when npm is missing).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.github_mock.trim_spec import OPERATIONS, trim_spec  # noqa: E402

CACHE = ROOT / ".cache"
NPM_DIR = CACHE / "npm"
TRIMMED_SPEC = CACHE / "github-api.trimmed.json"
TRIMMED_STAMP = CACHE / "github-api.trimmed.stamp"

PINS: dict[str, str] = {
    "@stoplight/prism-cli": "5.14.2",
    "@octokit/openapi": "23.0.2",
    "@octokit/webhooks-examples": "7.6.1",
    "@octokit/webhooks-schemas": "7.6.1",
    "@google/jules-sdk": "0.2.0",
}
FULL_SPEC = NPM_DIR / "node_modules/@octokit/openapi/generated/api.github.com.json"


def installed_version(package: str) -> str | None:
    manifest = NPM_DIR / "node_modules" / package / "package.json"
    try:
        version = json.loads(manifest.read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError):
        return None
    return version if isinstance(version, str) else None


def install_npm_packages() -> None:
    missing = {p: v for p, v in PINS.items() if installed_version(p) != v}
    if not missing:
        print(f"npm packages: already installed in {NPM_DIR.relative_to(ROOT)} ({_pins_text()})")
        return
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        sys.exit(
            "error: npm/node not found on PATH. Install Node.js 20 (with npm), then run "
            "`python scripts/install_test_tools.py` again."
        )
    NPM_DIR.mkdir(parents=True, exist_ok=True)
    manifest = NPM_DIR / "package.json"
    if not manifest.exists():
        manifest.write_text(
            json.dumps({"name": "jules-action-test-tools", "private": True}, indent=2) + "\n",
            encoding="utf-8",
        )
    specs = [f"{p}@{v}" for p, v in PINS.items()]
    print(f"npm install {' '.join(specs)} (in {NPM_DIR.relative_to(ROOT)}) ...", flush=True)
    started = time.monotonic()
    subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--save-exact", *specs],
        cwd=NPM_DIR,
        check=True,
    )
    print(f"npm install done in {time.monotonic() - started:.1f} s")
    wrong = {p: installed_version(p) for p in PINS if installed_version(p) != PINS[p]}
    if wrong:
        sys.exit(f"error: after npm install, versions differ from the pins: {wrong}")


def write_trimmed_spec() -> None:
    source_digest = hashlib.sha256(FULL_SPEC.read_bytes()).hexdigest()
    trim_code = (ROOT / "tests/github_mock/trim_spec.py").read_bytes()
    stamp = f"{source_digest} {hashlib.sha256(trim_code).hexdigest()}"
    if TRIMMED_SPEC.exists() and TRIMMED_STAMP.exists() and TRIMMED_STAMP.read_text() == stamp:
        print(f"trimmed spec: up to date ({TRIMMED_SPEC.relative_to(ROOT)})")
        return
    started = time.monotonic()
    spec = json.loads(FULL_SPEC.read_text(encoding="utf-8"))
    trimmed = trim_spec(spec, OPERATIONS)
    TRIMMED_SPEC.write_text(json.dumps(trimmed), encoding="utf-8")
    TRIMMED_STAMP.write_text(stamp, encoding="utf-8")
    print(
        f"trimmed spec: kept {len(OPERATIONS)} operations, "
        f"{sum(map(len, trimmed['components'].values()))} components, "
        f"{TRIMMED_SPEC.stat().st_size} bytes -> {TRIMMED_SPEC.relative_to(ROOT)} "
        f"in {time.monotonic() - started:.1f} s"
    )


def _pins_text() -> str:
    return ", ".join(f"{p}@{v}" for p, v in PINS.items())


def main() -> int:
    install_npm_packages()
    write_trimmed_spec()
    prism = NPM_DIR / "node_modules/.bin/prism"
    print(f"prism: {prism.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
