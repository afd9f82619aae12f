"""Unit tests for jules_action.jules_models: parsing the reference samples and proto3 defaults."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from jules_action.jules_models import (
    Activity,
    AutomationMode,
    CreateSessionRequest,
    ErrorEnvelope,
    GitHubRepoContext,
    ListActivitiesResponse,
    ListSessionsResponse,
    ListSourcesResponse,
    PlanStep,
    Session,
    SessionOutput,
    SessionState,
    Source,
    SourceContext,
    format_timestamp,
    parse_timestamp,
)

PAYLOADS = Path(__file__).parent.parent / "payloads" / "jules"


def load_payload(name: str) -> Any:
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


def test_session__minimal_create_response_uses_proto3_defaults() -> None:
    session = Session.model_validate(load_payload("session.create.minimal.json"))

    assert session.id == "31415926535897932384"
    assert session.name == "sessions/31415926535897932384"
    assert session.state is SessionState.STATE_UNSPECIFIED
    assert session.create_time is None
    assert session.url == ""
    assert session.outputs == []
    assert session.pull_request is None
    assert session.source_context is not None
    assert session.source_context.github_repo_context == GitHubRepoContext(starting_branch="main")


def test_session__full_create_response() -> None:
    session = Session.model_validate(load_payload("session.create.full.json"))

    assert session.state is SessionState.QUEUED
    assert session.url == "https://jules.google.com/session/1234567"
    assert session.create_time == datetime(2025, 10, 3, 5, 43, 42, 801654, tzinfo=UTC)


def test_session__completed_with_outputs() -> None:
    session = Session.model_validate(load_payload("session.completed.json"))

    assert session.state is SessionState.COMPLETED
    assert [output.kind for output in session.outputs] == ["changeSet", "pullRequest"]
    assert session.pull_request is not None
    assert session.pull_request.url == "https://github.com/octo-org/boba/pull/35"
    assert session.pull_request.base_ref == "main"
    assert session.pull_request.head_ref.endswith("31415926535897932384")
    change_set = session.outputs[0].change_set
    assert change_set is not None
    assert change_set.git_patch is not None
    assert change_set.git_patch.suggested_commit_message == "Add boba app"
    assert session.update_time == datetime(2025, 10, 3, 6, 2, 11, 500000, tzinfo=UTC)


def test_session__pull_request_skips_outputs_without_url() -> None:
    session = Session.model_validate(
        {
            "outputs": [
                {"pullRequest": {"title": "no url yet"}},
                {"somethingNew": {"x": 1}},
                {"pullRequest": {"url": "https://github.com/o/r/pull/2"}},
            ]
        }
    )

    assert session.pull_request is not None
    assert session.pull_request.url == "https://github.com/o/r/pull/2"
    assert [output.kind for output in session.outputs] == ["pullRequest", "unknown", "pullRequest"]


@pytest.mark.parametrize("state", [s for s in SessionState if s is not SessionState.UNKNOWN])
def test_session_state__every_wire_value_parses(state: SessionState) -> None:
    assert Session.model_validate({"state": state.value}).state is state


@pytest.mark.parametrize("raw", ["ACTIVE", "SUCCEEDED", "completed", 3, True, {"a": 1}, ["X"]])
def test_session_state__unrecognised_value_is_unknown(raw: object) -> None:
    assert Session.model_validate({"state": raw}).state is SessionState.UNKNOWN


@pytest.mark.parametrize("raw", [None, ""])
def test_session_state__null_or_empty_is_unspecified(raw: object) -> None:
    assert Session.model_validate({"state": raw}).state is SessionState.STATE_UNSPECIFIED


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("AUTO_CREATE_PR", AutomationMode.AUTO_CREATE_PR),
        (None, AutomationMode.AUTOMATION_MODE_UNSPECIFIED),
        ("MANUAL", AutomationMode.UNKNOWN),
    ],
)
def test_automation_mode__parses_leniently(raw: object, expected: AutomationMode) -> None:
    assert Session.model_validate({"automationMode": raw}).automation_mode is expected


def test_activities__all_seven_kinds_from_sample() -> None:
    page = ListActivitiesResponse.model_validate(load_payload("activities.list.json"))

    assert [activity.kind for activity in page.activities] == [
        "planGenerated",
        "planApproved",
        "progressUpdated",
        "agentMessaged",
        "userMessaged",
        "sessionCompleted",
        "sessionFailed",
    ]
    assert page.next_page_token == "1759568400000000000"


def test_activities__member_fields_and_proto3_omissions() -> None:
    planned, approved, progress, asked, answered, done, failed = (
        ListActivitiesResponse.model_validate(load_payload("activities.list.json")).activities
    )

    assert planned.plan_generated is not None
    plan = planned.plan_generated.plan
    assert plan is not None
    assert [step.index for step in plan.steps] == [0, 1]
    assert plan.create_time == datetime(2025, 10, 3, 5, 43, 50, 100000, tzinfo=UTC)
    assert approved.plan_approved is not None
    assert approved.plan_approved.plan_id == plan.id
    assert approved.originator == "user"
    assert approved.create_time == datetime(2025, 10, 3, 5, 44, 1, tzinfo=UTC)
    assert progress.description == ""
    assert [artifact.kind for artifact in progress.artifacts] == ["bashOutput", "media"]
    bash = progress.artifacts[0].bash_output
    assert bash is not None
    assert bash.exit_code == 0
    media = progress.artifacts[1].media
    assert media is not None
    assert media.mime_type == "image/png"
    assert asked.agent_messaged is not None
    assert asked.agent_messaged.agent_message == "Should the app be corgi themed?"
    assert answered.user_messaged is not None
    assert answered.user_messaged.user_message.startswith("Yes")
    assert done.session_completed is not None
    assert [artifact.kind for artifact in done.artifacts] == ["changeSet"]
    assert failed.session_failed is not None
    assert failed.session_failed.reason == "The repository could not be cloned."


def test_activity__unknown_member_is_unknown_kind() -> None:
    activity = Activity.model_validate(
        {"id": "a", "inquiryAsked": {"inquiry": "?"}, "artifacts": [{"hologram": {}}]}
    )

    assert activity.kind == "unknown"
    assert [artifact.kind for artifact in activity.artifacts] == ["unknown"]


def test_activity__empty_session_completed_is_present() -> None:
    assert Activity.model_validate({"sessionCompleted": {}}).kind == "sessionCompleted"


def test_sources__sample_with_omitted_fields() -> None:
    page = ListSourcesResponse.model_validate(load_payload("sources.list.json"))

    boba, tea = page.sources
    assert boba.github_repo is not None
    assert boba.github_repo.is_private is True
    assert boba.github_repo.default_branch is not None
    assert boba.github_repo.default_branch.display_name == "main"
    assert [branch.display_name for branch in boba.github_repo.branches] == [
        "main",
        "feature/corgi",
    ]
    assert tea.github_repo is not None
    assert tea.github_repo.is_private is False
    assert tea.github_repo.default_branch is None
    assert tea.github_repo.branches == []
    assert page.next_page_token == "github/octo-org/zen"


def test_list_responses__empty_object_is_empty_last_page() -> None:
    assert ListSessionsResponse.model_validate({}).sessions == []
    assert ListSessionsResponse.model_validate({}).next_page_token == ""
    assert ListActivitiesResponse.model_validate({}).activities == []
    assert ListSourcesResponse.model_validate({}).sources == []


def test_models__are_frozen_and_ignore_unknown_keys() -> None:
    source = Source.model_validate({"name": "sources/github/o/r", "displayName": "x"})

    with pytest.raises(ValueError, match="frozen"):
        source.name = "other"  # type: ignore[misc]
    assert "displayName" not in source.model_dump(by_alias=True)


def test_models__accept_snake_case_names() -> None:
    assert PlanStep(id="s", title="t", index=2).index == 2
    assert Session.model_validate({"create_time": "2025-01-01T00:00:00Z"}).create_time is not None


@pytest.mark.parametrize(
    ("payload", "field", "expected"),
    [
        ({"id": 123}, "id", "123"),
        ({"id": None}, "id", ""),
        ({"id": ["x"]}, "id", ""),
        ({"archived": "true"}, "archived", True),
        ({"archived": "yes"}, "archived", False),
        ({"archived": 1}, "archived", False),
        ({"sourceContext": "sources/github/o/r"}, "source_context", None),
        ({"outputs": {"pullRequest": {}}}, "outputs", []),
        ({"outputs": [1, "x", None]}, "outputs", []),
    ],
)
def test_session__wrong_typed_leaves_fall_back(
    payload: dict[str, object], field: str, expected: object
) -> None:
    assert getattr(Session.model_validate(payload), field) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(3, 3), ("4", 4), (" -5 ", -5), (2.0, 2), (2.5, 0), ("two", 0), (True, 0), (None, 0)],
)
def test_plan_step__index_is_lenient_int(raw: object, expected: int) -> None:
    assert PlanStep.model_validate({"index": raw}).index == expected


def test_session__non_object_top_level_raises() -> None:
    with pytest.raises(ValueError, match="Session"):
        Session.model_validate(["not", "an", "object"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2014-10-02T15:01:23Z", datetime(2014, 10, 2, 15, 1, 23, tzinfo=UTC)),
        ("2014-10-02T15:01:23.045Z", datetime(2014, 10, 2, 15, 1, 23, 45000, tzinfo=UTC)),
        ("2014-10-02T15:01:23.045123Z", datetime(2014, 10, 2, 15, 1, 23, 45123, tzinfo=UTC)),
        ("2014-10-02T15:01:23.045123456Z", datetime(2014, 10, 2, 15, 1, 23, 45123, tzinfo=UTC)),
        ("2014-10-02T15:01:23+05:30", datetime(2014, 10, 2, 9, 31, 23, tzinfo=UTC)),
        ("2014-10-02t15:01:23z", datetime(2014, 10, 2, 15, 1, 23, tzinfo=UTC)),
    ],
)
def test_parse_timestamp__rfc3339_forms(text: str, expected: datetime) -> None:
    parsed = parse_timestamp(text)

    assert parsed == expected
    assert parsed is not None
    assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yesterday",
        "2014-10-02",
        "2014-10-02T15:01:23",
        "2014-13-02T15:01:23Z",
        "2014-10-02T25:01:23Z",
        "2014-10-02T15:01:60Z",
        "0000-01-01T00:00:00Z",
        "0001-01-01T00:00:00+01:00",
        1_412_262_083,
        None,
    ],
)
def test_parse_timestamp__malformed_is_none(text: object) -> None:
    assert parse_timestamp(text) is None


def test_session__malformed_timestamp_does_not_fail_the_object() -> None:
    session = Session.model_validate(
        {"id": "1", "state": "IN_PROGRESS", "createTime": "not a time", "updateTime": 17}
    )

    assert session.create_time is None
    assert session.update_time is None
    assert session.state is SessionState.IN_PROGRESS


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2025, 10, 3, 5, 43, 42, 801654, tzinfo=UTC), "2025-10-03T05:43:42.801654Z"),
        (datetime(2025, 10, 3, 5, 43, 42, tzinfo=UTC), "2025-10-03T05:43:42Z"),
        (
            datetime(2025, 10, 3, 7, 43, 42, tzinfo=timezone(timedelta(hours=2))),
            "2025-10-03T05:43:42Z",
        ),
        (datetime(2025, 10, 3, 5, 43, 42), "2025-10-03T05:43:42Z"),
    ],
)
def test_format_timestamp__utc_z(value: datetime, expected: str) -> None:
    assert format_timestamp(value) == expected


def test_create_session_request__wire_dict_is_camel_case_without_unset_fields() -> None:
    request = CreateSessionRequest(
        prompt="Fix #1",
        source_context=SourceContext(
            source="sources/github/o/r",
            github_repo_context=GitHubRepoContext(starting_branch="develop"),
        ),
        automation_mode=AutomationMode.AUTO_CREATE_PR,
    )

    assert request.to_wire() == {
        "prompt": "Fix #1",
        "sourceContext": {
            "source": "sources/github/o/r",
            "githubRepoContext": {"startingBranch": "develop"},
        },
        "automationMode": "AUTO_CREATE_PR",
    }


def test_create_session_request__all_fields() -> None:
    request = CreateSessionRequest(
        prompt="p", title="t", require_plan_approval=False, automation_mode=None
    )

    assert request.to_wire() == {"prompt": "p", "title": "t", "requirePlanApproval": False}


def test_create_session_request__repoless_omits_source_context() -> None:
    assert CreateSessionRequest(prompt="p").to_wire() == {"prompt": "p"}


def test_session__keeps_discovery_document_fields() -> None:
    # Fields the official SDK types from the discovery document (drift report 2026-02-22).
    session = Session.model_validate(
        {
            "id": "1",
            "archived": True,
            "requirePlanApproval": True,
            "automationMode": "AUTO_CREATE_PR",
            "sourceContext": {
                "source": "sources/github/o/r",
                "githubRepoContext": {"startingBranch": "main"},
                "workingBranch": "fix-the-bug-1",
                "environmentVariablesEnabled": True,
            },
        }
    )

    assert session.archived is True
    assert session.require_plan_approval is True
    assert session.automation_mode is AutomationMode.AUTO_CREATE_PR
    assert session.source_context is not None
    assert session.source_context.working_branch == "fix-the-bug-1"
    assert session.source_context.environment_variables_enabled is True


def test_source_context__output_only_defaults_are_never_sent() -> None:
    context = SourceContext(source="sources/github/o/r")
    request = CreateSessionRequest(prompt="p", source_context=context)

    assert request.to_wire() == {"prompt": "p", "sourceContext": {"source": "sources/github/o/r"}}
    assert context.working_branch == ""
    assert context.environment_variables_enabled is False


def test_activity__live_shape_without_bash_output() -> None:
    # The live API no longer returns bashOutput artifacts (SDK commit fcd54b5): progress
    # updates come without artifacts, and the final patch is the only artifact.
    items = ListActivitiesResponse.model_validate(
        {
            "activities": [
                {"name": "sessions/1/activities/a", "progressUpdated": {"title": "Tests"}},
                {
                    "name": "sessions/1/activities/b",
                    "sessionCompleted": {},
                    "artifacts": [{"changeSet": {"gitPatch": {"unidiffPatch": "diff"}}}],
                },
            ]
        }
    ).activities

    assert [a.kind for a in items] == ["progressUpdated", "sessionCompleted"]
    assert items[0].artifacts == []
    assert [artifact.kind for artifact in items[1].artifacts] == ["changeSet"]


def test_session_output__kind_of_empty_output_is_unknown() -> None:
    assert SessionOutput().kind == "unknown"


def test_error_envelope__bad_request_details() -> None:
    envelope = ErrorEnvelope.model_validate(load_payload("error.invalid_argument.json"))

    assert envelope.error is not None
    assert envelope.error.code == 400
    assert envelope.error.status == "INVALID_ARGUMENT"
    (detail,) = envelope.error.details
    assert detail.type == "type.googleapis.com/google.rpc.BadRequest"
    assert [v.field for v in detail.field_violations] == ["session.automation_mode"]


def test_error_envelope__garbage_is_empty() -> None:
    assert ErrorEnvelope.model_validate({"error": "boom"}).error is None
