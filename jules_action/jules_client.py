"""JulesClient: one method per Jules REST API v1alpha method; I/O only via an injected httpx.Client.

The caller builds the ``httpx.Client`` with the base URL (which includes ``/v1alpha``), the
``X-Goog-Api-Key`` header, timeouts and user agent; this module sends relative paths such as
``sessions`` or ``sources/github/o/r`` so httpx joins them onto the base path.

``decipher_response`` is the one place that turns an HTTP response into data or into the
exception tree of ``errors.py``; transport failures become ``JulesNetworkError``. Nothing
here ever logs or raises text containing the API key: it only logs method, path and status,
and scrubs the key (taken from the request's own header) out of every error message.
"""

from __future__ import annotations

import json
import logging
import random
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from jules_action.clock import Clock
from jules_action.errors import (
    FieldViolation,
    JulesAPIError,
    JulesAuthError,
    JulesInvalidArgument,
    JulesNetworkError,
    JulesNotFound,
    JulesRateLimited,
    JulesServerError,
)
from jules_action.jules_models import (
    BAD_REQUEST_TYPE,
    ERROR_INFO_TYPE,
    RETRY_INFO_TYPE,
    Activity,
    CreateSessionRequest,
    ErrorEnvelope,
    GoogleError,
    JulesModel,
    ListActivitiesResponse,
    ListResponse,
    ListSessionsResponse,
    ListSourcesResponse,
    Session,
    Source,
    format_timestamp,
)
from jules_action.retry import RetryPolicy, next_delay

log = logging.getLogger("jules_action.jules")

API_KEY_HEADER = "X-Goog-Api-Key"
REDACTED = "[redacted]"

# Google front ends answer a malformed key with 400 INVALID_ARGUMENT + ErrorInfo reason
# API_KEY_INVALID (jules-api.md §4); for the user that is an authentication problem.
_AUTH_REASONS = frozenset({"API_KEY_INVALID", "API_KEY_SERVICE_BLOCKED"})
# 501 UNIMPLEMENTED and other 5xx do not get better by waiting; the SDK retries exactly these.
_RETRYABLE_SERVER_STATUSES = frozenset({500, 502, 503, 504})
# Failures where the request provably never reached the server, so even a POST may be resent.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_DELAY_SECONDS = re.compile(r"\s*(\d{1,9}(?:\.\d{1,9})?)s?\s*")

_M = TypeVar("_M", bound=JulesModel)
_P = TypeVar("_P", bound=ListResponse)


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or an HTTP-date); None if absent."""
    if value is None:
        return None
    match = _DELAY_SECONDS.fullmatch(value)
    if match is not None:
        return float(match.group(1))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - now).total_seconds(), 0.0)


def _retry_info_delay(google: GoogleError) -> float | None:
    for detail in google.details:
        if detail.type == RETRY_INFO_TYPE:
            match = _DELAY_SECONDS.fullmatch(detail.retry_delay)
            if match is not None:
                return float(match.group(1))
    return None


def _json_body(response: httpx.Response) -> Any:
    if not response.content.strip():
        return None
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def _secret_of(request: httpx.Request | None) -> str:
    return request.headers.get(API_KEY_HEADER, "") if request is not None else ""


def _scrub(text: str, secret: str) -> str:
    return text.replace(secret, REDACTED) if secret else text


def _request_of(response: httpx.Response) -> httpx.Request | None:
    try:
        return response.request
    except RuntimeError:
        return None


def _error_class(status_code: int, google: GoogleError) -> type[JulesAPIError]:
    if status_code in {401, 403}:
        return JulesAuthError
    if status_code == 400:
        reasons = {d.reason for d in google.details if d.type == ERROR_INFO_TYPE}
        return JulesAuthError if reasons & _AUTH_REASONS else JulesInvalidArgument
    if status_code == 404:
        return JulesNotFound
    if status_code == 429:
        return JulesRateLimited
    if 500 <= status_code <= 599:
        return JulesServerError
    return JulesAPIError


def decipher_response(response: httpx.Response, *, now: datetime) -> Any:
    """Return the JSON body of a 2xx response, or raise the matching ``JulesAPIError``.

    A 2xx body that is empty or not JSON yields ``None`` (sendMessage/approvePlan answer
    ``{}`` or nothing). Errors: 401/403 ``JulesAuthError`` (also 400 with reason
    API_KEY_INVALID), 400 ``JulesInvalidArgument`` with the BadRequest field violations,
    404 ``JulesNotFound``, 429 ``JulesRateLimited``, 5xx ``JulesServerError``, anything else
    ``JulesAPIError``. ``retry_after`` comes from the Retry-After header (seconds or an
    HTTP-date, relative to ``now``), else from a google.rpc.RetryInfo detail.
    """
    if response.is_success:
        return _json_body(response)
    body = _json_body(response)
    envelope = ErrorEnvelope.model_validate(body) if isinstance(body, dict) else ErrorEnvelope()
    google = envelope.error or GoogleError()
    code = response.status_code
    request = _request_of(response)
    where = f" on {request.method} {request.url.path}" if request is not None else ""
    status = google.status or response.reason_phrase
    if google.message:
        text = f"Jules API error{where}: {google.message} ({code} {status})"
    else:
        text = f"Jules API error{where}: HTTP {code} {status}"
    violations = tuple(
        FieldViolation(field=v.field, description=v.description)
        for d in google.details
        if d.type == BAD_REQUEST_TYPE
        for v in d.field_violations
    )
    retry_after = parse_retry_after(response.headers.get("Retry-After"), now=now)
    error_cls = _error_class(code, google)
    raise error_cls(
        _scrub(text, _secret_of(request)),
        status_code=code,
        status=google.status,
        field_violations=violations,
        retry_after=retry_after if retry_after is not None else _retry_info_delay(google),
    )


def _network_error(exc: httpx.RequestError, method: str, path: str) -> JulesNetworkError:
    try:
        secret = _secret_of(exc.request)
    except RuntimeError:
        secret = ""
    text = f"Could not reach Jules on {method} {path}: {type(exc).__name__}: {exc}"
    return JulesNetworkError(_scrub(text, secret), status_code=None)


def _segment(value: str) -> str:
    if not value or value in {".", ".."} or "/" in value:
        raise ValueError(f"not a valid Jules resource id: {value!r}")
    return quote(value, safe="")


def _session_id(session_id: str) -> str:
    """Accept ``123`` or ``sessions/123``; return ``123``."""
    return session_id.removeprefix("sessions/")


def _page_params(**params: object) -> dict[str, str]:
    return {key: str(value) for key, value in params.items() if value is not None}


ARCHIVED_FILTER = "archived = true"
"""The sessions.list filter for archived sessions, spelled as the official SDK documents it."""

READ_TIMEOUT = 30.0
"""The longest one request waits for an answer (the composition root's httpx timeout)."""

SHORT_RETRY_AFTER = 60.0
"""Longest server-given Retry-After (seconds) a refused POST waits for before retrying."""


class JulesClient:
    """Typed access to the Jules REST API over an injected ``httpx.Client``.

    Retries (see ``RetryPolicy``; all sleeps go through ``clock.sleep``, all time is read
    from ``clock``, and no retry starts once ``policy.budget`` seconds have passed):

    - GET methods retry 429, 500/502/503/504 and every network error, with exponential
      backoff and jitter, or exactly the server's Retry-After when it sends one.
    - A 404 from get_session, get_activity or list_activities for a session that *this
      client* created less than ``policy.not_found_window`` seconds ago is retried the same
      way: right after create the API briefly answers 404 (jules-sdk #19). Other 4xx fail
      at once.
    - POST methods (create_session, send_message, approve_plan, archive_session,
      unarchive_session) are treated alike; the first three are not idempotent: a
      retried create after the server acted would start a second session (a second PR and
      a second task off the user's daily quota); a retried sendMessage would post twice.
      They are therefore retried only when the request provably was not acted on: on 429
      (RESOURCE_EXHAUSTED rejects the request) and on ``httpx.ConnectError`` /
      ``ConnectTimeout`` / ``PoolTimeout`` (no byte was sent). A read timeout, a dropped
      connection or any 5xx — including 503, which a proxy may return after forwarding —
      is raised to the caller, who can look for the session (e.g. by a tag in its prompt)
      before deciding to create again.
    """

    def __init__(
        self,
        http: httpx.Client,
        *,
        clock: Clock,
        retry: RetryPolicy | None = None,
        rng: random.Random | None = None,
        deadline: float | None = None,
    ) -> None:
        self._http = http
        self._clock = clock
        self._policy = retry if retry is not None else RetryPolicy()
        self._rng = rng if rng is not None else random.Random()
        # On ``clock.monotonic()``: no retry starts, and no request waits, past it.
        self._deadline = deadline
        self._created_at: dict[str, float] = {}

    # --- sources ----------------------------------------------------------------------------

    def get_source(self, owner: str, repo: str) -> Source:
        """The source for a GitHub repo; ``JulesNotFound`` if the Jules app is not installed."""
        path = f"sources/github/{_segment(owner)}/{_segment(repo)}"
        return self._model(Source, "GET", path)

    def list_sources(
        self, *, filter: str | None = None, page_size: int | None = None
    ) -> Iterator[Source]:
        """Every connected source, following page tokens; ``filter`` is AIP-160 on ``name``."""
        params = _page_params(filter=filter, pageSize=page_size)
        for page in self._pages(ListSourcesResponse, "sources", params):
            yield from page.sources

    # --- sessions ---------------------------------------------------------------------------

    def create_session(self, request: CreateSessionRequest) -> Session:
        """Start a session; see the class docstring for why this is rarely retried."""
        session = self._model(Session, "POST", "sessions", body=request.to_wire())
        key = session.id or _session_id(session.name)
        if key:
            self._created_at[key] = self._clock.monotonic()
        return session

    def get_session(self, session_id: str) -> Session:
        """One session by id (``123`` or ``sessions/123``)."""
        sid = _session_id(session_id)
        return self._model(Session, "GET", f"sessions/{_segment(sid)}", session_id=sid)

    def list_sessions(
        self,
        *,
        page_size: int | None = None,
        filter: str | None = None,
        include_archived: bool = False,
    ) -> Iterator[Session]:
        """Sessions visible to the key, newest first, following page tokens.

        The API leaves archived sessions out unless the AIP-160 ``filter`` asks for them
        (the SDK sends ``archived = true``). ``include_archived=True`` yields every session:
        first the default list, then the ``archived = true`` list, each id once. It cannot
        be combined with ``filter``.
        """
        if include_archived and filter is not None:
            raise ValueError("include_archived=True already sets the filter")
        filters = [None, ARCHIVED_FILTER] if include_archived else [filter]
        seen: set[str] = set()
        for one_filter in filters:
            params = _page_params(pageSize=page_size, filter=one_filter)
            for page in self._pages(ListSessionsResponse, "sessions", params):
                for session in page.sessions:
                    key = session.id or session.name
                    if key in seen:
                        continue  # archived between the two lists
                    seen.add(key)
                    yield session

    def send_message(self, session_id: str, prompt: str) -> None:
        """Post a user message to the session; the reply arrives later as an activity."""
        path = f"sessions/{_segment(_session_id(session_id))}:sendMessage"
        self._call("POST", path, body={"prompt": prompt})

    def approve_plan(self, session_id: str) -> None:
        """Approve the latest pending plan of the session.

        Also when the session reads COMPLETED while its plan waits (an "inactive" session):
        the API answers 200 and work resumes. With no plan to approve it answers 400.
        """
        path = f"sessions/{_segment(_session_id(session_id))}:approvePlan"
        self._call("POST", path, body={})

    def archive_session(self, session_id: str) -> None:
        """Archive the session: it leaves the default ``list_sessions`` but stays readable."""
        path = f"sessions/{_segment(_session_id(session_id))}:archive"
        self._call("POST", path, body={})

    def unarchive_session(self, session_id: str) -> None:
        """Undo ``archive_session``."""
        path = f"sessions/{_segment(_session_id(session_id))}:unarchive"
        self._call("POST", path, body={})

    # --- activities -------------------------------------------------------------------------

    def get_activity(self, session_id: str, activity_id: str) -> Activity:
        """One activity of a session."""
        sid = _session_id(session_id)
        path = f"sessions/{_segment(sid)}/activities/{_segment(activity_id)}"
        return self._model(Activity, "GET", path, session_id=sid)

    def list_activities(
        self,
        session_id: str,
        *,
        created_after: datetime | None = None,
        page_size: int | None = None,
    ) -> Iterator[Activity]:
        """The session's activities, oldest first, following page tokens.

        ``created_after`` sends ``filter=create_time>"<RFC 3339>"`` (the SDK's syntax). The
        bound is sent with microsecond precision while the API keeps nanoseconds, so the
        activity whose time was passed in can come back again: de-duplicate by id.
        """
        sid = _session_id(session_id)
        after = f'create_time>"{format_timestamp(created_after)}"' if created_after else None
        params = _page_params(filter=after, pageSize=page_size)
        path = f"sessions/{_segment(sid)}/activities"
        for page in self._pages(ListActivitiesResponse, path, params, session_id=sid):
            yield from page.activities

    # --- plumbing ---------------------------------------------------------------------------

    def _pages(
        self,
        model: type[_P],
        path: str,
        params: dict[str, str],
        *,
        session_id: str | None = None,
    ) -> Iterator[_P]:
        seen: set[str] = set()
        token = ""
        while True:
            query = {**params, "pageToken": token} if token else params
            page = self._model(model, "GET", path, params=query, session_id=session_id)
            yield page
            token = page.next_page_token
            if not token:
                return
            if token in seen:
                log.warning("Jules repeated page token on %s; stopping pagination.", path)
                return
            seen.add(token)

    def _model(
        self,
        model: type[_M],
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        session_id: str | None = None,
    ) -> _M:
        data = self._call(method, path, params=params, body=body, session_id=session_id)
        if not isinstance(data, dict):
            raise JulesAPIError(
                f"Jules answered {method} {path} with a body that is not a JSON object.",
                status_code=None,
            )
        return model.model_validate(data)

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        session_id: str | None = None,
    ) -> Any:
        start = self._clock.monotonic()
        attempt = 0
        while True:
            try:
                return self._send(method, path, params=params, body=body)
            except JulesAPIError as exc:
                if not self._may_retry(exc, method=method, session_id=session_id):
                    raise
                delay = next_delay(
                    self._policy,
                    attempt=attempt,
                    elapsed=self._clock.monotonic() - start,
                    retry_after=exc.retry_after,
                    rng=self._rng,
                )
                past_deadline = (
                    delay is not None
                    and self._deadline is not None
                    and self._clock.monotonic() + delay > self._deadline
                )
                if delay is None or past_deadline:
                    log.info("Giving up on Jules %s %s after %d retries.", method, path, attempt)
                    raise
                log.info("%s; retrying in %.1f s.", exc.message, delay)
                self._clock.sleep(delay)
                attempt += 1

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None,
        body: dict[str, Any] | None,
    ) -> Any:
        timeout: httpx.Timeout | httpx._client.UseClientDefault = httpx.USE_CLIENT_DEFAULT
        if self._deadline is not None:
            left = max(self._deadline - self._clock.monotonic(), 1.0)
            if left < READ_TIMEOUT:
                timeout = httpx.Timeout(left, connect=min(left, 10.0))
        try:
            response = self._http.request(method, path, params=params, json=body, timeout=timeout)
        except httpx.RequestError as exc:
            log.debug("Jules %s %s -> %s", method, path, type(exc).__name__)
            raise _network_error(exc, method, path) from exc
        log.debug("Jules %s %s -> %d", method, path, response.status_code)
        return decipher_response(response, now=self._clock.now())

    def _may_retry(self, exc: JulesAPIError, *, method: str, session_id: str | None) -> bool:
        replay_safe = method == "GET"
        if isinstance(exc, JulesRateLimited):
            # A refused POST (above all a create) usually means the daily task quota or the
            # concurrency cap, which lasts far longer than a job should wait; the caller
            # queues the request instead. Only a short, server-given Retry-After is worth it.
            short = exc.retry_after is not None and exc.retry_after <= SHORT_RETRY_AFTER
            return replay_safe or short
        if isinstance(exc, JulesNetworkError):
            return replay_safe or isinstance(exc.__cause__, _NOT_SENT)
        if isinstance(exc, JulesServerError):
            return replay_safe and exc.status_code in _RETRYABLE_SERVER_STATUSES
        if isinstance(exc, JulesNotFound) and session_id is not None:
            created_at = self._created_at.get(session_id)
            return (
                created_at is not None
                and self._clock.monotonic() - created_at < self._policy.not_found_window
            )
        return False
