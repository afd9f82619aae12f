"""The README's Inputs and Outputs tables say what action.yml declares, name for name."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


def action() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def table(section: str) -> dict[str, list[str]]:
    """The rows of the table under ``## <section>``: first cell's code name -> the other cells."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(rf"^## {section}\n(.*?)(?=^## )", readme, re.DOTALL | re.MULTILINE)
    assert found is not None, f"no '## {section}' section"
    rows = {}
    for line in found.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        name = re.fullmatch(r"`([a-z0-9-]+)`", cells[0]) if cells else None
        if name:
            rows[name.group(1)] = cells[1:]
    return rows


def test_readme_outputs__are_action_ymls_outputs() -> None:
    assert list(table("Outputs")) == list(action()["outputs"])


def test_readme_inputs__are_action_ymls_inputs_with_their_defaults() -> None:
    inputs = {
        name: spec for name, spec in action()["inputs"].items() if "deprecationMessage" not in spec
    }
    rows = table("Inputs")
    assert list(rows) == list(inputs)
    for name, spec in inputs.items():
        shown = rows[name][0]
        if spec.get("required"):
            assert shown == "(required)", name
        elif spec.get("default", "") == "":
            assert shown == "(empty)", name
        else:
            assert shown == f"`{spec['default']}`", name
