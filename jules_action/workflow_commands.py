"""GitHub Actions workflow commands, step outputs and the step summary, safe for any text.

The one path for what the action writes to the runner; text from Jules or from issues goes
through it unchanged in meaning but unable to act:

- **Annotations and debug lines** are single workflow commands, built with the runner
  toolkit's escaping (https://github.com/actions/toolkit/blob/main/packages/core/src/command.ts):
  ``%``, CR and LF in the message, and also ``:`` and ``,`` in properties such as ``title``.
  A message therefore stays on its one line, after the command's own ``::``.
- **Plain log lines**: the runner reads every line of the log, and a line that starts (after
  whitespace) with ``::``, or holds ``##[`` anywhere (the legacy form), may be a command. A
  message with such a line is written between ``::stop-commands::<token>`` and
  ``::<token>::``, GitHub's documented way to log text without running commands in it
  (https://docs.github.com/actions/reference/workflow-commands-for-github-actions#stopping-and-starting-workflow-commands),
  with a fresh random token that the text does not contain. Other messages are written as
  they are, so ordinary logs read normally.
- **Outputs** use ``name=value``, or a heredoc whose random delimiter is not in the value.
- **Everything** (log lines, annotation titles, outputs, the summary) is redacted first by
  the given ``Redactor``; ``RedactingGitHub`` (``redaction``) does the same for GitHub writes.

The builders are pure; the writers append to the files and stream they are given.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Final, Literal, TextIO

from jules_action.redaction import Redactor

__all__ = [
    "Redactor",
    "WorkflowCommandFormatter",
    "annotation",
    "append_summary",
    "command",
    "could_be_command",
    "escape_data",
    "escape_property",
    "format_outputs",
    "protect_plain",
    "write_outputs",
]

Level = Literal["error", "warning", "notice", "debug"]
# The runner reads the log line by line, and a line ends at CR, LF or CRLF.
_LINES: Final = re.compile(r"\r\n|\r|\n")


def _new_token() -> str:
    return secrets.token_hex(16)


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str = "", **properties: str) -> str:
    """``::name key=value,...::message`` with both parts escaped: always one line."""
    props = ",".join(f"{key}={escape_property(val)}" for key, val in properties.items() if val)
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def annotation(level: Level, message: str, *, title: str = "") -> str:
    """An ``::error``/``::warning``/``::notice`` annotation or a ``::debug`` line."""
    if level == "debug":
        return command("debug", message)
    return command(level, message, title=title)


def could_be_command(line: str) -> bool:
    """Whether the runner might read ``line`` as a workflow command (now or in legacy form)."""
    return line.lstrip().startswith("::") or "##[" in line


def protect_plain(text: str, *, new_token: Callable[[], str] = _new_token) -> str:
    """``text`` as plain log lines that run no command, whatever it holds."""
    if not any(could_be_command(line) for line in _LINES.split(text)):
        return text
    token = new_token()
    while token in text:
        token = new_token()
    return f"::stop-commands::{token}\n{text}\n::{token}::"


def format_outputs(outputs: Mapping[str, str], *, new_token: Callable[[], str] = _new_token) -> str:
    """The ``GITHUB_OUTPUT`` file format; multi-line values use a random heredoc delimiter."""
    lines = []
    for name, value in outputs.items():
        if "\n" in value or "\r" in value:
            delimiter = f"ghadelimiter_{new_token()}"
            while delimiter in value:
                delimiter = f"ghadelimiter_{new_token()}"
            lines.append(f"{name}<<{delimiter}\n{value}\n{delimiter}")
        else:
            lines.append(f"{name}={value}")
    return "\n".join(lines) + "\n" if lines else ""


def write_outputs(
    path: Path | None,
    outputs: Mapping[str, str],
    *,
    stream: TextIO,
    redactor: Redactor | None = None,
) -> None:
    """Append step outputs, redacted; without GITHUB_OUTPUT (a local run), print them."""
    redact = redactor or Redactor()
    text = format_outputs({name: redact(value) for name, value in outputs.items()})
    if path is None:
        listing = "Outputs:\n" + "".join(f"  {line}\n" for line in text.splitlines())
        stream.write(protect_plain(listing.rstrip("\n")) + "\n")
        return
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


def append_summary(path: Path | None, markdown: str, *, redactor: Redactor | None = None) -> None:
    """Append Markdown to the step summary, redacted (no-op outside Actions)."""
    if path is None:
        return
    text = (redactor or Redactor())(markdown)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text.rstrip("\n") + "\n")


class WorkflowCommandFormatter(logging.Formatter):
    """Log records as workflow commands: WARNING/ERROR as annotations, DEBUG as ::debug::.

    INFO stays plain (notices would add an annotation per line), protected by
    ``protect_plain``. A record's ``title`` (``extra={"title": ...}``) titles its annotation.
    Every message, traceback and title is redacted first.
    """

    def __init__(self, redactor: Redactor, *, new_token: Callable[[], str] = _new_token) -> None:
        super().__init__("%(message)s")
        self._redact = redactor
        self._new_token = new_token

    def format(self, record: logging.LogRecord) -> str:
        message = self._redact(super().format(record))
        title = self._redact(str(getattr(record, "title", "") or ""))
        if record.levelno >= logging.ERROR:
            return annotation("error", message, title=title)
        if record.levelno >= logging.WARNING:
            return annotation("warning", message, title=title)
        if record.levelno <= logging.DEBUG:
            return annotation("debug", message)
        return protect_plain(message, new_token=self._new_token)
