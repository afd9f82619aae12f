"""Property tests: the Jules model parser never crashes on documented shapes with mutations.

Each strategy builds JSON objects of a documented shape (jules-api.md §3) where every field
may be dropped, replaced by an arbitrary JSON value of the wrong type, or joined by unknown
keys; unknown enum strings and odd timestamps are injected too.
"""

from __future__ import annotations

import string
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from jules_action.jules_models import (
    Activity,
    AutomationMode,
    ErrorEnvelope,
    ListActivitiesResponse,
    ListSessionsResponse,
    ListSourcesResponse,
    Session,
    SessionState,
    Source,
    format_timestamp,
    parse_timestamp,
)

SETTINGS = settings(deadline=None, max_examples=150)

json_leaf = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
json_any = st.recursive(
    json_leaf,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=8,
)
camel_key = st.text(alphabet=string.ascii_letters, min_size=1, max_size=12)


def mutated(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the valid value, sometimes anything at all."""
    return st.one_of(valid, valid, valid, json_any)


def obj(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """An object of a documented shape: each field optional and mutable, plus unknown keys."""
    known = st.fixed_dictionaries({}, optional={k: mutated(v) for k, v in fields.items()})
    extra = st.dictionaries(camel_key, json_any, max_size=2)
    return st.builds(lambda e, k: {**e, **k}, extra, known)


def array(item: st.SearchStrategy[Any]) -> st.SearchStrategy[list[Any]]:
    return st.lists(mutated(item), max_size=3)


@st.composite
def timestamps(draw: st.DrawFn) -> str:
    moment = draw(st.datetimes(timezones=st.just(UTC)))
    digits = draw(st.sampled_from([0, 3, 6, 9]))
    base = moment.isoformat(timespec="seconds").removesuffix("+00:00")
    fraction = f"{moment.microsecond:06d}{draw(st.integers(0, 999)):03d}"[:digits]
    return f"{base}.{fraction}Z" if digits else f"{base}Z"


timestamp = timestamps() | st.text(max_size=30)
text = st.text(max_size=20)
state = st.sampled_from([s.value for s in SessionState]) | text
mode = st.sampled_from([m.value for m in AutomationMode]) | text

pull_request = obj(url=text, title=text, description=text, baseRef=text, headRef=text)
git_patch = obj(unidiffPatch=text, baseCommitId=text, suggestedCommitMessage=text)
change_set = obj(source=text, gitPatch=git_patch)
session_output = obj(pullRequest=pull_request, changeSet=change_set)
source_context = obj(source=text, githubRepoContext=obj(startingBranch=text))
session = obj(
    name=text,
    id=text,
    prompt=text,
    title=text,
    sourceContext=source_context,
    requirePlanApproval=st.booleans(),
    automationMode=mode,
    createTime=timestamp,
    updateTime=timestamp,
    state=state,
    url=text,
    outputs=array(session_output),
    archived=st.booleans(),
)
artifact = obj(
    changeSet=change_set,
    media=obj(data=text, mimeType=text),
    bashOutput=obj(command=text, output=text, exitCode=st.integers(-1, 255)),
)
plan = obj(
    id=text,
    steps=array(obj(id=text, title=text, description=text, index=st.integers(0, 50))),
    createTime=timestamp,
)
activity = obj(
    name=text,
    id=text,
    description=text,
    createTime=timestamp,
    originator=st.sampled_from(["user", "agent", "system"]) | text,
    artifacts=array(artifact),
    agentMessaged=obj(agentMessage=text),
    userMessaged=obj(userMessage=text),
    planGenerated=obj(plan=plan),
    planApproved=obj(planId=text),
    progressUpdated=obj(title=text, description=text),
    sessionCompleted=obj(),
    sessionFailed=obj(reason=text),
    inquiryAsked=obj(inquiry=text),
)
branch = obj(displayName=text)
source = obj(
    name=text,
    id=text,
    githubRepo=obj(
        owner=text,
        repo=text,
        isPrivate=st.booleans(),
        defaultBranch=branch,
        branches=array(branch),
    ),
)
error_envelope = obj(
    error=obj(
        code=st.integers(100, 599),
        message=text,
        status=text,
        details=array(
            obj(
                **{"@type": st.sampled_from(["type.googleapis.com/google.rpc.BadRequest"]) | text},
                fieldViolations=array(obj(field=text, description=text)),
                reason=text,
                retryDelay=text,
            )
        ),
    )
)

SESSION_OUTPUT_KINDS = {"pullRequest", "changeSet", "unknown"}
ARTIFACT_KINDS = {"changeSet", "media", "bashOutput", "unknown"}
ACTIVITY_KINDS = {
    "agentMessaged",
    "userMessaged",
    "planGenerated",
    "planApproved",
    "progressUpdated",
    "sessionCompleted",
    "sessionFailed",
    "unknown",
}


def _aware_or_none(value: datetime | None) -> bool:
    return value is None or value.tzinfo is not None


def _check_session(parsed: Session) -> None:
    assert isinstance(parsed.state, SessionState)
    assert isinstance(parsed.automation_mode, AutomationMode)
    assert isinstance(parsed.id, str)
    assert _aware_or_none(parsed.create_time)
    assert _aware_or_none(parsed.update_time)
    assert {output.kind for output in parsed.outputs} <= SESSION_OUTPUT_KINDS
    assert parsed.pull_request is None or parsed.pull_request.url != ""


@SETTINGS
@given(session)
def test_session__parser_never_crashes(raw: dict[str, Any]) -> None:
    _check_session(Session.model_validate(raw))


@SETTINGS
@given(obj(sessions=array(session), nextPageToken=text))
def test_list_sessions_response__parser_never_crashes(raw: dict[str, Any]) -> None:
    page = ListSessionsResponse.model_validate(raw)

    assert isinstance(page.next_page_token, str)
    for parsed in page.sessions:
        _check_session(parsed)


@SETTINGS
@given(obj(activities=array(activity), nextPageToken=text))
def test_list_activities_response__parser_never_crashes(raw: dict[str, Any]) -> None:
    page = ListActivitiesResponse.model_validate(raw)

    for parsed in page.activities:
        assert parsed.kind in ACTIVITY_KINDS
        assert _aware_or_none(parsed.create_time)
        assert {a.kind for a in parsed.artifacts} <= ARTIFACT_KINDS
        if parsed.plan_generated is not None and parsed.plan_generated.plan is not None:
            assert all(isinstance(step.index, int) for step in parsed.plan_generated.plan.steps)


@SETTINGS
@given(activity)
def test_activity__kind_matches_first_present_member(raw: dict[str, Any]) -> None:
    parsed = Activity.model_validate(raw)
    present = [k for k in sorted(ACTIVITY_KINDS - {"unknown"}) if isinstance(raw.get(k), dict)]

    assert (parsed.kind == "unknown") == (not present)
    assert parsed.kind == "unknown" or parsed.kind in present


@SETTINGS
@given(obj(sources=array(source), nextPageToken=text))
def test_list_sources_response__parser_never_crashes(raw: dict[str, Any]) -> None:
    page = ListSourcesResponse.model_validate(raw)

    for parsed in page.sources:
        assert isinstance(parsed, Source)
        assert parsed.github_repo is None or isinstance(parsed.github_repo.is_private, bool)


@SETTINGS
@given(error_envelope)
def test_error_envelope__parser_never_crashes(raw: dict[str, Any]) -> None:
    parsed = ErrorEnvelope.model_validate(raw)

    assert parsed.error is None or isinstance(parsed.error.code, int)


@SETTINGS
@given(text.filter(lambda s: s not in SessionState.__members__ and s != ""))
def test_session_state__any_other_string_is_unknown(raw: str) -> None:
    assert Session.model_validate({"state": raw}).state is SessionState.UNKNOWN


@SETTINGS
@given(st.datetimes(timezones=st.just(UTC)))
def test_timestamp__format_then_parse_round_trips(moment: datetime) -> None:
    assert parse_timestamp(format_timestamp(moment)) == moment


@SETTINGS
@given(timestamps())
def test_timestamp__generated_rfc3339_always_parses(raw: str) -> None:
    parsed = parse_timestamp(raw)

    assert parsed is not None
    assert parsed.tzinfo is UTC
    assert format_timestamp(parsed)[:19] == raw[:19]
