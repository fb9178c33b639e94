"""movers, market_trend, frontier, catalog_size, select and fold_variants on the real bodies and the
hourly series (vanished-and-returned models included)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pytest

import orcatalog as oc
from orcatalog.frames.models import models_frame

from .conftest import read_body


@pytest.fixture
def store(series_store: oc.SnapshotStore) -> oc.SnapshotStore:
    return series_store


@pytest.fixture
def history(hourly_history: pd.DataFrame) -> pd.DataFrame:
    return hourly_history


@pytest.fixture(scope="module")
def latest(latest_file: Path) -> pd.DataFrame:
    return models_frame(orjson.loads(read_body(latest_file))["data"])


def test_movers_match_the_snapshots_at_both_ends(store: oc.SnapshotStore, history: pd.DataFrame) -> None:
    start, end = "2025-12-19T12:00Z", "2026-01-07T00:00Z"
    m = oc.movers(history, start, end, n=5)
    a = store.load(as_of=start).set_index("id")["prompt_usd_per_mtok"]
    b = store.load(as_of=end).set_index("id")["prompt_usd_per_mtok"]
    both = pd.DataFrame({"a": a, "b": b}).dropna()
    both = both[(both["a"] > 0) & (both["a"] != both["b"])]
    pct = (both["b"] - both["a"]) / both["a"] * 100
    assert list(m.loc[m["direction"] == "up", "id"]) == list(pct[pct > 0].sort_values(ascending=False).index[:5])
    assert list(m.loc[m["direction"] == "down", "id"]) == list(pct[pct < 0].sort_values().index[:5])
    for row in m.itertuples():
        assert row.start_value == a[row.id] and row.end_value == b[row.id]
        assert row.pct_change == pytest.approx((row.end_value - row.start_value) / row.start_value * 100)
    assert set(m["unit"]) == {"USD/Mtok"}
    raw = oc.movers(history, start, end, field="price_prompt", n=5)  # the API's USD/token, shown per Mtok
    pd.testing.assert_frame_equal(raw.drop(columns="pct_change"), m.drop(columns="pct_change"))
    np.testing.assert_allclose(raw["pct_change"], m["pct_change"])
    if "price_request" in history.columns:
        assert set(oc.movers(history, start, end, field="price_request")["unit"]) <= {"USD/request"}
    with pytest.raises(oc.InvalidParameterError, match="'context_length' is not a price field"):
        oc.movers(history, start, end, field="context_length")  # price fields only (#15)


def test_movers_and_price_changes_take_a_price_by_its_table_heading(history: pd.DataFrame) -> None:
    """Tables print price_input_cache_read as price_input_cache_read_usd_per_mtok; movers and
    price_changes refused that name (issue 15): both names of a price mean its column, and an unknown
    name lists both names of every price, with the likely one."""
    start, end = "2025-12-19T12:00Z", "2026-01-07T00:00Z"
    for column in ("price_input_cache_read", "price_completion"):
        by_column = oc.movers(history, start, end, field=column, n=5)
        by_heading = oc.movers(history, start, end, field=f"{column}_usd_per_mtok", n=5)
        assert len(by_column) > 0
        pd.testing.assert_frame_equal(by_heading, by_column)
        events = oc.price_changes(history, fields=[column])
        assert len(events) > 0
        pd.testing.assert_frame_equal(oc.price_changes(history, fields=[f"{column}_usd_per_mtok", column]), events)
    with pytest.raises(oc.InvalidParameterError, match=r"did you mean 'price_completion_usd_per_mtok'\?.*"):
        oc.movers(history, start, end, field="price_completion_usd_per_mtk")
    with pytest.raises(
        oc.InvalidParameterError, match=r"fields='x' is not a price field; price fields: .*price_request_usd"
    ):
        oc.price_changes(history, fields=["x"])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        # as typed, to the minute: not 2026-01-01T23:59:59.999999999 (re-check trial)
        (
            {"start": "2026-01-05", "end": "2026-01-01"},
            r"start=2026-01-05 00:00 must be before end=2026-01-01 \(through that day\)$",
        ),
        ({"start": "x", "end": "2026-01-01"}, "not a time"),
        ({"start": "2026-01-01", "end": "2026-01-05", "field": "name"}, "not a price field"),
        ({"start": "2026-01-01", "end": "2026-01-05", "n": 0}, "n="),
    ],
)
def test_movers_bad_arguments(history: pd.DataFrame, kwargs: dict, message: str) -> None:
    with pytest.raises(oc.InvalidParameterError, match=message):
        oc.movers(history, **kwargs)
    with pytest.raises(oc.InvalidParameterError, match="the history is empty"):
        oc.movers(history.iloc[:0], "2026-01-01", "2026-01-05")


def test_market_trend_stands_each_day_by_its_last_snapshot(store: oc.SnapshotStore, history: pd.DataFrame) -> None:
    trend = oc.market_trend(history)
    days = pd.DatetimeIndex(history["fetched_at"]).floor("D").unique()
    assert len(trend) == len(days)
    row = trend.iloc[3]
    snap = store.load(as_of=row["snapshot_time"])
    assert row["n_models"] == len(snap)
    assert row["n_free"] == int(((snap["prompt_usd_per_mtok"] == 0) & (snap["completion_usd_per_mtok"] == 0)).sum())
    paid = snap[(snap["prompt_usd_per_mtok"] > 0) | (snap["completion_usd_per_mtok"] > 0)]
    paid = paid[~paid["dynamic_pricing"]]
    assert row["prompt_median"] == pytest.approx(paid["prompt_usd_per_mtok"].median())
    assert row["completion_q3"] == pytest.approx(paid["completion_usd_per_mtok"].quantile(0.75))
    assert (trend["prompt_q1"] <= trend["prompt_median"]).all() and (trend["prompt_median"] <= trend["prompt_q3"]).all()


@pytest.mark.parametrize("by", ["author", "input_modality", "context_band"])
def test_market_trend_by_group(history: pd.DataFrame, by: str) -> None:
    trend = oc.market_trend(history, by=by, freq="W")
    assert "group" in trend.columns and trend["group"].nunique() > 1
    last = trend[trend["period"] == trend["period"].max()]
    if by == "input_modality":
        assert {"text", "image"} <= set(last["group"])
    if by != "input_modality":  # a model is in exactly one group
        snap_ids = history[history["fetched_at"] == history["fetched_at"].max()]["id"].nunique()
        assert last["n_models"].sum() == snap_ids


@pytest.mark.parametrize("by", [None, "author", "input_modality", "context_band"])
def test_market_trend_of_a_filtered_history_keeps_its_own_index(history: pd.DataFrame, by: str | None) -> None:
    """A history cut by the user (one week, reversed, relabelled) keeps its index labels; the trend of
    those rows is the trend of the same rows renumbered (it used to read rows by label and fail with
    a KeyError, or pick other models' columns)."""
    week = history[history["fetched_at"] >= history["fetched_at"].max() - pd.Timedelta("7D")]
    assert week.index[0] != 0
    for rows in (week, week.iloc[::-1], week.set_axis(week.index * 10 + 3)):
        pd.testing.assert_frame_equal(
            oc.market_trend(rows, by=by, freq="D"), oc.market_trend(rows.reset_index(drop=True), by=by, freq="D")
        )


def test_market_trend_without_is_free_applies_the_is_free_rule(history: pd.DataFrame) -> None:
    """A history without is_free (columns= left it out) is split into free and paid by the contract's
    is_free rule on the prices it holds, so the trend is the same: a model with zero text prices but an
    image price is paid either way (it used to count as free when is_free was missing)."""
    free = history["is_free"].to_numpy(dtype=bool, na_value=False)
    one = history.loc[free, "id"].iloc[0]
    rows = history["id"] == one
    priced = history.assign(
        price_image=history["price_image"].mask(rows, 0.001), is_free=history["is_free"].mask(rows, False)
    )
    with_flag = oc.market_trend(priced, freq="D")
    before = oc.market_trend(history, freq="D")["n_free"]
    assert (with_flag["n_free"] <= before).all() and (with_flag["n_free"] < before).any()
    pd.testing.assert_frame_equal(oc.market_trend(priced.drop(columns=["is_free"]), freq="D"), with_flag)


def test_market_trend_bad_arguments(history: pd.DataFrame) -> None:
    with pytest.raises(oc.InvalidParameterError, match="by="):
        oc.market_trend(history, by="colour")
    with pytest.raises(oc.InvalidParameterError, match="freq"):
        oc.market_trend(history, freq="fortnightly-ish")


def _undominated(ok: pd.DataFrame) -> set[str]:
    x = ok["prompt_usd_per_mtok"].to_numpy(float)
    y = ok["context_length"].to_numpy(float)
    dominated = [bool(((x <= xi) & (y >= yi) & ((x < xi) | (y > yi))).any()) for xi, yi in zip(x, y)]
    return set(ok["id"][~np.array(dominated)])


def test_frontier_is_exactly_the_undominated_models(latest: pd.DataFrame) -> None:
    front = oc.frontier(latest)
    assert 1 <= len(front) < 30
    # candidates: paid (some listed price is not 0), not a router, text output: the cost rule
    text = latest["output_modalities"].map(lambda m: m is not None and "text" in list(m)).to_numpy(bool)
    paid = (latest["is_free"] == False).fillna(False).to_numpy(bool) & ~latest["dynamic_pricing"].to_numpy(bool)  # noqa: E712
    ok = latest[text & paid].dropna(subset=["prompt_usd_per_mtok", "context_length"])
    assert set(front["id"]) == _undominated(ok)
    assert (np.diff(front["prompt_usd_per_mtok"].to_numpy()) >= 0).all()
    with_free = oc.frontier(latest, include_free=True)
    assert set(with_free["id"]) == _undominated(
        latest[text & (paid | latest["is_free"].fillna(False).to_numpy(bool))].dropna(
            subset=["prompt_usd_per_mtok", "context_length"]
        )
    )
    reverse = oc.frontier(latest, x="completion_usd_per_mtok", y="context_length", minimize_x=False, maximize_y=False)
    assert reverse["completion_usd_per_mtok"].iloc[0] == latest.loc[text & paid, "completion_usd_per_mtok"].max()
    with pytest.raises(oc.InvalidParameterError, match="numeric"):
        oc.frontier(latest, x="name")


def test_catalog_size_counts_added_removed_and_returned(store: oc.SnapshotStore, history: pd.DataFrame) -> None:
    sizes = oc.catalog_size(history)
    ids = store.snapshots()["snapshot_id"].tolist()
    assert len(sizes) == len(ids)
    seen: set[str] = set()
    previous: set[str] = set()
    for i, sid in enumerate(ids):
        now = set(store.load(sid)["id"])
        row = sizes.iloc[i]
        assert row["n_models"] == len(now)
        assert row["added"] == len(now - seen)
        assert row["removed"] == len(previous - now)
        assert row["returned"] == len((now - previous) & seen)
        seen |= now
        previous = now
    assert sizes["returned"].sum() > 0  # models vanish and come back in the real series


def test_select_like_the_api_filters(latest: pd.DataFrame) -> None:
    free = oc.select(latest, free=True)
    assert len(free) and free["is_free"].all()
    vision_tools = oc.select(latest, input_modalities="image", supported_parameters=["tools"])
    assert len(vision_tools)
    for row in vision_tools.itertuples():
        assert "image" in list(row.input_modalities) and "tools" in list(row.supported_parameters)
    assert len(oc.select(latest, free=False)) + len(free) + latest["is_free"].isna().sum() == len(latest)
    with pytest.raises(oc.InvalidParameterError):
        oc.select(latest, free="yes")  # type: ignore[arg-type]
    with pytest.raises(oc.InvalidParameterError):
        oc.select(latest, input_modalities=3)  # type: ignore[arg-type]


def test_fold_variants_onto_the_base_model(latest: pd.DataFrame) -> None:
    folded = oc.fold_variants(latest)
    free_variants = folded[folded["id"].str.endswith(":free")]
    assert len(free_variants)
    for row in free_variants.itertuples():
        assert row.base_id == row.id[: -len(":free")]
    with_base = free_variants[free_variants["base_id"].isin(latest["id"])]
    assert (with_base["n_variants"] >= 2).all()
    plain = folded[~folded["id"].str.contains(":") & ~folded["id"].str.startswith("~")]
    assert (plain["base_id"] == plain["id"]).all()
    aliases = folded[folded["id"].str.startswith("~") & folded["alias_target_slug"].notna()]
    assert (aliases["base_id"] == aliases["alias_target_slug"].str.replace(r":[^/]*$", "", regex=True)).all()


def test_typos_and_empty_windows_are_errors_not_empty_answers(latest: pd.DataFrame, history: pd.DataFrame) -> None:
    with pytest.raises(oc.InvalidParameterError, match="did you mean 'image'"):
        oc.select(latest, input_modalities="imgae")
    with pytest.raises(oc.InvalidParameterError, match="did you mean 'tools'"):
        oc.select(latest, supported_parameters="tool")
    with pytest.raises(oc.InvalidParameterError, match="no snapshot before end"):
        oc.movers(history, "2020-01-01", "2021-01-01")  # a start before the first is the first (test_times)
    one = history[history["fetched_at"] == history["fetched_at"].max()]
    with pytest.raises(oc.InvalidParameterError, match="holds one snapshot time") as one_time:
        oc.movers(one, "2020-01-01")  # no end given: the error names none (issue 15: it blamed --until)
    assert "end" not in str(one_time.value)
    with pytest.raises(oc.InvalidParameterError, match="empty"):
        oc.market_trend(history.iloc[0:0])


def test_movers_leave_out_aliases_whose_target_changed(recorded_dir: Path, tmp_path: Path) -> None:
    """Trial R: 4 of the report's 15 biggest movers were ~...-latest aliases repointed at other models
    (~moonshotai/kimi-latest +288%), no model's price moved. An alias's price is its target's; movers
    leave aliases out and a note counts those whose price differs."""
    import gzip
    import json

    files = sorted((recorded_dir / "catalogs-2026-06-08").glob("models-*.json.gz"))
    assert len(files) == 2
    store = oc.SnapshotStore(tmp_path / "s")
    store.import_files(files, query={"output_modalities": "all"}, progress=False)
    bodies = [{m["id"]: m for m in json.loads(gzip.decompress(f.read_bytes()))["data"]} for f in files]
    moved = {
        i
        for i in set(bodies[0]) & set(bodies[1])
        if i.startswith("~") and bodies[0][i]["pricing"]["prompt"] != bodies[1][i]["pricing"]["prompt"]
    }
    assert moved  # the recording has repointed aliases
    m = oc.movers(store.history(), "2026-06-19", "2026-08-17", n=50)
    assert not m["id"].astype(str).str.startswith("~").any()
    assert any(note.startswith(f"{len(moved)} alias(es) (~author/...-latest) left out") for note in m.attrs["notes"])
    plain = [i for i in set(bodies[0]) & set(bodies[1]) if not i.startswith("~")]
    changed = {i for i in plain if bodies[0][i]["pricing"]["prompt"] != bodies[1][i]["pricing"]["prompt"]}
    assert set(m["id"].astype(str)) <= changed and len(m) == min(len(changed), 100)


def test_movers_leave_out_models_the_end_snapshot_no_longer_lists(recorded_dir: Path, tmp_path: Path) -> None:
    """Trial (issue 15): movers took each model's latest observation at or before each end, so a
    model the end snapshot no longer lists was ranked at its last price of months before (9 of the
    report's 20 movers from 2025-12-18 to 2026-08-17, liquid/lfm-2.2-6b among them, "-80%"). Each end
    is now the snapshot answering it: every row is in both, at its values there, and the notes
    count the models left out as no longer listed."""
    files = [recorded_dir / f"models-{d}.json.gz" for d in ("2025-12-18", "2026-01-29", "2026-04-17")]
    files += [recorded_dir / "catalogs-2026-06-08" / f"models-{d}.json.gz" for d in ("2026-06-19", "2026-08-17")]
    store = oc.SnapshotStore(tmp_path / "s")
    store.import_files(files, progress=False)
    history = store.history()
    first, last = (orjson.loads(read_body(f))["data"] for f in (files[0], files[-1]))
    start_ids, end_ids = {m["id"] for m in first}, {m["id"] for m in last}
    moved = oc.movers(history, "2025-12-18", "2026-08-17", n=50)
    assert len(moved) > 10
    assert set(moved["id"]) <= start_ids & end_ids
    price = {
        m["id"]: float(m["pricing"]["prompt"]) * 1e6 for m in last if m["pricing"].get("prompt") not in (None, "-1")
    }
    for row in moved.itertuples():
        assert row.end_value == pytest.approx(price[row.id], rel=1e-12), row.id
    gone = len(start_ids - end_ids)
    assert (
        gone > 0
        and f"{gone} model(s) listed at the start but no longer listed at the end left out" in moved.attrs["notes"]
    )
    # a partial latest catalog (a body of 300 of the 414 models, flagged on import): its missing models
    # may still be listed, and the note says so instead of calling them gone (re-check trial N1)
    part = tmp_path / "models-2026-08-18.json"
    part.write_bytes(orjson.dumps({"data": last[:300]}))
    with pytest.warns(oc.PartialSnapshotWarning):
        store.import_files(part, progress=False)
    later = oc.movers(store.history(), "2025-12-18", "2026-08-18", n=50)
    missing = len(start_ids - {m["id"] for m in last[:300]})
    (said,) = [n for n in later.attrs["notes"] if "left out" in n and "end snapshot" in n]
    assert said.startswith(
        f"{missing} model(s) listed at the start but missing from the end snapshot (2026-08-18 00:00 UTC)"
    )
    assert "flagged partial" in said and not any("no longer listed at the end" in n for n in later.attrs["notes"])
