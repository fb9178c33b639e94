"""estimate_cost and price_at on the real bodies, the hourly series and the endpoints bodies with
long-context overrides, plus fixtures written from the spec's PricingOverride shape."""

from __future__ import annotations

import warnings

import copy
import gzip
import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pytest

import orcatalog as oc
from orcatalog.frames.models import models_frame

from .conftest import paid_rank, read_body
from .modalities import raw_unlisted_outputs


@pytest.fixture(scope="module")
def latest_models(latest_file: Path) -> list[dict]:
    return orjson.loads(read_body(latest_file))["data"]


@pytest.fixture(scope="module")
def latest(latest_models: list[dict]) -> pd.DataFrame:
    return models_frame(latest_models)


def D(value: object) -> Decimal:  # reads like the decimal literal it builds
    return Decimal(str(value))


def by_id(frame: pd.DataFrame, mid: str) -> pd.Series:
    rows = frame[frame["id"].astype(str) == mid]
    assert len(rows) == 1, mid
    return rows.iloc[0]


def test_prompt_and_completion_from_the_price_strings(latest: pd.DataFrame, latest_models: list[dict]) -> None:
    cost = oc.estimate_cost(latest, 1_000, 200)  # one request every model fits (estimate_cost's check 7)
    assert len(cost) == len(latest) and cost["id"].is_unique
    for model in latest_models:
        p = model["pricing"]
        if any(str(v).startswith("-") for v in p.values() if isinstance(v, str)):
            continue
        if raw_unlisted_outputs(model) and all(D(v) == 0 for k, v in p.items() if k != "overrides"):
            # 0 listed, an output's price not (lyria: audio): no number
            assert np.isnan(by_id(cost, model["id"])["total_usd"]), model["id"]
            continue
        expected = D(p["prompt"]) * 1_000 + D(p["completion"]) * 200 + D(p.get("request", "0"))
        assert by_id(cost, model["id"])["total_usd"] == float(expected), model["id"]  # exact: no float noise
    totals = cost["total_usd"].to_numpy()
    known = totals[~np.isnan(totals)]
    assert (np.diff(known) >= 0).all(), "ranked cheapest first"
    assert (known >= 0).all()
    assert cost.loc[cost["total_usd"] > 0, "rank"].iloc[0] == 1  # 1 = the cheapest paid model
    assert list(cost["rank"][: len(known)]) == paid_rank(known)
    paid = cost[cost["total_usd"] > 0]
    assert paid["x_cheapest"].iloc[0] == pytest.approx(1.0)
    assert (paid["x_cheapest"] >= 1).all()
    assert (cost.loc[cost["total_usd"] == 0, "x_cheapest"] == 0).all()


def test_note_is_a_plain_text_column(latest: pd.DataFrame) -> None:
    """Issue 15 (trial 5): the note column was categorical, so cost["note"].fillna("") raised
    (a fill value must be a category). It is text now, on a catalog and on a history."""
    cost = oc.estimate_cost(latest, 10_000, 1_000)
    filled = cost["note"].fillna("")
    assert (filled == "").sum() == cost["note"].isna().sum() > 0
    assert filled.str.contains("dynamic pricing").sum() == cost["note"].str.contains("dynamic pricing").sum() > 0
    assert pd.api.types.is_string_dtype(cost["note"].dtype)
    history = pd.concat([latest.assign(fetched_at=pd.Timestamp("2026-01-01", tz="UTC"), snapshot_id="a")] * 2)
    over_time = oc.estimate_cost(history, 10_000, 1_000)
    assert over_time["note"].fillna("").str.len().gt(0).sum() == 2 * (filled != "").sum()


def test_routers_get_a_note_never_a_number(latest: pd.DataFrame) -> None:
    cost = oc.estimate_cost(latest, 10_000, 1_000, web_searches=2)
    routers = cost[cost["id"].astype(str).isin(latest.loc[latest["dynamic_pricing"], "id"].astype(str))]
    assert len(routers) >= 1
    assert routers["total_usd"].isna().all()
    assert routers["note"].astype(str).str.contains("dynamic pricing").all()
    assert routers["rank"].isna().all()  # no total, no rank: NA, never 0
    assert cost["note"].notna().sum() == cost["total_usd"].isna().sum()  # no silent NaN
    numbers = cost.filter(like="cost_").to_numpy(dtype=float)
    assert not (numbers[~np.isnan(numbers)] < 0).any()


def test_absent_optional_price_is_zero_absent_base_price_is_unknown(latest_models: list[dict]) -> None:
    model = next(m for m in latest_models if m["id"] == "openai/gpt-4o")
    without = copy.deepcopy(model)
    without["pricing"].pop("web_search", None)
    without["pricing"].pop("request", None)
    no_prompt = copy.deepcopy(model)
    no_prompt["id"] = "openai/gpt-4o-noprompt"
    del no_prompt["pricing"]["prompt"]
    cost = oc.estimate_cost(models_frame([without, no_prompt]), 1_000, 100, requests=2)
    a = by_id(cost, "openai/gpt-4o")
    assert a["cost_requests"] == 0  # no request price listed: no fee per request
    assert a["total_usd"] == pytest.approx(
        float(D(model["pricing"]["prompt"]) * 1000 + D(model["pricing"]["completion"]) * 100)
    )
    b = by_id(cost, "openai/gpt-4o-noprompt")
    assert np.isnan(b["total_usd"]) and "no prompt/completion price" in b["note"]
    # no web_search price listed: the search engine's fee is not in the catalog, so unpriced, not free
    searched = by_id(oc.estimate_cost(models_frame([without]), 1_000, 100, web_searches=3), "openai/gpt-4o")
    assert np.isnan(searched["total_usd"]) and pd.isna(searched["rank"])
    assert "lists no web_search price" in searched["note"]


def test_parts_are_priced_at_their_own_key_or_the_base(latest: pd.DataFrame, latest_models: list[dict]) -> None:
    # small enough for one request to fit every model's window (2,048 tokens in 2024) and output limit
    cost = oc.estimate_cost(latest, 1_000, 200, cached_tokens=400, reasoning_tokens=50)
    checked = 0
    for model in latest_models:
        p = model["pricing"]
        if p.get("prompt") in (None, "-1") or p.get("completion") in (None, "-1"):
            continue
        if raw_unlisted_outputs(model) and all(D(v) == 0 for k, v in p.items() if k != "overrides"):
            continue  # an output whose price is not listed (lyria: audio): no number, checked in test_pricing_rules
        cache = D(p.get("input_cache_read") or "0") or D(p["prompt"])
        reason = D(p.get("internal_reasoning") or "0") or D(p["completion"])
        expected = (
            D(p["prompt"]) * 600 + cache * 400 + D(p["completion"]) * 150 + reason * 50 + D(p.get("request") or "0")
        )
        row = by_id(cost, model["id"])
        assert row["total_usd"] == pytest.approx(float(expected), rel=1e-12, abs=1e-15), model["id"]
        checked += 1
    assert checked > 300
    cached = next(
        m["id"]
        for m in latest_models
        if D(m["pricing"].get("input_cache_read") or "0") > 0
        and D(m["pricing"]["input_cache_read"]) < D(m["pricing"]["prompt"])
    )
    row = by_id(cost, cached)
    assert row["cost_cached"] < 400 * row["cost_prompt"] / 600  # its cache reads are cheaper than prompt


def test_usage_mapping_with_the_api_names(latest: pd.DataFrame) -> None:
    usage = {
        "prompt_tokens": 5000,
        "completion_tokens": 700,
        "prompt_tokens_details": {"cached_tokens": 1200, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 300},
        "total_tokens": 5700,
        "cost": 0.1,
    }
    a = oc.estimate_cost(latest, usage)
    b = oc.estimate_cost(latest, 5000, 700, cached_tokens=1200, reasoning_tokens=300)
    pd.testing.assert_frame_equal(a, b)
    dotted = {
        "prompt_tokens": 5000,
        "completion_tokens": 700,
        "prompt_tokens_details.cached_tokens": 1200,
        "completion_tokens_details.reasoning_tokens": 300,
    }
    pd.testing.assert_frame_equal(oc.estimate_cost(latest, dotted), b)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"prompt_tokens": -1}, "prompt_tokens"),
        ({"prompt_tokens": 100, "cached_tokens": 150}, "cached_tokens is a part of prompt_tokens"),
        ({"completion_tokens": 10, "reasoning_tokens": 11}, "reasoning_tokens is a part of completion_tokens"),
        ({"prompt_tokens": "many"}, "prompt_tokens"),
        ({"requests": 0}, "requests"),
        ({"prompt_tokens": 10, "at": "not a time"}, "at="),
        ({"prompt_tokens": {"cached": 3}}, "neither prompt_tokens"),
    ],
)
def test_bad_arguments_fail_clearly(latest: pd.DataFrame, kwargs: dict, message: str) -> None:
    with pytest.raises(oc.InvalidParameterError, match=message):
        oc.estimate_cost(latest, **kwargs)


def test_bad_frames_fail_clearly() -> None:
    with pytest.raises(oc.InvalidParameterError, match="DataFrame"):
        oc.estimate_cost([1, 2], 10)  # type: ignore[arg-type]
    with pytest.raises(oc.InvalidParameterError, match="price_prompt"):
        oc.estimate_cost(pd.DataFrame({"id": ["a/b"]}), 10)


# -- overrides: the recorded endpoints bodies (a min_prompt_tokens tier) -------------------------------------


def endpoint_models(recorded_dir: Path, name: str) -> tuple[list[dict], pd.DataFrame]:
    body = json.loads(gzip.decompress((recorded_dir / "endpoints" / name).read_bytes()))
    models = [
        {
            "id": f"{body['data']['id']}@{e['tag']}",
            "name": e["name"],
            "pricing": e["pricing"],
            "context_length": e["context_length"],
        }
        for e in body["data"]["endpoints"]
    ]
    return models, models_frame(models)


@pytest.mark.parametrize("prompt_tokens", [150_000, 200_000, 200_001, 600_000])
def test_long_context_tier_of_the_recorded_endpoints(recorded_dir: Path, prompt_tokens: int) -> None:
    models, frame = endpoint_models(recorded_dir, "endpoints-anthropic--claude-sonnet-4.5-2026-08-30.json.gz")
    assert frame["pricing_overrides"].notna().sum() == 6  # azure has no tier
    cost = oc.estimate_cost(frame, prompt_tokens, 10_000, cached_tokens=50_000, cache_write_tokens=20_000)
    fitting = 0
    for model in models:
        p = dict(model["pricing"])
        for entry in p.get("overrides", []):
            if prompt_tokens > entry["min_prompt_tokens"]:  # strictly greater
                p.update({k: v for k, v in entry.items() if k != "min_prompt_tokens"})
        expected = (
            D(p["prompt"]) * (prompt_tokens - 70_000)
            + D(p["input_cache_read"]) * 50_000
            + D(p["input_cache_write"]) * 20_000
            + D(p["completion"]) * 10_000
        )
        row = by_id(cost, model["id"])
        if model["context_length"] >= prompt_tokens + 10_000:
            assert row["total_usd"] == pytest.approx(float(expected), rel=1e-12), model["id"]
            fitting += 1
        else:  # the request does not fit this endpoint's window: no cost, never the tier's price
            assert np.isnan(row["total_usd"]) and row["note"].startswith("its context window cannot hold"), model["id"]
    assert fitting >= 2


def test_tier_compares_each_requests_whole_prompt(recorded_dir: Path) -> None:
    _, frame = endpoint_models(recorded_dir, "endpoints-anthropic--claude-sonnet-4.5-2026-08-30.json.gz")
    one = oc.estimate_cost(frame, 300_000, 0, requests=1)
    two = oc.estimate_cost(frame, 300_000, 0, requests=2)  # 150,000 per request: no tier
    anthropic = "anthropic/claude-sonnet-4.5@anthropic"
    assert by_id(one, anthropic)["total_usd"] == pytest.approx(300_000 * 6e-6)
    assert by_id(two, anthropic)["total_usd"] == pytest.approx(300_000 * 3e-6)


def spec_model(overrides: list[dict]) -> pd.DataFrame:
    """A model written from the spec's PricingOverride shape (no recorded body has windows yet)."""
    base = {"prompt": "0.000002", "completion": "0.000008", "input_cache_read": "0.0000005", "overrides": overrides}
    return models_frame([{"id": "spec/windowed", "pricing": base}])


@pytest.mark.parametrize(
    "at, prompt_rate",
    [
        ("2026-01-01T21:59:59Z", 2e-6),
        ("2026-01-01T22:00:00Z", 1e-6),  # inclusive start
        ("2026-01-01T23:30:00Z", 1e-6),
        ("2026-01-02T03:00:00Z", 1e-6),  # wrapped past midnight
        ("2026-01-02T05:59:00Z", 1e-6),
        ("2026-01-02T06:00:00Z", 2e-6),  # exclusive end
        ("2026-01-02T08:00:00+09:00", 1e-6),  # 23:00 UTC: a time with a zone is converted to UTC
    ],
)
def test_daily_utc_window_that_wraps(at: str, prompt_rate: float) -> None:
    frame = spec_model([{"utc_start": 2200, "utc_end": 600, "prompt": "0.000001"}])
    cost = oc.estimate_cost(frame, 1_000_000, 0, at=at)
    utc = pd.Timestamp(at).tz_convert("UTC")
    inside = utc.hour >= 22 or utc.hour < 6
    assert (prompt_rate == 1e-6) is inside
    assert cost["total_usd"].iloc[0] == pytest.approx(1e6 * prompt_rate)


def test_window_without_at_is_named_not_guessed() -> None:
    frame = spec_model([{"utc_start": 100, "utc_end": 500, "prompt": "0.000001"}])
    cost = oc.estimate_cost(frame, 1_000_000, 0)
    assert cost["total_usd"].iloc[0] == pytest.approx(2.0)
    assert "pass at=" in cost["note"].iloc[0]


def test_several_entries_later_wins_and_partial_keys_inherit() -> None:
    frame = spec_model(
        [
            {"min_prompt_tokens": 100_000, "prompt": "0.000004", "completion": "0.000016"},
            {"min_prompt_tokens": 100_000, "utc_start": 0, "utc_end": 1200, "prompt": "0.000003"},
            {"min_prompt_tokens": 500_000, "input_cache_read": "0.000001"},
        ]
    )
    night = oc.estimate_cost(frame, 200_000, 1_000, cached_tokens=100_000, at="2026-03-01T03:00Z").iloc[0]
    assert night["cost_prompt"] == pytest.approx(100_000 * 3e-6)  # entry 2 wins for prompt
    assert night["cost_completion"] == pytest.approx(1_000 * 16e-6)  # entry 1's completion stays
    assert night["cost_cached"] == pytest.approx(100_000 * 0.5e-6)  # entry 3 does not apply: base key
    day = oc.estimate_cost(frame, 200_000, 1_000, cached_tokens=100_000, at="2026-03-01T15:00Z").iloc[0]
    assert day["cost_prompt"] == pytest.approx(100_000 * 4e-6)
    big = oc.estimate_cost(frame, 600_000, 0, cached_tokens=100_000, at="2026-03-01T15:00Z").iloc[0]
    assert big["cost_cached"] == pytest.approx(100_000 * 1e-6)
    small = oc.estimate_cost(frame, 100_000, 0, at="2026-03-01T03:00Z").iloc[0]  # not strictly greater
    assert small["cost_prompt"] == pytest.approx(100_000 * 2e-6)


# -- history: cost over time, 2024 schemas -----------------------------------------------------------------


def test_check_workload_takes_exactly_estimate_costs_workload_arguments() -> None:
    """The command line checks a workload with check_workload before fetching; its arguments must stay
    estimate_cost's (the public signature is spelled out in both for help() and tab-completion)."""
    import inspect

    from orcatalog.analysis.cost import check_workload

    cost = dict(inspect.signature(oc.estimate_cost).parameters)
    cost.pop("models")
    assert str(inspect.Signature(list(cost.values()))) == str(
        inspect.signature(check_workload).replace(return_annotation=inspect.Signature.empty)
    )


def test_the_workload_travels_in_attrs(latest: pd.DataFrame) -> None:
    cost = oc.estimate_cost(latest, 100_000, 2_000, cached_tokens=40_000, requests=4)
    assert cost.attrs["workload"] == {
        "prompt_tokens": 100_000,
        "completion_tokens": 2_000,
        "cached_tokens": 40_000,
        "requests": 4,
    }
    assert cost[cost["total_usd"] > 0].attrs["workload"] == cost.attrs["workload"]  # pandas keeps it on filters


@pytest.mark.parametrize("snapshots", [40, 2_500], ids=["counted-per-snapshot", "many-distinct-totals"])
def test_rank_within_each_snapshot_on_both_paths(snapshots: int) -> None:
    """Ranks are counted per (snapshot, distinct total) when that table is small and come from a
    grouped rank when it is not (long histories with many distinct prices): both give the same answer,
    with ties, zero totals (free models) and missing prices (routers) in every snapshot."""
    rng = np.random.default_rng(snapshots)
    n = snapshots * 3
    prompt = rng.choice([0.0, 1e-6, 2e-6, np.nan, *rng.uniform(1e-7, 1e-5, 8)], n)
    frame = pd.DataFrame(
        {
            "id": [f"a/m{i % 3}" for i in range(n)],
            "fetched_at": pd.to_datetime(np.repeat(np.arange(snapshots), 3), unit="h", utc=True),
            "snapshot_id": pd.Categorical(np.repeat([f"s{i}" for i in range(snapshots)], 3)),
            "price_prompt": prompt + rng.integers(0, 2, n) * rng.uniform(0, 1e-6, n) * (snapshots > 100),
            "price_completion": np.where(np.isnan(prompt), np.nan, 1e-6),
        }
    )
    cost = oc.estimate_cost(frame, 1_000, 0)
    for _, group in cost.groupby("snapshot_id", observed=True):
        totals = group["total_usd"].to_numpy()
        known = ~np.isnan(totals)
        assert list(group["rank"][known]) == paid_rank(totals[known])
        assert group["rank"][~known].isna().all()
        paid = totals[known & (totals > 0)]
        expected_x = np.where(totals == 0, 0, totals / (paid.min() if len(paid) else np.nan))
        np.testing.assert_allclose(group["x_cheapest"].to_numpy(), expected_x)


def test_cost_over_time_follows_the_price_events(hourly_history: pd.DataFrame) -> None:
    cost = oc.estimate_cost(hourly_history, 1_000, 100)  # one request every model's window holds
    assert len(cost) == len(hourly_history)
    assert list(cost["fetched_at"]) == list(hourly_history["fetched_at"])  # the history's own order
    for _, group in cost.groupby("snapshot_id", observed=True):
        known = group.dropna(subset=["total_usd"])
        totals = known["total_usd"].to_numpy()
        assert list(known["rank"]) == paid_rank(totals)  # equal totals share the smaller rank
        paid = totals[totals > 0]
        assert known["x_cheapest"].to_numpy() == pytest.approx(np.where(totals == 0, 0, totals / paid.min()))
        assert group.loc[group["total_usd"].isna(), "rank"].isna().all()
    events = oc.price_changes(hourly_history, fields=["price_prompt"])
    model = events["id"].value_counts().index[0]
    series = cost[cost["id"].astype(str) == model].set_index("fetched_at")["total_usd"]
    h = hourly_history[hourly_history["id"].astype(str) == model].set_index("fetched_at")
    expected = h["price_prompt"] * 1_000 + h["price_completion"] * 100 + h["price_request"].fillna(0)
    pd.testing.assert_series_equal(series, expected, check_names=False)
    assert series.nunique() > 1


def test_every_recorded_schema_prices(dated_files: list[Path]) -> None:
    for path in dated_files:
        frame = models_frame(orjson.loads(read_body(path))["data"])
        cost = oc.estimate_cost(frame, 10_000, 1_000, requests=10)  # 1,100 tokens a request: every window holds it
        assert cost["total_usd"].notna().sum() > 0.9 * len(frame), path.name
        assert cost.loc[cost["total_usd"].isna(), "note"].notna().all(), path.name


# -- price_at ----------------------------------------------------------------------------------------------


def test_price_at_uses_the_price_of_the_day(hourly_history: pd.DataFrame) -> None:
    times = pd.DatetimeIndex(hourly_history.attrs["snapshot_times"]["/models output_modalities=text"])
    events = oc.price_changes(hourly_history, fields=["price_prompt"])
    event = events.iloc[0]
    mid = str(event["id"])
    t = pd.Timestamp(event["fetched_at"])
    first = times[0]
    usage = pd.DataFrame(
        {
            "model": [mid, mid, mid, "nobody/none", mid],
            "timestamp": [
                t - pd.Timedelta("1min"),
                t + pd.Timedelta("1min"),
                first - pd.Timedelta("1h"),
                t,
                str(t.tz_convert(None) + pd.Timedelta("2min")),
            ],
            "prompt_tokens": [1_000_000] * 5,
            "completion_tokens": [0] * 5,
        }
    )
    out = oc.price_at(usage, hourly_history)
    assert list(out.index) == list(usage.index) and list(out["model"]) == list(usage["model"])
    assert event["unit"] == "USD/Mtok"  # change reports show per-token prices per million tokens
    old, new = event["old"] / 1e6, event["new"] / 1e6
    assert out.loc[0, "price_prompt"] == pytest.approx(old)
    assert out.loc[1, "price_prompt"] == pytest.approx(new)
    assert out.loc[1, "total_usd"] == pytest.approx(event["new"])  # one million prompt tokens
    assert out.loc[4, "price_prompt"] == pytest.approx(new)  # a naive time is UTC
    assert list(out["price_source"].astype(str)) == ["exact", "exact", "missing", "missing", "exact"]
    assert np.isnan(out.loc[2, "total_usd"]) and np.isnan(out.loc[3, "total_usd"])
    assert out.loc[2, "note"].startswith("no observation")  # known, but not yet listed then
    assert out.loc[3, "note"].startswith("unknown model")  # listed by no snapshot at all
    assert out.loc[1, "observed_at"] == t
    # the note is text, as estimate_cost's (#15 leftover: price_at's was still categorical)
    assert pd.api.types.is_string_dtype(out["note"].dtype) and (out["note"].fillna("") == "").sum() == 3


def test_price_at_nearest_across_a_gap_with_its_age(hourly_history: pd.DataFrame) -> None:
    life = oc.lifecycle(hourly_history)
    gone = life[life["gaps"] > 0]
    assert len(gone)
    mid = str(gone["id"].iloc[0])
    seen = pd.DatetimeIndex(hourly_history.loc[hourly_history["id"].astype(str) == mid, "fetched_at"])
    gap_at = np.argmax(np.diff(seen.asi8))
    inside = seen[gap_at] + (seen[gap_at + 1] - seen[gap_at]) / 2
    out = oc.price_at(pd.DataFrame({"model": [mid], "timestamp": [inside], "prompt_tokens": [10]}), hourly_history)
    assert out.loc[0, "price_source"] == "nearest"
    assert out.loc[0, "observed_at"] == seen[gap_at]
    assert out.loc[0, "age"] == inside - seen[gap_at]


def test_price_at_exact_does_not_stretch_with_a_sparse_history(tmp_path: Path, recorded_dir: Path) -> None:
    """Issue 15 (trial 5): in a store of two catalogs 59 days apart (2026-06-19, 2026-08-17), rows
    priced from the June snapshot 41 to 59 days later were "exact", because the median gap of a
    two-snapshot history is 59 days. "exact" is at or before, within the store's snapshot step capped
    at a week (times.STALE_AFTER): those rows are "nearest", with their age."""
    from orcatalog.times import STALE_AFTER

    store = oc.SnapshotStore(tmp_path / "s26")
    store.import_files(sorted((recorded_dir / "catalogs-2026-06-08").glob("models-*.json.gz")), progress=False)
    history = store.history()
    first, last = sorted(pd.unique(history["fetched_at"]))
    assert last - first > pd.Timedelta("50D")
    mid = "openai/gpt-4o"
    after = [pd.Timedelta("1D"), STALE_AFTER, STALE_AFTER + pd.Timedelta("1s"), pd.Timedelta("41D")]
    usage = pd.DataFrame({"model": mid, "timestamp": [first + a for a in after] + [last], "prompt_tokens": 1000})
    out = oc.price_at(usage, history)
    assert list(out["price_source"].astype(str)) == ["exact", "exact", "nearest", "nearest", "exact"]
    assert list(out["age"]) == [*after, pd.Timedelta(0)]
    assert out["total_usd"].notna().all()  # nearest is still priced, from the older snapshot
    assert pd.Timedelta(out.attrs["interval"]) == STALE_AFTER


def test_price_at_checks_its_input(hourly_history: pd.DataFrame) -> None:
    with pytest.raises(oc.InvalidParameterError, match="model column"):
        oc.price_at(pd.DataFrame({"m": ["a"], "timestamp": ["2026-01-01"]}), hourly_history)
    with pytest.raises(oc.InvalidParameterError, match="not times"):
        oc.price_at(pd.DataFrame({"model": ["a"], "timestamp": ["yesterday-ish"]}), hourly_history)
    with pytest.raises(oc.InvalidParameterError, match="must be a whole number from 0 to"):
        oc.price_at(pd.DataFrame({"model": ["a"], "timestamp": ["2026-01-01"], "prompt_tokens": [-5]}), hourly_history)
    parts = pd.DataFrame(
        {
            "model": ["a"] * 3,
            "timestamp": ["2026-01-01"] * 3,
            "prompt_tokens": [10, 10, 10],
            "cached_tokens": [1, 20, 3],
        },
        index=["x", "y", "z"],
    )
    with pytest.raises(oc.InvalidParameterError, match=r"cannot exceed it \(usage row 'y'\)"):
        oc.price_at(parts, hourly_history)
    one = hourly_history.copy()
    one.attrs = {}
    mixed = pd.concat([one, one.assign(scope="other")])
    with pytest.raises(oc.InvalidParameterError, match="several scopes"):
        oc.price_at(pd.DataFrame({"model": ["a"], "timestamp": ["2026-01-01"]}), mixed)


def test_only_routers_or_no_rows_are_notes_not_crashes(latest: pd.DataFrame) -> None:
    routers = oc.estimate_cost(latest[latest["dynamic_pricing"]], 10, 10)
    assert len(routers) >= 1 and routers["total_usd"].isna().all() and routers["note"].notna().all()
    assert routers["rank"].isna().all()
    assert oc.estimate_cost(latest.iloc[0:0], 100, 10).empty


@pytest.mark.parametrize(
    "column, values, message",
    [
        ("completion_tokns", [10], r"not a token column \(did you mean 'completion_tokens'\?\); token columns: "),
        ("prompt_tokens", [float("nan")], "row 0"),
        ("prompt_tokens", ["abc"], "is abc"),
        ("prompt_tokens", [-3], "must be a whole number from 0 to"),
    ],
)
def test_price_at_refuses_tokens_it_cannot_count(
    hourly_history: pd.DataFrame, column: str, values: list, message: str
) -> None:
    usage = pd.DataFrame({"model": ["openai/gpt-4o"], "timestamp": ["2026-01-01"], column: values})
    with pytest.raises(oc.InvalidParameterError, match=message):
        oc.price_at(usage, hourly_history)
    with pytest.raises(oc.InvalidParameterError, match="empty"):
        oc.price_at(usage.drop(columns=[column]), hourly_history.iloc[0:0])


def test_the_workload_arguments_are_the_components_table() -> None:
    """estimate_cost and check_workload read their counts by the names of COMPONENTS: their
    signatures must list exactly those names (one table, no second list to keep in step)."""
    import inspect

    from orcatalog.analysis.cost import COMPONENTS, TOKEN_ARGUMENTS, check_workload, estimate_cost

    assert TOKEN_ARGUMENTS == tuple(c.argument for c in COMPONENTS)
    for fn in (estimate_cost, check_workload):
        params = [p for p in inspect.signature(fn).parameters if p not in ("models", "at", "output_modalities")]
        assert sorted(params) == sorted(TOKEN_ARGUMENTS), fn.__name__
    counts = check_workload(1000, 500, cached_tokens=100, reasoning_tokens=50, images=2, web_searches=1, requests=3)
    assert counts == {
        "prompt_tokens": 1000,
        "completion_tokens": 500,
        "cached_tokens": 100,
        "cache_write_tokens": 0,
        "audio_tokens": 0,
        "reasoning_tokens": 50,
        "audio_output_tokens": 0,
        "image_output_tokens": 0,
        "web_searches": 1,
        "images": 2,
        "requests": 3,
    }


def test_one_output_modality_vocabulary_everywhere(latest: pd.DataFrame) -> None:
    """'all' means every output wherever an output modality is asked for (the API's word, which
    import and fetch send); 'any' is its documented alias; an empty value is refused, never read as
    'no condition' (issue 15 trial: select raised on 'all' and returned everything for '')."""
    from orcatalog.fetch.params import list_query

    everything = oc.select(latest, output_modalities="all")
    pd.testing.assert_frame_equal(everything, latest)
    pd.testing.assert_frame_equal(oc.select(latest, output_modalities="any"), latest)
    assert 0 < len(oc.select(latest, output_modalities="image")) < len(latest)
    every = oc.estimate_cost(latest, 10, 10, output_modalities="all")
    pd.testing.assert_frame_equal(every, oc.estimate_cost(latest, 10, 10, output_modalities="any"))
    assert not every["note"].astype(str).str.contains("does not produce").any()
    with warnings.catch_warnings():  # "all" warns about models the text workload cannot price: not this test's
        warnings.simplefilter("ignore", oc.OrcatalogWarning)
        assert list(oc.frontier(latest, output_modalities="all")["id"]) == list(
            oc.frontier(latest, output_modalities="any")["id"]
        )
    assert list_query({"output_modalities": "any"}) == list_query({"output_modalities": "all"})
    for call in (
        lambda v: oc.select(latest, output_modalities=v),
        lambda v: oc.estimate_cost(latest, 10, 10, output_modalities=v),
        lambda v: oc.frontier(latest, output_modalities=v),
        lambda v: list_query({"output_modalities": v}),
    ):
        for empty in ("", " ", ","):
            with pytest.raises(oc.InvalidParameterError, match="output_modalities="):
                call(empty)
        with pytest.raises(oc.InvalidParameterError, match="unknown modality 'imag' \\(did you mean 'image'\\?\\)"):
            call("imag")  # one rule, one message
        with pytest.raises(oc.InvalidParameterError, match="'all' alone"):
            call("all,text")
    for name in ("input_modalities", "supported_parameters"):
        with pytest.raises(oc.InvalidParameterError, match=f"{name}="):
            oc.select(latest, **{name: ""})


def test_price_at_prices_web_searches_only_where_the_catalog_lists_a_search_price(
    hourly_history: pd.DataFrame,
) -> None:
    """The serving rule's search check is per usage row: a row with searches on a model that lists no
    web_search price has a note and no total; the same model's row without searches keeps its total."""
    last = hourly_history[hourly_history["fetched_at"] == hourly_history["fetched_at"].max()]
    search = last["price_web_search"].fillna(0).to_numpy(float)
    listed = last[(search > 0) & last["price_prompt"].gt(0).to_numpy()].iloc[0]
    unlisted = last[(search == 0) & last["price_prompt"].gt(0).to_numpy()].iloc[0]
    when = pd.Timestamp(listed["fetched_at"])
    usage = pd.DataFrame(
        {
            "model": [listed["id"], unlisted["id"], unlisted["id"]],
            "timestamp": [when] * 3,
            "prompt_tokens": [1_000] * 3,
            "web_searches": [2, 2, 0],
        }
    )
    out = oc.price_at(usage, hourly_history)
    assert Decimal(str(out.loc[0, "cost_web_search"])) == 2 * D(listed["price_web_search"])
    assert out.loc[0, "total_usd"] > 0 and pd.isna(out.loc[0, "note"])
    assert np.isnan(out.loc[1, "total_usd"]) and "lists no web_search price" in out.loc[1, "note"]
    assert Decimal(str(out.loc[2, "total_usd"])) == 1_000 * D(unlisted["price_prompt"])


@pytest.mark.parametrize("bad", [1e15, 10**13 + 1, -5, 1.5, float("nan"), float("inf")])
def test_a_count_outside_the_one_rule_is_refused_before_any_work(bad: float) -> None:
    """New-user trial: 1e15 tokens, a negative or a fractional count were priced (or refused with
    no bound said). The one rule of a count (analysis/cost.bad_counts): a whole number from 0 to
    10^13, for estimate_cost's arguments and price_at's usage columns alike."""
    from orcatalog.analysis.cost import MAX_COUNT, check_workload

    with pytest.raises(
        oc.InvalidParameterError, match=r"prompt_tokens=.* is invalid: give a whole number from 0 to 10,000,000,000,000"
    ):
        check_workload(bad, 10)
    with pytest.raises(oc.InvalidParameterError, match=r"web_searches=.* is invalid"):
        check_workload(10, 10, web_searches=bad)
    usage = pd.DataFrame(
        {"model": ["openai/gpt-4o"], "timestamp": ["2026-01-02"], "prompt_tokens": [bad], "completion_tokens": [1]}
    )
    history = pd.DataFrame(
        {
            "id": ["openai/gpt-4o"],
            "fetched_at": [pd.Timestamp("2026-01-01", tz="UTC")],
            "price_prompt": [2.5e-6],
            "price_completion": [1e-5],
        }
    )
    with pytest.raises(oc.InvalidParameterError, match=r"usage\['prompt_tokens'\] at row 0 .*whole number from 0"):
        oc.price_at(usage, history)
    assert check_workload(MAX_COUNT, 1e6)["prompt_tokens"] == MAX_COUNT  # the bound itself, and 1e6, are counts


def test_a_cost_frame_holds_its_numbers_without_binary_noise(recorded_dir: Path, tmp_path: Path) -> None:
    """Issue 15 (fourth trial): workload_cost.csv held 2.0999999999999996, an x_cheapest of two totals
    divided as floats. Every number of a cost frame is rounded by one rule (12 significant digits), so
    what CSV and parquet hold is the decimal the prices and counts give."""
    models = orjson.loads(read_body(recorded_dir / "catalogs-2026-06-08" / "models-2026-08-17.json.gz"))["data"]
    cost = oc.estimate_cost(models_frame(models), 1_000, 200)  # one request every model fits
    raw = {m["id"]: m["pricing"] for m in models}
    priced = cost[cost["total_usd"] > 0]
    plain = [i for i in priced["id"] if not {"overrides", "discount"} & set(raw[i])]  # no tier above 1M tokens
    assert len(plain) > 200
    totals = {i: D(t) for i, t in zip(priced["id"], priced["total_usd"])}
    for i in plain:  # the decimal the price strings and counts give
        assert totals[i] == 1_000 * D(raw[i]["prompt"]) + 200 * D(raw[i]["completion"]), i
    cheapest = min(totals.values())
    floats = priced["total_usd"].to_numpy() / float(cheapest)
    assert sum(float(f"{v:.12g}") != v for v in floats) >= 10  # the floats divided leave noise here
    for i, x in zip(priced["id"], priced["x_cheapest"]):
        assert D(x) == Decimal(f"{totals[i] / cheapest:.12g}"), i  # the decimal ratio, to 12 significant digits
    assert Decimal("2.1") in {D(x) for x in priced["x_cheapest"]}  # the trial's 2.0999999999999996
    oc.to_csv(cost, tmp_path / "cost.csv")
    oc.to_parquet(cost, tmp_path / "cost.parquet")
    for back in (oc.read_csv(tmp_path / "cost.csv"), oc.read_parquet(tmp_path / "cost.parquet")):
        for column in ["total_usd", "x_cheapest", *[c for c in cost.columns if c.startswith("cost_")]]:
            values = back[column].dropna().to_numpy(dtype=float)
            assert all(v == float(f"{v:.12g}") for v in values), column
