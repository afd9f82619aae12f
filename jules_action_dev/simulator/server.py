"""The simulator's HTTP server and its Python API (``Simulator``); does I/O (binds a socket on
127.0.0.1, runs a serving thread) and records every request it answers.

Many clients at once are served by ``ThreadingHTTPServer`` (one thread per connection, HTTP/1.1
keep-alive); the engine itself is single-threaded behind one lock, which is plenty for tens of
polling jobs because a request only holds it for microseconds.
"""

from __future__ import annotations

import json
import logging
import random
import socket
import threading
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from jules_action_dev.simulator.api import ApiResponse, JulesApi
from jules_action_dev.simulator.clock import ScaledClock, SimClock
from jules_action_dev.simulator.config import SimulatorConfig
from jules_action_dev.simulator.engine import Engine, PullRequestHook
from jules_action_dev.simulator.wire import (
    JsonObject,
    RpcError,
    datetime_from_micros,
    micros_from_datetime,
)

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"


@dataclass(frozen=True)
class RecordedRequest:
    """One answered request. The API key value is never recorded, only whether one was sent."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int
    api_key_sent: bool
    operation: str | None
    """API method name such as ``sessions.get``; None for unknown routes."""


class Simulator:
    """A running Jules simulator. Use as a context manager, or ``start()`` / ``stop()``.

    ``on_pull_request`` is called (under the simulator's lock, so it must not call the
    simulator) when a session opens a PR; it may return the URL to report instead of
    ``{github_server_url}/{owner}/{repo}/pull/{n}``.
    """

    def __init__(
        self,
        config: SimulatorConfig | None = None,
        *,
        clock: SimClock | None = None,
        on_pull_request: PullRequestHook | None = None,
    ) -> None:
        self.config = config or SimulatorConfig()
        self.clock: SimClock = clock or ScaledClock(self.config.time_scale)
        rng = random.Random(self.config.seed)
        hook: PullRequestHook = on_pull_request or (lambda _request: None)
        self._engine = Engine(self.config, open_pull_request=hook, rng=rng, stamp=self._stamp)
        self._api = JulesApi(self.config, self._engine, token_salt=f"{rng.getrandbits(64):016x}")
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Simulator:
        if self._server is not None:
            raise RuntimeError("the simulator is already running")
        self._server = _Server((HOST, self.config.port), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},  # bounds how long stop() waits
            name="jules-simulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close open connections and the listening socket; idempotent."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.shutdown()
        thread.join()
        server.close_connections()
        server.server_close()
        self._server = self._thread = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the simulator is not running")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}/v1alpha"

    @property
    def requests(self) -> tuple[RecordedRequest, ...]:
        with self._lock:
            return tuple(self._requests)

    def counts(self) -> Counter[str]:
        """Answered requests per API method (``"unknown"`` for unmatched routes)."""
        with self._lock:
            return Counter(r.operation or "unknown" for r in self._requests)

    @property
    def sessions(self) -> dict[str, JsonObject]:
        """Snapshot of every session as the API would render it now, oldest first."""
        with self._lock:
            self._engine.advance(self._now_us())
            return {s.id: self._engine.session_resource(s) for s in self._engine.sessions}

    def handle(self, method: str, target: str, *, api_key: str | None, body: bytes) -> ApiResponse:
        """Answer one request and record it; called by the HTTP handler threads."""
        with self._lock:
            try:
                response = self._api.handle(
                    method, target, api_key=api_key, body=body, now_us=self._now_us()
                )
            except Exception:
                # e.g. a failing on_pull_request hook: answer 500 rather than drop the connection.
                logger.exception("simulator failed to answer %s %s", method, target)
                error = RpcError("INTERNAL", "Internal error encountered.")
                response = ApiResponse(error.http_status, error.envelope(), None)
            split = urlsplit(target)
            self._requests.append(
                RecordedRequest(
                    method=method,
                    path=split.path,
                    query=dict(parse_qsl(split.query, keep_blank_values=True)),
                    body=_parse_json(body),
                    status=response.status,
                    api_key_sent=bool(api_key),
                    operation=response.operation,
                )
            )
        return response

    def _now_us(self) -> int:
        return micros_from_datetime(self.clock.now())

    def _stamp(self, micros: int) -> int:
        """Simulated instant -> shown timestamp, through the clock's ``to_wall``."""
        to_wall = getattr(self.clock, "to_wall", None)
        if to_wall is None:  # a clock written before to_wall existed: show simulated time
            return micros
        return micros_from_datetime(to_wall(datetime_from_micros(micros)))


class _Server(ThreadingHTTPServer):
    # Non-daemon handler threads, joined by server_close(): stop() leaves nothing running.
    daemon_threads = False
    block_on_close = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], simulator: Simulator) -> None:
        self.simulator = simulator
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self.stopping = False
        super().__init__(address, _Handler)

    def track(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def close_connections(self) -> None:
        """Wake handler threads idling on keep-alive connections so they can finish."""
        self.stopping = True
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                logger.debug("connection already closed")

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not self.stopping:
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body are separate writes; with Nagle on, each response waits ~40 ms for an ACK.
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self._send(400, RpcError("INVALID_ARGUMENT", "Bad Content-Length.").envelope(), None)
            return
        body = self.rfile.read(length) if length > 0 else b""
        response = self.server.simulator.handle(
            self.command, self.path, api_key=self.headers.get("X-Goog-Api-Key"), body=body
        )
        self._send(response.status, response.body, response.retry_after)

    def _send(self, status: int, body: JsonObject, retry_after: int | None) -> None:
        payload = json.dumps(body, indent=2).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        if retry_after is not None:
            self.send_header("Retry-After", str(retry_after))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s - %s", self.address_string(), format % args)


def _parse_json(body: bytes) -> Any:
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None
