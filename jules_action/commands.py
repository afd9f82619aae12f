"""The Markdown-aware ``/jules`` command parser; performs no I/O.

A comment triggers only when one of its *top-level paragraphs* starts with the trigger
phrase followed by whitespace or the end of the paragraph, the way the jules-sdk
slash-command action reads comments (``packages/core/examples/github-actions``). So
``/jules.yml is broken``, ``/jules.com`` or ``/jules;rm`` are not commands. The phrase inside
a code block or fence, inline code, a blockquote, a heading, a list item, an HTML block or a
table, or in the middle of a sentence, is a mention and not a command: people quote and
discuss the command without wanting to start a session. A byte-order mark at the start of
the comment is ignored.

The instructions are the rest of that paragraph after the phrase plus every line of the
comment after the paragraph, as the author wrote them (so a code block or list following
the command is part of the request). Text before the command paragraph is not included.
"""

from __future__ import annotations

import itertools
import re
from typing import Final

from markdown_it import MarkdownIt

# CommonMark plus GFM tables, so a phrase in a table cell is not a paragraph.
_MARKDOWN: Final = MarkdownIt("commonmark").enable("table")

_BYTE_ORDER_MARK: Final = "\ufeff"
_APPROVALS: Final = frozenset({"approve", "approved", "approve plan", "approve the plan"})


def find_command(body: str, phrase: str) -> str | None:
    """The instructions of the first top-level paragraph that starts with ``phrase``.

    Matching is case-insensitive. ``"/jules"`` alone gives ``""`` (the caller decides whether
    empty instructions are acceptable); ``None`` means the comment holds no command.
    """
    if not phrase:
        return None
    source = body.removeprefix(_BYTE_ORDER_MARK).replace("\r\n", "\n").replace("\r", "\n")
    tokens = _MARKDOWN.parse(source)
    for opening, inline in itertools.pairwise(tokens):
        if opening.type != "paragraph_open" or opening.level != 0 or opening.map is None:
            continue
        rest_of_paragraph = _after_phrase(inline.content, phrase)
        if rest_of_paragraph is None:
            continue
        following = "\n".join(source.split("\n")[opening.map[1] :])
        return f"{rest_of_paragraph}\n{following}".strip()
    return None


def _after_phrase(paragraph: str, phrase: str) -> str | None:
    head, tail = paragraph[: len(phrase)], paragraph[len(phrase) :]
    if head.lower() != phrase.lower():
        return None
    if tail and not tail[0].isspace():
        return None
    return tail


def is_approval(instructions: str) -> bool:
    """Whether a reply approves Jules' plan: ``approve``, ``Approve.``, ``approve the plan!``."""
    words = re.sub(r"\s+", " ", instructions).strip().rstrip(".!").strip().lower()
    return words in _APPROVALS
