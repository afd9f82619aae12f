"""HTTP layer of the GitHub stand-in: GitHub's REST API over a ``RepositoryState``; HTTP server.

Serves exactly the endpoints PyGithub calls for every ``GitHubPort`` method (plus create-issue,
get-comment and the authenticated user) with GitHub-shaped JSON: numeric ids and node ids,
``url``/``html_url`` pointing at the stand-in's own base URL (PyGithub refuses to follow a URL
on another host), ``user`` objects with ``login``/``id``/``type``, ISO-8601 timestamps, GitHub's
error bodies (``{"message", "documentation_url", "status"}``) and ``Link`` pagination.
A ``GET`` of an issue's web path (``/{owner}/{repo}/issues/{n}``) answers the rendered thread
as text, so the links in the demo's output open to something.

Every API request is recorded (``GitHubStandin.requests``) for tests. Usage::

    with GitHubStandin(state) as gh:
        port = build_github_port(token="x", api_url=gh.api_url, repository=state.full_name)
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from jules_action.github_failures import NOT_ACCESSIBLE
from jules_action_dev.standin.render import render_thread
from jules_action_dev.standin.state import (
    ApiFailure,
    Comment,
    Issue,
    Label,
    ReactionEntry,
    RepositoryState,
    User,
    branch_sha,
)

DOCS = "https://docs.github.com/rest"
JSON = dict[str, Any]


@dataclass(frozen=True)
class RecordedRequest:
    """One request the stand-in answered."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any  # parsed JSON, or None
    status: int
    operation: str  # the GitHubPort method (or other operation) the route serves
    accept: str = ""


@dataclass(frozen=True)
class _Response:
    status: int
    body: Any
    headers: tuple[tuple[str, str], ...] = ()


def _iso(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


class _Renderer:
    """GitHub-shaped JSON for state records, with URLs on the stand-in's base URL."""

    def __init__(self, state: RepositoryState, api_url: str) -> None:
        self.state = state
        self.api = api_url
        self.repo_api = f"{api_url}/repos/{state.full_name}"

    @property
    def repo_html(self) -> str:
        return f"{self.state.html_base}/{self.state.full_name}"

    def user(self, user: User) -> JSON:
        return {
            "login": user.login,
            "id": user.id,
            "node_id": f"MDQ6VXNlcj{user.id}",
            "avatar_url": f"{self.api}/avatars/u/{user.id}",
            "gravatar_id": "",
            "url": f"{self.api}/users/{quote(user.login)}",
            "html_url": f"{self.state.html_base}/{quote(user.login)}",
            "type": user.type,
            "site_admin": False,
        }

    def repo(self) -> JSON:
        state = self.state
        owner = state.user(state.owner)
        return {
            "id": state.repo_id,
            "node_id": f"MDEwOlJlcG9zaXRvcnk{state.repo_id}",
            "name": state.name,
            "full_name": state.full_name,
            "private": False,
            "owner": self.user(owner),
            "html_url": self.repo_html,
            "description": None,
            "fork": False,
            "url": self.repo_api,
            "issues_url": f"{self.repo_api}/issues{{/number}}",
            "pulls_url": f"{self.repo_api}/pulls{{/number}}",
            "default_branch": state.default_branch,
            "visibility": "public",
            "has_issues": True,
            "archived": False,
            "disabled": False,
            "open_issues_count": len(state.list_issues(state="open")),
            "created_at": "2019-05-15T15:19:25Z",
            "updated_at": "2019-05-15T15:21:03Z",
            "pushed_at": "2019-05-15T15:20:57Z",
        }

    def label(self, label: Label) -> JSON:
        return {
            "id": label.id,
            "node_id": f"MDU6TGFiZWw{label.id}",
            "url": f"{self.repo_api}/labels/{quote(label.name)}",
            "name": label.name,
            "color": label.color,
            "default": False,
            "description": label.description,
        }

    def _reaction_summary(self, url: str, entries: list[ReactionEntry]) -> JSON:
        summary: JSON = {"url": f"{url}/reactions", "total_count": len(entries)}
        for content in ("+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes"):
            summary[content] = sum(e.content == content for e in entries)
        return summary

    def reaction(self, entry: ReactionEntry) -> JSON:
        return {
            "id": entry.id,
            "node_id": f"MDg6UmVhY3Rpb24{entry.id}",
            "user": self.user(entry.user),
            "content": entry.content,
            "created_at": _iso(entry.created_at),
        }

    def _association(self, user: User) -> str:
        if user.login == self.state.owner:
            return "OWNER"
        try:
            self.state.permission(user.login)
        except ApiFailure:
            return "NONE"
        return "COLLABORATOR"

    def issue(self, issue: Issue) -> JSON:
        url = f"{self.repo_api}/issues/{issue.number}"
        kind = "pull" if issue.pull else "issues"
        data: JSON = {
            "url": url,
            "repository_url": self.repo_api,
            "labels_url": f"{url}/labels{{/name}}",
            "comments_url": f"{url}/comments",
            "events_url": f"{url}/events",
            "html_url": f"{self.repo_html}/{kind}/{issue.number}",
            "id": issue.id,
            "node_id": f"MDU6SXNzdWU{issue.id}",
            "number": issue.number,
            "title": issue.title,
            "user": self.user(issue.user),
            "labels": [self.label(label) for label in issue.labels],
            "state": issue.state,
            "locked": False,
            "assignee": None,
            "assignees": [],
            "milestone": None,
            "comments": issue.comment_count,
            "created_at": _iso(issue.created_at),
            "updated_at": _iso(issue.updated_at),
            "closed_at": _iso(issue.closed_at),
            "author_association": self._association(issue.user),
            "active_lock_reason": None,
            "body": issue.body,
            "reactions": self._reaction_summary(url, issue.reactions),
            "performed_via_github_app": None,
            "state_reason": None,
        }
        if issue.pull:
            html = f"{self.repo_html}/pull/{issue.number}"
            data["pull_request"] = {
                "url": f"{self.repo_api}/pulls/{issue.number}",
                "html_url": html,
                "diff_url": f"{html}.diff",
                "patch_url": f"{html}.patch",
                "merged_at": _iso(issue.pull.merged_at),
            }
        return data

    def comment(self, comment: Comment) -> JSON:
        url = f"{self.repo_api}/issues/comments/{comment.id}"
        is_pull = self.state.get_issue(comment.issue_number).pull is not None
        page = f"{self.repo_html}/{'pull' if is_pull else 'issues'}/{comment.issue_number}"
        return {
            "url": url,
            "html_url": f"{page}#issuecomment-{comment.id}",
            "issue_url": f"{self.repo_api}/issues/{comment.issue_number}",
            "id": comment.id,
            "node_id": f"MDEyOklzc3VlQ29tbWVudA{comment.id}",
            "user": self.user(comment.user),
            "created_at": _iso(comment.created_at),
            "updated_at": _iso(comment.updated_at),
            "author_association": self._association(comment.user),
            "body": comment.body,
            "reactions": self._reaction_summary(url, comment.reactions),
            "performed_via_github_app": None,
        }

    def _branch(self, ref: str) -> JSON:
        owner = self.state.user(self.state.owner)
        return {
            "label": f"{self.state.owner}:{ref}",
            "ref": ref,
            "sha": branch_sha(ref),
            "user": self.user(owner),
            "repo": self.repo(),
        }

    def pull(self, issue: Issue, *, full: bool) -> JSON:
        assert issue.pull is not None
        url = f"{self.repo_api}/pulls/{issue.number}"
        html = f"{self.repo_html}/pull/{issue.number}"
        data: JSON = {
            "url": url,
            "id": issue.id,
            "node_id": f"MDExOlB1bGxSZXF1ZXN0{issue.id}",
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "issue_url": f"{self.repo_api}/issues/{issue.number}",
            "comments_url": f"{self.repo_api}/issues/{issue.number}/comments",
            "number": issue.number,
            "state": issue.state,
            "locked": False,
            "title": issue.title,
            "user": self.user(issue.user),
            "body": issue.body,
            "labels": [self.label(label) for label in issue.labels],
            "milestone": None,
            "created_at": _iso(issue.created_at),
            "updated_at": _iso(issue.updated_at),
            "closed_at": _iso(issue.closed_at),
            "merged_at": _iso(issue.pull.merged_at),
            "merge_commit_sha": None,
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [],
            "draft": False,
            "head": self._branch(issue.pull.head_ref),
            "base": self._branch(issue.pull.base_ref),
            "author_association": self._association(issue.user),
            "auto_merge": None,
            "active_lock_reason": None,
        }
        if full:  # only GET /pulls/{n} has these, not the list (as on GitHub)
            data.update(
                merged=issue.pull.merged,
                mergeable=None,
                comments=issue.comment_count,
                commits=1,
                additions=0,
                deletions=0,
                changed_files=0,
            )
        return data


Handler = Callable[["_Call"], _Response]


@dataclass(frozen=True)
class _Call:
    match: re.Match[str]
    query: dict[str, list[str]]
    body: Any
    render: _Renderer
    state: RepositoryState

    def arg(self, name: str, default: str) -> str:
        return self.query.get(name, [default])[-1]


def _error(status: int, message: str) -> _Response:
    return _Response(status, {"message": message, "documentation_url": DOCS, "status": str(status)})


def _require(body: Any, key: str) -> Any:
    if not isinstance(body, dict) or key not in body:
        raise ApiFailure(422, f'Invalid request.\n\n"{key}" wasn\'t supplied.')
    return body[key]


def _paginate(call: _Call, items: list[JSON], path: str) -> _Response:
    try:
        per_page = max(1, min(100, int(call.arg("per_page", "30"))))
        page = max(1, int(call.arg("page", "1")))
    except ValueError:
        return _error(422, "Validation Failed")
    last = max(1, -(-len(items) // per_page))
    chunk = items[(page - 1) * per_page : page * per_page]
    links = []

    def page_url(number: int) -> str:
        query = {k: v[-1] for k, v in call.query.items()}
        query.update(page=str(number), per_page=str(per_page))
        return f"{call.render.api}{path}?{urlencode(query)}"

    if page < last:
        links.append(f'<{page_url(page + 1)}>; rel="next"')
        links.append(f'<{page_url(last)}>; rel="last"')
    if page > 1:
        links.append(f'<{page_url(1)}>; rel="first"')
        links.append(f'<{page_url(page - 1)}>; rel="prev"')
    headers = (("Link", ", ".join(links)),) if links else ()
    return _Response(200, chunk, headers)


def _get_repo(call: _Call) -> _Response:
    return _Response(200, call.render.repo())


def _get_permission(call: _Call) -> _Response:
    login = unquote(call.match["user"])
    permission, role = call.state.permission(login)
    user = call.render.user(call.state.user(login))
    user["role_name"] = role
    return _Response(200, {"permission": permission, "role_name": role, "user": user})


def _list_issues(call: _Call) -> _Response:
    state = call.arg("state", "open")
    if state not in ("open", "closed", "all"):
        return _error(422, "Validation Failed")
    labels = [name for name in call.arg("labels", "").split(",") if name]
    issues = call.state.list_issues(
        state=state,
        labels=labels,
        sort=call.arg("sort", "created"),
        direction=call.arg("direction", "desc"),
    )
    path = f"/repos/{call.state.full_name}/issues"
    return _paginate(call, [call.render.issue(i) for i in issues], path)


def _create_issue(call: _Call) -> _Response:
    title = _require(call.body, "title")
    body = call.body.get("body", "")
    issue = call.state.create_issue(
        title=str(title), body=body, labels=call.body.get("labels") or ()
    )
    return _Response(201, call.render.issue(issue))


def _get_issue(call: _Call) -> _Response:
    return _Response(200, call.render.issue(call.state.get_issue(int(call.match["number"]))))


def _list_comments(call: _Call) -> _Response:
    number = int(call.match["number"])
    comments = [call.render.comment(c) for c in call.state.list_comments(number)]
    return _paginate(call, comments, f"/repos/{call.state.full_name}/issues/{number}/comments")


def _create_comment(call: _Call) -> _Response:
    body = _require(call.body, "body")
    if not isinstance(body, str):
        return _error(422, "Validation Failed")
    comment = call.state.add_comment(int(call.match["number"]), body)
    return _Response(201, call.render.comment(comment))


def _get_comment(call: _Call) -> _Response:
    return _Response(200, call.render.comment(call.state.get_comment(int(call.match["id"]))))


def _edit_comment(call: _Call) -> _Response:
    body = _require(call.body, "body")
    if not isinstance(body, str):
        return _error(422, "Validation Failed")
    comment = call.state.edit_comment(int(call.match["id"]), body)
    return _Response(200, call.render.comment(comment))


def _react_issue(call: _Call) -> _Response:
    content = _require(call.body, "content")
    entry, created = call.state.add_issue_reaction(int(call.match["number"]), str(content))
    return _Response(201 if created else 200, call.render.reaction(entry))


def _react_comment(call: _Call) -> _Response:
    content = _require(call.body, "content")
    entry, created = call.state.add_comment_reaction(int(call.match["id"]), str(content))
    return _Response(201 if created else 200, call.render.reaction(entry))


def _add_labels(call: _Call) -> _Response:
    # GitHub takes {"labels": [...]} or a bare array (PyGithub sends the latter).
    names = call.body if isinstance(call.body, list) else _require(call.body, "labels")
    if not isinstance(names, list):
        return _error(422, "Validation Failed")
    labels = call.state.add_labels(int(call.match["number"]), names)
    return _Response(200, [call.render.label(label) for label in labels])


def _remove_label(call: _Call) -> _Response:
    name = unquote(call.match["name"])
    labels = call.state.remove_label(int(call.match["number"]), name)
    return _Response(200, [call.render.label(label) for label in labels])


def _list_pulls(call: _Call) -> _Response:
    state = call.arg("state", "open")
    if state not in ("open", "closed", "all"):
        return _error(422, "Validation Failed")
    pulls = call.state.list_pulls(
        state=state, sort=call.arg("sort", "created"), direction=call.arg("direction", "desc")
    )
    items = [call.render.pull(p, full=False) for p in pulls]
    return _paginate(call, items, f"/repos/{call.state.full_name}/pulls")


def _get_pull(call: _Call) -> _Response:
    return _Response(
        200, call.render.pull(call.state.get_pull(int(call.match["number"])), full=True)
    )


def _update_pull(call: _Call) -> _Response:
    if not isinstance(call.body, dict):
        return _error(422, "Validation Failed")
    pull = call.state.update_pull(
        int(call.match["number"]),
        title=call.body.get("title"),
        body=call.body.get("body"),
        state=call.body.get("state"),
    )
    return _Response(200, call.render.pull(pull, full=True))


def _request_reviewers(call: _Call) -> _Response:
    body = call.body if isinstance(call.body, dict) else {}
    reviewers = body.get("reviewers")
    if not isinstance(reviewers, list) or not all(isinstance(r, str) for r in reviewers):
        return _error(422, "Validation Failed")
    pull = call.state.request_reviewers(int(call.match["number"]), reviewers)
    assert pull.pull is not None
    data = call.render.pull(pull, full=True)
    data["requested_reviewers"] = [
        call.render.user(call.state.user(login)) for login in pull.pull.requested_reviewers
    ]
    return _Response(201, data)


def _create_status(call: _Call) -> _Response:
    body = call.body if isinstance(call.body, dict) else {}
    status = call.state.set_status(
        call.match["sha"],
        state=str(body.get("state", "")),
        context=str(body.get("context") or "default"),
        description=str(body.get("description") or ""),
        target_url=str(body.get("target_url") or ""),
    )
    return _Response(
        201,
        {
            "url": f"{call.render.api}/repos/{call.state.full_name}/statuses/{status.sha}",
            "id": len(call.state.statuses(status.sha)),
            "state": status.state,
            "description": status.description,
            "target_url": status.target_url,
            "context": status.context,
            "created_at": _iso(datetime.now(UTC)),
            "updated_at": _iso(datetime.now(UTC)),
            "creator": call.render.user(call.state.user(status.creator)),
        },
    )


def _get_user(call: _Call) -> _Response:
    if call.state.actor.endswith("[bot]"):
        # GitHub refuses GET /user to installation tokens such as the workflow's GITHUB_TOKEN.
        return _error(403, NOT_ACCESSIBLE)
    return _Response(200, call.render.user(call.state.user(call.state.actor)))


_REPO = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
_NUM = r"(?P<number>\d+)"
# (method, path pattern, operation name, handler); operation names of GitHubPort methods are
# what ``RepositoryState.fail`` takes.
ROUTES: tuple[tuple[str, re.Pattern[str], str, Handler], ...] = tuple(
    (method, re.compile(pattern + r"\Z"), operation, handler)
    for method, pattern, operation, handler in (
        ("GET", _REPO, "get_default_branch", _get_repo),
        (
            "GET",
            _REPO + r"/collaborators/(?P<user>[^/]+)/permission",
            "get_permission",
            _get_permission,
        ),
        ("GET", _REPO + r"/issues", "list_open_issues_with_label", _list_issues),
        ("POST", _REPO + r"/issues", "create_issue", _create_issue),
        ("GET", _REPO + r"/issues/comments/(?P<id>\d+)", "get_issue_comment", _get_comment),
        ("PATCH", _REPO + r"/issues/comments/(?P<id>\d+)", "edit_issue_comment", _edit_comment),
        (
            "POST",
            _REPO + r"/issues/comments/(?P<id>\d+)/reactions",
            "add_comment_reaction",
            _react_comment,
        ),
        ("GET", _REPO + rf"/issues/{_NUM}", "get_issue", _get_issue),
        ("GET", _REPO + rf"/issues/{_NUM}/comments", "list_issue_comments", _list_comments),
        ("POST", _REPO + rf"/issues/{_NUM}/comments", "create_issue_comment", _create_comment),
        ("POST", _REPO + rf"/issues/{_NUM}/reactions", "add_issue_reaction", _react_issue),
        ("POST", _REPO + rf"/issues/{_NUM}/labels", "add_label", _add_labels),
        (
            "DELETE",
            _REPO + rf"/issues/{_NUM}/labels/(?P<name>[^/]+)",
            "remove_label",
            _remove_label,
        ),
        ("GET", _REPO + r"/pulls", "list_open_pulls", _list_pulls),
        ("GET", _REPO + rf"/pulls/{_NUM}", "get_pull", _get_pull),
        ("PATCH", _REPO + rf"/pulls/{_NUM}", "edit_pull_body", _update_pull),
        (
            "POST",
            _REPO + rf"/pulls/{_NUM}/requested_reviewers",
            "request_review",
            _request_reviewers,
        ),
        (
            "POST",
            _REPO + r"/statuses/(?P<sha>[0-9a-fA-F]{7,64})",
            "set_commit_status",
            _create_status,
        ),
        ("GET", r"/user", "get_authenticated_user", _get_user),
    )
)
_THREAD_PAGE = re.compile(r"/(?P<owner>[^/]+)/(?P<repo>[^/]+)/(?:issues|pull)/(?P<number>\d+)\Z")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    standin: GitHubStandin


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # Headers and body leave in one segment (flushed after each request), with Nagle off:
    # otherwise a delayed ACK costs ~40 ms per keep-alive request.
    wbufsize = 1 << 16
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests assert on ``GitHubStandin.requests`` instead."""

    def _dispatch(self) -> None:
        standin = self.server.standin
        split = urlsplit(self.path)
        query = parse_qs(split.query)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body: Any = None
        operation = ""
        try:
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    response = _error(400, "Problems parsing JSON")
                    return self._send(response, split.path, query, body, operation)
            response, operation = standin.handle(
                self.command, split.path, query, body, self.headers.get("Authorization")
            )
        except Exception as exc:  # a bug in the stand-in: answer like GitHub's 500
            response = _error(500, f"stand-in error: {type(exc).__name__}: {exc}")
        self._send(response, split.path, query, body, operation)

    def _send(
        self,
        response: _Response,
        path: str,
        query: dict[str, list[str]],
        body: Any,
        operation: str,
    ) -> None:
        standin = self.server.standin
        if isinstance(response.body, str):
            payload = response.body.encode()
            content_type = "text/plain; charset=utf-8"
        else:
            payload = json.dumps(response.body).encode()
            content_type = "application/json; charset=utf-8"
        if operation != "thread_page":
            standin.record(
                RecordedRequest(
                    method=self.command,
                    path=path,
                    query=query,
                    body=body,
                    status=response.status,
                    operation=operation,
                    accept=self.headers.get("Accept", ""),
                )
            )
        self.send_response(response.status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-GitHub-Media-Type", "github.v3; format=json")
        for name, value in response.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _dispatch


class GitHubStandin:
    """A local HTTP server answering like GitHub's REST API for one ``RepositoryState``.

    ``token``: when set, requests must carry ``Authorization: token <token>`` (or ``Bearer``),
    else 401 "Bad credentials". ``html_base``: where ``html_url`` links point; by default the
    server's own base URL (where ``GET /{owner}/{repo}/issues/{n}`` shows the thread as text).
    """

    def __init__(
        self,
        state: RepositoryState | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        html_base: str | None = None,
    ) -> None:
        self.state = state or RepositoryState()
        self._host, self._port = host, port
        self._token = token
        self._html_base = html_base
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []

    @property
    def api_url(self) -> str:
        """The base URL to give PyGithub (``http://127.0.0.1:<port>``)."""
        if self._server is None:
            raise RuntimeError("GitHubStandin is not running; use start() or a with block")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> GitHubStandin:
        if self._server is not None:
            return self
        server = _Server((self._host, self._port), _RequestHandler)
        server.standin = self
        self._server = server
        self.state.html_base = (self._html_base or self.api_url).rstrip("/")
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join()

    def __enter__(self) -> GitHubStandin:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- recording ------------------------------------------------------------------------

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every API request answered so far, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def render_thread(self, number: int, *, show_hidden: bool = False) -> str:
        return render_thread(self.state, number, show_hidden=show_hidden)

    # -- routing --------------------------------------------------------------------------

    def handle(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        body: Any,
        authorization: str | None,
    ) -> tuple[_Response, str]:
        """Answer one request: (response, operation name)."""
        page = _THREAD_PAGE.match(path)
        if method == "GET" and page and self._is_this_repo(page):
            try:
                return _Response(200, self.render_thread(int(page["number"]))), "thread_page"
            except ApiFailure as failure:
                return _Response(failure.status, failure.message), "thread_page"
        if self._token is not None and authorization not in (
            f"token {self._token}",
            f"Bearer {self._token}",
        ):
            return _error(401, "Bad credentials"), ""
        known_path = False
        for route_method, pattern, operation, handler in ROUTES:
            match = pattern.match(path)
            if match is None:
                continue
            known_path = True
            if route_method != method:
                continue
            if "owner" in pattern.groupindex and not self._is_this_repo(match):
                return _error(404, "Not Found"), operation
            render = _Renderer(self.state, self.api_url)
            try:
                self.state.check(operation)
                return handler(_Call(match, query, body, render, self.state)), operation
            except ApiFailure as failure:
                return _error(failure.status, failure.message), operation
        # GitHub answers 404 for unknown routes and methods alike.
        return _error(404, "Not Found"), "unknown" if not known_path else "method_not_allowed"

    def _is_this_repo(self, match: re.Match[str]) -> bool:
        owner, repo = unquote(match["owner"]).lower(), unquote(match["repo"]).lower()
        return (owner, repo) == (self.state.owner.lower(), self.state.name.lower())
