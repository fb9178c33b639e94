"""Exports round-trip: read_parquet and read_csv give back what to_parquet and to_csv wrote, every
column with its contract dtype, for a real catalog and a real history frame."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import orcatalog as oc
from orcatalog.frames.models import check_body, models_frame

from .conftest import read_body


@pytest.fixture(scope="module")
def catalog(recorded_dir: Path) -> pd.DataFrame:
    return models_frame(check_body(json.loads(read_body(recorded_dir / "models-2026-04-17.json.gz"))))


@pytest.fixture(scope="module")
def history(recorded_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    store = oc.SnapshotStore(tmp_path_factory.mktemp("store"))
    store.import_files(
        [recorded_dir / "models-2024-04-19.json.gz", recorded_dir / "models-2026-01-01.json.gz"], progress=False
    )
    return store.history()


def test_plain_pandas_readers_lose_the_contract_dtypes(catalog: pd.DataFrame, tmp_path: Path) -> None:
    """The reason read_parquet/read_csv exist: what a user reaches for first changes the dtypes."""
    assert str(catalog["created"].dtype) == "datetime64[s, UTC]"
    assert oc.export.is_list_column(catalog["input_modalities"]) and str(catalog["is_free"].dtype) == "boolean"
    oc.to_parquet(catalog, tmp_path / "x.parquet")
    oc.to_csv(catalog, tmp_path / "x.csv")
    plain_pq, plain_csv = pd.read_parquet(tmp_path / "x.parquet"), pd.read_csv(tmp_path / "x.csv")
    assert str(plain_pq["created"].dtype) != "datetime64[s, UTC]" or not oc.export.is_list_column(
        plain_pq["input_modalities"]
    )
    assert str(plain_csv["is_free"].dtype) != "boolean" and str(plain_csv["created"].dtype) != "datetime64[s, UTC]"


@pytest.mark.parametrize("which", ["catalog", "history"])
def test_parquet_round_trips_every_column(
    which: str, request: pytest.FixtureRequest, tmp_path: Path, recorded_dir: Path
) -> None:  # recorded_dir: one run per data set
    df = request.getfixturevalue(which)
    oc.to_parquet(df, tmp_path / "x.parquet")
    back = oc.read_parquet(tmp_path / "x.parquet")
    pd.testing.assert_frame_equal(back, df.reset_index(drop=True), check_exact=True)


@pytest.mark.parametrize("which", ["catalog", "history"])
def test_csv_round_trips_every_column(
    which: str, request: pytest.FixtureRequest, tmp_path: Path, recorded_dir: Path
) -> None:  # recorded_dir: one run per data set
    df = request.getfixturevalue(which)
    oc.to_csv(df, tmp_path / "x.csv")
    back = oc.read_csv(tmp_path / "x.csv")
    # CSV carries no types: categoricals (the store's compact text columns) come back as their declared str
    expected = df.reset_index(drop=True)
    expected.attrs = {}  # provenance does not travel in CSV (pandas' astype also trips over array attrs)
    expected = expected.astype({c: "str" for c in df.columns if str(df[c].dtype) == "category"})
    pd.testing.assert_frame_equal(back, expected, check_exact=True)


def test_csv_undoes_formula_neutralisation_exactly(tmp_path: Path) -> None:
    texts = ["=1+1", "+x", "-1", "@a", "\tb", "'quoted", "''", "plain", None]
    df = pd.DataFrame({"name": pd.Series(texts, dtype="str"), "context_length": pd.array(range(9), dtype="Int64")})
    oc.to_csv(df, tmp_path / "f.csv")
    raw = (tmp_path / "f.csv").read_text()
    assert '"=1+1"' not in raw and '"\'=1+1"' in raw  # still safe to open in a spreadsheet
    pd.testing.assert_frame_equal(oc.read_csv(tmp_path / "f.csv"), df)


def test_files_that_are_not_tables_name_the_file_and_column(catalog: pd.DataFrame, tmp_path: Path) -> None:
    good = tmp_path / "models.csv"
    oc.to_csv(catalog, good)
    with good.open(newline="", encoding="utf-8") as f:
        header, row = list(csv.reader(f))[:2]
    row[header.index("context_length")] = "lots"  # a hand-edited cell
    edited = tmp_path / "edited.csv"
    with edited.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, row])
    with pytest.raises(oc.TableFileError, match=r"edited\.csv: column 'context_length' cannot be read as Int64"):
        oc.read_csv(edited)
    latin = tmp_path / "latin1.csv"
    latin.write_bytes("id,name\na/b,Caf\u00e9\n".encode("latin-1"))
    with pytest.raises(oc.TableFileError, match=r"latin1\.csv is not a CSV table .*utf-8"):
        oc.read_csv(latin)
    assert oc.read_csv(latin, encoding="latin-1")["name"].iloc[0] == "Caf\u00e9"  # the way out works
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(oc.TableFileError, match="empty.csv is not a CSV table"):
        oc.read_csv(empty)
    not_parquet = tmp_path / "models.parquet"
    not_parquet.write_bytes(good.read_bytes())  # CSV text under a parquet name
    with pytest.raises(oc.TableFileError, match=r"models\.parquet is not a parquet file"):
        oc.read_parquet(not_parquet)
    with pytest.raises(FileNotFoundError):
        oc.read_csv(tmp_path / "missing.csv")
    assert isinstance(oc.TableFileError("x"), ValueError)


def test_readable_shows_lists_as_text_and_one_format_per_column(series_of: Any) -> None:
    from .conftest import COMPACT_DIR

    store = series_of(COMPACT_DIR)  # the session's store of the compact hourly series (read only)
    h = store.history()
    events = oc.price_changes(h)
    shown = oc.readable(events)
    assert shown["pct_change"].str.fullmatch(r"(-?[\d,]+\.\d)?").all()
    for name in ("old", "new"):
        decimals = {len(v.split(".")[1]) for v in shown[name] if v}
        assert len(decimals) == 1, decimals
    latest = store.load()
    text = oc.readable(latest[["id", "input_modalities", "context_length"]])
    for raw, cell in zip(latest["input_modalities"], text["input_modalities"]):
        assert cell == ", ".join(raw)
    assert text["context_length"].equals(latest["context_length"])  # whole-number columns untouched
    assert latest["input_modalities"].iloc[0] is not None  # the frame given is not changed
    with pytest.raises(oc.InvalidParameterError):
        oc.readable([1, 2])  # type: ignore[arg-type]


def test_readable_turns_only_the_list_cells_of_a_mixed_column(tmp_path: Path) -> None:
    from .conftest import COMPACT_DIR

    store = oc.SnapshotStore(tmp_path / "s")
    ids = store.import_files(
        [COMPACT_DIR / "models-2024-09-27.json.gz", COMPACT_DIR / "models-2025-02-08.json.gz"], progress=False
    )
    d = oc.diff(store.load(ids[0]), store.load(ids[1]))
    shown = oc.readable(d)
    lists = d["new"].map(lambda v: isinstance(v, (list, tuple, np.ndarray)))
    assert lists.any() and (~lists & d["new"].notna()).any()  # the column mixes lists and scalars
    for raw, cell in zip(d.loc[lists, "new"], shown.loc[lists, "new"]):
        assert cell == ", ".join(map(str, raw))
    floats = d["new"].map(lambda v: isinstance(v, float) and v == v)
    others = ~lists & ~floats
    assert shown.loc[others, "new"].tolist() == d.loc[others, "new"].tolist()  # other scalars as they were
    # float cells (prices) in one fixed format shared by old and new (#15: not 9e-05 next to 0.0012)
    places = {
        len(c.split(".")[1])
        for c in [*shown.loc[floats, "new"], *shown.loc[d["old"].map(lambda v: isinstance(v, float) and v == v), "old"]]
    }
    assert floats.any() and len(places) == 1
