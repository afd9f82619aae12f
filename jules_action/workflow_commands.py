"""GitHub Actions workflow commands, step outputs and the step summary.

The string builders are pure and follow the runner toolkit's escaping rules
(https://github.com/actions/toolkit/blob/main/packages/core/src/command.ts). The writers
append to the files and stream they are given. ``Redactor`` replaces every known secret
value in text before it is written anywhere.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TextIO


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str = "", **properties: str) -> str:
    """``::name key=value,...::message`` with both parts escaped."""
    props = ",".join(f"{key}={escape_property(val)}" for key, val in properties.items() if val)
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


class Redactor:
    """Replaces secret values (API key, token) with ``***`` in any text."""

    def __init__(self, secret_values: Iterable[str] = ()) -> None:
        self._secrets = sorted({s for s in secret_values if len(s) >= 4}, key=len, reverse=True)

    def add(self, value: str) -> None:
        if len(value) >= 4 and value not in self._secrets:
            self._secrets = sorted([*self._secrets, value], key=len, reverse=True)

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(self._secrets)

    def __call__(self, text: str) -> str:
        for value in self._secrets:
            text = text.replace(value, "***")
        return text


def format_outputs(outputs: Mapping[str, str]) -> str:
    """The ``GITHUB_OUTPUT`` file format; multi-line values use a random heredoc delimiter."""
    lines = []
    for name, value in outputs.items():
        if "\n" in value or "\r" in value:
            delimiter = f"ghadelimiter_{secrets.token_hex(8)}"
            lines.append(f"{name}<<{delimiter}\n{value}\n{delimiter}")
        else:
            lines.append(f"{name}={value}")
    return "\n".join(lines) + "\n" if lines else ""


def write_outputs(path: Path | None, outputs: Mapping[str, str], *, stream: TextIO) -> None:
    """Append step outputs; without GITHUB_OUTPUT (a local run), print them instead."""
    text = format_outputs(outputs)
    if path is None:
        stream.write("Outputs:\n" + "".join(f"  {line}\n" for line in text.splitlines()))
        return
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


def append_summary(path: Path | None, markdown: str) -> None:
    """Append Markdown to the step summary (no-op outside Actions)."""
    if path is None:
        return
    with path.open("a", encoding="utf-8") as handle:
        handle.write(markdown.rstrip("\n") + "\n")


class WorkflowCommandFormatter(logging.Formatter):
    """Log records as workflow commands: WARNING/ERROR as annotations, DEBUG as ::debug::.

    INFO stays a plain line (notices would add an annotation per line).
    """

    def __init__(self, redactor: Redactor) -> None:
        super().__init__("%(message)s")
        self._redact = redactor

    def format(self, record: logging.LogRecord) -> str:
        message = self._redact(super().format(record))
        if record.levelno >= logging.ERROR:
            return command("error", message, title=getattr(record, "title", ""))
        if record.levelno >= logging.WARNING:
            return command("warning", message, title=getattr(record, "title", ""))
        if record.levelno <= logging.DEBUG:
            return command("debug", message)
        return message
