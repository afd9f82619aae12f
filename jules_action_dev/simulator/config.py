"""Simulator configuration: connected sources, keys, scenario, limits, time; pure, no I/O.

``SimulatorConfig.from_mapping`` accepts the JSON config-file format documented in the README
(the CLI reads the file and passes the parsed mapping in).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from jules_action_dev.simulator.scenarios import ScenarioSpec, parse_spec

DEFAULT_API_KEY = "jules-sim-key"


@dataclass(frozen=True)
class SourceConfig:
    """A GitHub repository connected to Jules (the Jules GitHub App is installed on it)."""

    owner: str
    repo: str
    default_branch: str = "main"
    branches: tuple[str, ...] = ()
    is_private: bool = False

    @classmethod
    def parse(cls, text: str) -> SourceConfig:
        """``owner/repo`` or ``owner/repo@default_branch``."""
        slug, _, branch = text.partition("@")
        owner, sep, repo = slug.partition("/")
        if not sep or not owner or not repo or "/" in repo:
            raise ValueError(f"source must look like owner/repo[@branch], got {text!r}")
        return cls(owner=owner, repo=repo, default_branch=branch or "main")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> SourceConfig:
        _reject_unknown(data, {f.name for f in fields(cls)}, "source")
        return cls(
            owner=str(data["owner"]),
            repo=str(data["repo"]),
            default_branch=str(data.get("default_branch", "main")),
            branches=tuple(str(b) for b in data.get("branches", ())),
            is_private=bool(data.get("is_private", False)),
        )

    @property
    def name(self) -> str:
        return f"sources/github/{self.owner}/{self.repo}"

    @property
    def all_branches(self) -> tuple[str, ...]:
        """The default branch first, then the other active branches."""
        return (self.default_branch, *(b for b in self.branches if b != self.default_branch))


@dataclass(frozen=True)
class SimulatorConfig:
    api_keys: tuple[str, ...] = (DEFAULT_API_KEY,)
    sources: tuple[SourceConfig, ...] = ()
    github_server_url: str = "https://github.com"
    default_scenario: str = "happy"
    max_concurrent_sessions: int | None = None
    """Sessions beyond this many stay QUEUED until a slot frees (None: unlimited)."""
    daily_session_limit: int | None = None
    """Creates beyond this many per simulated UTC day get 429 (None: unlimited)."""
    time_scale: float = 1.0
    """Simulated seconds per real second for the default real clock."""
    advance_per_get: float | None = None
    """Each sessions.get advances that session's own time by this many simulated seconds."""
    port: int = 0
    seed: int | None = None
    """Seeds ids and jitter, for reproducible runs."""

    def __post_init__(self) -> None:
        self.scenario_spec()  # fail fast on a bad default scenario
        if not self.api_keys:
            raise ValueError("at least one API key is required")
        if self.time_scale <= 0:
            raise ValueError("time_scale must be positive")
        for name in ("max_concurrent_sessions", "daily_session_limit"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be at least 1")

    def scenario_spec(self) -> ScenarioSpec:
        return parse_spec(self.default_scenario)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> SimulatorConfig:
        """Build from the config-file format (snake_case keys named like the fields)."""
        _reject_unknown(data, {f.name for f in fields(cls)}, "config")
        values: dict[str, Any] = dict(data)
        if "api_keys" in values:
            values["api_keys"] = tuple(str(key) for key in values["api_keys"])
        if "sources" in values:
            values["sources"] = tuple(
                SourceConfig.parse(item)
                if isinstance(item, str)
                else SourceConfig.from_mapping(item)
                for item in values["sources"]
            )
        return cls(**values)


def _reject_unknown(data: Mapping[str, Any], known: set[str], what: str) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown {what} keys: {', '.join(unknown)}")
