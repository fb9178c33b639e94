"""The recorded-data fixture: a missing folder skips with a message, or fails under CI's flag."""

from __future__ import annotations

import os
import subprocess
import sys

from .conftest import REPO


def run(extra_env: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("ORCATALOG_REQUIRE_DATA", "ORCATALOG_TEST_DATA")}
    env.update({"ORCATALOG_TEST_DATA": "/nonexistent/recordings", **extra_env})
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
         "tests/test_flatten.py::test_gpt4o_price_cut_between_2024_09_and_2025_02"],  # fmt: skip
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )


def test_missing_recordings_skip_with_a_message() -> None:
    proc = run({})
    assert proc.returncode == 0, proc.stdout
    assert "1 skipped" in proc.stdout and "recorded bodies not found at /nonexistent/recordings" in proc.stdout


def test_missing_recordings_fail_under_the_ci_flag() -> None:
    proc = run({"ORCATALOG_REQUIRE_DATA": "1"})
    assert proc.returncode != 0
    assert "recorded bodies not found" in proc.stdout and "skipped" not in proc.stdout
