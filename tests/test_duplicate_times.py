"""Readers tolerate two snapshots at the same fetched_at (stores imported before such imports were
refused hold them): catalog_size, catalog_events, lifecycle and the report."""

from __future__ import annotations

from pathlib import Path

import orjson
import pandas as pd
import pytest

import orcatalog as oc
import orcatalog.store as store_module
from orcatalog.store.migrate import migrate

from .conftest import read_body


@pytest.fixture(scope="module", params=["parquet", "migrated"])
def twin_history(
    tmp_path_factory: pytest.TempPathFactory, recorded_dir: Path, request: pytest.FixtureRequest
) -> pd.DataFrame:
    """Two real bodies recorded at one time (two catalogs of the same day), after an earlier one: in
    a store of the earlier parquet layout as an older orcatalog wrote it, or that store migrated to
    the Delta layout (the way a Delta store comes to hold twins)."""
    bodies = {
        n: orjson.loads(read_body(recorded_dir / n))
        for n in ("models-2026-01-15.json.gz", "models-2026-01-29.json.gz", "models-2026-04-17.json.gz")
    }
    root = tmp_path_factory.mktemp("twins")
    store = oc.SnapshotStore(root / "store", layout="parquet")
    with pytest.MonkeyPatch.context() as patch:  # such imports are refused now: write as an older orcatalog did
        patch.setattr(store_module, "refuse_same_time", lambda rows, manifest: None)
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
    history = store.history()
    assert history.groupby("fetched_at")["snapshot_id"].nunique().max() == 2  # the case under test
    return history


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
