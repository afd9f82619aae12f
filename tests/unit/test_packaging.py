"""Packaging: action.yml's interface, linters on the action/workflows/Dockerfile, image pins."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))

OUTPUTS = {"session-id", "session-url", "session-state", "pr-url", "outcome"}
OUTCOMES = [
    "pr-opened",
    "no-pr",
    "failed",
    "needs-input",
    "timed-out",
    "handed-off",
    "queued",
    "skipped",
    "error",
]
# Input -> default (None: required, no default).
INPUTS: dict[str, str | None] = {
    "jules-api-key": None,
    "github-token": "${{ github.token }}",
    "jules-api-url": "https://jules.googleapis.com/v1alpha",
    "mode": "run",
    "trigger-label": "jules-task",
    "trigger-phrase": "/jules",
    "prompt": "",
    "starting-branch": "",
    "title": "",
    "require-plan-approval": "false",
    "poll-interval": "15",
    "wait-minutes": "30",
    "allowed-users": "",
    "allowed-bots": "",
    "reply-to-unauthorized": "false",
    "max-concurrent-sessions": "3",
    "include-comments": "true",
    "dry-run": "false",
}


def load_action() -> dict[str, Any]:
    # PyYAML reads the `on:` key of workflows as True, but action.yml has no such key.
    data = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def run_tool(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    executable = BIN / name
    assert executable.exists(), f"{name} is not installed in the venv; pip install -e '.[test]'"
    return subprocess.run(
        [str(executable), *args], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def test_action_yml__is_a_docker_action_built_from_the_dockerfile() -> None:
    action = load_action()
    assert action["runs"] == {"using": "docker", "image": "Dockerfile"}
    assert action["name"]
    assert len(action["description"]) <= 125 * 3  # Marketplace shows the first 125 characters
    assert set(action["branding"]) == {"icon", "color"}


def test_action_yml__inputs_and_defaults_are_the_interface() -> None:
    inputs = load_action()["inputs"]
    assert list(inputs) == list(INPUTS)
    for name, default in INPUTS.items():
        spec = inputs[name]
        if default is None:
            assert spec.get("required") is True, name
            assert "default" not in spec, name
        else:
            assert spec.get("required", False) is False, name
            assert spec["default"] == default, name
            assert isinstance(spec["default"], str), f"{name}: defaults reach the action as strings"


def test_action_yml__trigger_label_is_not_the_jules_apps_label() -> None:
    """The Jules GitHub app reacts to the label `jules` itself; two sessions would start."""
    spec = load_action()["inputs"]["trigger-label"]
    assert spec["default"].lower() != "jules"
    assert "`jules`" in spec["description"]


def test_action_yml__every_input_and_output_has_a_real_description() -> None:
    action = load_action()
    for kind in ("inputs", "outputs"):
        for name, spec in action[kind].items():
            description = spec.get("description", "")
            assert isinstance(description, str), f"{kind}.{name}"
            assert len(description.split()) >= 6, f"{kind}.{name}: description too thin"
            assert description.rstrip().endswith("."), f"{kind}.{name}: end with a full stop"


def test_action_yml__outputs_are_the_interface() -> None:
    outputs = load_action()["outputs"]
    assert set(outputs) == OUTPUTS
    described = outputs["outcome"]["description"]
    for outcome in OUTCOMES:
        assert re.search(rf"\b{re.escape(outcome)}\b", described), outcome


def test_action_yml__no_runs_env_mapping() -> None:
    """The runner passes inputs as INPUT_<NAME> itself; a runs.env copy would only drift."""
    assert "env" not in load_action()["runs"]
    assert "args" not in load_action()["runs"]


def test_entrypoint__runs_the_cli_and_exits_with_its_code() -> None:
    text = (ROOT / "entrypoint.py").read_text(encoding="utf-8")
    assert "from jules_action.cli import main" in text
    assert "sys.exit(main())" in text


def test_dockerfile__entrypoint_and_layer_order() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    instructions = [
        line.split(None, 1)
        for line in text.splitlines()
        if line and not line.startswith((" ", "#")) and not line.startswith("\t")
    ]
    names = [parts[0] for parts in instructions]
    assert names[0] == "FROM"
    base = next(line for line in text.splitlines() if line.startswith("FROM "))
    assert re.fullmatch(r"FROM python:3\.1[12](\.\d+)?-slim-\w+", base), "a pinned slim Python tag"
    assert "USER" not in names, "GitHub runs Docker actions as root (workspace ownership)"
    assert 'ENTRYPOINT ["python", "/app/entrypoint.py"]' in text
    assert "PYTHONUNBUFFERED=1" in text
    assert "PYTHONDONTWRITEBYTECODE=1" in text
    requirements = text.index("requirements.txt")
    package = text.index("COPY jules_action")
    assert requirements < package, "pinned requirements are installed before the code is copied"
    assert "--no-deps" in text


def test_requirements__fully_pinned_and_within_pyprojects_ranges() -> None:
    pins: dict[str, str] = {}
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        req = Requirement(line)
        spec = list(req.specifier)
        assert len(spec) == 1, line
        assert spec[0].operator == "==", f"{line}: pin with =="
        pins[canonicalize_name(req.name)] = spec[0].version
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for line in pyproject["project"]["dependencies"]:
        req = Requirement(line)
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is a dependency but not pinned in requirements.txt"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"{name}=={pins[name]} vs {req}"
        )


def test_dockerignore__keeps_the_build_context_small() -> None:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert next(line for line in lines if not line.startswith("#")) == "*"
    for needed in ("requirements.txt", "pyproject.toml", "README.md", "entrypoint.py"):
        assert f"!{needed}" in lines, needed
    assert "!jules_action/" in lines


def test_workflows__every_job_has_a_timeout_and_explicit_permissions() -> None:
    assert WORKFLOWS
    for path in WORKFLOWS:
        workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert "permissions" in workflow, f"{path.name}: set top-level permissions"
        for job_id, job in workflow["jobs"].items():
            assert "timeout-minutes" in job, f"{path.name}: job {job_id} has no timeout-minutes"


def test_workflows__no_expressions_inside_run_steps() -> None:
    """Untrusted event text must reach scripts through env:, never spliced into run:."""
    for path in WORKFLOWS:
        workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
        for job_id, job in workflow["jobs"].items():
            for step in job.get("steps", []):
                assert "${{" not in step.get("run", ""), f"{path.name}: {job_id}: {step}"


@pytest.mark.parametrize("schema", ["vendor.github-actions"])
def test_check_jsonschema__action_yml(schema: str) -> None:
    result = run_tool("check-jsonschema", "--builtin-schema", schema, "action.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_jsonschema__workflows() -> None:
    names = [str(p.relative_to(ROOT)) for p in WORKFLOWS]
    result = run_tool("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *names)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint__workflows_are_clean() -> None:
    """Also checks the `with:` keys of `uses: ./` steps against our own action.yml."""
    names = [str(p.relative_to(ROOT)) for p in WORKFLOWS]
    result = run_tool("actionlint", "-oneline", *names)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint__dockerfile_is_clean() -> None:
    result = run_tool("hadolint", "Dockerfile")
    assert result.returncode == 0, result.stdout + result.stderr
