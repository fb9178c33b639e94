"""The report folder on a store built from the real hourly series, opened in a real headless Chromium."""

from __future__ import annotations

import gzip
import html
import html.parser
import re
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import orcatalog as oc
from orcatalog.report import build_report

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
    "--hide-scrollbars",
    "--window-size=1280,4000",
]


class _Refs(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        for key in ("src", "href"):
            if a.get(key):
                self.refs.append((tag, str(a[key])))


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, series_history: pd.DataFrame) -> Path:
    return build_report(series_history.copy(), tmp_path_factory.mktemp("report") / "2026-01-07")


def test_every_image_and_link_resolves(report: Path) -> None:
    parser = _Refs()
    parser.feed(report.read_text(encoding="utf-8"))
    images = [ref for tag, ref in parser.refs if tag == "img"]
    links = [ref for tag, ref in parser.refs if tag == "a"]
    assert len(images) == 4 and len(links) >= 5 + 4
    for ref in images + links:
        if ref.startswith("#"):
            assert ref[1:] in parser.ids, ref
        else:
            assert "://" not in ref and not ref.startswith("/"), ref  # opens from disk, no server
            assert (report.parent / ref).is_file(), ref
    for png in report.parent.glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000


def test_tables_are_the_analysis_results(report: Path) -> None:
    folder = report.parent
    movers = pd.read_csv(folder / "movers.csv")
    assert set(movers["direction"]) == {"up", "down"} and len(movers) == 20
    events = pd.read_csv(folder / "catalog_events.csv")
    assert {"added", "removed", "returned"} <= set(events["event"])
    cost = pd.read_csv(folder / "workload_cost.csv")
    assert cost["total_usd"].dropna().is_monotonic_increasing
    # #15: the cheapest paid models that serve text, never free ones at 0; the page says what it left out
    assert (cost["total_usd"].dropna() > 0).all() and cost["total_usd"].notna().sum() > 10
    page = report.read_text(encoding="utf-8")
    # the workload is 1,000 requests (one request of 1.2M tokens would fit almost no model), and says so
    assert "Cost of 1,000,000 prompt + 200,000 completion tokens in 1,000 requests" in page
    (said,) = re.findall(r'<p class="note left-out">Left out: ([^<]*)</p>', page)
    free_listed = int(re.search(r"(\d+) free", html.unescape(said)).group(1))  # type: ignore[union-attr]
    assert free_listed > 0 and free_listed == pd.read_csv(folder / "free_models.csv").shape[0] - _not_text(folder)
    assert cost.loc[cost["total_usd"].isna(), "note"].astype(str).str.contains("dynamic pricing").all()
    numbers = (
        cost.select_dtypes("number").to_numpy(dtype=float).ravel()
    )  # cost's one rounding rule: no 2.0999999999999996
    assert all(v == float(f"{v:.12g}") for v in numbers[~np.isnan(numbers)])
    free = pd.read_csv(folder / "free_models.csv")
    assert len(free) > 10 and free["id"].str.len().gt(0).all()
    cheapest = pd.read_csv(folder / "cheapest_by_input_modality.csv")
    assert {"text", "image"} <= set(cheapest["input_modality"])


def _not_text(folder: Path) -> int:
    """Free models of the report's free table that produce no text (not candidates of a text workload)."""
    free = pd.read_csv(folder / "free_models.csv")
    return int((~free["output_modalities"].astype(str).str.contains("text")).sum())


def test_bad_input_fails_before_writing(tmp_path: Path) -> None:
    with pytest.raises(oc.InvalidParameterError):
        build_report(pd.DataFrame({"id": []}), tmp_path / "r")
    assert not (tmp_path / "r").exists()


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_the_page_renders_in_headless_chromium(report: Path, tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        message = "chromium not installed (apt-get install chromium); .ci/run installs it"
        if os.environ.get("ORCATALOG_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    shot = tmp_path / "screenshot.png"
    proc = subprocess.run(
        [browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", report.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    assert not console, console
    assert "ERR_FILE_NOT_FOUND" not in proc.stderr
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 100_000
    keep = os.environ.get("ORCATALOG_KEEP_SCREENSHOT")
    if keep:
        shutil.copy(shot, keep)


@pytest.mark.compact_only
def test_a_failed_report_leaves_no_folder_behind(recorded_dir: Path, tmp_path: Path) -> None:
    store = oc.SnapshotStore(tmp_path / "store")
    store.import_files(sorted(recorded_dir.glob("models-2026-*.json.gz")), progress=False)
    broken = store.history().drop(columns=["input_modalities"])  # the charts draw, a later table cannot
    with pytest.raises(KeyError):
        build_report(broken, tmp_path / "out" / "r")
    assert list((tmp_path / "out").iterdir()) == []  # neither the report nor its temporary folder


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc, where no folder can be made")
def test_a_folder_that_cannot_be_made_is_named_as_given(dated_files: list[Path], tmp_path: Path) -> None:
    """``report -o /proc/forbidden`` named the hidden ``/proc/.forbidden.writing-xxxx`` (issue 15
    trial): the error names the folder the user gave, on the command line too."""
    store = oc.SnapshotStore(tmp_path / "store")
    store.import_files(dated_files[-1:], progress=False)
    with pytest.raises(OSError) as caught:
        build_report(store.history(), "/proc/forbidden")
    assert caught.value.filename == "/proc/forbidden" and "cannot write the report folder" in str(caught.value)
    from click.testing import CliRunner

    from orcatalog.cli import main

    result = CliRunner().invoke(main, ["report", "--store", str(tmp_path / "store"), "-o", "/proc/forbidden"])
    assert result.exit_code == 1
    assert result.stderr.strip().endswith(": /proc/forbidden") and ".writing-" not in result.stderr


@pytest.mark.compact_only
def test_a_file_that_cannot_be_replaced_is_named_in_the_folder_given(recorded_dir: Path, tmp_path: Path) -> None:
    """An error while moving the finished files into place names the file in the user's folder,
    not in the temporary one, and leaves no temporary folder behind."""
    store = oc.SnapshotStore(tmp_path / "store")
    store.import_files(sorted(recorded_dir.glob("models-2026-*.json.gz")), progress=False)
    out = tmp_path / "r"
    (out / "index.html").mkdir(parents=True)  # a folder where the page goes: os.replace refuses
    with pytest.raises(OSError) as caught:
        build_report(store.history(), out)
    assert caught.value.filename == str(out / "index.html")
    assert ".writing-" not in str(caught.value)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_an_existing_folder_gets_the_new_files_and_keeps_others(recorded_dir: Path, tmp_path: Path) -> None:
    store = oc.SnapshotStore(tmp_path / "store")
    store.import_files(sorted(recorded_dir.glob("models-2026-*.json.gz")), progress=False)
    out = tmp_path / "r"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    (out / "index.html").write_text("old", encoding="utf-8")
    index = build_report(store.history(), out)
    assert index == out / "index.html" and index.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def _cells(page: str, table_csv: str) -> tuple[list[str], list[list[str]]]:
    """The header and rows of the HTML table shown before the link to ``table_csv``."""
    chunk = page.split(f'<a href="{table_csv}">')[0].rsplit("<table", 1)[1]
    header = [html.unescape(h) for h in re.findall(r"<th>(.*?)</th>", chunk)]
    rows = [
        [html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", r)] for r in re.findall(r"<tr>(.*?)</tr>", chunk, re.S)
    ]
    return header, [r for r in rows if r]


def test_tables_show_lists_as_text_and_one_number_format_per_column(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    assert "[&#x27;" not in page and "[&#39;" not in page and "['" not in page  # no numpy / Python list repr
    header, rows = _cells(page, "free_models.csv")
    modalities = [r[header.index("input_modalities")] for r in rows]
    assert modalities and all(re.fullmatch(r"[a-z]+(, [a-z]+)*", m) for m in modalities), modalities
    assert any(", " in m for m in modalities)
    header, rows = _cells(page, "movers.csv")
    pct = [r[header.index("pct_change")] for r in rows]
    assert pct and all(re.fullmatch(r"-?[\d,]+\.\d", v) for v in pct), pct  # one decimal, every row
    for name in ("start_value", "end_value"):
        decimals = {len(r[header.index(name)].split(".")[1]) if "." in r[header.index(name)] else 0 for r in rows}
        assert len(decimals) == 1, (name, decimals)


def test_the_page_says_the_rules_one_sentence_each(report: Path) -> None:
    from orcatalog.report import RULES

    page = report.read_text(encoding="utf-8")
    assert [name for name, _ in RULES] == ["Serving", "Free", "No longer listed", "Time"]
    for name, text in RULES:
        assert text.count(". ") == 0 and text.endswith(".")  # one sentence
        assert f"<li><b>{name}.</b> {html.escape(text)}</li>" in page
    assert page.index('id="rules"') < page.index("<img")  # before the numbers they explain


def test_report_refuses_a_missing_parent_folder_before_any_work(tmp_path: Path) -> None:
    """New-user trial: `report -o a/b/c` made a/ and a/b/ in silence, so a mistyped path became new
    folders. As every -o of the command line: the report's own folder is made, its parent must exist,
    and a missing one is refused before the store is read or a first snapshot fetched."""
    from click.testing import CliRunner

    from orcatalog.cli import main

    env = {"ORCATALOG_OFFLINE": "1", "ORCATALOG_CACHE_DIR": str(tmp_path / "cache")}
    out = tmp_path / "a" / "b" / "c"
    result = CliRunner().invoke(main, ["report", "--store", str(tmp_path / "store"), "-o", str(out)], env=env)
    assert result.exit_code == 2, result.output
    assert f"there is no folder {out.parent} to write {out} into; create it first" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no a/, no store, no cache
    help_text = " ".join(CliRunner().invoke(main, ["report", "--help"]).output.split())
    assert "its parent folder must exist" in help_text


def test_a_one_snapshot_report_says_so(dated_files: list[Path], tmp_path: Path) -> None:
    """A report of one snapshot says it has one (not "1 snapshots from X to X"), and its time charts
    carry the note that they show the days around it (issue 15, fourth trial)."""
    store = oc.SnapshotStore(tmp_path / "s")
    store.import_files([dated_files[-1]], progress=False)
    page = build_report(store.history(), tmp_path / "r").read_text(encoding="utf-8")  # the index page
    assert "one snapshot, at 2026-04-17 00:00 UTC" in page and "1 snapshots" not in page
    assert page.count("One snapshot: the chart shows the 3 days around it") == 2  # market trend, catalog size


def test_a_partial_latest_snapshot_is_said_on_the_page(recorded_dir: Path, tmp_path: Path) -> None:
    """Re-check trial N1: with a partial latest snapshot (a body of 300 of 414 models), the report's
    tables and charts of the latest catalog drew the 300, and "partial" appeared nowhere on the page;
    the movers counted the 114 missing from it as gone. Both are said now."""
    import orjson

    newest = recorded_dir / "catalogs-2026-06-08" / "models-2026-08-17.json.gz"
    body = orjson.loads(gzip.decompress(newest.read_bytes()))
    part = tmp_path / "models-2026-08-18.json"
    part.write_bytes(orjson.dumps({"data": body["data"][:300]}))
    store = oc.SnapshotStore(tmp_path / "s")
    store.import_files([newest], progress=False)
    with pytest.warns(oc.PartialSnapshotWarning):
        store.import_files([part], progress=False)
    index = build_report(store.history(), tmp_path / "r")
    page = html.unescape(index.read_text(encoding="utf-8"))
    assert "the latest snapshot is flagged partial" in page
    assert "missing from the end snapshot (2026-08-18 00:00 UTC), which is flagged partial" in page
