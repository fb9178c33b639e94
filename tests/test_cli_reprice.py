"""`orcatalog reprice` and `orcatalog report --usage`: thin over the library, one-line errors."""

from __future__ import annotations

import gzip
import html
import io
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import orcatalog as oc
from orcatalog.cli import main

from .conftest import COMPACT_DIR, run_cli
from .test_reprice import catalog_files
from .test_usage_fetch import activity_files


@pytest.fixture(scope="module")
def workdir(recorded_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of the recorded 2026 catalogs and the recorded activity body beside it."""
    tmp_path = tmp_path_factory.mktemp("reprice")
    oc.SnapshotStore(tmp_path / "data").import_files(catalog_files(recorded_dir), progress=False)
    (path,) = activity_files(recorded_dir)
    (tmp_path / "activity.json.gz").write_bytes(path.read_bytes())
    return tmp_path


def test_reprice_prints_the_librarys_summary(workdir: Path) -> None:
    result = run_cli(["reprice", "activity.json.gz", "--store", "data", "--top", "5", "--format", "csv"], workdir)
    assert result.exit_code == 0, result.output
    printed = pd.read_csv(io.StringIO(result.stdout))
    expected = (
        oc.reprice(oc.read_usage(workdir / "activity.json.gz"), oc.SnapshotStore(workdir / "data").history())
        .summary()
        .head(5)
    )
    assert printed["alternative"].tolist() == expected["alternative"].tolist()
    assert printed["total_usd"].to_numpy() == pytest.approx(expected["total_usd"].to_numpy())
    line, *notes = result.stderr.strip().splitlines()  # the header, then notes (one line each)
    assert line.startswith(f"billed ${expected.attrs['billed_total_usd']:,.2f} over 106 usage rows")
    assert all(n.startswith("note: ") for n in notes)


def test_reprice_against_a_store_of_another_period_is_an_error_not_a_table_of_zeros(
    workdir: Path, recorded_dir: Path
) -> None:
    """A store whose catalog is from before the usage (the README tour's store of the hourly series)
    prices none of its rows: an error saying so, never a summary of $0 alternatives."""
    early = workdir / "early"
    oc.SnapshotStore(early).import_files(sorted(recorded_dir.glob("models-2025-11-12.json.gz")), progress=False)
    result = run_cli(["reprice", "activity.json.gz", "--store", "early", "--top", "3"], workdir)
    assert result.exit_code == 1
    assert "none of the 106 usage rows can be priced" in result.output and "--at" in result.output
    assert "0.00" not in result.stdout


def test_reprice_models_rows_and_errors(workdir: Path) -> None:
    history = oc.SnapshotStore(workdir / "data").history()
    two = ",".join(history["id"].drop_duplicates().astype(str).head(2))
    result = run_cli(["reprice", "activity.json.gz", "--store", "data", "--models", two, "--format", "csv"], workdir)
    assert result.exit_code == 0, result.output
    assert set(pd.read_csv(io.StringIO(result.stdout))["alternative"]) == set(two.split(","))
    rows = run_cli(["reprice", "activity.json.gz", "--store", "data", "--rows", "--format", "csv"], workdir)
    table = pd.read_csv(io.StringIO(rows.stdout))
    assert len(table) == 106 and {"usage_usd", "list_usd", "reason"} <= set(table.columns)
    assert (table["reason"] == "byok").sum() == (oc.read_usage(workdir / "activity.json.gz")["byok_requests"] > 0).sum()
    typo = run_cli(["reprice", "activity.json.gz", "--store", "data", "--models", two.split(",")[0][:-1]], workdir)
    assert typo.exit_code != 0 and "did you mean" in typo.stderr and typo.stderr.count("\n") == 1
    (workdir / "bad.csv").write_text("model,tokens\na/b,1\n", encoding="utf-8")
    bad = run_cli(["reprice", "bad.csv", "--store", "data"], workdir)
    assert bad.exit_code != 0 and "prompt_tokens, completion_tokens" in bad.stderr and bad.stderr.count("\n") == 1


def test_report_with_usage_adds_the_section(workdir: Path) -> None:
    result = run_cli(["report", "--store", "data", "--usage", "activity.json.gz", "-o", "report"], workdir)
    assert result.exit_code == 0, result.output
    page = (workdir / "report" / "index.html").read_text(encoding="utf-8")
    assert 'id="reprice"' in page and (workdir / "report" / "reprice.csv").is_file()
    ids = re.findall(r'\bid="([^"]*)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)  # the nav links each section
    assert sorted(re.findall(r'href="#([^"]*)"', page)) == sorted(ids)
    assert (workdir / "report" / "reprice.png").stat().st_size > 10_000
    table = pd.read_csv(workdir / "report" / "reprice.csv")
    assert table["served_share"].max() > 0
    assert gzip.decompress((workdir / "activity.json.gz").read_bytes())  # the usage file is only read
    # trial Q: rows before the store's first snapshot are counted as such, not as "not listed"
    from orcatalog.analysis.reprice import NO_SNAPSHOT

    rows = oc.reprice(oc.read_usage(workdir / "activity.json.gz"), oc.SnapshotStore(workdir / "data").history()).rows
    early, unpriced = int((rows["note"] == NO_SNAPSHOT).sum()), int(rows["list_usd"].isna().sum())
    text = html.unescape(page)
    assert (f"{early} dated before the store's first snapshot" in text) == (early > 0)
    assert (f"{unpriced - early} not listed on their day" in text) == (unpriced > early)
    assert ("record the catalogs of their days" in text) == (unpriced > 0)


def test_reprice_at_follows_the_one_time_rule(workdir: Path) -> None:
    """--at before the first snapshot is answered by the first snapshot, which a note names, as
    `show --as-of` and `cost --as-of` do (issue 15 trial 5: it was refused with no hint); --at in the
    future says so and how old the answering snapshot is."""
    history = oc.SnapshotStore(workdir / "data").history()
    first = pd.Timestamp(history["fetched_at"].min())
    early = run_cli(["reprice", "activity.json.gz", "--store", "data", "--at", "2020-01-01", "--top", "1"], workdir)
    assert "no snapshot on or before" not in early.stderr  # answered, not refused (the first may list none)
    said = f"note: --at 2020-01-01 00:00 is before the first snapshot: the first, {first:%Y-%m-%d %H:%M} UTC, is used"
    assert said in early.stderr
    usage = oc.read_usage(workdir / "activity.json.gz")
    result = oc.reprice(usage, history, at="2020-01-01")
    assert any("is before the first snapshot" in n for n in result.notes)
    at_first = oc.reprice(usage, history, at=first)  # the same prices as asking at the first snapshot
    pd.testing.assert_series_equal(result.rows["list_usd"], at_first.rows["list_usd"])
    late = run_cli(["reprice", "activity.json.gz", "--store", "data", "--at", "2030-01-01", "--top", "1"], workdir)
    assert late.exit_code == 0, late.output
    latest = pd.Timestamp(history["fetched_at"].max())
    assert "note: --at 2030-01-01 00:00 is in the future" in late.stderr  # the option, as typed (new-user trial)
    assert f"note: the answer is the snapshot of {latest:%Y-%m-%d %H:%M} UTC" in late.stderr
    assert "older than --at 2030-01-01 00:00" in late.stderr and " at 2030" not in late.stderr


def test_an_unknown_alternative_names_models_and_the_suggestion(workdir: Path) -> None:
    """Issue 15 (trial 5): `reprice --models nosuch/x` said "alternative 'nosuch/x' is not in the
    prices' catalog": it names --models and the closest id (suggest.py's one rule); the library
    says alternatives= with the same suggestion."""
    history = oc.SnapshotStore(workdir / "data").history()
    known = "openai/gpt-4o" if "openai/gpt-4o" in set(history["id"].astype(str)) else str(history["id"].iloc[0])
    typo = known.replace("-", "", 1) if "-" in known else known + "x"
    result = run_cli(["reprice", "activity.json.gz", "--store", "data", "--models", f"{known},{typo}"], workdir)
    assert result.exit_code == 2 and result.stdout == ""
    line = result.stderr.strip()
    assert line.startswith(f"error: --models {typo!r} is not in the store's latest catalog (did you mean {known!r}?)")
    assert len(line.splitlines()) == 1 and "alternative" not in line
    with pytest.raises(oc.InvalidParameterError, match=rf"alternatives={re.escape(repr(typo))} .*did you mean"):
        oc.reprice(oc.read_usage(workdir / "activity.json.gz"), history, alternatives=[typo])


def test_the_header_totals_are_the_tables_sums_or_say_why_not(workdir: Path) -> None:
    """New-user trial: the header said "billed $94.86" while the table's billed_usd read 94.5 and the
    --rows table showed only usage_usd (which leaves out BYOK inference). The --rows table shows
    billed_usd, whose sum is the header's bill; the summary's billed_usd covers the rows each
    alternative can serve, and a note says so with both numbers."""
    usage = oc.read_usage(workdir / "activity.json.gz")
    result = oc.reprice(usage, oc.SnapshotStore(workdir / "data").history())
    rows = run_cli(["reprice", "activity.json.gz", "--store", "data", "--rows", "--format", "csv"], workdir)
    assert rows.exit_code == 0, rows.output
    table = pd.read_csv(io.StringIO(rows.stdout))
    header = rows.stderr.splitlines()[0]
    assert header.startswith(f"billed ${table['billed_usd'].sum():,.2f} over {len(table)} usage rows (")
    byok = table["billed_usd"].sum() - table["usage_usd"].sum()
    assert byok > 1 and f"(${byok:,.2f} of it BYOK inference" in header
    priced = table["list_usd"].notna()
    assert (
        f"at list prices ${table['list_usd'].sum():,.2f} for the {priced.sum()} rows whose model the store lists "
        f"on their day, billed ${table.loc[priced, 'billed_usd'].sum():,.2f}" in header
    )
    summary = run_cli(["reprice", "activity.json.gz", "--store", "data", "--top", "3", "--format", "csv"], workdir)
    first = pd.read_csv(io.StringIO(summary.stdout)).iloc[0]
    assert summary.stderr.splitlines()[0] == header
    assert first["billed_usd"] < result.billed_total_usd - 0.005  # the rows it serves, not the period
    assert (
        f"note: billed_usd in the table is what the rows an alternative can serve were billed "
        f"(${first['billed_usd']:,.2f} for {first['alternative']}: {first['rows_served']} of {len(table)} rows), "
        f"not the period's ${result.billed_total_usd:,.2f}"
    ) in summary.stderr


def test_rows_before_the_first_snapshot_say_so(workdir: Path, recorded_dir: Path, tmp_path: Path) -> None:
    """A store holding one catalog of 08-17: the activity's earlier rows have no snapshot to ask,
    which is not the same as a model missing from a catalog."""
    from orcatalog.analysis.reprice import NO_SNAPSHOT, NOT_LISTED

    (one,) = [p for p in catalog_files(recorded_dir) if p.name == "models-2026-08-17.json.gz"]
    store = oc.SnapshotStore(tmp_path / "data")
    store.import_files([one], progress=False)
    usage = oc.read_usage(workdir / "activity.json.gz")
    rows = oc.reprice(usage, store.history(), alternatives=[]).rows
    first = pd.Timestamp(store.history()["fetched_at"].min())
    before = (usage["date"] < first).to_numpy()
    assert before.any() and (~before).any()
    byok = rows["reason"].eq("byok").to_numpy()
    assert (rows.loc[before, "note"] == NO_SNAPSHOT).all() and (rows.loc[before & ~byok, "reason"] == NO_SNAPSHOT).all()
    listed = set(store.history()["id"])
    absent = ~before & ~usage["model"].isin(listed).to_numpy()
    assert absent.any() and (rows.loc[absent, "note"] == NOT_LISTED).all()
    (tmp_path / "activity.json.gz").write_bytes((workdir / "activity.json.gz").read_bytes())
    result = run_cli(["reprice", "activity.json.gz", "--store", "data", "--top", "1"], tmp_path)
    assert result.exit_code == 0, result.output
    assert f"{before.sum()} with no snapshot on or before their date" in result.stderr
    assert f"{absent.sum()} whose model the store's catalog did not list on their day" in result.stderr


def test_usage_without_a_bill_says_so_and_saves_nothing(tmp_path: Path) -> None:
    """A usage CSV with no usage_usd: the bill is unknown (NaN), never $0 with a negative saving."""
    catalog = next(COMPACT_DIR.glob("catalogs-2026-06-08/models-2026-08-17.json.gz"))
    store = oc.SnapshotStore(tmp_path / "s")
    store.import_files(catalog, progress=False)
    usage = tmp_path / "u.csv"
    usage.write_text("model,prompt_tokens,completion_tokens,requests\nopenai/gpt-4o,100000,1000,10\n", encoding="utf-8")
    args = ["reprice", str(usage), "--store", str(tmp_path / "s"), "--at", "2026-08-18", "--format", "csv"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert (
        "no bill in the usage (no usage_usd column) over 1 usage rows" in result.stderr and "$nan" not in result.output
    )
    summary = oc.reprice(oc.read_usage(usage), store.history(), at="2026-08-18").summary()
    served = summary[summary["rows_served"] > 0]
    assert len(served) and served["billed_usd"].isna().all() and served["saving_usd"].isna().all()
    ax = oc.plot_reprice(summary)
    assert "no bill" in " ".join(t.get_text() for t in ax.get_legend().get_texts())
    empty = tmp_path / "e.csv"
    empty.write_text("model,prompt_tokens,completion_tokens\n", encoding="utf-8")
    none = CliRunner().invoke(main, ["reprice", str(empty), "--store", str(tmp_path / "s")])
    assert none.exit_code == 1 and "holds no usage rows" in none.output


def test_a_small_list_total_is_never_shown_as_zero(tmp_path: Path) -> None:
    """Trial Q: one row of 1,000 prompt and 100 completion tokens printed "at list prices $0.00",
    which reads as free. A total below $1 keeps three significant digits, equal to the library's."""
    catalog = next(COMPACT_DIR.glob("catalogs-2026-06-08/models-2026-08-17.json.gz"))
    store = oc.SnapshotStore(tmp_path / "s")
    store.import_files(catalog, progress=False)
    usage = tmp_path / "u.csv"
    usage.write_text("model,prompt_tokens,completion_tokens\nopenai/gpt-4o,1000,100\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["reprice", str(usage), "--store", str(tmp_path / "s"), "--at", "2026-08-18"])
    assert result.exit_code == 0, result.output
    total = oc.reprice(oc.read_usage(usage), store.history(), at="2026-08-18").list_total_usd
    assert 0 < total < 0.01
    shown = f"${float(f'{total:.3g}'):f}".rstrip("0")  # e.g. $0.0035
    assert f"at list prices {shown} for" in result.stderr and "$0.00 " not in result.stderr, result.stderr
