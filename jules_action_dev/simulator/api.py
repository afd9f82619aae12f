"""The Jules REST surface over the engine: routing, API-key check, request validation, the
sessions-list ``archived`` filter, pagination and page tokens, proto3 responses; pure
request -> response, no I/O.

The HTTP server hands every request to ``JulesApi.handle`` under one lock.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

from jules_action_dev.simulator.config import SimulatorConfig, SourceConfig
from jules_action_dev.simulator.engine import Engine, SessionRecord
from jules_action_dev.simulator.scenarios import MARKER, spec_for_prompt
from jules_action_dev.simulator.wire import (
    JsonObject,
    RpcError,
    bad_request,
    not_found,
    parse_timestamp,
    prune,
)

T = TypeVar("T")

AUTOMATION_MODES = ("AUTOMATION_MODE_UNSPECIFIED", "AUTO_CREATE_PR")
_MAX_PAGE_SIZE = 100
_SESSION_ID = r"(?P<session>[^/:]+)"
_ROUTES: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (method, re.compile(f"/v1alpha/{pattern}"), operation)
    for method, pattern, operation in (
        ("POST", "sessions", "sessions.create"),
        ("GET", "sessions", "sessions.list"),
        ("GET", f"sessions/{_SESSION_ID}", "sessions.get"),
        ("POST", f"sessions/{_SESSION_ID}:sendMessage", "sessions.sendMessage"),
        ("POST", f"sessions/{_SESSION_ID}:approvePlan", "sessions.approvePlan"),
        ("POST", f"sessions/{_SESSION_ID}:archive", "sessions.archive"),
        ("POST", f"sessions/{_SESSION_ID}:unarchive", "sessions.unarchive"),
        ("GET", f"sessions/{_SESSION_ID}/activities", "sessions.activities.list"),
        (
            "GET",
            f"sessions/{_SESSION_ID}/activities/(?P<activity>[^/:]+)",
            "sessions.activities.get",
        ),
        ("GET", "sources", "sources.list"),
        ("GET", "sources/(?P<source>.+)", "sources.get"),
    )
)
_QUERY_PARAMS: dict[str, frozenset[str]] = {
    "sessions.list": frozenset({"pageSize", "pageToken", "filter"}),
    "sessions.activities.list": frozenset({"pageSize", "pageToken", "filter", "createTime"}),
    "sources.list": frozenset({"pageSize", "pageToken", "filter"}),
}
# Google front ends accept proto field names as well as lowerCamel JSON names.
_QUERY_ALIASES = {"page_size": "pageSize", "page_token": "pageToken", "create_time": "createTime"}
_SYSTEM_PARAMS = frozenset({"key", "alt", "prettyPrint", "fields", "$.xgafv", "quotaUser"})

_SESSION_FIELDS = frozenset(
    {"name", "id", "prompt", "sourceContext", "title", "requirePlanApproval", "automationMode",
     "createTime", "updateTime", "state", "url", "outputs", "archived"}
)  # fmt: skip
_SOURCE_CONTEXT_FIELDS = frozenset(
    {"source", "githubRepoContext", "workingBranch", "environmentVariablesEnabled"}
)
_CREATE_TIME_FILTER = re.compile(r'^\s*create_?time\s*>\s*"?([^"\s]+)"?\s*$', re.IGNORECASE)
_NAME_FILTER = re.compile(r'^\s*name\s*=\s*"?([^"\s]+)"?\s*$')
_ARCHIVED_FILTER = re.compile(r"^\s*archived\s*(=|!=)\s*(true|false)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: JsonObject
    operation: str | None
    """The API method name, e.g. ``sessions.get``; None for an unknown route."""
    retry_after: int | None = None


class JulesApi:
    def __init__(self, config: SimulatorConfig, engine: Engine, *, token_salt: str) -> None:
        self._config = config
        self._engine = engine
        self._salt = token_salt
        self._sources = {source.name: source for source in config.sources}
        self._handlers: dict[
            str, Callable[[Mapping[str, str], dict[str, str], bytes, int], JsonObject]
        ] = {
            "sessions.create": self._create_session,
            "sessions.list": self._list_sessions,
            "sessions.get": self._get_session,
            "sessions.sendMessage": self._send_message,
            "sessions.approvePlan": self._approve_plan,
            "sessions.archive": self._archive,
            "sessions.unarchive": self._unarchive,
            "sessions.activities.list": self._list_activities,
            "sessions.activities.get": self._get_activity,
            "sources.list": self._list_sources,
            "sources.get": self._get_source,
        }

    def handle(
        self, method: str, target: str, *, api_key: str | None, body: bytes, now_us: int
    ) -> ApiResponse:
        split = urlsplit(target)
        path = unquote(split.path)
        operation: str | None = None
        try:
            route = _route(method, path)
            if route is None:
                raise not_found()
            operation, params = route
            self._authenticate(api_key)
            query = _query(split.query, operation)
            self._engine.advance(now_us)
            result = self._handlers[operation](params, query, body, now_us)
        except RpcError as error:
            return ApiResponse(error.http_status, error.envelope(), operation, error.retry_after)
        return ApiResponse(200, result, operation)

    def _authenticate(self, api_key: str | None) -> None:
        if not api_key:
            raise RpcError(
                "UNAUTHENTICATED",
                "Method doesn't allow unregistered callers (callers without established "
                "identity). Please use API Key or other form of API consumer identity to call "
                "this API.",
            )
        if api_key not in self._config.api_keys:
            raise RpcError("PERMISSION_DENIED", "API key not valid. Please pass a valid API key.")

    # -- sessions ----------------------------------------------------------------------------

    def _create_session(
        self, params: Mapping[str, str], query: dict[str, str], body: bytes, now_us: int
    ) -> JsonObject:
        data = _fields(_json_object(body), _SESSION_FIELDS, "session")
        prompt = _optional(data, "prompt", str, "session.prompt", "TYPE_STRING") or ""
        if not prompt.strip():
            raise bad_request("session.prompt", "A prompt is required.")
        title = _optional(data, "title", str, "session.title", "TYPE_STRING") or _title_from(prompt)
        require_approval = _optional(
            data, "requirePlanApproval", bool, "session.require_plan_approval", "TYPE_BOOL"
        )
        mode = data.get("automationMode", "AUTOMATION_MODE_UNSPECIFIED")
        if mode not in AUTOMATION_MODES:
            description = (
                "Invalid value at 'session.automation_mode' (type.googleapis.com/"
                f"google.labs.jules.v1alpha.AutomationMode), {json.dumps(mode)}"
            )
            raise bad_request(
                "session.automation_mode",
                description,
                "Invalid JSON payload received. " + description,
            )
        source, branch = self._source_context(data.get("sourceContext"))
        try:
            spec = spec_for_prompt(prompt, self._config.scenario_spec())
        except ValueError as error:
            raise bad_request("session.prompt", f"Bad [jules-sim:...] marker: {error}") from None
        if spec.rejects_create:
            # The live answer reported in jules-sdk #18 (exact body, no details).
            raise RpcError("FAILED_PRECONDITION", "Precondition check failed.")
        session = self._engine.create(
            now_us=now_us,
            prompt=prompt,
            title=title,
            source=source,
            starting_branch=branch,
            require_approval=bool(require_approval),
            auto_pr=mode == "AUTO_CREATE_PR",
            spec=spec,
        )
        return self._engine.session_resource(session)

    def _source_context(self, value: Any) -> tuple[SourceConfig | None, str]:
        """Repoless sessions (no sourceContext) are allowed since the Jan 2026 API change."""
        if value is None:
            return None, ""
        context = _fields(_expect_object(value, "session.source_context"), _SOURCE_CONTEXT_FIELDS,
                          "session.source_context")  # fmt: skip
        name = _optional(context, "source", str, "session.source_context.source", "TYPE_STRING")
        if not name:
            raise bad_request("session.source_context.source", "A source is required.")
        repo_context = _fields(
            _expect_object(
                context.get("githubRepoContext", {}), "session.source_context.github_repo_context"
            ),
            frozenset({"startingBranch"}),
            "session.source_context.github_repo_context",
        )
        field_path = "session.source_context.github_repo_context.starting_branch"
        branch = _optional(repo_context, "startingBranch", str, field_path, "TYPE_STRING")
        if not branch:
            raise bad_request(field_path, "A starting branch is required.")
        source = self._sources.get(name)
        if source is None:
            # Documented choice: 404 NOT_FOUND, like sources.get, with a message saying the fix.
            raise RpcError(
                "NOT_FOUND",
                f"Source {name} was not found. Install the Jules GitHub App on the repository "
                "and connect it at https://jules.google.com.",
            )
        return source, branch

    def _list_sessions(
        self, params: Mapping[str, str], query: dict[str, str], body: bytes, now_us: int
    ) -> JsonObject:
        """Newest first; archived sessions only when the ``filter`` asks for them."""
        wanted = _archived_filter(query.get("filter", ""))
        newest_first = [s for s in reversed(self._engine.sessions) if s.archived in wanted]
        scope = ",".join(sorted(str(value) for value in wanted))
        page, token = self._page(
            newest_first, lambda s: -s.seq, query, kind="sessions", scope=scope, default_size=30
        )
        sessions = [self._engine.session_resource(session) for session in page]
        return prune({"sessions": sessions, "nextPageToken": token})

    def _session(self, params: Mapping[str, str], now_us: int, *, is_get: bool) -> SessionRecord:
        session = self._engine.find(params["session"])
        self._engine.check_faults(session, now_us, is_get=is_get)
        return session

    def _get_session(
        self, params: Mapping[str, str], query: dict[str, str], body: bytes, now_us: int
    ) -> JsonObject:
        session = self._engine.find(params["session"])
        self._engine.bump_offset(session)
        self._engine.advance(now_us)
        self._engine.check_faults(session, now_us, is_get=True)
        return self._engine.session_resource(session)

    def _send_message(
        self, params: Mapping[str, str], query: dict[str, str], body: bytes, now_us: int
    ) -> JsonObject:
        session = self._session(params, now_us, is_get=False)
        data = _fields(_json_object(body), frozenset({"prompt"}), "")
        prompt = _optional(data, "prompt", str, "prompt", "TYPE_STRING")
        if not prompt or not prompt.strip():
            raise bad_request("prompt", "A prompt is required.")
        self._engine.send_message(session, prompt, now_us)
        return {}

    def _approve_plan(
        self, params: Mapping[str, str], query: dict[str, str], body: bytes, now_us: int
    ) -> JsonObject:
        session = self._session(params, now_us, is_get=False)
        _fields(_json_object(body), frozenset(), "")
        self._engine.approve_plan(session, now_us)
        return {}

    def _archive(
        self, params: Mapping[str, str], query: dict[str, str], body: bytes, now_us: int
    ) -> JsonObject:
        session = self._session(params, now_us, is_get=False)
        _fields(_json_object(body), frozenset(), "")
        self._engine.set_archived(session, True, now_us)
        return {}

    def _unarchive(
        self, params: Mapping[str, str], query: dict[str, str], body: bytes, now_us: int
    ) -> JsonObject:
        session = self._session(params, now_us, is_get=False)
        _fields(_json_object(body), frozenset(), "")
        self._engine.set_archived(session, False, now_us)
        return {}

    # -- activities --------------------------------------------------------------------------

    def _list_activities(
        self, params: Mapping[str, str], query: dict[str, str], body: bytes, now_us: int
    ) -> JsonObject:
        session = self._session(params, now_us, is_get=True)
        after = _activities_after(query)
        activities = [a for a in session.activities if after is None or a.create_us > after]
        page, token = self._page(
            activities, lambda a: a.seq, query, kind="activities", scope=session.id, default_size=50
        )
        rendered = [self._engine.activity_resource(session, activity) for activity in page]
        return prune({"activities": rendered, "nextPageToken": token})

    def _get_activity(
        self, params: Mapping[str, str], query: dict[str, str], body: bytes, now_us: int
    ) -> JsonObject:
        session = self._session(params, now_us, is_get=True)
        for activity in session.activities:
            if activity.id == params["activity"]:
                return self._engine.activity_resource(session, activity)
        raise not_found()

    # -- sources -----------------------------------------------------------------------------

    def _list_sources(
        self, params: Mapping[str, str], query: dict[str, str], body: bytes, now_us: int
    ) -> JsonObject:
        names = _source_filter(query.get("filter", ""))
        sources = sorted(self._sources.values(), key=lambda s: s.name)
        if names is not None:
            sources = [source for source in sources if source.name in names]
        indexed = list(enumerate(sources))
        page, token = self._page(
            indexed, lambda item: item[0], query, kind="sources",
            scope=query.get("filter", ""), default_size=30,
        )  # fmt: skip
        rendered = [_source_resource(source) for _, source in page]
        return prune({"sources": rendered, "nextPageToken": token})

    def _get_source(
        self, params: Mapping[str, str], query: dict[str, str], body: bytes, now_us: int
    ) -> JsonObject:
        source = self._sources.get(f"sources/{params['source']}")
        if source is None:
            raise not_found()
        return _source_resource(source)

    # -- pagination --------------------------------------------------------------------------

    def _page(
        self,
        items: Sequence[T],
        position: Callable[[T], int],
        query: dict[str, str],
        *,
        kind: str,
        scope: str,
        default_size: int,
    ) -> tuple[list[T], str | None]:
        """Cursor pagination: the token names the position of the last item already returned."""
        size = _page_size(query.get("pageSize", ""), default_size)
        if query.get("pageToken"):
            cursor = self._decode_token(query["pageToken"], kind=kind, scope=scope)
            items = [item for item in items if position(item) > cursor]
        page = list(items[:size])
        if len(items) <= size:
            return page, None
        return page, self._encode_token(kind, scope, position(page[-1]))

    def _encode_token(self, kind: str, scope: str, cursor: int) -> str:
        raw = json.dumps([kind, scope, cursor, self._salt]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def _decode_token(self, token: str, *, kind: str, scope: str) -> int:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            decoded = json.loads(raw)
        except (binascii.Error, ValueError):
            decoded = None
        if (
            isinstance(decoded, list)
            and len(decoded) == 4
            and decoded[:2] == [kind, scope]
            and decoded[3] == self._salt
            and isinstance(decoded[2], int)
        ):
            return decoded[2]
        raise bad_request("page_token", "Invalid page token.")


def _route(method: str, path: str) -> tuple[str, dict[str, str]] | None:
    for route_method, pattern, operation in _ROUTES:
        match = pattern.fullmatch(path)
        if match and route_method == method:
            return operation, match.groupdict()
    return None


def _query(raw: str, operation: str) -> dict[str, str]:
    allowed = _QUERY_PARAMS.get(operation, frozenset())
    query: dict[str, str] = {}
    for key, value in parse_qsl(raw, keep_blank_values=True):
        name = _QUERY_ALIASES.get(key, key)
        if name in allowed:
            query[name] = value
        elif name not in _SYSTEM_PARAMS:
            raise RpcError(
                "INVALID_ARGUMENT",
                f'Invalid JSON payload received. Unknown name "{key}": Cannot bind query '
                f"parameter. Field '{key}' could not be found in request message.",
            )
    return query


def _page_size(raw: str, default: int) -> int:
    try:
        size = int(raw) if raw else 0
    except ValueError:
        raise bad_request("page_size", f"Invalid value for page_size: {raw!r}") from None
    if size < 0:
        raise bad_request("page_size", "page_size must not be negative.")
    return min(size or default, _MAX_PAGE_SIZE)


def _activities_after(query: dict[str, str]) -> int | None:
    """Both filter spellings seen in the wild mean "createTime strictly after"."""
    text = query.get("createTime") or ""
    field_name = "create_time"
    if query.get("filter", "").strip():
        match = _CREATE_TIME_FILTER.match(query["filter"])
        if match is None:
            raise bad_request("filter", f"Unsupported filter: {query['filter']!r}")
        text, field_name = match.group(1), "filter"
    if not text:
        return None
    try:
        return parse_timestamp(text)
    except ValueError:
        raise bad_request(field_name, f"Invalid timestamp: {text!r}") from None


def _archived_filter(text: str) -> frozenset[bool]:
    """Which ``archived`` values a sessions.list ``filter`` keeps (AIP-160 subset).

    No filter: only sessions that are not archived (the SDK: "By default, archived sessions
    are excluded"). Supported: ``archived = true|false`` and ``archived != true|false``, alone
    or joined by ``OR``; anything else is 400 INVALID_ARGUMENT, as AIP-160 asks.
    """
    if not text.strip():
        return frozenset({False})
    wanted: set[bool] = set()
    for term in re.split(r"\s+OR\s+", text.strip()):
        match = _ARCHIVED_FILTER.match(term)
        if match is None:
            raise bad_request(
                "filter",
                f"Invalid filter {text!r}: only archived = true|false is supported.",
                f"Invalid filter: {text}",
            )
        value = match.group(2).lower() == "true"
        wanted.add(value if match.group(1) == "=" else not value)
    return frozenset(wanted)


def _source_filter(text: str) -> set[str] | None:
    """AIP-160 subset: ``name=sources/github/o/r`` terms joined by OR."""
    if not text.strip():
        return None
    names = set()
    for term in re.split(r"\s+OR\s+", text.strip()):
        match = _NAME_FILTER.match(term)
        if match is None:
            raise bad_request("filter", f"Unsupported filter: {text!r}; only name=... OR ...")
        names.add(match.group(1))
    return names


def _source_resource(source: SourceConfig) -> JsonObject:
    return prune(
        {
            "name": source.name,
            "id": source.name.removeprefix("sources/"),
            "githubRepo": {
                "owner": source.owner,
                "repo": source.repo,
                "isPrivate": source.is_private,
                "defaultBranch": {"displayName": source.default_branch},
                "branches": [{"displayName": branch} for branch in source.all_branches],
            },
        }
    )


def _json_object(body: bytes) -> JsonObject:
    if not body.strip():
        return {}
    try:
        value = json.loads(body)
    except ValueError:
        raise RpcError(
            "INVALID_ARGUMENT", "Invalid JSON payload received. Unexpected token."
        ) from None
    return _expect_object(value, "")


def _expect_object(value: Any, field_path: str) -> JsonObject:
    if not isinstance(value, dict):
        where = f" at '{field_path}'" if field_path else ""
        raise RpcError(
            "INVALID_ARGUMENT",
            f"Invalid JSON payload received. Expected an object{where}: {json.dumps(value)}",
        )
    return value


def _fields(data: JsonObject, known: frozenset[str], field_path: str) -> JsonObject:
    """Accept snake_case or lowerCamel names; reject unknown ones as Google's parser does."""
    result: JsonObject = {}
    for key, value in data.items():
        name = re.sub(r"_([a-z])", lambda m: m.group(1).upper(), key)
        if name not in known:
            where = f" at '{field_path}'" if field_path else ""
            description = (
                f'Invalid JSON payload received. Unknown name "{key}"{where}: Cannot find field.'
            )
            raise bad_request(f"{field_path}.{key}" if field_path else key, description)
        result[name] = value
    return result


def _optional(
    data: JsonObject, key: str, kind: type[T], field_path: str, type_name: str
) -> T | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        description = f"Invalid value at '{field_path}' ({type_name}), {json.dumps(value)}"
        raise bad_request(field_path, description, "Invalid JSON payload received. " + description)
    return value


def _title_from(prompt: str) -> str:
    text = MARKER.sub("", prompt).strip()
    first_line = (text.splitlines()[0].strip() if text else "") or "Jules task"
    return first_line if len(first_line) <= 60 else first_line[:59].rstrip() + "…"
