"""Extract the GitHub webhook payload fixtures from npm ``@octokit/webhooks-examples``; file I/O.

Reproducible: run ``python scripts/install_test_tools.py`` first (installs the pinned packages
into ``.cache/npm``), then ``python scripts/extract_payloads.py``. It writes
``tests/payloads/github/*.json``, copies the demo's fixtures (``DEMO_COPIES``) to the packaged
``jules_action_dev/demo_data/``, validates every fixture against the community JSON Schema
(``@octokit/webhooks-schemas``) with check-jsonschema, and writes
``tests/payloads/github/PROVENANCE.md`` with the source, the modifications and the results.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NPM_DIR = ROOT / ".cache/npm/node_modules"
EXAMPLES_PKG = "@octokit/webhooks-examples"
SCHEMAS_PKG = "@octokit/webhooks-schemas"
EXAMPLES_INDEX = NPM_DIR / EXAMPLES_PKG / "api.github.com/index.json"
SCHEMA_FILE = NPM_DIR / SCHEMAS_PKG / "schema.json"
OUT_DIR = ROOT / "tests/payloads/github"
DEMO_DIR = ROOT / "jules_action_dev/demo_data"
# The fixtures the demo feeds through the real code path, one per trigger it shows.
DEMO_COPIES = (
    "issues.labeled.json",
    "issue_comment.created.json",
    "schedule.json",
    "workflow_dispatch.json",
)

Payload = dict[str, Any]


@dataclass(frozen=True)
class Fixture:
    file: str
    event: str  # the webhook name in the examples index (None for hand-made)
    index: int | None  # position in that event's ``examples`` list
    schema_definition: str | None  # community-schema definition to validate against
    modifications: tuple[str, ...] = ()
    transform: Callable[[Payload, dict[str, list[Payload]]], Payload] | None = None


def _pr_comment(payload: Payload, _examples: dict[str, list[Payload]]) -> Payload:
    """A comment on a pull request: an issue_comment whose issue has ``pull_request``."""
    out = copy.deepcopy(payload)
    repo, issue = out["repository"], out["issue"]
    number = issue["number"]
    html = f"{repo['html_url']}/pull/{number}"
    issue["pull_request"] = {
        "url": f"{repo['url']}/pulls/{number}",
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "merged_at": None,
    }
    issue["html_url"] = html
    out["comment"]["html_url"] = f"{html}#issuecomment-{out['comment']['id']}"
    out["comment"]["body"] = "/jules fix the flaky test"
    return out


def _failed_run(payload: Payload, _examples: dict[str, list[Payload]]) -> Payload:
    """A ``workflow_run`` that failed: the CI-fixer case (the examples only succeed)."""
    out = copy.deepcopy(payload)
    out["workflow_run"]["conclusion"] = "failure"
    return out


def _schedule(_payload: Payload, examples: dict[str, list[Payload]]) -> Payload:
    source = examples["issues"][9]  # the issues.labeled example used for issues.labeled.json
    return {
        "schedule": "*/15 * * * *",
        "repository": copy.deepcopy(source["repository"]),
        "sender": copy.deepcopy(source["sender"]),
    }


FIXTURES: tuple[Fixture, ...] = (
    Fixture("issues.labeled.json", "issues", 9, "issues$labeled"),
    Fixture("issues.labeled.org.json", "issues", 10, "issues$labeled"),
    Fixture("issues.opened.json", "issues", 15, "issues$opened"),
    Fixture("issue_comment.created.json", "issue_comment", 2, "issue_comment$created"),
    Fixture(
        "issue_comment.created.pr.json",
        "issue_comment",
        1,
        "issue_comment$created",
        modifications=(
            "added `issue.pull_request` = {url: `repository.url` + `/pulls/1`, html_url: "
            "`repository.html_url` + `/pull/1`, diff_url/patch_url: html_url + `.diff`/`.patch`, "
            "merged_at: null} (the shape of GitHub's `webhook-issue-comment-created` schema)",
            "`issue.html_url` -> `…/pull/1` and `comment.html_url` -> `…/pull/1#issuecomment-<id>` "
            "(what GitHub shows for a PR; the example has `/issues/1`)",
            "`comment.body` -> `/jules fix the flaky test`",
        ),
        transform=_pr_comment,
    ),
    Fixture("issue_comment.edited.json", "issue_comment", 7, "issue_comment$edited"),
    Fixture("workflow_dispatch.json", "workflow_dispatch", 1, "workflow_dispatch$event"),
    Fixture("pull_request.opened.json", "pull_request", 12, "pull_request$opened"),
    Fixture(
        "pull_request_review_comment.created.json",
        "pull_request_review_comment",
        1,
        "pull_request_review_comment$created",
    ),
    Fixture(
        "workflow_run.completed.failure.json",
        "workflow_run",
        1,
        "workflow_run$completed",
        modifications=(
            "`workflow_run.conclusion` `success` -> `failure` (the CI-fixer case; every "
            "published `completed` example succeeded)",
        ),
        transform=_failed_run,
    ),
    Fixture("push.json", "push", 4, "push$event"),
    Fixture(
        "schedule.json",
        "issues",
        9,
        None,
        modifications=(
            "HAND-MADE: no package has a `schedule` payload (it is not a webhook). "
            '`{"schedule": "*/15 * * * *"}` (GitHub puts the cron string that fired in '
            "`github.event.schedule`) plus `repository` and `sender` copied unchanged from "
            "`issues` example 9 (a GitHub changelog entry of Sept 2022, by its title, says "
            "scheduled-run payloads gained such fields; unverified); code must also "
            "accept the minimal `{schedule}`-only shape",
        ),
        transform=_schedule,
    ),
)


def _package_version(package: str) -> str:
    manifest = json.loads((NPM_DIR / package / "package.json").read_text(encoding="utf-8"))
    return str(manifest["version"])


def _dump(payload: Payload) -> str:
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def _validate(path: Path, definition: str, schema: dict[str, Any], workdir: Path) -> str:
    schema_path = workdir / f"{definition.replace('$', '_')}.schema.json"
    if not schema_path.exists():
        one = {
            "$schema": schema["$schema"],
            "$ref": f"#/definitions/{definition}",
            "definitions": schema["definitions"],
        }
        schema_path.write_text(json.dumps(one), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--schemafile", str(schema_path), str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    text = (result.stdout + result.stderr).strip().replace("\n", " ")
    return f"{'PASS' if result.returncode == 0 else 'FAIL'} (`{text}`)"


def main() -> int:
    if not EXAMPLES_INDEX.exists():
        sys.exit("error: npm packages missing; run `python scripts/install_test_tools.py` first")
    examples: dict[str, list[Payload]] = {
        e["name"]: e["examples"] for e in json.loads(EXAMPLES_INDEX.read_text(encoding="utf-8"))
    }
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    rows: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for fx in FIXTURES:
            assert fx.index is not None
            source = examples[fx.event][fx.index]
            payload = fx.transform(source, examples) if fx.transform else copy.deepcopy(source)
            target = OUT_DIR / fx.file
            target.write_text(_dump(payload), encoding="utf-8")
            if fx.schema_definition:
                check = f"`{fx.schema_definition}`: " + _validate(
                    target, fx.schema_definition, schema, Path(tmp)
                )
            else:
                check = "not validated: no schema exists for `schedule`"
            action = source.get("action")
            origin = (
                f"`{fx.event}` example index {fx.index}"
                + (f" (action `{action}`)" if action else "")
                if not fx.file.startswith("schedule")
                else f"hand-made; repository/sender from `{fx.event}` example index {fx.index}"
            )
            mods = "; ".join(fx.modifications) if fx.modifications else "none (as published)"
            rows.append(f"| `{fx.file}` | {origin} | {mods} | {check} |")
            print(f"{fx.file}: {check}")
    DEMO_DIR.mkdir(parents=True, exist_ok=True)
    for name in DEMO_COPIES:
        (DEMO_DIR / name).write_text((OUT_DIR / name).read_text(encoding="utf-8"), "utf-8")
    _write_provenance(rows)
    return 0


def _write_provenance(rows: list[str]) -> None:
    examples_version = _package_version(EXAMPLES_PKG)
    schemas_version = _package_version(SCHEMAS_PKG)
    text = f"""# Provenance of the GitHub webhook payload fixtures

Generated by `scripts/extract_payloads.py` (do not edit by hand; change the script and rerun:
`python scripts/install_test_tools.py && python scripts/extract_payloads.py`).

- Source: npm `{EXAMPLES_PKG}` **{examples_version}** (MIT), file
  `api.github.com/index.json`; "index" below is the position in the `examples` list of the
  element whose `name` is the event.
- Validated with `check-jsonschema --schemafile` against one definition of the community
  schema npm `{SCHEMAS_PKG}` **{schemas_version}** (`schema.json`, draft-07).
- Choice: where several examples fit, the first that passes the community schema was taken
  (older examples lack fields the schema made required later, e.g. `issue_comment` index 0,
  `workflow_dispatch` index 0, `pull_request_review_comment` index 0 fail it).
- Notes: the label in `issues.labeled*.json` is `bug` (tests pick their trigger label via the
  trigger-label input, not by editing the payload). The examples' sender is `Codertocat`, the
  repository `Codertocat/Hello-World` (`octo-org/…` in the org/dispatch ones).
  `pull_request_review_comment.created.json` is a review comment on a line of a PR's diff.
- `jules_action_dev/demo_data/` holds byte-identical copies of `issues.labeled.json`,
  `issue_comment.created.json`, `schedule.json` and `workflow_dispatch.json` (packaged; the
  demo feeds them through the real code path, one per trigger).

| file | origin | modifications | community schema |
|---|---|---|---|
{chr(10).join(rows)}
"""
    (OUT_DIR / "PROVENANCE.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
