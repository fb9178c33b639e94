"""`orcatalog reprice` and `orcatalog report --usage`: thin over the library, one-line errors."""

from __future__ import annotations

import gzip
import io
import os
from pathlib import Path

import click
import pandas as pd
import pytest
from click.testing import CliRunner

import orcatalog as oc
from orcatalog.cli import main

from .test_reprice import catalog_files
from .test_usage_fetch import activity_files


def run(args: list[str], cwd: Path) -> click.testing.Result:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, args, catch_exceptions=False)
    finally:
        os.chdir(old)


@pytest.fixture(scope="module")
def workdir(recorded_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of the recorded 2026 catalogs and the recorded activity body beside it."""
    tmp_path = tmp_path_factory.mktemp("reprice")
    oc.SnapshotStore(tmp_path / "data").import_files(catalog_files(recorded_dir), progress=False)
    (path,) = activity_files(recorded_dir)
    (tmp_path / "activity.json.gz").write_bytes(path.read_bytes())
    return tmp_path


def test_reprice_prints_the_librarys_summary(workdir: Path) -> None:
    result = run(["reprice", "activity.json.gz", "--store", "data", "--top", "5", "--format", "csv"], workdir)
    assert result.exit_code == 0, result.output
    printed = pd.read_csv(io.StringIO(result.stdout))
    expected = oc.reprice(oc.read_usage(workdir / "activity.json.gz"),
                          oc.SnapshotStore(workdir / "data").history()).summary().head(5)  # fmt: skip
    assert printed["alternative"].tolist() == expected["alternative"].tolist()
    assert printed["total_usd"].to_numpy() == pytest.approx(expected["total_usd"].to_numpy())
    line = result.stderr.strip()
    assert "\n" not in line and line.startswith(f"billed ${expected.attrs['billed_total_usd']:,.2f} over 106 usage rows")


def test_reprice_models_rows_and_errors(workdir: Path) -> None:
    history = oc.SnapshotStore(workdir / "data").history()
    two = ",".join(history["id"].drop_duplicates().astype(str).head(2))
    result = run(["reprice", "activity.json.gz", "--store", "data", "--models", two, "--format", "csv"], workdir)
    assert result.exit_code == 0, result.output
    assert set(pd.read_csv(io.StringIO(result.stdout))["alternative"]) == set(two.split(","))
    rows = run(["reprice", "activity.json.gz", "--store", "data", "--rows", "--format", "csv"], workdir)
    table = pd.read_csv(io.StringIO(rows.stdout))
    assert len(table) == 106 and {"usage_usd", "list_usd", "reason"} <= set(table.columns)
    assert (table["reason"] == "byok").sum() == (oc.read_usage(workdir / "activity.json.gz")["byok_requests"] > 0).sum()
    typo = run(["reprice", "activity.json.gz", "--store", "data", "--models", two.split(",")[0][:-1]], workdir)
    assert typo.exit_code != 0 and "did you mean" in typo.stderr and typo.stderr.count("\n") == 1
    (workdir / "bad.csv").write_text("model,tokens\na/b,1\n", encoding="utf-8")
    bad = run(["reprice", "bad.csv", "--store", "data"], workdir)
    assert bad.exit_code != 0 and "prompt_tokens, completion_tokens" in bad.stderr and bad.stderr.count("\n") == 1


def test_report_with_usage_adds_the_section(workdir: Path) -> None:
    result = run(["report", "--store", "data", "--usage", "activity.json.gz", "-o", "report"], workdir)
    assert result.exit_code == 0, result.output
    page = (workdir / "report" / "index.html").read_text(encoding="utf-8")
    assert 'id="reprice"' in page and (workdir / "report" / "reprice.csv").is_file()
    assert (workdir / "report" / "reprice.png").stat().st_size > 10_000
    table = pd.read_csv(workdir / "report" / "reprice.csv")
    assert table["served_share"].max() > 0
    assert gzip.decompress((workdir / "activity.json.gz").read_bytes())  # the usage file is only read
