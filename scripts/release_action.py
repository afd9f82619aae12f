"""Release metadata of the action: version checks, the image name, and the released action.yml.

Used by ``.github/workflows/release.yml`` (see docs/RELEASING.md); standard library only, so the
release job needs no package install for it. On main, ``action.yml`` says ``image: Dockerfile``
and every use of the action builds the image. A release commit differs from its source commit
in one line: ``runs.image`` names the image the release workflow pushed to GHCR, by digest::

    image: docker://ghcr.io/owner/jules-action@sha256:<64 hex>  # jules-action 1.2.3

so ``uses: owner/jules-action@v1`` pulls that exact image: no build, no package index on the
user's runner. Everything else in the file is kept byte for byte (comments, order, quoting).

Commands (each prints ``key=value`` lines suitable for ``$GITHUB_OUTPUT``):

    release_action.py check --tag v1.2.3 --repository Owner/jules-action
        the tag is vX.Y.Z and names the version in pyproject.toml, jules_action/__init__.py and
        a dated CHANGELOG.md section, and action.yml still builds from the Dockerfile
        -> version=1.2.3, major=v1, image=ghcr.io/owner/jules-action
    release_action.py pin --image ghcr.io/owner/jules-action@sha256:... --version 1.2.3
        rewrite action.yml (or --action FILE) in place -> image=docker://...
    release_action.py notes --version 1.2.3
        print that version's CHANGELOG.md section (the GitHub release's text)
    release_action.py major --version 1.2.3 --tags "$(git tag --list 'v*')"
        whether the moving major tag (v1) may point at this release: only when no higher
        v1.x.y exists, so a patch release of an older minor leaves v1 alone -> move=true|false
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TAG = re.compile(r"^v(?P<major>0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
# GHCR repository names are lower case; the digest is the multi-platform index's.
IMAGE = re.compile(r"^ghcr\.io/[a-z0-9._/-]+@sha256:[0-9a-f]{64}$")
# The `runs:` block and its `image:` line (two-space indentation, as in action.yml).
_RUNS = re.compile(r"^runs:[ \t]*(#.*)?$", re.MULTILINE)
_IMAGE_LINE = re.compile(r"^(?P<indent>[ \t]+)image:[ \t]*(?P<value>\S+)[ \t]*(#.*)?$")


class ReleaseError(Exception):
    """A release precondition that does not hold; the message says what to fix."""


@dataclass(frozen=True)
class Release:
    version: str  # 1.2.3
    major: str  # v1: the moving tag
    image: str  # ghcr.io/owner/name, without tag or digest


def image_repository(repository: str) -> str:
    """``Owner/Name`` (GITHUB_REPOSITORY) -> ``ghcr.io/owner/name``."""
    if repository.count("/") != 1 or not all(repository.split("/")):
        raise ReleaseError(f"{repository!r} is not owner/name")
    return f"ghcr.io/{repository.lower()}"


def changelog_section(changelog: str, version: str) -> str | None:
    """The body of ``## [version] - YYYY-MM-DD`` up to the next ``## `` heading, or None."""
    heading = re.compile(
        rf"^## \[{re.escape(version)}\] - \d{{4}}-\d{{2}}-\d{{2}}[ \t]*$", re.MULTILINE
    )
    found = heading.search(changelog)
    if found is None:
        return None
    rest = changelog[found.end() :]
    following = re.search(r"^## ", rest, re.MULTILINE)
    return rest[: following.start() if following else len(rest)].strip()


def runs_image(action_text: str) -> str:
    """The value of ``runs.image`` in ``action_text``."""
    return _image_line(action_text)[1]


def _image_line(action_text: str) -> tuple[int, str]:
    """(index of the line, value) of the ``image:`` key inside the top-level ``runs:`` block."""
    lines = action_text.splitlines()
    runs = [n for n, line in enumerate(lines) if _RUNS.match(line)]
    if len(runs) != 1:
        raise ReleaseError("action.yml must have exactly one top-level `runs:` block")
    found: list[tuple[int, str]] = []
    for number in range(runs[0] + 1, len(lines)):
        line = lines[number]
        if line.strip() and not line[0].isspace():
            break  # the next top-level key
        match = _IMAGE_LINE.match(line)
        if match and len(match["indent"]) == 2:
            found.append((number, match["value"].strip("'\"")))
    if len(found) != 1:
        raise ReleaseError("the `runs:` block of action.yml must have exactly one `image:` line")
    return found[0]


def check(*, tag: str, repository: str, root: Path = ROOT) -> Release:
    """Everything that must hold before an image is built for ``tag``."""
    match = TAG.match(tag)
    if match is None:
        raise ReleaseError(f"tag {tag!r} is not a release tag vMAJOR.MINOR.PATCH (e.g. v1.2.3)")
    version = tag[1:]
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    if project["version"] != version:
        raise ReleaseError(
            f"tag {tag} but pyproject.toml says version {project['version']!r}; "
            "bump the version in a commit, then tag that commit"
        )
    init = (root / "jules_action" / "__init__.py").read_text(encoding="utf-8")
    declared = re.search(r'^__version__ = "([^"]+)"$', init, re.MULTILINE)
    if declared is None or declared.group(1) != version:
        shown = declared.group(1) if declared else "nothing"
        raise ReleaseError(f"tag {tag} but jules_action/__init__.py says {shown!r}")
    changelog = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    if not changelog_section(changelog, version):
        raise ReleaseError(
            f"CHANGELOG.md has no non-empty section `## [{version}] - YYYY-MM-DD`; "
            "move the Unreleased entries under it"
        )
    image = runs_image((root / "action.yml").read_text(encoding="utf-8"))
    if image != "Dockerfile":
        raise ReleaseError(
            f"action.yml runs {image!r}, not the Dockerfile: this commit is already a "
            "release commit (tag the source commit instead)"
        )
    return Release(version=version, major=f"v{match['major']}", image=image_repository(repository))


def pin(action_text: str, *, image: str, version: str) -> str:
    """``action_text`` with ``runs.image: Dockerfile`` replaced by ``docker://<image>``."""
    if not IMAGE.match(image):
        raise ReleaseError(f"{image!r} is not ghcr.io/<owner>/<name>@sha256:<64 hex digits>")
    number, value = _image_line(action_text)
    if value != "Dockerfile":
        raise ReleaseError(f"action.yml's runs.image is {value!r}, expected Dockerfile")
    lines = action_text.splitlines(keepends=True)
    ending = "\n" if lines[number].endswith("\n") else ""
    lines[number] = f"  image: docker://{image}  # jules-action {version}{ending}"
    return "".join(lines)


def moves_major(version: str, tags: list[str]) -> bool:
    """True when ``version`` is at least every existing release tag of its major version."""
    match = TAG.match(f"v{version}")
    if match is None:
        raise ReleaseError(f"{version!r} is not MAJOR.MINOR.PATCH")
    ours = tuple(int(part) for part in version.split("."))
    same_major = [
        tuple(int(part) for part in tag[1:].split("."))
        for tag in tags
        if TAG.match(tag) and tag.startswith(f"v{match['major']}.")
    ]
    return all(ours >= other for other in same_major)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_check = sub.add_parser("check", help="check the tag against the sources")
    p_check.add_argument("--tag", required=True)
    p_check.add_argument("--repository", required=True, help="owner/name (GITHUB_REPOSITORY)")
    p_pin = sub.add_parser("pin", help="point action.yml at the pushed image")
    p_pin.add_argument("--image", required=True, help="ghcr.io/owner/name@sha256:...")
    p_pin.add_argument("--version", required=True)
    p_pin.add_argument("--action", type=Path, default=ROOT / "action.yml")
    p_notes = sub.add_parser("notes", help="print the CHANGELOG section of a version")
    p_notes.add_argument("--version", required=True)
    p_major = sub.add_parser("major", help="may the major tag move to this version?")
    p_major.add_argument("--version", required=True)
    p_major.add_argument("--tags", default="", help="existing tags, whitespace-separated")
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            release = check(tag=args.tag, repository=args.repository)
            print(f"version={release.version}\nmajor={release.major}\nimage={release.image}")
        elif args.command == "pin":
            path: Path = args.action
            path.write_text(
                pin(path.read_text(encoding="utf-8"), image=args.image, version=args.version),
                encoding="utf-8",
            )
            print(f"image=docker://{args.image}")
        elif args.command == "major":
            move = moves_major(args.version, args.tags.split())
            print(f"move={str(move).lower()}")
        else:
            section = changelog_section(
                (ROOT / "CHANGELOG.md").read_text(encoding="utf-8"), args.version
            )
            if not section:
                raise ReleaseError(f"CHANGELOG.md has no section for {args.version}")
            print(section)
    except ReleaseError as exc:
        print(f"::error::{exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
