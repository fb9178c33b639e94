"""Print a pip constraints file that pins every runtime dependency to the floor pyproject.toml declares.

The floors have one home, pyproject.toml. ``pip install -c <(python .ci/floors.py) '.[test]'`` in a fresh
venv, then the tests, checks that they hold. Test-only tools (the ``test`` extra) are left at their newest
versions: their floors are not a promise to users.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

_FLOOR = re.compile(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?>=([^,;\s]+)$")


def floors(pyproject: Path) -> list[str]:
    """``name==version`` for each runtime and ``s3`` extra dependency; a requirement without a floor is an error."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"]) + list(project["optional-dependencies"].get("s3", []))
    pins = []
    for requirement in wanted:
        match = _FLOOR.match(requirement.replace(" ", ""))
        if not match:
            raise SystemExit(f"{pyproject}: {requirement!r} declares no '>=' floor")
        pins.append(f"{match[1]}=={match[2]}")
    return pins


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]
    print("\n".join(floors(root / "pyproject.toml")))
