"""Strips hidden and invisible content from untrusted issue text; performs no I/O.

Issue titles, bodies and comments are written by anyone. Text a maintainer cannot see on
GitHub can still reach the model, which is how prompt injections hide. ``sanitize_untrusted``
removes what GitHub does not display, so the model sees what the maintainer saw:

- numeric character references (``&#x200B;``, ``&#60;``) are decoded first, so encoded
  invisible characters or comment openers are caught by the steps below;
- HTML comments, including an unterminated ``<!--`` (which hides everything after it);
- control characters (except newline and tab), format characters (zero-width spaces and
  joiners, bidi embeddings, overrides and isolates, the BOM, soft hyphens), tag characters
  (U+E0000-U+E007F), variation selectors (which can smuggle bytes after a visible
  character), lone surrogates and other blank fillers; U+2028/U+2029 become newlines;
- attributes that only show on hover or to screen readers (``alt``, ``title``,
  ``placeholder``, ``aria-*``, ``data-*``) inside HTML tags;
- Markdown image alt text (``![hidden](src)`` -> ``![](src)``), link and image titles
  (``[t](u "hidden")``), and reference definitions used as comments (``[//]: # (hidden)``).

CRLF and CR become LF. The result is capped at ``max_chars`` characters including a visible
``[... truncated: N characters omitted ...]`` note. The function never raises, and applying
it twice gives the same text as applying it once.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

# Characters removed besides the categories in _REMOVED_CATEGORIES: variation selectors,
# Mongolian free variation selectors, the combining grapheme joiner, Hangul and Khmer
# fillers that render as nothing, and the whole tag block (its unassigned points included).
_INVISIBLE_RANGES: Final = (
    (0xFE00, 0xFE0F),
    (0xE0100, 0xE01EF),
    (0x180B, 0x180F),
    (0x034F, 0x034F),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x3164, 0x3164),
    (0xFFA0, 0xFFA0),
    (0xE0000, 0xE007F),
)
# Cc: control characters, Cf: format characters (zero-width, bidi, BOM, tags), Cs: surrogates.
_REMOVED_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs"})
_KEPT_CONTROLS: Final = frozenset({"\n", "\t"})
_LINE_BREAKS: Final = frozenset({"\u2028", "\u2029"})

_NUMERIC_REFERENCE: Final = re.compile(r"&#(?:[xX]0*([0-9a-fA-F]{1,8})|0*([0-9]{1,8}));?")
_HTML_COMMENT: Final = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_HTML_TAG: Final = re.compile(r"<[A-Za-z][^<>]*>")
_HIDDEN_ATTRIBUTE: Final = re.compile(
    r"""\s(?:alt|title|placeholder|aria-[\w-]*|data-[\w-]*)\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+)""",
    re.IGNORECASE,
)
# `](destination "title")`, `'title'` or `(title)`: keep the destination, drop the title.
_LINK_TITLE: Final = re.compile(
    r"""(\]\(\s*(?:<[^<>\n]*>|[^\s()<>]+))\s+(?:"[^"]*"|'[^']*'|\([^()]*\))\s*\)"""
)
# A link reference definition renders as nothing: `[label]: destination "title"`.
_REFERENCE_DEFINITION: Final = re.compile(
    r"""^ {0,3}\[[^\]\n]+\]:[ \t]*(\S+)(?:[ \t]+(?:"[^"\n]*"|'[^'\n]*'|\([^()\n]*\)))?[ \t]*$""",
    re.MULTILINE,
)
_COMMENT_DESTINATIONS: Final = frozenset({"#", "<>", "//"})

_TRUNCATION_NOTE: Final = "\n\n[... truncated: {} characters omitted ...]"


class _Invisible(dict[int, str | None]):
    """A ``str.translate`` table that classifies each code point on first sight."""

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        if char in _LINE_BREAKS:
            replacement: str | None = "\n"
        elif char in _KEPT_CONTROLS:
            replacement = char
        elif unicodedata.category(char) in _REMOVED_CATEGORIES or any(
            low <= code <= high for low, high in _INVISIBLE_RANGES
        ):
            replacement = None
        else:
            replacement = char
        self[code] = replacement
        return replacement


_INVISIBLE_TABLE: Final = _Invisible()


def sanitize_untrusted(text: str, *, max_chars: int) -> str:
    """The visible content of ``text``, capped at ``max_chars`` characters (note included).

    With a ``max_chars`` too small to hold the truncation note, the text is cut without one.
    """
    clean = _to_fixpoint(text)
    if len(clean) <= max_chars:
        return clean
    longest_note = _TRUNCATION_NOTE.format(len(clean))
    if max_chars < len(longest_note):
        return _to_fixpoint(clean[: max(max_chars, 0)])
    kept = _to_fixpoint(clean[: max_chars - len(longest_note)])
    return kept + _TRUNCATION_NOTE.format(len(clean) - len(kept))


def _to_fixpoint(text: str) -> str:
    """Apply every rule until none changes the text; each pass only shortens it or swaps CRs."""
    previous = None
    while text != previous:
        previous = text
        text = _sanitize_once(text)
    return text


def _sanitize_once(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _NUMERIC_REFERENCE.sub(_decode_reference, text)
    text = text.translate(_INVISIBLE_TABLE)
    text = _HTML_COMMENT.sub("", text)
    text = _HTML_TAG.sub(lambda tag: _HIDDEN_ATTRIBUTE.sub("", tag.group()), text)
    text = _LINK_TITLE.sub(r"\1)", text)
    text = _REFERENCE_DEFINITION.sub(_drop_reference_definition, text)
    return _drop_image_alt_text(text)


def _decode_reference(match: re.Match[str]) -> str:
    hex_digits, decimal = match.groups()
    code = int(hex_digits, 16) if hex_digits else int(decimal)
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return "\ufffd"
    return chr(code)


def _drop_reference_definition(match: re.Match[str]) -> str:
    """Comment-style definitions (``[//]: # (...)``) vanish; others lose their title."""
    if match.group(1) in _COMMENT_DESTINATIONS:
        return ""
    return match.group().split("]:", 1)[0] + "]: " + match.group(1)


def _drop_image_alt_text(text: str) -> str:
    """``![alt](src)`` and ``![alt][ref]`` -> ``![](src)``; nested brackets are matched."""
    if "![" not in text:
        return text
    closing_of: dict[int, int] = {}
    open_positions: list[int] = []
    escaped = False
    for index, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "[":
            open_positions.append(index)
        elif char == "]" and open_positions:
            closing_of[open_positions.pop()] = index
    pieces: list[str] = []
    position = 0
    for start in sorted(closing_of):
        end = closing_of[start]
        is_image = start > 0 and text[start - 1] == "!" and text[end + 1 : end + 2] in ("(", "[")
        if start < position or not is_image or end == start + 1:
            continue
        pieces.append(text[position : start + 1])
        position = end
    pieces.append(text[position:])
    return "".join(pieces)
