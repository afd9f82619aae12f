"""decide_trigger: which events start Jules, with what request key, and why others are skipped."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from jules_action.events import Event, parse_event
from jules_action.triggers import Skip, Trigger, decide_trigger

PAYLOADS = Path(__file__).parent.parent / "payloads" / "github"


def event(file: str, **changes: Any) -> Event:
    parsed = parse_event(file.split(".")[0], (PAYLOADS / file).read_bytes())
    return replace(parsed, **changes)


def comment_event(body: str, *, file: str = "issue_comment.created.json") -> Event:
    payload = json.loads((PAYLOADS / file).read_bytes())
    payload["comment"]["body"] = body
    return parse_event("issue_comment", json.dumps(payload).encode())


def decide(ev: Event, *, prompt: str = "", run_id: str = "") -> Trigger | Skip:
    return decide_trigger(
        ev, trigger_label="Jules-Task", trigger_phrase="/jules", prompt=prompt, run_id=run_id
    )


def test_decide_trigger__label_matches_case_insensitively() -> None:
    ev = event("issues.labeled.json", label="jules-task")
    trigger = decide(ev)
    assert isinstance(trigger, Trigger)
    assert trigger.kind == "label"
    assert trigger.instructions == ""
    assert trigger.actor is not None
    assert trigger.actor.login == "Codertocat"
    assert trigger.issue is ev.issue
    assert trigger.comment is None
    assert trigger.request_key == "label:1:jules-task:2019-05-15T15:20:18+00:00"
    assert trigger.requested_at == datetime(2019, 5, 15, 15, 20, 18, tzinfo=UTC)
    assert trigger.default_branch == "master"
    assert trigger.on_pull_request is False


def test_decide_trigger__relabelling_makes_a_new_request() -> None:
    first = decide(event("issues.labeled.json", label="jules-task"))
    ev = event("issues.labeled.json", label="jules-task")
    assert ev.issue is not None
    later = replace(ev, issue=replace(ev.issue, updated_at=datetime(2026, 1, 1, tzinfo=UTC)))
    second = decide(later)
    assert isinstance(first, Trigger)
    assert isinstance(second, Trigger)
    assert first.request_key != second.request_key


def test_decide_trigger__other_label_is_skipped() -> None:
    assert decide(event("issues.labeled.json")) == Skip(
        "label 'bug' is not the trigger label 'Jules-Task'"
    )


def test_decide_trigger__comment_on_an_issue() -> None:
    trigger = decide(comment_event("Thanks.\n\n/jules add a regression test"))
    assert isinstance(trigger, Trigger)
    assert trigger.kind == "comment"
    assert trigger.instructions == "add a regression test"
    assert trigger.comment is not None
    assert trigger.request_key == f"comment:{trigger.comment.id}" == "comment:492700400"
    assert trigger.requested_at == trigger.comment.created_at
    assert trigger.on_pull_request is False


def test_decide_trigger__comment_on_a_pull_request() -> None:
    trigger = decide(event("issue_comment.created.pr.json"))
    assert isinstance(trigger, Trigger)
    assert trigger.kind == "comment"
    assert trigger.instructions == "fix the flaky test"
    assert trigger.on_pull_request is True


def test_decide_trigger__comment_without_the_phrase_is_skipped() -> None:
    assert decide(event("issue_comment.created.json")) == Skip(
        "comment does not start a paragraph with /jules"
    )


def test_decide_trigger__quoted_phrase_is_skipped() -> None:
    assert isinstance(decide(comment_event("> /jules fix")), Skip)


def test_decide_trigger__edited_comment_is_skipped() -> None:
    ev = event("issue_comment.edited.json")
    assert ev.comment is not None
    ev = replace(ev, comment=replace(ev.comment, body="/jules fix"))
    assert decide(ev) == Skip("comment was edited, only new comments trigger")


@pytest.mark.parametrize(
    ("file", "kind", "key"),
    [
        ("schedule.json", "schedule", "schedule:42"),
        ("workflow_dispatch.json", "dispatch", "dispatch:42"),
    ],
)
def test_decide_trigger__schedule_and_dispatch_use_the_prompt(
    file: str, kind: str, key: str
) -> None:
    trigger = decide(event(file), prompt="  Update the changelog.\n", run_id="42")
    assert isinstance(trigger, Trigger)
    assert trigger.kind == kind
    assert trigger.instructions == "Update the changelog."
    assert trigger.issue is None
    assert trigger.request_key == key
    assert trigger.default_branch == "master"


def test_decide_trigger__dispatch_keeps_the_ref() -> None:
    trigger = decide(event("workflow_dispatch.json"), prompt="x")
    assert isinstance(trigger, Trigger)
    assert trigger.ref == "refs/heads/master"
    assert trigger.request_key == "dispatch:refs/heads/master"


def test_decide_trigger__minimal_schedule_without_run_id_keys_on_the_cron() -> None:
    trigger = decide(parse_event("schedule", b'{"schedule": "0 3 * * *"}'), prompt="x")
    assert isinstance(trigger, Trigger)
    assert trigger.request_key == "schedule:0 3 * * *"
    assert trigger.actor is None
    assert trigger.default_branch is None


@pytest.mark.parametrize("name", ["schedule", "workflow_dispatch"])
def test_decide_trigger__schedule_and_dispatch_without_prompt_are_skipped(name: str) -> None:
    skip = decide(Event(name=name), prompt="   ")
    assert skip == Skip(
        f"a {name} run needs a task: set the `prompt` input to what Jules should do on each run"
    )


def test_decide_trigger__other_event_without_a_prompt_is_skipped() -> None:
    skip = decide(Event(name="push"))
    assert isinstance(skip, Skip)
    assert skip.reason.startswith(
        "event 'push' is not a trigger without a task; jules-action runs on 'issues'"
    )
    assert "`prompt`" in skip.reason


def test_decide_trigger__review_comment_without_the_phrase_is_skipped() -> None:
    skip = decide(event("pull_request_review_comment.created.json"))
    assert skip == Skip("comment does not start a paragraph with /jules")


def test_decide_trigger__opened_issue_is_skipped() -> None:
    skip = decide(event("issues.opened.json"))
    assert isinstance(skip, Skip)
    assert skip.reason.startswith("'issues' action 'opened' is not a trigger")
