"""Which events start Jules and with what request (``decide_trigger``); performs no I/O.

Four kinds of trigger:

- ``label``: ``issues.labeled`` with the trigger label (compared case-insensitively);
- ``comment``: ``issue_comment.created`` whose body has a ``/jules`` command paragraph
  (``commands.find_command``), on an issue or a pull request (``Trigger.on_pull_request``);
- ``schedule`` and ``dispatch``: ``schedule`` / ``workflow_dispatch`` runs, whose task is the
  ``prompt`` input (required for them).

Everything else is a ``Skip`` with a one-line reason for the log. Who may trigger is not
decided here (see ``authz``).

``Trigger.request_key`` names the request, so a re-run or a re-delivered event finds the
work already started for it instead of starting it twice:

- ``comment:<comment id>``;
- ``label:<issue>:<label, lower case>:<issue updated_at>``: the issue's ``updated_at`` in a
  ``labeled`` payload is the time the label was added, so a re-run of the same event keeps
  the key while removing and re-adding the label makes a new request (the way to retry);
- ``schedule:<run id>`` / ``dispatch:<run id>``: the workflow run id (``GITHUB_RUN_ID``, the
  same for every attempt of a run) passed by the caller as ``run_id``; without it the key
  falls back to the cron string or the ref, which is then the same for every run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from jules_action.commands import find_command
from jules_action.events import Actor, Comment, Event, Issue

TriggerKind = Literal["label", "comment", "schedule", "dispatch"]

_TRIGGER_EVENTS: Final = (
    "jules-action runs on 'issues' (labeled), 'issue_comment' (created), "
    "'schedule' and 'workflow_dispatch'"
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

    @property
    def on_pull_request(self) -> bool:
        """A comment on a pull request's conversation rather than on an issue."""
        return self.issue is not None and self.issue.is_pull_request


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
    if event.name == "issue_comment" and event.comment is not None:
        return _comment_trigger(event, event.comment, trigger_phrase, default_branch)
    if event.name in ("issues", "issue_comment"):
        return Skip(f"'{event.name}' action '{event.action}' is not a trigger; {_TRIGGER_EVENTS}")
    return Skip(f"event '{event.name}' is not a trigger; {_TRIGGER_EVENTS}")


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
    return Trigger(
        kind="comment",
        instructions=instructions,
        actor=event.sender,
        issue=event.issue,
        comment=comment,
        ref=None,
        request_key=f"comment:{comment.id}",
        default_branch=default_branch,
        requested_at=comment.created_at,
    )
