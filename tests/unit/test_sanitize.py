"""sanitize_untrusted and sanitize_title: hidden content goes, visible content stays, the cap shows.

The hostile corpus (``tests/corpus/hostile/*.md``) has one entry per file in
``expectations.json``: strings that must be ``absent`` from the sanitized text, strings that
must be ``present``, and the ``command`` that ``find_command`` must see (``null``: none).
Whether the text is exactly what GitHub shows is the differential test's job
(``test_sanitize_differential.py``); these tests pin the output format.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from jules_action.commands import find_command
from jules_action.sanitize import sanitize_title, sanitize_untrusted

CORPUS = Path(__file__).parent.parent / "corpus" / "hostile"
EXPECTATIONS: dict[str, dict[str, Any]] = json.loads((CORPUS / "expectations.json").read_text())
CAP = 20_000


def corpus_text(name: str) -> str:
    return (CORPUS / name).read_bytes().decode("utf-8")


def test_corpus__every_file_has_expectations() -> None:
    assert sorted(path.name for path in CORPUS.glob("*.md")) == sorted(EXPECTATIONS)


@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_sanitize_untrusted__hostile_corpus(name: str) -> None:
    expectation = EXPECTATIONS[name]
    clean = sanitize_untrusted(corpus_text(name), max_chars=CAP)
    for hidden in expectation["absent"]:
        assert hidden not in clean
    for visible in expectation["present"]:
        assert visible in clean


@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_find_command__hostile_corpus(name: str) -> None:
    assert find_command(corpus_text(name), "/jules") == EXPECTATIONS[name]["command"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a<!-- hidden -->b", "ab"),
        ("<!-- block comment -->\nafter", "after"),
        ("<!-- unterminated block\nrest", ""),
        ("a <!-- not closed in the paragraph\nrest", "a <!-- not closed in the paragraph\nrest"),
        ("<!<!-- x -->-- rebuilt -->z", "<!-- rebuilt -->z"),
        ("a <!--> b <!---> c", "a b c"),
        ("a\u200bb\u200cc\u200dd\u2060e\ufeff", "abcde"),
        ("\u202aa\u202bb\u202cc\u202dd\u202ee", "abcde"),
        ("\u2066a\u2067b\u2068c\u2069\u200e\u200f\u061c", "abc"),
        ("tag" + chr(0xE0001) + chr(0xE0041) + chr(0xE007F), "tag"),
        ("v" + chr(0xE0100) + chr(0xE01EF) + "\ufe00\ufe0f", "v"),
        ("ctl\x01\x1b\x7f\x9f", "ctl"),
        ("nul\x00", "nul\ufffd"),
        ("keep\ttab\nand newline", "keep\ttab\nand newline"),
        ("a\r\nb\rc", "a\nb\nc"),
        ("line\u2028break\u2029para", "line\nbreak\npara"),
        ("&#x200B;&#8203;&#X200b;", ""),
        ("&#38;#x200B;", "&#x200B;"),
        ("&#0000065;&#x00041;", "AA"),
        ("&#60;!-- encoded, so shown --&#62;x", "<!-- encoded, so shown -->x"),
        ("&#x110000;&#xD800;", "\ufffd\ufffd"),
        ("&lt;named&gt; &amp; decoded", "<named> & decoded"),
        ('<img src="a" alt="hidden">', "[image]"),
        ('<img alt="x>hidden text" src=y>', "[image]"),
        ("<a title='t' href=x data-foo=bar aria-label=\"l\">link</a>", "link"),
        ('<input PLACEHOLDER="p" value="v">', ""),
        ("no tag alt=keep", "no tag alt=keep"),
        ("![hidden](u)", "[image]"),
        ("![a [b [c]] d](u)", "[image]"),
        ("![not an image]", "![not an image]"),
        ("\\![escaped]", "![escaped]"),
        ("[link text](u 'title')", "link text"),
        ('[t](<a b> "title")', "t"),
        ("[t](javascript:alert(1))", "t"),
        ("[//]: # (hidden note)\nnext", "next"),
        ("[c]: <> (hidden)", ""),
        ('[r]: https://x "hidden title"', ""),
        ("before <script>hidden()</script> after", "before after"),
        ("<style>\nhidden {}\n</style>\n\nafter", "after"),
        ("<details>\n<summary>Sum</summary>\n\nBody\n\n</details>", "Sum\n\nBody"),
        ("```\n<!-- shown in code -->\n```", "```\n<!-- shown in code -->\n```"),
        ("`<!-- shown -->` and ``a`b``", "`<!-- shown -->` and ``a`b``"),
        ("```python hidden info string\nx = 1\n```", "```\nx = 1\n```"),
        ("```\n```` inside\n```", "`````\n```` inside\n`````"),
        ("# Title\n\ntext", "# Title\n\ntext"),
        ("- a\n- b\n  - c\n\n3. x\n4. y", "- a\n- b\n  - c\n\n3. x\n4. y"),
        ("> quoted\n>\n> more", "> quoted\n>\n> more"),
        ("| a | b |\n|---|---|\n| 1 | 2 | hidden |", "| a | b |\n| --- | --- |\n| 1 | 2 |"),
        ("- [ ] todo\n- [x] done", "- [ ] todo\n- [x] done"),
        ("x[^1]\n\n[^1]: note", "x[1]\n\n---\n\n1. note ↩"),
        ("a\n\n---\n\nb", "a\n\n---\n\nb"),
        ("one<br>two", "one\ntwo"),
        ("", ""),
    ],
)
def test_sanitize_untrusted__cases(text: str, expected: str) -> None:
    assert sanitize_untrusted(text, max_chars=CAP) == expected


def test_sanitize_untrusted__visible_unicode_stays() -> None:
    text = "Grüße, 日本語, emoji 🎉, maths ∑, NBSP\u00a0space, RTL עברית"
    assert sanitize_untrusted(text, max_chars=CAP) == text


def test_sanitize_untrusted__cap_includes_a_visible_note() -> None:
    clean = sanitize_untrusted("x" * 1000, max_chars=100)
    assert len(clean) <= 100
    assert clean == "x" * 54 + "\n\n[... truncated: 946 characters omitted ...]"


def test_sanitize_untrusted__cap_counts_the_sanitized_text() -> None:
    text = "<!-- " + "h" * 1000 + " -->visible"
    assert sanitize_untrusted(text, max_chars=100) == "visible"


def test_sanitize_untrusted__cuts_the_visible_text_not_the_source() -> None:
    """A cut cannot leave half a construct that then shows hidden text."""
    text = "v" * 80 + "<!-- " + "hidden " * 50 + "-->" + "w" * 80
    clean = sanitize_untrusted(text, max_chars=100)
    assert "hidden" not in clean
    assert clean.startswith("v" * 54)
    assert clean.endswith("characters omitted ...]")


def test_sanitize_untrusted__cap_smaller_than_the_note_cuts_without_it() -> None:
    assert sanitize_untrusted("abcdefghij" * 10, max_chars=5) == "abcde"
    assert sanitize_untrusted("abc", max_chars=-1) == ""


def test_sanitize_untrusted__huge_body_is_capped_with_the_note() -> None:
    clean = sanitize_untrusted(corpus_text("huge_body.md"), max_chars=CAP)
    assert len(clean) <= CAP
    assert clean.endswith(" characters omitted ...]")


def test_sanitize_untrusted__absurdly_long_input_is_not_parsed() -> None:
    clean = sanitize_untrusted("x" * 1_000_001, max_chars=100)
    assert clean == "[... truncated: 1000001 characters omitted ...]"


def test_sanitize_untrusted__deep_nesting_does_not_recurse() -> None:
    """Raw HTML nests as deep as the text wants; the tree walk is iterative."""
    assert sanitize_untrusted("<b>" * 20_000 + "deep", max_chars=CAP) == "deep"
    assert sanitize_untrusted("<div>" * 5_000 + "deep", max_chars=CAP) == "deep"
    # Past markdown-it's nesting limit (60) text is dropped: less than GitHub shows, not more.
    assert sanitize_untrusted("> " * 200 + "deep", max_chars=CAP) == ""


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Crash on <start> with [x]: y", "Crash on <start> with [x]: y"),
        ("Fix <!-- not a comment in a title -->", "Fix <!-- not a comment in a title -->"),
        ("multi\nline\r\ntitle", "multi line title"),
        ("zero\u200bwidth \u202ebidi", "zerowidth bidi"),
        ("  spaced   out  ", "spaced out"),
    ],
)
def test_sanitize_title__is_plain_text_on_one_line(title: str, expected: str) -> None:
    """GitHub shows a title as plain text: no Markdown, invisible characters removed."""
    assert sanitize_title(title, max_chars=CAP) == expected


def test_sanitize_title__is_capped_with_the_note() -> None:
    title = sanitize_title("t" * 500, max_chars=100)
    assert len(title) <= 100
    assert title.endswith("characters omitted ...]")


@pytest.mark.parametrize(
    "text",
    [
        "[^a]: x\n" * 4096,
        "> a\n" + "b\n" * 16384,
        "a\n-|\n" * 6553,
        "[a]: /u\n" * 4096,
        "`a" * 16384,
        "<b>" * 10922,
    ],
    ids=["footnotes", "lazy-lines", "delimiter-rows", "definitions", "backticks", "tags"],
)
def test_sanitize_untrusted__hostile_shapes_stay_linear(text: str) -> None:
    """Half a maximal issue body of each shape sanitizes in well under the bound (a
    quadratic rule took 6 s for the footnotes)."""
    start = time.perf_counter()
    sanitize_untrusted(text, max_chars=CAP)
    assert time.perf_counter() - start < 3.0
