"""The tracking comment: signed markers round-trip, forgeries are ignored, text shows the state."""

from __future__ import annotations

from datetime import UTC, datetime

from jules_action.github_port import CommentRecord
from jules_action.tracking import MarkerCodec, Status, TrackingState, find_tracked, quote, render

T0 = datetime(2026, 11, 24, tzinfo=UTC)


def comment(cid: int, body: str, login: str = "github-actions[bot]") -> CommentRecord:
    return CommentRecord(cid, body, login, "Bot", T0, T0)


def test_marker__round_trips_through_the_rendered_comment() -> None:
    codec = MarkerCodec("key-1")
    state = TrackingState(
        request="comment:5",
        issue=7,
        status=Status.NEEDS_INPUT,
        session_id="123",
        state="AWAITING_PLAN_APPROVAL",
        plan=("Read", "Fix"),
        prompt="do it --> now <!-- x",
    )
    body = render(state, codec)
    assert codec.decode(body) == state


def test_marker__signed_with_another_key_is_ignored() -> None:
    forged = render(TrackingState(request="r", issue=1, prompt="evil"), MarkerCodec("attacker"))
    assert MarkerCodec("ours").decode(forged) is None


def test_marker__tampered_payload_is_ignored() -> None:
    codec = MarkerCodec("k")
    body = render(TrackingState(request="r", issue=1), codec)
    start = body.index("jules-action:v2 ") + len("jules-action:v2 ")
    tampered = body[:start] + ("A" if body[start] != "A" else "B") + body[start + 1 :]
    assert codec.decode(tampered) is None
    assert codec.decode("no marker here") is None


def test_find_tracked__keeps_only_our_markers_in_thread_order() -> None:
    codec = MarkerCodec("k")
    ours1 = render(TrackingState(request="a", issue=1), codec)
    ours2 = render(TrackingState(request="b", issue=1, status=Status.PR_OPENED), codec)
    forged = render(TrackingState(request="c", issue=1), MarkerCodec("x"))
    found = find_tracked(
        [comment(1, ours1), comment(2, "hello"), comment(3, forged, "mallory"), comment(4, ours2)],
        codec,
        issue=1,
        identity="github-actions[bot]",
    )
    assert [(t.comment.id, t.state.request) for t in found] == [(1, "a"), (4, "b")]
    assert [t.state.status.is_open for t in found] == [True, False]


def test_find_tracked__a_copy_pasted_by_anyone_else_is_inert() -> None:
    codec = MarkerCodec("k")
    ours = render(TrackingState(request="a", issue=1, prompt="old task"), codec)
    found = find_tracked(
        [comment(1, ours), comment(2, ours, "mallory")],
        codec,
        issue=1,
        identity="GitHub-Actions[bot]",
    )
    assert [t.comment.id for t in found] == [1]


def test_find_tracked__a_marker_from_another_issue_is_inert() -> None:
    codec = MarkerCodec("k")
    from_issue_1 = render(TrackingState(request="a", issue=1), codec)
    found = find_tracked([comment(9, from_issue_1)], codec, issue=2, identity="github-actions[bot]")
    assert found == []


def test_find_tracked__a_state_bound_to_another_comment_is_inert() -> None:
    """An old revision of comment 1, re-posted by the action's identity (say a PAT's owner)
    in comment 5, is not comment 5's state."""
    codec = MarkerCodec("k")
    bound = render(TrackingState(request="a", issue=1, comment_id=1), codec)
    found = find_tracked(
        [comment(1, bound), comment(5, bound)], codec, issue=1, identity="github-actions[bot]"
    )
    assert [t.comment.id for t in found] == [1]


def test_marker__is_versioned() -> None:
    body = render(TrackingState(request="a", issue=1), MarkerCodec("k"))
    assert "<!-- jules-action:v2 " in body


def test_render__shows_links_and_state() -> None:
    codec = MarkerCodec("k")
    body = render(
        TrackingState(
            request="r",
            issue=1,
            status=Status.PR_OPENED,
            session_id="99",
            session_url="https://jules.google.com/session/99",
            state="COMPLETED",
            pr_url="https://github.com/o/r/pull/3",
            pr_title="Fix [typo] | docs",
            actor="alice",
            run_url="https://github.com/o/r/actions/runs/1",
        ),
        codec,
    )
    header = body.splitlines()[0]
    assert header == (
        "**✅ Jules opened a pull request** · [Jules session](https://jules.google.com/session/99)"
        " · [#3](https://github.com/o/r/pull/3) · [workflow run](https://github.com/o/r/actions/runs/1)"
    )
    assert body.count("https://github.com/o/r/pull/3") == 1, "the PR appears once"
    assert "COMPLETED" not in body.rsplit("\n", 1)[0], "no raw enum"
    assert "| Requested by |\n|---|\n| `@alice` |" in body
    assert "| |" not in body, "no empty table header"


def test_render__question_and_plan_tell_how_to_answer() -> None:
    codec = MarkerCodec("k")
    question = render(
        TrackingState(
            request="r",
            issue=1,
            status=Status.NEEDS_INPUT,
            state="AWAITING_USER_FEEDBACK",
            detail="Which DB?",
        ),
        codec,
    )
    assert "❓ Jules has a question" in question
    assert "> Which DB?" in question
    assert "`/jules <your answer>`" in question
    plan = render(
        TrackingState(
            request="r",
            issue=1,
            status=Status.NEEDS_INPUT,
            state="AWAITING_PLAN_APPROVAL",
            plan=("Read code", "Fix bug"),
        ),
        codec,
        trigger_phrase="/bot",
    )
    assert "**Plan** (0 of 2 done)\n- [ ] Read code\n- [ ] Fix bug" in plan
    assert "`/bot approve`" in plan


def test_quote__agent_text_cannot_open_an_html_comment() -> None:
    assert quote("a\n<!-- jules-action:v1 x -->\n\nb") == (
        "> a\n> &lt;!-- jules-action:v1 x -->\n>\n> b"
    )
    assert quote("ask @alice & @org/team") == "> ask @\u200balice &amp; @\u200borg/team"


def test_render__duplicate_points_at_the_request_being_handled() -> None:
    state = TrackingState(
        request="r", issue=1, status=Status.DUPLICATE, detail="https://github.com/o/r/issues/1#c1"
    )
    body = render(state, MarkerCodec("k"))
    assert body.startswith("**↩️ Already being handled**")
    assert "[this request](https://github.com/o/r/issues/1#c1)" in body
    assert not state.status.is_open


def test_render__failure_says_how_to_try_again() -> None:
    body = render(
        TrackingState(request="r", issue=1, status=Status.FAILED, detail="Tests failed."),
        MarkerCodec("k"),
    )
    assert "> Tests failed." in body
    assert "\n\n**Fix:** open the session to see what happened, then comment " in body
    assert "`/jules <instructions>` to start a new request" in body


def test_render__running_headline_follows_the_session_state() -> None:
    codec = MarkerCodec("k")

    def headline(jules_state: str) -> str:
        body = render(TrackingState("r", 1, status=Status.RUNNING, state=jules_state), codec)
        return body.splitlines()[0]

    # Jules's own start-up queue never reads like our quota queue.
    assert headline("QUEUED") == "**⏳ Jules is starting the session**"
    assert "slot" not in headline("QUEUED")
    assert headline("PLANNING") == "**🧭 Jules is planning**"
    assert headline("IN_PROGRESS") == "**⚙️ Jules is working on this**"
    paused = TrackingState("r", 1, status=Status.NEEDS_INPUT, state="PAUSED", need="paused")
    assert render(paused, codec).startswith("**⏸️ The Jules session is paused**")
