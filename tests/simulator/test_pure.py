"""The pure building blocks: wire format helpers, scenario specs, config and clocks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from jules_action_dev.simulator import ManualClock, ScaledClock, SimulatorConfig
from jules_action_dev.simulator.scenarios import asks_for_pull_request, parse_spec, spec_for_prompt
from jules_action_dev.simulator.wire import format_timestamp, parse_timestamp, prune

BASE = parse_timestamp("2026-11-24T09:00:00Z")


@pytest.mark.parametrize(
    ("micros", "text"),
    [
        (0, "2026-11-24T09:00:00Z"),
        (120_000, "2026-11-24T09:00:00.120Z"),
        (801_654, "2026-11-24T09:00:00.801654Z"),
    ],
)
def test_format_timestamp__uses_0_3_or_6_fraction_digits(micros: int, text: str) -> None:
    assert format_timestamp(BASE + micros) == text
    assert parse_timestamp(text) == BASE + micros


def test_parse_timestamp__accepts_offsets_and_truncates_nanoseconds() -> None:
    assert parse_timestamp("2026-11-24T10:00:00.123456789+01:00") == BASE + 123_456
    assert parse_timestamp("2026-11-24t09:00:00z") == BASE


@pytest.mark.parametrize("text", ["", "2026-11-24", "2026-11-24T09:00:00", "yesterday"])
def test_parse_timestamp__rejects_malformed(text: str) -> None:
    with pytest.raises(ValueError, match="RFC 3339"):
        parse_timestamp(text)


def test_prune__drops_defaults_but_keeps_empty_messages() -> None:
    message = {
        "a": 0,
        "b": "",
        "c": False,
        "d": [],
        "e": None,
        "f": {},
        "g": [{"index": 0}],
        "h": 1,
    }

    assert prune(message) == {"f": {}, "g": [{}], "h": 1}


def test_parse_spec__reads_options() -> None:
    spec = parse_spec("rate-limit-burst count=5 retry-after=2")

    assert (spec.name, spec.count, spec.retry_after, spec.burst_status) == (
        "rate-limit-burst", 5, 2, "RESOURCE_EXHAUSTED",
    )  # fmt: skip


@pytest.mark.parametrize(
    "text",
    ["", "nope", "happy count", "happy colour=red", "happy count=x", "paused seconds=-1",
     "pr-after-completed polls=3"],
)  # fmt: skip
def test_parse_spec__rejects_bad_specs(text: str) -> None:
    with pytest.raises(ValueError, match=r"scenario"):
        parse_spec(text)


@pytest.mark.parametrize(
    ("text", "inactive_after", "resume_after", "not_found"),
    [
        ("plan-approval-inactive", 0.0, None, 0.0),
        ("plan-approval-inactive seconds=300", 300.0, None, 0.0),
        ("paused", None, None, 0.0),
        ("paused seconds=600", None, 600.0, 0.0),
        ("not-found-window", None, None, 60.0),
        ("not-found-window seconds=5", None, None, 5.0),
        ("happy seconds=5", None, None, 0.0),
    ],
)
def test_parse_spec__seconds_means_what_the_scenario_says(
    text: str, inactive_after: float | None, resume_after: float | None, not_found: float
) -> None:
    spec = parse_spec(text)

    assert spec.inactive_plan_after == inactive_after
    assert spec.web_app_resume_after == resume_after
    assert spec.not_found_window == not_found
    assert spec.forces_plan_approval is text.startswith("plan-approval")
    assert spec.rejects_create is False


def test_spec_for_prompt__first_marker_wins_else_default() -> None:
    default = parse_spec("happy")

    assert spec_for_prompt("Fix it", default) is default
    assert spec_for_prompt("a [jules-sim:stuck] b [jules-sim:failed]", default).name == "stuck"


@pytest.mark.parametrize(
    ("message", "expected"),
    [("Please open a PR", True), ("create the pull request", True), ("thanks!", False),
     ("improve the prose", False)],
)  # fmt: skip
def test_asks_for_pull_request__matches_whole_words(message: str, expected: bool) -> None:
    assert asks_for_pull_request(message) is expected


@pytest.mark.parametrize(
    "values",
    [{"api_keys": ()}, {"max_concurrent_sessions": 0}, {"daily_session_limit": 0}],
)
def test_simulator_config__rejects_invalid_values(values: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"."):
        SimulatorConfig(**values)  # type: ignore[arg-type]


def test_manual_clock__advances_only_forward() -> None:
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))
    clock.advance(90)

    assert clock.now() == datetime(2026, 1, 1, 0, 1, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)


def test_scaled_clock__is_aware_and_rejects_non_positive_scale() -> None:
    clock = ScaledClock(time_scale=120)

    assert clock.now().tzinfo is UTC
    assert clock.now() <= clock.now()
    with pytest.raises(ValueError, match="positive"):
        ScaledClock(time_scale=0)
