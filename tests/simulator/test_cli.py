"""The command line as a subprocess: port 0, prints its URL, serves, stops on a signal."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from jules_action_dev.simulator.__main__ import build_config, build_parser

LISTENING = "Jules simulator listening on "


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_cli__serves_on_port_zero_and_exits_cleanly_on_signal(
    tmp_path: Path, stop_signal: signal.Signals
) -> None:
    config_file = tmp_path / "sim.json"
    config_file.write_text(json.dumps({"daily_session_limit": 5, "default_scenario": "failed"}))
    command = [
        sys.executable, "-m", "jules_action_dev.simulator", "--port", "0", "--api-key", "cli-key",
        "--source", "octo/widgets@trunk", "--scenario", "happy", "--time-scale", "60",
        "--config", str(config_file),
    ]  # fmt: skip
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith(LISTENING), line
        base_url = line.removeprefix(LISTENING).strip()
        assert base_url.startswith("http://127.0.0.1:")
        assert base_url.endswith("/v1alpha")
        with httpx.Client(base_url=base_url, headers={"X-Goog-Api-Key": "cli-key"}) as client:
            source = client.get("/sources/github/octo/widgets")
        process.send_signal(stop_signal)
        stdout, stderr = process.communicate(timeout=10)

    assert source.status_code == 200
    assert source.json()["githubRepo"]["defaultBranch"] == {"displayName": "trunk"}
    assert process.returncode == 0, stderr
    assert stdout == ""


def test_cli__bad_config_is_a_usage_error(tmp_path: Path) -> None:
    config_file = tmp_path / "sim.json"
    config_file.write_text(json.dumps({"no_such_setting": 1}))

    result = subprocess.run(
        [sys.executable, "-m", "jules_action_dev.simulator", "--config", str(config_file)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert result.returncode == 2
    assert "no_such_setting" in result.stderr


def test_build_config__flags_override_the_file(tmp_path: Path) -> None:
    config_file = tmp_path / "sim.json"
    config_file.write_text(
        json.dumps(
            {
                "api_keys": ["file-key"],
                "sources": [{"owner": "o", "repo": "r", "branches": ["dev"]}, "o/s@trunk"],
                "max_concurrent_sessions": 3,
                "github_server_url": "https://ghe.example.com",
            }
        )
    )
    args = build_parser().parse_args(
        ["--config", str(config_file), "--max-concurrent-sessions", "15", "--advance-per-get", "30"]
    )

    config = build_config(args)

    assert config.api_keys == ("file-key",)
    assert [s.name for s in config.sources] == ["sources/github/o/r", "sources/github/o/s"]
    assert config.sources[0].all_branches == ("main", "dev")
    assert config.sources[1].default_branch == "trunk"
    assert config.max_concurrent_sessions == 15
    assert config.advance_per_get == 30
    assert config.github_server_url == "https://ghe.example.com"


@pytest.mark.parametrize(
    "argv",
    [["--scenario", "nope"], ["--source", "just-a-name"], ["--time-scale", "0"]],
)
def test_build_config__invalid_values_raise(argv: list[str]) -> None:
    with pytest.raises(ValueError, match=r"."):
        build_config(build_parser().parse_args(argv))
