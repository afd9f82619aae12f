"""markdown-it-py set up to parse Markdown the way GitHub does; performs no I/O.

GitHub renders issues with cmark-gfm: CommonMark 0.29 plus the GFM extensions (tables,
strikethrough, extended autolinks, footnotes). markdown-it-py follows CommonMark 0.31 and has
no extended autolinks. Where the two differ on *what is text*, this module makes markdown-it
behave like cmark-gfm, because a difference there is text that one of them shows and the other
hides. Each rule below was found by ``tests/unit/test_sanitize_differential.py``:

- **Extended autolinks** (``http://x``, ``https://x``, ``ftp://x``, ``www.x``): cmark-gfm
  takes the link's source text literally up to whitespace or ``<``, so a code span, image or
  emphasis that starts inside it is not one (``http://x`<!-- c -->` `` shows the URL and
  hides the comment). Ported from cmark-gfm's ``extensions/autolink.c``, including that no
  autolink starts while a ``[`` is open.
- **Declarations**: ``<!`` followed by a lowercase letter, or without a space after the name,
  is text (CommonMark 0.29), not raw HTML.
- **Footnotes**: no ``^[inline]`` footnotes, and a definition ends a quote's or list item's
  lazy continuation.
- **Strikethrough** renders as ``<del>`` (markdown-it writes ``<s>``, which breaks out of a raw
  ``<svg>`` and so would show text that cmark-gfm's ``<del>`` keeps hidden inside it).
- **Links**: every destination is accepted (markdown-it shows ``[a](javascript:x)`` as its
  source text, cmark-gfm as the link text ``a``), and a destination is read as cmark-gfm
  reads it (parentheses need not balance; ``[a]: (b`` is a definition, so hidden).
- **Code spans**: cmark-gfm's memory of backtick runs, which makes it miss some closers.

Email autolinks need nothing: they only wrap text that is shown either way.
"""

from __future__ import annotations

import re
import unicodedata
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from markdown_it import MarkdownIt
from markdown_it.common.html_re import HTML_OPEN_CLOSE_TAG_STR
from markdown_it.common.utils import normalizeReference, replaceEntityPattern, unescapeAll
from markdown_it.helpers import parseLinkDestination, parseLinkLabel, parseLinkTitle
from markdown_it.helpers.parse_link_destination import _Result
from markdown_it.renderer import RendererProtocol
from markdown_it.rules_block import StateBlock
from markdown_it.rules_block.html_block import html_block
from markdown_it.rules_block.lheading import lheading
from markdown_it.rules_block.paragraph import paragraph
from markdown_it.rules_block.reference import reference
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.escape import escape
from markdown_it.rules_inline.html_inline import html_inline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.footnote.index import footnote_def

_LOWERCASE_DECLARATION: Final = re.compile(r"<![a-z]")
_DECLARATION: Final = re.compile(r"<![A-Z]+[ \t\n\v\f\r][^>]*>")
_OPEN_DECLARATION: Final = re.compile(r"<![A-Z]+[ \t\n\v\f\r][^>]*")
_NEVER: Final = 1 << 62
_ENTITY: Final = re.compile(r"&([A-Za-z#][A-Za-z0-9]{1,31});")
_FOOTNOTE_LABEL: Final = re.compile(r"\[\^([^\] ]+)\]:")
# What cmark-gfm's CDATA scanner takes after "<![CDATA[" (a "]]>" must follow it).
_CDATA_CONTENT: Final = re.compile(r"(?:[^\]\x00]+|\][^\]\x00]|\]\][^>\x00])*")
# cmark-gfm's table scanners: spacechar is space, tab, vertical tab, form feed.
_TABLE_SPACE: Final = frozenset(" \t\v\f")
_MARKER: Final = r"[ \t\v\f]*:?-+:?[ \t\v\f]*"
_DELIMITER_ROW: Final = re.compile(rf"\|?{_MARKER}(?:\|{_MARKER})*\|?[ \t\v\f]*")
_SETEXT_OR_ITEM: Final = re.compile(r"-+[ \t]*$|-[ \t]")
_CELL: Final = re.compile(r"(?:\\\||[^|\r\n\x00])+")
_CMARK_TRIM: Final = " \t\n\r"
_MAX_AUTOCOMPLETED_CELLS: Final = 0x80000
_HTML_OPEN_OR_CLOSE_TAG_LINE: Final = re.compile(HTML_OPEN_CLOSE_TAG_STR + r"\s*$")
_MAX_BACKTICKS: Final = 1000  # cmark-gfm's MAXBACKTICKS
# markdown-it's text rule stops at these (CommonMark's special characters), and here also
# where a www. autolink may start.
_TEXT_END: Final = re.compile(r"[\n!#$%&*+\-:<=>@\[\\\]^_`{}~]|www\.")
_SCHEMES: Final = ("http://", "https://", "ftp://")
# cmark_isspace: tab, line feed, carriage return, space (not vertical tab or form feed).
_CMARK_SPACE: Final = frozenset("\t\n\r ")
# cmark_utf8proc_is_space.
_CMARK_UNICODE_SPACE: Final = frozenset(
    "\t\n\f\r \u00a0\u1680\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B)))
)
_ASCII_PUNCTUATION: Final = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_TRAILING_PUNCTUATION: Final = frozenset("?!.,:*_~'\"")
_WWW_MAY_FOLLOW: Final = frozenset("*_~(") | _CMARK_SPACE

# Per inline parse: how many "[" are open (seen, not yet closed by a "]"), as in cmark-gfm's
# bracket stack. No autolink starts while one is.
_OPEN_BRACKETS: weakref.WeakKeyDictionary[StateInline, int] = weakref.WeakKeyDictionary()
# Per inline parse: from which position on a kind of raw HTML is no longer looked for.
_SKIP_FROM: weakref.WeakKeyDictionary[StateInline, dict[str, int]] = weakref.WeakKeyDictionary()
_BACKTICKS: weakref.WeakKeyDictionary[StateInline, _BacktickMemo] = weakref.WeakKeyDictionary()
# Per block parse: lines that head a table as a paragraph's last line (which may look like
# the start of another block, such as an indented line or a lone <tag>).
_CONTINUED_HEADERS: weakref.WeakKeyDictionary[StateBlock, set[int]] = weakref.WeakKeyDictionary()
# Per block parse: the first line of the paragraph being read, and the paragraphs (by first
# line) that cannot become tables any more.
_PARAGRAPH_START: weakref.WeakKeyDictionary[StateBlock, int] = weakref.WeakKeyDictionary()
_VISITED: weakref.WeakKeyDictionary[StateBlock, set[int]] = weakref.WeakKeyDictionary()


class GitHubMarkdown(MarkdownIt):
    """markdown-it-py configured like cmark-gfm with GitHub's extensions and raw HTML."""

    def __init__(self) -> None:
        # maxNesting: markdown-it stops rendering (drops text) past this depth; cmark-gfm has
        # no such limit, so it is raised from CommonMark's 20 as far as recursion allows.
        super().__init__(
            "commonmark", {"html": True, "maxNesting": 60, "strikethrough_single_tilde": True}
        )
        self.enable(["table", "strikethrough"])
        self.block.ruler.at("table", _table, {"alt": ["paragraph", "reference"]})
        self.block.ruler.at("reference", _reference)
        self.block.ruler.at("lheading", _lheading)
        self.block.ruler.at("paragraph", _paragraph)
        self.use(footnote_plugin, inline=False)
        self.block.ruler.at(
            "footnote_def", _footnote_def, {"alt": ["paragraph", "reference", "blockquote", "list"]}
        )
        self.inline.ruler.at("footnote_ref", _footnote_ref)
        self.block.ruler.at(
            "html_block", _html_block, {"alt": ["paragraph", "reference", "blockquote"]}
        )
        self.inline.ruler.at("html_inline", _html_inline)
        self.inline.ruler.at("backticks", _backticks)
        self.inline.ruler.at("text", _text)
        self.inline.ruler.at("escape", _escape)
        self.inline.ruler.before("text", "gfm_autolink", _extended_autolink)
        self.inline.ruler.push("gfm_brackets", _track_brackets)
        # cmark-gfm's link destinations, for inline links and reference definitions alike.
        self.helpers = _CmarkHelpers  # type: ignore[assignment] # same three functions
        self.add_render_rule("s_open", lambda *_: "<del>")
        self.add_render_rule("s_close", lambda *_: "</del>")
        self.add_render_rule("footnote_ref", _render_footnote_ref)
        self.add_render_rule("footnote_anchor", _render_footnote_backref)

    def validateLink(self, url: str) -> bool:
        """Every destination makes a link, as in cmark-gfm."""
        return True

    def normalizeLinkText(self, link: str) -> str:
        """An autolink's text: entities decoded, ``%41`` kept as it is (cmark-gfm)."""
        return _ENTITY.sub(lambda match: replaceEntityPattern(match[0], match[1]), link)


def _parse_link_destination(string: str, pos: int, maximum: int) -> _Result:
    """cmark-gfm's ``manual_scan_link_url``.

    Unlike markdown-it's, it does not require balanced parentheses (``[a]: (b`` defines a
    destination ``(b``), and only tab, line feed, carriage return and space end it.
    """
    if string.startswith("<", pos):
        return parseLinkDestination(string, pos, maximum)
    result = _Result()
    start, depth = pos, 0
    while pos < maximum:
        char = string[pos]
        if char == "\\" and pos + 1 < maximum and string[pos + 1] in _ASCII_PUNCTUATION:
            pos += 2
        elif char == "(":
            depth += 1
            pos += 1
            if depth > 32:
                return result
        elif char == ")":
            if depth == 0:
                break
            depth -= 1
            pos += 1
        elif char in _CMARK_SPACE:
            break
        else:
            pos += 1
    if pos == start:
        return result
    result.ok, result.pos, result.str = True, pos, unescapeAll(string[start:pos])
    return result


class _CmarkHelpers:
    """markdown-it's ``helpers`` namespace with cmark-gfm's link destination rule."""

    parseLinkLabel = staticmethod(parseLinkLabel)
    parseLinkTitle = staticmethod(parseLinkTitle)
    parseLinkDestination = staticmethod(_parse_link_destination)


def _reference(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """Link reference definitions at the start of a paragraph, as cmark-gfm takes them.

    cmark-gfm takes definitions out of a paragraph when it ends; the lines after them stay
    that paragraph, even an indented one (markdown-it would start a code block there). And in
    a paragraph that turns into a table, nothing is taken out: the lines above the header stay
    a visible paragraph, definitions included, and a definition can be the header itself.
    """
    _PARAGRAPH_START[state] = start_line
    if _paragraph_has_table(state, start_line, end_line):
        return False
    if not reference(state, start_line, end_line, silent):
        return False
    if silent:
        return True
    line = state.line
    while _continues(state, line, end_line) and reference(state, line, end_line, False):
        line = state.line
    if _continues(state, line, end_line) and not _interrupts_paragraph(state, line, end_line):
        _lheading(state, line, end_line, False) or _paragraph(state, line, end_line, False)
    return True


def _lheading(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    return lheading(state, start_line, _paragraph_end(state, start_line, end_line), silent)


def _paragraph(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    line_max, state.lineMax = state.lineMax, _paragraph_end(state, start_line, end_line)
    try:
        return paragraph(state, start_line, state.lineMax, silent)  # it reads lineMax
    finally:
        state.lineMax = line_max


def _paragraph_end(state: StateBlock, start_line: int, end_line: int) -> int:
    """Where the paragraph starting at ``start_line`` must end, at the latest.

    Two places markdown-it does not look for block starts and cmark-gfm does: an indented
    line of the paragraph that heads a table, and a lazy continuation line (outside the
    paragraph's quote, list item or footnote) that is a lone HTML tag, which starts an HTML
    block there.
    """
    _PARAGRAPH_START[state] = start_line
    line = start_line + 1
    while line < end_line and not state.isEmpty(line):
        if state.sCount[line] < state.blkIndent:
            if _is_lone_tag(state, line):
                return line
            if _interrupts_paragraph(state, line, end_line):
                break
        elif state.is_code_block(line):
            if _table_header(state, line, end_line, continuing=True) is not None:
                return line
        elif _interrupts_paragraph(state, line, end_line):
            break
        line += 1
    return end_line


def _is_lone_tag(state: StateBlock, line: int) -> bool:
    """An HTML block of type 7 (a lone open or closing tag) may start at ``line``."""
    return not state.is_code_block(line) and bool(
        _HTML_OPEN_OR_CLOSE_TAG_LINE.match(_line(state, line))
    )


def _continues(state: StateBlock, line: int, end_line: int) -> bool:
    return line < end_line and not state.isEmpty(line) and state.sCount[line] >= state.blkIndent


def _paragraph_has_table(state: StateBlock, start_line: int, end_line: int) -> bool:
    """Whether the paragraph that would start at ``start_line`` turns into a table."""
    _PARAGRAPH_START[state] = start_line
    if _table_header(state, start_line, end_line, continuing=False) is not None:
        return True
    line = start_line + 1
    while _continues(state, line, end_line):
        if _table_header(state, line, end_line, continuing=True) is not None:
            return True
        if _interrupts_paragraph(state, line, end_line):
            return False
        line += 1
    return False


def _interrupts_paragraph(state: StateBlock, line: int, end_line: int) -> bool:
    """Whether a block that may interrupt a paragraph starts at ``line`` (a table aside)."""
    old_parent, state.parentType = state.parentType, "paragraph"
    try:
        rules = state.md.block.ruler.getRules("paragraph")
        return any(rule(state, line, end_line, True) for rule in rules if rule is not _table)
    finally:
        state.parentType = old_parent


def _table(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """cmark-gfm's table extension: the header is the paragraph line above a delimiter row.

    Unlike markdown-it's, the header needs no pipe (``a`` over ``-:`` is a table), but it has
    to be a paragraph line, and the body ends at a blank line, at a line with no cell, or
    where any other block starts.
    """
    continuing = silent and state.parentType in ("paragraph", "reference")
    continuing = continuing or start_line in _CONTINUED_HEADERS.get(state, ())
    header = _table_header(state, start_line, end_line, continuing=continuing)
    if header is None or silent:
        return header is not None
    old_parent, state.parentType = state.parentType, "table"
    state.push("table_open", "table", 1).map = table_map = [start_line, 0]
    state.push("thead_open", "thead", 1)
    _push_row(state, header, len(header), "th", start_line)
    state.push("thead_close", "thead", -1)
    line, body_open, autocompleted = start_line + 2, False, 0
    while line < end_line and not _ends_table(state, line, end_line):
        cells = _cells(_line(state, line))
        autocompleted += max(len(header) - len(cells or ()), 0)
        if not cells or autocompleted > _MAX_AUTOCOMPLETED_CELLS:
            break
        if not body_open:
            state.push("tbody_open", "tbody", 1)
            body_open = True
        _push_row(state, cells, len(header), "td", line)
        line += 1
    if body_open:
        state.push("tbody_close", "tbody", -1)
    state.push("table_close", "table", -1)
    table_map[1] = state.line = line
    state.parentType = old_parent
    return True


def _table_header(
    state: StateBlock, line: int, end_line: int, *, continuing: bool
) -> list[str] | None:
    """The header cells if a table starts at ``line``; ``continuing``: in a paragraph.

    Like cmark-gfm, once a paragraph had a delimiter row under a header of another width,
    it never becomes a table.
    """
    delimiter_line = line + 1
    if delimiter_line >= end_line or state.sCount[delimiter_line] < state.blkIndent:
        return None
    if state.is_code_block(delimiter_line):
        return None
    delimiter = _line(state, delimiter_line)
    if not _DELIMITER_ROW.fullmatch(delimiter) or _SETEXT_OR_ITEM.match(delimiter):
        return None
    if continuing:
        if _interrupts_paragraph(state, line, end_line):
            return None  # the line starts a block of its own, which ends the paragraph
        start = _PARAGRAPH_START.get(state, line)
    elif _starts_other_block(state, line, end_line):
        return None
    else:
        start = line
    visited = _VISITED.setdefault(state, set())
    if start in visited:
        return None
    header, markers = _cells(_line(state, line)), _cells(delimiter)
    if header is None or markers is None or len(header) != len(markers):
        visited.add(start)
        return None
    if continuing:  # the paragraph ends here; the table rule then sees a fresh start
        _CONTINUED_HEADERS.setdefault(state, set()).add(line)
    return header


def _starts_other_block(state: StateBlock, line: int, end_line: int) -> bool:
    """Whether a block other than a paragraph (or table) starts at ``line``."""
    if state.is_code_block(line) or _HTML_OPEN_OR_CLOSE_TAG_LINE.match(_line(state, line)):
        return True
    return any(
        rule(state, line, end_line, True)
        for rule in state.md.block.ruler.getRules("")
        if rule not in _NOT_OTHER_BLOCKS
    )


def _line(state: StateBlock, line: int) -> str:
    return state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]


def _cells(line: str) -> list[str] | None:
    """cmark-gfm's ``row_from_string`` for one line: its trimmed cells, None for no cell."""
    pos = _pipe_end(line, 0)
    cells = []
    while pos < len(line):
        cell = _CELL.match(line, pos)
        cell_end = cell.end() if cell else pos
        pipe_end = _pipe_end(line, cell_end)
        if cell or pipe_end > cell_end:
            cells.append(line[pos:cell_end].replace("\\|", "|").strip(_CMARK_TRIM))
        if pipe_end == cell_end:
            break
        pos = pipe_end
    return cells or None


def _pipe_end(line: str, pos: int) -> int:
    if not line.startswith("|", pos):
        return pos
    pos += 1
    while pos < len(line) and line[pos] in _TABLE_SPACE:
        pos += 1
    return pos


def _ends_table(state: StateBlock, line: int, end_line: int) -> bool:
    if state.sCount[line] < state.blkIndent or state.is_code_block(line):
        return True
    if not _line(state, line).strip():
        return True
    if _HTML_OPEN_OR_CLOSE_TAG_LINE.match(_line(state, line)):
        return True  # an HTML block of any kind may start here, unlike in a paragraph
    return any(
        rule(state, line, end_line, True) for rule in state.md.block.ruler.getRules("blockquote")
    )


def _push_row(state: StateBlock, cells: list[str], width: int, tag: str, line: int) -> None:
    state.push("tr_open", "tr", 1).map = [line, line + 1]
    for index in range(width):
        state.push(f"{tag}_open", tag, 1)
        inline = state.push("inline", "", 0)
        inline.map = [line, line + 1]
        inline.content = cells[index] if index < len(cells) else ""
        inline.children = []
        state.push(f"{tag}_close", tag, -1)
    state.push("tr_close", "tr", -1)


def _footnote_def(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """A footnote definition, labelled as cmark-gfm does: case-insensitively, first one wins.

    A later definition of the same label is parsed (so hidden) but given a label no reference
    can match, so it is dropped like an unreferenced one.
    """
    if silent:
        return footnote_def(state, start_line, end_line, silent)
    label_match = _FOOTNOTE_LABEL.match(
        state.src, state.bMarks[start_line] + state.tShift[start_line]
    )
    before = state.env.get("footnotes", {}).get("refs", {})
    raw = label_match[1] if label_match else ""
    raw_known, label = ":" + raw in before, normalizeReference(raw)
    label_known = ":" + label in before
    first = len(state.tokens)
    if not footnote_def(state, start_line, end_line, silent):
        return False
    opening = state.tokens[first]
    refs = state.env["footnotes"]["refs"]
    raw = opening.meta["label"]
    if not raw_known:
        del refs[":" + raw]
    if label_known:
        opening.meta["label"] = f"\x00duplicate {first}"
    else:
        refs[":" + label] = -1
        opening.meta["label"] = label
    return True


def _footnote_ref(state: StateInline, silent: bool) -> bool:
    """A ``[^label]`` reference to a defined footnote, the label matched case-insensitively."""
    src, start, maximum = state.src, state.pos, state.posMax
    footnotes = state.env.get("footnotes", {})
    refs = footnotes.get("refs")
    if not refs or start + 3 > maximum or not src.startswith("[^", start):
        return False
    end = start + 2
    while end < maximum and src[end] not in " \n]":
        end += 1
    if end == start + 2 or end >= maximum or src[end] != "]":
        return False
    label = normalizeReference(src[start + 2 : end])
    if ":" + label not in refs:
        return False
    if not silent:
        number = refs[":" + label]
        if number < 0:
            number = refs[":" + label] = len(footnotes["list"])
            footnotes["list"][number] = {"label": label, "count": 0}
        sub_id = footnotes["list"][number]["count"]
        footnotes["list"][number]["count"] += 1
        token = state.push("footnote_ref", "", 0)
        token.meta = {"id": number, "subId": sub_id, "label": label}
    state.pos = end + 1
    return True


def _html_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """Block HTML as cmark-gfm starts it.

    ``<!`` + a lowercase letter starts none (CommonMark 0.29), and a lone tag (type 7) ends
    a quote's lazy continuation (it only may not interrupt a paragraph).
    """
    start = state.bMarks[start_line] + state.tShift[start_line]
    if _LOWERCASE_DECLARATION.match(state.src, start):
        return False
    if silent and state.parentType == "blockquote" and _is_lone_tag(state, start_line):
        return True
    return html_block(state, start_line, end_line, silent)


def _html_inline(state: StateInline, silent: bool) -> bool:
    """Inline raw HTML as cmark-gfm reads it.

    A declaration is ``<!`` + capitals + a space. And cmark-gfm stops looking for a kind of
    construct once one was left open to the end of the paragraph: after an unterminated
    ``<!--`` nothing starting with ``<!`` is HTML any more, after an unterminated
    ``<![CDATA[``, ``<!DECL`` or ``<?`` no other of that kind is.
    """
    src, pos = state.src, state.pos
    if not src.startswith(("<!", "<?"), pos):
        # markdown-it counts raw <a> as a link, where no autolink may start; cmark-gfm not.
        link_level = state.linkLevel
        found = html_inline(state, silent)
        state.linkLevel = link_level
        return found
    skips = _SKIP_FROM.setdefault(state, {})
    kind = _kind(src, pos)
    if skips.get(kind, _NEVER) <= pos or (kind != "pi" and skips.get("comment", _NEVER) <= pos):
        return False
    if kind == "declaration" and not _DECLARATION.match(src, pos):
        if _OPEN_DECLARATION.fullmatch(src, pos):
            skips.setdefault(kind, pos)
        return False
    if kind == "cdata" and src.startswith("<![CDATA[", pos):
        content = _CDATA_CONTENT.match(src, pos + 9)
        end = content.end() if content else pos + 9
        if end == len(src):
            skips.setdefault(kind, pos)
        if not src.startswith("]]>", end):
            return False
    found = html_inline(state, silent)
    if not found and kind != "declaration" and _is_left_open(src, pos, kind):
        skips.setdefault(kind, pos)
    return found


def _kind(src: str, pos: int) -> str:
    if src.startswith("<!--", pos):
        return "comment"
    if src.startswith("<![", pos):
        return "cdata"
    return "pi" if src.startswith("<?", pos) else "declaration"


def _is_left_open(src: str, pos: int, kind: str) -> bool:
    if kind == "comment":
        return not src.startswith(("<!-->", "<!--->"), pos)
    if kind == "cdata":
        return False  # decided above
    return "?>" not in src[pos + 2 :]


def _backticks(state: StateInline, silent: bool) -> bool:
    """Code spans as cmark-gfm finds them, quirks included (see ``_closing_backticks``)."""
    src, start = state.src, state.pos
    if src[start] != "`":
        return False
    after = start
    while after < state.posMax and src[after] == "`":
        after += 1
    run = after - start
    close = _closing_backticks(state, after, run, record=not silent)
    if close is None:
        if not silent:
            state.append_pending(src[start:after])
        state.pos = after
        return True
    if not silent:
        token = state.push("code_inline", "code", 0)
        token.markup = src[start:after]
        content = src[after : close - run].replace("\n", " ")
        if content.startswith(" ") and content.endswith(" ") and content.strip(" "):
            content = content[1:-1]
        token.content = content
    state.pos = close
    return True


def _closing_backticks(state: StateInline, pos: int, run: int, *, record: bool) -> int | None:
    """cmark-gfm's ``scan_to_closing_backticks``: the end of the closing run, or None.

    cmark-gfm remembers where it last saw a run of each length, also the run that closed a
    code span, and once a scan reached the end it takes a remembered position before ``pos``
    for "no closer": so in ``\u0060\u0060\u0060x\u0060y\u0060z\u0060<b>\u0060`` the
    last pair is no code span. Runs of more than 1000 backticks never open or close one.
    """
    if run > _MAX_BACKTICKS:
        return None
    memo = _BACKTICKS.setdefault(state, _BacktickMemo())
    if memo.scanned and memo.last.get(run, 0) <= pos:
        return None
    src, end = state.src, state.posMax
    while (found := src.find("`", pos, end)) != -1:
        pos = found
        while pos < end and src[pos] == "`":
            pos += 1
        if record and pos - found <= _MAX_BACKTICKS:
            memo.last[pos - found] = found
        if pos - found == run:
            return pos
    if record and end == len(src):
        memo.scanned = True
    return None


@dataclass
class _BacktickMemo:
    scanned: bool = False
    last: dict[int, int] = field(default_factory=dict)


def _escape(state: StateInline, silent: bool) -> bool:
    """A backslash escapes only ASCII punctuation (and a line end); else it is a character.

    markdown-it takes ``\\h`` as one token, which hides the ``h`` from an autolink's scheme.
    """
    src, pos = state.src, state.pos
    if src[pos] != "\\" or pos + 1 >= state.posMax:
        return False
    if src[pos + 1] != "\n" and src[pos + 1] not in _ASCII_PUNCTUATION:
        if not silent:
            state.append_pending("\\")
        state.pos = pos + 1
        return True
    return escape(state, silent)


def _text(state: StateInline, silent: bool) -> bool:
    """markdown-it's text rule, also stopping where a ``www.`` autolink may start."""
    end = _TEXT_END.search(state.src, state.pos, state.posMax)
    stop = end.start() if end else state.posMax
    if stop == state.pos:
        return False
    if not silent:
        state.append_pending(state.src[state.pos : stop])
    state.pos = stop
    return True


def _track_brackets(state: StateInline, silent: bool) -> bool:
    """Last rule: a ``[`` or ``]`` no other rule took is open or closes a bracket."""
    if not silent:
        char = state.src[state.pos]
        if char == "[":
            _OPEN_BRACKETS[state] = _OPEN_BRACKETS.get(state, 0) + 1
        elif char == "]" and _OPEN_BRACKETS.get(state, 0):
            _OPEN_BRACKETS[state] -= 1
    return False


def _extended_autolink(state: StateInline, silent: bool) -> bool:
    if silent or state.linkLevel > 0 or _OPEN_BRACKETS.get(state, 0):
        return False  # silent: scanning a link label, where a bracket is open
    char = state.src[state.pos]
    if char == ":":
        found = _url_match(state.src, state.pos, state.pending)
    elif char == "w":
        found = _www_match(state.src, state.pos)
    else:
        return False
    if found is None:
        return False
    rewind, end = found
    if rewind:
        state.pending = state.pending[:-rewind]
    opening = state.push("link_open", "a", 1)
    opening.attrs = {"href": state.src[state.pos - rewind : end]}
    opening.markup = "autolink"
    opening.info = "auto"
    state.push("text", "", 0).content = state.src[state.pos - rewind : end]
    state.push("link_close", "a", -1).markup = "autolink"
    state.pos = end
    return True


def _url_match(src: str, pos: int, pending: str) -> tuple[int, int] | None:
    """cmark-gfm's ``url_match`` at the ``:`` at ``pos``: (letters to take back, end)."""
    if src[pos + 1 : pos + 3] != "//":
        return None
    rewind = 0
    while rewind < pos and src[pos - rewind - 1].isascii() and src[pos - rewind - 1].isalpha():
        rewind += 1
    start = pos - rewind
    if not pending.endswith(src[start:pos]) or not _is_safe(src, start):
        return None
    domain = _check_domain(src, pos + 3, allow_short=True)
    if domain == 0:
        return None
    end = _extend(src, pos + 3 + domain)
    end = _trim_end(src, start, end)
    return (rewind, end) if end > start else None


def _www_match(src: str, pos: int) -> tuple[int, int] | None:
    """cmark-gfm's ``www_match`` at the ``w`` at ``pos``."""
    if pos > 0 and src[pos - 1] not in _WWW_MAY_FOLLOW:
        return None
    if not src.startswith("www.", pos):
        return None
    domain = _check_domain(src, pos, allow_short=False)
    if domain == 0:
        return None
    end = _trim_end(src, pos, _extend(src, pos + domain))
    return (0, end) if end > pos else None


def _is_safe(src: str, start: int) -> bool:
    for scheme in _SCHEMES:
        after = start + len(scheme)
        if src[start:after].lower() == scheme and after < len(src):
            return _is_host_char(src[after])
    return False


def _check_domain(src: str, start: int, *, allow_short: bool) -> int:
    """cmark-gfm's ``check_domain``: the length of the domain at ``start``, or 0."""
    size = len(src) - start
    dots = underscores_last = underscores = 0
    index = 1
    while index < size - 1:
        char = src[start + index]
        if char == "\\" and index < size - 2:
            index += 1
            char = src[start + index]
        if char == "_":
            underscores += 1
        elif char == ".":
            underscores_last, underscores = underscores, 0
            dots += 1
        elif not _is_host_char(char) and char != "-":
            break
        index += 1
    if (underscores_last or underscores) and dots <= 10:
        return 0
    return index if allow_short or dots else 0


def _extend(src: str, end: int) -> int:
    while end < len(src) and src[end] not in _CMARK_SPACE and src[end] != "<":
        end += 1
    return end


def _trim_end(src: str, start: int, end: int) -> int:
    """cmark-gfm's ``autolink_delim`` over ``src[start:end]``: the end without trailing
    punctuation, unbalanced closing parentheses or an entity-like ``&name;``."""
    link = src[start:end]
    cut = link.find("<")
    if cut >= 0:
        link = link[:cut]
    opening, closing = link.count("("), link.count(")")
    length = len(link)
    while length > 0:
        last = link[length - 1]
        if last == ")":
            if closing <= opening:
                break
            closing -= 1
            length -= 1
        elif last in _TRAILING_PUNCTUATION:
            length -= 1
        elif last == ";":
            back = length - 2
            while back > 0 and link[back].isascii() and link[back].isalpha():
                back -= 1
            length = back if back < length - 2 and link[back] == "&" else length - 1
        else:
            break
    return start + length


def _is_host_char(char: str) -> bool:
    """cmark-gfm's ``is_valid_hostchar``: neither a space nor punctuation."""
    if char in _CMARK_UNICODE_SPACE or char in _ASCII_PUNCTUATION:
        return False
    return not unicodedata.category(char).startswith("P")


def _render_footnote_ref(
    self: RendererProtocol, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """``[1]`` for every reference to footnote 1 (cmark-gfm shows ``1`` each time)."""
    number = tokens[idx].meta["id"] + 1
    return f'<sup class="footnote-ref"><a data-footnote-ref>[{number}]</a></sup>'


def _render_footnote_backref(
    self: RendererProtocol, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """The way back to the k-th reference: ``↩``, then ``↩2``, ``↩3`` as in cmark-gfm."""
    sub_id = tokens[idx].meta.get("subId", 0)
    return " <a>↩" + (f"<sup>{sub_id + 1}</sup>" if sub_id > 0 else "") + "</a>"


# Block rules that do not count as "another block" above a table's delimiter row.
_NOT_OTHER_BLOCKS: Final = frozenset({_table, _reference, _lheading, _paragraph})
