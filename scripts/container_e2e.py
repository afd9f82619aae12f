"""Run the built action image end to end against local stand-ins on the host.

Called by ``scripts/container_smoke.sh`` after the image is built. On the host it starts the
GitHub stand-in (``jules_action_dev.standin.GitHubStandin``) and, for the ``labeled`` scenario,
the Jules simulator (``python -m jules_action_dev.simulator --port 0 --config FILE``, which
prints ``Jules simulator listening on http://127.0.0.1:PORT/v1alpha``). Then it runs the
container the way the GitHub runner runs a Docker action (workspace, event file and
file-command files bind-mounted under ``/github``, ``--workdir /github/workspace``, inputs as
``INPUT_<NAME>`` with hyphens kept) with ``--network=host``.

Scenarios:

- ``labeled`` (default): the stand-in is seeded from the real ``issues.labeled`` payload (the
  repository, the issue, the trigger label, the sender as a collaborator with write access);
  asserts that the outputs file says ``outcome=pr-opened`` with a ``pr-url``.
- ``idle-reconcile``: ``mode: reconcile`` with nothing open, the scheduled run's usual case;
  asserts ``outcome=reconciled``, exactly one GitHub request (the list of issues carrying the
  action's label) and no Jules request (the Jules URL points at a closed port).

Each run prints its timings, measured on the host with a monotonic clock from just before the
engine's ``run`` command: to the first request the GitHub stand-in answered, and to the
container's exit. ``--repeat N`` runs the scenario N times and prints min/median/max.

Usage: ``python scripts/container_e2e.py --image IMAGE [--engine podman|docker]
[--scenario labeled|idle-reconcile] [--repeat N]``; exit 0 when every run held, 1 otherwise
(the container's log and the issue thread are printed). Extra engine run options (the podman
workarounds) come from ``SMOKE_RUN_OPTS``; the simulator command can be replaced with
``SMOKE_SIMULATOR_CMD`` (it gets ``--config FILE`` appended).
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jules_action_dev.standin import GitHubStandin, RecordedRequest

ROOT = Path(__file__).resolve().parent.parent
PAYLOAD = ROOT / "tests" / "payloads" / "github" / "issues.labeled.json"
API_KEY = "smoke-jules-key"
TOKEN = "smoke-github-token"  # a dummy that the stand-in checks, not a secret
LISTENING = re.compile(r"listening on (http://\S+)")
# Nothing listens here: an idle reconcile must not talk to Jules at all.
CLOSED_JULES_URL = "http://127.0.0.1:9/v1alpha"


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


def timed_standin(state: Any) -> GitHubStandin:
    """A running GitHub stand-in that notes when it answered its first request."""
    from jules_action_dev.standin import GitHubStandin

    class TimedStandin(GitHubStandin):
        first_request_at: float | None = None

        def record(self, request: RecordedRequest) -> None:
            if self.first_request_at is None:
                self.first_request_at = time.monotonic()
            super().record(request)

    return TimedStandin(state, token=TOKEN).start()


def seed_standin(payload: dict[str, Any], *, with_issue: bool = True) -> GitHubStandin:
    """A running GitHub stand-in holding the payload's repository and sender (and issue)."""
    from jules_action_dev.standin import RepositoryState

    repo = payload["repository"]
    issue = payload["issue"]
    sender = payload["sender"]
    label = payload["label"]
    state = RepositoryState(
        owner=repo["owner"]["login"], name=repo["name"], default_branch=repo["default_branch"]
    )
    state.set_role(sender["login"], "write")
    number = 0 if with_issue else issue["number"]
    while number < issue["number"]:
        created = state.create_issue(
            title=issue["title"],
            body=issue.get("body") or "",
            author=issue["user"]["login"],
            labels=[label["name"]],
        )
        number = created.number
    return timed_standin(state)


def run_container(
    engine: str,
    image: str,
    work: Path,
    *,
    jules_url: str,
    github_url: str,
    label: str,
    inputs: dict[str, str] | None = None,
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
        **{f"INPUT_{name.upper()}": value for name, value in (inputs or {}).items()},
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


@dataclass
class Result:
    code: int
    outputs: str
    summary: str
    requests: list[RecordedRequest]
    to_first_request: float | None
    to_exit: float


def run_once(engine: str, image: str, scenario: str, payload: dict[str, Any]) -> Result:
    """One run of ``scenario``: stand-ins up, the container, stand-ins down."""
    repo = payload["repository"]
    label = payload["label"]["name"]
    with tempfile.TemporaryDirectory(prefix="jules-smoke-") as tmp:
        work = Path(tmp)
        standin = seed_standin(payload, with_issue=scenario == "labeled")
        simulator = None
        try:
            if scenario == "labeled":
                config = work / "simulator.json"
                config.write_text(
                    json.dumps(
                        {
                            "api_keys": [API_KEY],
                            "sources": [f"{repo['full_name']}@{repo['default_branch']}"],
                            "github_server_url": standin.api_url,
                            "default_scenario": "happy",
                            # Each poll moves the session 10 simulated minutes on: done in a
                            # few polls.
                            "advance_per_get": 600,
                        }
                    )
                )
                simulator, jules_url = start_simulator(config)
                inputs: dict[str, str] = {}
            else:
                jules_url, inputs = CLOSED_JULES_URL, {"mode": "reconcile"}
            started = time.monotonic()
            code = run_container(
                engine,
                image,
                work,
                jules_url=jules_url,
                github_url=standin.api_url,
                label=label,
                inputs=inputs,
            )
            ended = time.monotonic()
            outputs = (work / "file_commands" / "set_output").read_text(encoding="utf-8")
            summary = (work / "file_commands" / "step_summary").read_text(encoding="utf-8")
        finally:
            if simulator is not None:
                simulator.terminate()
                simulator.wait(timeout=10)
            if scenario == "labeled":
                print("--- issue thread on the GitHub stand-in ---")
                print(standin.state.render_thread(payload["issue"]["number"]))
            standin.stop()
    first: float | None = getattr(standin, "first_request_at", None)
    return Result(
        code=code,
        outputs=outputs,
        summary=summary,
        requests=standin.requests,
        to_first_request=None if first is None else first - started,
        to_exit=ended - started,
    )


def problems_with(scenario: str, result: Result) -> list[str]:
    problems = []
    if result.code != 0:
        problems.append(f"the container exited {result.code}")
    if scenario == "labeled":
        if not re.search(r"^outcome=pr-opened$", result.outputs, re.MULTILINE):
            problems.append("GITHUB_OUTPUT has no line outcome=pr-opened")
        if not re.search(r"^pr-url=https?://\S+$", result.outputs, re.MULTILINE):
            problems.append("GITHUB_OUTPUT has no pr-url=<url> line")
        return problems
    if not re.search(r"^outcome=reconciled$", result.outputs, re.MULTILINE):
        problems.append("GITHUB_OUTPUT has no line outcome=reconciled")
    calls = [f"{r.method} {r.path}" for r in result.requests]
    if len(calls) != 1 or not calls[0].startswith("GET ") or not calls[0].endswith("/issues"):
        problems.append(f"expected one GET .../issues to GitHub, got {calls}")
    return problems


def spread(values: list[float]) -> str:
    return (
        f"min {min(values):.2f} s, median {statistics.median(values):.2f} s, "
        f"max {max(values):.2f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", required=True)
    parser.add_argument("--engine", default="podman")
    parser.add_argument("--scenario", choices=["labeled", "idle-reconcile"], default="labeled")
    parser.add_argument("--repeat", type=int, default=1, help="runs of the scenario (timings)")
    args = parser.parse_args()

    payload = json.loads(PAYLOAD.read_text(encoding="utf-8"))
    results = []
    for number in range(1, args.repeat + 1):
        result = run_once(args.engine, args.image, args.scenario, payload)
        results.append(result)
        first = "none" if result.to_first_request is None else f"{result.to_first_request:.2f} s"
        print(
            f"run {number}/{args.repeat} ({args.scenario}): first GitHub request after {first}, "
            f"container exited after {result.to_exit:.2f} s, "
            f"{len(result.requests)} GitHub request(s)"
        )
        problems = problems_with(args.scenario, result)
        if problems:
            print("--- GITHUB_OUTPUT ---")
            print(result.outputs)
            print("--- GITHUB_STEP_SUMMARY ---")
            print(result.summary)
            print(f"FAILED: container e2e ({args.scenario}): " + "; ".join(problems))
            return 1
    last = results[-1]
    print("--- GITHUB_OUTPUT ---")
    print(last.outputs)
    print("--- GITHUB_STEP_SUMMARY ---")
    print(last.summary)
    print("GitHub requests: " + ", ".join(f"{r.method} {r.path}" for r in last.requests))
    firsts = [r.to_first_request for r in results if r.to_first_request is not None]
    if len(results) > 1 and firsts:
        runs = len(results)
        print(f"container start -> first GitHub request over {runs} runs: {spread(firsts)}")
        print(f"container start -> exit over {runs} runs: {spread([r.to_exit for r in results])}")
    expected = (
        "outcome=pr-opened with a pr-url"
        if args.scenario == "labeled"
        else ("outcome=reconciled, one GitHub request, no Jules request")
    )
    print(f"container e2e ({args.scenario}): {expected}, as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
