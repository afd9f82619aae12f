"""Run the built action image once, end to end, against local stand-ins on the host.

Called by ``scripts/container_smoke.sh`` after the image is built. On the host it starts the
Jules simulator (``python -m jules_action_dev.simulator --port 0 --config FILE``, which prints
``Jules simulator listening on http://127.0.0.1:PORT/v1alpha``) and the GitHub stand-in
(``jules_action_dev.standin.GitHubStandin``) seeded from the real ``issues.labeled`` payload: the
repository, the issue, the trigger label and the sender as a collaborator with write access.
Then it runs the container the way the GitHub runner runs a Docker action (workspace, event
file and file-command files bind-mounted under ``/github``, ``--workdir /github/workspace``,
inputs as ``INPUT_<NAME>`` with hyphens kept) with ``--network=host``, and asserts that the
outputs file says ``outcome=pr-opened`` with a ``pr-url``.

Usage: ``python scripts/container_e2e.py --image IMAGE [--engine podman|docker]``; exit 0 when
the happy path held, 1 otherwise (the container's log and the issue thread are printed).
Extra engine run options (the podman workarounds) come from ``SMOKE_RUN_OPTS``; the simulator
command can be replaced with ``SMOKE_SIMULATOR_CMD`` (it gets ``--config FILE`` appended).
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jules_action_dev.standin import GitHubStandin

ROOT = Path(__file__).resolve().parent.parent
PAYLOAD = ROOT / "tests" / "payloads" / "github" / "issues.labeled.json"
API_KEY = "smoke-jules-key"
TOKEN = "smoke-github-token"  # a dummy that the stand-in checks, not a secret
LISTENING = re.compile(r"listening on (http://\S+)")


def start_simulator(config: Path, timeout: float = 30.0) -> tuple[subprocess.Popen[str], str]:
    """Start the simulator on a free port; return the process and its API base URL."""
    command = shlex.split(
        os.environ.get("SMOKE_SIMULATOR_CMD", f"{sys.executable} -m jules_action_dev.simulator")
    )
    command += ["--port", "0", "--config", str(config)]
    print(f"+ {shlex.join(command)}", flush=True)
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT
    )
    assert proc.stdout is not None
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
            sys.stdout.write(f"  [simulator] {line}")

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.2)
        except queue.Empty:
            if proc.poll() is not None:
                break
            continue
        found = LISTENING.search(line)
        if found:
            return proc, found.group(1).rstrip("/")
    proc.kill()
    raise SystemExit("FAILED: the Jules simulator did not print its URL (see its output above)")


def seed_standin(payload: dict[str, Any]) -> GitHubStandin:
    """A running GitHub stand-in holding the payload's repository, issue and sender."""
    from jules_action_dev.standin import GitHubStandin, RepositoryState

    repo = payload["repository"]
    issue = payload["issue"]
    sender = payload["sender"]
    label = payload["label"]
    state = RepositoryState(
        owner=repo["owner"]["login"], name=repo["name"], default_branch=repo["default_branch"]
    )
    state.set_role(sender["login"], "write")
    number = 0
    while number < issue["number"]:
        created = state.create_issue(
            title=issue["title"],
            body=issue.get("body") or "",
            author=issue["user"]["login"],
            labels=[label["name"]],
        )
        number = created.number
    return GitHubStandin(state, token=TOKEN).start()


def run_container(
    engine: str, image: str, work: Path, *, jules_url: str, github_url: str, label: str
) -> int:
    """Run the image like the GitHub runner runs a Docker action; return its exit code."""
    for sub in ("workspace", "workflow", "file_commands", "home"):
        (work / sub).mkdir(parents=True, exist_ok=True)
    (work / "workflow" / "event.json").write_bytes(PAYLOAD.read_bytes())
    (work / "file_commands" / "set_output").write_text("")
    (work / "file_commands" / "step_summary").write_text("")
    env = {
        "CI": "true",
        "HOME": "/github/home",
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "issues",
        "GITHUB_EVENT_PATH": "/github/workflow/event.json",
        "GITHUB_OUTPUT": "/github/file_commands/set_output",
        "GITHUB_STEP_SUMMARY": "/github/file_commands/step_summary",
        "GITHUB_WORKSPACE": "/github/workspace",
        "GITHUB_REPOSITORY": "Codertocat/Hello-World",
        "GITHUB_API_URL": github_url,
        "GITHUB_SERVER_URL": github_url,
        "GITHUB_RUN_ID": "1",
        "GITHUB_ACTOR": "Codertocat",
        "INPUT_JULES-API-KEY": API_KEY,
        "INPUT_JULES-API-URL": jules_url,
        "INPUT_GITHUB-TOKEN": TOKEN,
        "INPUT_TRIGGER-LABEL": label,
        "INPUT_POLL-INTERVAL": "0.2",
        "INPUT_WAIT-MINUTES": "2",
    }
    command = [engine]
    if engine == "podman":
        command += shlex.split(os.environ.get("SMOKE_ENGINE_OPTS", "--runtime runc"))
    command += ["run", "--rm", "--network=host", "--workdir", "/github/workspace"]
    command += shlex.split(os.environ.get("SMOKE_RUN_OPTS", ""))
    for sub in ("workspace", "workflow", "file_commands", "home"):
        command += ["-v", f"{work / sub}:/github/{sub}"]
    for key, value in env.items():
        command += ["-e", f"{key}={value}"]
    command.append(image)
    shown = [
        arg.split("=", 1)[0] + "=***" if API_KEY in arg or TOKEN in arg else arg for arg in command
    ]
    print(f"+ {shlex.join(shown)}", flush=True)
    return subprocess.run(command, timeout=300, check=False).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", required=True)
    parser.add_argument("--engine", default="podman")
    args = parser.parse_args()

    payload = json.loads(PAYLOAD.read_text(encoding="utf-8"))
    repo = payload["repository"]
    label = payload["label"]["name"]
    with tempfile.TemporaryDirectory(prefix="jules-smoke-") as tmp:
        work = Path(tmp)
        standin = seed_standin(payload)
        github_url: str = standin.api_url
        config = work / "simulator.json"
        config.write_text(
            json.dumps(
                {
                    "api_keys": [API_KEY],
                    "sources": [f"{repo['full_name']}@{repo['default_branch']}"],
                    "github_server_url": github_url,
                    "default_scenario": "happy",
                    # Each poll moves the session 10 simulated minutes on: done in a few polls.
                    "advance_per_get": 600,
                }
            )
        )
        simulator, jules_url = start_simulator(config)
        try:
            code = run_container(
                args.engine,
                args.image,
                work,
                jules_url=jules_url,
                github_url=github_url,
                label=label,
            )
            outputs = (work / "file_commands" / "set_output").read_text(encoding="utf-8")
            summary = (work / "file_commands" / "step_summary").read_text(encoding="utf-8")
        finally:
            simulator.terminate()
            simulator.wait(timeout=10)
            state = standin.state
            print("--- issue thread on the GitHub stand-in ---")
            print(state.render_thread(payload["issue"]["number"]))
            standin.stop()
    print("--- GITHUB_OUTPUT ---")
    print(outputs)
    print("--- GITHUB_STEP_SUMMARY ---")
    print(summary)
    problems = []
    if code != 0:
        problems.append(f"the container exited {code}")
    if not re.search(r"^outcome=pr-opened$", outputs, re.MULTILINE):
        problems.append("GITHUB_OUTPUT has no line outcome=pr-opened")
    if not re.search(r"^pr-url=https?://\S+$", outputs, re.MULTILINE):
        problems.append("GITHUB_OUTPUT has no pr-url=<url> line")
    if problems:
        print("FAILED: container e2e: " + "; ".join(problems))
        return 1
    print("container e2e: outcome=pr-opened with a pr-url, as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
