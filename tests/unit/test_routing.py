"""What a trigger means for the requests on the thread: every rule, as plain values."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from jules_action.events import Actor, Comment, Issue
from jules_action.github_port import CommentRecord
from jules_action.routing import (
    CLAIM_IN_FLIGHT,
    RECONCILE_RECOVERS_AFTER,
    SCAN_HORIZON,
    AlreadyHandled,
    Amend,
    Approve,
    CheckPull,
    Converse,
    Ended,
    Follow,
    LeaveQueued,
    LeaveStarting,
    NothingToApprove,
    Recover,
    Report,
    Resume,
    Start,
    awaits_approval,
    reconcile_may_recover,
    resume,
    route,
    unhandled_commands,
    winner,
)
from jules_action.tracking import Status, Tracked, TrackingState
from jules_action.triggers import Trigger

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
ISSUE = Issue(1, "Typo", "two t's", "https://github.com/o/r/issues/1", Actor("author"))
PULL = Issue(2, "PR", "", "https://github.com/o/r/pull/2", Actor("author"), is_pull_request=True)


def tracked(
    request: str = "label:1:jules-task:t",
    *,
    status: Status = Status.RUNNING,
    session_id: str = "123",
    comment_id: int = 10,
    age: timedelta = timedelta(minutes=30),
    **fields: object,
) -> Tracked:
    stamp = T0 - age
    record = CommentRecord(comment_id, "", "github-actions[bot]", "Bot", stamp, stamp)
    state = TrackingState(request, 1, status=status, session_id=session_id, **fields)
    return Tracked(record, state)


def label() -> Trigger:
    return Trigger("label", "", Actor("maint"), ISSUE, None, None, "label:1:jules-task:t2")


def said(text: str, *, comment_id: int = 500, issue: Issue = ISSUE) -> Trigger:
    comment = Comment(comment_id, f"/jules {text}", Actor("maint"), T0, T0)
    return Trigger("comment", text, Actor("maint"), issue, comment, None, f"comment:{comment_id}")


# --- route ---------------------------------------------------------------------------------


def test_route__a_new_issue_starts_a_request() -> None:
    assert route(label(), []) == Start()


def test_route__the_same_request_key_resumes_that_request_whatever_its_state() -> None:
    done = tracked("comment:500", status=Status.PR_OPENED)
    assert route(said("fix it"), [done]) == Resume(done)


def test_route__a_redelivered_reply_is_already_handled_not_sent_again() -> None:
    request = tracked(handled=(500,))
    assert route(said("use two t's"), [request]) == AlreadyHandled(request)


def test_route__a_reply_goes_to_the_open_requests_session() -> None:
    request = tracked()
    assert route(said("use two t's"), [request]) == Converse(request, "use two t's")


def test_route__a_reply_before_the_session_exists_joins_the_request() -> None:
    queued = tracked(status=Status.QUEUED, session_id="")
    assert route(said("also the docs"), [queued]) == Amend(queued, "also the docs")


def test_route__approve_approves_only_a_waiting_plan() -> None:
    waiting = tracked(status=Status.NEEDS_INPUT, state="AWAITING_PLAN_APPROVAL")
    running = tracked(state="IN_PROGRESS")
    assert route(said("approve"), [waiting]) == Approve(waiting)
    assert route(said("approve"), [running]) == NothingToApprove(running)
    assert route(said("approve"), []) == NothingToApprove(None)


def test_route__completed_with_a_plan_never_approved_still_awaits_approval() -> None:
    """A live-API quirk: COMPLETED, no outputs, while the plan waits."""
    state = tracked(state="COMPLETED", require_plan_approval=True).state
    assert awaits_approval(state)
    assert not awaits_approval(replace(state, approved=True))
    assert not awaits_approval(replace(state, require_plan_approval=False))


def test_route__a_label_on_an_open_request_resumes_it() -> None:
    request = tracked()
    assert route(label(), [request]) == Resume(request)


def test_route__a_label_after_a_finished_request_reports_it_and_starts_nothing() -> None:
    done = tracked(status=Status.PR_OPENED)
    dup = tracked(status=Status.DUPLICATE, comment_id=11)
    assert route(label(), [done, dup]) == Report(done)


def test_route__a_new_comment_after_a_finished_request_starts_a_new_one() -> None:
    assert route(said("again"), [tracked(status=Status.NO_PR)]) == Start()


def test_route__a_comment_on_a_pull_request_asks_jules_whose_pr_it_is() -> None:
    assert route(said("more tests", issue=PULL), []) == CheckPull()


# --- resume --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (timedelta(seconds=30), LeaveStarting("Another run is starting this request.")),
        (CLAIM_IN_FLIGHT, Recover()),
        (RECONCILE_RECOVERS_AFTER - CLAIM_IN_FLIGHT - timedelta(seconds=1), Recover()),
        (
            RECONCILE_RECOVERS_AFTER - CLAIM_IN_FLIGHT,
            LeaveStarting(
                "This request's start was interrupted; the reconcile workflow recovers it."
            ),
        ),
    ],
    ids=["in-flight", "just-stale", "still-the-runs", "the-reconcilers"],
)
def test_resume__a_claim_without_a_session_by_its_age(age: timedelta, expected: object) -> None:
    claim = tracked(status=Status.STARTING, session_id="", age=age, claim="41.1")
    assert resume(claim, now=T0, run_id="99") == expected


def test_resume__a_rerun_attempt_recovers_its_own_claim_at_once() -> None:
    """Attempts of one run follow each other: attempt 1 is over when attempt 2 runs."""
    claim = tracked(status=Status.STARTING, session_id="", age=timedelta(seconds=5), claim="41.1")
    assert resume(claim, now=T0, run_id="41") == Recover()


def test_resume__ended_queued_and_running_requests() -> None:
    assert resume(tracked(status=Status.FAILED), now=T0, run_id="1") == Ended()
    assert resume(tracked(status=Status.QUEUED, session_id=""), now=T0, run_id="1") == (
        LeaveQueued()
    )
    assert resume(tracked(), now=T0, run_id="1") == Follow()


def test_reconcile_may_recover__only_claims_older_than_the_window() -> None:
    old = tracked(status=Status.STARTING, session_id="", age=RECONCILE_RECOVERS_AFTER * 2)
    young = tracked(status=Status.STARTING, session_id="", age=RECONCILE_RECOVERS_AFTER / 2)
    assert reconcile_may_recover(old, now=T0)
    assert not reconcile_may_recover(young, now=T0)
    assert not reconcile_may_recover(tracked(age=RECONCILE_RECOVERS_AFTER * 2), now=T0)


# --- races ---------------------------------------------------------------------------------


def test_winner__the_lowest_open_claim_proceeds() -> None:
    first = tracked(status=Status.STARTING, comment_id=7)
    second = tracked(status=Status.STARTING, comment_id=9)
    given_up = tracked(status=Status.DUPLICATE, comment_id=3)
    assert winner([second, given_up, first]) == first
    assert winner([given_up]) is None


# --- dropped events ------------------------------------------------------------------------


def record(
    comment_id: int,
    body: str,
    *,
    at: datetime,
    login: str = "maint",
    kind: str = "User",
    edited: bool = False,
) -> CommentRecord:
    later = at + timedelta(minutes=1) if edited else at
    return CommentRecord(comment_id, body, login, kind, at, later)


def test_unhandled_commands__finds_trigger_comments_no_run_took() -> None:
    request = tracked("comment:20", handled=(30,), age=timedelta(hours=1))
    comments = [
        record(5, "/jules before the action worked here", at=T0 - timedelta(hours=2)),
        record(20, "/jules the request itself", at=T0 - timedelta(minutes=50)),
        record(30, "/jules a reply already sent", at=T0 - timedelta(minutes=40)),
        record(40, "/jules dropped by GitHub", at=T0 - timedelta(minutes=30)),
        record(41, "just a remark", at=T0 - timedelta(minutes=29)),
        record(42, "/jules edited after", at=T0 - timedelta(minutes=28), edited=True),
        record(43, "/jules from a bot", at=T0 - timedelta(minutes=27), kind="Bot"),
        record(44, "/jules this run's own trigger", at=T0 - timedelta(minutes=1)),
    ]
    found = unhandled_commands(
        comments, [request], phrase="/jules", now=T0, is_own=lambda c: False, skip=44
    )
    assert [c.id for c in found] == [40]


def test_unhandled_commands__none_without_a_request_or_past_the_horizon() -> None:
    old_request = tracked(age=SCAN_HORIZON * 3)
    stale = record(40, "/jules long ago", at=T0 - SCAN_HORIZON * 2)
    assert unhandled_commands([stale], [], phrase="/jules", now=T0, is_own=lambda c: False) == []
    assert (
        unhandled_commands([stale], [old_request], phrase="/jules", now=T0, is_own=lambda c: False)
        == []
    )
