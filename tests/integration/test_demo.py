"""The demo, in process: every trigger, the hand-off set-up, replies to Jules, clean errors.

The demo's clock is the simulator's, sped up: every wait of the action (polls, the grace
period after COMPLETED, the reconcile schedule) shrinks with ``--time-scale``, so these runs
take seconds. The README's first command is checked as a process by
``tests/e2e/test_action_process.py::test_demo__runs_the_whole_flow_and_shows_the_pr_link``.
"""

from __future__ import annotations

import io
import re
import time

import pytest

from jules_action_dev.demo import DEMO_KEY, DEMO_TOKEN, main

FAST = ["--time-scale", "600"]


def demo(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["demo", *args], stdout=out)
    text = out.getvalue()
    assert DEMO_KEY not in text
    assert DEMO_TOKEN not in text
    return code, text


def thread(text: str) -> str:
    return text.split("The issue thread at the end", 1)[1]


@pytest.mark.parametrize("trigger", ["label", "comment"])
def test_demo__an_issue_trigger_ends_with_the_pr_and_the_notice(trigger: str) -> None:
    code, text = demo("--trigger", trigger, *FAST)
    assert code == 0
    assert "outcome=pr-opened" in text
    end = thread(text)
    assert "**✅ Jules opened a pull request**" in end
    assert "- [x] Run the test suite" in end
    assert re.search(r"@Codertocat ✅ Jules opened \[#\d+\]", end), "the requester is told"
    if trigger == "comment":
        assert "— @Codertocat (User):\n  /jules Please fix the spelling" in end


@pytest.mark.parametrize("trigger", ["schedule", "dispatch"])
def test_demo__a_task_without_an_issue(trigger: str) -> None:
    code, text = demo("--trigger", trigger, *FAST)
    assert code == 0
    assert "outcome=pr-opened" in text
    assert "The issue thread at the end" not in text


def test_demo__hand_off_then_reconcile_finishes_the_request() -> None:
    code, text = demo("--trigger", "handoff", *FAST)
    assert code == 0
    assert "outcome=handed-off" in text
    assert "── Reconcile pass 1" in text
    assert text.count("outcome=reconciled") >= 1
    assert "**✅ Jules opened a pull request**" in thread(text)


def test_demo__answers_the_question_when_asked_to() -> None:
    code, text = demo("--scenario", "user-feedback", "--answer", "Yes, keep it.", *FAST)
    assert code == 0
    assert "❓ Jules has a question" in text
    assert "/jules Yes, keep it." in thread(text)
    assert "outcome=pr-opened" in text


def test_demo__without_the_answer_says_how_to_give_one() -> None:
    code, text = demo("--scenario", "user-feedback", *FAST)
    assert code == 0
    assert "outcome=needs-input" in text
    assert "Run the demo again with --answer" in text


@pytest.mark.parametrize("trigger", ["label", "handoff"])
def test_demo__approves_the_plan_when_asked_to(trigger: str) -> None:
    code, text = demo("--trigger", trigger, "--require-plan-approval", "--approve", *FAST)
    assert code == 0
    assert "✋ Jules has a plan" in text
    assert "/jules approve" in thread(text)
    assert "**✅ Jules opened a pull request**" in thread(text)


def test_demo__the_grace_period_after_completed_is_simulated_time_too() -> None:
    """completed-no-pr waits out the grace period (180 simulated s) before its nudge."""
    started = time.monotonic()
    code, text = demo("--scenario", "completed-no-pr", *FAST)
    assert code == 0
    assert "outcome=pr-opened" in text
    assert time.monotonic() - started < 20


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--time-scale", "0"], "argument --time-scale: must be a positive number, got '0'"),
        (["--time-scale", "fast"], "argument --time-scale: 'fast' is not a number"),
        (["--wait-minutes", "-1"], "argument --wait-minutes: must be between 0 and 355"),
        (["--trigger", "push"], "argument --trigger: invalid choice: 'push'"),
    ],
)
def test_demo__argument_errors_are_one_line_and_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        demo(*args)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_demo__help_works(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        demo("--help")
    assert exited.value.code == 0
    assert "--answer TEXT" in capsys.readouterr().out
    assert main(["--help"], stdout=io.StringIO()) == 0
