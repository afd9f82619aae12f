"""Packaging: action.yml's interface, the image's content and pins, the workflows' pins, linters."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import tomllib
from importlib.metadata import distribution
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))

OUTPUTS = {
    "session-id",
    "session-url",
    "session-state",
    "pr-url",
    "pr-number",
    "issue-number",
    "branch",
    "message",
    "result",
    "prompt",
    "outcome",
}
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
    "dry-run",
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
    "prompt-file": "",
    "starting-branch": "",
    "title": "",
    "require-plan-approval": "false",
    "poll-interval": "12",
    "wait-minutes": "30",
    "allowed-users": "",
    "allowed-bots": "",
    "reply-to-unauthorized": "false",
    "max-concurrent-sessions": "3",
    "include-comments": "true",
    "dry-run": "false",
    "request-review": "false",
    "bot-login": "",
}
# Google's jules-invoke input names, accepted as deprecated aliases (no default, not required).
DEPRECATED = ["jules_api_key", "starting_branch"]
# Marketplace: "The description must be less than 125 characters."
MAX_DESCRIPTION = 124


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


def load_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_action_yml__is_a_docker_action_built_from_the_dockerfile() -> None:
    """On main the action builds the working tree; releases rewrite this one line."""
    action = load_action()
    assert action["runs"] == {"using": "docker", "image": "Dockerfile"}
    assert action["name"]
    assert set(action["branding"]) == {"icon", "color"}


def test_action_yml__description_fits_the_marketplace() -> None:
    description = load_action()["description"]
    assert 20 <= len(description) <= MAX_DESCRIPTION, len(description)
    assert "\n" not in description


def test_action_yml__inputs_and_defaults_are_the_interface() -> None:
    inputs = load_action()["inputs"]
    assert list(inputs) == [*INPUTS, *DEPRECATED]
    for name in DEPRECATED:
        assert inputs[name]["deprecationMessage"], name
        assert inputs[name].get("required", False) is False, name
        assert "default" not in inputs[name], name
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
    assert re.fullmatch(r"FROM python:3\.1[12](\.\d+)?-slim-\w+@sha256:[0-9a-f]{64}", base), (
        "a slim Python tag pinned by digest (the tag for readers and Dependabot)"
    )
    assert "USER" not in names, "GitHub runs Docker actions as root (workspace ownership)"
    assert 'ENTRYPOINT ["python", "/app/entrypoint.py"]' in text
    assert "PYTHONUNBUFFERED=1" in text
    assert "PYTHONDONTWRITEBYTECODE=1" in text
    requirements = text.index("requirements.txt")
    package = text.index("COPY jules_action")
    assert requirements < package, "pinned requirements are installed before the code is copied"


def test_dockerfile__installs_only_hashed_wheels_and_nothing_else() -> None:
    runs = [
        " ".join(part.strip().rstrip("\\") for part in block.splitlines())
        for block in re.findall(
            r"^RUN (.*?)(?<!\\)$", (ROOT / "Dockerfile").read_text(), re.M | re.S
        )
    ]
    installs = [run for run in runs if "pip install" in run]
    assert len(installs) == 2, installs
    deps, package = installs
    for flag in ("--require-hashes", "--no-deps", "--only-binary=:all:", "/app/requirements.txt"):
        assert flag in deps, flag
    for flag in ("--no-deps", "--no-build-isolation", "--no-index"):
        assert flag in package, f"{flag}: the package install must not download anything"
    assert "image_check.py" in package, "the build proves what it installed"


def test_requirements__every_pin_has_hashes() -> None:
    """Read like pip does: continuation lines joined, every requirement `name==version --hash`."""
    text = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    assert "uv pip compile pyproject.toml --generate-hashes" in text.splitlines()[1]
    requirements = [
        line.strip()
        for line in text.replace("\\\n", " ").splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    assert len(requirements) > 10
    for line in requirements:
        pattern = r"[A-Za-z0-9._-]+==[^\s;]+( +--hash=sha256:[0-9a-f]{64})+"
        assert re.fullmatch(pattern, line), f"not name==version --hash=...: {line[:80]}"


def test_requirements__are_the_closure_of_pyprojects_dependencies_minus_the_exclusions() -> None:
    """Installed with --no-deps, so a dependency missing here is missing in the image."""
    pin = load_script("pin_requirements")
    text = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    pinned = {canonicalize_name(n) for n in re.findall(r"^([A-Za-z0-9._-]+)==", text, re.M)}
    footer = text.split("# The following packages were excluded from the output:\n", 1)
    excluded = set(re.findall(r"^# (\S+)$", footer[1], re.M)) if len(footer) == 2 else set()
    assert excluded == set(pin.EXCLUDED), (
        "requirements.txt is stale: run scripts/pin_requirements.py"
    )
    # The names (not versions) of the closure, from the dev venv's metadata.
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    closure: set[str] = set()
    closure_seen: set[tuple[str, str]] = set()
    todo = [(Requirement(line), "") for line in pyproject["project"]["dependencies"]]
    while todo:
        req, extra = todo.pop()
        name = canonicalize_name(req.name)
        if (name, extra) in closure_seen or name in pin.EXCLUDED:
            continue
        closure_seen.add((name, extra))
        closure.add(name)
        for line in distribution(req.name).requires or []:
            sub = Requirement(line)
            if sub.marker is None or sub.marker.evaluate({"extra": extra}):
                todo += [(sub, sub_extra) for sub_extra in ("", *sub.extras)]
        todo += [(Requirement(req.name), sub_extra) for sub_extra in req.extras]
    assert pinned == closure, "requirements.txt is stale: run scripts/pin_requirements.py"


def test_requirements__within_pyprojects_ranges() -> None:
    text = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    pins = {
        canonicalize_name(n): v for n, v in re.findall(r"^([A-Za-z0-9._-]+)==(\S+)", text, re.M)
    }
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for line in pyproject["project"]["dependencies"]:
        req = Requirement(line)
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is a dependency but not pinned in requirements.txt"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"{name}=={pins[name]} vs {req}"
        )


def dockerignore_rules() -> list[tuple[bool, re.Pattern[str]]]:
    """(is an exception, pattern) per line, as Docker reads .dockerignore.

    Docker cleans each pattern like a path and matches it with Go's filepath.Match plus
    ``**`` (any number of directories); a path is also excluded when a parent directory
    matches; the last matching rule wins, ``!`` lines re-include.
    """
    rules = []
    for raw in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exception = line.startswith("!")
        pattern = line.removeprefix("!").strip().strip("/")
        assert not set(pattern) & set("[]\\"), f"{raw}: character classes are not modelled here"
        regex = ""
        i = 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                regex, i = regex + "(?:.*/)?", i + 3
            elif pattern.startswith("**", i):
                regex, i = regex + ".*", i + 2
            elif pattern[i] == "*":
                regex, i = regex + "[^/]*", i + 1
            elif pattern[i] == "?":
                regex, i = regex + "[^/]", i + 1
            else:
                regex, i = regex + re.escape(pattern[i]), i + 1
        rules.append((exception, re.compile(regex + r"\Z")))
    return rules


def build_context() -> list[str]:
    """The files of a clean checkout (plus untracked, non-ignored ones) that Docker sends."""
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    rules = dockerignore_rules()
    sent = []
    for path in files:
        if not (ROOT / path).is_file():
            continue  # deleted in the working tree
        parts = path.split("/")
        prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        excluded = False
        for exception, regex in rules:
            if any(regex.match(prefix) for prefix in prefixes):
                excluded = not exception
        if not excluded:
            sent.append(path)
    return sorted(sent)


def test_dockerignore__the_build_context_is_the_product_only() -> None:
    """No development package, tests, docs or tooling reach the image's build context."""
    context = build_context()
    allowed = {
        "Dockerfile",
        "requirements.txt",
        "pyproject.toml",
        "README.md",
        "entrypoint.py",
        "scripts/image_check.py",
    }
    strays = [
        path for path in context if path not in allowed and not path.startswith("jules_action/")
    ]
    assert strays == []
    assert not [p for p in context if p.startswith(("jules_action_dev/", "tests/"))]
    assert not [p for p in context if "__pycache__" in p or p.endswith(".pyc")]
    runtime = subprocess.run(
        ["git", "ls-files", "jules_action"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert runtime, "jules_action has tracked files"
    assert set(runtime) <= set(context), "every tracked runtime file is in the context"
    assert allowed <= set(context)


def test_dockerignore__rules_behave_like_docker() -> None:
    """The evaluator above, on the cases that matter (parent matches, exceptions, **)."""
    rules = dockerignore_rules()

    def sent(path: str) -> bool:
        parts = path.split("/")
        prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        excluded = False
        for exception, regex in rules:
            if any(regex.match(prefix) for prefix in prefixes):
                excluded = not exception
        return not excluded

    assert sent("jules_action/cli.py")
    assert not sent("jules_action_dev/simulator/server.py")
    assert not sent("jules_action/__pycache__/cli.cpython-311.pyc")
    assert not sent("scripts/test.py")
    assert sent("scripts/image_check.py")
    assert not sent("tests/unit/test_packaging.py")


def test_dockerfile__copies_only_what_the_context_has() -> None:
    """Every COPY source is in the context, so the allow-list and the Dockerfile agree."""
    context = build_context()
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for sources in re.findall(r"^COPY (.+) \S+$", text, re.M):
        for source in sources.split():
            assert any(p == source or p.startswith(source.rstrip("/") + "/") for p in context), (
                source
            )


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


USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?P<comment>.*)$")


def test_workflows__every_uses_is_pinned_to_a_commit_with_its_version() -> None:
    """A tag can be moved to other code; a full commit SHA cannot. The comment says which."""
    seen = 0
    for path in WORKFLOWS:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found = USES.match(line)
            if not found:
                continue
            seen += 1
            ref, comment = found["ref"], found["comment"]
            where = f"{path.name}:{number}: {line.strip()}"
            if ref.startswith("./"):
                continue  # this repository's own action, from the checked-out tree
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", ref), where
            assert re.match(r"\s+# v\d+(\.\d+)*\b", comment), f"{where}: add # vX.Y.Z"
    assert seen > 10


def test_dependabot__watches_pip_docker_and_github_actions() -> None:
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text(encoding="utf-8"))
    ecosystems = {update["package-ecosystem"]: update for update in config["updates"]}
    assert set(ecosystems) == {"pip", "docker", "github-actions"}
    for update in ecosystems.values():
        assert update["directory"] == "/"
        assert update["cooldown"]["default-days"] >= 3


def test_license__is_the_apache_2_0_text_pyproject_declares() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License\n                           Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text
    assert len(text.split()) > 1500, "the full text, not a notice"
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["license"] == {"text": "Apache-2.0"}


def test_zizmor__no_unexplained_findings() -> None:
    """Each accepted finding carries an inline ignore with its reason; anything new fails."""
    result = run_tool("zizmor", "--offline", "--no-progress", ".")
    assert result.returncode == 0, result.stdout + result.stderr
    for path in [*WORKFLOWS, ROOT / "action.yml"]:
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines):
            if "zizmor: ignore[" not in line:
                continue
            reason = line.split("zizmor: ignore[", 1)[1].split("]", 1)[1].strip()
            comment_above = number > 0 and lines[number - 1].strip().startswith("#")
            assert reason or comment_above, f"{path.name}:{number + 1}: say why it is ignored"


@pytest.mark.parametrize("schema", ["vendor.github-actions"])
def test_check_jsonschema__action_yml(schema: str) -> None:
    result = run_tool("check-jsonschema", "--builtin-schema", schema, "action.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_jsonschema__dependabot() -> None:
    result = run_tool(
        "check-jsonschema", "--builtin-schema", "vendor.dependabot", ".github/dependabot.yml"
    )
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


def test_readme_picture__the_committed_html_is_what_the_templates_render_now() -> None:
    """docs/img/tracking-comment.png is a screenshot of this HTML; both follow the templates."""
    picture = load_script("render_readme_picture")
    committed = (ROOT / "docs" / "img" / "tracking-comment.html").read_text(encoding="utf-8")
    assert picture.page() == committed, (
        "the tracking comment's text changed: run python scripts/render_readme_picture.py "
        "(needs chromium) and commit docs/img/tracking-comment.html and .png"
    )
    assert (ROOT / "docs" / "img" / "tracking-comment.png").stat().st_size > 10_000
    assert picture.STATE.status.value == "pr-opened"


def test_architecture__names_every_runtime_module_and_no_other() -> None:
    """docs/ARCHITECTURE.md's module table and jules_action/ agree, both ways."""
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    table = {m.group(1) for m in re.finditer(r"^\| `([a-z_]+\.py)` \|", text, re.MULTILINE)}
    modules = {
        p.name
        for p in (ROOT / "jules_action").glob("*.py")
        if p.name not in {"__init__.py", "__main__.py"}
    }
    assert sorted(modules - table) == [], "modules missing from docs/ARCHITECTURE.md"
    assert sorted(table - modules) == [], "docs/ARCHITECTURE.md names modules that do not exist"


def test_action_yml__outcome_lists_exactly_the_outcome_kinds() -> None:
    """The `outcome` output's description names every OutcomeKind value; only failed and error
    fail the step."""
    from jules_action.outcome import OutcomeKind

    description = load_action()["outputs"]["outcome"]["description"]
    named = set(re.findall(r"`?\b([a-z]+(?:-[a-z]+)*)\b`?", description))
    kinds = {kind.value for kind in OutcomeKind}
    assert kinds <= named, f"not in action.yml: {sorted(kinds - named)}"
    failing = {kind.value for kind in OutcomeKind if kind.exit_code}
    assert failing == {"failed", "error"}
    assert "fails only for failed and" in " ".join(description.split())


def test_readme__opens_with_exactly_the_two_commands_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"```sh\n(.*?)```", readme, re.DOTALL)
    assert first_block is not None
    assert readme.index("```sh") < readme.index("## Quick start")
    demo, tests = first_block.group(1).strip().splitlines()
    assert demo.endswith(".venv/bin/python -m jules_action_dev demo")
    assert tests.endswith(".venv/bin/python scripts/test.py")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ".venv/bin/python scripts/test.py" in ci
    assert "pip install -q -e '.[test]'" in ci


def test_readme__every_workflow_example_uses_real_inputs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    inputs = set(load_action()["inputs"])
    examples = re.findall(r"```yaml\n(.*?)```", readme, re.DOTALL)
    assert len(examples) >= 3
    used = 0
    for text in examples:
        workflow = yaml.safe_load(text)
        if not isinstance(workflow, dict):
            continue
        for job in (workflow.get("jobs") or {}).values():
            for step in job.get("steps", []):
                if str(step.get("uses", "")).startswith("OWNER/jules-action@"):
                    used += 1
                    assert set(step.get("with", {})) <= inputs, step
    assert used >= 3
