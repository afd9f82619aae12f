"""find_command: only a top-level paragraph starting with the phrase is a command."""

from __future__ import annotations

import pytest

from jules_action.commands import find_command, is_approval

CASES = [
    # (id, comment body, expected instructions or None)
    ("plain", "/jules fix the flaky test", "fix the flaky test"),
    ("alone", "/jules", ""),
    ("alone-with-space", "/jules   \n", ""),
    ("leading-spaces", "   /jules fix it", "fix it"),
    ("after-other-paragraphs", "Thanks!\n\nSee above.\n\n/jules fix it", "fix it"),
    ("upper-case", "/JULES Fix It", "Fix It"),
    ("colon", "/jules: fix it", "fix it"),
    ("comma", "/Jules, please fix it", "please fix it"),
    ("period-only", "/jules.", ""),
    ("approve", "/jules approve.", "approve."),
    ("multi-line-paragraph", "/jules fix it\nand add a test", "fix it\nand add a test"),
    (
        "keeps-the-following-code-block",
        "/jules apply this:\n\n```diff\n-a\n+b\n```\n\nThanks",
        "apply this:\n\n```diff\n-a\n+b\n```\n\nThanks",
    ),
    ("drops-text-before-the-command", "Context first.\n\n/jules do it\n\nmore", "do it\n\nmore"),
    ("first-command-wins", "/jules one\n\n/jules two", "one\n\n/jules two"),
    ("crlf", "Hi\r\n\r\n/jules fix\r\nnow\r\n", "fix\nnow"),
    ("old-mac-newlines", "Hi\r\r/jules fix", "fix"),
    ("tab-after-phrase", "/jules\tfix", "fix"),
    ("in-backtick-fence", "```\n/jules fix\n```", None),
    ("in-tilde-fence", "~~~\n/jules fix\n~~~", None),
    ("in-nested-fence", "````\n```\n/jules fix\n```\n````", None),
    ("in-unclosed-fence", "```\n/jules fix", None),
    ("fence-then-command", "```\ncode\n```\n/jules fix", "fix"),
    ("indented-code", "    /jules fix", None),
    ("inline-code", "`/jules fix`", None),
    ("inline-code-later", "`x` /jules fix", None),
    ("blockquote", "> /jules fix", None),
    ("lazy-blockquote-continuation", "> quoted\n/jules fix", None),
    ("heading", "# /jules fix", None),
    ("setext-heading", "/jules fix\n===", None),
    ("list-item", "- /jules fix", None),
    ("ordered-list-item", "1. /jules fix", None),
    ("html-block", "<div>\n/jules fix\n</div>", None),
    ("html-comment", "<!--\n/jules fix\n-->", None),
    ("table", "| a |\n| - |\n| /jules fix |", None),
    ("mid-sentence", "Could someone /jules fix this?", None),
    ("second-line-of-paragraph", "Please\n/jules fix", None),
    ("longer-word", "/julesx fix", None),
    ("prefixed-word", "x/jules fix", None),
    ("hyphenated", "/jules-bot fix", None),
    ("bold", "**/jules** fix", None),
    ("escaped", "\\/jules fix", None),
    ("empty", "", None),
]


@pytest.mark.parametrize(("body", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_find_command__markdown_cases(body: str, expected: str | None) -> None:
    assert find_command(body, "/jules") == expected


def test_find_command__other_phrase() -> None:
    assert find_command("@Jules-Bot please fix", "@jules-bot") == "please fix"
    assert find_command("/jules please fix", "@jules-bot") is None


def test_find_command__empty_phrase_never_matches() -> None:
    assert find_command("anything", "") is None


@pytest.mark.parametrize(
    "text",
    ["approve", "Approve.", "  APPROVE!  ", "approved", "approve the plan", "approve\n plan"],
)
def test_is_approval__accepts_approvals(text: str) -> None:
    assert is_approval(text)


@pytest.mark.parametrize(
    "text", ["", "approve but change step 2", "don't approve", "lgtm", "yes", "approval"]
)
def test_is_approval__rejects_anything_else(text: str) -> None:
    assert not is_approval(text)
