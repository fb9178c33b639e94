"""Readers tolerate two snapshots at the same fetched_at (stores imported before such imports were
refused hold them): catalog_size, catalog_events, lifecycle and the report; load(as_of=) and the
latest snapshot choose among such twins by one rule and say which and why, history() says it keeps both."""

from __future__ import annotations

import warnings
from pathlib import Path

import orjson
import pandas as pd
import pytest

import orcatalog as oc
from orcatalog.testing.legacy import legacy_store
import orcatalog.store.writes as store_writes
from orcatalog.store.migrate import migrate
from orcatalog.errors import TwinSnapshotWarning

from .conftest import read_body


@pytest.fixture(scope="module", params=["parquet", "migrated"])
def twin_store(
    tmp_path_factory: pytest.TempPathFactory, recorded_dir: Path, request: pytest.FixtureRequest
) -> oc.SnapshotStore:
    """Two real bodies recorded at one time (two catalogs of the same day), after an earlier one: in
    a store of the earlier parquet layout as an older orcatalog wrote it, or that store migrated to
    the Delta layout (the way a Delta store comes to hold twins)."""
    bodies = {
        n: orjson.loads(read_body(recorded_dir / n))
        for n in ("models-2026-01-15.json.gz", "models-2026-01-29.json.gz", "models-2026-04-17.json.gz")
    }
    root = tmp_path_factory.mktemp("twins")
    store = legacy_store(root / "store")
    with pytest.MonkeyPatch.context() as patch:  # such imports are refused now: write as an older orcatalog did
        patch.setattr(store_writes, "refuse_same_time", lambda rows, manifest: None)
        store.import_bodies(
            [
                ("2026-01-15T00:00Z", bodies["models-2026-01-15.json.gz"]),
                ("2026-04-17T00:00Z", bodies["models-2026-01-29.json.gz"]),
                ("2026-04-17T00:00Z", bodies["models-2026-04-17.json.gz"]),
            ],
            progress=False,
        )
    if request.param == "migrated":
        migrate(store.root, root / "delta")
        store = oc.SnapshotStore(root / "delta")
        assert store.layout == "delta"
    return store


@pytest.fixture(scope="module")
def twin_history(twin_store: oc.SnapshotStore) -> pd.DataFrame:
    with pytest.warns(TwinSnapshotWarning) as said:  # the history keeps both twins, and says so once
        history = twin_store.history()
    assert len(said) == 1
    assert "at 1 time(s)" in str(said[0].message) and "all are kept" in str(said[0].message)
    assert history.groupby("fetched_at")["snapshot_id"].nunique().max() == 2  # the case under test
    return history


def test_as_of_among_twins_says_which_and_why(twin_store: oc.SnapshotStore) -> None:
    m = twin_store.snapshots()
    twins = m[m["fetched_at"] == pd.Timestamp("2026-04-17", tz="UTC")]
    assert len(twins) == 2 and twins["n_models"].nunique() == 2
    fuller = twins.loc[twins["n_models"].idxmax()]
    other = twins.loc[twins["n_models"].idxmin()]
    asks = (  # as of that time, later (the answer is then 14 days older, and says so), latest
        ({"as_of": "2026-04-17T00:00Z"}, None),
        (
            {"as_of": "2026-05-01"},
            "the answer is the snapshot of 2026-04-17 00:00 UTC, 14 days older than as_of 2026-05-01",
        ),
        ({}, None),
    )
    for ask, age in asks:
        with pytest.warns(Warning) as said:  # every warning the answer gives, none left to leak
            frame = twin_store.load(**ask)
        kinds = sorted(w.category.__name__ for w in said)
        assert kinds == sorted(["TwinSnapshotWarning", *(["AsOfWarning"] if age else [])]), ask  # once per answer
        if age:
            assert age in str(next(w.message for w in said if issubclass(w.category, oc.AsOfWarning)))
        twin_notes = [w for w in said if issubclass(w.category, TwinSnapshotWarning)]
        message = str(twin_notes[0].message)
        assert frame.attrs["snapshot_id"] == fuller["snapshot_id"] and len(frame) == fuller["n_models"]
        assert fuller["snapshot_id"] in message and other["snapshot_id"] in message
        assert "the one with the most models" in message and "2026-04-17 00:00:00 UTC" in message
    with pytest.warns(oc.AsOfWarning, match="17 days older than as_of 2026-02-01") as aged:
        with warnings.catch_warnings():
            warnings.simplefilter("error", TwinSnapshotWarning)  # no choice among twins, nothing to say of them
            assert twin_store.load(as_of="2026-02-01").attrs["fetched_at"] == pd.Timestamp("2026-01-15", tz="UTC")
    assert len(aged) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # by id: no choice and no age, nothing to say
        assert twin_store.load(other["snapshot_id"]).attrs["snapshot_id"] == other["snapshot_id"]


def test_catalog_size_counts_one_point_per_time(twin_history: pd.DataFrame) -> None:
    size = oc.catalog_size(twin_history)
    assert size["fetched_at"].is_unique and len(size) == 2
    for row in size.itertuples():
        ids = set(twin_history.loc[twin_history["fetched_at"] == row.fetched_at, "id"].astype(str))
        assert row.n_models == len(ids)  # a model in either twin is present then
    events = oc.catalog_events(twin_history)
    assert (events["event"] == "added").sum() == size["added"].iloc[1]
    assert (events["event"] == "removed").sum() == size["removed"].iloc[1]


def test_lifecycle_and_report_survive_twins(twin_history: pd.DataFrame, tmp_path: Path) -> None:
    life = oc.lifecycle(twin_history)
    assert life["id"].is_unique and life["listed_now"].any()
    index = oc.build_report(twin_history, tmp_path / "report")
    cost = oc.read_csv(index.parent / "workload_cost.csv")
    latest = twin_history[twin_history["fetched_at"] == twin_history["fetched_at"].max()]
    biggest = latest["snapshot_id"].astype(str).value_counts().idxmax()
    assert cost["id"].is_unique
    assert set(cost["id"].astype(str)) <= set(
        latest.loc[latest["snapshot_id"].astype(str) == biggest, "id"].astype(str)
    )


def test_plot_catalog_size_command_reads_a_store_with_twins(twin_store: oc.SnapshotStore, tmp_path: Path) -> None:
    """#15 at the command line: `plot catalog-size` on a store holding two snapshots at one time
    draws its chart (exit 0, a PNG); whatever it says on stderr is one-line warnings and notes."""
    from .conftest import run_cli

    result = run_cli(["plot", "catalog-size", "--store", str(twin_store.root), "-o", "size.png"], tmp_path)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "size.png").read_bytes()[:4] == b"\x89PNG"
    assert "Traceback" not in result.stderr and all(
        line.startswith(("warning: ", "note: ", "wrote ")) for line in result.stderr.splitlines()
    ), result.stderr
