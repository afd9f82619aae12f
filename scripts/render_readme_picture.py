"""Render the README's picture of the tracking comment from the real templates.

``jules_action.tracking.render`` writes the comment's Markdown for a representative request
whose session opened a pull request; cmarkgfm (the C library GitHub renders Markdown with,
GitHub Flavored Markdown extensions on, raw HTML kept and then HTML comments such as the
hidden marker dropped, as GitHub's sanitizer does) turns it into HTML; a small stylesheet in
the spirit of GitHub's light theme frames it as a comment. The page is written to
``docs/img/tracking-comment.html`` and headless Chromium takes the screenshot
``docs/img/tracking-comment.png``.

tests/unit/test_packaging.py renders the HTML again (no browser needed) and fails when it
differs from the committed file, so a change of the comment's text cannot leave a stale
picture behind: re-run this script and commit both files.

Usage, from the repository root in the venv (``pip install -e '.[test]'`` brings cmarkgfm)::

    python scripts/render_readme_picture.py            # HTML + PNG
    python scripts/render_readme_picture.py --html-only

The screenshot needs Debian's ``chromium`` and fonts with emoji (``apt-get install chromium
fonts-noto-color-emoji fonts-liberation2``); ``--chromium PATH`` picks another binary. The
browser runs with networking features off and a throwaway profile; the page loads nothing
from the network.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import cmarkgfm  # type: ignore[import-untyped]

from jules_action.tracking import MarkerCodec, Status, TrackingState, render

ROOT = Path(__file__).resolve().parent.parent
OUT_HTML = ROOT / "docs" / "img" / "tracking-comment.html"
OUT_PNG = ROOT / "docs" / "img" / "tracking-comment.png"
WIDTH = 860  # CSS pixels; about the width of an issue's comment column
SCALE = 2  # device pixels per CSS pixel, for a sharp picture on high-density screens

# A request as the action records it once Jules opened its pull request.
STATE = TrackingState(
    request="label:42:jules-task",
    issue=42,
    status=Status.PR_OPENED,
    requested_at="2026-12-01T09:12:00Z",
    actor="octocat",
    session_id="5215738401234567890",
    session_url="https://jules.google.com/session/5215738401234567890",
    state="COMPLETED",
    pr_url="https://github.com/octo-org/shop/pull/43",
    pr_title="Round cart totals half-up instead of truncating",
    pr_branch="round-cart-totals-5215738401234567890",
    title="#42: Cart total is off by one cent",
    branch="main",
    run_url="https://github.com/octo-org/shop/actions/runs/9876543210",
    plan=(
        "Find where the cart total is computed",
        "Round half-up to the cent instead of truncating",
        "Add tests for totals that end in half a cent",
        "Run the test suite",
    ),
    plan_done=4,
    report=(
        "Cart totals were truncated to the cent, so 19.995 showed as 19.99. They are now "
        "rounded half-up with `Decimal.quantize`.\n\n"
        "- `cart/total.py`: round with `ROUND_HALF_UP`\n"
        "- `tests/test_total.py`: totals ending in half a cent\n\n"
        "Closes #42"
    ),
    finished_at="2026-12-01T09:31:00Z",
    notified="end",
)

CSS = """
* { box-sizing: border-box; }
html, body { margin: 0; background: #ffffff; }
body {
  padding: 16px;
  width: WIDTHpx;
  color: #1f2328;
  font-family: -apple-system, "Segoe UI", "Noto Sans", "Liberation Sans", Helvetica, Arial,
    sans-serif, "Noto Color Emoji";
  font-size: 14px;
  line-height: 1.5;
}
.comment { border: 1px solid #d1d9e0; border-radius: 6px; overflow: hidden; }
.comment-header {
  display: flex; align-items: center; gap: 8px;
  padding: 8px 16px; background: #f6f8fa; border-bottom: 1px solid #d1d9e0; color: #59636e;
}
.avatar {
  width: 20px; height: 20px; border-radius: 50%; background: #2f81f7;
  color: #ffffff; font-size: 12px; font-weight: 600; text-align: center; line-height: 20px;
}
.author { color: #1f2328; font-weight: 600; }
.label {
  border: 1px solid #d1d9e0; border-radius: 2em; padding: 0 7px;
  font-size: 12px; font-weight: 500; line-height: 18px;
}
.markdown-body { padding: 16px; }
.markdown-body > :first-child { margin-top: 0; }
.markdown-body > :last-child { margin-bottom: 0; }
.markdown-body h3 { margin: 24px 0 16px; font-size: 1.25em; font-weight: 600; line-height: 1.25; }
.markdown-body p, .markdown-body table, .markdown-body blockquote,
.markdown-body ul, .markdown-body ol { margin: 0 0 16px; }
.markdown-body a { color: #0969da; text-decoration: none; }
.markdown-body code {
  padding: 0.2em 0.4em; border-radius: 6px; background: rgba(129, 139, 152, 0.12);
  font-family: ui-monospace, "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 85%;
}
.markdown-body blockquote { padding: 0 1em; color: #59636e; border-left: 0.25em solid #d1d9e0; }
.markdown-body table { border-collapse: collapse; border-spacing: 0; }
.markdown-body th, .markdown-body td { padding: 6px 13px; border: 1px solid #d1d9e0; }
.markdown-body th { font-weight: 600; }
.markdown-body tr { background: #ffffff; border-top: 1px solid #d1d9e0; }
.markdown-body tr:nth-child(2n) { background: #f6f8fa; }
.markdown-body li:has(> input[type=checkbox]) { list-style: none; margin-left: -1.2em; }
.markdown-body details summary { cursor: pointer; color: #0969da; }
""".replace("WIDTHpx", f"{WIDTH}px")


def comment_markdown() -> str:
    """The tracking comment's body, exactly as the action posts it."""
    return render(STATE, MarkerCodec("k"))


def page() -> str:
    """The whole HTML page: the rendered comment in a comment frame."""
    # Raw HTML as GitHub keeps it: <details> shown, HTML comments (the marker) dropped.
    rendered: str = cmarkgfm.github_flavored_markdown_to_html(
        comment_markdown(), options=cmarkgfm.cmark.Options.CMARK_OPT_UNSAFE
    )
    body = re.sub(r"<!--.*?-->\n?", "", rendered, flags=re.DOTALL)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        "<!-- Generated by scripts/render_readme_picture.py from jules_action.tracking.render;"
        " do not edit. -->\n"
        "<title>jules-action tracking comment</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n"
        '<div class="comment">\n'
        '<div class="comment-header"><span class="avatar">A</span>'
        '<span class="author">github-actions</span><span class="label">bot</span>'
        f"<span>commented on issue #{html.escape(str(STATE.issue))}</span></div>\n"
        f'<div class="markdown-body">\n{body}</div>\n</div>\n</body>\n</html>\n'
    )


def chromium_command(chromium: str, profile: Path, *extra: str) -> list[str]:
    return [
        chromium,
        "--headless",
        "--no-sandbox",  # runs as root in CI containers
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *extra,
    ]


def screenshot(chromium: str, source: Path, target: Path) -> None:
    """Measure the page's height in a first pass, then take the screenshot at that size."""
    with tempfile.TemporaryDirectory(prefix="readme-picture-") as tmp:
        work = Path(tmp)
        probe = work / "probe.html"
        probe.write_text(
            source.read_text(encoding="utf-8").replace(
                "</body>",
                "<script>document.body.dataset.height ="
                " Math.ceil(document.documentElement.getBoundingClientRect().height);</script>"
                "</body>",
            ),
            encoding="utf-8",
        )
        dom = subprocess.run(
            chromium_command(chromium, work / "profile", "--dump-dom", probe.as_uri()),
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout
        found = re.search(r'data-height="(\d+)"', dom)
        if found is None:
            sys.exit("Chromium did not report the page height (is it a working chromium?)")
        height = int(found.group(1))
        subprocess.run(
            chromium_command(
                chromium,
                work / "profile",
                f"--window-size={WIDTH},{height}",
                f"--force-device-scale-factor={SCALE}",
                f"--screenshot={target}",
                source.as_uri(),
            ),
            capture_output=True,
            timeout=120,
            check=True,
        )
    print(f"wrote {target.relative_to(ROOT)} ({WIDTH * SCALE}x{height * SCALE} px)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html-only", action="store_true", help="skip the screenshot")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    args = parser.parse_args(argv)
    OUT_HTML.parent.mkdir(parents=True, exist_ok=True)
    OUT_HTML.write_text(page(), encoding="utf-8")
    print(f"wrote {OUT_HTML.relative_to(ROOT)}")
    if not args.html_only:
        screenshot(args.chromium, OUT_HTML, OUT_PNG)
    return 0


if __name__ == "__main__":
    sys.exit(main())
