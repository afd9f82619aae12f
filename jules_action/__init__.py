"""jules-action: turn a GitHub issue into a pull request written by Google's Jules agent."""

from __future__ import annotations

__version__ = "0.1.0"
