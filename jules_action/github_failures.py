"""Turn a GitHub API refusal into the ``errors`` exception for a ``GitHubPort`` call; no I/O.

Shared by the PyGithub adapter and the in-memory ``StateBackedGitHub`` so both raise the same
exception with the same message for the same refusal. A 401/403 message names the workflow
``permissions:`` entry the token most likely lacks for that call; the ``GITHUB_TOKEN``
scopes are listed at
https://docs.github.com/actions/writing-workflows/choosing-what-your-workflow-does/controlling-permissions-for-github_token
"""

from __future__ import annotations

from typing import Final

from jules_action.errors import GitHubError, GitHubNotFound, GitHubPermissionError

# Port method -> (what it does, in words; the workflow permission it needs).
OPERATIONS: Final[dict[str, tuple[str, str]]] = {
    "get_default_branch": ("read the repository", "contents: read"),
    "get_permission": ("read a collaborator's permission", "contents: read"),
    "get_authenticated_login": ("read the token's user", ""),
    "get_issue": ("read the issue", "issues: read"),
    "get_pull": ("read the pull request", "pull-requests: read"),
    "list_issue_comments": ("list the issue's comments", "issues: read"),
    "create_issue_comment": (
        "comment on the issue",
        "issues: write (pull-requests: write on a pull request)",
    ),
    "edit_issue_comment": (
        "edit the tracking comment",
        "issues: write (pull-requests: write on a pull request)",
    ),
    "add_issue_reaction": ("react to the issue", "issues: write"),
    "add_comment_reaction": (
        "react to the comment",
        "issues: write (pull-requests: write on a pull request)",
    ),
    "add_label": ("add a label", "issues: write"),
    "remove_label": ("remove a label", "issues: write"),
    "list_open_issues_with_label": ("list labelled issues", "issues: read"),
    "list_open_pulls": ("list pull requests", "pull-requests: read"),
    "edit_pull_body": ("edit the pull request", "pull-requests: write"),
    "request_review": ("request a review on the pull request", "pull-requests: write"),
    "set_commit_status": ("set the Jules session status on the pull request", "statuses: write"),
}

# GitHub's answer to a GITHUB_TOKEN that lacks a permission.
NOT_ACCESSIBLE = "Resource not accessible by integration"
# GitHub's answer to DELETE .../labels/{name} when the issue does not carry the label.
LABEL_DOES_NOT_EXIST = "Label does not exist"


def failure_for(
    operation: str,
    *,
    status: int | None,
    github_message: str,
    retry_after: float | None = None,
) -> GitHubError:
    """The exception for ``operation`` (a port method name) refused with ``status``.

    ``retry_after``: the wait GitHub asked for, when the refusal is a rate limit.
    """
    action, permission = OPERATIONS.get(operation, (operation.replace("_", " "), ""))
    detail = f"{status}: {github_message}" if status is not None else github_message
    if status == 401:
        return GitHubPermissionError(
            f"GitHub rejected the token when trying to {action} ({detail}). "
            "Check the `github-token` input (the default is the workflow's GITHUB_TOKEN).",
            status_code=status,
        )
    if status in (403, 429) and ("rate limit" in github_message.lower() or retry_after):
        return GitHubError(
            f"GitHub rate-limited the call to {action} ({detail}).",
            status_code=status,
            retry_after=retry_after if retry_after is not None else 60.0,
        )
    if status == 403:
        hint = (
            f" The workflow token probably lacks `{permission}`: add it under `permissions:` "
            "in the workflow (or job)."
            if permission
            else " The workflow token lacks a permission for this call."
        )
        return GitHubPermissionError(
            f"GitHub refused to {action} ({detail}).{hint}", status_code=status
        )
    if status == 404:
        return GitHubNotFound(
            f"GitHub could not find what was needed to {action} ({detail}).", status_code=status
        )
    return GitHubError(
        f"GitHub failed to {action} ({detail}).", status_code=status, retry_after=retry_after
    )
