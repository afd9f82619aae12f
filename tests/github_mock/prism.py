"""Prism (spec-validating mock of GitHub's REST API) behind a recording proxy; subprocess + HTTP.

``start_prism(workdir)`` renders the trimmed spec (made by ``scripts/install_test_tools.py``)
for the proxy's base URL, starts ``node_modules/.bin/prism mock`` (not ``npx``: its wrapper
processes would survive a kill of the recorded PID) on a free port, waits until it answers,
and puts a small stdlib HTTP proxy in front. The proxy records every request (method, path,
query, JSON body, Accept) with Prism's response status and the request violations Prism
reports in its ``sl-violations`` header (on a 422), so tests can assert on what PyGithub sent.
"""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.github_mock.trim_spec import render_spec

ROOT = Path(__file__).resolve().parents[2]
NPM_DIR = ROOT / ".cache/npm"
PRISM_BIN = NPM_DIR / "node_modules/.bin/prism"
PRISM_VERSION = "5.14.2"
TRIMMED_SPEC = ROOT / ".cache/github-api.trimmed.json"
INSTALL_HINT = "run `python scripts/install_test_tools.py` (needs Node 20 + npm)"
READY_TIMEOUT = 30.0
REACTIONS_PREVIEW = "application/vnd.github.squirrel-girl-preview"
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
}


def missing_tools() -> str | None:
    """Why the Prism tests cannot run, or None when everything is installed."""
    manifest = NPM_DIR / "node_modules/@stoplight/prism-cli/package.json"
    if not PRISM_BIN.exists() or not manifest.exists():
        return f"Prism is not installed in {NPM_DIR}; {INSTALL_HINT}"
    version = json.loads(manifest.read_text(encoding="utf-8")).get("version")
    if version != PRISM_VERSION:
        return f"Prism {version} is installed, {PRISM_VERSION} expected; {INSTALL_HINT}"
    if not TRIMMED_SPEC.exists():
        return f"the trimmed GitHub spec {TRIMMED_SPEC} is missing; {INSTALL_HINT}"
    return None


@dataclass(frozen=True)
class ProxiedRequest:
    """One request that went through the proxy, with Prism's answer."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any  # parsed JSON (or the raw text when not JSON; None when empty)
    accept: str
    content_type: str
    status: int
    violations: list[dict[str, Any]] = field(default_factory=list)  # from sl-violations
    response: Any = None

    @property
    def request_violations(self) -> list[dict[str, Any]]:
        """Violations of the request (what the client sent); Prism also reports violations of
        GitHub's own response examples against their schemas, which are not our concern."""
        return [v for v in self.violations if (v.get("location") or [""])[0] == "request"]


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    upstream: tuple[str, int]
    recorder: RecordingProxy


class _ProxyHandler(BaseHTTPRequestHandler):
    server: _ProxyServer
    protocol_version = "HTTP/1.1"
    # Headers and body leave in one segment (flushed after each request), with Nagle off:
    # otherwise a delayed ACK costs ~40 ms per keep-alive request.
    wbufsize = 1 << 16
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet; the recorder keeps what tests need."""

    def _forward(self) -> None:
        proxy = self.server.recorder
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        accept = self.headers.get("Accept", "")
        if proxy.normalize_reactions_preview and accept == REACTIONS_PREVIEW:
            # For a process under test that cannot patch PyGithub's Consts (see conftest).
            headers["Accept"] = REACTIONS_PREVIEW + "+json"
        host, port = self.server.upstream
        connection = http.client.HTTPConnection(host, port, timeout=30)
        try:
            connection.request(self.command, self.path, body=raw or None, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            status = response.status
            response_headers = response.getheaders()
        finally:
            connection.close()
        violations_text = response.getheader("sl-violations") or ""
        split = urlsplit(self.path)
        proxy.record(
            ProxiedRequest(
                method=self.command,
                path=split.path,
                query=parse_qs(split.query),
                body=_parse(raw),
                accept=accept,
                content_type=self.headers.get("Content-Type", ""),
                status=status,
                violations=_parse(violations_text.encode()) or [],
                response=_parse(payload),
            )
        )
        self.send_response(status)
        for name, value in response_headers:
            if name.lower() not in _HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _forward


def _parse(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


class RecordingProxy:
    """A stdlib HTTP proxy to one upstream that records every exchange."""

    def __init__(self, *, normalize_reactions_preview: bool = False) -> None:
        self.normalize_reactions_preview = normalize_reactions_preview
        self._server = _ProxyServer(("127.0.0.1", 0), _ProxyHandler)
        self._server.recorder = self
        self._server.upstream = ("127.0.0.1", 9)
        self._lock = threading.Lock()
        self._requests: list[ProxiedRequest] = []
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def set_upstream(self, host: str, port: int) -> None:
        self._server.upstream = (host, port)

    def record(self, request: ProxiedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    @property
    def requests(self) -> list[ProxiedRequest]:
        with self._lock:
            return list(self._requests)

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@dataclass
class PrismMock:
    """A running Prism behind a ``RecordingProxy``; give PyGithub ``base_url``."""

    proxy: RecordingProxy
    process: subprocess.Popen[bytes]
    prism_port: int
    log_path: Path
    started_in: float  # seconds from launch until Prism answered

    @property
    def base_url(self) -> str:
        return self.proxy.base_url

    @property
    def requests(self) -> list[ProxiedRequest]:
        return self.proxy.requests

    def clear(self) -> None:
        self.proxy.clear()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _answers(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        connection.request("GET", "/repos/octocat/hello/issues/1")
        connection.getresponse().read()
    except OSError:
        return False
    finally:
        connection.close()
    return True


def _log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@contextmanager
def start_prism(workdir: Path, *, normalize_reactions_preview: bool = False) -> Iterator[PrismMock]:
    """Run Prism with the trimmed GitHub spec behind a recording proxy; stop both on exit.

    Raises RuntimeError when the tools are missing or Prism does not come up.
    """
    problem = missing_tools()
    if problem:
        raise RuntimeError(problem)
    proxy = RecordingProxy(normalize_reactions_preview=normalize_reactions_preview)
    process: subprocess.Popen[bytes] | None = None
    log_path = workdir / "prism.log"
    try:
        spec_path = workdir / "github-api.json"
        spec_path.write_text(
            render_spec(TRIMMED_SPEC.read_text(encoding="utf-8"), proxy.base_url),
            encoding="utf-8",
        )
        port = _free_port()
        started = time.monotonic()
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [str(PRISM_BIN), "mock", "-h", "127.0.0.1", "-p", str(port), str(spec_path)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=workdir,
            )
        while not _answers(port):
            if process.poll() is not None:
                raise RuntimeError(
                    f"Prism exited with {process.returncode}:\n{_log_tail(log_path)}"
                )
            if time.monotonic() - started > READY_TIMEOUT:
                raise RuntimeError(
                    f"Prism did not answer within {READY_TIMEOUT} s:\n{_log_tail(log_path)}"
                )
            time.sleep(0.05)  # waiting for the subprocess server to be ready
        proxy.set_upstream("127.0.0.1", port)
        yield PrismMock(proxy, process, port, log_path, time.monotonic() - started)
    finally:
        proxy.close()
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
