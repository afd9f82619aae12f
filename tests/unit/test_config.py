"""Settings: defaults, validation messages that name the input, and agreement with action.yml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from jules_action.config import DEPRECATED_INPUTS, GitHubContext, Mode, Settings
from jules_action.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
KEY = "AIzaFAKEKEY-0123456789"


def env(**inputs: str) -> dict[str, str]:
    base = {"INPUT_JULES-API-KEY": KEY, "INPUT_GITHUB-TOKEN": "ghs_token"}
    base.update({f"INPUT_{name.upper().replace('_', '-')}": v for name, v in inputs.items()})
    return base


def test_settings__defaults_a_maintainer_wants() -> None:
    s = Settings.from_environ(env())
    assert s.jules_api_url == "https://jules.googleapis.com/v1alpha"
    assert s.trigger_label == "jules-task"
    assert s.trigger_phrase == "/jules"
    assert s.mode is Mode.RUN
    assert s.starting_branch is None
    assert s.require_plan_approval is False
    assert s.poll_interval == 12.0
    assert s.wait_minutes == 30.0
    assert s.allowed_users == []
    assert s.allowed_bots == []
    assert s.warnings == []


def test_settings__empty_strings_mean_default() -> None:
    s = Settings.from_environ(env(trigger_label="", poll_interval="  ", starting_branch=""))
    assert s.trigger_label == "jules-task"
    assert s.poll_interval == 12.0
    assert s.starting_branch is None


def test_settings__fractions_and_lists_and_booleans() -> None:
    s = Settings.from_environ(
        env(
            poll_interval="0.5",
            wait_minutes="0",
            allowed_users="alice, bob\ncarol",
            allowed_bots="renovate[bot]",
            require_plan_approval="TRUE",
            dry_run="no",
            starting_branch="refs/heads/release/1.2",
        )
    )
    assert s.poll_interval == 0.5
    assert s.wait_seconds == 0
    assert s.allowed_users == ["alice", "bob", "carol"]
    assert s.allowed_bots == ["renovate[bot]"]
    assert s.require_plan_approval is True
    assert s.dry_run is False
    assert s.starting_branch == "release/1.2"


def test_settings__missing_key_says_where_to_get_one() -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_environ({"INPUT_GITHUB-TOKEN": "t"})
    assert info.value.input_name == "jules-api-key"
    assert "jules.google.com/settings" in info.value.message
    assert "secrets.JULES_API_KEY" in info.value.message


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("poll-interval", "soon", "poll-interval"),
        ("poll-interval", "-1", "greater than or equal"),
        ("wait-minutes", "100000", "less than or equal"),
        ("require-plan-approval", "maybe", "true or false"),
        ("mode", "sometimes", "mode"),
        ("starting-branch", "main; rm -rf /", "not a valid branch name"),
        ("starting-branch", "../etc/passwd", "not a valid branch name"),
        ("starting-branch", "$(whoami)", "not a valid branch name"),
        ("starting-branch", "-x", "not a valid branch name"),
        ("allowed-bots", "*", "list the bot logins explicitly"),
        ("allowed-users", "not a/login", "not a GitHub login"),
        ("trigger-phrase", "/jules please", "one word"),
        ("jules-api-url", "http://example.com", "https://"),
        ("jules-api-url", "ftp://x", "https://"),
        ("max-concurrent-sessions", "0", "greater than or equal"),
    ],
)
def test_settings__invalid_input_names_the_input(name: str, value: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_environ({**env(), f"INPUT_{name.upper()}": value})
    assert info.value.input_name == name
    assert f"The {name} input is invalid" in info.value.message
    assert expected in info.value.message


def test_settings__errors_never_echo_the_key() -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_environ({**env(), "INPUT_JULES-API-KEY": "", "INPUT_POLL-INTERVAL": KEY})
    assert KEY not in info.value.message
    settings = Settings.from_environ(env())
    assert KEY not in repr(settings)
    assert KEY not in str(settings)


def test_settings__http_allowed_for_loopback_only() -> None:
    s = Settings.from_environ(env(jules_api_url="http://127.0.0.1:8123/v1alpha/"))
    assert s.jules_api_url == "http://127.0.0.1:8123/v1alpha"


def test_settings__warns_about_the_jules_app_label() -> None:
    s = Settings.from_environ(env(trigger_label="Jules"))
    assert any("two sessions" in w for w in s.warnings)


def test_github_context__reads_runner_variables() -> None:
    c = GitHubContext.from_environ(
        {
            "GITHUB_REPOSITORY": "octo/hello",
            "GITHUB_RUN_ID": "42",
            "GITHUB_SERVER_URL": "https://github.example",
        }
    )
    assert (c.owner, c.repo) == ("octo", "hello")
    assert c.run_url == "https://github.example/octo/hello/actions/runs/42"
    assert c.api_url == "https://api.github.com"


def test_github_context__missing_repository_is_explained() -> None:
    with pytest.raises(ConfigError, match="GITHUB_REPOSITORY"):
        GitHubContext.from_environ({})


def test_settings__jules_invoke_input_names_are_read_when_the_new_ones_are_empty() -> None:
    old = {"INPUT_GITHUB-TOKEN": "t", "INPUT_JULES_API_KEY": KEY, "INPUT_STARTING_BRANCH": "dev"}
    s = Settings.from_environ({**old, "INPUT_JULES-API-KEY": "", "INPUT_STARTING-BRANCH": " "})
    assert s.jules_api_key.get_secret_value() == KEY
    assert s.starting_branch == "dev"
    assert len(s.warnings) == 2
    assert any("`jules_api_key` is deprecated" in w and "`jules-api-key`" in w for w in s.warnings)
    assert any("`starting_branch` is deprecated" in w for w in s.warnings)
    assert KEY not in " ".join(s.warnings)


def test_settings__the_new_input_name_wins_over_the_deprecated_one() -> None:
    s = Settings.from_environ(env(starting_branch="main") | {"INPUT_STARTING_BRANCH": "old"})
    assert s.starting_branch == "main"
    assert any("`starting_branch` is deprecated" in w for w in s.warnings)
    assert Settings.from_environ(env()).warnings == []


def test_action_yml__deprecated_inputs_are_marked_and_name_their_replacement() -> None:
    inputs = yaml.safe_load((ROOT / "action.yml").read_text())["inputs"]
    for old, new in DEPRECATED_INPUTS.items():
        assert new in inputs, new
        spec = inputs[old]
        assert new in spec["deprecationMessage"], old
        assert spec.get("required", False) is False, old
        assert "default" not in spec, f"{old}: a default would always override nothing"


def test_action_yml__every_input_is_a_setting_and_back() -> None:
    """Drift check: action.yml inputs and Settings fields are the same set, defaults agree."""
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    declared = set(action["inputs"]) - set(DEPRECATED_INPUTS)
    assert declared == set(Settings.input_names())
    defaults = Settings.from_environ(env())
    for name, spec in action["inputs"].items():
        if name in DEPRECATED_INPUTS:
            continue
        field = Settings.input_names()[name]
        if "default" in spec and "${{" not in str(spec["default"]):
            parsed = Settings.from_environ({**env(), f"INPUT_{name.upper()}": str(spec["default"])})
            assert getattr(parsed, field) == getattr(defaults, field), name


def test_readme__documents_every_input_and_output() -> None:
    readme = (ROOT / "README.md").read_text()
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    # The deprecated jules-invoke names belong to the migration notes, not the inputs table.
    current = [name for name in action["inputs"] if name not in DEPRECATED_INPUTS]
    for name in [*current, *action["outputs"]]:
        assert f"`{name}`" in readme, f"README does not document {name}"
