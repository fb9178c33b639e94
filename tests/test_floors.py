"""The floors .ci/floors.py prints are pyproject.toml's own: every runtime dependency declares one, and
the script pins exactly those (to install them as pip constraints and run the tests on them)."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _floors_module():  # .ci/ is not a package: load the script by path, as CI runs it
    spec = importlib.util.spec_from_file_location("ci_floors", ROOT / ".ci" / "floors.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_runtime_dependency_is_pinned_to_its_declared_floor() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = list(project["dependencies"]) + list(project["optional-dependencies"]["s3"])
    pins = _floors_module().floors(ROOT / "pyproject.toml")
    assert len(pins) == len(declared)
    for requirement, pin in zip(declared, pins, strict=True):
        name, floor = re.split(r"(?:\[[^\]]*\])?>=", requirement)
        assert pin == f"{name}=={floor}"


def test_a_dependency_without_a_floor_is_refused(tmp_path: Path) -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8").replace('"pandas>=3.0"', '"pandas"')
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    with pytest.raises(SystemExit, match="'pandas' declares no '>=' floor"):
        _floors_module().floors(tmp_path / "pyproject.toml")
