"""Helpers for the simulator tests: request bodies and shortcuts over httpx."""

from __future__ import annotations

from typing import Any

import httpx

from jules_action_dev.simulator import ManualClock

API_KEY = "test-key"
SOURCE = "sources/github/octo/widgets"


def source_context(branch: str = "main") -> dict[str, Any]:
    return {"source": SOURCE, "githubRepoContext": {"startingBranch": branch}}


def session_body(prompt: str = "Fix the flaky test", **extra: Any) -> dict[str, Any]:
    return {
        "prompt": prompt,
        "sourceContext": source_context(),
        "automationMode": "AUTO_CREATE_PR",
        **extra,
    }


def create(http: httpx.Client, prompt: str = "Fix the flaky test", **extra: Any) -> dict[str, Any]:
    response = http.post("/sessions", json=session_body(prompt, **extra))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def poll(http: httpx.Client, clock: ManualClock, session_id: str, seconds: float) -> dict[str, Any]:
    """Advance simulated time, then GET the session."""
    clock.advance(seconds)
    response = http.get(f"/sessions/{session_id}")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def activities(http: httpx.Client, session_id: str) -> list[dict[str, Any]]:
    response = http.get(f"/sessions/{session_id}/activities", params={"pageSize": 100})
    assert response.status_code == 200, response.text
    return response.json().get("activities", [])  # type: ignore[no-any-return]


def kinds(items: list[dict[str, Any]]) -> list[str]:
    """The union member name of each activity."""
    members = (
        "planGenerated", "planApproved", "progressUpdated", "agentMessaged", "userMessaged",
        "sessionCompleted", "sessionFailed",
    )  # fmt: skip
    return [next(key for key in item if key in members) for item in items]
