"""docs/reliability.md names, for each attack, the test that holds it: every name must exist."""

from __future__ import annotations

import ast
import re

from .conftest import REPO

ABBREVIATIONS = {
    "hf": "test_http_faults.py",
    "fa": "test_fetch_attacks.py",
    "ca": "test_cache.py",
    "ex": "test_exit_status.py",
}


def _tests(module: str) -> set[str]:
    tree = ast.parse((REPO / "tests" / module).read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


def test_every_test_the_reliability_table_names_exists() -> None:
    text = (REPO / "docs" / "reliability.md").read_text(encoding="utf-8")
    named, module = [], None
    assert "`..." not in text  # every cell names its test in full (a trial could not run "...[case]")
    for cell in re.findall(r"`([^`]*::[^`]*)`", text):
        where, _, name = cell.partition("::")
        if not name.startswith("test_"):
            continue
        module = ABBREVIATIONS.get(where) or (where.removeprefix("tests/") if where else module)
        named.append((module, re.sub(r"\[.*$", "", name)))
    assert len(named) >= 60
    missing = [f"{m}::{n}" for m, n in named if n not in _tests(m)]
    assert missing == []
    assert "docs/reliability.md" in (REPO / "README.md").read_text(encoding="utf-8")
