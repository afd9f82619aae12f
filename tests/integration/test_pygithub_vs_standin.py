"""Every GitHubPort method through PyGithub against the stand-in over HTTP.

Each scenario runs twice, on PyGithubPort over HTTP and on the in-memory StateBackedGitHub, over
identical states: the fake must return the same records and raise the same exceptions as the
real adapter does against the stand-in. HTTP-only tests then check what PyGithub sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from jules_action.errors import GitHubError, GitHubNotFound, GitHubPermissionError
from jules_action.github_port import GitHubPort
from jules_action.github_pygithub import PyGithubPort, build_github_port
from jules_action_dev.standin import GitHubStandin, RepositoryState, StateBackedGitHub

TOKEN = "test-token-not-secret"


class Ticks:
    def __init__(self) -> None:
        self.moment = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.moment += timedelta(seconds=1)
        return self.moment


def seeded_state() -> RepositoryState:
    state = RepositoryState(now=Ticks())
    state.set_role("maintainer", "maintain")
    state.set_role("trusted", "write")
    state.set_role("triager", "triage")
    state.create_issue(title="Found a bug", body="Crashes on start", author="reporter")
    state.create_issue(title="Second", body=None, labels=["jules"])
    state.add_comment(1, "/jules fix it", author="maintainer")
    return state


@dataclass
class Backend:
    port: GitHubPort
    state: RepositoryState
    standin: GitHubStandin | None


def _pygithub(api_url: str, token: str = TOKEN) -> PyGithubPort:
    return build_github_port(
        token=token,
        api_url=api_url,
        repository="Codertocat/Hello-World",
        retry=None,
        seconds_between_requests=0,
        seconds_between_writes=0,
    )


@pytest.fixture
def http_backend() -> Iterator[Backend]:
    state = seeded_state()
    with GitHubStandin(state, token=TOKEN) as standin:
        port = _pygithub(standin.api_url)
        try:
            yield Backend(port, state, standin)
        finally:
            port.close()


@pytest.fixture(params=["pygithub-http", "in-memory"])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "in-memory":
        state = seeded_state()
        # Same html_url base as the HTTP backend, so records compare equal in shape.
        yield Backend(StateBackedGitHub(state), state, None)
    else:
        yield request.getfixturevalue("http_backend")


def _base(backend: Backend) -> str:
    return f"{backend.state.html_base}/Codertocat/Hello-World"


def test_get_default_branch__main(backend: Backend) -> None:
    assert backend.port.get_default_branch() == "main"


@pytest.mark.parametrize(
    ("login", "role"),
    [
        ("Codertocat", "admin"),
        ("maintainer", "maintain"),
        ("trusted", "write"),
        ("triager", "triage"),
        ("stranger", "none"),
        ("name with/slash", "none"),
    ],
)
def test_get_permission__role_names(backend: Backend, login: str, role: str) -> None:
    assert backend.port.get_permission(login) == role


def test_get_issue__record(backend: Backend) -> None:
    issue = backend.port.get_issue(1)
    assert issue.title == "Found a bug"
    assert issue.body == "Crashes on start"
    assert issue.author_login == "reporter"
    assert issue.state == "open"
    assert issue.html_url == f"{_base(backend)}/issues/1"
    assert issue.created_at == datetime(2026, 11, 24, 12, 0, 1, tzinfo=UTC)
    assert backend.port.get_issue(2).body == ""


def test_get_issue__missing_is_not_found(backend: Backend) -> None:
    with pytest.raises(GitHubNotFound) as info:
        backend.port.get_issue(404)
    assert info.value.status_code == 404


def test_create_and_list_comments__oldest_first(backend: Backend) -> None:
    created = backend.port.create_issue_comment(1, "tracking <!-- jules-action -->")
    comments = backend.port.list_issue_comments(1)
    assert [(c.author_login, c.author_type, c.body) for c in comments] == [
        ("maintainer", "User", "/jules fix it"),
        ("github-actions[bot]", "Bot", "tracking <!-- jules-action -->"),
    ]
    assert comments[1] == created
    assert created.html_url == f"{_base(backend)}/issues/1#issuecomment-{created.id}"


def test_edit_issue_comment__changes_body(backend: Backend) -> None:
    created = backend.port.create_issue_comment(1, "v1")
    backend.port.edit_issue_comment(created.id, "v2")
    assert backend.port.list_issue_comments(1)[-1].body == "v2"
    assert backend.state.get_comment(created.id).body == "v2"


def test_edit_issue_comment__missing_is_not_found(backend: Backend) -> None:
    with pytest.raises(GitHubNotFound):
        backend.port.edit_issue_comment(1, "x")


def test_reactions__on_issue_and_comment(backend: Backend) -> None:
    comment_id = backend.state.list_comments(1)[0].id
    backend.port.add_issue_reaction(1, "eyes")
    backend.port.add_issue_reaction(1, "eyes")  # already there: 200, no duplicate
    backend.port.add_comment_reaction(comment_id, "rocket")
    assert [r.content for r in backend.state.get_issue(1).reactions] == ["eyes"]
    assert [r.content for r in backend.state.get_comment(comment_id).reactions] == ["rocket"]


def test_labels__add_remove_and_remove_absent(backend: Backend) -> None:
    backend.port.add_label(1, "jules: working")
    assert backend.port.get_issue(1).labels == ("jules: working",)
    backend.port.remove_label(1, "jules: working")
    backend.port.remove_label(1, "jules: working")  # absent: no error
    assert backend.port.get_issue(1).labels == ()


def test_remove_label__missing_issue_is_not_found(backend: Backend) -> None:
    with pytest.raises(GitHubNotFound):
        backend.port.remove_label(77, "x")


def test_list_open_issues_with_label__includes_pulls_oldest_first(backend: Backend) -> None:
    pull = backend.state.create_pull(title="PR", head_ref="jules/fix", labels=["jules"])
    found = backend.port.list_open_issues_with_label("jules")
    assert [(i.number, i.is_pull_request) for i in found] == [(2, False), (pull.number, True)]
    assert found[1].html_url == f"{_base(backend)}/pull/{pull.number}"
    assert backend.port.list_open_issues_with_label("nothing") == []


def test_pulls__get_list_edit(backend: Backend) -> None:
    first = backend.state.create_pull(title="one", head_ref="jules/one", body="b1")
    second = backend.state.create_pull(
        title="two", head_ref="jules/two", base_ref="dev", author="trusted"
    )
    merged = backend.state.create_pull(title="three", head_ref="jules/three")
    backend.state.merge_pull(merged.number)
    pulls = backend.port.list_open_pulls()
    assert [p.number for p in pulls] == [second.number, first.number]
    assert (pulls[0].head_ref, pulls[0].base_ref, pulls[0].author_login) == (
        "jules/two",
        "dev",
        "trusted",
    )
    got = backend.port.get_pull(merged.number)
    assert (got.merged, got.state) == (True, "closed")
    backend.port.edit_pull_body(first.number, "Closes #1")
    assert backend.port.get_pull(first.number).body == "Closes #1"


def test_request_review__asks_once_and_never_the_author(backend: Backend) -> None:
    pull = backend.state.create_pull(title="p", head_ref="jules/p", author="Codertocat")
    backend.port.request_review(pull.number, "maintainer")
    backend.port.request_review(pull.number, "maintainer")
    issue = backend.state.get_issue(pull.number)
    assert issue.pull is not None
    assert issue.pull.requested_reviewers == ["maintainer"]
    with pytest.raises(GitHubError) as refused:
        backend.port.request_review(pull.number, "Codertocat")
    assert refused.value.status_code == 422


def test_request_review__is_one_post_with_the_documented_body(http_backend: Backend) -> None:
    standin = http_backend.standin
    assert standin is not None
    pull = http_backend.state.create_pull(title="p", head_ref="h")
    standin.clear_requests()
    http_backend.port.request_review(pull.number, "maintainer")
    repo = "/repos/Codertocat/Hello-World"
    assert _sent(standin) == [
        ("POST", f"{repo}/pulls/{pull.number}/requested_reviewers", {"reviewers": ["maintainer"]})
    ]


def test_get_pull__plain_issue_is_not_found(backend: Backend) -> None:
    with pytest.raises(GitHubNotFound):
        backend.port.get_pull(1)


FaultCase = tuple[str, Callable[[GitHubPort], Any], str]
FAULTS: list[FaultCase] = [
    ("create_issue_comment", lambda p: p.create_issue_comment(1, "x"), "issues: write"),
    ("edit_issue_comment", lambda p: p.edit_issue_comment(1, "x"), "issues: write"),
    ("add_issue_reaction", lambda p: p.add_issue_reaction(1, "eyes"), "issues: write"),
    ("add_label", lambda p: p.add_label(1, "x"), "issues: write"),
    ("edit_pull_body", lambda p: p.edit_pull_body(1, "x"), "pull-requests: write"),
    ("list_open_pulls", lambda p: p.list_open_pulls(), "pull-requests: read"),
    ("get_permission", lambda p: p.get_permission("x"), "contents: read"),
]


@pytest.mark.parametrize(("operation", "call", "permission"), FAULTS, ids=[f[0] for f in FAULTS])
def test_forbidden__raises_permission_error_naming_the_permission(
    backend: Backend, operation: str, call: Callable[[GitHubPort], Any], permission: str
) -> None:
    backend.state.forbid(operation)
    with pytest.raises(GitHubPermissionError) as info:
        call(backend.port)
    assert info.value.status_code == 403
    assert f"`{permission}" in info.value.message


def test_forbidden__same_message_on_both_paths(http_backend: Backend) -> None:
    memory = StateBackedGitHub(seeded_state())
    memory.state.html_base = http_backend.state.html_base
    messages = []
    for port, state in ((http_backend.port, http_backend.state), (memory, memory.state)):
        state.forbid("create_issue_comment")
        with pytest.raises(GitHubPermissionError) as info:
            port.create_issue_comment(1, "x")
        messages.append(info.value.message)
    assert messages[0] == messages[1]


def test_server_error__is_a_plain_github_error(backend: Backend) -> None:
    backend.state.fail("get_issue", status=503, message="Service Unavailable", times=1)
    with pytest.raises(GitHubError) as info:
        backend.port.get_issue(1)
    assert type(info.value) is GitHubError
    assert info.value.status_code == 503
    assert backend.port.get_issue(1).number == 1


# -- HTTP-only: what PyGithub sent ----------------------------------------------------------


def _sent(standin: GitHubStandin) -> list[tuple[str, str, Any]]:
    return [(r.method, r.path, r.body) for r in standin.requests]


def test_writes__one_request_each_with_the_documented_bodies(http_backend: Backend) -> None:
    standin, port = http_backend.standin, http_backend.port
    assert standin is not None
    comment_id = http_backend.state.list_comments(1)[0].id
    pull = http_backend.state.create_pull(title="p", head_ref="h")
    standin.clear_requests()
    port.create_issue_comment(1, "hi")
    port.edit_issue_comment(comment_id, "edited")
    port.add_issue_reaction(1, "eyes")
    port.add_comment_reaction(comment_id, "+1")
    port.add_label(1, "jules")
    port.remove_label(1, "jules")
    port.edit_pull_body(pull.number, "body")
    repo = "/repos/Codertocat/Hello-World"
    assert _sent(standin) == [
        ("POST", f"{repo}/issues/1/comments", {"body": "hi"}),
        ("PATCH", f"{repo}/issues/comments/{comment_id}", {"body": "edited"}),
        ("POST", f"{repo}/issues/1/reactions", {"content": "eyes"}),
        ("POST", f"{repo}/issues/comments/{comment_id}/reactions", {"content": "+1"}),
        ("POST", f"{repo}/issues/1/labels", ["jules"]),
        ("DELETE", f"{repo}/issues/1/labels/jules", None),
        ("PATCH", f"{repo}/pulls/{pull.number}", {"body": "body"}),
    ]
    assert [r.status for r in standin.requests] == [201, 200, 201, 201, 200, 200, 200]


def test_reads__no_extra_requests_and_documented_queries(http_backend: Backend) -> None:
    standin, port = http_backend.standin, http_backend.port
    assert standin is not None
    http_backend.state.create_pull(title="p", head_ref="h", labels=["jules"])
    standin.clear_requests()
    port.get_default_branch()
    port.get_permission("maintainer")
    port.list_open_issues_with_label("jules")
    port.list_open_pulls()
    repo = "/repos/Codertocat/Hello-World"
    assert [(r.method, r.path, r.query) for r in standin.requests] == [
        ("GET", repo, {}),
        ("GET", f"{repo}/collaborators/maintainer/permission", {}),
        (
            "GET",
            f"{repo}/issues",
            {
                "state": ["open"],
                "labels": ["jules"],
                "sort": ["created"],
                "direction": ["asc"],
                "per_page": ["100"],
            },
        ),
        (
            "GET",
            f"{repo}/pulls",
            {"state": ["open"], "sort": ["created"], "direction": ["desc"], "per_page": ["100"]},
        ),
    ]


def test_list_issue_comments__100_a_page_and_follows_link_pagination(
    http_backend: Backend,
) -> None:
    standin = http_backend.standin
    assert standin is not None
    for i in range(250):
        http_backend.state.add_comment(2, f"c{i}", author="trusted")
    standin.clear_requests()
    comments = http_backend.port.list_issue_comments(2)
    assert [c.body for c in comments] == [f"c{i}" for i in range(250)]
    assert [r.query.get("page") for r in standin.requests] == [None, ["2"], ["3"]]
    assert {r.query["per_page"][0] for r in standin.requests} == {"100"}


def test_bad_token__is_a_permission_error_about_the_token(http_backend: Backend) -> None:
    standin = http_backend.standin
    assert standin is not None
    port = _pygithub(standin.api_url, token="wrong")
    try:
        with pytest.raises(GitHubPermissionError, match="github-token") as info:
            port.get_issue(1)
    finally:
        port.close()
    assert info.value.status_code == 401


def test_unreachable_server__is_a_github_error_without_status() -> None:
    with GitHubStandin() as standin:
        api_url = standin.api_url
    port = _pygithub(api_url)
    try:
        with pytest.raises(GitHubError) as info:
            port.get_issue(1)
    finally:
        port.close()
    assert info.value.status_code is None


def test_thread_page__serves_the_rendered_thread(http_backend: Backend) -> None:
    import urllib.request

    url = http_backend.port.get_issue(1).html_url
    with urllib.request.urlopen(url) as response:
        text = response.read().decode()
    assert text.startswith("Issue #1: Found a bug")
    assert "@maintainer (User):\n  /jules fix it" in text


def test_token_never_appears_in_errors(http_backend: Backend) -> None:
    http_backend.state.forbid("get_issue")
    with pytest.raises(GitHubPermissionError) as info:
        http_backend.port.get_issue(1)
    assert TOKEN not in str(info.value)
    assert TOKEN not in repr(info.value)
