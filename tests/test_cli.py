"""The command line: thin, every command has help with an example, errors are one clean line."""

from __future__ import annotations

import copy
import csv
import contextlib
import gc
import gzip
import io
import json
import os
import shutil
import re
import subprocess
import sys
from pathlib import Path

import click
import pandas as pd
import pytest
from click.testing import CliRunner

import orcatalog as oc
from orcatalog.cli import main
from orcatalog.testing import ReplayServer

from .conftest import REPO, SERVED_FILE, read_body, run_cli


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_every_command_has_help_with_an_example(runner: CliRunner) -> None:
    for command in main.commands:
        result = runner.invoke(main, [command, "--help"])
        assert result.exit_code == 0, command
        assert "Example" in result.output and "orcatalog" in result.output, command


def test_models_table_through_replay(runner: CliRunner, latest_file: Path) -> None:
    result = runner.invoke(
        main, ["--replay", str(latest_file), "models", "--sort", "pricing-low-to-high", "--head", "5"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].split()[:2] == ["id", "context_length"] and len(lines) == 6


def test_models_filters_and_formats(runner: CliRunner, latest_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "vision.csv"
    result = runner.invoke(
        main,
        [
            "--replay",
            str(latest_file),
            "models",
            "--input-modalities",
            "image",
            "--max-price",
            "1",
            "--format",
            "csv",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    df = pd.read_csv(out)
    assert len(df) > 0 and (df["prompt_usd_per_mtok"] <= 1).all()
    assert all("image" in json.loads(v) for v in df["input_modalities"])
    pq = tmp_path / "all.parquet"
    assert (
        runner.invoke(main, ["--replay", str(latest_file), "models", "--format", "parquet", "-o", str(pq)]).exit_code
        == 0
    )
    back = pd.read_parquet(pq)
    assert len(back) == 346 and list(back["input_modalities"].iloc[0]) == ["text", "image"]
    result = runner.invoke(
        main,
        [
            "--replay",
            str(latest_file),
            "models",
            "--q",
            "gpt-4o",
            "--format",
            "json",
            "--columns",
            "id,price_prompt,created",
        ],
    )
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
        # issue 15 (trial 5): a key the server does not know said only "HTTP 401, code 401: User not found."
        monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-v1-unknown")
        wrong = runner.invoke(main, ["user-models"])
        assert wrong.exit_code == 1 and "401" in wrong.output, wrong.output
        assert "check the API key in OPENROUTER_API_KEY" in wrong.output and "sk-or-v1-unknown" not in wrong.output
    replayed = runner.invoke(main, ["--replay", str(latest_file), "user-models"])  # --replay declares no key
    assert replayed.exit_code == 1 and f"run `orcatalog replay {latest_file} --key KEY`" in replayed.output
    assert "sk-or-v1-unknown" not in replayed.output and len(replayed.output.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "needle", "status"),
    [
        (["models", "--context", "-5"], "--context -5 is invalid", 2),  # a bad option value: a usage error
        (["model", "no-slash"], "MODEL_ID 'no-slash' is invalid", 2),
        (["model", "openai/no-such-model"], "404", 1),
    ],
)
def test_errors_are_one_line(runner: CliRunner, latest_file: Path, args: list[str], needle: str, status: int) -> None:
    result = runner.invoke(main, ["--replay", str(latest_file), *args])
    assert result.exit_code == status
    assert result.output.count("\n") == 1 and result.output.startswith("error: ") and needle in result.output
    assert "Traceback" not in result.output


def test_no_network_names_cause_and_way_out(tmp_path: Path) -> None:
    """Real subprocess, real console script path: the default base URL cannot be reached."""
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "ORCATALOG_CACHE_DIR": str(tmp_path / "c"),
        "ORCATALOG_BASE_URL": "http://127.0.0.1:9/api/v1",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "orcatalog", "models"], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "connection refused" in lines[0] and "ORCATALOG_OFFLINE=1" in lines[0] and "replay" in lines[0]
    assert "Traceback" not in proc.stderr


@pytest.mark.compact_only
def test_replay_command_serves_a_real_port(latest_file: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "ORCATALOG_CACHE_DIR": str(tmp_path / "c")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "orcatalog", "replay", str(latest_file)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = proc.stdout.readline().strip()  # type: ignore[union-attr]
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/api/v1")
        out = subprocess.run(
            [sys.executable, "-m", "orcatalog", "count"],
            env={**env, "ORCATALOG_BASE_URL": base_url},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0 and out.stdout.strip() == "346"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_store_commands(runner: CliRunner, recorded_dir: Path, tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    files = [str(p) for p in sorted(recorded_dir.glob("models-202[56]-*.json.gz"))]
    result = runner.invoke(main, ["import", "--store", store, *files])
    assert result.exit_code == 0 and result.output.startswith(f"{len(files)} new snapshots recorded")
    again = runner.invoke(main, ["import", "--store", store, *files[:2]])  # the same bodies again: nothing new
    assert again.exit_code == 0 and again.output.startswith("0 new snapshots recorded")
    assert again.output.strip().endswith("all 2 were already in the store")
    result = runner.invoke(main, ["snapshots", "--store", store, "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == len(files) and rows[0]["scope"] == "/models output_modalities=text"
    result = runner.invoke(main, ["diff", "--store", store, "2026-01-01", "2026-01-16", "--format", "csv"])
    changes = list(csv.DictReader(io.StringIO(result.stdout)))  # stderr names the two snapshots
    assert {"qwen/qwen3-max", "removed"} <= {v for r in changes for v in (r["id"], r["change"])}
    result = runner.invoke(main, ["prices", "--store", store, "openai/gpt-4o", "--format", "json"])
    series = json.loads(result.output)
    assert len(series) == len(files) and all(r["prompt_usd_per_mtok"] > 0 for r in series)
    first = oc.SnapshotStore(store).snapshots().iloc[0]
    result = runner.invoke(main, ["diff", "--store", store, "2020-01-01", "2026-01-16", "--format", "csv"])
    assert result.exit_code == 0, result.output  # before the first snapshot: the first answers, and says so
    said = result.stderr.splitlines()
    assert (
        said[0] == f"snapshot {first['snapshot_id']} (fetched {str(first['fetched_at'])[:10]}, time of day not "
        f"recorded, scope '{first['scope']}') answers OLD 2020-01-01"  # a file named by its date
    )
    assert said[1].startswith(f"note: OLD 2020-01-01 00:00 is before the first snapshot (scope '{first['scope']}')")
    assert (
        said[2].startswith("snapshot ")
        and said[2].endswith("answers NEW 2026-01-16 (through the end of that day)")
        and len(said) == 4
    )
    assert said[3].startswith("note: the answer is the snapshot of 2026-01-15 (a date only, scope ")
    assert said[3].endswith("1 day before NEW 2026-01-16 23:59")  # a date-only NEW: through that day
    # NEW before the first snapshot is answered by the first too, and says so (trial R F14: it said nothing)
    result = runner.invoke(main, ["diff", "--store", store, "2019-01-01", "2020-01-01"])
    assert result.exit_code == 0, result.output
    said = result.stderr.splitlines()
    assert said[2].endswith("answers NEW 2020-01-01 (through the end of that day)"), said
    assert said[3].startswith(f"note: NEW 2020-01-01 23:59 is before the first snapshot (scope '{first['scope']}')")
    assert "the first, " in said[3] and "nothing to compare" in result.output


def test_snapshot_command(runner: CliRunner, latest_file: Path, tmp_path: Path) -> None:
    result = runner.invoke(main, ["--replay", str(latest_file), "snapshot", "--store", str(tmp_path / "s")])
    assert result.exit_code == 0 and ": 346 models at " in result.stdout
    # trial N: a replayed (old) body is stored as fetched now; the note says so and how to keep its time
    (when,) = oc.SnapshotStore(tmp_path / "s").snapshots()["fetched_at"]
    assert abs(when - pd.Timestamp.now(tz="UTC")) < pd.Timedelta("1h")  # now, not the body's 2026-01-08
    assert "note: --replay served a recorded body, stored as fetched now" in result.stderr
    assert "orcatalog import --store DIR FILE" in result.stderr


# -- one-line errors, typos, formats, units (issue 8) ------------------------------------------


def _one_error_line(result) -> str:  # click's Result
    assert result.exit_code != 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in result.output, result.output
    return lines[0]


@pytest.fixture
def damaged(tmp_path: Path) -> dict[str, Path]:
    """A truncated .json.gz, a truncated .tar.xz and an HTML page saved as .json."""
    compact = REPO / "tests" / "data" / "openrouter"
    out = {
        "gz": tmp_path / "models-2026-04-17.json.gz",
        "xz": tmp_path / "hourly-cut.tar.xz",
        "html": tmp_path / "models-2026-01-01.json",
        "garbage": tmp_path / "models-2026-01-02.json",
    }
    out["gz"].write_bytes((compact / "models-2026-04-17.json.gz").read_bytes()[:3000])
    out["xz"].write_bytes((compact / "hourly-2025-12-18_2026-01-07.tar.xz").read_bytes()[:20000])
    out["html"].write_text("<html><body>Just a moment...</body></html>")
    out["garbage"].write_bytes(b"\x00\x01 not json")
    return out


@pytest.mark.parametrize("kind", ["gz", "xz", "html", "garbage"])
def test_damaged_files_are_one_line_naming_the_file(
    runner: CliRunner, damaged: dict[str, Path], tmp_path: Path, kind: str
) -> None:
    path = damaged[kind]
    for args in (["import", "--store", str(tmp_path / "s"), str(path)], ["--replay", str(path), "count"]):
        line = _one_error_line(runner.invoke(main, args))
        assert path.name in line and "Aborted" not in line, line


@pytest.fixture
def no_aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """No AWS credentials anywhere botocore looks, and an S3 endpoint nobody listens on."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")


def test_s3_store_without_credentials_is_one_line(runner: CliRunner, no_aws_credentials: None) -> None:
    line = _one_error_line(runner.invoke(main, ["snapshots", "--store", "s3://no-such-bucket/store"]))
    assert "s3://no-such-bucket/store" in line and "AWS_ACCESS_KEY_ID" in line


def test_a_library_caller_meets_the_same_typed_store_error(no_aws_credentials: None) -> None:
    """Not only the command line: SnapshotStore itself raises StoreError for botocore's errors (it
    reads through store.faults.MappedFileSystem), never botocore's own classes."""
    from botocore.exceptions import BotoCoreError, ClientError

    with pytest.raises(oc.StoreError) as caught:
        oc.SnapshotStore("s3://no-such-bucket/store").snapshots()
    assert not isinstance(caught.value, (BotoCoreError, ClientError))
    assert "s3://no-such-bucket/store" in str(caught.value) and "AWS_ACCESS_KEY_ID" in str(caught.value)
    assert isinstance(caught.value.__cause__, (BotoCoreError, ClientError))


def test_object_store_errors_are_mapped_by_the_store_s_table() -> None:
    """The store's libraries (botocore through s3fs, a missing s3fs) become StoreError from one table,
    orcatalog.store.faults, which the command line asks; any other exception is not the store's."""
    import click
    from botocore.exceptions import ClientError, NoCredentialsError

    from orcatalog.cli.errors import one_line
    from orcatalog.store.faults import map_exception

    denied = ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "ListObjectsV2")
    for exc in (NoCredentialsError(), denied):
        error = map_exception(exc, "s3://bucket/store")
        assert isinstance(error, oc.StoreError) and error.__cause__ is exc
        assert str(error).startswith(f"s3://bucket/store: {type(exc).__name__}: ") and "AWS_ACCESS_KEY_ID" in str(error)
    missing = map_exception(ImportError("Install s3fs to access S3"), "s3://bucket/store")
    assert isinstance(missing, oc.StoreError) and "pip install 'orcatalog[s3]'" in str(missing)
    assert map_exception(KeyError("a bug")) is None and map_exception(ImportError("no module yaml")) is None
    ctx = click.Context(click.Command("x"), obj={"store_root": "s3://bucket/store"})
    assert one_line(NoCredentialsError(), ctx).format_message() == str(
        map_exception(NoCredentialsError(), "s3://bucket/store")
    )


def test_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """`orcatalog ... | head -1`: the reader goes away; no BrokenPipeError, no traceback."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "ORCATALOG_CACHE_DIR": str(tmp_path / "c")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "orcatalog",
            "--replay",
            "sample",
            "models",
            "--columns",
            "id,name,description,supported_parameters",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()  # type: ignore[union-attr]  # closed before the first write: every write hits EPIPE
    err = proc.stderr.read().decode()  # type: ignore[union-attr]
    assert proc.wait(timeout=60) == 1
    assert err == "", err


@pytest.mark.parametrize(
    "command", [["snapshots"], ["diff", "2026-01-01", "2026-01-02"], ["prices", "openai/gpt-4o"], ["compact"]]
)
def test_a_missing_store_folder_is_an_error_not_an_empty_answer(
    runner: CliRunner, tmp_path: Path, command: list[str]
) -> None:
    missing = tmp_path / "no-such-store"
    line = _one_error_line(runner.invoke(main, [command[0], "--store", str(missing), *command[1:]]))
    assert f"no snapshot store at {missing}" in line and "orcatalog import" in line
    assert not missing.exists()


def test_the_no_store_message_is_the_library_s(runner: CliRunner, tmp_path: Path) -> None:
    """One "no store here" rule: the CLI says what SnapshotStore says, naming its own commands."""
    missing = tmp_path / "gone"
    with pytest.raises(oc.SnapshotNotFoundError) as info:
        oc.SnapshotStore(missing).snapshots()
    line = _one_error_line(runner.invoke(main, ["snapshots", "--store", str(missing)]))
    library = str(info.value).split("; record one with")[0]
    assert library in line and "`orcatalog import --store" in line and "SnapshotStore.snapshot()" in str(info.value)


def test_unknown_model_in_prices_says_did_you_mean(runner: CliRunner, recorded_dir: Path, tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    assert (
        runner.invoke(main, ["import", "--store", store, str(recorded_dir / "models-2026-04-17.json.gz")]).exit_code
        == 0
    )
    line = _one_error_line(runner.invoke(main, ["prices", "--store", store, "openai/gpt-4oo"]))
    assert "'openai/gpt-4oo'" in line and "did you mean 'openai/gpt-4o'" in line


def test_unknown_modality_says_did_you_mean(runner: CliRunner) -> None:
    for option in ("--input-modalities", "--output-modalities"):
        result = runner.invoke(main, ["--replay", "sample", "models", option, "text,imagee"])
        assert result.exit_code == 2
        line = _one_error_line(result)
        assert "unknown modality 'imagee'" in line and "did you mean 'image'" in line
    assert runner.invoke(main, ["--replay", "sample", "count", "--output-modalities", "all"]).exit_code == 0


def test_a_nameless_body_asks_for_the_cli_option(runner: CliRunner, recorded_dir: Path, tmp_path: Path) -> None:
    nameless = tmp_path / "catalog.json.gz"
    nameless.write_bytes((recorded_dir / "models-2026-04-17.json.gz").read_bytes())
    line = _one_error_line(runner.invoke(main, ["import", "--store", str(tmp_path / "s"), str(nameless)]))
    assert "--fetched-at" in line and "fetched_at=" not in line
    ok = runner.invoke(main, ["import", "--store", str(tmp_path / "s"), "--fetched-at", "2026-04-17", str(nameless)])
    assert ok.exit_code == 0, ok.output


def test_a_date_only_fetch_time_is_day_precision_like_a_file_name(
    runner: CliRunner, recorded_dir: Path, tmp_path: Path
) -> None:
    """One precision rule (new-user trial, issue 14): `--fetched-at 2026-04-17` says as much as a
    file named models-2026-04-17.json.gz, so both are stored with day precision (the same snapshot
    row); a full time is second precision; the library's fetched_at= and import_bodies agree."""
    named = recorded_dir / "models-2026-04-17.json.gz"
    nameless = tmp_path / "catalog.json.gz"
    nameless.write_bytes(named.read_bytes())
    rows = {}
    for label, args in {
        "name": [str(named)],
        "date": ["--fetched-at", "2026-04-17", str(nameless)],
        "time": ["--fetched-at", "2026-04-17T00:00:00Z", str(nameless)],
    }.items():
        store = tmp_path / label
        result = runner.invoke(main, ["import", "--store", str(store), *args])
        assert result.exit_code == 0, result.output
        (row,) = oc.SnapshotStore(store).snapshots().to_dict("records")
        rows[label] = row
    assert rows["name"]["time_precision"] == rows["date"]["time_precision"] == "day"
    assert rows["time"]["time_precision"] == "second"
    assert rows["name"]["snapshot_id"] == rows["date"]["snapshot_id"] == rows["time"]["snapshot_id"]
    assert rows["name"]["fetched_at"] == rows["date"]["fetched_at"] == pd.Timestamp("2026-04-17", tz="UTC")
    import datetime

    mem = oc.SnapshotStore(tmp_path / "mem")
    mem.import_files(nameless, fetched_at=datetime.date(2026, 4, 17), progress=False)
    mem.import_bodies([("2026-04-18", read_body(named))], progress=False)
    mem.import_bodies([("2026-04-19T00:00Z", read_body(named))], progress=False)
    assert list(mem.snapshots()["time_precision"]) == ["day", "day", "second"]


def test_a_fetch_time_that_disagrees_with_the_name_is_used_and_said(
    runner: CliRunner, recorded_dir: Path, tmp_path: Path
) -> None:
    """--fetched-at wins over the date in a body's name (PROVENANCE: the name is the commit date,
    only a bound on the fetch), but it used to win in silence (issue 15)."""
    body = recorded_dir / "catalogs-2026-06-08" / "models-2026-06-19.json.gz"
    store = tmp_path / "s"
    agree = runner.invoke(
        main, ["import", "--store", str(store), "--fetched-at", "2026-06-18T21:23:19-04:00", str(body)]
    )
    assert agree.exit_code == 0, agree.output
    assert "warning" not in agree.stderr  # 01:23 UTC on the named day: it refines the name, no warning
    other = tmp_path / "t"
    result = runner.invoke(main, ["import", "--store", str(other), "--fetched-at", "2026-06-17T08:00Z", str(body)])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(lines) == 1, result.stderr
    assert "models-2026-06-19.json.gz" in lines[0] and "2026-06-17T08:00:00+00:00" in lines[0]
    assert "2026-06-19" in lines[0].split("its name says")[1]
    assert "fetched_at=" not in lines[0] and "recorded" not in lines[0]  # a refusal may follow it
    recorded = oc.SnapshotStore(other).snapshots()
    assert list(recorded["fetched_at"]) == [pd.Timestamp("2026-06-17T08:00Z")]
    with pytest.warns(oc.OrcatalogWarning, match="not at the day its name says, 2026-06-19"):
        oc.SnapshotStore(tmp_path / "u").import_files([body], fetched_at="2026-06-20T00:00:00Z", progress=False)


def test_replay_warns_about_filters_it_cannot_answer(runner: CliRunner) -> None:
    whole = runner.invoke(main, ["--replay", "sample", "count"]).output.strip()
    args = [
        "--replay",
        "sample",
        "models",
        "--providers",
        "openai",
        "--zdr",
        "--region",
        "eu",
        "--category",
        "programming",
        "--min-intelligence-index",
        "50",
        "--sort",
        "most-popular",
        "--format",
        "csv",
        "--columns",
        "id",
    ]
    result = runner.invoke(main, args)
    assert result.exit_code == 0
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: --replay cannot answer")]
    flags = " ".join(warnings)
    for flag in ("--providers", "--zdr", "--region", "--category", "--min-intelligence-index", "--sort most-popular"):
        assert flag in flags, flags
    assert len(result.stdout.strip().splitlines()) == int(whole) + 1  # still the whole catalog: said, not hidden
    assert (
        runner.invoke(main, ["--replay", "sample", "models", "--q", "gpt", "--head", "1"]).output.count("warning") == 0
    )
    help_text = " ".join(runner.invoke(main, ["--help"]).output.split())
    assert "--providers" in help_text and "ignored with a warning" in help_text


def test_replay_command_declares_test_keys(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "ORCATALOG_CACHE_DIR": str(tmp_path / "c")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "orcatalog", "replay", "sample", "--key", "sk-or-v1-offline"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = proc.stdout.readline().strip()  # type: ignore[union-attr]
        common = {**env, "ORCATALOG_BASE_URL": base_url}
        ok = subprocess.run(
            [sys.executable, "-m", "orcatalog", "user-models", "--head", "3"],
            capture_output=True,
            text=True,
            timeout=60,
            env={**common, "OPENROUTER_API_KEY": "sk-or-v1-offline"},
        )
        assert ok.returncode == 0 and len(ok.stdout.strip().splitlines()) == 4, ok.stderr
        bad = subprocess.run(
            [sys.executable, "-m", "orcatalog", "user-models"],
            capture_output=True,
            text=True,
            timeout=60,
            env={**common, "OPENROUTER_API_KEY": "sk-or-v1-other"},
        )
        assert bad.returncode == 1 and bad.stderr.startswith("error: ") and "401" in bad.stderr
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_output_format_follows_the_file_extension(runner: CliRunner, tmp_path: Path) -> None:
    base = ["--replay", "sample", "models", "--q", "gpt-4o"]
    for suffix in (".csv", ".json", ".parquet", ".txt"):
        out = tmp_path / f"out{suffix}"
        assert runner.invoke(main, [*base, "-o", str(out)]).exit_code == 0
        if suffix == ".csv":
            assert pd.read_csv(out)["id"].str.startswith("openai/gpt-4o").any()
        elif suffix == ".json":
            assert any(r["id"] == "openai/gpt-4o" for r in json.loads(out.read_text()))
        elif suffix == ".parquet":
            assert "openai/gpt-4o" in set(pd.read_parquet(out)["id"])
        else:
            assert out.read_text().split()[0] == "id"
    forced = tmp_path / "really-csv.json"
    assert runner.invoke(main, [*base, "--format", "csv", "-o", str(forced)]).exit_code == 0
    assert forced.read_text().startswith(("id,", '"id",'))
    line = _one_error_line(runner.invoke(main, [*base, "-o", str(tmp_path / "out.xlsx")]))
    assert ".xlsx" in line and "--format" in line


def test_tables_show_prices_per_million_tokens(runner: CliRunner, recorded_dir: Path, tmp_path: Path) -> None:
    record = runner.invoke(main, ["--replay", "sample", "model", "openai/gpt-4o"]).output
    fields = dict(line.split(None, 1) for line in record.splitlines() if len(line.split(None, 1)) == 2)
    assert float(fields["price_prompt_usd_per_mtok"]) == 2.5 and float(fields["price_completion_usd_per_mtok"]) == 10
    assert "price_prompt " not in record  # never the per-token number under a unit-less label
    table = runner.invoke(
        main, ["--replay", "sample", "models", "--q", "gpt-4o-mini", "--columns", "id,price_prompt,prompt_usd_per_mtok"]
    ).output.splitlines()
    assert table[0].split() == ["id", "price_prompt_usd_per_mtok", "prompt_usd_per_mtok"]
    row = dict(zip(table[0].split(), table[1].split()))
    assert float(row["price_prompt_usd_per_mtok"]) == float(row["prompt_usd_per_mtok"]) == 0.15
    store = str(tmp_path / "store")
    names = ["models-2024-09-27.json.gz", "models-2025-02-08.json.gz"]
    assert runner.invoke(main, ["import", "--store", store, *[str(recorded_dir / n) for n in names]]).exit_code == 0
    changes = runner.invoke(
        main, ["diff", "--store", store, "2024-09-28", "2025-02-09", "--columns", "id,field,old,new,unit"]
    ).output.splitlines()
    gpt4o = [line.split() for line in changes if line.split()[:2] == ["openai/gpt-4o", "price_prompt"]]
    assert gpt4o and float(gpt4o[0][2]) == 5 and float(gpt4o[0][3]) == 2.5 and gpt4o[0][4] == "USD/Mtok"
    series = runner.invoke(main, ["prices", "--store", store, "openai/gpt-4o"]).output.splitlines()
    assert series[0].split()[1:] == ["prompt_usd_per_mtok", "completion_usd_per_mtok"]
    assert [float(line.split()[-2]) for line in series[1:]] == [5.0, 2.5]


def test_lean_requests_cache_import_skips_unused_backends_and_hides_nothing_after() -> None:
    code = (
        "import sys; from orcatalog.cli import _import_requests_cache_lean as lean; lean(); "
        "assert 'requests_cache' in sys.modules and not {'boto3', 'yaml', 'itsdangerous'} & set(sys.modules); "
        "import boto3, yaml, itsdangerous, requests_cache; "
        "from requests_cache.backends import SQLiteCache; from orcatalog.fetch.cache import cached_session"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)


def test_lean_requests_cache_import_equals_the_plain_import(tmp_path: Path) -> None:
    """The one place that hides modules in sys.modules (the CLI's lean import of requests-cache)
    is pinned against a plain ``import requests_cache``: the same public names (but the backend
    submodules of the hidden packages), and the SQLite cache with the JSON serializer the CLI uses
    stores and answers a response the same way."""
    code = (
        "import sys, json; {pre}import requests_cache; "
        "from requests_cache import CachedSession, CachedResponse; "
        "s = CachedSession(sys.argv[1], backend='sqlite', serializer='json'); "
        "s.cache.responses['k'] = CachedResponse(status_code=200, url='http://x/', content=b'a body'); "
        "back = s.cache.responses['k']; "
        "skip = {{'dynamodb', 'mongodb', 'redis', 'gridfs'}}; "
        "print(json.dumps([sorted(n for n in dir(requests_cache) if not n.startswith('_') and n not in skip), "
        "back.status_code, "
        "back.content.decode()]))"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    lean = "from orcatalog.cli import _import_requests_cache_lean as lean; lean(); "
    outs = [
        subprocess.run(
            [sys.executable, "-c", code.format(pre=pre), str(tmp_path / f"c{i}")],
            check=True,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
        for i, pre in enumerate(("", lean))
    ]
    assert outs[0] == outs[1] and "CachedSession" in outs[0] and '200, "a body"' in outs[0]


def test_diff_allow_mixed(runner: CliRunner, dated_files: list[Path], tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    ids = [
        oc.SnapshotStore(store).import_files(dated_files[-2], progress=False)[0],
        oc.SnapshotStore(store).import_files(
            dated_files[-1], base_url="https://eu.openrouter.ai/api/v1", progress=False
        )[0],
    ]
    result = runner.invoke(main, ["diff", "--store", store, *ids])
    assert result.exit_code == 1 and "pass --allow-mixed" in result.output, result.output
    result = runner.invoke(main, ["diff", "--store", store, *ids, "--allow-mixed", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert result.exit_code == 0 and rows and "unit" in rows[0]


@pytest.mark.compact_only
def test_console_script_fast_exit_keeps_every_write(latest_file: Path, tmp_path: Path) -> None:
    """`python -m orcatalog` skips the interpreter's final garbage collection (cli/startup.py): what
    the commands wrote — an output file, the HTTP cache row, a store snapshot — is all there after."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "ORCATALOG_CACHE_DIR": str(tmp_path / "cache")}
    with ReplayServer(latest_file) as server:
        env["ORCATALOG_BASE_URL"] = server.base_url
        out = tmp_path / "models.parquet"
        first = subprocess.run(
            [sys.executable, "-m", "orcatalog", "models", "-o", str(out)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert first.returncode == 0, first.stderr
        served = len(server.requests)
        assert served >= 1
        expected = [m["id"] for m in json.loads(read_body(latest_file))["data"]]
        assert sorted(oc.read_parquet(out)["id"].astype(str)) == sorted(expected)
        hit = subprocess.run(
            [sys.executable, "-m", "orcatalog", "models", "--head", "1"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert hit.returncode == 0 and len(server.requests) == served, "the first run's cache row was lost at exit"
        store = tmp_path / "store"
        snap = subprocess.run(
            [sys.executable, "-m", "orcatalog", "snapshot", "--store", str(store)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert snap.returncode == 0, snap.stderr
    assert sorted(oc.SnapshotStore(store).load()["id"].astype(str)) == sorted(expected)


def test_the_command_line_run_in_process_leaves_the_collector_as_it_was(runner: CliRunner) -> None:
    """The console script may pause the garbage collector while it imports (a faster start,
    measured by bench/cli.py); run in a user's process (a notebook, a test) it changes nothing."""
    enabled, frozen = gc.isenabled(), gc.get_freeze_count()
    result = runner.invoke(main, ["--replay", "sample", "count"])
    assert result.exit_code == 0 and result.output.strip().isdigit()
    assert gc.isenabled() == enabled and gc.get_freeze_count() == frozen


def test_bad_options_are_usage_errors_in_the_commands_own_words(
    runner: CliRunner, latest_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Values the library refuses come back naming the option (not the Python argument), exit status 2,
    and nothing reaches the API first."""
    monkeypatch.setenv("ORCATALOG_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    with ReplayServer(latest_file) as server:
        monkeypatch.setenv("ORCATALOG_BASE_URL", server.base_url)
        cases = [
            (["models", "--max-price", "-1"], "--max-price -1.0 is invalid: --max-price takes a finite number >= 0"),
            (["models", "-o", str(tmp_path / "no" / "such" / "x.csv")], "there is no folder"),
            (["model", "garbage"], "MODEL_ID 'garbage' is invalid"),
            (["user-models"], "needs your API key in OPENROUTER_API_KEY"),
            (["models", "--replay", "sample"], "--replay goes before the command"),
            # trial N: click guessed "Did you mean '--help'?"; model ids are this command's arguments
            (["prices", "--model", "a"], "model ids are arguments here, not an option: orcatalog prices MODEL..."),
            (["prices", "--models", "a,b"], "model ids are arguments here"),
            (["history", "--model", "a"], "model ids are arguments here, not an option: orcatalog history MODEL_ID"),
            (["movers", "--model", "a"], "--model"),  # no model argument: no hint (and no guess, below)
        ]
        for args, message in cases:
            result = runner.invoke(main, args)
            assert result.exit_code == 2 and message in result.output, (args, result.output)
            assert not re.search(r"Did you mean '?--help", result.output), result.output
            assert not re.search(r"\b(max_price|model_id|api_key|fetched_at|start)\b", result.output), result.output
        assert server.requests == [], "a bad option reached the API"
    store = tmp_path / "store"
    assert runner.invoke(main, ["import", "--store", str(store), str(latest_file)]).exit_code == 0
    result = runner.invoke(main, ["movers", "--store", str(store), "--since", "garbage"])
    assert result.exit_code == 2 and "--since 'garbage' is not a time" in result.output, result.output
    result = runner.invoke(main, ["import", "--store", str(store), "--fetched-at", "garbage", str(latest_file)])
    assert result.exit_code == 2 and "--fetched-at 'garbage' is not a time" in result.output, result.output


def test_import_names_the_file_that_breaks_the_contract(runner: CliRunner, latest_file: Path, tmp_path: Path) -> None:
    bad = tmp_path / "models-2026-03-01T000000Z.json"
    bad.write_text('{"data": [{"id": "a/b", "name": "x", "pricing": {"prompt": true, "completion": "0"}}]}')
    store = tmp_path / "store"
    result = runner.invoke(main, ["import", "--store", str(store), str(latest_file), str(bad)])
    assert result.exit_code == 1
    assert "model 'a/b' in " in result.output and bad.name in result.output and "pricing.prompt" in result.output
    assert not oc.SnapshotStore(store).exists() or oc.SnapshotStore(store).snapshots().empty  # nothing recorded


def test_report_fills_a_new_store_and_writes_beside_the_user(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "ORCATALOG_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.run(
        [sys.executable, "-m", "orcatalog", "--replay", "sample", "report", "--store", "new"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    written = list((tmp_path / "reports").glob("*/index.html"))
    assert len(written) == 1 and not (tmp_path / "data").exists()  # not inside ./data, the default store
    (sid,) = oc.SnapshotStore(tmp_path / "new").snapshots()["snapshot_id"]
    assert f"note: there was no store at new: took its first snapshot {sid}" in proc.stderr  # a mistyped --store shows
    # trial R: under --replay the recorded sample was stored as fetched now, and the report said nothing
    assert "note: --replay served a recorded body, stored as fetched now" in proc.stderr


def test_bare_module_prints_the_usage(tmp_path: Path) -> None:
    """``python -m orcatalog`` with no command prints the usage, not an error."""
    bare = subprocess.run(
        [sys.executable, "-m", "orcatalog"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert (
        bare.stdout.startswith("Usage:") and bare.stdout.count("\n") > 10 and "error:" not in bare.stdout + bare.stderr
    )


@pytest.fixture
def three_snapshots(runner: CliRunner, dated_files: list[Path], tmp_path: Path) -> tuple[str, str, str]:
    """A store of the last three dated bodies: (store, the older and the newer of its first two times)."""
    store = str(tmp_path / "store")
    assert runner.invoke(main, ["import", "--store", store, *map(str, dated_files[-3:])]).exit_code == 0
    old, new = [f.name[len("models-") :].split(".")[0] for f in dated_files[-3:-1]]
    return store, old, new


def test_diff_refuses_snapshots_given_newest_first(runner: CliRunner, three_snapshots: tuple[str, str, str]) -> None:
    store, old, new = three_snapshots
    backwards = runner.invoke(main, ["diff", "--store", store, new, old])
    assert backwards.exit_code == 2
    assert "is after NEW" in backwards.output and "older time first" in backwards.output
    ids = oc.SnapshotStore(store).snapshots()["snapshot_id"].tolist()
    by_id = runner.invoke(main, ["diff", "--store", store, ids[1], ids[0]])  # snapshot ids: their own times
    assert by_id.exit_code == 2 and "is newer than NEW" in by_id.output and "older snapshot first" in by_id.output


def test_diff_names_an_argument_that_is_neither_id_nor_time(
    runner: CliRunner, three_snapshots: tuple[str, str, str]
) -> None:
    store, _, new = three_snapshots
    bad = runner.invoke(main, ["diff", "--store", store, "teatime", new])
    assert (
        bad.exit_code == 2
        and "OLD 'teatime' is not a snapshot id of the store, and" in bad.output
        and "as_of" not in bad.output
    )


def test_a_price_column_is_labelled_as_the_csv_names_it(runner: CliRunner, latest_file: Path) -> None:
    args = ["--replay", str(latest_file), "models", "--columns", "id,price_prompt_usd_per_mtok"]
    labels = runner.invoke(main, [*args, "--format", "csv", "--head", "1"])
    assert labels.exit_code == 0 and labels.output.splitlines()[0].replace('"', "") == "id,price_prompt"


def test_a_folder_that_is_not_a_store_is_named_as_such(runner: CliRunner, tmp_path: Path) -> None:
    other = tmp_path / "my-json-files"
    other.mkdir()
    (other / "a.json").write_text("{}")
    not_store = runner.invoke(main, ["snapshots", "--store", str(other)])
    assert not_store.exit_code == 1 and "is a folder but not a snapshot store" in not_store.output
    with pytest.raises(oc.SnapshotNotFoundError, match="is a folder but not a snapshot store"):
        oc.SnapshotStore(other).history()


def test_an_empty_folder_given_to_a_read_command_is_no_store(
    runner: CliRunner, tmp_path: Path, latest_file: Path
) -> None:
    """New-user trial: `snapshots --store EMPTYDIR` printed a header and nothing, as if a store were
    there. A read command says there is no store (the one "no store here" message); the library
    still reads an empty folder as an empty store, and writing fills it."""
    empty = tmp_path / "empty"
    empty.mkdir()
    for args in (["snapshots"], ["changes"], ["prices", "openai/gpt-4o"], ["show", "openai/gpt-4o"]):
        result = runner.invoke(main, [*args, "--store", str(empty)])
        assert result.exit_code == 1, (args, result.output)
        assert result.output == (
            f"error: no snapshot store at {empty}: the folder is empty; record one with "
            f"`orcatalog snapshot --store {empty}` or `orcatalog import --store {empty} FILE`, or check the path\n"
        )
    assert oc.SnapshotStore(empty).snapshots().empty  # the library: an empty store, not an error
    imported = runner.invoke(main, ["import", "--store", str(empty), str(latest_file)])
    assert imported.exit_code == 0, imported.output
    listed = runner.invoke(main, ["snapshots", "--store", str(empty), "--format", "csv"])
    assert listed.exit_code == 0 and len(listed.output.strip().splitlines()) == 2


def test_a_store_without_a_catalog_snapshot_names_the_commands_that_record_one(
    runner: CliRunner, tmp_path: Path, recorded_dir: Path
) -> None:
    """New-user trial: the command line said "run snapshot() or import_files()", the library's
    calls. Each caller gets its own words from one place (errors.RECORD_A_STORE, translated by
    cli/errors.in_command_words): the commands, with the --store the user gave."""
    root = tmp_path / "endpoints-only"
    store = oc.SnapshotStore(root)
    store.import_endpoints(sorted((recorded_dir / "endpoints").glob("endpoints-*.json.gz"))[:1])
    with pytest.raises(oc.SnapshotNotFoundError) as library:
        store.load()
    assert str(library.value).endswith("; record one with SnapshotStore.snapshot() or .import_files()")
    for args in (["show", "openai/gpt-4o"], ["cost", "--prompt-tokens", "1000"]):
        result = runner.invoke(main, [*args, "--store", str(root)])
        assert result.exit_code == 1, result.output
        assert result.output == (  # what it holds instead, and how to record the catalog (#15)
            f"error: no catalog snapshot in {root}: it holds only 1 endpoints snapshot (`orcatalog endpoint-history "
            f"MODEL --store {root}` reads endpoints); record the catalog with `orcatalog snapshot --store {root}` "
            f"or `orcatalog import --store {root} FILE`\n"
        )
        assert "()" not in result.output


def test_an_empty_store_name_is_a_usage_error(runner: CliRunner) -> None:
    empty_name = runner.invoke(main, ["snapshots", "--store", ""])
    assert empty_name.exit_code == 2 and "--store '' is invalid" in empty_name.output


def test_a_missing_store_that_was_passed_is_not_told_to_pass_one(runner: CliRunner, tmp_path: Path) -> None:
    missing = runner.invoke(main, ["snapshots", "--store", str(tmp_path / "nope")])
    assert missing.exit_code == 1 and "or pass --store" not in missing.output  # it was passed


def test_a_cost_chart_of_no_tokens_is_a_usage_error(runner: CliRunner, latest_file: Path, tmp_path: Path) -> None:
    args = ["plot", "cost", "--prompt-tokens", "0", "--completion-tokens", "0", "-o", str(tmp_path / "c.png")]
    zero = runner.invoke(main, ["--replay", str(latest_file), *args])
    assert zero.exit_code == 2 and "give a non-zero --prompt-tokens" in zero.output
    assert not (tmp_path / "c.png").exists()


def test_a_cost_chart_nothing_can_price_says_why_in_cli_words(
    runner: CliRunner, latest_file: Path, tmp_path: Path
) -> None:
    """Trial S: a workload no model can serve (here one request larger than every window) ended
    `plot cost` with the library's "no model in the cost frame has a total to draw" and exit 2, a
    usage error. The options were valid: exit 1, the reasons counted as `cost` counts them, no file."""
    out = tmp_path / "c.png"
    args = ["plot", "cost", "--prompt-tokens", "100000000", "--requests", "1", "-o", str(out)]
    run = runner.invoke(main, ["--replay", str(latest_file), *args])
    assert run.exit_code == 1, run.output
    (line,) = run.stderr.splitlines()
    assert line.startswith("error: no paid model in this catalog can be priced for this workload, nothing to draw")
    models = len(json.loads(read_body(latest_file))["data"])
    assert re.search(r"left out: (\d+) models \((\d+): its context window cannot hold one request", line)
    assert int(re.search(r"left out: (\d+) models", line).group(1)) == models  # type: ignore[union-attr]
    assert "cost frame" not in line and "requests=" not in line and not out.exists()


def test_speech_is_an_output_modality_filter(runner: CliRunner, latest_file: Path) -> None:
    speech = runner.invoke(main, ["--replay", str(latest_file), "models", "--output-modalities", "speech"])
    assert speech.exit_code == 0, speech.output  # a modality the API knows for output


def test_the_cost_chart_refuses_a_frame_that_is_not_a_cost_table(three_snapshots: tuple[str, str, str]) -> None:
    with pytest.raises(oc.InvalidParameterError, match="must be an estimate_cost"):
        oc.plot_cost(oc.SnapshotStore(three_snapshots[0]).load())


def test_a_command_option_before_the_command_is_explained(
    runner: CliRunner, three_snapshots: tuple[str, str, str]
) -> None:
    early = runner.invoke(main, ["--store", three_snapshots[0], "snapshots"])
    assert early.exit_code == 2 and "--store belongs to the command: orcatalog snapshots --store" in early.output


def test_a_models_list_of_only_commas_names_no_model(runner: CliRunner, latest_file: Path) -> None:
    comma = runner.invoke(main, ["--replay", str(latest_file), "cost", "--prompt-tokens", "5", "--models", ","])
    assert comma.exit_code == 2 and "names no model" in comma.output


def test_replay_warns_only_when_the_command_does_not_use_it(
    runner: CliRunner, three_snapshots: tuple[str, str, str]
) -> None:
    unused = runner.invoke(main, ["--replay", "sample", "snapshots", "--store", three_snapshots[0]])
    assert unused.exit_code == 0 and "warning: --replay was not used: snapshots read the store only" in unused.stderr
    used = runner.invoke(main, ["--replay", "sample", "count"])
    assert used.exit_code == 0 and "warning" not in used.stderr


def test_model_typo_suggests_the_listed_id(runner: CliRunner, latest_file: Path) -> None:
    import json

    ids = sorted((m["id"] for m in json.loads(read_body(latest_file))["data"]), key=lambda i: (len(i), i))
    started = next(i for i in ids if i.startswith("mistralai/mistral-7b"))  # the shortest listed id it starts
    for typed, meant in (("openai/gpt4o", "openai/gpt-4o"), ("mistralai/mistral-7b", started)):
        line = _one_error_line(runner.invoke(main, ["--replay", str(latest_file), "model", typed]))
        assert f"no model {typed!r}" in line and "did you mean" in line, line
        assert line.split("did you mean '")[1].split("'")[0] == meant, line  # that id, not a longer one


@pytest.mark.parametrize(
    "args",
    [
        ["show", "--as-of", "1768910400", "openai/gpt-4o"],
        ["changes", "--since", "1768910400"],
        ["diff", "1768910400", "2026-04-17"],
    ],
)
def test_a_number_as_a_time_is_refused_on_purpose_with_the_accepted_forms(
    runner: CliRunner, latest_file: Path, tmp_path: Path, args: list[str]
) -> None:
    """`--as-of 1768910400` (issue 15 trial): the refusal says numbers are refused on purpose, not
    that the text is somehow malformed, names the forms one can type and what the number would be as
    Unix seconds (computed by pandas here)."""
    store = tmp_path / "s"
    oc.SnapshotStore(store).import_files([latest_file], progress=False)
    line = _one_error_line(runner.invoke(main, [*args, "--store", str(store)]))
    assert "is a number, not a time: numbers are refused on purpose" in line, line
    assert "ISO 8601" in line and "2026-01-08T12:00:00Z" in line, line
    assert f"1768910400 seconds is {pd.Timestamp(1768910400, unit='s'):%Y-%m-%dT%H:%M:%SZ}" in line, line
    assert not any(word in line for word in ("datetime", "Timestamp", "pd.", "pandas")), line


@pytest.mark.parametrize(
    "args",
    [
        ["movers", "--since", "1768910400"],
        ["show", "--as-of", "05/01/2026"],
        ["changes", "--since", "2026-01-08T12:00", "--until", "tomorrow"],
        ["reprice", "usage.csv"],
    ],
)
def test_time_errors_name_the_forms_one_can_type(latest_file: Path, tmp_path: Path, args: list[str]) -> None:
    """A command line holds text: its time errors name ISO 8601 text, never a datetime,
    pd.Timestamp(...) or pd.to_datetime(...); Unix seconds in a usage file are said to be refused."""
    store = tmp_path / "s"
    oc.SnapshotStore(store).import_files([latest_file], progress=False)
    (tmp_path / "usage.csv").write_text("date,model,prompt_tokens,completion_tokens\n1768910400,openai/gpt-4o,10,1\n")
    line = _one_error_line(run_cli([*args, "--store", str(store)], tmp_path))
    assert "ISO 8601" in line and "2026-01-08T12:00:00Z" in line, line
    assert not any(word in line for word in ("datetime", "Timestamp", "pd.", "pandas")), line
    if args[0] == "reprice":
        assert "Unix seconds are not read as times" in line, line


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b'{"hello": 1}', "not a models list body"),
        (b"[1, 2]", "not a models list body"),
    ],
)
def test_a_json_file_that_is_not_a_catalog_is_refused_as_such_first(
    runner: CliRunner, tmp_path: Path, body: bytes, says: str
) -> None:
    path = tmp_path / "catalog.json"  # no time in the name: the body is judged before the missing time
    path.write_bytes(body)
    line = _one_error_line(runner.invoke(main, ["import", "--store", str(tmp_path / "s"), str(path)]))
    assert says in line and "catalog.json" in line and "--fetched-at" not in line, line
    assert "orcatalog snapshot" in line and "GET /models" in line, line  # what to do next
    assert not (tmp_path / "s").exists()


def test_an_endpoints_body_given_to_import_says_what_it_is(
    runner: CliRunner, recorded_dir: Path, tmp_path: Path
) -> None:
    """A file named for its endpoint is recorded as an endpoints snapshot; one whose name does not
    say (the catalog importer meets it) is named as what it is, with the names that declare it."""
    endpoints = sorted((recorded_dir / "endpoints").glob("endpoints-*.json.gz"))[0]
    undated = tmp_path / "providers.json"
    undated.write_bytes(read_body(endpoints))
    renamed = tmp_path / "saved-2026-08-31.json"
    renamed.write_bytes(read_body(endpoints))
    for args in ([str(renamed)], [str(undated)], ["--fetched-at", "2026-08-31", str(undated)]):
        line = _one_error_line(runner.invoke(main, ["import", "--store", str(tmp_path / "s"), *args]))
        assert "/endpoints body" in line and "not a /models list" in line, line
        assert "`orcatalog import` records it when its file is named for it" in line, line  # the way
    assert not (tmp_path / "s").exists()
    recorded = runner.invoke(main, ["import", "--store", str(tmp_path / "s"), str(endpoints)])
    assert recorded.exit_code == 0 and "1 new endpoints/providers snapshot recorded" in recorded.stdout, recorded.output


@pytest.mark.parametrize(
    ("pattern", "what"),
    [("endpoints/providers-*.json.gz", "/providers body"), ("activity/activity-*.json.gz", "/activity body")],
)
def test_a_providers_or_activity_body_given_to_import_says_what_it_is(
    runner: CliRunner, recorded_dir: Path, tmp_path: Path, pattern: str, what: str
) -> None:
    """Their rows have no id: the file is named as what it is, not as a catalog whose model #0 is
    broken (a providers body under a name that does not declare it: `import` records one that does)."""
    path = sorted(recorded_dir.glob(pattern))[-1]
    if path.name.startswith("providers-"):
        (tmp_path / f"saved-{path.name}").write_bytes(path.read_bytes())
        path = tmp_path / f"saved-{path.name}"
    items = json.loads(read_body(path))["data"]
    line = _one_error_line(runner.invoke(main, ["import", "--store", str(tmp_path / "s"), str(path)]))
    assert what in line and f"({len(items)} " in line and "not a /models list" in line, line
    assert "model #0" not in line and path.name in line, line
    assert not (tmp_path / "s").exists()
    # a models list with one broken item is still named by the id rule
    broken = tmp_path / "models-2026-08-30.json"
    broken.write_text(json.dumps({"data": [{k: v for k, v in items[0].items() if k not in ("slug", "date")}]}))
    line = _one_error_line(runner.invoke(main, ["import", "--store", str(tmp_path / "s"), str(broken)]))
    assert "model #0 is not an object with a string 'id'" in line, line
    assert "record one with `orcatalog snapshot`" in line, line  # trial Q: and what to do


def _cli(args: list[str], tmp_path: Path, **kwargs) -> subprocess.CompletedProcess:
    """The real console module in a subprocess (warnings and signals as a user meets them)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "ORCATALOG_CACHE_DIR": str(tmp_path / "cache"),
        **kwargs.pop("env", {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "orcatalog", *args], env=env, capture_output=True, text=True, timeout=120, **kwargs
    )


def test_warnings_are_one_line_without_python_source(latest_file: Path, tmp_path: Path) -> None:
    store = str(tmp_path / "s")
    body = json.loads(read_body(latest_file))
    few = tmp_path / "models-2026-04-18.json"  # a later body with far fewer models: flagged partial
    few.write_text(json.dumps({**body, "data": body["data"][:20]}), encoding="utf-8")
    assert _cli(["import", "--store", store, str(latest_file)], tmp_path).returncode == 0
    runs = [
        _cli(["import", "--store", store, str(few)], tmp_path),
        _cli(["diff", "--store", store, "2026-04-17", "2026-04-18", "--head", "1"], tmp_path),
    ]
    for proc in runs:
        assert proc.returncode == 0, proc.stderr
        lines = proc.stderr.strip().splitlines()
        warned = [line for line in lines if "partial" in line]
        assert len(warned) == 1 and warned[0].startswith(("warning: snapshot ", "warning: diff of a partial")), lines
        assert not any(".py:" in line or "warnings.warn" in line or "RuntimeWarning" in line for line in lines), lines
    # the import's warning points to the command that lists the flag, not to the library's call
    (imported,) = [line for line in runs[0].stderr.splitlines() if "partial" in line]
    assert "(see `orcatalog snapshots`)" in imported and "snapshots()" not in imported, imported
    # the scope as snapshots shows it and --scope takes it (trial: '/models --output-modalities text')
    assert "(scope '/models output_modalities=text')" in imported and "--output-modalities" not in imported, imported
    listed = _cli(["snapshots", "--store", store], tmp_path)
    assert listed.returncode == 0 and "partial" in listed.stdout.splitlines()[0], listed.stdout
    library = oc.SnapshotStore(tmp_path / "lib")
    library.import_files([latest_file], progress=False)
    with pytest.warns(RuntimeWarning, match=r"see snapshots\(\)"):  # the library's readers call snapshots()
        library.import_files([few], progress=False)


def test_every_warning_a_command_meets_is_one_line_in_its_words(
    latest_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every path a warning takes to the terminal during a command is one ``warning:`` line through
    warning_line (issue 15): ``warnings.warn`` anywhere (the library's calls become commands, its
    argument names the command's options), and a warning another library logs with no handler of
    its own, which logging's last resort printed bare with its traceback (requests-cache logs its
    stale-if-error fallback so, with ``exc_info``)."""
    import logging
    import warnings

    from orcatalog.cli.app import _one_line_warnings

    monkeypatch.setattr(logging.getLogger(), "handlers", [])  # a console process: no handler configured
    try:
        raise ConnectionError("connection refused")
    except ConnectionError as exc:
        failed = exc
    cost, last_resort = main.commands["cost"], logging.lastResort
    with click.Context(cost), _one_line_warnings():
        logging.getLogger("requests_cache.session").warning(
            "Request for URL http://x/models failed; using cached response", exc_info=failed
        )
        warnings.warn(
            "orcatalog: flagged partial (see snapshots()); pass as_of= to choose", RuntimeWarning, stacklevel=1
        )
    assert capsys.readouterr().err.splitlines() == [
        "warning: Request for URL http://x/models failed; using cached response",
        "warning: flagged partial (see `orcatalog snapshots`); pass --as-of to choose",
    ]
    assert logging.lastResort is last_resort  # restored when the command ends
    store = oc.SnapshotStore(tmp_path / "s")
    store.import_files([latest_file], progress=False)
    with pytest.raises(oc.SnapshotNotFoundError) as caught:  # the library's words: "run snapshot() or import_files()"
        store.load(scope="nope")
    from orcatalog.cli.errors import one_line

    said = one_line(caught.value, click.Context(main)).format_message()
    assert "()" not in said and "`orcatalog snapshot` or `orcatalog import FILE`" in said, said


def _ends_before_the_body_does(proc: subprocess.Popen) -> None:
    """Hold the FIFO's writing end open while the interrupted command ends (a wait with a timeout, not
    a sleep): on a loaded machine the signal can be acted on after the writer closes, and the reader
    then saw the end of a truncated body first (CI: "not valid JSON"). After 20 s the writer closes
    anyway, for the case the comment below describes."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=20)


@pytest.mark.compact_only
def test_sigint_during_import_says_nothing_was_recorded(latest_file: Path, tmp_path: Path) -> None:
    """Ctrl-C while a body is being read: one `interrupted:` line, exit status 130, the store as it was,
    and a next run without warnings. A FIFO holds the reader still: the test's open() of its writing
    end returns once the command has opened it, so the signal lands mid-import without any sleep."""
    import signal

    store = tmp_path / "s"
    assert _cli(["import", "--store", str(store), str(latest_file)], tmp_path).returncode == 0
    before = sorted(p.relative_to(store) for p in store.rglob("*"))
    fifo = tmp_path / "models-2026-04-18.json"
    os.mkfifo(fifo)
    env = {**os.environ, "PYTHONPATH": str(REPO), "ORCATALOG_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "orcatalog", "import", "--store", str(store), str(fifo)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with open(fifo, "wb") as writer:  # returns when the import has opened the FIFO to read it
        writer.write(read_body(latest_file)[:1000])
        writer.flush()
        proc.send_signal(signal.SIGINT)
        _ends_before_the_body_does(proc)
    # the writer is closed only now: the signal came mid-read. Closing it matters when a thread of a
    # C library (pyarrow's pools) took the signal: then the main thread's read() is not interrupted,
    # and Python raises KeyboardInterrupt when that read returns (as a real file's read always does)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err == f"interrupted: nothing was recorded; {store} is as it was\n", err  # the one line, nothing before
    assert out == ""
    assert sorted(p.relative_to(store) for p in store.rglob("*")) == before  # no temporary file left
    again = _cli(["snapshots", "--store", str(store)], tmp_path)
    assert again.returncode == 0 and again.stderr == "", again.stderr


@pytest.mark.compact_only
@pytest.mark.parametrize("columns", [0, 100], ids=["unsized-terminal", "terminal"])
def test_sigint_on_a_terminal_leaves_no_empty_line_before_the_interrupted_line(
    columns: int, latest_file: Path, tmp_path: Path
) -> None:
    """Ctrl-C with stderr on a terminal, where the import draws its progress bar (new-user trial,
    issue 14: an empty line came before `interrupted: ...`). A terminal nobody sized (0 columns, as
    under some job runners) gets no bar at all; a sized one sees the partial bar cleared, and the
    interrupted line alone on its row. The FIFO holds the import mid-read, as in the test above."""
    import fcntl
    import pty
    import select
    import signal
    import struct
    import termios

    store = tmp_path / "s"
    assert _cli(["import", "--store", str(store), str(latest_file)], tmp_path).returncode == 0
    fifo = tmp_path / "models-2026-04-18.json"
    os.mkfifo(fifo)
    env = {**os.environ, "PYTHONPATH": str(REPO), "ORCATALOG_CACHE_DIR": str(tmp_path / "cache")}
    terminal, child_side = pty.openpty()
    fcntl.ioctl(child_side, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "orcatalog", "import", "--store", str(store), str(fifo)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=child_side,
    )
    os.close(child_side)
    with open(fifo, "wb") as writer:
        writer.write(read_body(latest_file)[:1000])
        writer.flush()
        proc.send_signal(signal.SIGINT)
        _ends_before_the_body_does(proc)
    out, _ = proc.communicate(timeout=60)
    shown = b""
    while select.select([terminal], [], [], 5)[0]:
        try:
            chunk = os.read(terminal, 4096)
        except OSError:  # the child side is closed and everything was read
            break
        if not chunk:
            break
        shown += chunk
    os.close(terminal)
    said = f"interrupted: nothing was recorded; {store} is as it was\r\n".encode()  # the terminal's line ending
    assert proc.returncode == 130 and out == b"", shown
    if columns == 0:
        assert shown == said, shown
    else:  # the bar, then the bar cleared by blanks and a carriage return: no line break before the message
        assert b"reading" in shown and shown.endswith(b"\r" + said) and shown.count(b"\n") == 1, shown
        assert not shown[: -len(said)].split(b"\r")[-2].strip(), shown  # the row the message lands on is blank


#: The child of the test below: ``python -m orcatalog ARGS`` (runpy, as ``-m`` runs it), with an import
#: hook that holds the process at one import (its name printed on stdout, then a read of stdin that
#: nothing answers) so the test's Ctrl-C lands there, mid-import, without a clock.
_HELD_IMPORT = """
import runpy, sys
OURS = {"orcatalog", "orcatalog.__main__", "orcatalog._launch"}
target, args = sys.argv[1], sys.argv[2:]

class Hold:
    def find_spec(self, name, path=None, target_=None):
        started = "orcatalog" in sys.modules  # orcatalog's own code has begun
        if started and (name == target if target else name not in OURS):
            sys.meta_path.remove(self)
            print("importing " + name, flush=True)
            sys.stdin.readline()  # held here until Ctrl-C
        return None

sys.meta_path.insert(0, Hold())
sys.argv = ["orcatalog", *args]
runpy.run_module("orcatalog", run_name="__main__", alter_sys=True)
"""


@pytest.mark.parametrize(
    "held, args, said",
    [
        ("", ["--replay", "sample", "count"], "interrupted"),  # the first import beyond the package's own
        ("", ["import", "--store", "s", "f.json"], "interrupted: nothing was recorded"),
        ("click", ["--replay", "sample", "count"], "interrupted"),
        ("pandas", ["--replay", "sample", "count"], "interrupted"),
    ],
    ids=["first-import", "first-import-of-import", "click", "pandas"],
)
def test_sigint_while_the_console_script_imports_is_one_line(
    held: str, args: list[str], said: str, tmp_path: Path
) -> None:
    """#15 final trial: Ctrl-C in the first 0.1-0.3 s of `orcatalog ...` printed a Python traceback
    (KeyboardInterrupt in an import: the package's __init__ imported pkgutil, inspect and typing
    before the console script's guard). Held at its first import beyond orcatalog's own light
    modules (the package, __main__, _launch), or later at click or pandas, the real process
    says one line and exits 130. (Ctrl-C before orcatalog's code runs, while Python starts, is
    Python's own: README, Troubleshooting.)"""
    import signal

    import site

    # -S: no `site`, so no .pth file preloads a module (a dev venv's editable finder and coverage
    # hook load __future__, re, enum...; a plain venv does not, and CI's held import was then
    # __future__, imported by our own `from __future__ import annotations`). The child starts with
    # the fewest modules, so any import of ours before the guard is the one held; the packages are
    # found through PYTHONPATH instead.
    path = os.pathsep.join([str(REPO), *site.getsitepackages()])
    env = {**os.environ, "PYTHONPATH": path, "ORCATALOG_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.Popen(
        [sys.executable, "-S", "-c", _HELD_IMPORT, held, *args],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # returns once the child holds an import (or at its end)
    if not line.startswith("importing "):
        proc.kill()
        raise AssertionError(f"the child never held an import: {line!r} {proc.communicate()}")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (line, err)
    assert "Traceback" not in err and err.strip() == said and err.count("\n") <= 2, (line, err)
    assert out == "" and not (tmp_path / "s").exists()


def test_sigint_during_snapshot_says_nothing_was_recorded(tmp_path: Path) -> None:
    """Ctrl-C while the API has not answered yet (a loopback server that takes the request and waits)."""
    import signal
    import threading

    from .hostile import HostileServer

    asked = threading.Event()

    def stall(conn, path, headers, stop) -> None:
        asked.set()
        stop.wait(30)

    store = tmp_path / "s"
    with HostileServer(stall) as server:
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "ORCATALOG_CACHE_DIR": str(tmp_path / "cache"),
            "ORCATALOG_BASE_URL": server.url(),
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "orcatalog", "snapshot", "--store", str(store)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert asked.wait(60), "the snapshot never asked the API"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err == f"interrupted: nothing was recorded; {store} is as it was\n", err  # no empty line before it
    assert not store.exists() or not [p for p in store.rglob("*") if p.is_file()]
    # #15: the next run finds nothing to warn about
    after = subprocess.run(
        [sys.executable, "-m", "orcatalog", "import", "--store", str(store), str(SERVED_FILE)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert after.returncode == 0 and "warning" not in after.stderr.lower(), after.stderr


def test_sigint_during_report_prints_the_one_interrupted_line(
    recorded_dir: Path, latest_file: Path, tmp_path: Path
) -> None:
    """Ctrl-C while `report` reads its usage file (a FIFO holds the reader still, as in the import
    test): the same `interrupted:` line as import and snapshot, exit status 130, no `Aborted!`, and no
    report folder, finished or temporary."""
    import signal

    (activity,) = sorted(recorded_dir.glob("activity/activity-*.json.gz"))
    store = tmp_path / "s"
    assert _cli(["import", "--store", str(store), str(latest_file)], tmp_path).returncode == 0
    fifo = tmp_path / "activity.json"
    os.mkfifo(fifo)
    env = {**os.environ, "PYTHONPATH": str(REPO), "ORCATALOG_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "orcatalog", "report", "--store", str(store), "--usage", str(fifo), "-o", "out"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with open(fifo, "wb") as writer:  # returns when the report has opened the FIFO to read it
        writer.write(read_body(activity)[:1000])
        writer.flush()
        proc.send_signal(signal.SIGINT)
        _ends_before_the_body_does(proc)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip() == (
        "interrupted: the report was not written (its folder appears whole or not at all); "
        f"nothing was recorded; {store} is as it was"
    ), err
    assert "Aborted" not in err and "Traceback" not in err and out == ""
    assert not [p.name for p in tmp_path.iterdir() if p.name not in ("activity.json", "cache", "s")]


def test_ctrl_c_in_any_other_command_is_one_interrupted_line(
    runner: CliRunner, latest_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Commands that write nothing say `interrupted:` too (exit status 130), never click's `Aborted!`."""
    store = tmp_path / "s"
    oc.SnapshotStore(store).import_files([latest_file], progress=False)

    def pressed(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(oc.SnapshotStore, "history", pressed)
    result = runner.invoke(main, ["movers", "--store", str(store), "--since", "2026-01-01"])
    assert result.exit_code == 130, result.output
    assert result.output.strip() == "interrupted", result.output  # movers only reads: nothing to say


def test_an_interrupt_after_the_write_names_what_was_recorded(recorded_dir: Path, tmp_path: Path) -> None:
    from orcatalog.cli import interrupted_message

    store = oc.SnapshotStore(tmp_path / "s")
    assert interrupted_message(store, set()) == f"nothing was recorded; {store.root} is as it was"
    ids = store.import_files(sorted(recorded_dir.glob("models-2026-*.json.gz"))[:2], progress=False)
    message = interrupted_message(store, set())
    assert message == f"after the write: 2 new snapshots recorded in {store.root} ({ids[0]} .. {ids[1]})"
    assert (
        interrupted_message(store, {ids[0]}) == f"after the write: 1 new snapshot recorded in {store.root} ({ids[1]})"
    )


def test_every_repeatable_option_takes_a_comma_list() -> None:
    from orcatalog.cli import _comma_list

    repeatable = [
        (name, p.name)
        for name, command in main.commands.items()
        for p in command.params
        if isinstance(p, click.Option) and p.multiple
    ]
    assert repeatable  # --model, --field, --key, ...
    for name, param in repeatable:
        option = next(p for p in main.commands[name].params if p.name == param)
        assert option.callback is _comma_list, (name, param)
        assert "comma" in (option.help or ""), (name, param)


def test_replay_help_names_every_filter_the_replay_server_ignores() -> None:
    """REPLAY_HELP is derived from ANSWERED_FILTERS: each filter a recorded body cannot answer is
    named as its option, and no answered one is."""
    from orcatalog.cli import REPLAY_HELP
    from orcatalog.fetch.params import ANSWERED_FILTERS, FILTERS

    assert ANSWERED_FILTERS <= set(FILTERS)
    named = set(re.findall(r"--([a-z-]+)", REPLAY_HELP)) - {"sort"}
    assert named == {n.replace("_", "-") for n in FILTERS if n not in ANSWERED_FILTERS}
    assert {"arch", "distillable", "min-age-days", "max-tool-success-rate"} <= named


def test_import_says_what_a_folder_held_besides_bodies_and_refuses_a_named_non_body(
    runner: CliRunner, tmp_path: Path, recorded_dir: Path
) -> None:
    """A folder's notes and subfolders are named as not read (a new-user trial imported a recordings
    folder and never learnt that its subfolder was skipped); a file named on purpose that is not a
    body is refused as such, not asked for a fetch time."""
    folder = tmp_path / "bodies"
    (folder / "more").mkdir(parents=True)
    shutil.copy(recorded_dir / "models-2025-12-18.json.gz", folder)
    (folder / "NOTES.md").write_text("# where these came from\n")
    result = runner.invoke(main, ["import", "--store", str(tmp_path / "s"), str(folder)])
    assert result.exit_code == 0, result.output
    assert "not read" in result.output and "NOTES.md" in result.output and "more/" in result.output
    line = _one_error_line(runner.invoke(main, ["import", "--store", str(tmp_path / "t"), str(folder / "NOTES.md")]))
    assert "NOTES.md" in line and "not valid JSON" in line and "--fetched-at" not in line


def test_diff_table_says_what_kind_of_change_a_blank_new_value_is(
    runner: CliRunner, latest_file: Path, tmp_path: Path
) -> None:
    """A key no longer listed and a switch to dynamic pricing ("-1") both leave `new` blank: the
    default table shows the `kind` column that tells them apart (issue 15 trial)."""
    body = json.loads(gzip.decompress(latest_file.read_bytes()))
    later = copy.deepcopy(body)
    gone = next(m for m in later["data"] if float(m["pricing"].get("input_cache_read") or 0) > 0)
    dyn = next(m for m in later["data"] if m is not gone and float(m["pricing"]["prompt"]) > 0)
    del gone["pricing"]["input_cache_read"]
    dyn["pricing"]["prompt"] = "-1"
    store = oc.SnapshotStore(tmp_path / "s")
    store.import_bodies([("2026-04-17T00:00Z", body), ("2026-04-18T00:00Z", later)])
    result = runner.invoke(main, ["diff", "--store", str(tmp_path / "s"), "2026-04-17", "2026-04-18"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split()[-1] == "kind"
    (vanished,) = [x for x in lines if x.split()[:2] == [gone["id"], "changed"] and "input_cache_read" in x]
    assert vanished.rstrip().endswith("no longer listed")
    (switched,) = [x for x in lines if x.split()[:3] == [dyn["id"], "changed", "price_prompt"]]
    assert switched.rstrip().endswith("to dynamic")


def test_a_fetch_time_in_the_future_is_refused_and_nothing_is_written(
    runner: CliRunner, recorded_dir: Path, tmp_path: Path
) -> None:
    """`import --fetched-at 2030-01-01` recorded a snapshot in the future without a word, and it became
    the store's latest (issue 15, third trial): refused now, naming the option, before any write."""
    nameless = tmp_path / "catalog.json.gz"
    nameless.write_bytes((recorded_dir / "models-2026-04-17.json.gz").read_bytes())
    store = tmp_path / "s"
    result = runner.invoke(main, ["import", "--store", str(store), "--fetched-at", "2999-01-01", str(nameless)])
    assert result.exit_code == 2, result.output  # a bad argument, as a time that cannot be read
    line = _one_error_line(result)
    assert "catalog.json.gz at 2999-01-01 00:00 UTC" in line and "in the future" in line, line
    assert "--fetched-at" in line and "fetched_at=" not in line and "nothing was written" in line
    assert not store.exists() or not any(store.iterdir()), sorted(p.name for p in store.rglob("*"))
    # a file whose name is the future: the file is wrong, not an option (trial S: exit 2, as a usage error)
    named = tmp_path / "models-2999-01-01.json.gz"
    named.write_bytes(nameless.read_bytes())
    result = runner.invoke(main, ["import", "--store", str(store), str(named)])
    assert result.exit_code == 1, result.output  # as a clash with the store's body is
    line = _one_error_line(result)
    assert "models-2999-01-01.json.gz at 2999-01-01 00:00 UTC" in line and "check the file name" in line, line
    assert "--fetched-at" not in line and "nothing was written" in line
    assert not store.exists() or not any(store.iterdir()), sorted(p.name for p in store.rglob("*"))


def test_the_library_refuses_future_times_on_its_injected_clock(recorded_dir: Path, tmp_path: Path) -> None:
    body = recorded_dir / "models-2026-04-17.json.gz"
    store = oc.SnapshotStore(tmp_path / "s")
    with pytest.raises(oc.BodyFileError, match=r"models-2026-04-17\.json\.gz at 2026-04-17 00:00 UTC"):
        store.import_files(body, now="2026-04-16T23:00Z", progress=False)  # the name's day is ahead of the clock
    with pytest.raises(oc.InvalidParameterError, match="check fetched_at="):  # a time given: the argument
        store.import_files(body, fetched_at="2026-04-17", now="2026-04-16T23:00Z", progress=False)
    with pytest.raises(oc.InvalidParameterError, match="it is 2026-04-16 23:00 UTC now"):
        store.import_bodies([("2026-04-17", read_body(body))], now="2026-04-16T23:00Z", progress=False)
    assert not (tmp_path / "s").exists() or store.snapshots().empty
    # a clock a few minutes behind the machine that fetched is no future: within the tolerance
    assert store.import_files(body, now="2026-04-16T23:50Z", progress=False).added


def _ids_and_prices(stdout: str) -> list[tuple[str, str, str]]:
    """(id, prompt, completion) cells of a models table (blank cells as "")."""
    lines = stdout.rstrip("\n").splitlines()
    header = lines[0]
    ends = [header.index(name) + len(name) for name in ("id", "prompt_usd_per_mtok", "completion_usd_per_mtok")]
    starts = [0, header.index("context_length") + len("context_length"), ends[1]]
    return [tuple(line[a:b].strip() for a, b in zip(starts, ends)) for line in lines[1:]]  # type: ignore[misc]


@pytest.mark.parametrize("order", ["pricing-low-to-high", "pricing-high-to-low"])
def test_a_model_whose_output_price_is_not_listed_never_sorts_among_the_cheapest(runner: CliRunner, order: str) -> None:
    """The README's main command showed google/lyria-3-pro(-clip)-preview at 0 among the cheapest
    (issue 15): they list prompt and completion "0" and make audio at a price the catalog does not
    list. A price sort puts every model without a per-token price after the priced ones, and a note
    says why their 0 is not a price."""
    result = runner.invoke(main, ["--replay", "sample", "models", "--sort", order])
    assert result.exit_code == 0, result.output
    rows = _ids_and_prices(result.stdout)
    ids = [r[0] for r in rows]
    lyria = [i for i, mid in enumerate(ids) if mid.startswith("google/lyria-3-")]
    priced = [i for i, (_, p, c) in enumerate(rows) if p and c and not ids[i].startswith("google/lyria-3-")]
    assert len(lyria) == 2 and len(priced) > 300
    assert min(lyria) > max(priced), [ids[i] for i in lyria]
    if order == "pricing-low-to-high":  # the cheapest are free models (0) and the priced ones after them
        assert ids[0].endswith((":free", "openrouter/elephant-alpha", "openrouter/free"))
    assert "google/lyria-3-pro-preview, google/lyria-3-clip-preview produce audio at a price the catalog" in (
        result.stderr
    )
    head = runner.invoke(main, ["--replay", "sample", "models", "--sort", order, "--head", "25"])
    assert "google/lyria" not in head.stdout and "lyria" not in head.stderr  # a note about rows shown only


def test_price_sort_rule_on_the_newest_catalog_and_the_modalities_fixture(recorded_dir: Path, tmp_path: Path) -> None:
    """The 2026-08-17 body (dynamically priced routers, Lyria) with the spec-shaped fixture of image,
    video, embedding, rerank and speech models added (no all-modalities body was recorded), served
    as one body: every row ranked before the first one without a per-token price has one (free at
    0, or paid), in the API's order; models priced per image token or request, dynamically priced
    routers and Lyria come after, none lost."""
    import numpy as np
    import requests

    from orcatalog.schema import output_price_unlisted, priced_first, priced_only_otherwise, without_token_price

    from .modalities import fixture_models

    newest = json.loads(read_body(recorded_dir / "catalogs-2026-06-08" / "models-2026-08-17.json.gz"))
    body = tmp_path / "models-2026-08-17.json"
    body.write_text(json.dumps({**newest, "data": newest["data"] + fixture_models()}), encoding="utf-8")
    with ReplayServer(body) as server:
        client = oc.Client(base_url=server.base_url, session=requests.Session())  # no cache
        df = client.fetch_models(sort="pricing-low-to-high")
    assert len(df) == len(newest["data"]) + len(fixture_models())
    after = without_token_price(df)
    cut = int(np.argmax(after))
    assert not after[:cut].any() and after[cut:].all()  # one block of priced rows, then the rest
    assert {"google/lyria-3-pro-preview", "google/lyria-3-clip-preview"} <= set(df.loc[output_price_unlisted(df), "id"])
    otherwise = set(df.loc[priced_only_otherwise(df), "id"])
    assert {"bytedance-seed/seedream-5-0-lite", "runway/gen-4.5"} <= otherwise and df["dynamic_pricing"][cut:].any()
    means = (df["price_prompt"].astype(float) + df["price_completion"].astype(float))[:cut].to_numpy() / 2
    assert (np.diff(means) > -1e-15).all() and means[0] == 0  # the API's ranking kept (to float rounding), free first
    assert df.attrs["params"]["sort"] == "pricing-low-to-high" and priced_first(df) is df  # already in order


def test_the_snapshots_table_shows_a_date_only_snapshot_as_its_date(
    runner: CliRunner, dated_files: list[Path], tmp_path: Path
) -> None:
    """Trial S: a snapshot imported from a file named by its date was listed at 00:00:00, read as
    fetched at midnight. The table says the date and that it is a date only; CSV keeps the stored
    time and its time_precision."""
    store = str(tmp_path / "data")
    files = [str(f) for f in dated_files[-2:]]
    assert runner.invoke(main, ["import", "--store", store, *files]).exit_code == 0
    table = runner.invoke(main, ["snapshots", "--store", store])
    assert table.exit_code == 0, table.output
    dates = [re.search(r"models-(\d{4}-\d{2}-\d{2})", f).group(1) for f in files]  # type: ignore[union-attr]
    rows = table.stdout.splitlines()[1:]
    assert [re.search(r"\d{4}-\d{2}-\d{2} \(date only\)", r).group(0) for r in rows] == [  # type: ignore[union-attr]
        f"{d} (date only)" for d in dates
    ]
    assert "00:00:00" not in table.stdout
    csv_out = pd.read_csv(io.StringIO(runner.invoke(main, ["snapshots", "--store", store, "--format", "csv"]).stdout))
    assert csv_out["fetched_at"].tolist() == [f"{d} 00:00:00+00:00" for d in dates]
    assert set(csv_out["time_precision"]) == {"day"}
