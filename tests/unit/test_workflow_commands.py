"""Workflow command escaping, outputs file format, redaction."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from jules_action.workflow_commands import (
    Redactor,
    WorkflowCommandFormatter,
    append_summary,
    command,
    escape_data,
    escape_property,
    write_outputs,
)


def test_escape__follows_the_toolkit_rules() -> None:
    assert escape_data("50%\r\nnext") == "50%25%0D%0Anext"
    assert escape_property("a:b,c") == "a%3Ab%2Cc"
    assert (
        command("error", "bad\nthing", title="Jules: x") == "::error title=Jules%3A x::bad%0Athing"
    )
    assert command("add-mask", "s3cret") == "::add-mask::s3cret"


def test_write_outputs__single_and_multi_line(tmp_path: Path) -> None:
    path = tmp_path / "out"
    write_outputs(path, {"outcome": "pr-opened", "note": "a\nb"}, stream=io.StringIO())
    lines = path.read_text().splitlines()
    assert lines[0] == "outcome=pr-opened"
    assert lines[1].startswith("note<<ghadelimiter_")
    assert lines[2:4] == ["a", "b"]
    assert lines[4] == lines[1].split("<<")[1]


def test_write_outputs__prints_when_not_in_actions() -> None:
    stream = io.StringIO()
    write_outputs(None, {"outcome": "skipped"}, stream=stream)
    assert "outcome=skipped" in stream.getvalue()


def test_append_summary__appends(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    append_summary(path, "one")
    append_summary(path, "two\n")
    assert path.read_text() == "one\ntwo\n"
    append_summary(None, "ignored")


def test_redactor__replaces_every_secret_longest_first() -> None:
    redact = Redactor(["abcd1234", "abcd", ""])
    assert redact("key=abcd1234 and abcd") == "key=*** and ***"
    redact.add("zzzz9999")
    assert redact("zzzz9999") == "***"


def test_formatter__levels_become_workflow_commands() -> None:
    formatter = WorkflowCommandFormatter(Redactor(["topsecret"]))

    def fmt(level: int, msg: str) -> str:
        return formatter.format(logging.LogRecord("x", level, "f", 1, msg, None, None))

    assert fmt(logging.ERROR, "boom topsecret") == "::error::boom ***"
    assert fmt(logging.WARNING, "careful") == "::warning::careful"
    assert fmt(logging.INFO, "hello") == "hello"
    assert fmt(logging.DEBUG, "detail") == "::debug::detail"
