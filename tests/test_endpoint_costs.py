"""estimate_cost on an endpoints frame (fetched from the replay server's recorded bodies): the cost
of one workload per provider, with overrides and discounts, ranked within each model; and
best_endpoints taking the same workload arguments."""

from __future__ import annotations

import copy
import gzip
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import orjson
import numpy as np
import pandas as pd
import pytest
import requests

import orcatalog as oc
from orcatalog.frames.endpoints import endpoints_body_frame
from orcatalog.testing import ReplayServer
from orcatalog.workload import TOKEN_ARGUMENTS

from .conftest import COMPACT_DIR

CATALOG = COMPACT_DIR / "models-2026-04-17.json.gz"
CLAUDE, GPT = "anthropic/claude-sonnet-4.5", "openai/gpt-4o"


def _body(recorded_dir: Path, name: str) -> dict:
    return orjson.loads(gzip.decompress(sorted((recorded_dir / "endpoints").glob(f"{name}*.json.gz"))[-1].read_bytes()))


def _cost(e: dict, prompt: int, completion: int, cached: int = 0) -> float:
    """The workload's cost by the spec's rules, from the raw endpoint: an override above its
    threshold, cached tokens (part of the prompt) at input_cache_read, then the discount."""
    prices = dict(e["pricing"])
    for o in prices.get("overrides") or []:
        if prompt > o.get("min_prompt_tokens", 0):
            prices.update({k: v for k, v in o.items() if k != "min_prompt_tokens"})
    cache_rate = Decimal(prices.get("input_cache_read") or prices["prompt"])
    total = (
        Decimal(prices["prompt"]) * (prompt - cached) + cache_rate * cached + Decimal(prices["completion"]) * completion
    )
    return float(total * (1 - Decimal(str(e["pricing"].get("discount") or 0))))


@pytest.fixture
def fetched(recorded_dir: Path, tmp_path: Path) -> Iterator[tuple[pd.DataFrame, dict[str, dict]]]:
    """Two models' endpoints fetched from the replay server serving the recorded bodies, one of them
    given a discount; and the raw endpoints by (model, tag)."""
    claude = copy.deepcopy(_body(recorded_dir, "endpoints-anthropic--claude-sonnet-4.5"))
    claude["data"]["endpoints"][3]["pricing"]["discount"] = 0.6  # the spec's discount: a fraction off
    gpt = _body(recorded_dir, "endpoints-openai--gpt-4o")
    raw = {(b["data"]["id"], e["tag"]): e for b in (claude, gpt) for e in b["data"]["endpoints"]}
    files = []
    for body in (claude, gpt):
        files.append(tmp_path / f"endpoints-{body['data']['id'].replace('/', '--')}-2026-09-01.json.gz")
        files[-1].write_bytes(gzip.compress(orjson.dumps(body)))
    with ReplayServer(CATALOG, endpoints=files) as server:
        client = oc.Client(base_url=server.base_url, session=requests.Session())
        frame = oc.fetch_endpoints(models=[CLAUDE, GPT, "nobody/nothing"], client=client)
    yield frame, raw


def test_estimate_cost_prices_each_endpoint_ranked_within_its_model(fetched: tuple[pd.DataFrame, dict]) -> None:
    frame, raw = fetched
    cost = oc.estimate_cost(frame, 300_000, 2_000, cached_tokens=100_000)
    assert {"model_id", "tag", "provider_name", "rank", "x_cheapest", "total_usd"} <= set(cost.columns)
    assert "id" not in cost.columns
    priced = cost[cost["error"].isna()]
    assert len(priced) == len(raw)
    too_small = 0
    for row in priced.itertuples():
        e = raw[(row.model_id, row.tag)]
        if e["context_length"] >= 302_000:
            assert row.total_usd == pytest.approx(_cost(e, 300_000, 2_000, 100_000), rel=1e-12)
        else:  # one request does not fit the endpoint's window: no cost, a note, never its price
            too_small += 1
            assert np.isnan(row.total_usd) and pd.isna(row.rank), row.tag
            assert row.note.startswith("its context window cannot hold one request of 302,000 tokens"), row.note
        assert row.provider_name == e["provider_name"]
    assert 0 < too_small < len(priced)
    priced = priced[priced["total_usd"].notna()]
    # ranked within each model: each model's rows cheapest first, rank 1 its cheapest
    for model, rows in priced.groupby("model_id", sort=False):
        assert rows["total_usd"].is_monotonic_increasing, model
        assert rows["rank"].iloc[0] == 1
        assert rows["x_cheapest"].iloc[0] == 1
        assert rows["rank"].tolist() == rows["total_usd"].rank(method="min").astype(int).tolist()
    # the discounted endpoint is the cheapest of its model
    discounted = raw[(CLAUDE, frame.loc[frame["model_id"] == CLAUDE, "tag"].iloc[3])]
    assert discounted["pricing"]["discount"] == 0.6
    cheapest = priced[(priced["model_id"] == CLAUDE) & (priced["rank"] == 1)]
    assert cheapest["tag"].tolist() == [discounted["tag"]]
    # the parts add up: the components' sum less discount_usd is the total, and discount_usd is
    # the discount's share of that sum (0 where there is none)
    parts = priced[[c for c in priced.columns if c.startswith("cost_")]].sum(axis=1)
    assert (parts - priced["discount_usd"]).to_numpy() == pytest.approx(priced["total_usd"].to_numpy(), rel=1e-11)
    share = [float(raw[(m, t)]["pricing"].get("discount") or 0) for m, t in zip(priced["model_id"], priced["tag"])]
    assert priced["discount_usd"].to_numpy() == pytest.approx((parts * share).to_numpy(), rel=1e-11)
    assert (priced["discount_usd"] > 0).sum() == 1  # the one discounted endpoint
    assert list(cost.columns).index("discount_usd") == list(cost.columns).index("total_usd") - 1
    assert np.isnan(cost.loc[cost["model_id"] == "nobody/nothing", "discount_usd"]).all()  # no total, nothing off
    # the model that could not be fetched: no total, no rank, the fetch error as its note
    failed = cost[cost["model_id"] == "nobody/nothing"].iloc[0]
    assert pd.isna(failed["total_usd"]) and pd.isna(failed["rank"])
    assert failed["note"].startswith("fetch failed: NotFoundError")
    # the index is the endpoints frame's own: rows join back
    assert frame.loc[cost.index, "tag"].fillna("-").tolist() == cost["tag"].fillna("-").tolist()


def test_best_endpoints_takes_every_workload_argument(recorded_dir: Path) -> None:
    claude = _body(recorded_dir, "endpoints-anthropic--claude-sonnet-4.5")
    frame = endpoints_body_frame(claude)
    raw = {e["tag"]: e for e in claude["data"]["endpoints"]}
    best = oc.best_endpoints(frame, prompt_tokens=300_000, completion_tokens=2_000, cached_tokens=100_000)
    fits = np.array([raw[t]["context_length"] >= 302_000 for t in best["tag"]])
    assert fits.any() and not fits.all()
    for row, fit in zip(best.itertuples(), fits):
        if fit:
            assert row.total_usd == pytest.approx(_cost(raw[row.tag], 300_000, 2_000, 100_000), rel=1e-12)
        else:  # no cost on an endpoint one request does not fit, and the reason gives the numbers
            assert (
                np.isnan(row.total_usd)
                and row.reason == f"context {raw[row.tag]['context_length']:,} < one request (302,000 tokens)"
            )
    plain = oc.best_endpoints(frame, prompt_tokens=300_000, completion_tokens=2_000)
    assert (best["total_usd"].to_numpy()[fits] < plain["total_usd"].to_numpy()[fits]).all()  # cached tokens cost less
    for name in TOKEN_ARGUMENTS:  # every workload argument of estimate_cost is taken
        if name not in ("prompt_tokens", "completion_tokens", "requests"):
            oc.best_endpoints(frame, prompt_tokens=1_000, completion_tokens=100, **{name: 0})
    with pytest.raises(oc.InvalidParameterError, match="cached_tokens"):
        oc.best_endpoints(frame, prompt_tokens=1_000, cached_token=10)


def test_a_catalog_given_as_endpoints_is_pointed_to_fetch_endpoints() -> None:
    from orcatalog.frames.models import list_frame

    catalog = list_frame(orjson.loads(gzip.decompress(CATALOG.read_bytes())))
    for call in (
        lambda: oc.best_endpoints(catalog, prompt_tokens=1_000),
        lambda: oc.plot_endpoints(catalog),
    ):
        with pytest.raises(oc.InvalidParameterError, match="fetch_endpoints") as caught:
            call()
        assert "fetch_models" not in str(caught.value)


def test_an_endpoint_one_request_does_not_fit_has_no_total(fetched: tuple[pd.DataFrame, dict]) -> None:
    """Trial (issue 18): estimate_cost on endpoints read each endpoint's context_length but not its
    max_completion_tokens, so gpt-4o's endpoints (16,384) got a total for 20,000 completion tokens
    in one request, which the models frame refuses. Each endpoint's own limits now hold, from its
    raw body; spread over requests that fit, the same endpoints are priced."""
    frame, raw = fetched
    cost = oc.estimate_cost(frame, 10_000, 20_000)
    gpt = cost[cost["model_id"] == GPT]
    limits = {tag: raw[(GPT, tag)].get("max_completion_tokens") for tag in gpt["tag"]}
    over = [tag for tag, limit in limits.items() if limit and limit < 20_000]
    assert over  # the recorded gpt-4o endpoints list 16,384
    for row in gpt[gpt["tag"].isin(over)].itertuples():
        assert np.isnan(row.total_usd) and "max_completion_tokens" in row.note, row.tag
    spread = oc.estimate_cost(frame, 10_000, 20_000, requests=2)
    assert spread.loc[spread["tag"].isin(over) & (spread["model_id"] == GPT), "total_usd"].notna().all()
