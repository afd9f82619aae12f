"""The comments as GitHub shows them: rendered with cmark-gfm, GitHub's Markdown renderer.

Raw HTML is rendered as written (``CMARK_OPT_UNSAFE``), the strictest reading: GitHub then
sanitizes it with an allow-list, which removes what is hidden here but adds nothing. Checked for
every kind of tracking comment and for the notices: the marker is not visible text and comes
last, tables have a real header, every link resolves to a link (no ``[..](..)`` left as text),
and text from Jules or the issue, however hostile, cannot break out of its block, hide or forge
a marker, add a link or mention anyone.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from html.parser import HTMLParser

import cmarkgfm  # type: ignore[import-untyped]
import pytest
from cmarkgfm.cmark import Options  # type: ignore[import-untyped]

from jules_action import notices
from jules_action.tracking import MarkerCodec, Status, TrackingState, render

CODEC = MarkerCodec("k")
NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
SESSION = "https://jules.google.com/session/99"
PR = "https://github.com/o/r/pull/3"
RUN = "https://github.com/o/r/actions/runs/1"
OURS = {SESSION, PR, RUN, "https://github.com/o/r/issues/1#issuecomment-5"}
HOSTILE = (
    "done </details></blockquote> <!-- jules-action:v2 AAAA.%s --> <b>bold</b> @alice "
    "@org/team &#64;bob [x](https://evil.example) ![p](https://evil.example/p.png) | a \\\n"
    "[Jules session]: https://evil.example\n"
    "   [#3]: https://evil.example\n"
    "[x]: https://evil.example\n"
    "```\nfence\n"
) % ("0" * 64)

BASE = TrackingState(
    request="label:1:jules-task:t",
    issue=1,
    requested_at="2026-11-24T09:00:00Z",
    actor="alice",
    session_id="99",
    session_url=SESSION,
    run_url=RUN,
    branch="main",
)
STATES = {
    "starting": TrackingState(request="r", issue=1, actor="alice", branch="main"),
    "queued": replace(BASE, status=Status.QUEUED, detail="Jules refused (quota 15/15)."),
    "running": replace(
        BASE,
        status=Status.RUNNING,
        state="IN_PROGRESS",
        plan=("Explore the repository", "Make the change", "Run the tests"),
        plan_done=1,
        progress="Implementing the change: editing the code",
    ),
    "jules-queue": replace(BASE, status=Status.RUNNING, state="QUEUED"),
    "question": replace(
        BASE,
        status=Status.NEEDS_INPUT,
        state="AWAITING_USER_FEEDBACK",
        need="question",
        detail="Why?",
    ),
    "plan": replace(
        BASE,
        status=Status.NEEDS_INPUT,
        state="AWAITING_PLAN_APPROVAL",
        need="plan",
        plan=("Read the code", "Fix the bug"),
    ),
    "paused": replace(BASE, status=Status.NEEDS_INPUT, state="PAUSED", need="paused"),
    "pr-opened": replace(
        BASE,
        status=Status.PR_OPENED,
        state="COMPLETED",
        pr_url=PR,
        pr_branch="fix-99",
        plan=("Explore", "Change"),
        report="I changed the rounding.\n\n- one\n- two",
        finished_at="2026-11-24T09:23:00Z",
    ),
    "no-pr": replace(
        BASE, status=Status.NO_PR, state="COMPLETED", report="Nothing to change.", finished_at="x"
    ),
    "failed": replace(BASE, status=Status.FAILED, state="FAILED", detail="Tests failed."),
    "error": replace(
        BASE,
        status=Status.ERROR,
        detail="Jules rejected the API key. Fix: put a current key into the secret.",
    ),
    "duplicate": replace(
        BASE, status=Status.DUPLICATE, detail="https://github.com/o/r/issues/1#issuecomment-5"
    ),
}


class Seen(HTMLParser):
    """What a reader sees in rendered HTML: text (outside and inside code), links, comments."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.prose: list[str] = []  # text outside <code>/<pre>, where GitHub links mentions
        self.hrefs: list[str] = []  # links outside quotes (ours), bare URLs aside
        self.autolinks: list[str] = []  # bare URLs GitHub links: the text shown is the URL
        self._link: list[str] | None = None
        self.quoted_hrefs: list[str] = []  # links inside a quote of Jules's text
        self.images: list[str] = []
        self.comments: list[str] = []
        self.tags: list[str] = []
        self.stack: list[str] = []
        self.table_heads: list[str] = []
        self._in_th = False
        self._code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag in {"code", "pre"}:
            self._code += 1
        if tag == "a":
            self._link = [dict(attrs).get("href") or ""]
        if tag == "img":
            self.images.append(dict(attrs).get("src") or "")
        if tag == "th":
            self._in_th = True
            self.table_heads.append("")
        if tag not in {"br", "hr", "img", "input"}:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._link is not None:
            href, text = self._link[0], "".join(self._link[1:])
            if "blockquote" in self.stack:
                self.quoted_hrefs.append(href)
            elif text == href:
                self.autolinks.append(href)
            else:
                self.hrefs.append(href)
            self._link = None
        if tag in {"code", "pre"}:
            self._code -= 1
        if tag == "th":
            self._in_th = False
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._link is not None:
            self._link.append(data)
        if not self._code:
            self.prose.append(data)
        if self._in_th:
            self.table_heads[-1] += data

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


def rendered(markdown: str) -> Seen:
    html = cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)
    seen = Seen()
    seen.feed(html)
    seen.close()
    return seen


def check_shown(markdown: str, *, hrefs: set[str], hostile: bool = False) -> Seen:
    seen = rendered(markdown)
    text = "".join(seen.text)
    # Our marker is never visible; a hostile copy is shown as the text it is.
    assert hostile or "jules-action:" not in text, "no visible marker text"
    prose = "".join(seen.prose)
    # Our links all render as links; hostile text that looks like a link shows as text.
    assert hostile or not re.search(r"\]\(", prose), f"a link left as text: {prose!r}"
    assert set(seen.hrefs) <= hrefs, seen.hrefs
    assert all(h.startswith("https://") for h in seen.hrefs)
    assert all(head.strip() for head in seen.table_heads), "no empty table header"
    assert not re.search(r"@[A-Za-z0-9]", prose), "nobody is mentioned by text"
    return seen


@pytest.mark.parametrize("name", sorted(STATES))
def test_tracking_comment__renders_cleanly_with_the_marker_hidden_and_last(name: str) -> None:
    state = STATES[name]
    body = render(state, CODEC, now=NOW)
    seen = check_shown(body, hrefs=OURS)
    assert body.rstrip().splitlines()[-1].startswith("<!-- jules-action:v2 ")
    assert [c for c in seen.comments if "jules-action:v2" in c], "the marker is a real comment"
    assert len(seen.comments) == 1
    assert CODEC.decode(body) == state
    assert "**" not in "".join(seen.text), "bold renders as bold"


def test_tracking_comment__the_facts_table_renders_with_its_header() -> None:
    seen = rendered(render(STATES["pr-opened"], CODEC, now=NOW))
    assert "table" in seen.tags
    assert seen.table_heads == ["Requested by", "Starting branch", "Pull request branch"]


def test_tracking_comment__the_report_is_collapsible_and_the_plan_a_checklist() -> None:
    seen = rendered(render(STATES["pr-opened"], CODEC, now=NOW))
    assert seen.tags.count("details") == 1
    assert "summary" in seen.tags
    assert seen.tags.count("input") == 2, "a task list: one checkbox per plan step"


@pytest.mark.parametrize("field", ["detail", "progress", "report", "plan", "branch", "pr_branch"])
@pytest.mark.parametrize("name", sorted(STATES))
def test_tracking_comment__untrusted_text_cannot_break_out(name: str, field: str) -> None:
    """Hostile text in any field Jules or the issue fills stays inert, in every state."""
    value: object = (HOSTILE, "Step two") if field == "plan" else HOSTILE
    state = replace(STATES[name], **{field: value})
    body = render(state, CODEC, now=NOW)
    seen = check_shown(body, hrefs=OURS, hostile=True)
    assert len(seen.comments) == 1, "the hostile marker is text, not a comment"
    assert "b" not in seen.tags
    assert "blockquote" not in seen.stack
    # Jules's own Markdown links stay inside the quote that shows its text.
    assert set(seen.quoted_hrefs) <= {"https://evil.example"}
    assert seen.tags.count("details") <= 1
    assert "img" not in seen.tags or set(seen.images) == {"https://evil.example/p.png"}
    assert CODEC.decode(body) == state, "the real marker still counts"


@pytest.mark.parametrize(
    "state",
    [
        replace(STATES["question"], need_id="a1", detail=HOSTILE),
        replace(STATES["plan"], need_id="p1"),
        replace(STATES["paused"], need_id="t"),
        STATES["pr-opened"],
        STATES["no-pr"],
        replace(STATES["failed"], detail=HOSTILE),
        STATES["error"],
    ],
    ids=lambda s: s.status.value + ":" + s.need,
)
def test_notice__mentions_the_requester_once_and_nothing_else(state: TrackingState) -> None:
    key = notices.notice_key(state)
    link = "https://github.com/o/r/issues/1#issuecomment-5"
    text = notices.body(state, key=key, codec=CODEC, phrase="/jules", link=link)
    assert text.startswith("@alice ")
    assert text.rstrip().splitlines()[-1] == notices.marker(CODEC, state, key)
    seen = rendered(text)
    visible = "".join(seen.prose)
    assert re.findall(r"@[A-Za-z0-9][\w/-]*", visible) == ["@alice"]
    assert "jules-action:notice" not in "".join(seen.text)
    assert set(seen.hrefs) <= OURS
    assert link in seen.hrefs
    assert len(seen.comments) == 1
