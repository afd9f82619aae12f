"""Unit tests for jules_action.jules_client against a scripted httpx.MockTransport fake."""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

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
from jules_action.jules_client import (
    JulesClient,
    _network_error,
    decipher_response,
    parse_retry_after,
)
from jules_action.jules_models import (
    AutomationMode,
    CreateSessionRequest,
    GitHubRepoContext,
    SessionState,
    SourceContext,
)
from jules_action.messages import explain
from jules_action.retry import RetryPolicy, backoff_delay, next_delay
from tests.conftest import FakeClock

BASE_URL = "https://jules.test/v1alpha"
API_KEY = "AIzaSy-test-key-0123456789"
PAYLOADS = Path(__file__).parent.parent / "payloads" / "jules"

Reply = httpx.Response | type[httpx.RequestError] | Callable[[httpx.Request], httpx.Response]


def load_payload(name: str) -> Any:
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


def error_body(code: int, status: str, message: str, *details: dict[str, Any]) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details:
        error["details"] = list(details)
    return {"error": error}


class NoJitter(random.Random):
    """An rng whose draw removes no jitter, so the schedule is the plain exponential one."""

    def random(self) -> float:
        return 0.0


@dataclass
class FakeJules:
    """A MockTransport handler: scripted replies per (method, path), every request recorded.

    Replies for a route are served in order; the last one repeats. A reply is a response,
    an httpx exception class to raise, or a function of the request.
    """

    routes: dict[tuple[str, str], list[Reply]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def script(self, method: str, path: str, *replies: Reply) -> None:
        self.routes[(method, f"/v1alpha/{path}")] = list(replies)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        replies = self.routes.get((request.method, request.url.path))
        if not replies:
            raise AssertionError(f"unscripted request {request.method} {request.url}")
        reply = replies.pop(0) if len(replies) > 1 else replies[0]
        if isinstance(reply, httpx.Response):
            return reply
        if isinstance(reply, type):
            raise reply("scripted failure", request=request)
        return reply(request)

    def sent(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if (r.method, r.url.path) == (method, f"/v1alpha/{path}")]


@pytest.fixture
def fake() -> FakeJules:
    return FakeJules()


@pytest.fixture
def http(fake: FakeJules) -> Iterator[httpx.Client]:
    with httpx.Client(
        transport=httpx.MockTransport(fake), base_url=BASE_URL, headers={"X-Goog-Api-Key": API_KEY}
    ) as client:
        yield client


@pytest.fixture
def jules(http: httpx.Client, clock: FakeClock) -> JulesClient:
    return JulesClient(http, clock=clock, rng=NoJitter())


def ok(body: Any = None, **kwargs: Any) -> httpx.Response:
    return httpx.Response(200, json={} if body is None else body, **kwargs)


def session_request() -> CreateSessionRequest:
    return CreateSessionRequest(
        prompt="Fix the bug",
        title="Fix it",
        source_context=SourceContext(
            source="sources/github/octo-org/boba",
            github_repo_context=GitHubRepoContext(starting_branch="main"),
        ),
        automation_mode=AutomationMode.AUTO_CREATE_PR,
    )


# --- requests sent --------------------------------------------------------------------------


def test_get_source__path_header_and_model(jules: JulesClient, fake: FakeJules) -> None:
    fake.script(
        "GET", "sources/github/octo-org/boba", ok(load_payload("sources.list.json")["sources"][0])
    )

    source = jules.get_source("octo-org", "boba")

    assert source.id == "github/octo-org/boba"
    (request,) = fake.requests
    assert str(request.url) == "https://jules.test/v1alpha/sources/github/octo-org/boba"
    assert request.headers["x-goog-api-key"] == API_KEY
    assert request.content == b""


def test_list_sources__filter_page_size_and_pagination(jules: JulesClient, fake: FakeJules) -> None:
    first = load_payload("sources.list.json")
    fake.script("GET", "sources", ok(first), ok({"sources": [{"name": "sources/github/o/zen"}]}))

    names = [s.name for s in jules.list_sources(filter="name=sources/github/o/r", page_size=2)]

    assert names == [
        "sources/github/octo-org/boba",
        "sources/github/octo-org/tea",
        "sources/github/o/zen",
    ]
    assert [dict(r.url.params) for r in fake.requests] == [
        {"filter": "name=sources/github/o/r", "pageSize": "2"},
        {"filter": "name=sources/github/o/r", "pageSize": "2", "pageToken": "github/octo-org/zen"},
    ]


def test_create_session__posts_camel_case_body(jules: JulesClient, fake: FakeJules) -> None:
    fake.script("POST", "sessions", ok(load_payload("session.create.minimal.json")))

    session = jules.create_session(session_request())

    assert session.id == "31415926535897932384"
    assert session.state is SessionState.STATE_UNSPECIFIED
    (request,) = fake.requests
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {
        "prompt": "Fix the bug",
        "title": "Fix it",
        "sourceContext": {
            "source": "sources/github/octo-org/boba",
            "githubRepoContext": {"startingBranch": "main"},
        },
        "automationMode": "AUTO_CREATE_PR",
    }


@pytest.mark.parametrize("session_id", ["123", "sessions/123"])
def test_get_session__accepts_id_or_name(
    jules: JulesClient, fake: FakeJules, session_id: str
) -> None:
    fake.script("GET", "sessions/123", ok({"id": "123", "state": "IN_PROGRESS"}))

    assert jules.get_session(session_id).state is SessionState.IN_PROGRESS
    assert fake.requests[0].url.path == "/v1alpha/sessions/123"


@pytest.mark.parametrize("bad", ["", "..", "a/b", "sessions/"])
def test_get_session__rejects_ids_that_would_change_the_path(
    jules: JulesClient, fake: FakeJules, bad: str
) -> None:
    with pytest.raises(ValueError, match="resource id"):
        jules.get_session(bad)
    assert fake.requests == []


def test_list_sessions__follows_page_tokens(jules: JulesClient, fake: FakeJules) -> None:
    fake.script(
        "GET",
        "sessions",
        ok({"sessions": [{"id": "1"}, {"id": "2"}], "nextPageToken": "t1"}),
        ok({"sessions": [{"id": "3"}], "nextPageToken": "t2"}),
        ok({}),
    )

    assert [s.id for s in jules.list_sessions(page_size=100)] == ["1", "2", "3"]
    assert [r.url.params.get("pageToken") for r in fake.requests] == [None, "t1", "t2"]
    assert {r.url.params["pageSize"] for r in fake.requests} == {"100"}


def test_list_sessions__repeated_page_token_stops(
    jules: JulesClient, fake: FakeJules, caplog: pytest.LogCaptureFixture
) -> None:
    fake.script(
        "GET",
        "sessions",
        ok({"sessions": [{"id": "1"}], "nextPageToken": "same"}),
        ok({"sessions": [{"id": "2"}], "nextPageToken": "same"}),
    )

    assert [s.id for s in jules.list_sessions()] == ["1", "2"]
    assert len(fake.requests) == 2
    assert "repeated page token" in caplog.text


def _sessions_by_filter(request: httpx.Request) -> httpx.Response:
    """Two pages of live sessions and, for ``archived = true``, two pages of archived ones."""
    pages = {
        (None, None): {"sessions": [{"id": "5"}, {"id": "4"}], "nextPageToken": "live-2"},
        (None, "live-2"): {"sessions": [{"id": "3"}]},
        ("archived = true", None): {"sessions": [{"id": "3"}, {"id": "2"}], "nextPageToken": "a2"},
        ("archived = true", "a2"): {"sessions": [{"id": "1", "archived": True}]},
    }
    key = (request.url.params.get("filter"), request.url.params.get("pageToken"))
    return ok(pages[key])


def test_list_sessions__include_archived_lists_both_and_yields_each_once(
    jules: JulesClient, fake: FakeJules
) -> None:
    fake.script("GET", "sessions", _sessions_by_filter)

    sessions = list(jules.list_sessions(page_size=100, include_archived=True))

    # "3" was archived between the two lists: it is yielded once.
    assert [s.id for s in sessions] == ["5", "4", "3", "2", "1"]
    assert sessions[-1].archived is True
    assert [dict(r.url.params) for r in fake.requests] == [
        {"pageSize": "100"},
        {"pageSize": "100", "pageToken": "live-2"},
        {"pageSize": "100", "filter": "archived = true"},
        {"pageSize": "100", "filter": "archived = true", "pageToken": "a2"},
    ]


def test_list_sessions__default_and_custom_filter(jules: JulesClient, fake: FakeJules) -> None:
    fake.script("GET", "sessions", _sessions_by_filter)

    default = [s.id for s in jules.list_sessions()]
    archived = [s.id for s in jules.list_sessions(filter="archived = true")]

    assert (default, archived) == (["5", "4", "3"], ["3", "2", "1"])
    assert "filter" not in fake.requests[0].url.params


def test_list_sessions__include_archived_excludes_a_filter(
    jules: JulesClient, fake: FakeJules
) -> None:
    with pytest.raises(ValueError, match="include_archived"):
        list(jules.list_sessions(filter="archived = false", include_archived=True))
    assert fake.requests == []


@pytest.mark.parametrize(
    ("call", "verb"),
    [(JulesClient.archive_session, "archive"), (JulesClient.unarchive_session, "unarchive")],
)
def test_archive__posts_empty_object_and_is_not_resent_after_a_5xx(
    jules: JulesClient,
    fake: FakeJules,
    clock: FakeClock,
    call: Callable[[JulesClient, str], None],
    verb: str,
) -> None:
    fake.script("POST", f"sessions/123:{verb}", ok())
    call(jules, "sessions/123")
    fake.script("POST", f"sessions/124:{verb}", httpx.Response(503), ok())

    with pytest.raises(JulesServerError):
        call(jules, "124")

    assert [r.url.path for r in fake.requests] == [
        f"/v1alpha/sessions/123:{verb}", f"/v1alpha/sessions/124:{verb}",
    ]  # fmt: skip
    assert json.loads(fake.requests[0].content) == {}
    assert clock.sleeps == []


def test_explain__failed_precondition_on_create_names_the_documented_cause(
    jules: JulesClient, fake: FakeJules
) -> None:
    body = error_body(400, "FAILED_PRECONDITION", "Precondition check failed.")
    fake.script("POST", "sessions", httpx.Response(400, json=body))

    with pytest.raises(JulesInvalidArgument) as caught:
        jules.create_session(session_request())
    text = explain(caught.value, branch="main")

    assert "FAILED_PRECONDITION" in text
    assert "requirePlanApproval" in text
    assert "AUTO_CREATE_PR" in text
    assert "branch" not in text


@pytest.mark.parametrize(
    "reply",
    [
        httpx.Response(200),
        httpx.Response(200, json={}),
        httpx.Response(200, text="OK"),
        httpx.Response(204),
    ],
)
def test_send_message__tolerates_empty_or_odd_bodies(
    jules: JulesClient, fake: FakeJules, reply: httpx.Response
) -> None:
    fake.script("POST", "sessions/123:sendMessage", reply)

    jules.send_message("sessions/123", "Please open the PR.")

    (request,) = fake.requests
    assert request.url.path == "/v1alpha/sessions/123:sendMessage"
    assert json.loads(request.content) == {"prompt": "Please open the PR."}


def test_approve_plan__sends_empty_object(jules: JulesClient, fake: FakeJules) -> None:
    fake.script("POST", "sessions/123:approvePlan", httpx.Response(200))

    jules.approve_plan("123")

    assert json.loads(fake.requests[0].content) == {}


def test_get_activity__path(jules: JulesClient, fake: FakeJules) -> None:
    activity = load_payload("activities.list.json")["activities"][3]
    fake.script("GET", f"sessions/31415926535897932384/activities/{activity['id']}", ok(activity))

    result = jules.get_activity("31415926535897932384", activity["id"])

    assert result.kind == "agentMessaged"


def test_list_activities__created_after_filter_and_pages(
    jules: JulesClient, fake: FakeJules
) -> None:
    fake.script(
        "GET",
        "sessions/314/activities",
        ok(load_payload("activities.list.json")),
        ok({"activities": [{"id": "last", "sessionCompleted": {}}]}),
    )
    after = datetime(2025, 10, 3, 5, 43, 42, 801654, tzinfo=UTC)

    activities = list(jules.list_activities("sessions/314", created_after=after, page_size=50))

    assert len(activities) == 8
    assert activities[-1].id == "last"
    first, second = fake.requests
    assert first.url.params["filter"] == 'create_time>"2025-10-03T05:43:42.801654Z"'
    assert first.url.params["pageSize"] == "50"
    assert second.url.params["pageToken"] == "1759568400000000000"
    assert second.url.params["filter"] == first.url.params["filter"]


def test_list_activities__no_filter_by_default(jules: JulesClient, fake: FakeJules) -> None:
    fake.script("GET", "sessions/314/activities", ok({}))

    assert list(jules.list_activities("314")) == []
    assert dict(fake.requests[0].url.params) == {}


def test_request__non_object_body_is_an_api_error(jules: JulesClient, fake: FakeJules) -> None:
    fake.script("GET", "sessions/1", httpx.Response(200, text="<html>proxy login</html>"))

    with pytest.raises(JulesAPIError, match="not a JSON object"):
        jules.get_session("1")


def test_request__logs_method_path_status_at_debug(
    jules: JulesClient, fake: FakeJules, caplog: pytest.LogCaptureFixture
) -> None:
    fake.script("GET", "sessions/1", ok({"id": "1"}))
    caplog.set_level(logging.DEBUG, logger="jules_action.jules")

    jules.get_session("1")

    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        ("jules_action.jules", logging.DEBUG, "Jules GET sessions/1 -> 200")
    ]


# --- error mapping --------------------------------------------------------------------------


def _response(
    status: int, body: Any = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    request = httpx.Request("GET", f"{BASE_URL}/sessions/1", headers={"X-Goog-Api-Key": API_KEY})
    if body is None:
        return httpx.Response(status, headers=headers, request=request)
    return httpx.Response(status, json=body, headers=headers, request=request)


NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def _expected_class(status: int) -> type[JulesAPIError]:
    if status in {401, 403}:
        return JulesAuthError
    if status == 400:
        return JulesInvalidArgument
    if status == 404:
        return JulesNotFound
    if status == 429:
        return JulesRateLimited
    if 500 <= status <= 599:
        return JulesServerError
    return JulesAPIError


@pytest.mark.parametrize("status", [s for s in range(100, 600) if not 200 <= s <= 299])
def test_decipher_response__every_non_2xx_status_maps(status: int) -> None:
    """Meta-test: every status class ends in exactly the documented exception type."""
    with pytest.raises(JulesAPIError) as caught:
        decipher_response(_response(status), now=NOW)

    assert type(caught.value) is _expected_class(status)
    assert caught.value.status_code == status


@pytest.mark.parametrize("status", range(200, 300))
def test_decipher_response__every_2xx_status_is_data(status: int) -> None:
    assert decipher_response(_response(status, {"id": "1"}), now=NOW) == {"id": "1"}


def test_decipher_response__message_has_google_message_and_status() -> None:
    body = load_payload("error.not_found.json")

    with pytest.raises(JulesNotFound) as caught:
        decipher_response(_response(404, body), now=NOW)

    assert caught.value.message == (
        "Jules API error on GET /v1alpha/sessions/1: Requested entity was not found. "
        "(404 NOT_FOUND)"
    )
    assert caught.value.status == "NOT_FOUND"


def test_decipher_response__without_envelope_uses_reason_phrase() -> None:
    with pytest.raises(JulesServerError, match=r"HTTP 502 Bad Gateway"):
        decipher_response(_response(502), now=NOW)


def test_decipher_response__response_without_request() -> None:
    with pytest.raises(JulesServerError) as caught:
        decipher_response(httpx.Response(500), now=NOW)

    assert caught.value.message == "Jules API error: HTTP 500 Internal Server Error"


def test_network_error__exception_without_request() -> None:
    error = _network_error(httpx.ConnectError("refused"), "GET", "sessions/1")

    assert error.message == "Could not reach Jules on GET sessions/1: ConnectError: refused"
    assert error.status_code is None


def test_decipher_response__bad_request_field_violations() -> None:
    with pytest.raises(JulesInvalidArgument) as caught:
        decipher_response(_response(400, load_payload("error.invalid_argument.json")), now=NOW)

    (violation,) = caught.value.field_violations
    assert isinstance(violation, FieldViolation)
    assert violation.field == "session.automation_mode"
    assert "MANUAL" in violation.description
    assert caught.value.status == "INVALID_ARGUMENT"


def test_decipher_response__api_key_invalid_is_auth_error() -> None:
    body = error_body(
        400,
        "INVALID_ARGUMENT",
        "API key not valid. Please pass a valid API key.",
        {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"},
    )

    with pytest.raises(JulesAuthError, match="API key not valid"):
        decipher_response(_response(400, body), now=NOW)


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        ({"Retry-After": "7"}, None, 7.0),
        ({"Retry-After": format_datetime(NOW + timedelta(seconds=42), usegmt=True)}, None, 42.0),
        ({"Retry-After": format_datetime(NOW - timedelta(seconds=5), usegmt=True)}, None, 0.0),
        ({"Retry-After": "soon"}, None, None),
        (
            {},
            error_body(
                429,
                "RESOURCE_EXHAUSTED",
                "Quota exceeded.",
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "12.5s"},
            ),
            12.5,
        ),
        ({}, None, None),
    ],
)
def test_decipher_response__rate_limited_retry_after(
    headers: dict[str, str], body: Any, expected: float | None
) -> None:
    with pytest.raises(JulesRateLimited) as caught:
        decipher_response(_response(429, body, headers), now=NOW)

    assert caught.value.retry_after == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("0", 0.0), (" 120 ", 120.0), ("1.5", 1.5), ("-3", None), ("", None)],
)
def test_parse_retry_after__delay_seconds(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == expected


# --- retries --------------------------------------------------------------------------------


def test_retry__backoff_schedule_until_budget(
    jules: JulesClient, fake: FakeJules, clock: FakeClock
) -> None:
    fake.script("GET", "sessions/1", httpx.Response(503, json=error_body(503, "UNAVAILABLE", "x")))

    with pytest.raises(JulesServerError):
        jules.get_session("1")

    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0, 16.0] + [30.0] * 8
    assert sum(clock.sleeps) <= 300.0
    assert len(fake.requests) == len(clock.sleeps) + 1


def test_retry__jitter_stays_within_half_to_full_delay(
    http: httpx.Client, fake: FakeJules, clock: FakeClock
) -> None:
    fake.script("GET", "sessions/1", httpx.Response(500))
    jules = JulesClient(http, clock=clock, rng=random.Random(7))

    with pytest.raises(JulesServerError):
        jules.get_session("1")

    bases = [min(30.0, 2.0**n) for n in range(len(clock.sleeps))]
    assert all(base / 2 <= slept <= base for slept, base in zip(clock.sleeps, bases, strict=True))
    assert len(set(clock.sleeps)) == len(clock.sleeps)


def test_retry__recovers_after_transient_errors(
    jules: JulesClient, fake: FakeJules, clock: FakeClock
) -> None:
    fake.script(
        "GET",
        "sessions/1",
        httpx.Response(502),
        httpx.ReadTimeout,
        httpx.Response(500),
        ok({"id": "1", "state": "COMPLETED"}),
    )

    assert jules.get_session("1").state is SessionState.COMPLETED
    assert clock.sleeps == [1.0, 2.0, 4.0]


def test_retry__honours_retry_after_header(
    jules: JulesClient, fake: FakeJules, clock: FakeClock
) -> None:
    start = clock.now()
    fake.script(
        "GET",
        "sessions/1",
        httpx.Response(429, headers={"Retry-After": "45"}),
        # An HTTP-date counts from when the answer arrives: 45 s into the test, so 90 s later.
        httpx.Response(
            503,
            headers={"Retry-After": format_datetime(start + timedelta(seconds=135), usegmt=True)},
        ),
        ok({"id": "1"}),
    )

    jules.get_session("1")

    assert clock.sleeps == [45.0, 90.0]


def test_retry__retry_after_beyond_budget_fails_at_once(
    jules: JulesClient, fake: FakeJules, clock: FakeClock
) -> None:
    fake.script("GET", "sessions/1", httpx.Response(429, headers={"Retry-After": "3600"}))

    with pytest.raises(JulesRateLimited) as caught:
        jules.get_session("1")

    assert caught.value.retry_after == 3600.0
    assert clock.sleeps == []


def test_retry__custom_policy_budget(http: httpx.Client, fake: FakeJules, clock: FakeClock) -> None:
    fake.script("GET", "sessions", httpx.ConnectError)
    jules = JulesClient(http, clock=clock, retry=RetryPolicy(budget=10.0), rng=NoJitter())

    with pytest.raises(JulesNetworkError, match="ConnectError"):
        list(jules.list_sessions())

    assert clock.sleeps == [1.0, 2.0, 4.0]


@pytest.mark.parametrize(
    "reply",
    [
        httpx.Response(400),
        httpx.Response(401),
        httpx.Response(403),
        httpx.Response(409),
        httpx.Response(501),
    ],
)
def test_retry__non_retryable_errors_fail_at_once(
    jules: JulesClient, fake: FakeJules, clock: FakeClock, reply: httpx.Response
) -> None:
    fake.script("GET", "sessions/1", reply)

    with pytest.raises(JulesAPIError):
        jules.get_session("1")

    assert clock.sleeps == []
    assert len(fake.requests) == 1


def test_retry__404_for_session_not_created_here_fails_at_once(
    jules: JulesClient, fake: FakeJules, clock: FakeClock
) -> None:
    fake.script("GET", "sessions/9", httpx.Response(404, json=load_payload("error.not_found.json")))

    with pytest.raises(JulesNotFound):
        jules.get_session("9")

    assert clock.sleeps == []


def test_retry__404_right_after_create_is_retried(
    jules: JulesClient, fake: FakeJules, clock: FakeClock
) -> None:
    not_found = httpx.Response(404, json=load_payload("error.not_found.json"))
    fake.script("POST", "sessions", ok(load_payload("session.create.minimal.json")))
    sid = "31415926535897932384"
    fake.script("GET", f"sessions/{sid}", not_found, not_found, ok({"id": sid, "state": "QUEUED"}))
    fake.script("GET", f"sessions/{sid}/activities", not_found, ok({}))
    fake.script("GET", f"sessions/{sid}/activities/a1", not_found, ok({"id": "a1"}))

    session = jules.create_session(session_request())
    assert jules.get_session(session.name).state is SessionState.QUEUED
    assert list(jules.list_activities(session.id)) == []
    assert jules.get_activity(session.id, "a1").id == "a1"

    assert clock.sleeps == [1.0, 2.0, 1.0, 1.0]


def test_retry__404_after_the_window_fails(
    jules: JulesClient, fake: FakeJules, clock: FakeClock
) -> None:
    fake.script("POST", "sessions", ok({"name": "sessions/77"}))
    fake.script("GET", "sessions/77", httpx.Response(404))

    jules.create_session(session_request())
    clock.advance(300.0)

    with pytest.raises(JulesNotFound):
        jules.get_session("77")
    assert clock.sleeps == []


def test_retry__404_window_bounds_the_retries(
    jules: JulesClient, fake: FakeJules, clock: FakeClock
) -> None:
    fake.script("POST", "sessions", ok({"id": "77"}))
    fake.script("GET", "sessions/77", httpx.Response(404))

    jules.create_session(session_request())
    clock.advance(250.0)
    with pytest.raises(JulesNotFound):
        jules.get_session("77")

    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0]


@pytest.mark.parametrize(
    "reply",
    [
        httpx.Response(500),
        httpx.Response(503, json=error_body(503, "UNAVAILABLE", "The service is unavailable.")),
        httpx.Response(504),
        httpx.ReadTimeout,
        httpx.WriteTimeout,
        httpx.RemoteProtocolError,
        httpx.ReadError,
    ],
)
def test_create_session__not_retried_when_the_server_may_have_acted(
    jules: JulesClient, fake: FakeJules, clock: FakeClock, reply: Reply
) -> None:
    """A second POST could create a second session (and a second PR)."""
    fake.script("POST", "sessions", reply, ok({"id": "dup"}))

    with pytest.raises((JulesServerError, JulesNetworkError)):
        jules.create_session(session_request())

    assert len(fake.requests) == 1
    assert clock.sleeps == []


@pytest.mark.parametrize(
    "reply",
    [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout],
)
def test_create_session__retried_when_provably_not_processed(
    jules: JulesClient, fake: FakeJules, clock: FakeClock, reply: Reply
) -> None:
    fake.script("POST", "sessions", reply, reply, ok({"id": "42"}))

    assert jules.create_session(session_request()).id == "42"
    assert len(fake.requests) == 3
    assert clock.sleeps == [1.0, 2.0]
    assert len({r.content for r in fake.requests}) == 1


@pytest.mark.parametrize("reply", [httpx.Response(503), httpx.ReadTimeout])
def test_send_message__not_retried_when_the_server_may_have_acted(
    jules: JulesClient, fake: FakeJules, clock: FakeClock, reply: Reply
) -> None:
    fake.script("POST", "sessions/1:sendMessage", reply, ok())

    with pytest.raises(JulesAPIError):
        jules.send_message("1", "hello")

    assert len(fake.requests) == 1
    assert clock.sleeps == []


def test_create_session__quota_refusal_fails_at_once(
    jules: JulesClient, fake: FakeJules, clock: FakeClock
) -> None:
    """A 429 on create is the quota or the concurrency cap: the caller queues, no waiting."""
    refusal = httpx.Response(429, json=error_body(429, "RESOURCE_EXHAUSTED", "Daily limit."))
    fake.script("POST", "sessions", refusal, ok({"id": "42"}))

    with pytest.raises(JulesRateLimited):
        jules.create_session(session_request())

    assert len(fake.requests) == 1
    assert clock.sleeps == []


def test_create_session__short_retry_after_is_honoured(
    jules: JulesClient, fake: FakeJules, clock: FakeClock
) -> None:
    refusal = httpx.Response(429, headers={"Retry-After": "5"})
    fake.script("POST", "sessions", refusal, ok({"id": "42"}))

    assert jules.create_session(session_request()).id == "42"
    assert clock.sleeps == [5.0]


def test_approve_plan__retried_on_429_with_a_short_retry_after(
    jules: JulesClient, fake: FakeJules, clock: FakeClock
) -> None:
    fake.script(
        "POST", "sessions/1:approvePlan", httpx.Response(429, headers={"Retry-After": "2"}), ok()
    )

    jules.approve_plan("1")

    assert clock.sleeps == [2.0]


def test_retry__logs_each_retry_at_info(
    jules: JulesClient, fake: FakeJules, caplog: pytest.LogCaptureFixture
) -> None:
    fake.script("GET", "sessions/1", httpx.Response(503), ok({"id": "1"}))
    caplog.set_level(logging.INFO, logger="jules_action.jules")

    jules.get_session("1")

    assert [r.getMessage() for r in caplog.records] == [
        "Jules API error on GET /v1alpha/sessions/1: HTTP 503 Service Unavailable; "
        "retrying in 1.0 s."
    ]


@pytest.mark.parametrize(
    ("attempt", "base"), [(0, 1.0), (1, 2.0), (4, 16.0), (5, 30.0), (500, 30.0)]
)
def test_backoff_delay__doubles_to_the_cap(attempt: int, base: float) -> None:
    assert backoff_delay(RetryPolicy(), attempt, NoJitter()) == base


def test_next_delay__none_when_budget_would_be_exceeded() -> None:
    policy = RetryPolicy(budget=10.0)

    assert next_delay(policy, attempt=3, elapsed=1.0, retry_after=None, rng=NoJitter()) == 8.0
    assert next_delay(policy, attempt=3, elapsed=3.0, retry_after=None, rng=NoJitter()) is None
    assert next_delay(policy, attempt=0, elapsed=0.0, retry_after=-2.0, rng=NoJitter()) == 0.0


# --- the API key never leaks ----------------------------------------------------------------


def _echo_key(status: int) -> Callable[[httpx.Request], httpx.Response]:
    """A server that puts the key it received into its error message (worst case)."""

    def reply(request: httpx.Request) -> httpx.Response:
        key = request.headers["x-goog-api-key"]
        return httpx.Response(status, json=error_body(status, "X", f"bad key {key}"))

    return reply


class _LeakyConnectError(httpx.ConnectError):
    def __init__(self, message: str, *, request: httpx.Request) -> None:
        super().__init__(f"{message} with {request.headers['x-goog-api-key']}", request=request)


@pytest.mark.parametrize(
    "reply",
    [
        *(httpx.Response(s) for s in (400, 401, 403, 404, 409, 418, 429, 500, 501, 503)),
        *(_echo_key(s) for s in (400, 401, 403, 404, 429, 500)),
        httpx.ConnectError,
        httpx.ReadTimeout,
        httpx.RemoteProtocolError,
        _LeakyConnectError,
    ],
)
def test_api_key__never_in_errors_or_logs(
    fake: FakeJules, clock: FakeClock, caplog: pytest.LogCaptureFixture, reply: Reply
) -> None:
    secret = "AIzaSy-very-secret-key-do-not-print"
    caplog.set_level(logging.DEBUG)
    fake.script("GET", "sessions/1", reply)
    fake.script("POST", "sessions", reply)
    with httpx.Client(
        transport=httpx.MockTransport(fake), base_url=BASE_URL, headers={"X-Goog-Api-Key": secret}
    ) as http:
        jules = JulesClient(http, clock=clock, retry=RetryPolicy(budget=5.0), rng=NoJitter())
        errors: list[JulesAPIError] = []
        calls: tuple[Callable[[], object], ...] = (
            lambda: jules.get_session("1"),
            lambda: jules.create_session(session_request()),
        )
        for call in calls:
            with pytest.raises(JulesAPIError) as caught:
                call()
            errors.append(caught.value)

    assert fake.requests[0].headers["x-goog-api-key"] == secret
    for error in errors:
        for text in (str(error), repr(error), error.message, *map(str, error.args)):
            assert secret not in text
    assert secret not in caplog.text


def test_decipher_response__scrubs_an_echoed_key() -> None:
    body = error_body(400, "INVALID_ARGUMENT", f"API key {API_KEY} not valid")

    with pytest.raises(JulesInvalidArgument) as caught:
        decipher_response(_response(400, body), now=NOW)

    assert caught.value.message == (
        "Jules API error on GET /v1alpha/sessions/1: API key [redacted] not valid "
        "(400 INVALID_ARGUMENT)"
    )
