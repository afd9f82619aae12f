"""Redactor (secrets and their encodings) and RedactingGitHub (every GitHub write redacted)."""

from __future__ import annotations

import base64
import inspect
import json
import random
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jules_action.github_port import CommentRecord, GitHubPort
from jules_action.redaction import RedactingGitHub, Redactor

TOKEN = "ghs_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
API_KEY = "AIzaSyD-abcdefghijklmnopqrstuvwxyz01234"
T0 = datetime(2026, 11, 24, tzinfo=UTC)


def test_redactor__replaces_every_secret_longest_first() -> None:
    redact = Redactor(["abcd1234", "abcd", ""])
    assert redact("key=abcd1234 and abcd") == "key=*** and ***"
    redact.add("zzzz9999")
    assert redact("zzzz9999") == "***"
    assert redact.values == ("abcd1234", "zzzz9999", "abcd")


def test_redactor__without_secrets_changes_nothing() -> None:
    assert Redactor()("anything ***") == "anything ***"
    assert Redactor(["abc", "  "])("abc") == "abc"


@pytest.mark.parametrize(
    "encoded",
    [
        quote(API_KEY + "/?&", safe=""),
        json.dumps(API_KEY + '"\n')[1:-1],
        base64.b64encode(API_KEY.encode()).decode(),
        base64.urlsafe_b64encode(b"\xfb\xff" + API_KEY.encode()).decode(),
        base64.b64encode(("x-access-token:" + TOKEN).encode()).decode(),
    ],
)
def test_redactor__masks_common_encodings(encoded: str) -> None:
    redact = Redactor([API_KEY + '/?&"\n', TOKEN, API_KEY])
    assert "***" in redact(f"Jules said: {encoded}.")


def test_redactor__base64_at_every_alignment() -> None:
    """Inside a longer base64 text the secret starts at one of three byte alignments."""
    redact = Redactor([TOKEN])
    rng = random.Random(7)
    for before in range(6):
        for after in range(4):
            blob = rng.randbytes(before) + TOKEN.encode() + rng.randbytes(after)
            for encoded in (base64.b64encode(blob), base64.urlsafe_b64encode(blob)):
                assert "***" in redact(encoded.decode())


def test_redactor__leaves_ordinary_base64_alone() -> None:
    redact = Redactor([TOKEN, API_KEY])
    text = "aGVsbG8gd29ybGQhIQ== and c29tZSBvdGhlciBieXRlcw== and ghs_ other"
    assert redact(text) == text


@settings(
    max_examples=300,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.text(max_size=30), st.text(max_size=30))
def test_redactor__secret_never_survives_in_any_surrounding(before: str, after: str) -> None:
    assert TOKEN not in Redactor([TOKEN])(before + TOKEN + after)


class RecordingGitHub:
    """Records every call; answers reads with fixed values."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, args, kwargs))
            if name == "create_issue_comment":
                return CommentRecord(1, args[1], "bot", "Bot", T0, T0)
            return f"{name}-result"

        return call


PORT_METHODS = sorted(
    name
    for name, _ in inspect.getmembers(GitHubPort, inspect.isfunction)
    if not name.startswith("_")
)


def test_redacting_github__implements_every_port_method() -> None:
    """A method added to GitHubPort must be added (and redacted, if it writes) here too."""
    own = {name for name, _ in inspect.getmembers(RedactingGitHub, inspect.isfunction)}
    assert sorted(set(PORT_METHODS) - own) == []
    for name in PORT_METHODS:
        assert inspect.signature(getattr(RedactingGitHub, name)) == inspect.signature(
            getattr(GitHubPort, name)
        ), name


def test_redacting_github__redacts_every_written_text() -> None:
    """Issue 10: a failure reason echoing the key or token must not reach a public comment."""
    inner = RecordingGitHub()
    github = RedactingGitHub(inner, Redactor([TOKEN, API_KEY]))  # type: ignore[arg-type]
    leak = f"Jules failed: key {API_KEY}, token {TOKEN}"
    record = github.create_issue_comment(7, leak)
    github.edit_issue_comment(11, leak)
    github.edit_pull_body(8, leak)
    github.set_commit_status(
        "abc", "failure", context="Jules session", description=leak, target_url=f"https://x/{TOKEN}"
    )
    github.add_label(7, "jules-in-progress")
    written = json.dumps([call[1:] for call in inner.calls])
    assert TOKEN not in written
    assert API_KEY not in written
    assert record.body == "Jules failed: key ***, token ***"
    assert [call[0] for call in inner.calls] == [
        "create_issue_comment",
        "edit_issue_comment",
        "edit_pull_body",
        "set_commit_status",
        "add_label",
    ]


def test_redacting_github__reads_pass_through() -> None:
    inner = RecordingGitHub()
    github = RedactingGitHub(inner, Redactor([TOKEN]))  # type: ignore[arg-type]
    assert github.get_issue(3) == "get_issue-result"
    assert github.list_issue_comments(3) == "list_issue_comments-result"
    assert github.get_authenticated_login() == "get_authenticated_login-result"
    github.add_issue_reaction(3, "eyes")
    github.add_comment_reaction(4, "rocket")
    github.remove_label(3, "x")
    assert [call[0] for call in inner.calls] == [
        "get_issue",
        "list_issue_comments",
        "get_authenticated_login",
        "add_issue_reaction",
        "add_comment_reaction",
        "remove_label",
    ]
