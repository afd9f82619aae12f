"""Which events start Jules and with what request (``decide_trigger``); performs no I/O.

Five kinds of trigger:

- ``label``: ``issues.labeled`` with the trigger label (compared case-insensitively);
- ``comment``: ``issue_comment.created`` whose body has a ``/jules`` command paragraph
  (``commands.find_command``), on an issue or a pull request (``Trigger.on_pull_request``),
  or ``pull_request_review_comment.created`` (a comment on a line of a PR's diff: like one
  on the PR, with the file and line leading the instructions);
- ``schedule`` and ``dispatch``: ``schedule`` / ``workflow_dispatch`` runs, whose task is the
  ``prompt`` input (required for them);
- ``event`` (agent mode): any other event when the ``prompt`` input is set; the prompt is the
  task, the event's branch the starting branch, and what the event says is data for the
  prompt (``agent_trigger``). Issue and comment events never are: there the ``prompt`` is
  the repository's extra instructions.

Everything else is a ``Skip`` with a one-line reason for the log. Who may trigger is not
decided here (see ``authz``).

``Trigger.request_key`` names the request, so a re-run or a re-delivered event finds the
work already started for it instead of starting it twice:

- ``comment:<comment id>``;
- ``label:<issue>:<label, lower case>:<issue updated_at>``: the issue's ``updated_at`` in a
  ``labeled`` payload is the time the label was added, so a re-run of the same event keeps
  the key while removing and re-adding the label makes a new request (the way to retry);
- ``review-comment:<review comment id>`` (their own id space);
- ``event:<event name>:<run id>`` for agent mode;
- ``schedule:<run id>`` / ``dispatch:<run id>``: the workflow run id (``GITHUB_RUN_ID``, the
  same for every attempt of a run) passed by the caller as ``run_id``; without it the key
  falls back to the cron string or the ref, which is then the same for every run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from jules_action.commands import find_command
from jules_action.events import REVIEW_COMMENT_EVENT, Actor, Comment, Event, Issue

TriggerKind = Literal["label", "comment", "schedule", "dispatch", "event"]

_TRIGGER_EVENTS: Final = (
    "jules-action runs on 'issues' (labeled), 'issue_comment' and "
    "'pull_request_review_comment' (created), 'schedule' and 'workflow_dispatch'"
)


@dataclass(frozen=True)
class Trigger:
    """A request to start Jules, before authorization.

    ``instructions`` is what the authorized person asked for: the text after the phrase for
    a comment, ``""`` for a label (the issue is the task), the ``prompt`` input for schedule
    and dispatch runs. ``actor`` is whoever caused the event (the labeller or commenter,
    never the issue author). ``requested_at`` is the time of the request when the payload
    tells it (comment creation, label time), for dropping context edited afterwards.
    """

    kind: TriggerKind
    instructions: str
    actor: Actor | None
    issue: Issue | None
    comment: Comment | None
    ref: str | None
    request_key: str
    default_branch: str | None = None
    requested_at: datetime | None = None
    # Agent mode (kind "event"): the event's branch to start from, what the event says (data
    # for the prompt, label -> value), and who else caused it (a workflow_run's upstream actor).
    branch: str | None = None
    context: tuple[tuple[str, str], ...] = ()
    also_authorize: Actor | None = None
    event_name: str = ""

    @property
    def on_pull_request(self) -> bool:
        """A comment on a pull request's conversation rather than on an issue."""
        return self.issue is not None and self.issue.is_pull_request

    @property
    def handled_id(self) -> int:
        """The trigger comment's id as requests record it (``TrackingState.handled``); review
        comments have their own id space, so theirs is negative. 0: no comment."""
        if self.comment is None:
            return 0
        return -self.comment.id if self.comment.in_review else self.comment.id


@dataclass(frozen=True)
class Skip:
    """The event does not start Jules; ``reason`` says why, in one line."""

    reason: str


def decide_trigger(
    event: Event,
    *,
    trigger_label: str,
    trigger_phrase: str,
    prompt: str,
    run_id: str = "",
) -> Trigger | Skip:
    """Classify the event as one of the four triggers, or say why it is not one."""
    default_branch = event.repo.default_branch if event.repo else None
    if event.name in ("schedule", "workflow_dispatch"):
        kind: TriggerKind = "schedule" if event.name == "schedule" else "dispatch"
        task = prompt.strip()
        if not task:
            return Skip(
                f"a {event.name} run needs a task: set the `prompt` input "
                "to what Jules should do on each run"
            )
        return Trigger(
            kind=kind,
            instructions=task,
            actor=event.sender,
            issue=None,
            comment=None,
            ref=event.ref,
            request_key=f"{kind}:{run_id or event.schedule or event.ref or ''}",
            default_branch=default_branch,
        )
    if event.name == "issues" and event.action == "labeled" and event.issue is not None:
        label = event.label or ""
        if label.lower() != trigger_label.lower():
            return Skip(f"label '{label}' is not the trigger label '{trigger_label}'")
        issue = event.issue
        stamp = issue.updated_at.isoformat() if issue.updated_at else ""
        return Trigger(
            kind="label",
            instructions="",
            actor=event.sender,
            issue=issue,
            comment=None,
            ref=None,
            request_key=f"label:{issue.number}:{label.lower()}:{stamp}",
            default_branch=default_branch,
            requested_at=issue.updated_at,
        )
    if event.name in ("issue_comment", REVIEW_COMMENT_EVENT) and event.comment is not None:
        return _comment_trigger(event, event.comment, trigger_phrase, default_branch)
    if event.name in ("issues", "issue_comment", REVIEW_COMMENT_EVENT):
        return Skip(f"'{event.name}' action '{event.action}' is not a trigger; {_TRIGGER_EVENTS}")
    if prompt.strip():
        return agent_trigger(event, prompt=prompt.strip(), run_id=run_id)
    return Skip(
        f"event '{event.name}' is not a trigger without a task; {_TRIGGER_EVENTS}, and any "
        "other event when the `prompt` (or `prompt-file`) input says what Jules should do"
    )


def agent_trigger(event: Event, *, prompt: str, run_id: str) -> Trigger | Skip:
    """Agent mode: any other event with a ``prompt`` is a task, started from its branch.

    The branch: a ``workflow_run``'s head branch, the pushed branch, a pull request's head
    (its base when the head is a fork's, which Jules cannot start from); else the default
    branch. What the event says goes to the prompt as data (``context``), never as
    instructions.
    """
    repository = event.repo.full_name if event.repo else ""

    def ours(head_repo: str) -> bool:
        return not head_repo or not repository or head_repo.lower() == repository.lower()

    branch: str | None = None
    context: list[tuple[str, str]] = [("Event", event.name)]
    if event.action:
        context.append(("Action", event.action))
    upstream: Actor | None = None
    if event.workflow_run is not None:
        run = event.workflow_run
        context += [
            ("Workflow", run.name),
            ("Conclusion", run.conclusion or "(none yet)"),
            ("Run", run.html_url),
            ("Run title", run.title),
            ("Triggered by", run.event),
            ("Head branch", run.head_branch),
            ("Head commit", run.head_sha),
        ]
        if ours(run.head_repo):
            branch = run.head_branch or None
        else:
            context.append(("Note", f"the run was on a branch of the fork {run.head_repo}"))
        upstream = event.workflow_run_actor
    elif event.name == "push":
        ref = event.ref or ""
        if event.push is not None and set(event.push.after) == {"0"}:
            return Skip(f"the push deleted {ref}; there is no branch to start from")
        branch = ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else None
        context.append(("Ref", ref))
        if event.push is not None:
            context += [
                ("Head commit", event.push.after),
                ("Commits", str(event.push.commits)),
                ("Compare", event.push.compare),
                ("Head commit message", event.push.message),
            ]
    elif event.pull_request is not None:
        pull = event.pull_request
        branch = (pull.head_ref if ours(pull.head_repo) else pull.base_ref) or None
        context += [
            ("Pull request", f"#{pull.number} {pull.html_url}"),
            ("Title", pull.title),
            ("Head branch", pull.head_ref),
            ("Base branch", pull.base_ref),
            ("Author", f"@{pull.author.login}" if pull.author else ""),
        ]
    elif event.ref and event.ref.startswith("refs/heads/"):
        branch = event.ref.removeprefix("refs/heads/")
    return Trigger(
        kind="event",
        instructions=prompt,
        actor=event.sender,
        issue=None,
        comment=None,
        ref=event.ref,
        request_key=f"event:{event.name}:{run_id or event.ref or ''}",
        default_branch=event.repo.default_branch if event.repo else None,
        branch=branch,
        context=tuple((label, value) for label, value in context if value),
        also_authorize=upstream,
        event_name=event.name,
    )


_UNPRINTABLE: Final = re.compile(r"[\x00-\x1f\x7f`]")


def _review_spot(comment: Comment) -> str:
    """Where a review comment sits, for the instructions: "About `path`, line N of the diff:"."""
    path = _UNPRINTABLE.sub("?", comment.path)[:300]
    if not path:
        return ""
    where = f"line {comment.line} of the diff" if comment.line else "the diff"
    return f"About `{path}`, {where} (a review comment on the pull request):"


def comment_trigger(issue: Issue, comment: Comment, phrase: str) -> Trigger | None:
    """The trigger a comment found on the thread would have made (its event was dropped)."""
    instructions = find_command(comment.body, phrase)
    if instructions is None:
        return None
    return Trigger(
        kind="comment",
        instructions=instructions,
        actor=comment.author,
        issue=issue,
        comment=comment,
        ref=None,
        request_key=f"comment:{comment.id}",
        requested_at=comment.created_at,
    )


def _comment_trigger(
    event: Event, comment: Comment, phrase: str, default_branch: str | None
) -> Trigger | Skip:
    if event.action != "created":
        return Skip(f"comment was {event.action}, only new comments trigger")
    instructions = find_command(comment.body, phrase)
    if instructions is None:
        return Skip(f"comment does not start a paragraph with {phrase}")
    key = f"comment:{comment.id}"
    if comment.in_review:
        # On a line of the diff: the file and line are part of what was asked.
        key = f"review-comment:{comment.id}"
        instructions = f"{_review_spot(comment)}\n{instructions}".strip()
    return Trigger(
        kind="comment",
        instructions=instructions,
        actor=event.sender,
        issue=event.issue,
        comment=comment,
        ref=None,
        request_key=key,
        default_branch=default_branch,
        requested_at=comment.created_at,
    )
