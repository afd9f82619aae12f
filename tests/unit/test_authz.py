"""authz: who may start Jules, table-driven over actor kinds and trigger kinds."""

from __future__ import annotations

import pytest

from jules_action import authz
from jules_action.authz import ActorClass, AuthDecision
from jules_action.events import Actor
from jules_action.github_port import Role

ALLOWED_USERS = ("Trusted-Friend",)
ALLOWED_BOTS = ("renovate[bot]",)

# actor kind -> (actor, the role GitHub would report, allowed for label/comment triggers)
ACTORS: dict[str, tuple[Actor, Role, bool]] = {
    "write user": (Actor("maintainer", "User"), "write", True),
    "maintain user": (Actor("lead", "User"), "maintain", True),
    "admin user": (Actor("owner", "User"), "admin", True),
    "triage user": (Actor("helper", "User"), "triage", False),
    "read user": (Actor("reader", "User"), "read", False),
    "outside user": (Actor("stranger", "User"), "none", False),
    "allowed user": (Actor("trusted-friend", "User"), "none", True),
    "bot": (Actor("dependabot[bot]", "Bot"), "write", False),
    "allowed bot": (Actor("Renovate[bot]", "Bot"), "none", True),
    "own bot": (Actor("github-actions[bot]", "Bot"), "write", False),
}
TRIGGER_KINDS = ("label", "comment", "schedule", "dispatch")


def authorize(kind: str, actor: Actor, role: Role) -> tuple[AuthDecision, list[str]]:
    """As the orchestrator does: no check for schedule/dispatch, else classify, look up, decide."""
    lookups: list[str] = []
    if authz.needs_no_check(kind):
        return AuthDecision(True, "no check", "event"), lookups
    actor_class = authz.classify_actor(
        actor, allowed_users=ALLOWED_USERS, allowed_bots=ALLOWED_BOTS
    )
    looked_up: Role | None = None
    if actor_class is ActorClass.NEEDS_ROLE:
        lookups.append(actor.login)
        looked_up = role
    return authz.decide(actor_class, looked_up, login=actor.login), lookups


@pytest.mark.parametrize("kind", TRIGGER_KINDS)
@pytest.mark.parametrize("actor_kind", list(ACTORS))
def test_authorize__actor_kind_by_trigger_kind(actor_kind: str, kind: str) -> None:
    actor, role, allowed_for_issue_triggers = ACTORS[actor_kind]
    decision, _ = authorize(kind, actor, role)
    expected = True if kind in ("schedule", "dispatch") else allowed_for_issue_triggers
    assert decision.allowed is expected


@pytest.mark.parametrize(
    ("actor_kind", "expected_class", "looked_up"),
    [
        ("write user", ActorClass.NEEDS_ROLE, True),
        ("read user", ActorClass.NEEDS_ROLE, True),
        ("outside user", ActorClass.NEEDS_ROLE, True),
        ("allowed user", ActorClass.ALLOWED_USER, False),
        ("bot", ActorClass.BOT_NOT_ALLOWED, False),
        ("allowed bot", ActorClass.ALLOWED_BOT, False),
        ("own bot", ActorClass.OWN_BOT, False),
    ],
)
def test_classify_actor__role_is_looked_up_only_for_unlisted_users(
    actor_kind: str, expected_class: ActorClass, looked_up: bool
) -> None:
    actor, role, _ = ACTORS[actor_kind]
    assert (
        authz.classify_actor(actor, allowed_users=ALLOWED_USERS, allowed_bots=ALLOWED_BOTS)
        is expected_class
    )
    _, lookups = authorize("comment", actor, role)
    assert bool(lookups) is looked_up


@pytest.mark.parametrize(
    ("actor_class", "role", "expected"),
    [
        (ActorClass.NEEDS_ROLE, "admin", AuthDecision(True, "@u has the admin role", "role")),
        (ActorClass.NEEDS_ROLE, "maintain", AuthDecision(True, "@u has the maintain role", "role")),
        (ActorClass.NEEDS_ROLE, "write", AuthDecision(True, "@u has the write role", "role")),
        (
            ActorClass.NEEDS_ROLE,
            "triage",
            AuthDecision(
                False, "@u has the triage role; write, maintain or admin is needed", "role"
            ),
        ),
        (
            ActorClass.NEEDS_ROLE,
            "read",
            AuthDecision(False, "@u has the read role; write, maintain or admin is needed", "role"),
        ),
        (
            ActorClass.NEEDS_ROLE,
            "none",
            AuthDecision(
                False, "@u is not a collaborator; write access or allowed-users is needed", "role"
            ),
        ),
        (
            ActorClass.NEEDS_ROLE,
            None,
            AuthDecision(False, "the repository role of @u is unknown", "role"),
        ),
        (
            ActorClass.OWN_BOT,
            None,
            AuthDecision(False, "@u is this action's own bot; ignored to avoid loops", "own-bot"),
        ),
        (
            ActorClass.BOT_NOT_ALLOWED,
            None,
            AuthDecision(False, "@u is a bot not listed in the allowed-bots input", "bot"),
        ),
        (
            ActorClass.ALLOWED_BOT,
            None,
            AuthDecision(True, "@u is listed in the allowed-bots input", "allowed-bots"),
        ),
        (
            ActorClass.ALLOWED_USER,
            None,
            AuthDecision(True, "@u is listed in the allowed-users input", "allowed-users"),
        ),
    ],
)
def test_decide__reasons(
    actor_class: ActorClass, role: Role | None, expected: AuthDecision
) -> None:
    assert authz.decide(actor_class, role, login="u") == expected


def test_decide__without_login_says_the_actor() -> None:
    assert (
        authz.decide(ActorClass.NEEDS_ROLE, "write", login="").reason
        == "the actor has the write role"
    )


def test_classify_actor__bot_recognised_by_login_suffix_alone() -> None:
    assert authz.classify_actor(Actor("sneaky[bot]", "User")) is ActorClass.BOT_NOT_ALLOWED


def test_classify_actor__allowed_user_list_does_not_admit_bots() -> None:
    bot = Actor("helper[bot]", "Bot")
    assert authz.classify_actor(bot, allowed_users=["helper[bot]"]) is ActorClass.BOT_NOT_ALLOWED


def test_classify_actor__allowed_bot_matches_without_the_suffix() -> None:
    bot = Actor("dependabot[bot]", "Bot")
    assert authz.classify_actor(bot, allowed_bots=["Dependabot"]) is ActorClass.ALLOWED_BOT


def test_classify_actor__own_bot_wins_over_allowed_bots() -> None:
    bot = Actor("github-actions[bot]", "Bot")
    assert authz.classify_actor(bot, allowed_bots=["github-actions[bot]"]) is ActorClass.OWN_BOT


@pytest.mark.parametrize("own", ["My-App[bot]", "my-app"])
def test_classify_actor__own_app_login_is_ignored(own: str) -> None:
    bot = Actor("my-app[bot]", "Bot")
    assert (
        authz.classify_actor(bot, own_logins=[own], allowed_bots=["my-app"]) is ActorClass.OWN_BOT
    )


def test_classify_actor__own_user_login_is_ignored() -> None:
    assert authz.classify_actor(Actor("Release-User"), own_logins=["release-user"]) is (
        ActorClass.OWN_BOT
    )


def test_is_bot__by_type_or_suffix() -> None:
    assert authz.is_bot(Actor("app", "Bot"))
    assert authz.is_bot(Actor("app[BOT]", "User"))
    assert not authz.is_bot(Actor("robot", "User"))


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("schedule", True), ("dispatch", True), ("label", False), ("comment", False)],
)
def test_needs_no_check__only_schedule_and_dispatch(kind: str, expected: bool) -> None:
    assert authz.needs_no_check(kind) is expected
