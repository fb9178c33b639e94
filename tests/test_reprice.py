"""reprice on the recorded activity body and the recorded catalogs of its time: the bill reproduced
where the data allows it, every other row flagged with its reason, alternatives chosen by the one
serving rule and a context window, and a summary whose numbers add up."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import orcatalog as oc
from orcatalog.analysis.catalog import paid
from orcatalog.analysis.endpoints import endpoint_costs
from orcatalog.analysis.reprice import (
    CACHE_READS,
    NO_SNAPSHOT,
    NOT_LISTED,
    NOT_LISTED_ON_DATE,
    ROUNDING_USD,
    reprice,
)
from orcatalog.frames.endpoints import endpoints_body_frame
from orcatalog.frames.models import models_frame

from .test_usage_fetch import activity_files


def catalog_files(recorded_dir: Path) -> list[Path]:
    return sorted(recorded_dir.rglob("models-2026-*.json.gz"), key=lambda p: p.name)


def nearest_catalog(recorded_dir: Path, usage: pd.DataFrame) -> Path:
    """The recorded catalog nearest the activity's days (the middle of its period)."""
    middle = usage["date"].min() + (usage["date"].max() - usage["date"].min()) / 2
    return min(
        catalog_files(recorded_dir),
        key=lambda p: abs(pd.Timestamp(p.name[len("models-") : -len(".json.gz")], tz="UTC") - middle),
    )


def read_catalog(path: Path) -> pd.DataFrame:
    return models_frame(json.loads(gzip.decompress(path.read_bytes()))["data"])


@pytest.fixture
def usage(recorded_dir: Path) -> pd.DataFrame:
    (path,) = activity_files(recorded_dir)
    return oc.read_usage(path)


@pytest.fixture
def catalog(recorded_dir: Path, usage: pd.DataFrame) -> pd.DataFrame:
    return read_catalog(nearest_catalog(recorded_dir, usage))


def test_bill_reproduced_within_rounding_where_the_data_allows(usage: pd.DataFrame, catalog: pd.DataFrame) -> None:
    """Non-BYOK rows priced at the catalog nearest the activity (models-2026-08-17).

    The activity body does not say how many prompt tokens were cache reads (billed at
    ``input_cache_read``, a fifth to a fiftieth of the prompt price), and a row is billed at the price
    of the endpoint that served it on that day, which may differ from the model's list price on
    08-17. So a row's bill is reproduced by the list price with its cached tokens, a whole number
    from 0 to ``prompt_tokens`` found from the bill itself: reprice with that ``cached_tokens`` must
    give ``usage_usd`` within the body's rounding (six decimals) plus half a token's price. On the
    recorded body that is 29 of the 67 listed non-BYOK rows. The others cannot be reproduced from a
    list price, and are flagged:

    - above the no-cache list price ("billed above list", 24 rows): deepseek-v4-flash on deepseek
      from 07-30 to 08-10 (the 08-17 catalog lists it at a halved, promotional 0.0714/0.1428 USD/Mtok),
      deepseek-v4-flash-0731 on deepseek after 08-16 (about twice its list price: the endpoint's
      own price), z-ai/glm-5.2 on five fp4/fp8 endpoints on 07-31 and 08-01 (its launch days, before
      the 08-17 price), gemma-4-31b-it on chutes, and lyria-3-pro-preview, whose catalog prices
      are 0 while it bills per generated track;
    - below the price with every prompt token cached ("billed below list", 14 rows): cheaper fp4/fp8
      endpoints (relace, open-inference, deepinfra, baidu, coreweave, gmicloud), two large
      deepseek-v4-flash-0731 and deepseek-v4-pro days on deepseek, a minimax-m3 row billed 0, and a
      gpt-5.6-terra row.

    Rows of models the catalog does not list (qwen3-embedding-8b, stealth/ox-alpha: 10 rows) are
    "not in this catalog", without a number. BYOK rows (29) are billed by the provider, not at list.
    """
    plain = reprice(usage, catalog, alternatives=[]).rows
    cached = reprice(usage.assign(cached_tokens=usage["prompt_tokens"]), catalog, alternatives=[]).rows
    byok = usage["byok_requests"].to_numpy(dtype=float) > 0
    assert (plain.loc[byok, "reason"] == "byok").all() and not plain.loc[byok, "agrees"].any()
    listed = plain["list_usd"].notna().to_numpy()
    assert (plain.loc[~listed, "note"] == NOT_LISTED).all() and (~listed).any()
    assert pd.api.types.is_string_dtype(plain["note"].dtype)  # text, as estimate_cost's and price_at's
    hi, lo = plain["list_usd"].to_numpy(), cached["list_usd"].to_numpy()
    bill = usage["usage_usd"].to_numpy()
    rows = ~byok & listed
    inside = rows & (bill <= hi + ROUNDING_USD) & (bill >= lo - ROUNDING_USD)
    assert inside.sum() >= rows.sum() / 3  # most rows are explained by list prices plus caching
    # the library says so: exactly these rows agree, through cache reads unless at list price itself
    assert plain["agrees"].to_numpy()[rows].tolist() == inside[rows].tolist()
    at_list = np.abs(bill - hi) <= ROUNDING_USD + 1e-12
    assert (plain.loc[inside & ~at_list, "reason"] == CACHE_READS).all()
    assert plain.loc[inside & at_list, "reason"].isna().all() and not cached["agrees"].to_numpy()[~inside].any()
    step = np.where(
        usage["prompt_tokens"].to_numpy(dtype=float) > 0,
        (hi - lo) / usage["prompt_tokens"].to_numpy(dtype=float).clip(1),
        0.0,
    )  # USD per cached token
    count = np.where(step > 0, np.round((hi - bill) / np.where(step > 0, step, 1)), 0).clip(0, None)
    count = np.minimum(count, usage["prompt_tokens"].to_numpy(dtype=float))
    again = reprice(usage[inside].assign(cached_tokens=count[inside]), catalog, alternatives=[]).rows
    error = np.abs(again["list_usd"].to_numpy() - bill[inside])
    assert (error <= ROUNDING_USD + step[inside] / 2 + 1e-12).all(), again.loc[
        error > ROUNDING_USD, ["model", "usage_usd"]
    ]
    # every other row says which way it disagrees
    above, below = rows & (bill > hi + ROUNDING_USD), rows & (bill < lo - ROUNDING_USD)
    assert (plain.loc[above, "reason"] == "billed above list").all()
    assert (plain.loc[below, "reason"] == "billed below list").all()
    assert plain["difference_usd"].to_numpy()[rows] == pytest.approx(bill[rows] - hi[rows])


def test_own_price_is_the_one_cost_rule(usage: pd.DataFrame, catalog: pd.DataFrame) -> None:
    rows = reprice(usage, catalog, alternatives=[]).rows
    for i in np.flatnonzero(rows["list_usd"].notna().to_numpy())[:8]:
        r = usage.iloc[i]
        cost = oc.estimate_cost(
            catalog[catalog["id"] == r["model"]],
            int(r["prompt_tokens"]),
            int(r["completion_tokens"]),
            reasoning_tokens=int(r["reasoning_tokens"]),
            requests=int(r["requests"]),
            output_modalities="any",
        )
        assert rows["list_usd"].iloc[i] == pytest.approx(cost["total_usd"].iloc[0], rel=1e-12)


def test_history_prices_each_row_on_its_day(usage: pd.DataFrame, recorded_dir: Path, tmp_path: Path) -> None:
    store = oc.SnapshotStore(tmp_path / "store")
    store.import_files(catalog_files(recorded_dir))
    history = store.history()
    result = reprice(usage, history, alternatives=[])
    rows = result.rows
    first = history.groupby("id")["fetched_at"].min()
    seen = usage["model"].map(first)
    before = (seen.isna() | (usage["date"] < seen)).to_numpy()
    assert rows.loc[before, "list_usd"].isna().all()
    on_date = before & usage["model"].isin(first.index).to_numpy()
    assert on_date.any() and (rows.loc[on_date, "note"] == NOT_LISTED_ON_DATE).all()
    assert rows.loc[~before, "list_usd"].notna().all()
    used = rows.loc[~before, "snapshot_id"]
    latest_at = [
        history.loc[(history["id"] == m) & (history["fetched_at"] <= d), "snapshot_id"].iloc[-1]
        for m, d in zip(usage.loc[~before, "model"], usage.loc[~before, "date"])
    ]
    assert used.tolist() == latest_at
    # a fixed time prices every row at the catalog of that time
    at = reprice(usage, history, alternatives=[], at=history["fetched_at"].max())
    assert at.rows["list_usd"].notna().sum() > rows["list_usd"].notna().sum()


def test_alternatives_follow_the_serving_rule_and_the_window(usage: pd.DataFrame, catalog: pd.DataFrame) -> None:
    text_only = catalog[catalog["output_modalities"].map(lambda m: list(m) == ["text"]) & paid(catalog)]
    small = text_only.sort_values("context_length").iloc[0]["id"]
    embed = catalog[catalog["output_modalities"].map(lambda m: "embeddings" in list(m))]
    chosen = [small, *embed["id"].head(1)]
    result = reprice(usage, catalog, alternatives=chosen)
    alt = result.alternatives
    assert set(alt["alternative"]) == set(chosen) and len(alt) == len(usage) * len(chosen)
    on_small = alt[alt["alternative"] == small].set_index("row")
    window = catalog.set_index("id").at[small, "context_length"]
    most = catalog.set_index("id").at[small, "max_completion_tokens"]
    # one average request, prompt + completion, must fit the window; its completion the output limit
    average = (usage["prompt_tokens"] + usage["completion_tokens"]) / usage["requests"]
    output = usage["completion_tokens"] / usage["requests"]
    listed_text = usage["model"].isin(text_only["id"]).to_numpy()
    too_big = listed_text & (average > window).to_numpy()
    too_long = listed_text & ~too_big & (output > (np.inf if pd.isna(most) else most)).to_numpy()
    fits = listed_text & ~too_big & ~too_long
    assert too_big.any() and fits.any()
    # the window counts the completion too: rows whose prompt alone would fit are still too big
    assert (too_big & (usage["prompt_tokens"] / usage["requests"] <= window).to_numpy()).any()
    assert on_small.loc[np.flatnonzero(too_big), "note"].str.contains("context window").all()
    assert on_small.loc[np.flatnonzero(too_long), "note"].str.startswith("max_completion_tokens").all()
    assert on_small.loc[np.flatnonzero(fits), "served"].all()
    assert not on_small.loc[np.flatnonzero(too_big | too_long), "served"].any()
    if len(embed):
        on_embed = alt[alt["alternative"] == embed["id"].iloc[0]]
        assert not on_embed.loc[on_embed["row"].isin(np.flatnonzero(listed_text)), "served"].any()
    # the own model unknown to the catalog: its output is unknown, no alternative is claimed
    unknown = np.flatnonzero(result.rows["note"].eq(NOT_LISTED).fillna(False).to_numpy())
    assert not alt.loc[alt["row"].isin(unknown), "served"].any()
    with pytest.raises(oc.InvalidParameterError, match="did you mean"):
        reprice(usage, catalog, alternatives=[small[:-1]])


def test_usage_without_requests_checks_no_window_and_says_so(usage: pd.DataFrame, catalog: pd.DataFrame) -> None:
    """Without a requests column a row's average request is unknown: a big row is not "too big" for
    every window (it may be many requests), and the notes say the windows were not checked."""
    text_only = catalog[catalog["output_modalities"].map(lambda m: list(m) == ["text"]) & paid(catalog)]
    small = text_only.sort_values("context_length").iloc[0]["id"]
    bare = usage.drop(columns=["requests"])
    big = np.flatnonzero((bare["prompt_tokens"] > catalog.set_index("id").at[small, "context_length"]).to_numpy())
    assert len(big)
    with_requests = reprice(usage, catalog, alternatives=[small])
    without = reprice(bare, catalog, alternatives=[small])
    assert not any("requests column" in n for n in with_requests.notes)
    assert any("no requests column" in n and "not checked" in n for n in without.notes)
    notes = without.alternatives.set_index("row").loc[big, "note"].astype(str)
    assert not notes.str.contains("context window").any()


def test_a_null_model_id_is_unpriced_not_a_crash(catalog: pd.DataFrame) -> None:
    rows = pd.DataFrame(
        {"model": [None, "openai/gpt-4o"], "prompt_tokens": [1000, 1000], "completion_tokens": [100, 100]}
    )
    for usage in (rows, rows.iloc[:1]):  # beside a known id, and alone
        result = reprice(usage, catalog, at="2026-08-17")
        assert np.isnan(result.rows["list_usd"].iloc[0]) and result.rows["note"].iloc[0] == NOT_LISTED
    assert result.rows is not None and reprice(rows, catalog, at="2026-08-17").rows["list_usd"].iloc[1] > 0


def test_summary_adds_up(usage: pd.DataFrame, catalog: pd.DataFrame) -> None:
    result = reprice(usage, catalog)
    summary = result.summary()
    alt = result.alternatives
    assert len(summary) == alt["alternative"].nunique() > 10
    billed = result.rows["billed_usd"].to_numpy()
    for _, s in summary.head(5).iterrows():
        mine = alt[(alt["alternative"] == s["alternative"]) & alt["served"]]
        assert s["total_usd"] == pytest.approx(mine["total_usd"].sum())
        assert s["billed_usd"] == pytest.approx(billed[mine["row"].to_numpy()].sum())
        assert s["saving_usd"] == pytest.approx(s["billed_usd"] - s["total_usd"])
        assert s["served_share"] == pytest.approx(len(mine) / len(usage))
    shares = summary["served_share"].to_numpy()
    assert (np.diff(shares) <= 0).all()
    top = summary[summary["served_share"] == shares[0]]["total_usd"].to_numpy()
    assert (np.diff(top) >= 0).all()
    # BYOK rows are billed what the provider charged on the user's key, plus OpenRouter's fee
    assert summary.attrs["billed_total_usd"] == pytest.approx(
        (usage["usage_usd"] + usage["byok_usage_inference_usd"]).sum()
    )
    assert not (summary["total_usd"] == 0).any() or (summary.loc[summary["total_usd"] == 0, "rows_served"] == 0).all()


def test_providers_of_the_same_model_as_alternatives(recorded_dir: Path) -> None:
    path = sorted((recorded_dir / "endpoints").glob("endpoints-openai--gpt-4o-*.json.gz"))[-1]
    endpoints = endpoints_body_frame(json.loads(gzip.decompress(path.read_bytes())), url=str(path))
    catalog = read_catalog(catalog_files(recorded_dir)[-1])
    usage = pd.DataFrame(
        {
            "model": ["openai/gpt-4o", "openai/gpt-4o", "anthropic/claude-opus-4.7"],
            "date": ["2026-08-20", "2026-08-21", "2026-08-21"],
            "prompt_tokens": [120_000, 3_000, 10],
            "completion_tokens": [4_000, 500, 10],
            "requests": [40, 3, 1],
            "usage_usd": [0.5, 0.01, 0.001],
        }
    )
    result = reprice(usage, catalog, alternatives=endpoints)
    alt = result.alternatives
    assert set(alt["row"]) == {0, 1}  # only the rows of the endpoints' model
    assert len(alt) == 2 * len(endpoints)
    expected = endpoint_costs(endpoints, 3_000, 500, requests=3)["total_usd"].to_numpy()
    got = alt[alt["row"] == 1]["total_usd"].to_numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert alt["alternative"].str.startswith("openai/gpt-4o@").all()


def test_bad_arguments_are_refused(usage: pd.DataFrame, catalog: pd.DataFrame) -> None:
    with pytest.raises(oc.InvalidParameterError, match="prompt_tokens"):
        reprice(usage.drop(columns=["prompt_tokens"]), catalog)
    with pytest.raises(oc.InvalidParameterError, match="at="):
        reprice(usage, catalog, at="last week")
    with pytest.raises(oc.InvalidParameterError, match="prices"):
        reprice(usage, usage)
    history = catalog.assign(fetched_at=pd.Timestamp("2026-08-17", tz="UTC"), snapshot_id="s")
    with pytest.raises(oc.InvalidParameterError, match="date"):
        reprice(usage.drop(columns=["date"]), history)


def test_plot_reprice_bars_and_the_bill(usage: pd.DataFrame, catalog: pd.DataFrame, tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    summary = reprice(usage, catalog).summary()
    fig, ax = plt.subplots()
    try:
        assert oc.plot_reprice(summary, ax=ax) is ax
        widths = [p.get_width() for p in ax.patches]
        assert widths == pytest.approx(summary["total_usd"].head(10).to_numpy()[::-1])
        (line,) = ax.get_lines()
        assert line.get_xdata()[0] == pytest.approx(summary["billed_usd"].iloc[0])
        fig.savefig(tmp_path / "reprice.png")
        assert (tmp_path / "reprice.png").stat().st_size > 10_000
        # issue 15 (trial 5): the legend sat over the last bar and the bill line; it is outside the Axes
        legend, plot_area = ax.get_legend().get_window_extent(), ax.get_window_extent()
        assert legend.x0 >= plot_area.x1 and not legend.overlaps(plot_area)
        # alternatives serving different rows: a tick per bar at its own bill, and the period's bill
        partial = summary[(summary["served_share"] > 0) & (summary["served_share"] < summary["served_share"].max())]
        assert len(partial)  # e.g. small context windows
        mixed = pd.concat([summary.head(1), partial.head(1)])
        mixed.attrs = dict(summary.attrs)
        ticks, period = oc.plot_reprice(mixed).get_lines()
        assert sorted(ticks.get_xdata()) == pytest.approx(sorted(mixed["billed_usd"]))
        assert period.get_xdata()[0] == pytest.approx(summary.attrs["billed_total_usd"])
        with pytest.raises(oc.InvalidParameterError, match="n="):
            oc.plot_reprice(summary, n=0)
        with pytest.raises(oc.InvalidParameterError):
            oc.plot_reprice(usage)
    finally:
        plt.close("all")


def test_the_rows_own_endpoint_is_found_by_its_tag(recorded_dir: Path) -> None:
    path = sorted((recorded_dir / "endpoints").glob("endpoints-openai--gpt-4o-*.json.gz"))[-1]
    endpoints = endpoints_body_frame(json.loads(gzip.decompress(path.read_bytes())), url=str(path))
    catalog = read_catalog(catalog_files(recorded_dir)[-1])
    tags = endpoints["tag"].astype(str).tolist()
    usage = pd.DataFrame(
        {
            "model": ["openai/gpt-4o"] * 2,
            "provider_name": [tags[-1], "nobody/fp8"],
            "date": ["2026-08-20", "2026-08-21"],
            "prompt_tokens": [3_000, 3_000],
            "completion_tokens": [500, 500],
            "requests": [3, 3],
            "usage_usd": [0.01, 0.01],
        }
    )
    result = reprice(usage, catalog, alternatives=endpoints)
    own = result.alternatives[result.alternatives["own_endpoint"]]
    assert own["row"].tolist() == [0] and own["alternative"].iloc[0] == f"openai/gpt-4o@{tags[-1]}"
    expected = endpoint_costs(endpoints, 3_000, 500, requests=3)["total_usd"].to_numpy()[-1]
    assert result.rows["endpoint_usd"].iloc[0] == pytest.approx(expected, rel=1e-12)
    assert np.isnan(result.rows["endpoint_usd"].iloc[1])  # a provider the frame does not list


def test_history_rows_priced_as_a_hand_join_and_the_cost_rule(hourly_history: pd.DataFrame) -> None:
    """Activity-shaped rows on the hourly history (the bench's shape): each priced row is its
    model's latest snapshot at or before its day (a hand-written merge_asof), at prompt, completion
    less reasoning, reasoning (its own rate, else completion's) and the request fee; every row
    without a price says why. The bill is set per row at list, between list and all-cached, below
    all-cached and above list, and each gets its reason. Model ids as text or as a categorical, and
    any subset of the rows, give the same rows."""
    h = hourly_history
    rng = np.random.default_rng(19)
    n = 3_000
    ids = [*pd.unique(h["id"].astype(str)), "nobody/unknown"]
    days = pd.date_range(h["fetched_at"].min().normalize(), h["fetched_at"].max().normalize(), freq="D", tz="UTC")
    completion = rng.integers(0, 20_000, n)
    usage = pd.DataFrame(
        {
            "date": rng.choice(days, n),
            "model": rng.choice(ids, n),
            "prompt_tokens": rng.integers(0, 5_000_000, n),
            "completion_tokens": completion,
            "reasoning_tokens": completion // 3,
            "requests": rng.integers(1, 500, n),
        }
    )
    right = h[["id", "fetched_at", *(c for c in h.columns if c.startswith("price_"))]].assign(
        id=h["id"].astype(str), fetched_at=h["fetched_at"].astype("datetime64[ns, UTC]")
    )
    left = usage.assign(date=usage["date"].astype("datetime64[ns, UTC]"), row=np.arange(n)).sort_values("date")
    hand = pd.merge_asof(
        left, right.sort_values("fetched_at"), left_on="date", right_on="fetched_at", left_by="model", right_by="id"
    )
    hand = hand.sort_values("row").reset_index(drop=True)
    reasoning_rate = hand["price_internal_reasoning"].where(
        hand["price_internal_reasoning"] > 0, hand["price_completion"]
    )
    cache_rate = hand["price_input_cache_read"].where(hand["price_input_cache_read"] > 0, hand["price_prompt"])
    rest = (
        (hand["completion_tokens"] - hand["reasoning_tokens"]) * hand["price_completion"]
        + hand["reasoning_tokens"] * reasoning_rate
        + hand["requests"] * hand["price_request"].fillna(0.0)
    ).to_numpy()
    listed = hand["prompt_tokens"].to_numpy() * hand["price_prompt"].to_numpy() + rest
    all_cached = hand["prompt_tokens"].to_numpy() * cache_rate.to_numpy() + rest
    zone = rng.integers(0, 4, n)  # at list, between, below all-cached, above list
    usage["usage_usd"] = np.select(
        [zone == 0, zone == 1, zone == 2],
        [listed, (listed + all_cached) / 2, all_cached / 2 - 1e-3],
        listed * 1.5 + 1e-3,
    )

    rows = reprice(usage, h, alternatives=[]).rows
    got = rows["list_usd"].to_numpy()
    priced = rows["note"].isna().to_numpy()
    assert priced.mean() > 0.8 and np.isnan(got[~priced]).all()
    np.testing.assert_allclose(got[priced], listed[priced], rtol=1e-9, atol=1e-12)
    unknown = (usage["model"] == "nobody/unknown").to_numpy()
    early = (usage["date"] < h["fetched_at"].min()).to_numpy()  # the first day, before its first snapshot
    assert early.any() and (rows.loc[early, "note"] == NO_SNAPSHOT).all()
    assert unknown.any() and (rows.loc[unknown & ~early, "note"] == NOT_LISTED).all()
    assert (rows.loc[~priced & ~unknown, "note"] != NOT_LISTED).all()
    # each row's reason follows its bill against the hand-computed list and all-cached prices
    cached_apart = priced & (listed - all_cached > 1e-3)  # a cache price that tells the zones apart
    expected = {0: None, 1: CACHE_READS, 2: "billed below list", 3: "billed above list"}
    for z, reason in expected.items():
        mine = rows["reason"][cached_apart & (zone == z)]
        assert len(mine) > 20
        assert (mine.isna() if reason is None else mine == reason).all(), (z, mine.value_counts())
    assert rows["agrees"].to_numpy()[cached_apart].tolist() == (zone[cached_apart] <= 1).tolist()

    as_categorical = reprice(usage.assign(model=usage["model"].astype("category")), h, alternatives=[]).rows
    pd.testing.assert_frame_equal(as_categorical.drop(columns="model"), rows.drop(columns="model"))
    part = usage.iloc[::7]
    pd.testing.assert_frame_equal(reprice(part, h, alternatives=[]).rows, rows.iloc[::7], check_categorical=False)
