"""Settings: every action input and the GitHub-provided variables, validated; no I/O.

``Settings.from_environ(environ)`` is the only constructor. The runner passes a Docker
action's inputs as ``INPUT_<NAME>`` with the name upper-cased and hyphens kept
(``INPUT_JULES-API-KEY``); empty strings mean "not set" so the defaults apply. Every
validation failure becomes one ``ConfigError`` that names the action input to fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Final
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
)

from jules_action.errors import ConfigError

DEFAULT_JULES_API_URL: Final = "https://jules.googleapis.com/v1alpha"
DEFAULT_TRIGGER_LABEL: Final = "jules-task"
# The Jules GitHub app starts its own task when an issue gets this label.
JULES_APP_LABEL: Final = "jules"
# Input names of Google's jules-invoke action, still read while users migrate (action.yml
# marks them deprecated): old name -> current name. Used only when the current one is empty.
DEPRECATED_INPUTS: Final = {"jules_api_key": "jules-api-key", "starting_branch": "starting-branch"}

_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$")
_BRANCH = re.compile(r"^[A-Za-z0-9._/+-]+$")
_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})


class Mode(StrEnum):
    RUN = "run"
    RECONCILE = "reconcile"


def _input(name: str) -> str:
    """The environment variable the runner sets for action input ``name``."""
    return f"INPUT_{name.upper()}"


def _parse_bool(value: object) -> object:
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ValueError("must be true or false")
    return value


def _parse_list(value: object) -> object:
    if isinstance(value, str):
        return [item for item in re.split(r"[\s,]+", value) if item]
    return value


def _check_logins(values: list[str]) -> list[str]:
    for login in values:
        if login != "*" and not _LOGIN.match(login):
            raise ValueError(f"{login!r} is not a GitHub login")
    return values


class Settings(BaseModel):
    """The action's inputs, typed and validated. Field aliases are the runner's variable names."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)
    # The DEPRECATED_INPUTS that from_environ read, for the warnings.
    _deprecated_used: tuple[str, ...] = PrivateAttr(default=())

    jules_api_key: SecretStr = Field(alias=_input("jules-api-key"))
    github_token: SecretStr = Field(alias=_input("github-token"))
    jules_api_url: str = Field(DEFAULT_JULES_API_URL, alias=_input("jules-api-url"))
    mode: Mode = Field(Mode.RUN, alias=_input("mode"))
    trigger_label: str = Field(DEFAULT_TRIGGER_LABEL, alias=_input("trigger-label"), max_length=50)
    trigger_phrase: str = Field("/jules", alias=_input("trigger-phrase"), max_length=50)
    prompt: str = Field("", alias=_input("prompt"), max_length=20_000)
    # Read by cli (the one place with file I/O) into ``prompt``; see ``with_prompt_text``.
    prompt_file: str | None = Field(None, alias=_input("prompt-file"), max_length=500)
    starting_branch: str | None = Field(None, alias=_input("starting-branch"), max_length=255)
    title: str | None = Field(None, alias=_input("title"), max_length=200)
    require_plan_approval: bool = Field(False, alias=_input("require-plan-approval"))
    poll_interval: float = Field(12.0, alias=_input("poll-interval"), ge=0.05, le=3600)
    wait_minutes: float = Field(30.0, alias=_input("wait-minutes"), ge=0, le=355)
    allowed_users: Annotated[list[str], Field(alias=_input("allowed-users"))] = []
    allowed_bots: Annotated[list[str], Field(alias=_input("allowed-bots"))] = []
    reply_to_unauthorized: bool = Field(False, alias=_input("reply-to-unauthorized"))
    max_concurrent_sessions: int = Field(3, alias=_input("max-concurrent-sessions"), ge=1, le=100)
    include_comments: bool = Field(True, alias=_input("include-comments"))
    dry_run: bool = Field(False, alias=_input("dry-run"))
    request_review: bool = Field(False, alias=_input("request-review"))
    bot_login: str | None = Field(None, alias=_input("bot-login"), max_length=60)

    _bools = field_validator(
        "require_plan_approval",
        "reply_to_unauthorized",
        "include_comments",
        "dry_run",
        "request_review",
        mode="before",
    )(_parse_bool)
    _lists = field_validator("allowed_users", "allowed_bots", mode="before")(_parse_list)

    @field_validator("mode", mode="before")
    @classmethod
    def _lower_mode(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("jules_api_key", "github_token", mode="before")
    @classmethod
    def _strip_secret(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value

    @field_validator("jules_api_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        loopback = parts.hostname in {"localhost", "127.0.0.1", "::1"}
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise ValueError("must be an https:// URL (http:// only for localhost)")
        if not parts.hostname:
            raise ValueError("has no host")
        return value.strip().rstrip("/")

    @field_validator("trigger_label", "trigger_phrase")
    @classmethod
    def _check_word(cls, value: str) -> str:
        value = value.strip()
        if not value or any(ch in value for ch in "\r\n\t") or value != value.strip():
            raise ValueError("must be a non-empty single line")
        return value

    @field_validator("trigger_phrase")
    @classmethod
    def _check_phrase(cls, value: str) -> str:
        if any(ch.isspace() for ch in value):
            raise ValueError("must be one word, such as /jules")
        return value

    @field_validator("starting_branch")
    @classmethod
    def _check_branch(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if value.startswith("refs/heads/"):
            value = value.removeprefix("refs/heads/")
        bad = (
            not _BRANCH.match(value)
            or value.startswith(("-", "/", "."))
            or value.endswith(("/", ".", ".lock"))
            or ".." in value
            or "//" in value
            or "/." in value
        )
        if bad:
            raise ValueError(
                "is not a valid branch name (letters, digits, '.', '_', '-', '+', '/' only)"
            )
        return value

    @field_validator("bot_login")
    @classmethod
    def _check_bot_login(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return _check_logins([value.strip()])[0]

    @field_validator("allowed_users")
    @classmethod
    def _check_users(cls, value: list[str]) -> list[str]:
        return _check_logins(value)

    @field_validator("allowed_bots")
    @classmethod
    def _check_bots(cls, value: list[str]) -> list[str]:
        if "*" in value:
            raise ValueError(
                "'*' is not accepted: any GitHub App could then start Jules sessions "
                "and inject prompts; list the bot logins explicitly"
            )
        return _check_logins(value)

    def with_prompt_text(self, text: str) -> Settings:
        """These settings with ``text`` (the prompt-file's content) as the prompt."""
        if self.prompt.strip():
            raise ConfigError(
                "Both the prompt and the prompt-file inputs are set. Fix: keep one of them in "
                "the workflow's `with:` block.",
                input_name="prompt-file",
            )
        if not text.strip():
            raise ConfigError(
                f"The prompt-file {self.prompt_file} is empty, so there is no task. Fix: write "
                "the instructions into it, or point prompt-file at the right file.",
                input_name="prompt-file",
            )
        copy = self.model_copy(update={"prompt": text})
        copy._deprecated_used = self._deprecated_used
        return copy

    @property
    def wait_seconds(self) -> float:
        return self.wait_minutes * 60.0

    @property
    def warnings(self) -> list[str]:
        """Settings that are valid but probably not what the user wants."""
        found = []
        if self.trigger_label.lower() == JULES_APP_LABEL:
            found.append(
                f"trigger-label is '{JULES_APP_LABEL}': the Jules GitHub app also starts a task "
                "for that label, so each labelled issue gets two sessions. "
                f"Use another label, such as '{DEFAULT_TRIGGER_LABEL}'."
            )
        found += [
            f"The input `{old}` is deprecated (it is the name Google's jules-invoke action "
            f"uses); rename it to `{DEPRECATED_INPUTS[old]}` in the workflow's `with:` block."
            for old in self._deprecated_used
        ]
        return found

    @classmethod
    def input_names(cls) -> dict[str, str]:
        """Action input name (kebab-case) -> field name."""
        return {
            str(info.alias).removeprefix("INPUT_").lower(): name
            for name, info in cls.model_fields.items()
        }

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        """Build from the runner's variables; raise ConfigError naming the input to fix."""
        aliases = {str(info.alias) for info in cls.model_fields.values()}
        values: dict[str, Any] = {
            key: value for key, value in environ.items() if key in aliases and value.strip() != ""
        }
        used = tuple(old for old in DEPRECATED_INPUTS if environ.get(_input(old), "").strip())
        for old in used:
            values.setdefault(_input(DEPRECATED_INPUTS[old]), environ[_input(old)])
        try:
            settings = cls.model_validate(values)
        except ValidationError as exc:
            raise _config_error(exc) from None
        settings._deprecated_used = used
        return settings


def _config_error(exc: ValidationError) -> ConfigError:
    """One message for the first problem, naming the action input and never echoing secrets."""
    error = exc.errors()[0]
    alias = str(error["loc"][0]) if error["loc"] else ""
    name = alias.removeprefix("INPUT_").lower()
    if error["type"] == "missing":
        if name == "jules-api-key":
            return ConfigError(
                "The jules-api-key input is empty. Create an API key in the Jules web app "
                "(https://jules.google.com/settings#api), store it as a repository secret such "
                "as JULES_API_KEY, and pass it with `jules-api-key: ${{ secrets.JULES_API_KEY }}`. "
                "Secrets are not available to workflows started from forks.",
                input_name=name,
            )
        return ConfigError(f"The {name} input is required but empty.", input_name=name)
    reason = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    secret = name in {"jules-api-key", "github-token"}
    shown = f" (got {value!r})" if isinstance(value, str) and not secret else ""
    return ConfigError(
        f"The {name} input is invalid{shown}: {reason}. "
        f"Fix the `{name}:` value in the workflow's `with:` block.",
        input_name=name,
    )


class GitHubContext(BaseModel):
    """The variables the Actions runner sets for every step."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    event_name: str = Field("", alias="GITHUB_EVENT_NAME")
    event_path: Path | None = Field(None, alias="GITHUB_EVENT_PATH")
    repository: str = Field("", alias="GITHUB_REPOSITORY")
    api_url: str = Field("https://api.github.com", alias="GITHUB_API_URL")
    server_url: str = Field("https://github.com", alias="GITHUB_SERVER_URL")
    run_id: str = Field("", alias="GITHUB_RUN_ID")
    run_attempt: str = Field("1", alias="GITHUB_RUN_ATTEMPT")
    actor: str = Field("", alias="GITHUB_ACTOR")
    triggering_actor: str = Field("", alias="GITHUB_TRIGGERING_ACTOR")
    ref: str = Field("", alias="GITHUB_REF")
    workspace: Path | None = Field(None, alias="GITHUB_WORKSPACE")
    output_path: Path | None = Field(None, alias="GITHUB_OUTPUT")
    summary_path: Path | None = Field(None, alias="GITHUB_STEP_SUMMARY")

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> GitHubContext:
        aliases = {str(info.alias) for info in cls.model_fields.values()}
        values = {k: v for k, v in environ.items() if k in aliases and v.strip() != ""}
        context = cls.model_validate(values)
        if context.repository.count("/") != 1:
            raise ConfigError(
                "GITHUB_REPOSITORY is not set to owner/name. This action runs inside a GitHub "
                "Actions workflow, which sets it; to run it elsewhere, set GITHUB_REPOSITORY, "
                "GITHUB_EVENT_NAME and GITHUB_EVENT_PATH yourself."
            )
        return context

    @property
    def owner(self) -> str:
        return self.repository.split("/", 1)[0]

    @property
    def repo(self) -> str:
        return self.repository.split("/", 1)[1]

    @property
    def run_url(self) -> str:
        if not self.run_id:
            return ""
        return f"{self.server_url.rstrip('/')}/{self.repository}/actions/runs/{self.run_id}"
