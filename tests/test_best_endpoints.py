"""best_endpoints and plot_endpoints on the recorded endpoints bodies (and a failed-model row)."""

from __future__ import annotations

import copy
import gzip
from decimal import Decimal
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import orjson
import pandas as pd
import pytest

import orcatalog as oc
from orcatalog.fetch.endpoints import many_frame
from orcatalog.frames.endpoints import endpoints_body_frame, endpoints_frame


def _body(recorded_dir: Path, name: str) -> dict:
    return orjson.loads(gzip.decompress(sorted((recorded_dir / "endpoints").glob(f"{name}*.json.gz"))[-1].read_bytes()))


@pytest.fixture
def claude(recorded_dir: Path) -> dict:
    return _body(recorded_dir, "endpoints-anthropic--claude-sonnet-4.5")


def _cost(e: dict, prompt: int, completion: int) -> float:
    """The workload's cost by the spec's rules, from the raw endpoint (an override above its threshold)."""
    prices = dict(e["pricing"])
    for o in prices.get("overrides") or []:
        if prompt > o.get("min_prompt_tokens", 0):
            prices.update({k: v for k, v in o.items() if k != "min_prompt_tokens"})
    total = Decimal(prices["prompt"]) * prompt + Decimal(prices["completion"]) * completion
    return float(total * (1 - Decimal(str(e["pricing"].get("discount") or 0))))


def test_cheapest_meeting_constraints_per_model_with_reasons(claude: dict) -> None:
    endpoints = endpoints_body_frame(claude)
    prompt, completion = 300_000, 2_000  # above the 200k long-context threshold
    best = oc.best_endpoints(
        endpoints, prompt_tokens=prompt, completion_tokens=completion, max_latency_ms=2000, min_uptime=99.9
    )
    raw = {e["tag"]: e for e in claude["data"]["endpoints"]}
    assert set(best["tag"]) == set(raw) and best["chosen"].sum() == 1
    for row in best.itertuples():
        if raw[row.tag]["context_length"] >= prompt + completion:
            assert row.total_usd == pytest.approx(_cost(raw[row.tag], prompt, completion), rel=1e-12)
        else:  # one request does not fit: no cost (estimate_cost's rule), never the price it would have
            assert np.isnan(row.total_usd)
    qualifying = [
        t
        for t, e in raw.items()
        if e["context_length"] >= prompt + completion
        and e.get("latency_last_30m")
        and e["latency_last_30m"]["p50"] <= 2000
        and (e.get("uptime_last_1d") or 0) >= 99.9
    ]
    cheapest = min(_cost(raw[t], prompt, completion) for t in qualifying)
    chosen = best[best["chosen"]].iloc[0]
    assert chosen["tag"] in qualifying and chosen["total_usd"] == pytest.approx(cheapest)
    assert pd.isna(chosen["reason"]) and best.loc[~best["chosen"], "reason"].notna().all()
    reasons = dict(zip(best["tag"], best["reason"]))
    for tag, e in raw.items():
        if e["context_length"] < prompt + completion:
            assert reasons[tag] == f"context {e['context_length']:,} < one request ({prompt + completion:,} tokens)"
        elif e.get("latency_last_30m") is None:
            assert "latency p50 unknown" in reasons[tag]
            # the others report theirs: fetched with a key, so not "only with an API key" (trial)
            others = any(x.get("latency_last_30m") for x in raw.values())
            assert ("not reported for this endpoint" in reasons[tag]) == others
            assert ("only with an API key" in reasons[tag]) == (not others)
        elif e["latency_last_30m"]["p50"] > 2000:
            assert reasons[tag].startswith("latency p50")
        elif (e.get("uptime_last_1d") or 0) < 99.9:
            assert reasons[tag].startswith("uptime 1d")


def test_discount_and_price_differences_decide(claude: dict) -> None:
    body = copy.deepcopy(claude)
    eps = body["data"]["endpoints"]
    dear = next(e for e in eps if e["pricing"]["prompt"] != eps[0]["pricing"]["prompt"])
    dear["pricing"]["discount"] = 0.5  # the 10%-dearer regional endpoint at half price wins
    best = oc.best_endpoints(endpoints_body_frame(body), prompt_tokens=10_000, completion_tokens=1_000)
    chosen = best[best["chosen"]].iloc[0]
    assert chosen["tag"] == dear["tag"]
    assert chosen["total_usd"] == pytest.approx(_cost(dear, 10_000, 1_000))
    others = best[~best["chosen"]]
    assert others["reason"].str.startswith("not the cheapest").all()


def test_many_models_a_failed_one_and_dynamic_prices(recorded_dir: Path, claude: dict) -> None:
    gpt = _body(recorded_dir, "endpoints-openai--gpt-4o")
    router = copy.deepcopy(gpt["data"]["endpoints"][0])
    router.update(model_id="openrouter/auto", tag="router")
    router["pricing"].update(prompt="-1", completion="-1")
    frame = endpoints_frame([*claude["data"]["endpoints"], *gpt["data"]["endpoints"], router])
    failed = many_frame({}, {"nobody/nothing": oc.NotFoundError("GET x failed: HTTP 404", status=404)}, [])
    frame["error"] = pd.array([None] * len(frame), dtype="str")
    both = pd.concat([frame, failed], ignore_index=True)
    best = oc.best_endpoints(both, prompt_tokens=1_000, completion_tokens=500)
    assert set(best.loc[best["chosen"], "model_id"]) == {"anthropic/claude-sonnet-4.5", "openai/gpt-4o"}
    by_model = best.groupby("model_id")["reason"].first()
    assert by_model["nobody/nothing"].startswith("fetch failed: NotFoundError")
    assert by_model["openrouter/auto"].startswith("no price")
    # gpt-4o's two endpoints cost the same: the one with the normal status wins the tie
    statuses = {e["tag"]: e["status"] for e in gpt["data"]["endpoints"]}
    chosen = best[(best["model_id"] == "openai/gpt-4o") & best["chosen"]].iloc[0]
    assert statuses[chosen["tag"]] == 0 and min(statuses.values()) < 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"min_uptime": 101},
        {"max_latency_ms": -1},
        {"latency": "p95"},
        {"uptime": "1h"},
        {"min_context": "big"},
        {"prompt_tokens": -5},
    ],
)
def test_bad_constraints_are_invalid_parameters(claude: dict, kwargs: dict) -> None:
    args = {"prompt_tokens": 1000, **kwargs}
    with pytest.raises(oc.InvalidParameterError):
        oc.best_endpoints(endpoints_body_frame(claude), **args)
    with pytest.raises(oc.InvalidParameterError):
        oc.best_endpoints(pd.DataFrame({"id": ["a/b"]}), prompt_tokens=1)


def test_plot_price_vs_throughput_labels_every_drawn_endpoint(claude: dict, tmp_path: Path) -> None:
    endpoints = endpoints_body_frame(claude)
    fig, ax = plt.subplots()
    assert oc.plot_endpoints(endpoints, ax=ax) is ax
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    drawn = endpoints["throughput_p50"].notna() & (endpoints["effective_completion_usd_per_mtok"] > 0)
    points = np.concatenate([c.get_offsets() for c in ax.collections])
    assert len(points) == drawn.sum()
    assert set(points[:, 0]) == set(endpoints.loc[drawn, "throughput_p50"])
    labels = "\n".join(t.get_text() for t in ax.texts)
    for tag in endpoints["tag"]:
        assert tag in labels  # drawn ones next to their point, the others in the note
    assert {t.get_text() for t in ax.get_legend().get_texts()} == set(endpoints.loc[drawn, "provider_name"])
    # the recording has two endpoints at one price and throughput: drawn side by side on the screen
    # (their data unchanged), so neither hides the other, and their one label names both
    dots = [
        (tuple(xy), tuple(np.round(c.get_offset_transform().transform(xy), 3)))
        for c in ax.collections
        for xy in c.get_offsets()
    ]
    spots = [xy for xy, _ in dots]
    shared = {xy for xy in spots if spots.count(xy) > 1}
    assert shared
    for xy in shared:
        screen = [at for spot, at in dots if spot == xy]
        assert len(set(screen)) == len(screen)
        assert len({y for _, y in screen}) == 1  # side by side: the same height, the price
        shown = [t.get_text() for t in ax.texts if tuple(getattr(t, "xy", ())) == xy]
        tags = set(endpoints.loc[(endpoints["throughput_p50"] == xy[0]), "tag"])
        assert len(shown) == 1 and set(shown[0].split("\n")) == tags
    fig.savefig(tmp_path / "endpoints.png", dpi=60)
    assert (tmp_path / "endpoints.png").stat().st_size > 5_000
    plt.close(fig)
    both = pd.concat([endpoints, endpoints.assign(model_id="x/y")], ignore_index=True)
    with pytest.raises(oc.InvalidParameterError, match="model_id"):
        oc.plot_endpoints(both)
    with pytest.raises(oc.InvalidParameterError):
        oc.plot_endpoints(endpoints, price="image")
    plt.close("all")


def test_plot_of_a_model_without_throughput_data_is_an_error_not_an_empty_chart(recorded_dir: Path) -> None:
    gpt = endpoints_body_frame(_body(recorded_dir, "endpoints-openai--gpt-4o"))
    assert gpt["throughput_p50"].isna().all()  # recorded without a key: no statistics
    before = plt.get_fignums()
    with pytest.raises(oc.InvalidParameterError, match="throughput_p50 .*API key.*estimate_cost"):
        oc.plot_endpoints(gpt)
    assert plt.get_fignums() == before  # no figure left behind


def test_plot_of_many_providers_keeps_labels_apart_and_providers_distinct(tmp_path: Path) -> None:
    """Trial (issue 18): inception/mercury-2's 12 spec-shaped endpoints (11 providers) drew
    amazon-bedrock/eu-west-1 over google-vertex/global and together over fireworks, the 11th
    provider took the first one's blue, and the log price axis had two ticks. Labels are placed
    apart now, each provider has its own colour and marker pair, and the narrow axis its steps."""
    import requests

    from orcatalog.testing import ReplayServer

    with ReplayServer(spec_endpoints=True) as server:
        client = oc.Client(base_url=server.base_url, session=requests.Session())
        endpoints = oc.fetch_endpoints("inception/mercury-2", client=client)
    assert endpoints["provider_name"].nunique() > 10
    fig, ax = plt.subplots(figsize=(11, 6.5), layout="constrained")
    oc.plot_endpoints(endpoints, ax=ax)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    from matplotlib.text import Text

    boxes = [
        Text.get_window_extent(t, renderer)
        for t in ax.texts
        if t.get_text() and not t.get_text().startswith("not drawn")
    ]
    assert len(boxes) >= 10
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)
    looks = {
        (str(c.get_facecolor()[0].tolist()), str(c.get_paths()[0].vertices.round(3).tolist())) for c in ax.collections
    }
    drawn_providers = {t.get_text() for t in ax.get_legend().get_texts()}
    assert len(looks) == len(drawn_providers)  # no two providers look alike
    lo, hi = ax.get_ylim()
    assert (
        len([v for v in ax.yaxis.get_minorticklocs() if lo <= v <= hi])
        + len([v for v in ax.get_yticks() if lo <= v <= hi])
        >= 4
    )
    fig.savefig(tmp_path / "many.png", dpi=60)
    plt.close(fig)


@pytest.mark.parametrize(("lo", "hi"), [(5.77, 19.5), (0.52, 1.9), (2.1, 2.9)])
def test_a_narrow_log_axis_labels_its_whole_span(lo: float, hi: float) -> None:
    """Trial 18b: on a price axis from 5.77 to 19.5 the steps of a decade labelled 6, 7, 8, 9, 10
    and nothing above, so the dearest five endpoints (13.5-15) had no price to read against. A
    narrow axis gets round values across its span: one in each third of it, the ends included."""
    from orcatalog.plot._axes import _plain_log_ticks

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.set_yscale("log")
    ax.set_ylim(lo, hi)
    _plain_log_ticks(ax.yaxis, narrow=True)
    fig.canvas.draw()
    shown = sorted(
        float(t.get_text()) for v, t in zip(ax.get_yticks(), ax.get_yticklabels()) if lo <= v <= hi and t.get_text()
    )
    plt.close(fig)
    assert len(shown) >= 3, shown
    edges = np.geomspace(lo, hi, 4)
    for a, b in zip(edges, edges[1:]):
        assert any(a <= v <= b for v in shown), (a, b, shown)
