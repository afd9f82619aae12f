"""sanitize_untrusted: hidden content goes, visible content stays, the cap is shown.

The hostile corpus (``tests/corpus/hostile/*.md``) has one entry per file in
``expectations.json``: strings that must be ``absent`` from the sanitized text, strings that
must be ``present``, and the ``command`` that ``find_command`` must see (``null``: none).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jules_action.commands import find_command
from jules_action.sanitize import sanitize_untrusted

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
    assert sanitize_untrusted(clean, max_chars=CAP) == clean


@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_find_command__hostile_corpus(name: str) -> None:
    assert find_command(corpus_text(name), "/jules") == EXPECTATIONS[name]["command"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a<!-- hidden -->b", "ab"),
        ("a <!-- unterminated\nrest", "a "),
        ("<!<!-- x -->-- rebuilt -->z", "z"),
        ("a\u200bb\u200cc\u200dd\u2060e\ufeff", "abcde"),
        ("\u202aa\u202bb\u202cc\u202dd\u202ee", "abcde"),
        ("\u2066a\u2067b\u2068c\u2069\u200e\u200f\u061c", "abc"),
        ("tag" + chr(0xE0001) + chr(0xE0041) + chr(0xE007F), "tag"),
        ("v" + chr(0xE0100) + chr(0xE01EF) + "\ufe00\ufe0f", "v"),
        ("ctl\x00\x01\x1b\x7f\x9f", "ctl"),
        ("keep\ttab\nand newline", "keep\ttab\nand newline"),
        ("a\r\nb\rc", "a\nb\nc"),
        ("line\u2028break\u2029para", "line\nbreak\npara"),
        ("&#x200B;&#8203;&#X200b;&#x200b", ""),
        ("&#38;#x200B;", ""),
        ("&#0000065;&#x00041;", "AA"),
        ("&#60;!-- encoded --&#62;x", "x"),
        ("&#x110000;&#xD800;&#99999999;", "\ufffd\ufffd\ufffd"),
        ("&lt;named&gt; &amp; stays", "&lt;named&gt; &amp; stays"),
        ('<img src="a" alt="hidden">', '<img src="a">'),
        ("<a title='t' href=x data-foo=bar aria-label=\"l\">", "<a href=x>"),
        ('<input PLACEHOLDER="p" value="v">', '<input value="v">'),
        ('<img\nalt="multi\nline"\nsrc=y>', "<img\nsrc=y>"),
        ("no tag alt=keep", "no tag alt=keep"),
        ("![hidden](u)", "![](u)"),
        ("![a [b [c]] d](u)", "![](u)"),
        ("![ref alt][r]", "![][r]"),
        ("![not an image]", "![not an image]"),
        ("\\![escaped]", "\\![escaped]"),
        ("[link text](u 'title')", "[link text](u)"),
        ('[t](<a b> "title")', "[t](<a b>)"),
        ("[t](u (title))", "[t](u)"),
        ('![x](u "title")', "![](u)"),
        ("[//]: # (hidden note)\nnext", "\nnext"),
        ("[c]: <> (hidden)", ""),
        ('[r]: https://x "hidden title"', "[r]: https://x"),
        ("[r]:https://x", "[r]: https://x"),
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


def test_sanitize_untrusted__cap_smaller_than_the_note_cuts_without_it() -> None:
    assert sanitize_untrusted("abcdefghij" * 10, max_chars=5) == "abcde"
    assert sanitize_untrusted("abc", max_chars=-1) == ""


def test_sanitize_untrusted__cut_does_not_leave_a_half_reference() -> None:
    text = "a" * 50 + "&#x41" + "b" * 100
    clean = sanitize_untrusted(text, max_chars=100)
    assert sanitize_untrusted(clean, max_chars=100) == clean


def test_sanitize_untrusted__truncated_text_is_stable() -> None:
    clean = sanitize_untrusted(corpus_text("huge_body.md"), max_chars=CAP)
    assert len(clean) <= CAP
    assert clean.endswith(" characters omitted ...]")
    assert sanitize_untrusted(clean, max_chars=CAP) == clean
