"""find_command: only a top-level paragraph starting with the phrase, then whitespace or its
end, is a command; the official SDK example action's cases are ported as a table."""

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
    ("approve", "/jules approve.", "approve."),
    ("newline-after-phrase", "/jules\nfix it", "fix it"),
    ("no-break-space-after-phrase", "/jules\u00a0fix it", "fix it"),
    ("byte-order-mark", "\ufeff/jules fix it", "fix it"),
    ("byte-order-mark-alone", "\ufeff/jules", ""),
    ("byte-order-mark-then-crlf", "\ufeffHi\r\n\r\n/jules fix", "fix"),
    # The phrase must be followed by whitespace or the end: these are words, not commands.
    ("file-name", "/jules.yml is broken", None),
    ("domain", "/jules.com", None),
    ("shell-separator", "/jules;rm -rf /", None),
    ("colon", "/jules: fix it", None),
    ("comma", "/Jules, please fix it", None),
    ("period-only", "/jules.", None),
    ("question-mark", "/jules? what is this", None),
    ("byte-order-mark-mid-comment", "Hi \ufeff/jules fix", None),
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


# The slash-command example action of the official SDK: google-labs-code/jules-sdk,
# packages/core/examples/github-actions/parse-command.test.ts (its parseCommand in index.ts).
# (id, comment body, what the SDK example returns, what we return, why we differ or "").
SDK_EXAMPLE = (
    "\nSome context about the issue.\n\n/jules implement the feature described above\n\n"
    "Thanks!\n    "
)
SDK_COMPLEX = """# Issue: Login is broken

## Steps to reproduce
1. Go to login page
2. Enter credentials
3. Click submit

```
/jules this should be ignored
```

> /jules this should also be ignored

/jules fix the login form validation on submit

## Expected behavior
The form should validate inputs before submission.
    """
KEEPS_FOLLOWING = (
    "we keep the comment after the command paragraph: a code block, list or details that "
    "follow the command are part of the request (the SDK keeps only the paragraph)"
)
SDK_CASES: list[tuple[str, str, str | None, str | None, str]] = [
    ("extracts-message", "/jules fix the login bug", "fix the login bug", "fix the login bug", ""),
    ("bare-phrase", "/jules", "", "", ""),
    (
        "second-paragraph",
        "Hey team, can someone take a look?\n\n/jules refactor the auth module",
        "refactor the auth module",
        "refactor the auth module",
        "",
    ),
    ("trims-whitespace", "/jules   add unit tests  ", "add unit tests", "add unit tests", ""),
    (
        "multiline-body",
        SDK_EXAMPLE,
        "implement the feature described above",
        "implement the feature described above\n\nThanks!",
        KEEPS_FOLLOWING,
    ),
    (
        "fenced-backticks",
        "Here's an example:\n\n```bash\n/jules deploy to production\n```\n    ",
        None,
        None,
        "",
    ),
    ("fenced-tildes", "Example:\n\n~~~\n/jules deploy to production\n~~~\n    ", None, None, ""),
    ("blockquote", "Someone said:\n\n> /jules fix everything\n    ", None, None, ""),
    ("inline-code", "Use the command `/jules fix the bug` to trigger it.", None, None, ""),
    ("heading", "## /jules command usage", None, None, ""),
    ("list-items", "- /jules fix bugs\n- /jules add tests", None, None, ""),
    ("in-a-sentence", "You can use /jules to trigger the bot.", None, None, ""),
    ("no-command", "Great work on the PR!", None, None, ""),
    ("empty", "", None, None, ""),
    ("similar-julia", "/julia fix the bug", None, None, ""),
    ("similar-julesy", "/julesy do something", None, None, ""),
    ("only-whitespace-after", "/jules   ", "", "", ""),
    (
        "first-command-wins",
        "/jules first task\n\n/jules second task",
        "first task",
        "first task\n\n/jules second task",
        KEEPS_FOLLOWING,
    ),
    (
        "complex-document",
        SDK_COMPLEX,
        "fix the login form validation on submit",
        "fix the login form validation on submit\n\n## Expected behavior\n"
        "The form should validate inputs before submission.",
        KEEPS_FOLLOWING,
    ),
]


@pytest.mark.parametrize(
    ("body", "sdk", "ours", "why"), [c[1:] for c in SDK_CASES], ids=[c[0] for c in SDK_CASES]
)
def test_find_command__sdk_example_action_cases(
    body: str, sdk: str | None, ours: str | None, why: str
) -> None:
    assert find_command(body, "/jules") == ours
    # Every difference from the SDK example is on purpose and says why; no silent drift.
    assert (ours != sdk) == bool(why)


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
