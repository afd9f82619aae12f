"""The composition root: the one module that reads the environment and builds real clients.

``python -m jules_action`` (and the image's ``entrypoint.py``) runs the action from the
runner's variables (the local demo lives in the development package, ``jules_action_dev``).
Every expected failure ends as one message
(``::error::`` annotation, step summary, tracking comment where there is an issue), the
``outcome`` output and a defined exit code; the API key and token are masked first.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final, Protocol, TextIO

import httpx

from jules_action import __version__
from jules_action.clock import Clock, SystemClock
from jules_action.config import GitHubContext, Mode, Settings
from jules_action.errors import ConfigError, EventError, JulesActionError
from jules_action.events import Event, parse_event
from jules_action.github_port import GitHubPort
from jules_action.jules_client import JulesClient
from jules_action.messages import explain
from jules_action.orchestrator import run
from jules_action.outcome import Outcome, OutcomeKind
from jules_action.ports import assemble, deadline_of
from jules_action.reconcile import reconcile
from jules_action.redaction import RedactingGitHub
from jules_action.sessions import with_results
from jules_action.workflow_commands import (
    Redactor,
    WorkflowCommandFormatter,
    append_summary,
    command,
    write_outputs,
)

log = logging.getLogger("jules_action")

SECRET_INPUTS = ("INPUT_JULES-API-KEY", "INPUT_GITHUB-TOKEN")
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


USAGE = """usage: python -m jules_action [run]

Runs the action from the GitHub Actions environment: the action's inputs come from the
INPUT_* variables and the event from GITHUB_EVENT_NAME / GITHUB_EVENT_PATH, as the runner
sets them. To try the whole flow locally with no credentials: python -m jules_action_dev demo
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m jules_action``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if any(arg in {"-h", "--help"} for arg in args):
        sys.stdout.write(USAGE)
        return EXIT_OK
    if args not in ([], ["run"]):
        sys.stderr.write(USAGE)
        return EXIT_USAGE
    return run_from_environ(dict(os.environ), stdout=sys.stdout)


def run_from_environ(
    environ: Mapping[str, str],
    *,
    stdout: TextIO,
    clock: Clock | None = None,
    github_factory: GitHubFactory | None = None,
    jules_transport: httpx.BaseTransport | None = None,
) -> int:
    """Run the action from the runner's variables; returns the exit code.

    ``clock``, ``github_factory`` and ``jules_transport`` are the seams tests replace.
    """
    secrets = [environ.get(name, "").strip() for name in SECRET_INPUTS]
    redactor = Redactor(secrets)
    for value in secrets:
        if value:
            stdout.write(command("add-mask", value) + "\n")
    handler = _install_logging(stdout, redactor)
    summary_path = _path(environ.get("GITHUB_STEP_SUMMARY"))
    output_path = _path(environ.get("GITHUB_OUTPUT"))
    try:
        outcome, summary = _run(
            environ,
            clock or SystemClock(),
            github_factory or _real_github,
            jules_transport,
            redactor,
        )
    except JulesActionError as exc:
        log.error(exc.message, extra={"title": "Jules cannot run"})
        outcome, summary = Outcome(OutcomeKind.ERROR, exc.message), []
    except Exception:
        detail = redactor(traceback.format_exc())
        log.error(
            "jules-action hit an unexpected error; this is a bug, please report it with the "
            "log of this step.\n%s",
            detail,
            extra={"title": "jules-action bug"},
        )
        outcome, summary = (
            Outcome(OutcomeKind.ERROR, "Unexpected error (see the log of this step)."),
            [],
        )
    finally:
        logging.getLogger("jules_action").removeHandler(handler)
    for url in _opened(outcome):
        notice = command("notice", redactor(f"Jules opened a pull request: {url}"), title=PR_TITLE)
        stdout.write(notice + "\n")
    try:
        write_outputs(output_path, outcome.outputs(), stream=stdout, redactor=redactor)
        append_summary(summary_path, _summary(outcome, summary), redactor=redactor)
    except OSError as exc:
        stdout.write(command("error", f"Could not write the step outputs or summary: {exc}") + "\n")
        return EXIT_FAILED
    return outcome.exit_code


class GitHubFactory(Protocol):
    """Builds the GitHub port; the seam that lets tests swap PyGithub for a fake."""

    def __call__(self, *, token: str, api_url: str, repository: str) -> GitHubPort: ...


def _real_github(*, token: str, api_url: str, repository: str) -> GitHubPort:
    from jules_action.github_pygithub import build_github_port

    return build_github_port(token=token, api_url=api_url, repository=repository)


def _run(
    environ: Mapping[str, str],
    clock: Clock,
    github_factory: GitHubFactory,
    transport: httpx.BaseTransport | None,
    redactor: Redactor,
) -> tuple[Outcome, list[str]]:
    context = GitHubContext.from_environ(environ)
    settings = Settings.from_environ(environ)
    if settings.prompt_file:
        settings = settings.with_prompt_text(read_prompt_file(settings.prompt_file, context))
    log.info(
        "jules-action %s (%s mode) on %s", __version__, settings.mode.value, context.repository
    )
    event = None if settings.mode is Mode.RECONCILE else _read_event(context)
    # Every text written to GitHub (comments, PR bodies, statuses) loses the secrets first:
    # a failure reason from Jules may echo the key, and the issue is public.
    github = RedactingGitHub(
        github_factory(
            token=settings.github_token.get_secret_value(),
            api_url=context.api_url,
            repository=context.repository,
        ),
        redactor,
    )
    with httpx.Client(
        base_url=settings.jules_api_url,
        headers={
            "X-Goog-Api-Key": settings.jules_api_key.get_secret_value(),
            "User-Agent": f"jules-action/{__version__}",
        },
        timeout=httpx.Timeout(30.0, connect=10.0),
        transport=transport,
    ) as http:
        deadline = deadline_of(settings, clock)
        ports = assemble(
            settings=settings,
            context=context,
            jules=JulesClient(http, clock=clock, deadline=deadline),
            github=github,
            clock=clock,
            deadline=deadline,
        )
        try:
            outcome = reconcile(ports) if event is None else run(ports, event)
        except JulesActionError as exc:
            message = explain(exc)
            log.error(message)
            outcome = Outcome(OutcomeKind.ERROR, message)
        return with_results(outcome, ports.report.touched()), ports.report.lines


PROMPT_FILE_MOST: Final = 64 * 1024  # bytes


def read_prompt_file(name: str, context: GitHubContext) -> str:
    """The text of the prompt-file input's file, a path inside the workspace."""
    workspace = (context.workspace or Path.cwd()).resolve()
    path = (workspace / name).resolve()
    if not path.is_relative_to(workspace):
        raise ConfigError(
            f"The prompt-file input ({name}) points outside the workspace ({workspace}). Fix: "
            "give a path from the repository's root, such as `.github/jules/fix-ci.md`.",
            input_name="prompt-file",
        )
    try:
        with path.open("rb") as handle:
            raw = handle.read(PROMPT_FILE_MOST + 1)
    except FileNotFoundError:
        raise ConfigError(
            f"The prompt-file {name} does not exist in the workspace ({workspace}). Fix: check "
            "the repository out first (actions/checkout) and give the file's path from the "
            "repository's root.",
            input_name="prompt-file",
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"The prompt-file {name} could not be read ({exc.strerror or exc}). Fix: point it "
            "at a readable file in the repository.",
            input_name="prompt-file",
        ) from None
    if len(raw) > PROMPT_FILE_MOST:
        raise ConfigError(
            f"The prompt-file {name} is larger than {PROMPT_FILE_MOST // 1024} KiB. Fix: keep "
            "the task shorter; Jules reads the repository itself.",
            input_name="prompt-file",
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(
            f"The prompt-file {name} is not UTF-8 text. Fix: save it as UTF-8.",
            input_name="prompt-file",
        ) from None


def _read_event(context: GitHubContext) -> Event:
    if not context.event_name:
        raise EventError(
            "GITHUB_EVENT_NAME is not set. This action runs inside a GitHub Actions workflow, "
            "which sets it."
        )
    path = context.event_path
    if path is None:
        raise EventError("GITHUB_EVENT_PATH is not set, so there is no event payload to read.")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise EventError(
            f"Could not read the event file {path} ({exc.strerror or exc}). "
            "GITHUB_EVENT_PATH must name the JSON payload of the triggering event."
        ) from None
    try:
        return parse_event(context.event_name, raw)
    except EventError as exc:
        raise EventError(f"{exc.message} (event file: {path})") from None


PR_TITLE = "Jules opened a pull request"
# Annotations without a title of their own get one by level, so none reads as a bare line.
_DEFAULT_TITLES = {logging.ERROR: "Jules error", logging.WARNING: "Jules warning"}


def _titled(record: logging.LogRecord) -> bool:
    if not getattr(record, "title", ""):
        record.title = _DEFAULT_TITLES.get(record.levelno, "")
    return True


def _opened(outcome: Outcome) -> list[str]:
    """The pull requests this run saw opened, each once (a ``::notice::`` each)."""
    urls = [r.pr_url for r in outcome.results if r.outcome == OutcomeKind.PR_OPENED.value]
    if outcome.outcome is OutcomeKind.PR_OPENED and outcome.pr_url:
        urls.insert(0, outcome.pr_url)
    return list(dict.fromkeys(u for u in urls if u))


def _install_logging(stream: TextIO, redactor: Redactor) -> logging.Handler:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(WorkflowCommandFormatter(redactor))
    handler.addFilter(_titled)
    logger = logging.getLogger("jules_action")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = True
    return handler


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


_TITLES = {
    "pr-opened": "✅ Pull request opened",
    "no-pr": "⚠️ Completed without a pull request",
    "failed": "❌ Session failed",
    "needs-input": "❓ Jules needs input",
    "timed-out": "⏱️ Stopped waiting",
    "handed-off": "➡️ Handed off",
    "queued": "🕒 Queued",
    "skipped": "⏭️ Skipped",
    "error": "❌ Error",
    "reconciled": "🔁 Reconciled",
    "dry-run": "📝 Dry run",
}


def _summary(outcome: Outcome, lines: list[str]) -> str:
    parts = [f"## Jules: {_TITLES.get(outcome.outcome, outcome.outcome)}", "", outcome.message, ""]
    if outcome.session_url:
        parts.append(f"- Session: [{outcome.session_id}]({outcome.session_url})")
    if outcome.session_state:
        parts.append(f"- Session state: `{outcome.session_state}`")
    if outcome.pr_url:
        parts.append(f"- Pull request: {outcome.pr_url}")
    parts += lines
    return "\n".join(parts) + "\n"
