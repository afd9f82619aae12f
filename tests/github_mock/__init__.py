"""Test support for the GitHub side: spec trimming and Prism behind a recording proxy."""

from __future__ import annotations
