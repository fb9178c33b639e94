"""The data fixtures: the compact set always runs; the shared set runs too when present, and CI requires it."""

from __future__ import annotations

import gzip
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import COMPACT_DIR, REPO

ONE_DATA_TEST = "tests/test_flatten.py::test_gpt4o_price_cut_between_2024_09_and_2025_02"


def run(extra_env: dict[str, str], *tests: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("ORCATALOG_REQUIRE_DATA", "ORCATALOG_TEST_DATA")}
    env.update({"ORCATALOG_TEST_DATA": "/nonexistent/recordings", **extra_env})
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *tests],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_shared_recordings_the_compact_set_runs_and_one_test_says_so() -> None:
    proc = run({}, ONE_DATA_TEST, "tests/test_fixtures.py::test_the_shared_recordings_are_present")
    assert proc.returncode == 0, proc.stdout
    assert "1 passed, 1 skipped" in proc.stdout, proc.stdout
    assert "recorded bodies not found at /nonexistent/recordings" in proc.stdout


def test_missing_shared_recordings_fail_under_the_ci_flag() -> None:
    proc = run({"ORCATALOG_REQUIRE_DATA": "1"}, ONE_DATA_TEST)
    assert proc.returncode != 0
    assert "1 passed" in proc.stdout and "recorded bodies not found" in proc.stdout and "skipped" not in proc.stdout


def test_the_shared_recordings_are_present(shared_dir: Path) -> None:
    assert any(shared_dir.glob("models-*.json.gz"))


def test_compact_set_mirrors_the_shared_names_and_differs_in_bytes(shared_dir: Path) -> None:
    """Same file names and models as the recordings (so the same tests run), never a copy of a recorded body."""
    compact = {p.relative_to(COMPACT_DIR) for p in COMPACT_DIR.rglob("*.gz")} | {
        p.relative_to(COMPACT_DIR) for p in COMPACT_DIR.glob("*.tar.xz")
    }
    assert {p.relative_to(shared_dir) for p in shared_dir.glob("models-20*.json.gz")} <= compact
    assert {p.relative_to(shared_dir) for p in shared_dir.glob("*.tar.xz")} <= compact
    for rel in sorted(r for r in compact if r.name.endswith(".json.gz")):
        mine, recorded = (
            gzip.decompress((COMPACT_DIR / rel).read_bytes()),
            gzip.decompress((shared_dir / rel).read_bytes()),
        )
        assert hashlib.sha256(mine).digest() != hashlib.sha256(recorded).digest(), rel
        assert len(mine) < len(recorded), rel


def test_compact_set_is_small() -> None:
    size = sum(p.stat().st_size for p in COMPACT_DIR.rglob("*") if p.is_file())
    assert 0 < size < 512 * 1024, size


@pytest.mark.parametrize("name", ["models-2024-04-19.json.gz", "models-2026-04-17.json.gz"])
def test_compact_bodies_keep_every_field_but_prose(shared_dir: Path, name: str) -> None:
    import json

    mine = json.loads(gzip.decompress((COMPACT_DIR / name).read_bytes()))["data"]
    recorded = json.loads(gzip.decompress((shared_dir / name).read_bytes()))["data"]
    assert [m["id"] for m in mine] == [m["id"] for m in recorded]
    for a, b in zip(mine, recorded):
        assert {k: v for k, v in a.items() if k != "description"} == {k: v for k, v in b.items() if k != "description"}
        assert list(a) == list(b)
