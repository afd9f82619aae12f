"""Helpers to run ``python -m jules_action`` as a separate process, the way the runner does.

* ``runner_environ`` builds the step's environment from scratch: a few OS basics, the
  ``GITHUB_*`` variables the runner sets, and one ``INPUT_<NAME>`` (hyphens kept) per input of
  ``action.yml`` with its default, like the runner does for a Docker action;
* ``HeaderRecordingProxy`` is ``RecordingProxy`` for a separate process (PyGithub's reactions
  preview media type normalized) that also keeps every request's headers, for the secret scan;
* ``SimulatorProcess`` runs ``python -m jules_action_dev.simulator`` and parses its URL;
* ``run_action`` runs the action and returns an ``ActionRun``: exit code, stdout, stderr, the
  ``GITHUB_OUTPUT`` and step-summary files, the GitHub requests and (when the simulator runs in
  this process) the Jules requests; ``ActionRun.assert_no_secrets`` is the secret scan.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import selectors
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from jules_action_dev.simulator import RecordedRequest, Simulator
from tests.github_mock.prism import ProxiedRequest, RecordingProxy, _ProxyHandler

ROOT = Path(__file__).resolve().parents[2]
PAYLOADS = ROOT / "tests" / "payloads" / "github"
ACTION_YML = ROOT / "action.yml"

JULES_KEY = "AIzaSy-e2e-jules-key-4f9c1d7b"
GITHUB_TOKEN = "ghs_e2eToken0123456789abcdefXYZ"
OWNER, REPO = "Codertocat", "Hello-World"
REPOSITORY = f"{OWNER}/{REPO}"
RUN_ID = "4242"
PROCESS_TIMEOUT = 60.0
SIMULATOR_READY_TIMEOUT = 20.0
_MARKER = re.compile(r"<!-- jules-action:v[12] ([A-Za-z0-9+/=]+)\.[0-9a-f]{64} -->")


def load_payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
    return data


def action_input_defaults() -> dict[str, str]:
    """``INPUT_<NAME>`` -> default for every input of action.yml, as the runner passes them.

    Defaults that are expressions (``${{ github.token }}``) are left empty here; the caller
    sets what the runner would evaluate them to.
    """
    spec = yaml.safe_load(ACTION_YML.read_text(encoding="utf-8"))
    defaults: dict[str, str] = {}
    for name, info in spec["inputs"].items():
        default = str((info or {}).get("default", ""))
        defaults[f"INPUT_{name.upper()}"] = "" if "${{" in default else default
    return defaults


def runner_environ(
    workdir: Path,
    *,
    event_name: str,
    event_path: Path,
    api_url: str,
    repository: str = REPOSITORY,
    inputs: dict[str, str] | None = None,
    github_env: dict[str, str] | None = None,
) -> dict[str, str]:
    """The step's whole environment: OS basics, GITHUB_*, INPUT_* (no other variable)."""
    env = {"PATH": os.environ.get("PATH", os.defpath), "HOME": str(workdir)}
    for name in ("SYSTEMROOT", "SystemRoot"):  # Windows needs it to start Python at all
        if name in os.environ:
            env[name] = os.environ[name]
    env.update(
        {
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": event_name,
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_REPOSITORY": repository,
            "GITHUB_REPOSITORY_OWNER": repository.split("/", 1)[0],
            "GITHUB_API_URL": api_url,
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_RUN_ID": RUN_ID,
            "GITHUB_RUN_ATTEMPT": "1",
            "GITHUB_ACTOR": OWNER,
            "GITHUB_TRIGGERING_ACTOR": OWNER,
            "GITHUB_REF": "refs/heads/master",
            "GITHUB_WORKSPACE": str(workdir),
            "GITHUB_OUTPUT": str(workdir / "github_output"),
            "GITHUB_STEP_SUMMARY": str(workdir / "step_summary.md"),
        }
    )
    env.update(github_env or {})
    env.update(action_input_defaults())
    env.update(
        {
            "INPUT_GITHUB-TOKEN": GITHUB_TOKEN,
            "INPUT_JULES-API-KEY": JULES_KEY,
            "INPUT_POLL-INTERVAL": "0.05",
            "INPUT_WAIT-MINUTES": "1",
        }
    )
    env.update(inputs or {})
    return env


# --- the GitHub side: a recording proxy that also keeps headers ------------------------------


class _HeaderRecordingHandler(_ProxyHandler):
    def _forward_with_headers(self) -> None:
        recorder = self.server.recorder
        if isinstance(recorder, HeaderRecordingProxy):
            recorder.record_headers(list(self.headers.items()))
        self._forward()

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _forward_with_headers


class HeaderRecordingProxy(RecordingProxy):
    """``RecordingProxy`` for a process under test: normalizes PyGithub's reactions preview
    media type (Prism refuses it; the process cannot be patched) and keeps every request's
    headers (``RecordingProxy`` keeps only Accept and Content-Type)."""

    def __init__(self) -> None:
        super().__init__(normalize_reactions_preview=True)
        self._headers: list[list[tuple[str, str]]] = []
        self._headers_lock = threading.Lock()
        self._server.RequestHandlerClass = _HeaderRecordingHandler

    def record_headers(self, headers: list[tuple[str, str]]) -> None:
        with self._headers_lock:
            self._headers.append(headers)

    @property
    def headers(self) -> list[list[tuple[str, str]]]:
        with self._headers_lock:
            return list(self._headers)


# --- the Jules side: the simulator as a process ----------------------------------------------


class SimulatorProcess:
    """``python -m jules_action_dev.simulator`` on port 0; ``stop()`` sends SIGTERM."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jules_action_dev.simulator", "--port", "0", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self.returncode: int | None = None
        try:
            self.base_url = self._read_url()
        except BaseException:
            self.stop()
            raise

    def _read_url(self) -> str:
        assert self.process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout=SIMULATOR_READY_TIMEOUT):
                raise RuntimeError(f"the simulator printed nothing in {SIMULATOR_READY_TIMEOUT} s")
        line = self.process.stdout.readline()
        found = re.fullmatch(
            r"Jules simulator listening on (http://127\.0\.0\.1:\d+/v1alpha)\s*", line
        )
        if found is None:
            raise RuntimeError(f"unexpected first line from the simulator: {line!r}")
        return found.group(1)

    def stop(self) -> int:
        """SIGTERM, wait, close the pipes; the exit code (the simulator exits 0 on SIGTERM)."""
        if self.returncode is None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
            try:
                self.process.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.communicate()
            self.returncode = self.process.returncode
        return self.returncode


# --- one run of the action -------------------------------------------------------------------


def parse_outputs(text: str) -> dict[str, str]:
    """The ``GITHUB_OUTPUT`` file format: ``name=value`` and ``name<<DELIM ... DELIM``."""
    outputs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value_lines = []
            for value_line in lines:
                if value_line == delimiter:
                    break
                value_lines.append(value_line)
            outputs[name] = "\n".join(value_lines)
        elif line:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs


@dataclass
class ActionRun:
    """What one ``python -m jules_action`` process did."""

    returncode: int
    stdout: str
    stderr: str
    outputs_text: str
    summary: str
    github_requests: list[ProxiedRequest]
    github_headers: list[list[tuple[str, str]]]
    jules_requests: tuple[RecordedRequest, ...] | None
    secrets: tuple[str, ...]
    event_path: Path
    scanned: bool = field(default=False)

    @property
    def outputs(self) -> dict[str, str]:
        return parse_outputs(self.outputs_text)

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines()

    @property
    def errors(self) -> list[str]:
        return [line for line in self.lines if line.startswith("::error")]

    @property
    def warnings(self) -> list[str]:
        return [line for line in self.lines if line.startswith("::warning")]

    def requests(self, method: str, path: str) -> list[ProxiedRequest]:
        return [r for r in self.github_requests if r.method == method and r.path == path]

    def describe(self) -> str:
        """For assertion messages."""
        calls = "\n".join(f"  {r.method} {r.path} -> {r.status}" for r in self.github_requests)
        return (
            f"exit {self.returncode}\n--- stdout\n{self.stdout}--- stderr\n{self.stderr}"
            f"--- outputs\n{self.outputs_text}--- GitHub requests\n{calls}\n"
        )

    def assert_no_secrets(self) -> None:
        """Neither secret appears in any output of the process or in anything it sent, except:
        the ``::add-mask::`` lines (they must carry the value to mask it), the GitHub token in
        the Authorization header to GitHub, and the Jules key in the header to Jules (which the
        simulator never records). Hidden markers in comment bodies are decoded and scanned."""
        self.scanned = True
        mask_lines = [line for line in self.lines if line.startswith("::add-mask::")]
        assert self.lines[: len(mask_lines)] == mask_lines, "::add-mask:: must come first"
        assert sorted(line.removeprefix("::add-mask::") for line in mask_lines) == sorted(
            self.secrets
        ), mask_lines
        places: dict[str, str] = {
            "stdout": "\n".join(self.lines[len(mask_lines) :]),
            "stderr": self.stderr,
            "GITHUB_OUTPUT": self.outputs_text,
            "step summary": self.summary,
        }
        for index, request in enumerate(self.github_requests):
            where = f"GitHub request {index} {request.method} {request.path}"
            places[where] = _texts(
                [request.path, request.query, request.body, request.accept, request.content_type]
            )
        # One header record per request, or the header scan below would pass vacuously.
        assert len(self.github_headers) == len(self.github_requests)
        for index, headers in enumerate(self.github_headers):
            authorization = [value for name, value in headers if name.lower() == "authorization"]
            assert authorization == [f"token {GITHUB_TOKEN}"], "unexpected Authorization header"
            for name, value in headers:
                if name.lower() != "authorization":
                    places[f"GitHub request {index} header {name}"] = value
        for index, jules in enumerate(self.jules_requests or ()):
            where = f"Jules request {index} {jules.method} {jules.path}"
            places[where] = _texts([jules.path, jules.query, jules.body])
        for where, text in places.items():
            for secret in self.secrets:
                assert secret not in text, f"a secret leaked into {where}"


def _texts(values: list[Any]) -> str:
    text = "\n".join(
        value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        for value in values
    )
    decoded = []
    for match in _MARKER.finditer(text.replace("\\n", "\n")):
        try:
            decoded.append(base64.b64decode(match.group(1)).decode("utf-8", errors="replace"))
        except (binascii.Error, ValueError):
            decoded.append("(undecodable marker)")
    return "\n".join([text, *decoded])


def write_event(workdir: Path, payload: dict[str, Any] | bytes) -> Path:
    path = workdir / "event.json"
    raw = payload if isinstance(payload, bytes) else json.dumps(payload, indent=2).encode()
    path.write_bytes(raw)
    return path


def run_action(
    workdir: Path,
    *,
    event_name: str,
    payload: dict[str, Any] | bytes,
    github: HeaderRecordingProxy,
    jules_url: str,
    inputs: dict[str, str] | None = None,
    github_env: dict[str, str] | None = None,
    repository: str = REPOSITORY,
    simulator: Simulator | None = None,
) -> ActionRun:
    """Run ``python -m jules_action`` (real process, environment from scratch) and collect it.

    ``simulator``: the in-process Jules simulator ``jules_url`` points at, if it is one; its
    recorded requests are then part of the result.
    """
    event_path = write_event(workdir, payload)
    env = runner_environ(
        workdir,
        event_name=event_name,
        event_path=event_path,
        api_url=github.base_url,
        repository=repository,
        inputs={"INPUT_JULES-API-URL": jules_url, **(inputs or {})},
        github_env=github_env,
    )
    completed = subprocess.run(
        [sys.executable, "-m", "jules_action"],
        env=env,
        cwd=workdir,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=PROCESS_TIMEOUT,
        check=False,
    )
    output_path, summary_path = Path(env["GITHUB_OUTPUT"]), Path(env["GITHUB_STEP_SUMMARY"])
    return ActionRun(
        returncode=completed.returncode,
        stdout=completed.stdout,
        stderr=completed.stderr,
        outputs_text=output_path.read_text(encoding="utf-8") if output_path.exists() else "",
        summary=summary_path.read_text(encoding="utf-8") if summary_path.exists() else "",
        github_requests=github.requests,
        github_headers=github.headers,
        jules_requests=simulator.requests if simulator is not None else None,
        secrets=tuple(
            value
            for value in (env["INPUT_JULES-API-KEY"].strip(), env["INPUT_GITHUB-TOKEN"].strip())
            if value
        ),
        event_path=event_path,
    )
