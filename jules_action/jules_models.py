"""Pydantic models of every Jules REST API v1alpha resource, union and request; no I/O.

Wire names are camelCase, Python names snake_case (one shared base with ``to_camel``).
Parsing is deliberately forgiving, because the API is alpha and serialises proto3 JSON,
which omits every field holding its default (see docs: jules-api.md §1 and §9.10):

- every field is optional and defaults to its proto3 zero value ("" / 0 / False / [] / None
  for messages); unknown keys are ignored;
- enums: a missing value is ``*_UNSPECIFIED``, an unrecognised one is ``UNKNOWN``;
- wrong-typed leaves fall back instead of raising: a string field takes a JSON number as its
  decimal text, an integer field takes an integral number or a decimal string (proto3 JSON
  writes int64 as strings), a boolean field takes ``"true"``/``"false"``; anything else
  becomes the zero value. A message field holding a non-object becomes ``None``; a list
  field holding a non-list becomes ``[]`` and list items that are not objects are dropped;
- timestamps (RFC 3339, any number of fractional digits, ``Z`` or an offset) parse to
  timezone-aware UTC datetimes truncated to microseconds; a malformed or unrepresentable
  timestamp becomes ``None`` rather than failing the whole object.

So validating any JSON *object* never raises; only a non-object at the top level does.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from typing import Annotated, Any, Final, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic.alias_generators import to_camel

_T = TypeVar("_T")


# --- lenient leaf types ---------------------------------------------------------------------


def _to_str(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _to_int(value: object) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d{1,30}\s*", value):
        return int(value)
    return 0


def _to_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return value == "true"


_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))"
)


def parse_timestamp(value: object) -> datetime | None:
    """Parse an RFC 3339 timestamp to an aware UTC datetime; ``None`` if it is not one.

    Fractional digits beyond microseconds are truncated (Python datetimes stop there).
    """
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if not isinstance(value, str):
        return None
    match = _TIMESTAMP.fullmatch(value.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(part) for part in match.group(1, 2, 3, 4, 5, 6))
    micros = int((match.group(7) or "0")[:6].ljust(6, "0"))
    offset = timedelta(0)
    if match.group(9):
        sign = 1 if match.group(9) == "+" else -1
        offset = sign * timedelta(hours=int(match.group(10)), minutes=int(match.group(11)))
    try:
        local = datetime(year, month, day, hour, minute, second, micros, tzinfo=timezone(offset))
        return local.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def format_timestamp(value: datetime) -> str:
    """Format as RFC 3339 in UTC with ``Z`` (6 fractional digits if any); naive means UTC."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    utc = aware.astimezone(UTC)
    text = (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}"
        f"T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}"
    )
    if utc.microsecond:
        text += f".{utc.microsecond:06d}"
    return text + "Z"


def _none_on_error(value: object, handler: ValidatorFunctionWrapHandler) -> object:
    try:
        return handler(value)
    except ValidationError:
        return None


def _lenient_list(value: object, handler: ValidatorFunctionWrapHandler) -> list[Any]:
    if not isinstance(value, list):
        return []
    kept: list[Any] = []
    for item in value:
        try:
            kept.extend(handler([item]))
        except ValidationError:
            continue
    return kept


Str = Annotated[str, BeforeValidator(_to_str)]
Int = Annotated[int, BeforeValidator(_to_int)]
Bool = Annotated[bool, BeforeValidator(_to_bool)]
Timestamp = Annotated[datetime | None, BeforeValidator(parse_timestamp)]
Opt = Annotated[_T | None, WrapValidator(_none_on_error)]
Items = Annotated[list[_T], WrapValidator(_lenient_list)]


class JulesModel(BaseModel):
    """Shared base: camelCase on the wire, snake_case in Python, unknown keys ignored, frozen."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        extra="ignore",
        frozen=True,
    )


# --- enums ----------------------------------------------------------------------------------


class SessionState(StrEnum):
    """Session lifecycle state (jules-api.md §3.4); ``UNKNOWN`` = a value this code predates."""

    STATE_UNSPECIFIED = "STATE_UNSPECIFIED"
    QUEUED = "QUEUED"
    PLANNING = "PLANNING"
    AWAITING_PLAN_APPROVAL = "AWAITING_PLAN_APPROVAL"
    AWAITING_USER_FEEDBACK = "AWAITING_USER_FEEDBACK"
    IN_PROGRESS = "IN_PROGRESS"
    PAUSED = "PAUSED"
    FAILED = "FAILED"
    COMPLETED = "COMPLETED"
    UNKNOWN = "UNKNOWN"


class AutomationMode(StrEnum):
    """Session automation mode (jules-api.md §3.3); ``UNKNOWN`` = unrecognised wire value."""

    AUTOMATION_MODE_UNSPECIFIED = "AUTOMATION_MODE_UNSPECIFIED"
    AUTO_CREATE_PR = "AUTO_CREATE_PR"
    UNKNOWN = "UNKNOWN"


def _to_state(value: object) -> SessionState:
    if value is None or value == "":
        return SessionState.STATE_UNSPECIFIED
    if isinstance(value, str) and value in SessionState.__members__:
        return SessionState(value)
    return SessionState.UNKNOWN


def _to_mode(value: object) -> AutomationMode:
    if value is None or value == "":
        return AutomationMode.AUTOMATION_MODE_UNSPECIFIED
    if isinstance(value, str) and value in AutomationMode.__members__:
        return AutomationMode(value)
    return AutomationMode.UNKNOWN


State = Annotated[SessionState, BeforeValidator(_to_state)]
Mode = Annotated[AutomationMode, BeforeValidator(_to_mode)]


# --- sessions -------------------------------------------------------------------------------


class PullRequest(JulesModel):
    url: Str = ""
    title: Str = ""
    description: Str = ""
    base_ref: Str = ""
    head_ref: Str = ""


class GitPatch(JulesModel):
    unidiff_patch: Str = ""
    base_commit_id: Str = ""
    suggested_commit_message: Str = ""


class ChangeSet(JulesModel):
    source: Str = ""
    git_patch: Opt[GitPatch] = None


class Media(JulesModel):
    """An image or similar; ``data`` stays the base64 text it arrives as."""

    data: Str = ""
    mime_type: Str = ""


class BashOutput(JulesModel):
    command: Str = ""
    output: Str = ""
    exit_code: Int = 0


SessionOutputKind = Literal["pullRequest", "changeSet", "unknown"]


class SessionOutput(JulesModel):
    """One result of a session (union ``output``)."""

    pull_request: Opt[PullRequest] = None
    change_set: Opt[ChangeSet] = None

    @property
    def kind(self) -> SessionOutputKind:
        if self.pull_request is not None:
            return "pullRequest"
        if self.change_set is not None:
            return "changeSet"
        return "unknown"


class GitHubRepoContext(JulesModel):
    starting_branch: Str = ""


class SourceContext(JulesModel):
    """Which repository and branch a session works on.

    ``working_branch`` and ``environment_variables_enabled`` are in the API's discovery
    document (jules-sdk drift report of 2026-02-22, SDK ``SourceContext``); their meaning is
    undocumented and this action never sends them (``to_wire`` leaves out unset fields).
    """

    source: Str = ""
    github_repo_context: Opt[GitHubRepoContext] = None
    working_branch: Str = ""
    environment_variables_enabled: Bool = False


# The web app's page of a session (jules-api.md §1), for answers that leave ``url`` out.
SESSION_WEB_URL: Final = "https://jules.google.com/session/{}"


class Session(JulesModel):
    name: Str = ""
    id: Str = ""
    prompt: Str = ""
    title: Str = ""
    source_context: Opt[SourceContext] = None
    require_plan_approval: Bool = False
    automation_mode: Mode = AutomationMode.AUTOMATION_MODE_UNSPECIFIED
    create_time: Timestamp = None
    update_time: Timestamp = None
    state: State = SessionState.STATE_UNSPECIFIED
    url: Str = ""
    outputs: Items[SessionOutput] = Field(default_factory=list)
    archived: Bool = False

    @property
    def web_url(self) -> str:
        """The session in the Jules web app: ``url`` when the API sends it, else the known form."""
        return self.url or SESSION_WEB_URL.format(self.id)

    @property
    def pull_request(self) -> PullRequest | None:
        """The first output that is a pull request with a URL, if any."""
        for output in self.outputs:
            if output.pull_request is not None and output.pull_request.url:
                return output.pull_request
        return None


class CreateSessionRequest(JulesModel):
    """Body of sessions.create; ``None`` means "not sent" (the server applies its default)."""

    prompt: str
    title: str | None = None
    source_context: SourceContext | None = None
    require_plan_approval: bool | None = None
    automation_mode: AutomationMode | None = None

    def to_wire(self) -> dict[str, Any]:
        """The JSON body: camelCase keys, only the fields that are set (also in nested
        messages, so an output-only default such as ``workingBranch: ""`` is never sent)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_unset=True)


# --- activities -----------------------------------------------------------------------------


class PlanStep(JulesModel):
    id: Str = ""
    title: Str = ""
    description: Str = ""
    index: Int = 0


class Plan(JulesModel):
    id: Str = ""
    steps: Items[PlanStep] = Field(default_factory=list)
    create_time: Timestamp = None


ArtifactKind = Literal["changeSet", "media", "bashOutput", "unknown"]


class Artifact(JulesModel):
    """Data produced by an activity (union ``content``)."""

    change_set: Opt[ChangeSet] = None
    media: Opt[Media] = None
    bash_output: Opt[BashOutput] = None

    @property
    def kind(self) -> ArtifactKind:
        if self.change_set is not None:
            return "changeSet"
        if self.media is not None:
            return "media"
        if self.bash_output is not None:
            return "bashOutput"
        return "unknown"


class AgentMessaged(JulesModel):
    agent_message: Str = ""


class UserMessaged(JulesModel):
    user_message: Str = ""


class PlanGenerated(JulesModel):
    plan: Opt[Plan] = None


class PlanApproved(JulesModel):
    plan_id: Str = ""


class ProgressUpdated(JulesModel):
    title: Str = ""
    description: Str = ""


class SessionCompleted(JulesModel):
    """Serialised as ``{}``: its presence is the information."""


class SessionFailed(JulesModel):
    reason: Str = ""


ActivityKind = Literal[
    "agentMessaged",
    "userMessaged",
    "planGenerated",
    "planApproved",
    "progressUpdated",
    "sessionCompleted",
    "sessionFailed",
    "unknown",
]


class Activity(JulesModel):
    """One event in a session (union ``activity``); an unknown member leaves ``kind`` "unknown"."""

    name: Str = ""
    id: Str = ""
    description: Str = ""
    create_time: Timestamp = None
    originator: Str = ""
    artifacts: Items[Artifact] = Field(default_factory=list)
    agent_messaged: Opt[AgentMessaged] = None
    user_messaged: Opt[UserMessaged] = None
    plan_generated: Opt[PlanGenerated] = None
    plan_approved: Opt[PlanApproved] = None
    progress_updated: Opt[ProgressUpdated] = None
    session_completed: Opt[SessionCompleted] = None
    session_failed: Opt[SessionFailed] = None

    @property
    def kind(self) -> ActivityKind:
        members: tuple[tuple[ActivityKind, JulesModel | None], ...] = (
            ("agentMessaged", self.agent_messaged),
            ("userMessaged", self.user_messaged),
            ("planGenerated", self.plan_generated),
            ("planApproved", self.plan_approved),
            ("progressUpdated", self.progress_updated),
            ("sessionCompleted", self.session_completed),
            ("sessionFailed", self.session_failed),
        )
        for kind, member in members:
            if member is not None:
                return kind
        return "unknown"


# --- sources --------------------------------------------------------------------------------


class GitHubBranch(JulesModel):
    display_name: Str = ""


class GitHubRepo(JulesModel):
    owner: Str = ""
    repo: Str = ""
    is_private: Bool = False
    default_branch: Opt[GitHubBranch] = None
    branches: Items[GitHubBranch] = Field(default_factory=list)


class Source(JulesModel):
    name: Str = ""
    id: Str = ""
    github_repo: Opt[GitHubRepo] = None


# --- list responses -------------------------------------------------------------------------


class ListResponse(JulesModel):
    """One page of a list method; an empty ``next_page_token`` means the last page."""

    next_page_token: Str = ""


class ListSessionsResponse(ListResponse):
    sessions: Items[Session] = Field(default_factory=list)


class ListActivitiesResponse(ListResponse):
    activities: Items[Activity] = Field(default_factory=list)


class ListSourcesResponse(ListResponse):
    sources: Items[Source] = Field(default_factory=list)


# --- errors ---------------------------------------------------------------------------------

BAD_REQUEST_TYPE = "type.googleapis.com/google.rpc.BadRequest"
ERROR_INFO_TYPE = "type.googleapis.com/google.rpc.ErrorInfo"
RETRY_INFO_TYPE = "type.googleapis.com/google.rpc.RetryInfo"


class BadRequestFieldViolation(JulesModel):
    field: Str = ""
    description: Str = ""


class ErrorDetail(JulesModel):
    """One typed entry of ``error.details``; the fields of the few types we read, merged.

    ``google.rpc.BadRequest`` has ``fieldViolations``; ``google.rpc.ErrorInfo`` has ``reason``
    (e.g. ``API_KEY_INVALID``); ``google.rpc.RetryInfo`` has ``retryDelay`` (a Duration
    such as ``"30s"``).
    """

    type: Str = Field(default="", alias="@type")
    field_violations: Items[BadRequestFieldViolation] = Field(default_factory=list)
    reason: Str = ""
    retry_delay: Str = ""


class GoogleError(JulesModel):
    """The ``error`` object of the Google JSON error envelope (google.rpc.Status)."""

    code: Int = 0
    message: Str = ""
    status: Str = ""
    details: Items[ErrorDetail] = Field(default_factory=list)


class ErrorEnvelope(JulesModel):
    """``{"error": {code, message, status, details[]}}``."""

    error: Opt[GoogleError] = None
