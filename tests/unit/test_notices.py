"""Which events deserve a notice, and the notice's marker; pure."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from jules_action import notices
from jules_action.github_port import CommentRecord
from jules_action.tracking import MarkerCodec, Status, TrackingState

CODEC = MarkerCodec("k")
BASE = TrackingState("label:1:x", 1, actor="alice", session_id="9")


def test_notice_key__one_per_question_plan_pause_and_one_for_the_end() -> None:
    question = replace(BASE, status=Status.NEEDS_INPUT, need="question", need_id="a1")
    assert notices.notice_key(question) == "question:a1"
    assert notices.notice_key(replace(question, need_id="a2")) == "question:a2"
    assert notices.notice_key(
        replace(BASE, status=Status.NEEDS_INPUT, need="plan", need_id="p")
    ) == ("plan:p")
    for status in (Status.PR_OPENED, Status.NO_PR, Status.FAILED, Status.ERROR):
        assert notices.notice_key(replace(BASE, status=status)) == "end"
    for status in (Status.STARTING, Status.QUEUED, Status.RUNNING, Status.DUPLICATE):
        assert notices.notice_key(replace(BASE, status=status)) == ""


def test_due__until_the_key_is_recorded() -> None:
    ended = replace(BASE, status=Status.PR_OPENED)
    assert notices.due(ended)
    assert not notices.due(replace(ended, notified="end"))
    asked = replace(BASE, status=Status.NEEDS_INPUT, need="question", need_id="a2", notified="end")
    assert notices.due(asked)


def test_marker__binds_the_issue_the_request_and_the_key() -> None:
    ended = replace(BASE, status=Status.PR_OPENED)
    mark = notices.marker(CODEC, ended, "end")
    assert mark.startswith("<!-- jules-action:notice end ")
    assert mark.endswith(" -->")
    assert mark != notices.marker(CODEC, replace(ended, issue=2), "end")
    assert mark != notices.marker(CODEC, replace(ended, request="label:1:y"), "end")
    assert mark != notices.marker(MarkerCodec("other key"), ended, "end")


def test_find__only_a_comment_we_wrote_counts() -> None:
    mark = notices.marker(CODEC, BASE, "end")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    copy = CommentRecord(1, f"see {mark}", "mallory", "User", now, now)
    ours = CommentRecord(2, f"@alice done\n\n{mark}", "github-actions[bot]", "Bot", now, now)

    def is_ours(comment: CommentRecord) -> bool:
        return comment.author_login == "github-actions[bot]"

    assert notices.find([copy], mark, is_ours=is_ours) is None
    assert notices.find([copy, ours], mark, is_ours=is_ours) == ours


def test_mention__people_only() -> None:
    assert notices.mention("alice") == "@alice"
    assert notices.mention("renovate[bot]") == ""
    assert notices.mention("") == ""
