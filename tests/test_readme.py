"""The README's commands run as written: the live main command (against a replay server standing in
for the API host) and its offline ``--replay sample`` twin print the same table."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from orcatalog.testing import ReplayServer

from .conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def _commands() -> list[list[str]]:
    section = README[README.index("## Two commands") : README.index("## In a notebook")]
    return [shlex.split(block.strip()) for block in re.findall(r"```bash\n(.*?)```", section, flags=re.S)]


def _orcatalog_part(argv: list[str]) -> list[str]:
    """The ``orcatalog ...`` command of a README line (after ``pip install . &&``)."""
    start = argv.index("orcatalog")
    return argv[start + 1 :]


def _run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "PYTHONPATH": str(REPO), "ORCATALOG_CACHE_DIR": str(tmp_path / "cache"), **env}
    full_env.pop("ORCATALOG_OFFLINE", None)
    return subprocess.run([sys.executable, "-m", "orcatalog", *args], env=full_env, capture_output=True, text=True,
                          timeout=120)  # fmt: skip


def test_readme_shows_the_live_main_command_and_its_offline_twin() -> None:
    live, offline, tests = _commands()
    assert live[:3] == ["pip", "install", "."] and _orcatalog_part(live) == [
        "models", "--sort", "pricing-low-to-high", "--head", "25"]  # fmt: skip
    assert _orcatalog_part(offline) == ["--replay", "sample", *_orcatalog_part(live)]
    assert tests == ["pip", "install", ".[test]", "&&", "python", "-m", "pytest"]


def test_both_main_commands_run_and_agree(tmp_path: Path) -> None:
    live, offline, _ = _commands()
    with ReplayServer() as api:  # stands in for the API host
        from_live = _run(_orcatalog_part(live), tmp_path, ORCATALOG_BASE_URL=api.base_url)
        assert [r["path"] for r in api.requests] == ["/api/v1/models"]
    from_sample = _run(_orcatalog_part(offline), tmp_path)
    for proc in (from_live, from_sample):
        assert proc.returncode == 0, proc.stderr
        lines = proc.stdout.strip().splitlines()
        assert len(lines) == 26 and lines[0].split()[0] == "id", proc.stdout
    assert from_live.stdout == from_sample.stdout


@pytest.mark.parametrize("source", [None, "sample"])
def test_replay_server_without_a_file_serves_the_packaged_sample(source: str | None) -> None:
    import orcatalog as oc
    import requests

    with ReplayServer(source) as server:
        df = oc.Client(base_url=server.base_url, session=requests.Session()).fetch_models()
    assert len(df) == 346 and "openai/gpt-4o" in set(df["id"])
