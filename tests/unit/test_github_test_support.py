"""The GitHub test material: payload fixtures, the spec trimmer, and the Prism tool check."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.github_mock import prism
from tests.github_mock.trim_spec import BASE_URL_PLACEHOLDER, render_spec, trim_spec

PAYLOADS = Path(__file__).resolve().parents[1] / "payloads" / "github"
DEMO_DATA = Path(__file__).resolve().parents[2] / "jules_action_dev" / "demo_data"


def test_payloads__every_file_is_json_and_listed_in_provenance() -> None:
    provenance = (PAYLOADS / "PROVENANCE.md").read_text(encoding="utf-8")
    files = sorted(PAYLOADS.glob("*.json"))
    listed = re.findall(r"^\| `([^`]+\.json)` \|", provenance, re.MULTILINE)
    assert sorted(listed) == [path.name for path in files], "one provenance row per fixture"
    for path in files:
        assert isinstance(json.loads(path.read_text(encoding="utf-8")), dict)
        assert f"`{path.name}`" in provenance


def test_payloads__pr_comment_has_pull_request_and_command() -> None:
    payload = json.loads((PAYLOADS / "issue_comment.created.pr.json").read_text("utf-8"))
    assert set(payload["issue"]["pull_request"]) == {
        "url",
        "html_url",
        "diff_url",
        "patch_url",
        "merged_at",
    }
    assert payload["comment"]["body"] == "/jules fix the flaky test"
    plain = json.loads((PAYLOADS / "issue_comment.created.json").read_text("utf-8"))
    assert "pull_request" not in plain["issue"]


def test_payloads__demo_copy_is_identical() -> None:
    copies = sorted(DEMO_DATA.glob("*.json"))
    expected = [
        "issues.labeled.json",
        "issue_comment.created.json",
        "schedule.json",
        "workflow_dispatch.json",
    ]
    assert [p.name for p in copies] == sorted(expected)
    for copy in copies:
        assert copy.read_bytes() == (PAYLOADS / copy.name).read_bytes(), copy.name


def _tiny_spec() -> dict[str, object]:
    ref = "#/components/examples/issue"
    return {
        "openapi": "3.0.3",
        "servers": [{"url": "https://api.github.com"}],
        "paths": {
            "/repos/{owner}/{repo}/issues/{issue_number}": {
                "get": {
                    "operationId": "issues/get",
                    "responses": {
                        "200": {
                            "headers": {"Link": {"$ref": "#/components/headers/link"}},
                            "content": {
                                "application/json": {
                                    "examples": {"default": {"value": {"$ref": ref}}}
                                }
                            },
                        }
                    },
                }
            },
            "/repos/{owner}/{repo}/issues/{issue_number}/labels": {
                "post": {
                    "operationId": "issues/add-labels",
                    "requestBody": {"content": {"application/json": {"schema": {}}}},
                    "responses": {},
                }
            },
            "/unused": {"get": {"operationId": "other/op", "responses": {}}},
        },
        "components": {
            "examples": {"issue": {"value": {"url": "https://api.github.com/repos/o/r/issues/1"}}},
            "headers": {"link": {"schema": {"type": "string"}}},
            "schemas": {"unused": {}},
        },
    }


def test_trim_spec__keeps_wanted_operations_and_patches_quirks() -> None:
    trimmed = trim_spec(_tiny_spec(), ["issues/get", "issues/add-labels"])
    assert set(trimmed["paths"]) == {
        "/repos/{owner}/{repo}/issues/{issue_number}",
        "/repos/{owner}/{repo}/issues/{issue_number}/labels",
    }
    get = trimmed["paths"]["/repos/{owner}/{repo}/issues/{issue_number}"]["get"]
    response = get["responses"]["200"]
    assert "Link" not in response["headers"]
    assert response["content"]["application/json"]["examples"]["default"] == {
        "$ref": "#/components/examples/issue"
    }
    assert "application/vnd.github+json" in response["content"]
    labels = trimmed["paths"]["/repos/{owner}/{repo}/issues/{issue_number}/labels"]["post"]
    schema = labels["requestBody"]["content"]["application/json"]["schema"]
    assert {"type": "array", "minItems": 1, "items": {"type": "string"}} in schema["oneOf"]
    assert "schemas" not in trimmed["components"]
    text = json.dumps(trimmed)
    assert "api.github.com" not in text
    assert f"{BASE_URL_PLACEHOLDER}/repos/o/r/issues/1" in text
    assert "http://127.0.0.1:4011/repos/o/r/issues/1" in render_spec(text, "http://127.0.0.1:4011/")


def test_trim_spec__unknown_operation_is_an_error() -> None:
    with pytest.raises(ValueError, match="no/such"):
        trim_spec(_tiny_spec(), ["no/such"])


def test_missing_tools__names_the_installer(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(prism, "NPM_DIR", tmp_path / "npm")
    monkeypatch.setattr(prism, "PRISM_BIN", tmp_path / "npm/node_modules/.bin/prism")
    message = prism.missing_tools()
    assert message is not None
    assert "python scripts/install_test_tools.py" in message
