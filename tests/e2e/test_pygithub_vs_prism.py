"""Every GitHubPort method through PyGithub against Prism serving GitHub's own OpenAPI description.

Prism validates each request against the spec (422 with ``sl-violations`` when it does not
match) and answers with the spec's examples, so these tests prove that what PyGithubPort sends
is what GitHub documents, and that it can read GitHub's documented responses. Prism is
stateless: answers are the spec's examples (issue #1 "Found a bug" by octocat, comment
"Me too", …), not an echo of what was sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from jules_action.errors import GitHubError
from jules_action.github_pygithub import PyGithubPort, build_github_port
from tests.github_mock.prism import PrismMock

pytestmark = pytest.mark.e2e

REPO = "/repos/octocat/Hello-World"


@pytest.fixture
def port(prism_mock: PrismMock) -> Iterator[PyGithubPort]:
    github_port = build_github_port(
        token="e2e-token",
        api_url=prism_mock.base_url,
        repository="octocat/Hello-World",
        retry=None,
        seconds_between_requests=0,
        seconds_between_writes=0,
    )
    try:
        yield github_port
    finally:
        github_port.close()


def _only_request(prism_mock: PrismMock) -> tuple[str, str, dict[str, list[str]], Any, int]:
    requests = prism_mock.requests
    assert len(requests) == 1, [(r.method, r.path) for r in requests]
    (request,) = requests
    assert request.request_violations == [], request.request_violations
    return request.method, request.path, request.query, request.body, request.status


def test_get_default_branch__reads_repos_get(port: PyGithubPort, prism_mock: PrismMock) -> None:
    assert port.get_default_branch() == "master"
    assert _only_request(prism_mock) == ("GET", REPO, {}, None, 200)


def test_get_permission__reads_role_name(port: PyGithubPort, prism_mock: PrismMock) -> None:
    assert port.get_permission("octocat") == "admin"
    assert _only_request(prism_mock) == (
        "GET",
        f"{REPO}/collaborators/octocat/permission",
        {},
        None,
        200,
    )


def test_get_issue__reads_the_example_issue(port: PyGithubPort, prism_mock: PrismMock) -> None:
    issue = port.get_issue(1)
    assert (issue.title, issue.author_login, issue.state) == ("Found a bug", "octocat", "open")
    assert issue.labels == ("bug",)
    assert issue.created_at is not None
    assert _only_request(prism_mock) == ("GET", f"{REPO}/issues/1", {}, None, 200)


def test_get_pull__reads_refs(port: PyGithubPort, prism_mock: PrismMock) -> None:
    pull = port.get_pull(1347)
    assert (pull.number, pull.title) == (1347, "Amazing new feature")
    assert (pull.head_ref, pull.base_ref) == ("new-topic", "master")
    assert _only_request(prism_mock)[:2] == ("GET", f"{REPO}/pulls/1347")


def test_list_issue_comments__reads_the_list(port: PyGithubPort, prism_mock: PrismMock) -> None:
    comments = port.list_issue_comments(1)
    assert [(c.body, c.author_login, c.author_type) for c in comments] == [
        ("Me too", "octocat", "User")
    ]
    assert _only_request(prism_mock)[:2] == ("GET", f"{REPO}/issues/1/comments")


def test_create_issue_comment__posts_body(port: PyGithubPort, prism_mock: PrismMock) -> None:
    comment = port.create_issue_comment(1, "Started a Jules session <!-- jules-action -->")
    assert comment.id == 1  # the spec's example, not an echo
    assert _only_request(prism_mock) == (
        "POST",
        f"{REPO}/issues/1/comments",
        {},
        {"body": "Started a Jules session <!-- jules-action -->"},
        201,
    )


def test_edit_issue_comment__patches_body(port: PyGithubPort, prism_mock: PrismMock) -> None:
    port.edit_issue_comment(42, "PR ready")
    assert _only_request(prism_mock) == (
        "PATCH",
        f"{REPO}/issues/comments/42",
        {},
        {"body": "PR ready"},
        200,
    )


def test_add_issue_reaction__posts_content(port: PyGithubPort, prism_mock: PrismMock) -> None:
    port.add_issue_reaction(1, "eyes")
    method, path, _, body, status = _only_request(prism_mock)
    assert (method, path, body) == ("POST", f"{REPO}/issues/1/reactions", {"content": "eyes"})
    assert status in (200, 201)


def test_add_comment_reaction__posts_content(port: PyGithubPort, prism_mock: PrismMock) -> None:
    port.add_comment_reaction(42, "rocket")
    method, path, _, body, status = _only_request(prism_mock)
    assert (method, path, body) == (
        "POST",
        f"{REPO}/issues/comments/42/reactions",
        {"content": "rocket"},
    )
    assert status in (200, 201)


def test_add_label__posts_bare_array(port: PyGithubPort, prism_mock: PrismMock) -> None:
    port.add_label(1, "jules")
    assert _only_request(prism_mock) == ("POST", f"{REPO}/issues/1/labels", {}, ["jules"], 200)


def test_remove_label__deletes(port: PyGithubPort, prism_mock: PrismMock) -> None:
    port.remove_label(1, "jules: working")
    assert _only_request(prism_mock) == (
        "DELETE",
        f"{REPO}/issues/1/labels/jules%3A%20working",  # the name is URL-encoded
        {},
        None,
        200,
    )


def test_list_open_issues_with_label__query(port: PyGithubPort, prism_mock: PrismMock) -> None:
    issues = port.list_open_issues_with_label("jules")
    assert [i.title for i in issues] == ["Found a bug"]
    assert _only_request(prism_mock) == (
        "GET",
        f"{REPO}/issues",
        {
            "state": ["open"],
            "labels": ["jules"],
            "sort": ["created"],
            "direction": ["asc"],
            "per_page": ["100"],
        },
        None,
        200,
    )


def test_list_open_pulls__query(port: PyGithubPort, prism_mock: PrismMock) -> None:
    pulls = port.list_open_pulls()
    # The spec's example pull is "open" yet has merged_at set; merged follows merged_at.
    assert [(p.number, p.state, p.merged) for p in pulls] == [(1347, "open", True)]
    assert _only_request(prism_mock) == (
        "GET",
        f"{REPO}/pulls",
        {"state": ["open"], "sort": ["created"], "direction": ["desc"], "per_page": ["100"]},
        None,
        200,
    )


def test_edit_pull_body__patches_body(port: PyGithubPort, prism_mock: PrismMock) -> None:
    port.edit_pull_body(1347, "Closes #1")
    assert _only_request(prism_mock) == (
        "PATCH",
        f"{REPO}/pulls/1347",
        {},
        {"body": "Closes #1"},
        200,
    )


def test_invalid_reaction__prism_answers_422_with_a_violation(
    port: PyGithubPort, prism_mock: PrismMock
) -> None:
    """Proves request validation bites: a reaction outside GitHub's enum is refused."""
    with pytest.raises(GitHubError) as info:
        port.add_issue_reaction(1, "smile")  # type: ignore[arg-type]
    assert info.value.status_code == 422
    (request,) = prism_mock.requests
    assert request.status == 422
    assert [v["location"] for v in request.request_violations] == [["request", "body", "content"]]
    assert "allowed values" in request.request_violations[0]["message"]
