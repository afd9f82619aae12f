"""Properties of the code that reads hostile text: parser, sanitizer, prompt, event parser.

Whether the sanitizer shows exactly what GitHub shows is checked word for word against
cmark-gfm in ``test_sanitize_differential.py``; these are the properties that need no oracle.
"""

from __future__ import annotations

import contextlib
import json
import unicodedata
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jules_action.commands import find_command
from jules_action.errors import EventError
from jules_action.events import Actor, Comment, Issue, parse_event
from jules_action.prompt import DATA_BEGIN, DATA_END, build_prompt
from jules_action.sanitize import sanitize_title, sanitize_untrusted
from jules_action.triggers import Trigger

# Sized for a 2-core runner: a moderate number of examples, no per-example deadline.
TEXT_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

T0 = datetime(2026, 11, 24, tzinfo=UTC)

# Text rich in the characters the parsers care about, plus anything else.
MARKUP = st.sampled_from(
    [
        "/jules",
        "/JULES ",
        "```",
        "~~~",
        "    ",
        ">",
        "- ",
        "# ",
        "`",
        "<!--",
        "-->",
        "<img alt='x'>",
        "![a](b",
        ")",
        "](u 't')",
        "[",
        "]",
        "&#x200B;",
        "&#38;",
        "&#60;",
        "\n",
        "\r\n",
        "\r",
        "\u200b",
        "\u202e",
        chr(0xE0041),
        "\ufe0f",
        "⟦",
        "⟧",
        DATA_END,
        "|",
        "\\",
    ]
)
HOSTILE_TEXT = st.lists(st.one_of(MARKUP, st.text(max_size=20)), max_size=40).map("".join)


def _banned(char: str) -> bool:
    code = ord(char)
    if char in "\n\t":
        return False
    return (
        unicodedata.category(char) in {"Cc", "Cf", "Cs"}
        or 0xE0000 <= code <= 0xE007F
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
        or char in "\r\u2028\u2029"
    )


@TEXT_SETTINGS
@given(HOSTILE_TEXT)
def test_find_command__never_raises(body: str) -> None:
    result = find_command(body, "/jules")
    assert result is None or isinstance(result, str)


@TEXT_SETTINGS
@given(
    before=st.text(alphabet="abc \n", max_size=30),
    inside=HOSTILE_TEXT.filter(lambda text: "```" not in text and "\r" not in text),
    after=st.text(alphabet="abc \n", max_size=30),
)
def test_find_command__never_finds_the_phrase_inside_a_fenced_block(
    before: str, inside: str, after: str
) -> None:
    fenced = f"{before}\n\n```\n/jules {inside}\n```\n\n{after}"
    assert find_command(fenced, "/jules") is None


@TEXT_SETTINGS
@given(st.one_of(HOSTILE_TEXT, st.text()))
def test_sanitize_untrusted__output_has_no_banned_character(text: str) -> None:
    clean = sanitize_untrusted(text, max_chars=10_000)
    assert not any(_banned(char) for char in clean)


@TEXT_SETTINGS
@given(st.one_of(HOSTILE_TEXT, st.text()))
def test_sanitize_title__one_line_without_banned_characters(text: str) -> None:
    title = sanitize_title(text, max_chars=10_000)
    assert "\n" not in title
    assert title == title.strip()
    assert not any(_banned(char) for char in title)


@TEXT_SETTINGS
@given(HOSTILE_TEXT, st.integers(min_value=60, max_value=300))
def test_sanitize_untrusted__cut_keeps_a_prefix_of_the_visible_text(text: str, cap: int) -> None:
    """Truncation cuts the visible text; it never re-renders a cut source."""
    uncapped = sanitize_untrusted(text, max_chars=10**9)
    clean = sanitize_untrusted(text, max_chars=cap)
    kept = clean.rsplit("[... truncated: ", 1)[0].rstrip("\n")
    assert uncapped.startswith(kept)


@TEXT_SETTINGS
@given(HOSTILE_TEXT, st.integers(min_value=0, max_value=300))
def test_sanitize_untrusted__respects_the_cap_and_shows_the_note(text: str, cap: int) -> None:
    clean = sanitize_untrusted(text, max_chars=cap)
    assert len(clean) <= max(cap, 0)
    uncapped = sanitize_untrusted(text, max_chars=10**9)
    if len(uncapped) > cap >= 60:
        assert clean.endswith("characters omitted ...]")
    if len(uncapped) <= cap:
        assert clean == uncapped


@TEXT_SETTINGS
@given(title=HOSTILE_TEXT, body=HOSTILE_TEXT, comment=HOSTILE_TEXT, instructions=HOSTILE_TEXT)
def test_build_prompt__contains_the_fence_exactly_twice(
    title: str, body: str, comment: str, instructions: str
) -> None:
    issue = Issue(3, title, body, "https://github.com/o/r/issues/3", Actor("reporter"))
    remark = Comment(1, comment, Actor("maint"), T0, T0)
    trigger = Trigger("comment", instructions, Actor("maint"), issue, remark, None, "comment:1")
    prompt = build_prompt(trigger, repository="o/r", extra_instructions=comment, comments=[remark])
    assert prompt.count(DATA_BEGIN) == 1
    assert prompt.count(DATA_END) == 1
    assert prompt.count("⟦") == prompt.count("⟧") == 2
    assert prompt.index(DATA_BEGIN) < prompt.index(DATA_END)
    assert prompt.rstrip().endswith(DATA_END)


@TEXT_SETTINGS
@given(st.binary(max_size=300), st.sampled_from(["issues", "issue_comment", "schedule", "push"]))
def test_parse_event__arbitrary_bytes_raise_only_event_error(data: bytes, name: str) -> None:
    with contextlib.suppress(EventError):
        parse_event(name, data)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "action",
                    "issue",
                    "comment",
                    "sender",
                    "repository",
                    "label",
                    "user",
                    "login",
                    "number",
                    "body",
                    "id",
                    "created_at",
                    "labels",
                    "name",
                    "full_name",
                    "owner",
                    "pull_request",
                    "workflow_run",
                    "actor",
                    "updated_at",
                    "type",
                    "title",
                ]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=25,
)


@TEXT_SETTINGS
@given(JSON_VALUES, st.sampled_from(["issues", "issue_comment", "workflow_run", "schedule"]))
def test_parse_event__arbitrary_json_raises_only_event_error(value: object, name: str) -> None:
    with contextlib.suppress(EventError):
        parse_event(name, json.dumps(value).encode())
