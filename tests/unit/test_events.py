"""parse_event: real payloads parse; broken files fail with an EventError that helps."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from jules_action.errors import EventError
from jules_action.events import Actor, Comment, parse_event
from jules_action.github_port import CommentRecord

PAYLOADS = Path(__file__).parent.parent / "payloads" / "github"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / name).read_bytes())
    return data


def raw(payload: object) -> bytes:
    return json.dumps(payload).encode()


@pytest.mark.parametrize("path", sorted(PAYLOADS.glob("*.json")), ids=lambda p: p.name)
def test_parse_event__every_recorded_payload_parses(path: Path) -> None:
    event_name = path.name.split(".")[0]
    event = parse_event(event_name, path.read_bytes())
    assert event.name == event_name
    assert event.repo is not None
    assert event.sender is not None
    # The published workflow_run example has another Codertocat id.
    assert event.sender.login == "Codertocat"
    assert event.sender == Actor("Codertocat", "User", event.sender.id)
    if event_name != "workflow_run":
        assert event.sender.id == 21031067


def test_parse_event__issues_labeled() -> None:
    event = parse_event("issues", (PAYLOADS / "issues.labeled.json").read_bytes())
    assert event.action == "labeled"
    assert event.label == "bug"
    assert event.comment is None
    assert event.issue is not None
    assert event.issue.number == 1
    assert event.issue.title == "Spelling error in the README file"
    assert event.issue.author.login == "Codertocat"
    assert event.issue.labels == ("bug",)
    assert event.issue.is_pull_request is False
    assert event.issue.created_at == datetime(2019, 5, 15, 15, 20, 18, tzinfo=UTC)
    assert event.repo is not None
    assert event.repo.full_name == "Codertocat/Hello-World"
    assert (event.repo.owner, event.repo.name) == ("Codertocat", "Hello-World")
    assert event.repo.default_branch == "master"
    assert event.repo.api_url == "https://api.github.com/repos/Codertocat/Hello-World"


def test_parse_event__issue_comment_on_a_pull_request() -> None:
    event = parse_event("issue_comment", (PAYLOADS / "issue_comment.created.pr.json").read_bytes())
    assert event.action == "created"
    assert event.issue is not None
    assert event.issue.is_pull_request is True
    assert event.issue.body == ""
    assert event.comment == Comment(
        id=492700400,
        body="/jules fix the flaky test",
        author=Actor("Codertocat", "User", 21031067),
        created_at=datetime(2019, 5, 15, 15, 20, 21, tzinfo=UTC),
        updated_at=datetime(2019, 5, 15, 15, 20, 21, tzinfo=UTC),
        html_url="https://github.com/Codertocat/Hello-World/pull/1#issuecomment-492700400",
    )


def test_parse_event__workflow_dispatch_keeps_the_ref() -> None:
    event = parse_event("workflow_dispatch", (PAYLOADS / "workflow_dispatch.json").read_bytes())
    assert event.ref == "refs/heads/master"
    assert event.issue is None
    assert event.action is None


def test_parse_event__minimal_schedule_payload() -> None:
    event = parse_event("schedule", b'{"schedule": "0 3 * * 1"}')
    assert event.schedule == "0 3 * * 1"
    assert event.sender is None
    assert event.repo is None


def test_parse_event__rich_schedule_payload() -> None:
    event = parse_event("schedule", (PAYLOADS / "schedule.json").read_bytes())
    assert event.schedule == "*/15 * * * *"
    assert event.repo is not None
    assert event.sender is not None


def test_parse_event__unsupported_event_parses_loosely() -> None:
    event = parse_event("push", b'{"ref": "refs/heads/main", "commits": []}')
    assert event.name == "push"
    assert event.ref == "refs/heads/main"


def test_parse_event__workflow_run_keeps_the_upstream_actor() -> None:
    payload = {"action": "completed", "workflow_run": {"actor": {"login": "dev", "type": "User"}}}
    event = parse_event("workflow_run", raw(payload))
    assert event.workflow_run_actor == Actor("dev", "User")


def test_parse_event__null_bodies_become_empty_text() -> None:
    payload = load("issue_comment.created.json")
    payload["issue"]["body"] = None
    payload["comment"]["body"] = None
    event = parse_event("issue_comment", raw(payload))
    assert event.issue is not None
    assert event.comment is not None
    assert (event.issue.body, event.comment.body) == ("", "")


def test_parse_event__invalid_utf8_inside_issue_text_is_replaced() -> None:
    data = (PAYLOADS / "issues.labeled.json").read_bytes()
    broken = data.replace(b"It looks like", b"It \xff\xfe looks like", 1)
    event = parse_event("issues", broken)
    assert event.issue is not None
    assert event.issue.body.startswith("It \ufffd\ufffd looks like")


def test_parse_event__byte_order_mark_is_accepted() -> None:
    event = parse_event("schedule", b'\xef\xbb\xbf{"schedule": "0 0 * * *"}')
    assert event.schedule == "0 0 * * *"


def test_parse_event__lone_surrogate_escapes_are_replaced() -> None:
    payload = load("issues.labeled.json")
    payload["issue"]["title"] = "bad \ud800 title"
    event = parse_event("issues", json.dumps(payload).encode())
    assert event.issue is not None
    assert event.issue.title == "bad \ufffd title"


def test_parse_event__time_without_zone_is_taken_as_utc() -> None:
    payload = load("issue_comment.created.json")
    payload["comment"]["created_at"] = "2026-01-02T03:04:05"
    del payload["comment"]["updated_at"]
    event = parse_event("issue_comment", raw(payload))
    assert event.comment is not None
    assert event.comment.created_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert event.comment.updated_at == event.comment.created_at


def test_comment__from_record_carries_every_field() -> None:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    record = CommentRecord(5, "hi", "dependabot[bot]", "Bot", moment, moment, "https://x")
    assert Comment.from_record(record) == Comment(
        5, "hi", Actor("dependabot[bot]", "Bot"), moment, moment, "https://x"
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The event file is empty"),
        (b"  \n", "The event file is empty"),
        (b"{", "not valid JSON (Expecting property name enclosed in double quotes at line 1"),
        (b"\xff\xfe{}", "not valid JSON"),
        (b"[" * 100_000, "not valid JSON (nested too deeply)"),
        (b"1" * 5000, "not valid JSON"),
        (b"[]", "holds an array, not the JSON object GitHub writes"),
        (b'"text"', "holds a string"),
        (b"null", "holds null"),
        (b"true", "holds a boolean"),
        (b"3.5", "holds a number"),
    ],
    ids=[
        "empty",
        "blank",
        "truncated",
        "binary",
        "deep",
        "huge-number",
        "array",
        "string",
        "null",
        "bool",
        "number",
    ],
)
def test_parse_event__unusable_file_is_an_event_error(data: bytes, message: str) -> None:
    with pytest.raises(EventError, match="GITHUB_EVENT_PATH must name the JSON payload") as info:
        parse_event("issues", data)
    assert message in info.value.message


def _without(name: str, *path: str) -> bytes:
    payload = load(name)
    target = payload
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return raw(payload)


@pytest.mark.parametrize(
    ("event_name", "data", "missing"),
    [
        (
            "issue_comment",
            _without("issue_comment.created.json", "comment", "body"),
            "comment.body",
        ),
        ("issue_comment", _without("issue_comment.created.json", "comment"), "comment"),
        ("issue_comment", _without("issue_comment.created.json", "comment", "id"), "comment.id"),
        ("issue_comment", _without("issue_comment.created.json", "issue"), "issue"),
        ("issue_comment", _without("issue_comment.created.json", "sender"), "sender"),
        ("issue_comment", _without("issue_comment.created.json", "action"), "action"),
        ("issues", _without("issues.labeled.json", "label"), "label"),
        ("issues", _without("issues.labeled.json", "label", "name"), "label.name"),
        ("issues", _without("issues.labeled.json", "issue", "number"), "issue.number"),
        ("issues", _without("issues.labeled.json", "issue", "user"), "issue.user"),
        ("issues", _without("issues.labeled.json", "sender", "login"), "sender.login"),
        (
            "issues",
            _without("issues.labeled.json", "repository", "full_name"),
            "repository.full_name",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) and "." in value else None,
)
def test_parse_event__missing_needed_field_is_named(
    event_name: str, data: bytes, missing: str
) -> None:
    with pytest.raises(EventError) as info:
        parse_event(event_name, data)
    assert f"The '{event_name}' event payload has no '{missing}', which this event needs." in str(
        info.value
    )


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("issue", "number"), "1", "'issue.number' as a string, expected an integer"),
        (("issue", "number"), True, "'issue.number' as a boolean, expected an integer"),
        (("issue", "title"), 5, "'issue.title' as a number, expected a string"),
        (("issue", "labels"), "bug", "'issue.labels' as a string, expected a list"),
        (("issue", "labels"), ["bug"], "'issue.labels[0]' as a string, expected an object"),
        (("issue", "user"), [], "'issue.user' as an array, expected an object"),
        (("issue", "created_at"), "yesterday", "'issue.created_at' as a string, expected an ISO"),
        (("repository", "owner"), "x", "'repository.owner' as a string, expected an object"),
        (("label",), {"name": {}}, "'label.name' as an object, expected a string"),
    ],
)
def test_parse_event__wrong_shape_is_named(
    path: tuple[str, ...], value: object, expected: str
) -> None:
    payload = load("issues.labeled.json")
    target = payload
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(EventError, match="GITHUB_EVENT_PATH") as info:
        parse_event("issues", raw(payload))
    assert expected in info.value.message


def test_parse_event__unlabeled_issue_event_needs_no_label() -> None:
    payload = load("issues.opened.json")
    event = parse_event("issues", raw(payload))
    assert event.label is None
    assert event.action == "opened"
