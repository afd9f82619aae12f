"""Cut GitHub's REST OpenAPI description down to the operations PyGithub calls; file I/O only.

Prism (the spec-validating mock) serves the result. Besides keeping only the wanted operations
and the components they reference, it patches the quirks that stop PyGithub working against a
mock of GitHub's own description (measured with Prism 5.14.2 and PyGithub 2.10):

* examples written as ``{"value": {"$ref": X}}`` (a reference inside a literal) become
  ``{"$ref": X}``;
* ``https://api.github.com`` inside examples becomes ``BASE_URL_PLACEHOLDER``, which the test
  fixture replaces with the mock's own base URL so PyGithub's follow-up calls stay local
  (PyGithub refuses to follow a URL whose host differs from ``base_url``);
* responses offering ``application/json`` also offer GitHub's ``+json`` vendor media types
  (Prism answers 406 to ``application/vnd.github+json`` otherwise);
* ``issues/add-labels`` / ``issues/set-labels`` also accept a bare array of names (what
  PyGithub sends and GitHub accepts; the spec describes it in prose only);
* the ``Link`` response header is dropped (its example makes the paginator follow
  ``/resource?page=2`` into a 404).

Usage: ``python -m tests.github_mock.trim_spec FULL_SPEC OUT_SPEC [--base-url URL] opId ...``
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

BASE_URL_PLACEHOLDER = "{BASE_URL}"
GITHUB_API = "https://api.github.com"

# Every operation PyGithub calls for a GitHubPort method, plus a few used by tests.
OPERATIONS: tuple[str, ...] = (
    "issues/get",
    "issues/create",
    "issues/create-comment",
    "issues/update-comment",
    "issues/get-comment",
    "issues/list-comments",
    "issues/add-labels",
    "issues/remove-label",
    "issues/list-for-repo",
    "reactions/create-for-issue-comment",
    "reactions/create-for-issue",
    "repos/get-collaborator-permission-level",
    "repos/get",
    "pulls/list",
    "pulls/get",
    "pulls/update",
    "pulls/request-reviewers",
    "repos/create-commit-status",
    "users/get-authenticated",
)

_VENDOR_TYPES = (
    "application/vnd.github+json",
    "application/vnd.github.v3+json",
    "application/vnd.github.squirrel-girl-preview+json",
)


def _fix_value_refs(node: Any) -> None:
    """Rewrite ``{"value": {"$ref": X}}`` examples into ``{"$ref": X}``, in place."""
    if isinstance(node, dict):
        examples = node.get("examples")
        if isinstance(examples, dict):
            for name, example in list(examples.items()):
                value = example.get("value") if isinstance(example, dict) else None
                if isinstance(value, dict) and set(value) == {"$ref"}:
                    examples[name] = {"$ref": value["$ref"]}
        for child in node.values():
            _fix_value_refs(child)
    elif isinstance(node, list):
        for child in node:
            _fix_value_refs(child)


def _patch_response(response: dict[str, Any]) -> None:
    (response.get("headers") or {}).pop("Link", None)
    content = response.get("content")
    if content and "application/json" in content:
        for vendor_type in _VENDOR_TYPES:
            content.setdefault(vendor_type, content["application/json"])


def trim_spec(spec: dict[str, Any], operation_ids: Iterable[str]) -> dict[str, Any]:
    """Return a new spec holding only ``operation_ids`` and what they reference, patched.

    ``https://api.github.com`` is replaced by ``BASE_URL_PLACEHOLDER``; use ``render_spec``.
    """
    wanted = set(operation_ids)
    out: dict[str, Any] = {
        k: v for k, v in spec.items() if k not in ("paths", "components", "webhooks", "x-webhooks")
    }
    paths: dict[str, Any] = {}
    found: set[str] = set()
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and op.get("operationId") in wanted:
                paths.setdefault(path, {})[method] = json.loads(json.dumps(op))
                found.add(op["operationId"])
        if path in paths and "parameters" in item:
            paths[path]["parameters"] = item["parameters"]
    if wanted - found:
        raise ValueError(f"unknown operationIds: {sorted(wanted - found)}")
    out["paths"] = paths

    for item in paths.values():
        for op in item.values():
            if isinstance(op, dict) and op.get("operationId") in (
                "issues/add-labels",
                "issues/set-labels",
            ):
                schema = op["requestBody"]["content"]["application/json"]["schema"]
                schema.setdefault("oneOf", []).append(
                    {"type": "array", "minItems": 1, "items": {"type": "string"}}
                )

    source_components = spec.get("components", {})
    components: dict[str, dict[str, Any]] = {}

    def walk(node: Any, seen: set[str]) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/") and ref not in seen:
                seen.add(ref)
                _, _, kind, name = ref.split("/", 3)
                component = json.loads(json.dumps(source_components[kind][name]))
                components.setdefault(kind, {})[name] = component
                walk(component, seen)
            for child in node.values():
                walk(child, seen)
        elif isinstance(node, list):
            for child in node:
                walk(child, seen)

    _fix_value_refs(paths)
    walk(paths, set())
    _fix_value_refs(components)
    out["components"] = components
    for item in paths.values():
        for op in item.values():
            if isinstance(op, dict):
                for response in op.get("responses", {}).values():
                    if isinstance(response, dict):
                        _patch_response(response)
    for response in components.get("responses", {}).values():
        _patch_response(response)
    patched: dict[str, Any] = json.loads(json.dumps(out).replace(GITHUB_API, BASE_URL_PLACEHOLDER))
    return patched


def render_spec(template_text: str, base_url: str) -> str:
    """Put the mock's base URL (no trailing slash) into a trimmed spec's text."""
    return template_text.replace(BASE_URL_PLACEHOLDER, base_url.rstrip("/"))


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    src, dst, rest = Path(argv[0]), Path(argv[1]), argv[2:]
    base_url = None
    if rest[:1] == ["--base-url"]:
        base_url, rest = rest[1], rest[2:]
    spec = json.loads(src.read_text(encoding="utf-8"))
    trimmed = trim_spec(spec, rest or OPERATIONS)
    text = json.dumps(trimmed)
    if base_url:
        text = render_spec(text, base_url)
    dst.write_text(text, encoding="utf-8")
    kept = sum(isinstance(op, dict) for item in trimmed["paths"].values() for op in item.values())
    print(f"kept {kept} operations, {len(text)} bytes -> {dst}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
