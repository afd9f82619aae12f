"""Untrusted text (from Jules, from the issue, from an API error) made safe for a comment; pure.

The action's comments show text that others wrote: Jules's questions, plan steps, progress
lines and PR descriptions, PR titles, error messages. Shown as it is, such text could

- forge a marker: an HTML comment (``<!-- jules-action:...``) inside our own comment;
- break out of the block it is shown in: ``</details>`` closes our collapsible block, a ``|``
  ends a table cell, a ``]`` ends a link label, a trailing backslash escapes our own bracket;
- hijack our links: a link reference definition (``[Jules session]: https://evil``) applies to
  the whole comment, whichever block it is in;
- notify people: GitHub turns ``@login`` and ``@org/team`` in a new comment into mentions.

``inline`` (a link label, a table cell, a list item) escapes everything Markdown could act on
and folds lines; ``quote`` (a block) keeps the author's Markdown but escapes every ``<`` (no raw
HTML at all: no comment, no tag; every ``&``, so no entity spells an ``@``), defuses reference
definitions and prefixes every line with
``>``. Both neutralise ``@`` with a zero-width space after it, which GitHub's mention pattern
(``@`` followed by a letter or digit) does not match. ``link_url`` accepts only http(s) URLs
and percent-encodes what could end a Markdown link destination. ``code`` is an inline code
span whose fence is longer than any backtick run inside.
"""

from __future__ import annotations

import re
from typing import Final

_AT: Final = "@\u200b"
_INLINE_SPECIALS: Final = re.compile(r"([\\\[\]|<>`*_~#!&])")
# A line that would be a link reference definition: up to three spaces, then "[label]:".
_DEFINITION: Final = re.compile(r"^( {0,3})\[(?=[^\]]*\]:)", re.MULTILINE)
_URL_OK: Final = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)
_URL_ESCAPES: Final = {"(": "%28", ")": "%29", "<": "%3C", ">": "%3E", '"': "%22", "\\": "%5C"}
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def no_mentions(text: str) -> str:
    """``text`` with every ``@`` unable to mention anyone."""
    return text.replace("@", _AT)


def inline(text: str, *, limit: int = 0) -> str:
    """Text for one line of Markdown (a link label, table cell, list item): shown literally."""
    flat = " ".join(_CONTROL.sub(" ", text).split())
    if limit and len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return no_mentions(_INLINE_SPECIALS.sub(r"\\\1", flat))


def quote(text: str) -> str:
    """Untrusted text as a Markdown block quote that cannot forge a marker or break out."""
    cleaned = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    cleaned = cleaned.replace("&", "&amp;").replace("<", "&lt;")
    cleaned = _DEFINITION.sub(r"\1\\[", cleaned)
    cleaned = no_mentions(cleaned) or "(empty)"
    return "\n".join(f"> {line}" if line.strip() else ">" for line in cleaned.split("\n"))


def link_url(url: str) -> str:
    """``url`` fit to be a Markdown link destination, or "" when it is not an http(s) URL."""
    url = url.strip()
    if not _URL_OK.match(url):
        return ""
    return "".join(_URL_ESCAPES.get(ch, ch) for ch in url)


def link(label: str, url: str) -> str:
    """``[label](url)`` with ``label`` already Markdown; just the label when the URL is unfit."""
    target = link_url(url)
    return f"[{label}]({target})" if target else label


def code(text: str) -> str:
    """An inline code span showing ``text`` literally, whatever backticks it holds."""
    flat = " ".join(text.split())
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def fence_for(text: str) -> str:
    """A code-fence line longer than any backtick run in ``text`` (at least three)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)
