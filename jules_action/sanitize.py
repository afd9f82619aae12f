"""What a reader sees of untrusted issue text, as plain text for the prompt; performs no I/O.

Issue bodies and comments are written by anyone. Text a maintainer cannot see on GitHub can
still reach the model, which is how prompt injections hide; and text the maintainer did see
should reach it too. So ``sanitize_untrusted`` does not pattern-match Markdown: it renders
the text the way GitHub does and keeps what GitHub displays, no more and no less.

1. **Markdown** is parsed by markdown-it-py, set up like GitHub Flavored Markdown: CommonMark
   with raw HTML, tables, strikethrough and footnotes. Link reference definitions, link
   destinations and titles, image alt text, code-fence info strings and table cells past the
   header's width render as nothing, so they are gone. Every link destination is accepted
   (as cmark-gfm does), so ``[a](javascript:x)`` is the link text ``a`` and not its source.
2. **The rendered HTML**, including the issue's raw HTML exactly as the parser passed it on,
   is parsed by an HTML5 parser (lexbor, through selectolax) as a browser would: a ``>``
   inside a quoted attribute, comments with their HTML5 edge cases (``<!-->``, ``<!--->``,
   ``--!>``, unterminated) and raw-text elements all behave as they do on the page.
3. **What GitHub does not display** is dropped from that tree: comments; every attribute value
   (``alt``, ``title``, ``href``, ``name``, ``data-*``, ...); form controls (GitHub's
   sanitizer removes ``<input>``); and the content of ``script``, ``style``, ``template``,
   ``textarea``, ``title``, ``xmp``, ``iframe``, ``noembed``, ``noframes``, ``noscript``,
   ``plaintext``, ``svg`` and ``math``. (GitHub's tag filter escapes several of these, which
   can show their source as text; dropping them errs on the safe side: a reader may miss a
   line of context, but nothing reaches Jules that a reader may not have seen.)
4. **The visible tree is written as Markdown-ish plain text**: paragraphs, ``#`` headings,
   ``-`` and numbered list items, ``>`` quotes, code fences (without info string) and inline
   code whose backtick fences are longer than any run inside, ``|`` table rows, ``---``
   rules, and ``[image]`` for each image. ``<details>`` and its summary are visible and kept.
5. **Invisible characters** are removed from the visible text: control characters (except
   newline and tab), format characters (zero-width spaces and joiners, bidi embeddings,
   overrides and isolates, the BOM, soft hyphens), tag characters, variation selectors and
   blank fillers; U+2028/U+2029 become newlines.

``tests/unit/test_sanitize_differential.py`` checks the result word for word against the HTML
that cmark-gfm (GitHub's renderer) produces for a corpus of hostile and ordinary bodies.

Titles are not Markdown on GitHub: ``sanitize_title`` applies only step 5 and joins lines.

Both functions cap their result at ``max_chars`` characters including a visible
``[... truncated: N characters omitted ...]`` note, never raise, and are deterministic.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from selectolax.lexbor import LexborHTMLParser, LexborNode

from jules_action.gfm_markdown import GitHubMarkdown

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
_LINE_BREAKS: Final = frozenset({"\u2028", "\u2029", "\r"})

_TRUNCATION_NOTE: Final = "\n\n[... truncated: {} characters omitted ...]"
IMAGE_PLACEHOLDER: Final = "[image]"
# GitHub refuses bodies over 65,536 characters; anything much longer is not an issue body and
# is not parsed at all (parsing cost grows with the input).
_MAX_SOURCE_CHARS: Final = 1_000_000

# Elements whose whole content GitHub does not display (see the module docstring, step 3).
_HIDDEN_ELEMENTS: Final = frozenset(
    {
        "script",
        "style",
        "template",
        "textarea",
        "title",
        "xmp",
        "iframe",
        "noembed",
        "noframes",
        "noscript",
        "plaintext",
        "svg",
        "math",
        "head",
        "input",
    }
)
# Elements that start a new line (CSS ``display: block`` or similar by default); the value
# is the number of line breaks before and after: 2 leaves a blank line.
_BLOCK_GAPS: Final = {
    "p": 2,
    "pre": 2,
    "blockquote": 2,
    "table": 2,
    "hr": 2,
    "section": 2,
    "h1": 2,
    "h2": 2,
    "h3": 2,
    "h4": 2,
    "h5": 2,
    "h6": 2,
    **dict.fromkeys(
        (
            "address",
            "article",
            "aside",
            "caption",
            "center",
            "dd",
            "details",
            "dialog",
            "dir",
            "div",
            "dl",
            "dt",
            "fieldset",
            "figcaption",
            "figure",
            "footer",
            "form",
            "header",
            "hgroup",
            "legend",
            "li",
            "listing",
            "main",
            "menu",
            "nav",
            "ol",
            "summary",
            "tr",
            "ul",
        ),
        1,
    ),
}
_LISTS: Final = frozenset({"ul", "ol", "menu", "dir"})
_CELLS: Final = frozenset({"td", "th"})
_TABLE_PARTS: Final = frozenset({"table", "thead", "tbody", "tfoot", "tr"})
_HTML_INTEGER: Final = re.compile(r"[\t\n\f\r ]*([+-]?[0-9]{1,9})")
_BACKTICK_RUN: Final = re.compile(r"`+")


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


_MARKDOWN: Final = GitHubMarkdown()


def sanitize_untrusted(text: str, *, max_chars: int) -> str:
    """The text GitHub displays for the Markdown ``text``, capped at ``max_chars`` characters.

    The cap includes the truncation note; with a ``max_chars`` too small to hold the note,
    the text is cut without one.
    """
    if len(text) > _MAX_SOURCE_CHARS:
        return _cap("", max_chars, omitted=len(text))
    return _cap(visible_text(text), max_chars)


def sanitize_title(text: str, *, max_chars: int) -> str:
    """An issue title as GitHub displays it (plain text on one line), capped like a body."""
    clean = " ".join(text[:_MAX_SOURCE_CHARS].translate(_INVISIBLE_TABLE).split())
    return _cap(clean, max_chars, omitted=max(len(text) - _MAX_SOURCE_CHARS, 0))


def visible_text(markdown: str) -> str:
    """The visible text of ``markdown`` rendered by GitHub, as Markdown-ish plain text."""
    html = _MARKDOWN.render(markdown)
    writer = _TextWriter()
    first = LexborHTMLParser(html, is_fragment=True).root
    writer.walk(_siblings(first))
    return writer.result()


def _cap(clean: str, max_chars: int, *, omitted: int = 0) -> str:
    if len(clean) <= max_chars and not omitted:
        return clean
    total = len(clean) + omitted
    longest_note = _TRUNCATION_NOTE.format(total)
    if max_chars < len(longest_note):
        return clean[: max(max_chars, 0)]
    kept = clean[: max_chars - len(longest_note)].rstrip()
    return (kept + _TRUNCATION_NOTE.format(total - len(kept))).lstrip("\n")


def _siblings(node: LexborNode | None) -> list[LexborNode]:
    nodes = []
    while node is not None:
        nodes.append(node)
        node = node.next
    return nodes


class _TextWriter:
    """Writes a visible HTML tree as plain text; iterative, so deep nesting cannot recurse.

    Text goes out line by line. Blocks owe a gap (1: a new line, 2: a blank line) that is paid
    before the next text, so empty elements leave no blank lines. A ``<pre>`` or inline
    ``<code>`` is captured whole and written as a fence or a code span.
    """

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._line: list[str] = []
        self._prefixes: list[str] = []  # "> " per open quote, indentation per open list item
        self._gap = 0  # line breaks owed before the next text
        self._gap_depth = 0  # how many prefixes the blank lines of that gap carry
        self._hold_gap = False  # just wrote a list marker or heading mark: text follows it
        self._lists: list[int | None] = []  # the next number of each open list (None: bullets)
        self._cells: list[int] = []  # cells written so far in each open table row
        self._capture: list[str] | None = None  # the text of the open <pre> or <code>
        self._capture_tag = ""
        self._capture_depth = 0

    def walk(self, roots: list[LexborNode]) -> None:
        stack: list[tuple[LexborNode, bool]] = [(node, False) for node in reversed(roots)]
        while stack:
            node, leaving = stack.pop()
            if leaving:
                self._leave(node, node.tag or "")
                continue
            tag = node.tag
            if tag == "-text":
                self._text(node)
                continue
            if tag is None or tag.startswith("-") or tag in _HIDDEN_ELEMENTS:
                continue  # comments, doctypes and hidden elements
            self._enter(node, tag)
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(_siblings(node.first_child)))

    def result(self) -> str:
        self._end_line()
        return "\n".join(self._lines).strip("\n")

    # Elements.

    def _enter(self, node: LexborNode, tag: str) -> None:
        if self._capture is not None:
            self._enter_captured(node, tag)
        elif tag in ("pre", "code"):
            if tag == "pre" and not self._cells:
                self._block(2)
            self._capture, self._capture_tag, self._capture_depth = [], tag, 1
        elif self._cells and (tag == "br" or tag in _BLOCK_GAPS) and tag not in ("tr", "table"):
            self._inline(" ")  # a cell stays on its row's line
            if tag in _LISTS:
                self._lists.append(_list_start(node) if tag == "ol" else None)
            elif tag == "li":
                self._inline(self._marker(node))
        elif tag == "br":
            self._hard_break()
        elif tag == "img":
            self._inline(IMAGE_PLACEHOLDER)
        elif tag == "hr":
            self._block(2)
            self._inline("---")
            self._block(2)
        elif tag in _CELLS and self._cells:
            self._inline("| " if self._cells[-1] == 0 else " | ")
            self._cells[-1] += 1
        elif tag in _BLOCK_GAPS:
            self._enter_block(node, tag)

    def _enter_captured(self, node: LexborNode, tag: str) -> None:
        """Inside <pre> or <code>: structure only breaks lines (and numbers list items)."""
        assert self._capture is not None
        if tag == self._capture_tag:
            self._capture_depth += 1
        elif tag in _LISTS:
            self._lists.append(_list_start(node) if tag == "ol" else None)
        if tag == "br" or tag in _BLOCK_GAPS or tag in _CELLS:
            self._capture.append("\n")
        elif tag == "code":
            self._separate_captured()
        if tag == "li":
            self._capture.append(self._marker(node))
        elif tag == "img":
            self._capture.append(IMAGE_PLACEHOLDER)

    def _enter_block(self, node: LexborNode, tag: str) -> None:
        gap = _BLOCK_GAPS[tag]
        if tag in _LISTS:
            gap = 1 if self._lists else 2
            self._lists.append(_list_start(node) if tag == "ol" else None)
        self._block(gap)
        if tag == "blockquote":
            self._prefixes.append("> ")
        elif tag == "li":
            marker = self._marker(node)
            self._mark(marker)
            self._prefixes.append(" " * len(marker))
        elif tag == "tr":
            self._cells.append(0)
        elif tag[0] == "h" and tag[1:].isdigit():
            self._mark("#" * int(tag[1:]) + " ")

    def _marker(self, item: LexborNode) -> str:
        """``- `` or, for an item of an ordered list, its number."""
        parent = item.parent
        in_ordered = self._lists and parent is not None and parent.tag == "ol"
        number = self._lists[-1] if in_ordered else None
        if number is None:
            return "- "
        self._lists[-1] = number + 1
        return f"{number}. "

    def _leave(self, node: LexborNode, tag: str) -> None:
        if self._capture is not None:
            self._leave_captured(tag)
        elif tag == "tr" and self._cells:
            self._end_row(node, self._cells.pop())
        elif self._cells and tag in _BLOCK_GAPS and tag != "table":
            self._inline(" ")
            if tag in _LISTS:
                self._lists.pop()
        elif tag in _BLOCK_GAPS:
            self._hold_gap = False
            if tag in ("blockquote", "li"):
                self._prefixes.pop()
            elif tag in _LISTS:
                self._lists.pop()
            self._block(2 if tag in _LISTS and not self._lists else _BLOCK_GAPS[tag])

    def _leave_captured(self, tag: str) -> None:
        assert self._capture is not None
        if tag == self._capture_tag:
            self._capture_depth -= 1
            if not self._capture_depth:
                text, self._capture = "".join(self._capture), None
                if tag == "pre" and not self._cells:
                    self._write_fenced(text)
                else:
                    self._write_code_span(text)
                return
        elif tag in _LISTS:
            self._lists.pop()
        if tag in _BLOCK_GAPS or tag in _CELLS:
            self._capture.append("\n")
        elif tag == "code":
            self._separate_captured()

    def _separate_captured(self) -> None:
        """A code box inside a code box: its edge separates words."""
        assert self._capture is not None
        if self._capture and not self._capture[-1][-1:].isspace():
            self._capture.append(" ")

    def _end_row(self, row: LexborNode, cells: int) -> None:
        if cells:
            self._inline(" |")
            section = row.parent
            if section is not None and section.tag == "thead":
                self._end_line()
                self._inline("|" + " --- |" * cells)
        self._block(1)

    def _write_fenced(self, code: str) -> None:
        code = code.removesuffix("\n")
        fence = "`" * max(3, _longest_backtick_run(code) + 1)
        self._block(2)
        self._inline(fence)
        self._end_line()
        prefix = "".join(self._prefixes)
        self._lines.extend((prefix + line).rstrip() for line in code.split("\n"))
        self._inline(fence)
        self._block(2)

    def _write_code_span(self, code: str) -> None:
        code = " ".join(code.split("\n")).strip(" ")
        if not code:
            self._inline(" ")  # an empty code box still separates words
            return
        fence = "`" * (_longest_backtick_run(code) + 1)
        pad = " " if code.startswith("`") or code.endswith("`") else ""
        self._inline(f"{fence}{pad}{code}{pad}{fence}")

    # Text.

    def _text(self, node: LexborNode) -> None:
        text = (node.text_content or "").translate(_INVISIBLE_TABLE)
        if self._capture is not None:
            self._capture.append(text)
            return
        if self._cells:
            parent = node.parent
            if text.isspace() and parent is not None and parent.tag in _TABLE_PARTS:
                return  # the layout whitespace between cells
            self._inline(text.replace("\n", " "))
            return
        for index, piece in enumerate(text.split("\n")):
            if index and not self._hold_gap:
                self._end_line()  # a soft break: GitHub shows a new line
            self._inline(piece)

    def _inline(self, text: str) -> None:
        if not text:
            return
        if not self._line:
            text = text.lstrip()
            if not text:
                return
            self._flush_gap()
            self._line.append("".join(self._prefixes))
        elif self._line[-1][-1:].isspace():
            text = text.lstrip(" ")  # GitHub shows a run of spaces as one
            if not text:
                return
        self._hold_gap = False
        self._line.append(text)

    def _mark(self, marker: str) -> None:
        """A list marker or heading mark: the element's text follows on the same line."""
        self._inline(marker)
        self._hold_gap = True

    def _block(self, gap: int) -> None:
        if self._hold_gap:
            return
        self._end_line()
        self._owe(gap)

    def _hard_break(self) -> None:
        if self._line:
            self._end_line()
        else:
            self._owe(self._gap + 1)
        self._hold_gap = False

    def _owe(self, gap: int) -> None:
        depth = len(self._prefixes)
        self._gap_depth = depth if not self._gap else min(self._gap_depth, depth)
        self._gap = max(self._gap, gap)

    def _flush_gap(self) -> None:
        if self._gap and self._lines:
            blank = "".join(self._prefixes[: self._gap_depth]).rstrip()
            self._lines.extend(blank for _ in range(self._gap - 1))
        self._gap = 0

    def _end_line(self) -> None:
        if self._line:
            self._lines.append("".join(self._line).rstrip())
            self._line = []
            self._owe(1)


def _list_start(node: LexborNode) -> int:
    match = _HTML_INTEGER.match(node.attributes.get("start") or "")
    return int(match.group(1)) if match else 1


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in _BACKTICK_RUN.findall(text)), default=0)
