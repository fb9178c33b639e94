"""The command line: thin, every command has help with an example, errors are one clean line."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import orcatalog as oc
from orcatalog.cli import main
from orcatalog.testing import ReplayServer

from .conftest import REPO


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_every_command_has_help_with_an_example(runner: CliRunner) -> None:
    for command in main.commands:
        result = runner.invoke(main, [command, "--help"])
        assert result.exit_code == 0, command
        assert "Example" in result.output and "orcatalog" in result.output, command


def test_models_table_through_replay(runner: CliRunner, latest_file: Path) -> None:
    result = runner.invoke(main, ["--replay", str(latest_file), "models", "--sort", "pricing-low-to-high", "--head", "5"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].split()[:2] == ["id", "context_length"] and len(lines) == 6


def test_models_filters_and_formats(runner: CliRunner, latest_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "vision.csv"
    result = runner.invoke(main, ["--replay", str(latest_file), "models", "--input-modalities", "image",
                                  "--max-price", "1", "--format", "csv", "-o", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    df = pd.read_csv(out)
    assert len(df) > 0 and (df["prompt_usd_per_mtok"] <= 1).all()
    assert all("image" in json.loads(v) for v in df["input_modalities"])
    pq = tmp_path / "all.parquet"
    assert runner.invoke(main, ["--replay", str(latest_file), "models", "--format", "parquet", "-o", str(pq)]).exit_code == 0
    back = pd.read_parquet(pq)
    assert len(back) == 346 and list(back["input_modalities"].iloc[0]) == ["text", "image"]
    result = runner.invoke(main, ["--replay", str(latest_file), "models", "--q", "gpt-4o", "--format", "json",
                                  "--columns", "id,price_prompt,created"])  # fmt: skip
    rows = json.loads(result.output)
    assert {r["id"] for r in rows} >= {"openai/gpt-4o"} and set(rows[0]) == {"id", "price_prompt", "created"}


def test_model_count_and_user_models(runner: CliRunner, latest_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = runner.invoke(main, ["--replay", str(latest_file), "model", "openai/gpt-4o"])
    assert result.exit_code == 0 and "openai/gpt-4o" in result.output
    result = runner.invoke(main, ["--replay", str(latest_file), "count"])
    assert result.exit_code == 0 and result.output.strip() == "346"
    with ReplayServer(latest_file, keys={"sk-or-v1-cli": ["openai/gpt-4o"]}) as srv:
        monkeypatch.setenv("ORCATALOG_BASE_URL", srv.base_url)
        monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-v1-cli")
        result = runner.invoke(main, ["user-models", "--format", "csv", "--columns", "id"])
        assert result.exit_code == 0 and list(csv.reader(io.StringIO(result.output))) == [["id"], ["openai/gpt-4o"]]
        assert "sk-or-v1-cli" not in result.output


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["models", "--context", "-5"], "context"),
        (["model", "no-slash"], "model_id"),
        (["model", "openai/no-such-model"], "404"),
    ],
)
def test_errors_are_one_line(runner: CliRunner, latest_file: Path, args: list[str], needle: str) -> None:
    result = runner.invoke(main, ["--replay", str(latest_file), *args])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and result.output.startswith("error: ") and needle in result.output
    assert "Traceback" not in result.output


def test_no_network_names_cause_and_way_out(tmp_path: Path) -> None:
    """Real subprocess, real console script path: the default base URL cannot be reached."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "ORCATALOG_CACHE_DIR": str(tmp_path / "c"),
           "ORCATALOG_BASE_URL": "http://127.0.0.1:9/api/v1"}  # fmt: skip
    proc = subprocess.run([sys.executable, "-m", "orcatalog", "models"], env=env, capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "connection refused" in lines[0] and "ORCATALOG_OFFLINE=1" in lines[0] and "replay" in lines[0]
    assert "Traceback" not in proc.stderr


def test_replay_command_serves_a_real_port(latest_file: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "ORCATALOG_CACHE_DIR": str(tmp_path / "c")}
    proc = subprocess.Popen([sys.executable, "-m", "orcatalog", "replay", str(latest_file)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        base_url = proc.stdout.readline().strip()  # type: ignore[union-attr]
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/api/v1")
        out = subprocess.run([sys.executable, "-m", "orcatalog", "count"], env={**env, "ORCATALOG_BASE_URL": base_url},
                             capture_output=True, text=True, timeout=60)  # fmt: skip
        assert out.returncode == 0 and out.stdout.strip() == "346"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_store_commands(runner: CliRunner, recorded_dir: Path, tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    files = [str(p) for p in sorted(recorded_dir.glob("models-202[56]-*.json.gz"))]
    result = runner.invoke(main, ["import", "--store", store, *files])
    assert result.exit_code == 0 and result.output.startswith(f"{len(files)} snapshots recorded")
    result = runner.invoke(main, ["snapshots", "--store", store, "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == len(files) and rows[0]["scope"] == "catalog"
    result = runner.invoke(main, ["diff", "--store", store, "2026-01-01", "2026-01-16", "--format", "csv"])
    changes = list(csv.DictReader(io.StringIO(result.output)))
    assert {"qwen/qwen3-max", "removed"} <= {v for r in changes for v in (r["id"], r["change"])}
    result = runner.invoke(main, ["prices", "--store", store, "openai/gpt-4o", "--format", "json"])
    series = json.loads(result.output)
    assert len(series) == len(files) and all(r["prompt_usd_per_mtok"] > 0 for r in series)
    result = runner.invoke(main, ["diff", "--store", store, "2020-01-01", "2026-01-16"])
    assert result.exit_code == 1 and result.output.startswith("error: no 'catalog' snapshot")


def test_snapshot_command(runner: CliRunner, latest_file: Path, tmp_path: Path) -> None:
    result = runner.invoke(main, ["--replay", str(latest_file), "snapshot", "--store", str(tmp_path / "s")])
    assert result.exit_code == 0 and ": 346 models at " in result.output


def test_diff_allow_mixed(runner: CliRunner, dated_files: list[Path], tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    ids = [oc.SnapshotStore(store).import_files(dated_files[-2], progress=False)[0],
           oc.SnapshotStore(store).import_files(dated_files[-1], base_url="https://eu.openrouter.ai/api/v1",
                                                progress=False)[0]]  # fmt: skip
    result = runner.invoke(main, ["diff", "--store", store, *ids])
    assert result.exit_code == 1 and "allow_mixed" in result.output
    result = runner.invoke(main, ["diff", "--store", store, *ids, "--allow-mixed", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert result.exit_code == 0 and rows and "unit" in rows[0]
