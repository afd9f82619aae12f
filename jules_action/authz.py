"""Who may start Jules: actor kinds, allow-lists and repository roles; performs no I/O.

Authorization applies to the account that *caused* the event (the labeller, the commenter),
never to the issue author, whose text reaches Jules only as data. It is two steps so the
caller asks GitHub for a role only when the answer matters:

1. ``classify_actor(actor, ...)`` sorts the actor with what is known locally: this action's
   own bots are ignored (no loops), bots must be listed in ``allowed-bots``, users listed in
   ``allowed-users`` pass, every other user ``NEEDS_ROLE``;
2. ``decide(actor_class, role)`` turns that (and the role from the collaborator-permission
   API, for ``NEEDS_ROLE`` only) into an ``AuthDecision``. Roles admin, maintain and write
   pass; triage, read and none do not.

Schedule and dispatch runs need no check (``needs_no_check``): GitHub only lets people with
write access dispatch a workflow, and a cron run has no outside actor.
Logins compare case-insensitively, as GitHub treats them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Final

from jules_action.events import Actor
from jules_action.github_port import Role

# The identity behind the workflow's GITHUB_TOKEN; its comments (the tracking comment) must
# never start a run.
GITHUB_ACTIONS_BOT: Final = "github-actions[bot]"
_WRITE_ROLES: Final = frozenset({"admin", "maintain", "write"})
_UNCHECKED_KINDS: Final = frozenset({"schedule", "dispatch"})
_BOT_SUFFIX: Final = "[bot]"


class ActorClass(Enum):
    """What is known about an actor before any role lookup."""

    OWN_BOT = "own-bot"  # this action's own identity: ignore
    BOT_NOT_ALLOWED = "bot-not-allowed"  # a bot missing from allowed-bots: ignore
    ALLOWED_BOT = "allowed-bot"
    ALLOWED_USER = "allowed-user"
    NEEDS_ROLE = "needs-role"  # a user: ask GitHub for their role on the repository


@dataclass(frozen=True)
class AuthDecision:
    """Whether the request may go on; ``reason`` is a phrase for the log, ``via`` the rule."""

    allowed: bool
    reason: str
    via: str


def is_bot(actor: Actor) -> bool:
    """Bots are accounts of type "Bot" or with a login ending in ``[bot]`` (GitHub Apps)."""
    return actor.type == "Bot" or actor.login.lower().endswith(_BOT_SUFFIX)


def needs_no_check(kind: str) -> bool:
    """Schedule and dispatch runs: GitHub already required write access to start them."""
    return kind in _UNCHECKED_KINDS


def classify_actor(
    actor: Actor,
    *,
    allowed_users: Iterable[str] = (),
    allowed_bots: Iterable[str] = (),
    own_logins: Iterable[str] = (),
) -> ActorClass:
    """Sort the actor by what is known without asking GitHub.

    ``own_logins`` are this action's own identities besides ``github-actions[bot]`` (for
    example the login of the GitHub App whose token the action uses; with or without the
    ``[bot]`` suffix). ``allowed_bots``
    entries match with or without the ``[bot]`` suffix. A bot is never let in by
    ``allowed_users``: bots have their own list.
    """
    login = actor.login.lower()
    own = {GITHUB_ACTIONS_BOT}
    for name in own_logins:
        own |= {name.strip().lower(), _bot_name(name) + _BOT_SUFFIX}
    if login in own:
        return ActorClass.OWN_BOT
    if is_bot(actor):
        allowed = {_bot_name(bot) for bot in allowed_bots}
        return ActorClass.ALLOWED_BOT if _bot_name(login) in allowed else ActorClass.BOT_NOT_ALLOWED
    if login in {user.lower() for user in allowed_users}:
        return ActorClass.ALLOWED_USER
    return ActorClass.NEEDS_ROLE


def decide(actor_class: ActorClass, role: Role | None, *, login: str = "") -> AuthDecision:
    """The decision for a classified actor; ``role`` matters only for ``NEEDS_ROLE``.

    A ``NEEDS_ROLE`` actor without a known role is refused (fail closed).
    """
    who = f"@{login}" if login else "the actor"
    if actor_class is ActorClass.OWN_BOT:
        return AuthDecision(
            False, f"{who} is this action's own bot; ignored to avoid loops", "own-bot"
        )
    if actor_class is ActorClass.BOT_NOT_ALLOWED:
        return AuthDecision(False, f"{who} is a bot not listed in the allowed-bots input", "bot")
    if actor_class is ActorClass.ALLOWED_BOT:
        return AuthDecision(True, f"{who} is listed in the allowed-bots input", "allowed-bots")
    if actor_class is ActorClass.ALLOWED_USER:
        return AuthDecision(True, f"{who} is listed in the allowed-users input", "allowed-users")
    if role is None:
        return AuthDecision(False, f"the repository role of {who} is unknown", "role")
    if role in _WRITE_ROLES:
        return AuthDecision(True, f"{who} has the {role} role", "role")
    if role == "none":
        return AuthDecision(
            False, f"{who} is not a collaborator; write access or allowed-users is needed", "role"
        )
    return AuthDecision(
        False, f"{who} has the {role} role; write, maintain or admin is needed", "role"
    )


def _bot_name(login: str) -> str:
    """A bot login in lower case without the ``[bot]`` suffix."""
    return login.strip().lower().removesuffix(_BOT_SUFFIX)
