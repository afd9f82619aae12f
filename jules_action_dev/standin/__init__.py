"""A stateful local stand-in for GitHub's REST API (one repository's issue thread); see ``server``.

``RepositoryState`` (pure in-memory state), ``StateBackedGitHub`` (a ``GitHubPort`` over it, the
in-memory fake), ``GitHubStandin`` (the HTTP server PyGithub talks to) and ``render_thread``
(text view for the demo). Importing this package does no I/O.
"""

from __future__ import annotations

from jules_action_dev.standin.render import format_change, render_thread
from jules_action_dev.standin.server import GitHubStandin, RecordedRequest
from jules_action_dev.standin.state import (
    ApiFailure,
    ChangeEvent,
    RepositoryState,
    StateBackedGitHub,
)

__all__ = [
    "ApiFailure",
    "ChangeEvent",
    "GitHubStandin",
    "RecordedRequest",
    "RepositoryState",
    "StateBackedGitHub",
    "format_change",
    "render_thread",
]
