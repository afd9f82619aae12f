"""scripts/release_action.py: the released action.yml, the version checks, the release notes."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DIGEST = "sha256:" + "0123456789abcdef" * 4
IMAGE = f"ghcr.io/octo-org/jules-action@{DIGEST}"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "release_action", ROOT / "scripts" / "release_action.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["release_action"] = module  # dataclasses look the module up
    spec.loader.exec_module(module)
    return module


ra = _load()


def action_text() -> str:
    return (ROOT / "action.yml").read_text(encoding="utf-8")


def release_tree(tmp_path: Path, *, version: str = "1.2.3", changelog: str | None = None) -> Path:
    """A copy of the files `check` reads, at ``version``."""
    for name in ("pyproject.toml", "action.yml"):
        shutil.copyfile(ROOT / name, tmp_path / name)
    pyproject = tmp_path / "pyproject.toml"
    current = ra.tomllib.loads(pyproject.read_text())["project"]["version"]
    pyproject.write_text(
        pyproject.read_text().replace(f'version = "{current}"', f'version = "{version}"', 1)
    )
    (tmp_path / "jules_action").mkdir()
    (tmp_path / "jules_action" / "__init__.py").write_text(
        f'"""Doc."""\n\n__version__ = "{version}"\n'
    )
    (tmp_path / "CHANGELOG.md").write_text(
        changelog
        if changelog is not None
        else f"# Changelog\n\n## [Unreleased]\n\n## [{version}] - 2026-12-01\n\n### Added\n\n- X.\n"
    )
    return tmp_path


# --- pin: the released action.yml ---------------------------------------------------------


def test_pin__points_runs_image_at_the_digest_and_changes_nothing_else() -> None:
    before = action_text()
    after = ra.pin(before, image=IMAGE, version="1.2.3")
    changed = [
        (old, new)
        for old, new in zip(before.splitlines(), after.splitlines(), strict=True)
        if old != new
    ]
    assert changed == [
        ("  image: Dockerfile", f"  image: docker://{IMAGE}  # jules-action 1.2.3"),
    ]
    assert after.endswith("\n") == before.endswith("\n")
    released, source = yaml.safe_load(after), yaml.safe_load(before)
    assert released["runs"] == {"using": "docker", "image": f"docker://{IMAGE}"}
    assert {k: v for k, v in released.items() if k != "runs"} == {
        k: v for k, v in source.items() if k != "runs"
    }


def test_pin__the_released_action_yml_passes_the_schema_and_actionlint(tmp_path: Path) -> None:
    """The metadata users get from @vX is what the linters accept, not just what YAML parses."""
    (tmp_path / "action.yml").write_text(ra.pin(action_text(), image=IMAGE, version="1.2.3"))
    schema = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-actions", "action.yml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert schema.returncode == 0, schema.stdout + schema.stderr
    workflow = tmp_path / ".github" / "workflows" / "use.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(
        "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - uses: ./\n        with:\n          jules-api-key: k\n"
    )
    lint = subprocess.run(
        [str(BIN / "actionlint"), "-oneline", str(workflow.relative_to(tmp_path))],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr


@pytest.mark.parametrize(
    "image",
    [
        "ghcr.io/octo-org/jules-action:v1",  # a tag moves; only a digest is immutable
        "ghcr.io/octo-org/jules-action@sha256:abc",
        "ghcr.io/Octo-Org/jules-action@" + DIGEST,  # GHCR names are lower case
        "docker.io/octo/jules-action@" + DIGEST,
        "ghcr.io/octo-org/jules-action@" + DIGEST + "\n  env: {}",
    ],
)
def test_pin__refuses_anything_but_a_ghcr_digest(image: str) -> None:
    with pytest.raises(ra.ReleaseError):
        ra.pin(action_text(), image=image, version="1.2.3")


def test_pin__refuses_an_action_yml_that_is_already_released() -> None:
    released = ra.pin(action_text(), image=IMAGE, version="1.2.3")
    with pytest.raises(ra.ReleaseError, match="expected Dockerfile"):
        ra.pin(released, image=IMAGE, version="1.2.4")


def test_pin__finds_the_image_line_of_runs_only() -> None:
    text = (
        "name: x\ndescription: y\ninputs:\n  image:\n    description: not this one\n"
        "runs:\n  using: docker\n  image: 'Dockerfile'\n  args: []\nbranding:\n  color: blue\n"
    )
    out = ra.pin(text, image=IMAGE, version="0.1.0")
    assert "  image:\n    description: not this one\n" in out
    assert f"  image: docker://{IMAGE}  # jules-action 0.1.0\n  args: []\n" in out


@pytest.mark.parametrize(
    "text",
    [
        "name: x\nruns:\n  using: docker\n",  # no image
        "name: x\nruns:\n  using: docker\n  image: Dockerfile\n  image: Dockerfile\n",
        "name: x\nruns:\n  using: docker\n  image: Dockerfile\nruns:\n  image: Dockerfile\n",
    ],
)
def test_pin__refuses_ambiguous_runs_blocks(text: str) -> None:
    with pytest.raises(ra.ReleaseError):
        ra.pin(text, image=IMAGE, version="0.1.0")


def test_main_action_yml__builds_from_the_dockerfile() -> None:
    """Main must keep building from the working tree: CI tests that image via `uses: ./`."""
    assert ra.runs_image(action_text()) == "Dockerfile"


# --- check: the tag against the sources ----------------------------------------------------


def test_check__accepts_a_consistent_tree(tmp_path: Path) -> None:
    release = ra.check(
        tag="v1.2.3", repository="Octo-Org/Jules-Action", root=release_tree(tmp_path)
    )
    assert release == ra.Release(version="1.2.3", major="v1", image="ghcr.io/octo-org/jules-action")


def test_check__the_repository_is_consistent_with_its_own_version() -> None:
    """What a `v<pyproject version>` tag of this commit would be checked against."""
    version = ra.tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    release = ra.check(tag=f"v{version}", repository="owner/jules-action")
    assert release.major == "v" + version.split(".")[0]


@pytest.mark.parametrize("tag", ["1.2.3", "v1.2", "v1.2.3-rc1", "v01.2.3", "v1", "release-1.2.3"])
def test_check__refuses_tags_that_are_not_vX_Y_Z(tmp_path: Path, tag: str) -> None:
    with pytest.raises(ra.ReleaseError, match="not a release tag"):
        ra.check(tag=tag, repository="o/r", root=release_tree(tmp_path))


def test_check__refuses_a_tag_that_does_not_match_pyproject(tmp_path: Path) -> None:
    with pytest.raises(ra.ReleaseError, match=re.escape("pyproject.toml says version '1.2.3'")):
        ra.check(tag="v1.2.4", repository="o/r", root=release_tree(tmp_path))


def test_check__refuses_a_stale_package_version(tmp_path: Path) -> None:
    root = release_tree(tmp_path)
    (root / "jules_action" / "__init__.py").write_text('__version__ = "1.2.2"\n')
    with pytest.raises(ra.ReleaseError, match=re.escape("__init__.py says '1.2.2'")):
        ra.check(tag="v1.2.3", repository="o/r", root=root)


@pytest.mark.parametrize(
    "changelog",
    [
        "# Changelog\n\n## [Unreleased]\n\n- X.\n",
        "# Changelog\n\n## [1.2.3]\n\n- undated.\n",
        "# Changelog\n\n## [1.2.3] - 2026-12-01\n\n## [1.2.2] - 2026-11-01\n\n- X.\n",  # empty
    ],
)
def test_check__refuses_a_release_without_changelog_notes(tmp_path: Path, changelog: str) -> None:
    with pytest.raises(ra.ReleaseError, match=r"CHANGELOG\.md"):
        ra.check(tag="v1.2.3", repository="o/r", root=release_tree(tmp_path, changelog=changelog))


def test_check__refuses_a_release_commit(tmp_path: Path) -> None:
    """Re-running the workflow on an already moved tag must not build a second image."""
    root = release_tree(tmp_path)
    action = root / "action.yml"
    action.write_text(ra.pin(action.read_text(), image=IMAGE, version="1.2.3"))
    with pytest.raises(ra.ReleaseError, match="already a release commit"):
        ra.check(tag="v1.2.3", repository="o/r", root=root)


@pytest.mark.parametrize("repository", ["nobody", "a/b/c", "/r", "o/"])
def test_image_repository__needs_owner_and_name(repository: str) -> None:
    with pytest.raises(ra.ReleaseError):
        ra.image_repository(repository)


# --- the moving major tag -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "tags", "moves"),
    [
        ("1.0.0", [], True),  # the first release
        ("1.2.3", ["v1.2.2", "v1.1.0", "v0.9.0", "v1"], True),
        ("1.2.3", ["v1.2.3"], True),  # the tag of this very release already exists
        ("1.1.5", ["v1.2.0", "v1"], False),  # a patch of an older minor leaves v1 alone
        ("1.10.0", ["v1.9.9"], True),  # numeric, not string, order
        ("1.2.3", ["v2.0.0", "v2"], True),  # other majors do not count
        ("1.2.3", ["v1.3.0-rc1", "nightly"], True),  # only release tags count
    ],
)
def test_moves_major__only_for_the_highest_release_of_its_major(
    version: str, tags: list[str], moves: bool
) -> None:
    assert ra.moves_major(version, tags) is moves


def test_cli__major_prints_the_decision(capsys: pytest.CaptureFixture[str]) -> None:
    assert ra.main(["major", "--version", "1.1.5", "--tags", "v1.2.0\nv1\n"]) == 0
    assert capsys.readouterr().out == "move=false\n"


# --- notes ----------------------------------------------------------------------------------


def test_changelog_section__is_the_body_up_to_the_next_version() -> None:
    changelog = (
        "# Changelog\n\n## [Unreleased]\n\n- next\n\n## [1.1.0] - 2026-12-02\n\n### Fixed\n\n"
        "- a bug\n\n## [1.0.0] - 2026-11-01\n\n- first\n\n[1.1.0]: https://example.invalid/x\n"
    )
    assert ra.changelog_section(changelog, "1.1.0") == "### Fixed\n\n- a bug"
    assert (
        ra.changelog_section(changelog, "1.0.0") == "- first\n\n[1.1.0]: https://example.invalid/x"
    )
    assert ra.changelog_section(changelog, "1.0") is None


def test_changelog__has_unreleased_and_the_current_version() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "\n## [Unreleased]\n" in text
    version = ra.tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert ra.changelog_section(text, version)


# --- the command line, as the workflow calls it ----------------------------------------------


def test_cli__pin_rewrites_the_file_and_prints_the_output(tmp_path: Path) -> None:
    action = tmp_path / "action.yml"
    action.write_text(action_text())
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "release_action.py"),
            "pin",
            "--image",
            IMAGE,
            "--version",
            "1.2.3",
            "--action",
            str(action),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"image=docker://{IMAGE}\n"
    assert ra.runs_image(action.read_text()) == f"docker://{IMAGE}"


def test_cli__errors_are_workflow_error_annotations(capsys: pytest.CaptureFixture[str]) -> None:
    assert ra.main(["check", "--tag", "v0.0.0-bad", "--repository", "o/r"]) == 1
    assert capsys.readouterr().err.startswith("::error::tag 'v0.0.0-bad' is not a release tag")
