"""Workflow command escaping, outputs file format, the log formatter: no text runs a command.

``runner_commands`` models how the Actions runner reads a log: line by line (a line ends at
CR, LF or CRLF); a line that starts, after whitespace, with ``::`` and has another ``::`` is
a command (``::name props::data``); ``##[name ...]data`` anywhere in a line is the legacy
form; ``::stop-commands::TOKEN`` stops all processing until the line ``::TOKEN::``. It
counts any name as a command, which is stricter than the runner (it knows a fixed set).
"""

from __future__ import annotations

import io
import itertools
import logging
import re
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jules_action.workflow_commands import (
    Redactor,
    WorkflowCommandFormatter,
    annotation,
    append_summary,
    command,
    could_be_command,
    escape_data,
    escape_property,
    format_outputs,
    protect_plain,
    write_outputs,
)

PROPERTIES = settings(
    max_examples=400,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def runner_commands(log: str) -> list[tuple[str, str]]:
    """(name, data) of every workflow command the runner would run in ``log``."""
    found: list[tuple[str, str]] = []
    stopped_until: str | None = None
    for line in re.split(r"\r\n|\r|\n", log):
        trimmed = line.lstrip()
        if stopped_until is not None:
            if trimmed == f"::{stopped_until}::":
                found.append(("resume", stopped_until))
                stopped_until = None
            continue
        if trimmed.startswith("::") and "::" in trimmed[2:]:
            info, data = trimmed[2:].split("::", 1)
            name = info.split(" ", 1)[0]
            found.append((name, data))
            if name == "stop-commands":
                stopped_until = data
            continue
        legacy = re.search(r"##\[([^\]]*)\](.*)", line)
        if legacy:
            found.append((legacy.group(1).split(" ", 1)[0], legacy.group(2)))
    return found


def unescape_data(value: str) -> str:
    return value.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


COMMAND_TEXT = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "::",
                "::add-mask::",
                "::warning::",
                "::error title=x::",
                "::stop-commands::",
                "##[",
                "##[add-mask]",
                "]",
                "\n",
                "\r",
                "\r\n",
                " ",
                "\t",
                "\u00a0",
                "\u2028",
                "%",
                "%0A",
                ":",
                ",",
                "secret-value-123",
            ]
        ),
        st.text(max_size=8),
    ),
    max_size=25,
).map("".join)


def fmt(level: int, msg: str, *, redactor: Redactor | None = None, **extra: object) -> str:
    formatter = WorkflowCommandFormatter(redactor or Redactor(), new_token=lambda: "t0ken")
    record = logging.LogRecord("jules_action", level, "f", 1, msg, None, None)
    record.__dict__.update(extra)
    return formatter.format(record)


def test_escape__follows_the_toolkit_rules() -> None:
    assert escape_data("50%\r\nnext") == "50%25%0D%0Anext"
    assert escape_property("a:b,c") == "a%3Ab%2Cc"
    assert (
        command("error", "bad\nthing", title="Jules: x") == "::error title=Jules%3A x::bad%0Athing"
    )
    assert command("add-mask", "s3cret") == "::add-mask::s3cret"


def test_annotation__levels_and_titles() -> None:
    assert annotation("error", "m", title="T: 1, 2") == "::error title=T%3A 1%2C 2::m"
    assert annotation("notice", "m") == "::notice::m"
    assert annotation("debug", "m", title="ignored") == "::debug::m"


def test_formatter__levels_become_workflow_commands() -> None:
    redactor = Redactor(["topsecret"])
    assert fmt(logging.ERROR, "boom topsecret", redactor=redactor) == "::error::boom ***"
    assert fmt(logging.WARNING, "careful") == "::warning::careful"
    assert fmt(logging.INFO, "hello") == "hello"
    assert fmt(logging.DEBUG, "detail") == "::debug::detail"


def test_formatter__annotation_title_from_the_record_is_escaped_and_redacted() -> None:
    line = fmt(logging.ERROR, "m", redactor=Redactor(["topsecret"]), title="a::b topsecret")
    assert line == "::error title=a%3A%3Ab ***::m"


def test_formatter__failure_reason_cannot_become_a_command() -> None:
    """The attack of issue 10: a newline then ``::add-mask::`` or ``::warning::``."""
    reason = "Jules failed: bad input\n::add-mask::x\n::warning::pwned\n  ::error::indented"
    assert runner_commands(fmt(logging.ERROR, reason)) == [("error", escape_data(reason))]
    info = fmt(logging.INFO, reason)
    assert info == f"::stop-commands::t0ken\n{reason}\n::t0ken::"
    assert runner_commands(info) == [("stop-commands", "t0ken"), ("resume", "t0ken")]


def test_formatter__legacy_form_anywhere_in_a_line_is_stopped() -> None:
    line = fmt(logging.INFO, "see ##[add-mask]x here")
    assert runner_commands(line) == [("stop-commands", "t0ken"), ("resume", "t0ken")]


def test_formatter__carriage_return_is_a_line_end_for_the_runner() -> None:
    line = fmt(logging.INFO, "progress 50%\r::set-output name=x::y")
    assert line.startswith("::stop-commands::")


def test_formatter__traceback_is_redacted_and_protected() -> None:
    formatter = WorkflowCommandFormatter(Redactor(["topsecret"]), new_token=lambda: "t0ken")
    try:
        raise ValueError("topsecret\n::add-mask::x")
    except ValueError:
        record = logging.LogRecord("j", logging.INFO, "f", 1, "crash", None, sys.exc_info())
    text = formatter.format(record)
    assert "topsecret" not in text
    assert runner_commands(text) == [("stop-commands", "t0ken"), ("resume", "t0ken")]


def test_protect_plain__token_never_occurs_in_the_text() -> None:
    tokens = iter(["abc", "abc", "fresh"])
    text = "::abc:: is in the text"
    assert protect_plain(text, new_token=lambda: next(tokens)) == (
        f"::stop-commands::fresh\n{text}\n::fresh::"
    )


def test_protect_plain__ordinary_text_is_unchanged() -> None:
    text = "Session 123 is IN_PROGRESS: 3 of 5 steps done (a::b in the middle is fine)."
    assert protect_plain(text) == text
    assert not could_be_command(text)


def test_protect_plain__default_tokens_are_random() -> None:
    first, second = protect_plain("::x::"), protect_plain("::x::")
    assert first != second
    assert re.fullmatch(r"::stop-commands::([0-9a-f]{32})\n::x::\n::\1::", first)


@PROPERTIES
@given(COMMAND_TEXT, st.sampled_from([logging.DEBUG, logging.INFO, logging.WARNING, 40]))
def test_formatter__runs_only_the_command_it_means_to(text: str, level: int) -> None:
    """For any text, the formatter's output runs exactly the one command meant, or none."""
    secret = "secret-value-123"
    output = fmt(level, text, redactor=Redactor([secret]))
    commands = runner_commands(output)
    expected_text = text.replace(secret, "***")
    if level == logging.INFO:
        assert commands in ([], [("stop-commands", "t0ken"), ("resume", "t0ken")])
        assert output in (expected_text, f"::stop-commands::t0ken\n{expected_text}\n::t0ken::")
    else:
        name = {logging.DEBUG: "debug", logging.WARNING: "warning", 40: "error"}[level]
        assert len(commands) == 1
        assert commands[0][0] == name
        assert unescape_data(commands[0][1]) == expected_text
    assert secret not in output


@PROPERTIES
@given(st.dictionaries(st.sampled_from(["outcome", "message", "pr-url"]), COMMAND_TEXT))
def test_format_outputs__every_value_reads_back_exactly(outputs: dict[str, str]) -> None:
    """The runner's GITHUB_OUTPUT parser (name=value or name<<DELIM ... DELIM) reads back
    each value; the delimiter never occurs in the value."""
    assert read_outputs(format_outputs(outputs)) == outputs


def read_outputs(text: str) -> dict[str, str]:
    lines = iter(text.split("\n"))
    result: dict[str, str] = {}
    for line in lines:
        if not line:
            continue
        equals, heredoc = line.find("="), line.find("<<")
        if equals >= 0 and (heredoc < 0 or equals < heredoc):
            result[line[:equals]] = line[equals + 1 :]
            continue
        name, delimiter = line.split("<<", 1)
        value_lines = list(itertools.takewhile(lambda item, d=delimiter: item != d, lines))
        result[name] = "\n".join(value_lines)
    return result


def test_format_outputs__delimiter_is_regenerated_when_the_value_holds_it() -> None:
    tokens = iter(["abc", "def"])
    text = format_outputs({"m": "x\nghadelimiter_abc\ny"}, new_token=lambda: next(tokens))
    assert text == "m<<ghadelimiter_def\nx\nghadelimiter_abc\ny\nghadelimiter_def\n"


def test_write_outputs__single_and_multi_line(tmp_path: Path) -> None:
    path = tmp_path / "out"
    write_outputs(path, {"outcome": "pr-opened", "note": "a\nb"}, stream=io.StringIO())
    lines = path.read_text().splitlines()
    assert lines[0] == "outcome=pr-opened"
    assert lines[1].startswith("note<<ghadelimiter_")
    assert lines[2:4] == ["a", "b"]
    assert lines[4] == lines[1].split("<<")[1]


def test_write_outputs__redacts_values(tmp_path: Path) -> None:
    path = tmp_path / "out"
    write_outputs(
        path, {"message": "key topsecret"}, stream=io.StringIO(), redactor=Redactor(["topsecret"])
    )
    assert path.read_text() == "message=key ***\n"


def test_write_outputs__prints_when_not_in_actions() -> None:
    stream = io.StringIO()
    write_outputs(None, {"outcome": "skipped"}, stream=stream)
    assert "outcome=skipped" in stream.getvalue()


def test_write_outputs__printed_outputs_run_no_command() -> None:
    stream = io.StringIO()
    write_outputs(None, {"message": "a\n::add-mask::x"}, stream=stream)
    assert [name for name, _ in runner_commands(stream.getvalue())] == ["stop-commands", "resume"]


def test_append_summary__appends_redacted(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    append_summary(path, "one")
    append_summary(path, "two topsecret\n", redactor=Redactor(["topsecret"]))
    assert path.read_text() == "one\ntwo ***\n"
    append_summary(None, "ignored")


def test_runner_model__reads_commands_as_the_runner_does() -> None:
    """The model itself: plain text, V2 after whitespace, legacy anywhere, stop/resume."""
    log = "plain\n  ::warning::w\nx ##[add-mask]m\n::stop-commands::k\n::error::no\n::k::\n"
    assert runner_commands(log) == [
        ("warning", "w"),
        ("add-mask", "m"),
        ("stop-commands", "k"),
        ("resume", "k"),
    ]


@pytest.mark.parametrize("line", ["::a::", " \t::a::b", "\u00a0::x::", "x ##[y]z"])
def test_could_be_command__flags_what_the_runner_might_run(line: str) -> None:
    assert could_be_command(line)
    assert runner_commands(line)
