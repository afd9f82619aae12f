"""StateBackedGitHub (the in-memory GitHubPort fake) and RepositoryState semantics."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from jules_action.errors import GitHubError, GitHubNotFound, GitHubPermissionError
from jules_action_dev.standin import (
    ChangeEvent,
    RepositoryState,
    StateBackedGitHub,
    format_change,
)


class Ticks:
    """A deterministic ``now``: each call is one second later."""

    def __init__(self) -> None:
        self.moment = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.moment += timedelta(seconds=1)
        return self.moment


@pytest.fixture
def state() -> RepositoryState:
    state = RepositoryState(now=Ticks())
    state.set_role("maintainer", "maintain")
    state.set_role("reader", "read")
    state.create_issue(title="Found a bug", body="It crashes", author="reporter", labels=["bug"])
    return state


@pytest.fixture
def gh(state: RepositoryState) -> StateBackedGitHub:
    return StateBackedGitHub(state)


def test_get_default_branch__returns_the_state_value(gh: StateBackedGitHub) -> None:
    assert gh.get_default_branch() == "main"


@pytest.mark.parametrize(
    ("login", "role"),
    [("Codertocat", "admin"), ("maintainer", "maintain"), ("reader", "read"), ("nobody", "none")],
)
def test_get_permission__returns_role_name_or_none(
    gh: StateBackedGitHub, login: str, role: str
) -> None:
    assert gh.get_permission(login) == role


def test_get_permission__injected_403_raises_permission_error(
    gh: StateBackedGitHub, state: RepositoryState
) -> None:
    state.forbid("get_permission")
    with pytest.raises(GitHubPermissionError):
        gh.get_permission("maintainer")


def test_get_issue__returns_record(gh: StateBackedGitHub) -> None:
    issue = gh.get_issue(1)
    assert (issue.number, issue.title, issue.body, issue.author_login) == (
        1,
        "Found a bug",
        "It crashes",
        "reporter",
    )
    assert issue.labels == ("bug",)
    assert issue.html_url == "https://github.com/Codertocat/Hello-World/issues/1"
    assert not issue.is_pull_request
    assert issue.created_at == datetime(2026, 11, 24, 12, 0, 1, tzinfo=UTC)


def test_get_issue__missing_raises_not_found(gh: StateBackedGitHub) -> None:
    with pytest.raises(GitHubNotFound) as info:
        gh.get_issue(42)
    assert info.value.status_code == 404


def test_get_pull__on_a_plain_issue_raises_not_found(gh: StateBackedGitHub) -> None:
    with pytest.raises(GitHubNotFound):
        gh.get_pull(1)


def test_create_issue_comment__authored_by_the_actor_as_bot(gh: StateBackedGitHub) -> None:
    comment = gh.create_issue_comment(1, "Working on it")
    assert (comment.author_login, comment.author_type) == ("github-actions[bot]", "Bot")
    assert comment.html_url.endswith(f"/issues/1#issuecomment-{comment.id}")
    assert gh.list_issue_comments(1) == [comment]


def test_create_issue_comment__on_missing_issue_raises_not_found(gh: StateBackedGitHub) -> None:
    with pytest.raises(GitHubNotFound):
        gh.create_issue_comment(9, "x")


def test_create_issue_comment__forbidden_names_the_missing_permission(
    gh: StateBackedGitHub, state: RepositoryState
) -> None:
    state.forbid("create_issue_comment", times=1)
    with pytest.raises(GitHubPermissionError) as info:
        gh.create_issue_comment(1, "x")
    assert info.value.status_code == 403
    assert "issues: write" in info.value.message
    assert "permissions:" in info.value.message
    assert "Resource not accessible by integration" in info.value.message
    gh.create_issue_comment(1, "second try works")  # times=1 consumed


def test_create_issue_comment__empty_body_is_rejected_with_422(gh: StateBackedGitHub) -> None:
    with pytest.raises(GitHubError) as info:
        gh.create_issue_comment(1, "")
    assert info.value.status_code == 422


def test_list_issue_comments__oldest_first(gh: StateBackedGitHub, state: RepositoryState) -> None:
    state.add_comment(1, "/jules please", author="maintainer")
    ours = gh.create_issue_comment(1, "tracking")
    comments = gh.list_issue_comments(1)
    assert [c.body for c in comments] == ["/jules please", "tracking"]
    assert comments[0].author_type == "User"
    assert comments[-1].id == ours.id


def test_edit_issue_comment__changes_body_and_updated_at(gh: StateBackedGitHub) -> None:
    comment = gh.create_issue_comment(1, "v1")
    gh.edit_issue_comment(comment.id, "v2")
    (edited,) = gh.list_issue_comments(1)
    assert edited.body == "v2"
    assert edited.updated_at > edited.created_at


def test_edit_issue_comment__missing_raises_not_found(gh: StateBackedGitHub) -> None:
    with pytest.raises(GitHubNotFound):
        gh.edit_issue_comment(123, "x")


def test_add_issue_reaction__is_idempotent_per_user_and_content(
    gh: StateBackedGitHub, state: RepositoryState
) -> None:
    gh.add_issue_reaction(1, "eyes")
    gh.add_issue_reaction(1, "eyes")
    state.add_issue_reaction(1, "eyes", user="maintainer")
    reactions = state.get_issue(1).reactions
    assert [(r.content, r.user.login) for r in reactions] == [
        ("eyes", "github-actions[bot]"),
        ("eyes", "maintainer"),
    ]


def test_add_comment_reaction__invalid_content_is_422(
    gh: StateBackedGitHub, state: RepositoryState
) -> None:
    comment = state.add_comment(1, "/jules go", author="maintainer")
    gh.add_comment_reaction(comment.id, "rocket")
    with pytest.raises(GitHubError) as info:
        gh.add_comment_reaction(comment.id, "smile")  # type: ignore[arg-type]
    assert info.value.status_code == 422
    assert [r.content for r in state.get_comment(comment.id).reactions] == ["rocket"]


def test_add_comment_reaction__missing_comment_raises_not_found(gh: StateBackedGitHub) -> None:
    with pytest.raises(GitHubNotFound):
        gh.add_comment_reaction(5, "eyes")


def test_add_label__adds_once(gh: StateBackedGitHub) -> None:
    gh.add_label(1, "jules")
    gh.add_label(1, "jules")
    assert gh.get_issue(1).labels == ("bug", "jules")


def test_remove_label__absent_label_is_not_an_error(gh: StateBackedGitHub) -> None:
    gh.remove_label(1, "not-there")
    gh.remove_label(1, "bug")
    assert gh.get_issue(1).labels == ()


def test_remove_label__missing_issue_raises_not_found(gh: StateBackedGitHub) -> None:
    with pytest.raises(GitHubNotFound):
        gh.remove_label(99, "bug")


def test_list_open_issues_with_label__open_issues_and_pulls_oldest_first(
    gh: StateBackedGitHub, state: RepositoryState
) -> None:
    state.create_issue(title="second", labels=["jules"])
    state.create_pull(title="a PR", head_ref="jules/x", labels=["jules"])
    closed = state.create_pull(title="closed PR", head_ref="jules/y", labels=["jules"])
    state.update_pull(closed.number, state="closed")
    state.create_issue(title="unlabelled")
    found = gh.list_open_issues_with_label("jules")
    assert [(i.number, i.is_pull_request) for i in found] == [(2, False), (3, True)]
    assert found[1].html_url.endswith("/pull/3")


def test_list_open_pulls__newest_first_without_merged(
    gh: StateBackedGitHub, state: RepositoryState
) -> None:
    first = state.create_pull(title="first", head_ref="a")
    second = state.create_pull(title="second", head_ref="b", base_ref="develop")
    merged = state.create_pull(title="merged", head_ref="c")
    state.merge_pull(merged.number)
    pulls = gh.list_open_pulls()
    assert [p.number for p in pulls] == [second.number, first.number]
    assert (pulls[0].head_ref, pulls[0].base_ref, pulls[0].merged) == ("b", "develop", False)
    assert gh.get_pull(merged.number).merged


def test_edit_pull_body__changes_body(gh: StateBackedGitHub, state: RepositoryState) -> None:
    pull = state.create_pull(title="t", head_ref="h", body="old")
    gh.edit_pull_body(pull.number, "new")
    assert gh.get_pull(pull.number).body == "new"


def test_edit_pull_body__forbidden_names_pull_requests_write(
    gh: StateBackedGitHub, state: RepositoryState
) -> None:
    pull = state.create_pull(title="t", head_ref="h")
    state.forbid("edit_pull_body")
    with pytest.raises(GitHubPermissionError, match="pull-requests: write"):
        gh.edit_pull_body(pull.number, "new")


def test_fail__401_says_to_check_the_token(gh: StateBackedGitHub, state: RepositoryState) -> None:
    state.fail("get_issue", status=401, message="Bad credentials")
    with pytest.raises(GitHubPermissionError, match="github-token"):
        gh.get_issue(1)


def test_fail__500_is_a_plain_github_error(gh: StateBackedGitHub, state: RepositoryState) -> None:
    state.fail("list_open_pulls", status=502, message="Bad Gateway", times=1)
    with pytest.raises(GitHubError) as info:
        gh.list_open_pulls()
    assert type(info.value) is GitHubError
    assert info.value.status_code == 502
    assert gh.list_open_pulls() == []


def test_create_pull__html_url_uses_html_base() -> None:
    state = RepositoryState(html_base="http://127.0.0.1:9999/")
    pull = state.create_pull(title="Fix", head_ref="jules/fix")
    assert state.html_url(pull.number) == "http://127.0.0.1:9999/Codertocat/Hello-World/pull/1"


def test_observer__receives_every_change_in_order(state: RepositoryState) -> None:
    events: list[ChangeEvent] = []
    state.add_observer(events.append)
    gh = StateBackedGitHub(state)
    comment = gh.create_issue_comment(1, "hello <!-- jules-action:state -->")
    gh.edit_issue_comment(comment.id, "bye")
    gh.add_issue_reaction(1, "eyes")
    gh.add_label(1, "jules")
    gh.remove_label(1, "jules")
    state.create_pull(title="PR", head_ref="h")
    assert [e.kind for e in events] == [
        "comment.created",
        "comment.edited",
        "reaction.added",
        "label.added",
        "label.removed",
        "pull.opened",
    ]
    assert format_change(events[0]) == (
        "[github] #1 comment.created by @github-actions[bot]: hello"
    )
    assert format_change(events[2]).endswith(": 👀")


def test_render_thread__shows_title_body_reactions_and_comments_without_markers(
    state: RepositoryState,
) -> None:
    gh = StateBackedGitHub(state)
    gh.add_issue_reaction(1, "eyes")
    comment = gh.create_issue_comment(1, 'Started a session.\n<!-- jules-action {"s": 1} -->')
    gh.add_comment_reaction(comment.id, "rocket")
    gh.edit_issue_comment(comment.id, "PR opened\n<!-- jules-action {} -->")
    text = state.render_thread(1)
    assert text == (
        "Issue #1: Found a bug  [open]  https://github.com/Codertocat/Hello-World/issues/1\n"
        "opened by @reporter · labels: bug\n"
        "  It crashes\n"
        "  👀 1\n"
        "\n"
        "— @github-actions[bot] (Bot) (edited):\n"
        "  PR opened\n"
        "  🚀 1\n"
    )
    assert "jules-action {}" in state.render_thread(1, show_hidden=True)


def test_set_role__rejects_unknown_roles(state: RepositoryState) -> None:
    with pytest.raises(ValueError, match="unknown role"):
        state.set_role("x", "owner")


def test_add_comment__is_thread_safe(state: RepositoryState) -> None:
    def write(n: int) -> None:
        for i in range(25):
            state.add_comment(1, f"{n}-{i}")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    comments = state.list_comments(1)
    assert len(comments) == 100
    assert len({c.id for c in comments}) == 100
