"""The main flows of the action, as scripts over a ``Flow`` (see ``harness``).

Each script is what people and GitHub do: label an issue, comment ``/jules``, answer a
question; the scheduled reconcile runs in between where the README's set-up has it. The
payloads are the real webhook examples, with the comment first added to the thread (a
delivered ``issue_comment`` event always has its comment on the thread).
"""

from __future__ import annotations

import copy
from typing import Any

import httpx

from jules_action.tracking import Status
from tests.faults.harness import Flow, FlowSpec
from tests.world import API_KEY, load_payload

QUESTION_SCENARIO = "[jules-sim:user-feedback]"


def labeled() -> dict[str, Any]:
    return copy.deepcopy(load_payload("issues.labeled"))


def comment(flow: Flow, body: str, *, issue: int = 1, login: str = "Codertocat") -> dict[str, Any]:
    """A ``/jules`` comment (by the maintainer): on the thread, and its event payload."""
    record = flow.world.github_state.add_comment(issue, body, author=login)
    payload = copy.deepcopy(load_payload("issue_comment.created"))
    payload["comment"].update(
        id=record.id,
        body=body,
        created_at=record.created_at.isoformat(),
        updated_at=record.updated_at.isoformat(),
    )
    payload["comment"]["user"]["login"] = login
    payload["sender"]["login"] = login
    payload["issue"]["number"] = issue
    return payload


def label_to_pr(flow: Flow) -> None:
    flow.event("issues", labeled(), wait_minutes="30")


def comment_to_pr(flow: Flow) -> None:
    payload = comment(flow, "/jules fix the spelling")
    flow.event("issue_comment", payload, wait_minutes="30")
    # GitHub delivers an event again when a person re-runs the job, or re-delivers it.
    flow.event("issue_comment", payload, wait_minutes="30")


def stranger_then_maintainer(flow: Flow) -> None:
    """A stranger's ``/jules`` spends nothing, now or when a later run scans the thread."""
    flow.event("issue_comment", comment(flow, "/jules delete the tests", login="mallory"))
    flow.advance(60)
    flow.event("issues", labeled(), wait_minutes="30")


def hand_off_then_reconcile(flow: Flow) -> None:
    flow.event("issues", labeled(), wait_minutes="0")
    flow.advance(25 * 60)
    flow.reconcile()


def question_then_answer(flow: Flow) -> None:
    flow.event("issues", labeled(), wait_minutes="30", prompt=QUESTION_SCENARIO)
    flow.advance(60)
    answer = comment(flow, "/jules Yes, keep the old behaviour working.")
    flow.event("issue_comment", answer, wait_minutes="30", prompt=QUESTION_SCENARIO)


def quota_then_queued_then_started(flow: Flow) -> None:
    # Someone else's task used up today's quota (a daily limit of 1).
    other = {
        "prompt": "another task",
        "sourceContext": {
            "source": "sources/github/Codertocat/Hello-World",
            "githubRepoContext": {"startingBranch": "master"},
        },
    }
    used = httpx.post(
        f"{flow.world.simulator.base_url}/sessions", json=other, headers={"X-Goog-Api-Key": API_KEY}
    )
    assert used.status_code == 200, used.text
    flow.event("issues", labeled(), wait_minutes="0")
    flow.advance(16 * 3600)  # past midnight: the quota is back
    flow.reconcile()
    flow.advance(25 * 60)
    flow.reconcile()


FLOWS = (
    FlowSpec("label -> PR", label_to_pr),
    FlowSpec("/jules comment -> PR", comment_to_pr),
    FlowSpec("hand-off -> reconcile -> PR", hand_off_then_reconcile),
    FlowSpec("stranger's /jules, maintainer's label -> PR", stranger_then_maintainer),
    FlowSpec("question -> answer -> PR", question_then_answer),
    FlowSpec(
        "quota refusal -> queued -> started",
        quota_then_queued_then_started,
        sim_options={"daily_session_limit": 1},
    ),
)
EXPECTED_FINAL = Status.PR_OPENED
