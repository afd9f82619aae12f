"""The typed view of the workflow event payload, ``parse_event``; performs no I/O.

The caller reads ``GITHUB_EVENT_PATH`` and passes the bytes in. Only the fields the action
uses are kept, in frozen value types. Rules:

- Bytes are decoded as UTF-8 with invalid sequences replaced (U+FFFD), so a stray byte in
  issue text does not stop the run; the JSON itself must still be well formed. Lone
  surrogates written as ``\\ud800`` escapes are replaced the same way.
- A field the event kind needs (``issue`` for ``issues``, ``comment.body`` for
  ``issue_comment``, ...) must be present, else ``EventError``. Any other field is optional:
  absent or ``null`` gives ``None`` (``""`` for texts such as bodies), but a field that is
  present with the wrong shape is still an ``EventError``.
- ``schedule`` runs carry either just ``{"schedule": "<cron>"}`` or, on newer runners, also
  ``repository`` and ``sender``; both shapes parse.

Every failure is an ``EventError`` whose message names the cause and the fix.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

from jules_action.errors import EventError
from jules_action.github_port import CommentRecord

_FIX: Final = (
    "GITHUB_EVENT_PATH must name the JSON payload GitHub wrote for the triggering event; "
    "if you build the file yourself, copy the shape from GitHub's webhook documentation."
)
_T = TypeVar("_T")
_LONE_SURROGATE: Final = re.compile("[\ud800-\udfff]")

# Events whose payload must describe an issue (and, for comments, the comment).
_ISSUE_EVENTS: Final = frozenset({"issues", "issue_comment"})
REVIEW_COMMENT_EVENT: Final = "pull_request_review_comment"


@dataclass(frozen=True)
class Actor:
    """A GitHub account: ``type`` is "User", "Bot" or "Organization" as GitHub reports it."""

    login: str
    type: str = "User"
    id: int | None = None


@dataclass(frozen=True)
class Repo:
    """The repository the workflow runs in."""

    full_name: str
    owner: str
    name: str
    default_branch: str | None = None
    html_url: str = ""
    api_url: str | None = None


@dataclass(frozen=True)
class Issue:
    """An issue, or a pull request seen through the issues API (``is_pull_request``)."""

    number: int
    title: str
    body: str
    html_url: str
    author: Actor
    is_pull_request: bool = False
    labels: tuple[str, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Comment:
    """An issue or pull request conversation comment."""

    id: int
    body: str
    author: Actor
    created_at: datetime
    updated_at: datetime
    html_url: str = ""
    # A review comment on a line of a pull request's diff (``pull_request_review_comment``):
    # its own id space, and the file and line it is about.
    in_review: bool = False
    path: str = ""
    line: int | None = None

    @classmethod
    def from_record(cls, record: CommentRecord) -> Comment:
        """The same comment as the GitHub port lists it."""
        return cls(
            id=record.id,
            body=record.body,
            author=Actor(record.author_login, record.author_type),
            created_at=record.created_at,
            updated_at=record.updated_at,
            html_url=record.html_url,
        )


@dataclass(frozen=True)
class PullRequest:
    """The pull request of a ``pull_request`` event, as its payload describes it."""

    number: int
    html_url: str
    title: str
    body: str
    head_ref: str
    head_sha: str
    base_ref: str
    author: Actor | None = None
    head_repo: str = ""  # the head branch's repository ("owner/name"); a fork's is not ours


@dataclass(frozen=True)
class WorkflowRun:
    """The upstream run of a ``workflow_run`` event (its jobs are not in the payload)."""

    name: str
    conclusion: str
    html_url: str
    head_branch: str
    head_sha: str
    head_repo: str  # "owner/name" of the head branch; a fork's is not ours
    event: str  # what started the upstream run (push, pull_request, ...)
    title: str = ""  # its display title (a commit message or a PR title)


@dataclass(frozen=True)
class Push:
    """What a ``push`` event pushed (the ref is ``Event.ref``)."""

    after: str
    compare: str
    message: str  # the head commit's message
    commits: int


@dataclass(frozen=True)
class Event:
    """The triggering event: its name (``GITHUB_EVENT_NAME``) and the fields the action uses."""

    name: str
    action: str | None = None
    sender: Actor | None = None
    repo: Repo | None = None
    issue: Issue | None = None
    comment: Comment | None = None
    label: str | None = None
    ref: str | None = None
    schedule: str | None = None
    workflow_run_actor: Actor | None = None
    pull_request: PullRequest | None = None
    workflow_run: WorkflowRun | None = None
    push: Push | None = None


def parse_event(event_name: str, raw: bytes) -> Event:
    """Parse the event file's bytes for the event ``event_name``.

    Raises:
        EventError: the bytes are empty, not JSON, not a JSON object, or lack a field
            this kind of event needs.
    """
    if not raw.strip():
        raise EventError(f"The event file is empty, so there is no '{event_name}' payload. {_FIX}")
    text = raw.decode("utf-8-sig", errors="replace")
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise EventError(f"The event file is not valid JSON ({_describe(exc)}). {_FIX}") from None
    if not isinstance(payload, dict):
        raise EventError(
            f"The event file holds {_json_kind(payload)}, not the JSON object GitHub writes. {_FIX}"
        )
    read = _Reader(event_name)
    if event_name == REVIEW_COMMENT_EVENT:
        return _review_comment_event(read, payload)
    if event_name not in _ISSUE_EVENTS:
        return Event(
            name=event_name,
            action=read.text(payload, "action"),
            sender=read.actor(payload, "sender"),
            repo=read.repo(payload, "repository"),
            ref=read.text(payload, "ref"),
            schedule=read.text(payload, "schedule"),
            workflow_run_actor=_upstream_actor(read, payload),
            pull_request=(
                read.pull_request(payload) if event_name.startswith("pull_request") else None
            ),
            workflow_run=read.workflow_run(payload) if event_name == "workflow_run" else None,
            push=read.push(payload) if event_name == "push" else None,
        )
    action = read.need(read.text(payload, "action"), "action")
    return Event(
        name=event_name,
        action=action,
        sender=read.need(read.actor(payload, "sender"), "sender"),
        repo=read.repo(payload, "repository"),
        issue=read.issue(payload),
        comment=read.comment(payload) if event_name == "issue_comment" else None,
        label=_label_name(read, payload, required=action == "labeled"),
    )


def _review_comment_event(read: _Reader, payload: Mapping[str, Any]) -> Event:
    """A review comment on a line of a PR's diff: a comment on the PR, with file and line."""
    pull = read.need(read.pull_request(payload), "pull_request")
    sender = read.need(read.actor(payload, "sender"), "sender")
    comment = read.comment(payload)
    found = read.obj(payload, "comment") or {}
    line = read.integer(found, "line", where="comment")
    if line is None:
        line = read.integer(found, "original_line", where="comment")
    issue = Issue(
        number=pull.number,
        title=pull.title,
        body=pull.body,
        html_url=pull.html_url,
        author=pull.author or sender,
        is_pull_request=True,
    )
    return Event(
        name=REVIEW_COMMENT_EVENT,
        action=read.need(read.text(payload, "action"), "action"),
        sender=sender,
        repo=read.repo(payload, "repository"),
        issue=issue,
        comment=replace(
            comment,
            in_review=True,
            path=read.text(found, "path", where="comment") or "",
            line=line,
        ),
        pull_request=pull,
    )


def _label_name(read: _Reader, payload: Mapping[str, Any], *, required: bool) -> str | None:
    label = read.obj(payload, "label")
    if label is None and required:
        raise read.missing("label")
    if label is None:
        return None
    return read.need(read.text(label, "name", where="label"), "label.name")


def _upstream_actor(read: _Reader, payload: Mapping[str, Any]) -> Actor | None:
    """The account behind the upstream run of a ``workflow_run`` event."""
    run = read.obj(payload, "workflow_run")
    return None if run is None else read.actor(run, "actor", where="workflow_run")


class _Reader:
    """Typed access to payload fields, with messages that name the field and the event.

    Getters return ``None`` when a field is absent or null and raise when it has the wrong
    shape; ``need`` turns a ``None`` into the "missing field" error.
    """

    def __init__(self, event_name: str) -> None:
        self.event_name = event_name

    def missing(self, path: str) -> EventError:
        return EventError(
            f"The '{self.event_name}' event payload has no '{path}', which this event needs. {_FIX}"
        )

    def need(self, value: _T | None, path: str) -> _T:
        if value is None:
            raise self.missing(path)
        return value

    def _wrong(self, path: str, expected: str, value: object) -> EventError:
        return EventError(
            f"The '{self.event_name}' event payload has '{path}' as {_json_kind(value)}, "
            f"expected {expected}. {_FIX}"
        )

    def obj(
        self, data: Mapping[str, Any], key: str, *, where: str = ""
    ) -> Mapping[str, Any] | None:
        value = data.get(key)
        if value is None or isinstance(value, dict):
            return value
        raise self._wrong(_join(where, key), "an object", value)

    def text(self, data: Mapping[str, Any], key: str, *, where: str = "") -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            return _LONE_SURROGATE.sub("\ufffd", value)
        raise self._wrong(_join(where, key), "a string", value)

    def integer(self, data: Mapping[str, Any], key: str, *, where: str = "") -> int | None:
        value = data.get(key)
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        raise self._wrong(_join(where, key), "an integer", value)

    def time(self, data: Mapping[str, Any], key: str, *, where: str = "") -> datetime | None:
        value = self.text(data, key, where=where)
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise self._wrong(_join(where, key), "an ISO 8601 time", value) from None
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)

    def actor(self, data: Mapping[str, Any], key: str, *, where: str = "") -> Actor | None:
        path = _join(where, key)
        found = self.obj(data, key, where=where)
        if found is None:
            return None
        return Actor(
            login=self.need(self.text(found, "login", where=path), f"{path}.login"),
            type=self.text(found, "type", where=path) or "User",
            id=self.integer(found, "id", where=path),
        )

    def repo(self, data: Mapping[str, Any], key: str) -> Repo | None:
        found = self.obj(data, key)
        if found is None:
            return None
        full_name = self.need(self.text(found, "full_name", where=key), f"{key}.full_name")
        owner, _, name = full_name.partition("/")
        owner_obj = self.obj(found, "owner", where=key)
        owner_login = self.text(owner_obj, "login", where=f"{key}.owner") if owner_obj else None
        return Repo(
            full_name=full_name,
            owner=owner_login or owner,
            name=self.text(found, "name", where=key) or name,
            default_branch=self.text(found, "default_branch", where=key),
            html_url=self.text(found, "html_url", where=key) or "",
            api_url=self.text(found, "url", where=key),
        )

    def issue(self, data: Mapping[str, Any]) -> Issue:
        found = self.need(self.obj(data, "issue"), "issue")
        return Issue(
            number=self.need(self.integer(found, "number", where="issue"), "issue.number"),
            title=self.text(found, "title", where="issue") or "",
            body=self.text(found, "body", where="issue") or "",
            html_url=self.text(found, "html_url", where="issue") or "",
            author=self.need(self.actor(found, "user", where="issue"), "issue.user"),
            is_pull_request=self.obj(found, "pull_request", where="issue") is not None,
            labels=self._labels(found),
            created_at=self.time(found, "created_at", where="issue"),
            updated_at=self.time(found, "updated_at", where="issue"),
        )

    def _labels(self, issue: Mapping[str, Any]) -> tuple[str, ...]:
        value = issue.get("labels")
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self._wrong("issue.labels", "a list", value)
        names = []
        for index, item in enumerate(value):
            where = f"issue.labels[{index}]"
            if not isinstance(item, dict):
                raise self._wrong(where, "an object", item)
            names.append(self.need(self.text(item, "name", where=where), f"{where}.name"))
        return tuple(names)

    def pull_request(self, data: Mapping[str, Any]) -> PullRequest | None:
        found = self.obj(data, "pull_request")
        if found is None:
            return None
        where = "pull_request"
        head = self.obj(found, "head", where=where) or {}
        base = self.obj(found, "base", where=where) or {}
        return PullRequest(
            number=self.need(self.integer(found, "number", where=where), f"{where}.number"),
            html_url=self.text(found, "html_url", where=where) or "",
            title=self.text(found, "title", where=where) or "",
            body=self.text(found, "body", where=where) or "",
            head_ref=self.text(head, "ref", where=f"{where}.head") or "",
            head_sha=self.text(head, "sha", where=f"{where}.head") or "",
            base_ref=self.text(base, "ref", where=f"{where}.base") or "",
            author=self.actor(found, "user", where=where),
            head_repo=self._full_name(head, f"{where}.head"),
        )

    def _full_name(self, data: Mapping[str, Any], where: str) -> str:
        repo = self.obj(data, "repo", where=where) or self.obj(data, "repository", where=where)
        return (self.text(repo, "full_name", where=f"{where}.repo") or "") if repo else ""

    def workflow_run(self, data: Mapping[str, Any]) -> WorkflowRun | None:
        run = self.obj(data, "workflow_run")
        if run is None:
            return None
        w = "workflow_run"
        workflow = self.obj(data, "workflow") or {}
        return WorkflowRun(
            name=self.text(run, "name", where=w)
            or self.text(workflow, "name", where="workflow")
            or "",
            conclusion=self.text(run, "conclusion", where=w) or "",
            html_url=self.text(run, "html_url", where=w) or "",
            head_branch=self.text(run, "head_branch", where=w) or "",
            head_sha=self.text(run, "head_sha", where=w) or "",
            head_repo=self._full_name({"repo": run.get("head_repository")}, w),
            event=self.text(run, "event", where=w) or "",
            title=self.text(run, "display_title", where=w) or "",
        )

    def push(self, data: Mapping[str, Any]) -> Push:
        head = self.obj(data, "head_commit") or {}
        commits = data.get("commits")
        return Push(
            after=self.text(data, "after") or "",
            compare=self.text(data, "compare") or "",
            message=self.text(head, "message", where="head_commit") or "",
            commits=len(commits) if isinstance(commits, list) else 0,
        )

    def comment(self, data: Mapping[str, Any]) -> Comment:
        found = self.need(self.obj(data, "comment"), "comment")
        if "body" not in found:
            raise self.missing("comment.body")
        created_at = self.need(
            self.time(found, "created_at", where="comment"), "comment.created_at"
        )
        return Comment(
            id=self.need(self.integer(found, "id", where="comment"), "comment.id"),
            # GitHub sends null for an empty body.
            body=self.text(found, "body", where="comment") or "",
            author=self.need(self.actor(found, "user", where="comment"), "comment.user"),
            created_at=created_at,
            updated_at=self.time(found, "updated_at", where="comment") or created_at,
            html_url=self.text(found, "html_url", where="comment") or "",
        )


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _json_kind(value: object) -> str:
    """The JSON type of a parsed value, with its article: "an array", "a string", "null"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _describe(exc: ValueError | RecursionError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return str(exc)
