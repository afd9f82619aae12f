"""The REST surface over real HTTP: every method, auth, validation, pagination, proto3 output."""

from __future__ import annotations

import re

import httpx
import pytest

from jules_action_dev.simulator import ManualClock, Simulator
from jules_action_dev.simulator.wire import parse_timestamp
from tests.simulator.helpers import (
    API_KEY,
    SOURCE,
    activities,
    create,
    poll,
    session_body,
    source_context,
)

BAD_REQUEST_TYPE = "type.googleapis.com/google.rpc.BadRequest"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6})?Z$")


def error_of(response: httpx.Response, code: int, status: str) -> dict[str, object]:
    assert response.status_code == code, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["status"] == status
    assert error["message"]
    return error  # type: ignore[no-any-return]


# -- sessions.create ----------------------------------------------------------------------


def test_sessions_create__returns_full_queued_session(client: httpx.Client) -> None:
    session = create(client, "Fix the flaky test\n\nDetails follow.")

    assert re.fullmatch(r"\d{19}", session["id"])
    assert session["name"] == f"sessions/{session['id']}"
    assert session["state"] == "QUEUED"
    assert session["title"] == "Fix the flaky test"
    assert session["url"] == f"https://jules.google.com/session/{session['id']}"
    assert session["sourceContext"] == source_context()
    assert TIMESTAMP.match(session["createTime"])
    assert session["updateTime"] == session["createTime"]
    # proto3: input-only fields are not echoed, no outputs yet.
    assert {"outputs", "automationMode", "requirePlanApproval"}.isdisjoint(session)


def test_sessions_create__keeps_given_title_and_accepts_snake_case(client: httpx.Client) -> None:
    body = {
        "prompt": "Do it",
        "title": "My title",
        "source_context": {"source": SOURCE, "github_repo_context": {"starting_branch": "dev"}},
        "automation_mode": "AUTO_CREATE_PR",
    }
    session = client.post("/sessions", json=body).json()

    assert session["title"] == "My title"
    assert session["sourceContext"]["githubRepoContext"]["startingBranch"] == "dev"


def test_sessions_create__repoless_session_is_allowed(client: httpx.Client) -> None:
    session = client.post("/sessions", json={"prompt": "Explain monads"}).json()

    assert session["state"] == "QUEUED"
    assert "sourceContext" not in session


def test_sessions_create__unknown_automation_mode_is_invalid_argument(
    client: httpx.Client,
) -> None:
    response = client.post("/sessions", json=session_body(automationMode="MANUAL"))

    error = error_of(response, 400, "INVALID_ARGUMENT")
    details = error["details"]
    assert isinstance(details, list)
    assert details[0]["@type"] == BAD_REQUEST_TYPE
    assert details[0]["fieldViolations"][0]["field"] == "session.automation_mode"
    assert '"MANUAL"' in details[0]["fieldViolations"][0]["description"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sourceContext": source_context()}, "session.prompt"),
        ({"prompt": "   "}, "session.prompt"),
        ({"prompt": 5}, "session.prompt"),
        ({"prompt": "x", "requirePlanApproval": "yes"}, "session.require_plan_approval"),
        ({"prompt": "x", "task": "old field name"}, "session.task"),
        (
            {"prompt": "x", "sourceContext": {"githubRepoContext": {}}},
            "session.source_context.source",
        ),
        (
            {"prompt": "x", "sourceContext": {"source": SOURCE}},
            "session.source_context.github_repo_context.starting_branch",
        ),
        ({"prompt": "[jules-sim:no-such-scenario] x"}, "session.prompt"),
    ],
)
def test_sessions_create__invalid_body_names_the_field(
    client: httpx.Client, body: dict[str, object], field: str
) -> None:
    error = error_of(client.post("/sessions", json=body), 400, "INVALID_ARGUMENT")

    details = error["details"]
    assert isinstance(details, list)
    assert details[0]["fieldViolations"][0]["field"] == field


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", b'"text"'])
def test_sessions_create__bad_json_is_invalid_argument(
    client: httpx.Client, content: bytes
) -> None:
    response = client.post(
        "/sessions", content=content, headers={"Content-Type": "application/json"}
    )

    error = error_of(response, 400, "INVALID_ARGUMENT")
    assert "Invalid JSON payload" in str(error["message"])


def test_sessions_create__unconnected_source_is_not_found(client: httpx.Client) -> None:
    body = session_body(
        sourceContext={
            "source": "sources/github/octo/unknown",
            "githubRepoContext": {"startingBranch": "main"},
        }
    )

    error = error_of(client.post("/sessions", json=body), 404, "NOT_FOUND")
    assert "Jules GitHub App" in str(error["message"])


# -- auth, routing --------------------------------------------------------------------------


def test_auth__missing_key_is_unauthenticated(simulator: Simulator) -> None:
    with httpx.Client(base_url=simulator.base_url) as anonymous:
        error_of(anonymous.get("/sessions"), 401, "UNAUTHENTICATED")


def test_auth__wrong_key_is_permission_denied(simulator: Simulator) -> None:
    with httpx.Client(base_url=simulator.base_url, headers={"X-Goog-Api-Key": "nope"}) as wrong:
        error_of(wrong.get("/sessions"), 403, "PERMISSION_DENIED")


def test_auth__header_name_is_case_insensitive(simulator: Simulator) -> None:
    with httpx.Client(base_url=simulator.base_url, headers={"x-goog-api-key": API_KEY}) as lower:
        assert lower.get("/sessions").status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1alpha/nothing"),
        ("GET", "/v2/sessions"),
        ("DELETE", "/v1alpha/sessions/123"),
        ("POST", "/v1alpha/sessions/123:delete"),
        ("GET", "/v1alpha/sessions/123:archive"),
        ("GET", "/v1alpha/sessions/123/activities/abc/extra"),
    ],
)
def test_routing__unknown_route_is_not_found_envelope(
    simulator: Simulator, method: str, path: str
) -> None:
    url = simulator.base_url.removesuffix("/v1alpha") + path
    with httpx.Client(headers={"X-Goog-Api-Key": API_KEY}) as http:
        error_of(http.request(method, url), 404, "NOT_FOUND")
    assert simulator.counts()["unknown"] == 1


def test_routing__unknown_query_parameter_is_invalid_argument(client: httpx.Client) -> None:
    error = error_of(client.get("/sessions", params={"limit": 3}), 400, "INVALID_ARGUMENT")

    assert "Unknown name" in str(error["message"])


def test_sessions_get__unknown_session_is_not_found(client: httpx.Client) -> None:
    error = error_of(client.get("/sessions/1234567890123456789"), 404, "NOT_FOUND")

    assert error["message"] == "Requested entity was not found."


# -- sendMessage / approvePlan ------------------------------------------------------------


def test_send_message__returns_empty_object_and_records_user_message(
    client: httpx.Client, manual_clock: ManualClock
) -> None:
    session = create(client)
    response = client.post(f"/sessions/{session['id']}:sendMessage", json={"prompt": "Hi"})

    assert response.status_code == 200
    assert response.json() == {}
    assert activities(client, session["id"])[-1]["userMessaged"] == {"userMessage": "Hi"}
    manual_clock.advance(62)
    assert "agentMessaged" in activities(client, session["id"])[-1]


@pytest.mark.parametrize("body", [{}, {"prompt": ""}, {"message": "hi"}])
def test_send_message__without_prompt_is_invalid_argument(
    client: httpx.Client, body: dict[str, str]
) -> None:
    session = create(client)

    response = client.post(f"/sessions/{session['id']}:sendMessage", json=body)

    error_of(response, 400, "INVALID_ARGUMENT")


def test_send_message__unknown_session_is_not_found(client: httpx.Client) -> None:
    response = client.post("/sessions/42:sendMessage", json={"prompt": "hi"})

    error_of(response, 404, "NOT_FOUND")


def test_approve_plan__nothing_to_approve_is_failed_precondition(client: httpx.Client) -> None:
    session = create(client)

    response = client.post(f"/sessions/{session['id']}:approvePlan", json={})

    error_of(response, 400, "FAILED_PRECONDITION")


# -- activities ---------------------------------------------------------------------------


def test_activities_list__empty_is_empty_object_and_filters_work(
    client: httpx.Client, manual_clock: ManualClock
) -> None:
    session = create(client)
    url = f"/sessions/{session['id']}/activities"
    assert client.get(url).json() == {}

    poll(client, manual_clock, session["id"], 1300)
    items = activities(client, session["id"])
    assert len(items) >= 6
    times = [item["createTime"] for item in items]
    micros = [parse_timestamp(t) for t in times]
    assert micros == sorted(set(micros))
    third = times[2]
    via_filter = client.get(url, params={"filter": f'create_time>"{third}"'}).json()["activities"]
    via_param = client.get(url, params={"createTime": third}).json()["activities"]
    assert via_filter == via_param == items[3:]


@pytest.mark.parametrize(
    "params",
    [
        {"filter": "state=DONE"},
        {"filter": 'create_time>"yesterday"'},
        {"createTime": "2026-13-01T00:00:00Z"},
    ],
)
def test_activities_list__bad_filter_is_invalid_argument(
    client: httpx.Client, params: dict[str, str]
) -> None:
    session = create(client)

    response = client.get(f"/sessions/{session['id']}/activities", params=params)

    error_of(response, 400, "INVALID_ARGUMENT")


def test_activities_get__returns_one_activity_or_not_found(
    client: httpx.Client, manual_clock: ManualClock
) -> None:
    session = create(client)
    poll(client, manual_clock, session["id"], 200)
    first = activities(client, session["id"])[0]

    got = client.get(f"/sessions/{session['id']}/activities/{first['id']}")

    assert got.json() == first
    assert re.fullmatch(r"[0-9a-f]{32}", first["id"])
    assert first["name"] == f"sessions/{session['id']}/activities/{first['id']}"
    missing = client.get(f"/sessions/{session['id']}/activities/{'0' * 32}")
    error_of(missing, 404, "NOT_FOUND")


def test_activities__proto3_omits_defaults(client: httpx.Client, manual_clock: ManualClock) -> None:
    session = create(client)
    poll(client, manual_clock, session["id"], 1300)
    items = activities(client, session["id"])

    steps = items[0]["planGenerated"]["plan"]["steps"]
    assert "index" not in steps[0]
    assert [step.get("index") for step in steps[1:]] == [1, 2, 3]
    assert "artifacts" not in items[1]
    completed = items[-1]
    assert completed["sessionCompleted"] == {}
    patch = completed["artifacts"][0]["changeSet"]
    assert patch["source"] == SOURCE
    assert patch["gitPatch"]["unidiffPatch"].startswith("diff --git")
    assert re.fullmatch(r"[0-9a-f]{40}", patch["gitPatch"]["baseCommitId"])
    assert patch["gitPatch"]["suggestedCommitMessage"]


# -- archive / unarchive and the sessions.list filter ------------------------------------


def listed_ids(client: httpx.Client, filter: str | None = None) -> list[str]:
    params = {"pageSize": 100} if filter is None else {"pageSize": 100, "filter": filter}
    response = client.get("/sessions", params=params)
    assert response.status_code == 200, response.text
    return [s["id"] for s in response.json().get("sessions", [])]


def test_archive__hides_from_default_list_until_unarchived(
    client: httpx.Client, manual_clock: ManualClock
) -> None:
    kept, hidden = create(client, "Kept")["id"], create(client, "Hidden")["id"]

    archived = client.post(f"/sessions/{hidden}:archive", json={})
    manual_clock.advance(1300)
    shown = client.get(f"/sessions/{hidden}").json()
    lists = {f: listed_ids(client, f) for f in (None, "archived = true", "archived = false")}
    unarchived = client.post(f"/sessions/{hidden}:unarchive")
    after = listed_ids(client)

    assert (archived.status_code, archived.json()) == (200, {})
    # Archiving hides the session; it is still readable by id and its work goes on.
    assert shown["archived"] is True
    assert shown["state"] == "COMPLETED"
    assert lists == {None: [kept], "archived = true": [hidden], "archived = false": [kept]}
    assert (unarchived.status_code, unarchived.json()) == (200, {})
    assert after == [hidden, kept]
    assert "archived" not in client.get(f"/sessions/{hidden}").json()  # proto3: false omitted


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        ("archived=true", {"hidden"}),
        ("ARCHIVED = TRUE", {"hidden"}),
        ("archived != true", {"kept"}),
        ("archived != false", {"hidden"}),
        ("archived = true OR archived = false", {"hidden", "kept"}),
    ],
)
def test_sessions_list__archived_filter_grammar(
    client: httpx.Client, filter: str, expected: set[str]
) -> None:
    ids = {"kept": create(client, "Kept")["id"], "hidden": create(client, "Hidden")["id"]}
    client.post(f"/sessions/{ids['hidden']}:archive", json={})

    assert set(listed_ids(client, filter)) == {ids[name] for name in expected}


@pytest.mark.parametrize(
    "filter", ["state = COMPLETED", "archived = yes", "archived", "archived = true AND x", "x"]
)
def test_sessions_list__unsupported_filter_is_invalid_argument(
    client: httpx.Client, filter: str
) -> None:
    error = error_of(client.get("/sessions", params={"filter": filter}), 400, "INVALID_ARGUMENT")

    details = error["details"]
    assert isinstance(details, list)
    assert details[0]["@type"] == BAD_REQUEST_TYPE
    assert details[0]["fieldViolations"][0]["field"] == "filter"


def test_archive__is_idempotent_and_validates_like_other_methods(client: httpx.Client) -> None:
    sid = create(client)["id"]

    twice = [client.post(f"/sessions/{sid}:archive", json={}) for _ in range(2)]
    unknown = client.post("/sessions/999:archive", json={})
    with_field = client.post(f"/sessions/{sid}:unarchive", json={"force": True})

    assert [r.status_code for r in twice] == [200, 200]
    error_of(unknown, 404, "NOT_FOUND")
    error_of(with_field, 400, "INVALID_ARGUMENT")


def test_sessions_list__page_token_belongs_to_its_filter(client: httpx.Client) -> None:
    for n in range(3):
        client.post(f"/sessions/{create(client, f'Task {n}')['id']}:archive", json={})
    token = client.get("/sessions", params={"pageSize": 1, "filter": "archived = true"}).json()[
        "nextPageToken"
    ]

    rest = client.get("/sessions", params={"filter": "archived = true", "pageToken": token})
    other = client.get("/sessions", params={"pageToken": token})

    assert len(rest.json()["sessions"]) == 2
    error_of(other, 400, "INVALID_ARGUMENT")


# -- pagination ---------------------------------------------------------------------------


def test_sessions_list__empty_is_empty_object(client: httpx.Client) -> None:
    assert client.get("/sessions").json() == {}


def test_sessions_list__pages_newest_first_with_opaque_tokens(client: httpx.Client) -> None:
    ids = [create(client, f"Task {n}")["id"] for n in range(5)]
    seen: list[str] = []
    params: dict[str, str | int] = {"pageSize": 2}
    pages = 0
    while True:
        body = client.get("/sessions", params=params).json()
        pages += 1
        seen += [session["id"] for session in body["sessions"]]
        if "nextPageToken" not in body:
            break
        assert not body["nextPageToken"].isdigit()
        params = {"pageSize": 2, "pageToken": body["nextPageToken"]}

    assert pages == 3
    assert seen == list(reversed(ids))


def test_sessions_list__token_is_stable_when_sessions_are_created_between_pages(
    client: httpx.Client,
) -> None:
    ids = [create(client, f"Task {n}")["id"] for n in range(3)]
    first = client.get("/sessions", params={"pageSize": 2}).json()
    create(client, "Newer")

    rest = client.get("/sessions", params={"pageToken": first["nextPageToken"]}).json()

    assert [s["id"] for s in rest["sessions"]] == [ids[0]]


@pytest.mark.parametrize(
    ("size", "count", "expected"),
    [(None, 35, 30), (0, 35, 30), (101, 105, 100), (3, 5, 3)],
)
def test_sessions_list__page_size_rules(
    client: httpx.Client, size: int | None, count: int, expected: int
) -> None:
    for n in range(count):
        create(client, f"Task {n}")
    params = {} if size is None else {"pageSize": size}

    body = client.get("/sessions", params=params).json()

    assert len(body["sessions"]) == expected
    assert "nextPageToken" in body


def test_activities_list__default_page_size_is_fifty(
    client: httpx.Client, manual_clock: ManualClock
) -> None:
    session = create(client)
    for n in range(55):
        client.post(f"/sessions/{session['id']}:sendMessage", json={"prompt": f"m{n}"})
    url = f"/sessions/{session['id']}/activities"

    first = client.get(url).json()
    second = client.get(url, params={"page_token": first["nextPageToken"]}).json()

    assert len(first["activities"]) == 50
    assert len(second["activities"]) == 5
    assert "nextPageToken" not in second


@pytest.mark.parametrize("params", [{"pageSize": -1}, {"pageSize": "ten"}, {"pageToken": "bogus"}])
def test_sessions_list__bad_paging_is_invalid_argument(
    client: httpx.Client, params: dict[str, str | int]
) -> None:
    error_of(client.get("/sessions", params=params), 400, "INVALID_ARGUMENT")


def test_page_token__from_another_list_is_rejected(client: httpx.Client) -> None:
    for n in range(3):
        create(client, f"Task {n}")
    token = client.get("/sessions", params={"pageSize": 1}).json()["nextPageToken"]

    response = client.get("/sources", params={"pageToken": token})

    error_of(response, 400, "INVALID_ARGUMENT")


# -- sources ------------------------------------------------------------------------------


def test_sources_get__routes_slashes_and_renders_repo(client: httpx.Client) -> None:
    source = client.get("/sources/github/octo/gadgets").json()

    assert source == {
        "name": "sources/github/octo/gadgets",
        "id": "github/octo/gadgets",
        "githubRepo": {
            "owner": "octo",
            "repo": "gadgets",
            "isPrivate": True,
            "defaultBranch": {"displayName": "trunk"},
            "branches": [{"displayName": "trunk"}],
        },
    }
    public = client.get("/sources/github/octo/widgets").json()["githubRepo"]
    assert "isPrivate" not in public
    assert public["branches"] == [{"displayName": "main"}, {"displayName": "dev"}]


def test_sources_get__unconnected_repo_is_not_found(client: httpx.Client) -> None:
    error_of(client.get("/sources/github/octo/unknown"), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("filter_text", "expected"),
    [
        ("", ["sources/github/octo/gadgets", "sources/github/octo/widgets"]),
        ("name=sources/github/octo/widgets", ["sources/github/octo/widgets"]),
        (
            'name="sources/github/octo/widgets" OR name=sources/github/octo/gadgets',
            ["sources/github/octo/gadgets", "sources/github/octo/widgets"],
        ),
        ("name=sources/github/octo/unknown", []),
    ],
)
def test_sources_list__filters_by_name(
    client: httpx.Client, filter_text: str, expected: list[str]
) -> None:
    body = client.get("/sources", params={"filter": filter_text, "pageSize": 100}).json()

    assert [source["name"] for source in body.get("sources", [])] == expected


def test_sources_list__pages_and_rejects_other_filters(client: httpx.Client) -> None:
    first = client.get("/sources", params={"pageSize": 1}).json()
    second = client.get("/sources", params={"pageSize": 1, "pageToken": first["nextPageToken"]})

    assert [s["id"] for s in first["sources"]] == ["github/octo/gadgets"]
    assert [s["id"] for s in second.json()["sources"]] == ["github/octo/widgets"]
    assert "nextPageToken" not in second.json()
    error_of(client.get("/sources", params={"filter": "owner=octo"}), 400, "INVALID_ARGUMENT")
