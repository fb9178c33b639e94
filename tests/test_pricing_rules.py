"""Which models a workload is priced on, and what free means: on the newest recorded catalog
(2026-08-17: image_output, audio_output, overrides) and the spec-shaped fixture of image, video,
embedding, rerank, speech and transcription models (tests/modalities.py)."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import re

import numpy as np
import orjson
import pandas as pd
import pytest

import orcatalog as oc
from orcatalog.analysis.catalog import cheapest_paid, paid, serves
from orcatalog.analysis.cost import per_token_totals
from orcatalog.cli.output import price_label
from orcatalog.frames.models import models_frame
from orcatalog.schema import KNOWN_PRICE_KEYS, price_display_unit

from .conftest import paid_rank, read_body
from .modalities import SEEDREAM_IMAGE_TOKEN, fixture_models, raw_unlisted_outputs

NEWEST = Path("catalogs-2026-06-08") / "models-2026-08-17.json.gz"
# a month of 1,000 requests of 1,000 prompt + 200 completion tokens: one request fits every window
TEXT_WORKLOAD = {"prompt_tokens": 1_000_000, "completion_tokens": 200_000, "cached_tokens": 400_000, "requests": 1_000}


@pytest.fixture(scope="module")
def newest_models(recorded_dir: Path) -> list[dict]:
    return orjson.loads(read_body(recorded_dir / NEWEST))["data"]


@pytest.fixture(scope="module")
def mixed(newest_models: list[dict]) -> pd.DataFrame:
    """The newest recorded catalog plus the fixture's non-text models (the all-modalities shape)."""
    return models_frame(newest_models + fixture_models())


def _outputs(frame: pd.DataFrame) -> list[set[str]]:
    return [set(m) if m is not None else set() for m in frame["output_modalities"].tolist()]


def _raw_free(model: dict) -> bool | None:
    prices = {k: float(v) for k, v in model["pricing"].items() if k not in ("overrides", "discount")}
    if "prompt" not in prices or "completion" not in prices or any(v < 0 for v in prices.values()):
        return None
    if not all(v == 0 for v in prices.values()):
        return False
    return None if raw_unlisted_outputs(model) else True  # 0 listed, an output's price not listed: unknown


def test_is_free_only_when_every_listed_price_is_zero(dated_files: list[Path], newest_models: list[dict]) -> None:
    bodies = [orjson.loads(read_body(f))["data"] for f in dated_files] + [newest_models, fixture_models()]
    for models in bodies:
        frame = models_frame(models)
        expected = [_raw_free(m) for m in models]
        got = [None if pd.isna(v) else bool(v) for v in frame["is_free"]]
        assert got == expected
    fixture = models_frame(fixture_models()).set_index("id")
    assert not fixture.loc["bytedance-seed/seedream-5-0-lite", "is_free"]  # prices image_output
    assert fixture.loc["deepgram/flux-tts:free", "is_free"]


def test_a_music_model_listing_zero_is_not_free_and_never_costs_zero(newest_models: list[dict]) -> None:
    """Issue 15, third trial: google/lyria-3-pro-preview and lyria-3-clip-preview (the real 2026-08-17
    body) list prompt and completion "0" and nothing else, produce audio, and cost $0.08 per song by
    their descriptions. They were is_free, select(free=True), $0 rank 1 in estimate_cost, first on
    frontier(include_free=True) and in the report's free table. Their audio price is not listed:
    is_free is NA, and every answer leaves them out or says why. openrouter/free (a router listing
    "0", text output only) is free by the rule."""
    raw = {m["id"]: m for m in newest_models}
    lyria = ["google/lyria-3-pro-preview", "google/lyria-3-clip-preview"]
    for mid in lyria:
        assert set(raw[mid]["pricing"]) == {"prompt", "completion"} and float(raw[mid]["pricing"]["prompt"]) == 0
        assert "audio" in raw[mid]["architecture"]["output_modalities"] and raw_unlisted_outputs(raw[mid]) == ["audio"]
    frame = models_frame(newest_models)
    rows = frame.set_index("id")
    assert rows.loc[lyria, "is_free"].isna().all() and rows.loc["openrouter/free", "is_free"]
    assert not rows.loc["openai/gpt-audio", "is_free"]  # lists audio_output: paid, as before
    assert not set(lyria) & set(oc.select(frame, free=True)["id"]) and "openrouter/free" in set(
        oc.select(frame, free=True)["id"]
    )
    assert not set(lyria) & set(oc.select(frame, free=False)["id"])  # neither free nor paid
    cost = oc.estimate_cost(frame, **TEXT_WORKLOAD).set_index("id")
    for mid in lyria:
        assert np.isnan(cost.loc[mid, "total_usd"]) and pd.isna(cost.loc[mid, "rank"])
        assert cost.loc[mid, "note"] == "produces audio output at a price the catalog does not list: no cost"
    assert cost.loc["openrouter/free", "total_usd"] == 0 and cost.loc["openrouter/free", "rank"] == 0  # free
    audio = oc.estimate_cost(frame, 1000, 1000, audio_output_tokens=1000, output_modalities="audio").set_index("id")
    assert audio.loc[lyria, "note"].str.contains("audio output at a price the catalog does not list").all()
    assert audio.loc["openai/gpt-audio", "total_usd"] > 0
    front = oc.frontier(frame, include_free=True)
    assert not set(lyria) & set(front["id"])
    # the same rule where a frame has no is_free column (price_at's matched rows, trends)
    no_flag = frame.drop(columns=["is_free"])
    again = oc.estimate_cost(no_flag, **TEXT_WORKLOAD).set_index("id")
    assert again.loc[lyria, "note"].equals(cost.loc[lyria, "note"])


def test_a_text_workload_is_never_priced_at_zero_on_a_model_that_cannot_serve_it(mixed: pd.DataFrame) -> None:
    cost = oc.estimate_cost(mixed, **TEXT_WORKLOAD)
    rows = mixed.set_index("id").loc[cost["id"]]
    outputs = _outputs(rows)
    total = cost["total_usd"].to_numpy()
    text = np.array(["text" in o for o in outputs])
    assert np.isnan(total[~text]).all()  # image, video, embedding, rerank, speech: a note, no number
    assert cost.loc[~text, "note"].astype(str).str.contains("does not produce text output").all()
    free = rows["is_free"].fillna(False).to_numpy(bool)
    assert (free[total == 0]).all() and (total[free & text] == 0).all()  # 0 means free, nothing else
    assert cost.loc[np.isnan(total), "note"].notna().all()
    assert cost.loc[np.isnan(total), "rank"].isna().all() and cost["rank"].dtype == "Int64"  # NA, not 0
    priced = cost[~np.isnan(total)]
    assert priced["rank"].tolist() == paid_rank(priced["total_usd"].to_numpy())
    assert cost.attrs["output_modalities"] == ["text"]


def test_a_prompt_only_workload_is_priced_on_text_models_unless_it_names_another_output(
    mixed: pd.DataFrame, newest_models: list[dict]
) -> None:
    """Issue 15 (fourth trial): 1M prompt tokens and no completion asked for no output, so
    deepgram/flux-tts:free (speech) ranked 1 at 0 USD and embedding, rerank and speech models were
    priced by their prompt price. The default output (text) holds for every workload; an embeddings
    workload says so."""
    cost = oc.estimate_cost(mixed, 1_000_000, 0, requests=1_000).set_index("id")
    assert cost.attrs["output_modalities"] == ["text"]
    text = np.array(["text" in o for o in _outputs(mixed.set_index("id").loc[cost.index])])
    others = cost.index[~text]
    assert {"deepgram/flux-tts:free", "openai/text-embedding-3-small", "voyageai/rerank-2.5"} <= set(others)
    assert cost.loc[others, "total_usd"].isna().all() and cost.loc[others, "rank"].isna().all()
    assert cost.loc[others, "note"].str.contains("does not produce text output").all()
    first = cost.index[cost["rank"] == 1]
    assert len(first) and text[cost.index.get_indexer(first)].all()
    raw = {m["id"]: m["pricing"] for m in newest_models}
    paid = [i for i in cost.index[text] if i in raw and Decimal(raw[i]["prompt"]) > 0][:20]
    assert paid and all(Decimal(str(cost.loc[i, "total_usd"])) == 1_000_000 * Decimal(raw[i]["prompt"]) for i in paid)

    embed = oc.estimate_cost(mixed, 1_000_000, 0, requests=1_000, output_modalities="embeddings").set_index("id")
    assert embed.attrs["output_modalities"] == ["embeddings"]
    ranked = embed.index[embed["rank"].notna()]
    produces = _outputs(mixed.set_index("id").loc[ranked])
    assert list(ranked) == ["openai/text-embedding-3-small"] and all("embeddings" in o for o in produces)
    assert Decimal(str(embed.loc["openai/text-embedding-3-small", "total_usd"])) == 1_000_000 * Decimal("0.00000002")
    assert embed.loc["deepgram/flux-tts:free", "note"].startswith("does not produce embeddings output")


def test_an_image_workload_prices_image_output_tokens(mixed: pd.DataFrame, newest_models: list[dict]) -> None:
    cost = oc.estimate_cost(mixed, 100, 3580, image_output_tokens=3580, output_modalities="image").set_index("id")
    seedream = cost.loc["bytedance-seed/seedream-5-0-lite"]
    assert Decimal(str(seedream["total_usd"])) == (3580 * Decimal(SEEDREAM_IMAGE_TOKEN)).quantize(Decimal("1e-12"))
    raw = {m["id"]: m["pricing"] for m in newest_models}["google/gemini-2.5-flash-image"]
    expected = 100 * Decimal(raw["prompt"]) + 3580 * Decimal(raw["image_output"])
    assert (
        Decimal(str(cost.loc["google/gemini-2.5-flash-image", "total_usd"])) == expected
    )  # ~$0.107: $30/M image tokens
    image = np.array(["image" in o for o in _outputs(mixed.set_index("id").loc[cost.index])])
    assert np.isnan(cost["total_usd"].to_numpy()[~image]).all()
    # no image tokens named: seedream's only prices are for a part the workload leaves out
    bare = oc.estimate_cost(mixed, 100, 0, output_modalities="image").set_index("id")
    assert np.isnan(bare.loc["bytedance-seed/seedream-5-0-lite", "total_usd"])
    assert (
        "priced only for parts the workload does not name (image_output, image_token)"
        in bare.loc["bytedance-seed/seedream-5-0-lite", "note"]
    )


def test_an_image_workload_without_image_tokens_gets_a_note_not_a_text_price(newest_models: list[dict]) -> None:
    """Issue 15: completion tokens asked for as image output were priced at the text completion
    rate on the recorded image models (gemini-3-pro-image's 5,000 tokens at $12/M instead of
    $120/M), with no note asking for the image tokens."""
    frame = models_frame(newest_models)
    separate = {
        m["id"]
        for m in newest_models
        if float(m["pricing"].get("image_output", 0)) > 0
        and Decimal(m["pricing"]["image_output"]) != Decimal(m["pricing"]["completion"])
    }
    assert len(separate) >= 5  # the 2026-08-17 recording lists image_output on its image models
    bare = oc.estimate_cost(frame, 1000, 5000, output_modalities="image").set_index("id")
    for mid in separate:
        assert np.isnan(bare.loc[mid, "total_usd"]) and pd.isna(bare.loc[mid, "rank"])
        assert "names no image_output_tokens=" in bare.loc[mid, "note"]  # the library's words
    assert not set(bare.index[bare["total_usd"].notna()]) & separate
    named = oc.estimate_cost(frame, 1000, 5000, image_output_tokens=5000, output_modalities="image").set_index("id")
    raw = {m["id"]: m["pricing"] for m in newest_models}
    for mid in separate:
        expected = 1000 * Decimal(raw[mid]["prompt"]) + 5000 * Decimal(raw[mid]["image_output"])
        assert Decimal(str(named.loc[mid, "total_usd"])) == expected.quantize(Decimal("1e-12"))
        assert pd.isna(named.loc[mid, "note"])
    text = oc.estimate_cost(frame, 1000, 5000).set_index("id")  # a text workload: their text price stands
    assert text.loc[sorted(separate), "total_usd"].notna().all()


def test_an_output_rate_equal_to_completion_is_priced_and_says_why(newest_models: list[dict]) -> None:
    """F19: asked for audio output without audio_output_tokens=, gpt-audio (audio_output $64/M,
    completion $10/M) was refused while gpt-audio-mini (both $2.40/M) was priced without a word:
    the same question answered two ways. The split cannot change the second's cost: it is priced,
    and its note says so; a row another check leaves out gets that check's note alone."""
    frame = models_frame(newest_models)
    raw = {m["id"]: m["pricing"] for m in newest_models}
    same = sorted(
        i
        for i, p in raw.items()
        if float(p.get("audio_output", 0)) > 0 and Decimal(p["audio_output"]) == Decimal(p["completion"])
    )
    differ = sorted(
        i
        for i, p in raw.items()
        if float(p.get("audio_output", 0)) > 0 and Decimal(p["audio_output"]) != Decimal(p["completion"])
    )
    assert "openai/gpt-audio-mini" in same and "openai/gpt-audio" in differ
    cost = oc.estimate_cost(frame, 10_000, 2_000, output_modalities="audio").set_index("id")
    for mid in same:
        expected = 10_000 * Decimal(raw[mid]["prompt"]) + 2_000 * Decimal(raw[mid]["completion"])
        assert Decimal(str(cost.loc[mid, "total_usd"])) == expected.quantize(Decimal("1e-12")), mid
        assert "equal to its completion rate" in cost.loc[mid, "note"] and "not needed" in cost.loc[mid, "note"]
    assert cost.loc[differ, "total_usd"].isna().all()
    assert cost.loc[differ, "note"].str.contains("names no audio_output_tokens=").all()
    text = oc.estimate_cost(frame, 10_000, 2_000).set_index("id")  # a text workload: no word about audio
    assert not text.loc[same, "note"].fillna("").str.contains("audio").any()
    too_big = oc.estimate_cost(frame, 10**9, 2_000, output_modalities="audio").set_index("id")
    assert too_big.loc[same, "note"].str.startswith("its context window cannot hold").all()
    assert not too_big.loc[same, "note"].str.contains("equal to its completion rate").any()


def test_image_token_alone_prices_image_output_as_is_free_reads_it(newest_models: list[dict]) -> None:
    """Trial R (F8): a model whose only image price is ``image_token`` (no ``image_output``) was not
    free by the is_free rule (OUTPUT_PRICE_KEYS: image is priced by image_output or image_token), yet
    the cost rule read image_output alone, called its completion price 0 "not priced per completion
    token" and left it out, and the frontier drew it nowhere. Both keys are per image token: the
    part is priced at the first of them listed. Made from a recorded image model: the image prices
    of each recorded model that lists image_output, moved to image_token."""
    raw = [m for m in newest_models if float(m["pricing"].get("image_output", 0)) > 0]
    assert len(raw) >= 5
    moved = []
    for m in raw:
        copy = json.loads(json.dumps(m))
        pricing = copy["pricing"]
        pricing["image_token"] = pricing.pop("image_output")
        copy["id"] = f"{m['id']}-image-token-only"
        moved.append(copy)
    frame = models_frame(raw + moved)
    assert not frame["is_free"].any()
    workload = {"image_output_tokens": 3_580, "output_modalities": "image"}
    cost = oc.estimate_cost(frame, 1_000, 3_580, **workload).set_index("id")
    for m in raw:
        pricing = m["pricing"]
        expected = 1_000 * Decimal(pricing["prompt"]) + 3_580 * Decimal(pricing["image_output"])
        both = cost.loc[[m["id"], f"{m['id']}-image-token-only"], "total_usd"]
        assert [Decimal(str(v)) for v in both] == [expected.quantize(Decimal("1e-12"))] * 2, m["id"]
    # and without the image tokens named, the image_token model asks for them as the others do
    bare = oc.estimate_cost(frame, 1_000, 3_580, output_modalities="image").set_index("id")
    assert bare.loc[[c["id"] for c in moved], "note"].str.contains("names no image_output_tokens=").all()
    # the per-token view (frontier) prices them alike
    totals = pd.Series(per_token_totals(frame, output_modalities="image"), index=frame["id"])
    assert (totals[[c["id"] for c in moved]].to_numpy() == totals[[m["id"] for m in raw]].to_numpy()).all()


def test_any_output_never_prices_completion_tokens_at_zero_on_a_paid_model(mixed: pd.DataFrame) -> None:
    """Issue 15: with output_modalities="any" an embedding model ranked among the cheapest for a
    chat workload: its completion price "0" priced 200k completion tokens at $0."""
    every = oc.estimate_cost(mixed, **TEXT_WORKLOAD, output_modalities="any").set_index("id")
    rows = mixed.set_index("id").loc[every.index]
    no_output_price = (rows["price_completion"] == 0) & ~rows["is_free"].fillna(True).astype(bool)
    assert {"openai/text-embedding-3-small", "voyageai/rerank-2.5"} <= set(rows.index[no_output_price])
    assert every.loc[no_output_price, "total_usd"].isna().all()
    assert every.loc[no_output_price, "note"].str.contains("not priced per completion token").all()
    total = every["total_usd"]
    free = rows["is_free"].fillna(False).astype(bool)
    assert free[total == 0].all()  # 0 still means free, and free models stay at 0
    text = oc.estimate_cost(mixed, **TEXT_WORKLOAD).set_index("id")
    both = text.index[text["total_usd"].notna()]
    pd.testing.assert_series_equal(every.loc[both, "total_usd"], text.loc[both, "total_usd"])
    # what a model that sells no completion tokens can be priced for: its prompt tokens alone
    embed = oc.estimate_cost(mixed, 1000, 0, output_modalities="embeddings").set_index("id")
    assert embed.loc["openai/text-embedding-3-small", "total_usd"] == 1000 * 0.00000002


def test_per_unit_parts_count_only_when_the_workload_names_them(recorded_dir: Path, mixed: pd.DataFrame) -> None:
    models = orjson.loads(read_body(recorded_dir / "models-2026-01-29.json.gz"))["data"]
    fees = {m["id"]: Decimal(m["pricing"]["request"]) for m in models if float(m["pricing"].get("request", 0)) > 0}
    assert fees  # perplexity/sonar and sonar-pro-search list a request fee
    frame = models_frame(models)
    unnamed = oc.estimate_cost(frame, 1000, 100).set_index("id")
    assert "cost_requests" not in unnamed.columns
    for mid in fees:
        assert "per-request price" in unnamed.loc[mid, "note"] and unnamed.loc[mid, "total_usd"] > 0
    named = oc.estimate_cost(frame, 1000, 100, requests=2).set_index("id")
    for mid, fee in fees.items():
        assert Decimal(str(named.loc[mid, "cost_requests"])) == 2 * fee
        assert pd.isna(named.loc[mid, "note"])
    video = oc.estimate_cost(mixed, 50, 0, output_modalities="video").set_index("id").loc["runway/gen-4.5"]
    assert np.isnan(video["total_usd"]) and "request" in video["note"]
    video = oc.estimate_cost(mixed, 50, 0, requests=1, output_modalities="video").set_index("id").loc["runway/gen-4.5"]
    assert video["total_usd"] == 0.25


def test_an_image_price_equal_to_the_prompt_price_is_not_a_per_image_fee(recorded_dir: Path) -> None:
    new = orjson.loads(read_body(recorded_dir / "models-2026-04-17.json.gz"))["data"]
    token_rate = {
        m["id"]
        for m in new
        if float(m["pricing"].get("image", 0)) > 0 and Decimal(m["pricing"]["image"]) == Decimal(m["pricing"]["prompt"])
    }
    assert token_rate  # every Gemini model since late January 2026
    cost = oc.estimate_cost(models_frame(new), 1000, 100, images=3).set_index("id")
    for mid in token_rate:
        assert np.isnan(cost.loc[mid, "total_usd"]) and "per image input token" in cost.loc[mid, "note"]
    old = orjson.loads(read_body(recorded_dir / "models-2025-05-07.json.gz"))["data"]
    per_image = {
        m["id"]: Decimal(m["pricing"]["image"])
        for m in old
        if float(m["pricing"].get("image", 0)) > 0 and m["pricing"]["image"] != m["pricing"]["prompt"]
    }
    assert per_image  # 2025: USD per input image (claude 0.0048 = "$4.8/K input imgs")
    cost = oc.estimate_cost(models_frame(old), 1000, 100, images=3).set_index("id")
    takes_images = {m["id"] for m in old if "image" in m["architecture"]["input_modalities"]}
    for mid, fee in per_image.items():
        if mid in takes_images:
            assert Decimal(str(cost.loc[mid, "cost_images"])) == 3 * fee
        else:  # gpt-4o-search-preview lists an image price but accepts text only: it cannot take the images
            assert np.isnan(cost.loc[mid, "total_usd"]) and "does not accept image input" in cost.loc[mid, "note"]
    assert per_image.keys() & takes_images and per_image.keys() - takes_images


def test_an_image_price_that_switches_unit_is_a_unit_change_not_a_cut(recorded_dir: Path) -> None:
    """2026-01-15 lists Gemini's ``image`` as a fee per input image; 2026-01-29 as its per-token
    prompt rate. diff and price_changes say ``unit changed`` (no percent), not a 99% cut (a new-user
    trial of issue 15 read gemini-2.0-flash-001's 2.58e-05 -> 1e-07 as -99.6% USD/image)."""

    def frame(name: str) -> pd.DataFrame:
        return models_frame(orjson.loads(read_body(recorded_dir / name))["data"])

    old, new = frame("models-2026-01-15.json.gz"), frame("models-2026-01-29.json.gz")
    o, n = old.set_index("id"), new.set_index("id")
    both = o.index.intersection(n.index)
    switched = {
        mid
        for mid in both
        if o.loc[mid, "price_image"] > 0
        and n.loc[mid, "price_image"] > 0
        and (o.loc[mid, "price_image"] == o.loc[mid, "price_prompt"])
        != (n.loc[mid, "price_image"] == n.loc[mid, "price_prompt"])
    }
    assert "google/gemini-2.0-flash-001" in switched
    d = oc.diff(old, new)
    rows = d[(d["field"] == "price_image") & d["id"].isin(switched)]
    assert set(rows["id"]) == switched and set(rows["kind"]) == {"unit changed"}
    assert rows["pct_change"].isna().all()
    stayed = d[(d["field"] == "price_image") & ~d["id"].isin(switched)]
    assert "unit changed" not in set(stayed["kind"])  # other image-price events keep their own kind
    history = pd.concat(
        [
            old.assign(fetched_at=pd.Timestamp("2026-01-15", tz="UTC")),
            new.assign(fetched_at=pd.Timestamp("2026-01-29", tz="UTC")),
        ]
    )
    changes = oc.price_changes(history, fields=["price_image"])
    assert set(changes.loc[changes["id"].isin(switched), "kind"]) == {"unit changed"}


def test_select_frontier_and_cheapest_paid_share_one_rule(mixed: pd.DataFrame) -> None:
    free_ids = set(mixed.loc[mixed["is_free"].fillna(False).to_numpy(bool), "id"])
    assert set(oc.select(mixed, free=True)["id"]) == free_ids
    assert "bytedance-seed/seedream-5-0-lite" not in free_ids
    assert set(oc.select(mixed, free=False)["id"]) == set(mixed.loc[paid(mixed), "id"])
    front = oc.frontier(mixed)
    candidates = mixed[paid(mixed) & serves(mixed, "text")]
    assert set(front["id"]) <= set(candidates["id"]) and len(front)
    cost = oc.estimate_cost(mixed, **TEXT_WORKLOAD)
    shown = cheapest_paid(cost, n=10)
    assert len(shown) == 10 and (shown["total_usd"] > 0).all()
    assert shown["rank"].tolist() == sorted(shown["rank"]) and shown["rank"].iloc[0] == 1
    assert set(shown["id"]) <= set(candidates["id"])
    left = shown.attrs["left_out"]
    assert left["free"] == int((cost["total_usd"] == 0).sum())
    assert sum(left.values()) + shown.attrs["shown_of"] == len(cost)


def test_output_modalities_are_checked(mixed: pd.DataFrame) -> None:
    with pytest.raises(oc.InvalidParameterError, match="text, image, audio, file, video, embeddings, rerank"):
        oc.estimate_cost(mixed, 10, 10, output_modalities="pictures")
    anything = oc.estimate_cost(mixed, 10, 0, output_modalities="any").set_index("id")
    assert anything.loc["openai/text-embedding-3-small", "total_usd"] == pytest.approx(10 * 2e-8)


@pytest.mark.parametrize(
    "key",
    [
        *KNOWN_PRICE_KEYS,
        "image_output",
        "image_token",
        "audio",
        "audio_output",
        "input_audio_cache",
        "input_cache_write_1h",
        "discount",
    ],
)
def test_units_of_the_price_keys_agree_everywhere(key: str) -> None:
    unit, factor = price_display_unit(f"price_{key}")
    label = price_label(f"price_{key}")
    if key == "discount":  # a fraction, never scaled
        assert (unit, factor) == ("fraction", 1.0) and label == "price_discount"
    elif key in ("request", "image", "web_search"):
        assert factor == 1.0 and unit in ("USD/request", "USD/image", "USD/search") and label == f"price_{key}_usd"
    else:
        assert (unit, factor) == ("USD/Mtok", 1e6) and label == f"price_{key}_usd_per_mtok"


def test_image_output_is_a_per_token_price_in_the_recording(recorded_dir: Path) -> None:
    body = json.loads(gzip.decompress((recorded_dir / NEWEST).read_bytes()))
    frame = models_frame(body["data"]).set_index("id")
    per_mtok = frame["price_image_output"].dropna() * 1e6
    # gemini-2.5-flash-image $30/M image tokens (Google), gpt-5-image $40/M, gpt-5-image-mini $8/M (OpenAI)
    assert per_mtok.round(6).loc[
        ["google/gemini-2.5-flash-image", "openai/gpt-5-image", "openai/gpt-5-image-mini"]
    ].tolist() == [30.0, 40.0, 8.0]


def test_the_cost_command_prices_a_prompt_only_workload_on_text_models_unless_told(
    tmp_path: Path, newest_models: list[dict]
) -> None:
    """The default output of a workload (text) holds on the command line for prompt tokens alone;
    --output-modality embeddings prices the embedding models."""
    from click.testing import CliRunner

    from orcatalog.cli import main
    from orcatalog.testing import ReplayServer

    body = tmp_path / "models-2026-08-17.json"
    body.write_bytes(orjson.dumps({"data": newest_models + fixture_models()}))
    frame = models_frame(newest_models + fixture_models())
    with ReplayServer(body) as server:
        env = {"ORCATALOG_BASE_URL": server.base_url}
        base = ["cost", "--prompt-tokens", "1000000", "--completion-tokens", "0", "--requests", "1000"]
        base += ["--include-free", "--format", "csv"]
        result = CliRunner().invoke(main, base, env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        printed = pd.read_csv(pd.io.common.StringIO(result.stdout))
        ranked = set(printed.loc[printed["total_usd"].notna(), "id"])
        expected = oc.estimate_cost(frame, 1_000_000, 0, requests=1_000)
        assert ranked and ranked <= set(expected.loc[expected["total_usd"].notna(), "id"])
        assert not ranked & {"deepgram/flux-tts:free", "openai/text-embedding-3-small", "voyageai/rerank-2.5"}
        embed = CliRunner().invoke(main, [*base, "--output-modality", "embeddings"], env=env, catch_exceptions=False)
        assert embed.exit_code == 0, embed.output
        printed = pd.read_csv(pd.io.common.StringIO(embed.stdout))
        priced = printed[printed["total_usd"].notna()]
        assert list(priced["id"]) == ["openai/text-embedding-3-small"] and list(priced["total_usd"]) == [0.02]


def test_cost_command_lists_the_cheapest_paid_models_that_serve(tmp_path: Path, newest_models: list[dict]) -> None:
    from click.testing import CliRunner

    from orcatalog.cli import main
    from orcatalog.testing import ReplayServer

    body = tmp_path / "models-2026-08-17.json"
    body.write_bytes(orjson.dumps({"data": newest_models + fixture_models()}))
    with ReplayServer(body) as server:
        env = {"ORCATALOG_BASE_URL": server.base_url}
        args = [
            "cost",
            "--prompt-tokens",
            "1000000",
            "--completion-tokens",
            "200000",
            "--cached",
            "400000",
            "--requests",
            "1000",
            "--format",
            "csv",
        ]
        result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        printed = pd.read_csv(pd.io.common.StringIO(result.stdout))
        expected = cheapest_paid(oc.estimate_cost(models_frame(newest_models + fixture_models()), **TEXT_WORKLOAD))
        paid_rows = printed[printed["total_usd"].notna()]
        assert list(paid_rows["id"]) == list(expected["id"])
        assert (paid_rows["total_usd"] > 0).all()
        assert "free: --include-free lists them" in result.stderr
        assert (
            printed.loc[printed["id"] == "bytedance-seed/seedream-5-0-lite", "note"].str.contains("text output").all()
        )
        image = CliRunner().invoke(
            main,
            [
                "cost",
                "--prompt-tokens",
                "100",
                "--completion-tokens",
                "3580",
                "--image-output",
                "3580",
                "--output-modality",
                "image",
                "--format",
                "csv",
            ],
            env=env,
        )
        assert image.exit_code == 0, image.output
        shown = pd.read_csv(pd.io.common.StringIO(image.stdout)).dropna(subset=["total_usd"])
        assert "bytedance-seed/seedream-5-0-lite" in set(shown["id"])
        unnamed = CliRunner().invoke(
            main,
            ["cost", "--prompt-tokens", "100", "--completion-tokens", "3580", "--output-modality", "image"]
            + ["--format", "csv"],
            env=env,
        )
        assert unnamed.exit_code == 0, unnamed.output
        notes = pd.read_csv(pd.io.common.StringIO(unnamed.stdout)).set_index("id")["note"]
        said = notes["google/gemini-2.5-flash-image"]  # a note, not a text price, in the command's words
        assert "names no --image-output" in said and "image_output_tokens" not in said
        bad = CliRunner().invoke(main, ["cost", "--prompt-tokens", "1", "--output-modality", "pictures"], env=env)
        assert bad.exit_code == 2 and "--output-modality 'pictures': unknown modality 'pictures'" in bad.output


def test_market_trend_takes_its_prices_from_paid_text_models(mixed: pd.DataFrame) -> None:
    h = mixed.assign(fetched_at=pd.Timestamp("2026-08-17T22:55Z"))
    trend = oc.market_trend(h).iloc[0]
    priced = mixed[paid(mixed) & serves(mixed, "text")].dropna(
        subset=["prompt_usd_per_mtok", "completion_usd_per_mtok"]
    )
    assert trend["n_paid"] == len(priced) and trend["n_free"] == int(mixed["is_free"].fillna(False).sum())
    assert trend["prompt_median"] == priced["prompt_usd_per_mtok"].median()
    assert "bytedance-seed/seedream-5-0-lite" not in set(priced["id"])  # 0 per text token, not a free text price


def test_price_vs_context_draws_free_by_the_is_free_rule(mixed: pd.DataFrame) -> None:
    """The chart had its own free rule (prompt price 0): seedream and the video model were drawn as
    free (issue 15 trial). Free is is_free; the chart draws the frontier's workload (text output by
    default, the serving rule), so seedream and the video model are not drawn at all and the legend
    counts them by output; a text model priced 0 per prompt token that lists other prices is not
    drawn as free either, and is counted."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    oc.plot_price_vs_context(mixed, ax=ax)
    free = ax.collections[1]
    text = serves(mixed, "text")
    drawn = mixed["context_length"].notna() & (mixed["prompt_usd_per_mtok"] == 0) & text
    n_free = int((drawn & mixed["is_free"].fillna(False)).sum())
    unknown = mixed["is_free"].isna().to_numpy()  # every price 0, an output's price not listed (Lyria)
    n_other = int((drawn & ~mixed["is_free"].fillna(False) & ~unknown).sum())
    n_unlisted = int((drawn & unknown).sum())
    assert "bytedance-seed/seedream-5-0-lite" in set(mixed.loc[~text, "id"])  # priced 0 per prompt token
    assert len(free.get_offsets()) == n_free
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    n_not_text = int((~text).sum())
    assert any(
        label.startswith(f"{n_not_text} not drawn, no text workload: ") and "image 1" in label and "video 1" in label
        for label in labels
    ), labels
    if n_other:
        assert f"{n_other} priced 0 here but not free (other prices): not drawn" in labels
    if n_unlisted:  # counted apart, under the output whose price is not listed
        assert any(label.startswith(f"{n_unlisted} priced 0 here, ") for label in labels), labels
    plt.close(fig)


def test_models_table_leaves_blank_the_per_token_cells_of_models_priced_otherwise(
    tmp_path: Path, newest_models: list[dict]
) -> None:
    """README's main command on an all-modalities catalog: a model that lists no per-token price but
    other prices (seedream per image token, runway per request, whisper per audio second) shows blank
    per-token cells and a footnote, never 0.0000 / 0.0000 beside free models (issue 15 trial)."""
    from click.testing import CliRunner

    from orcatalog.cli import main
    from orcatalog.testing import ReplayServer

    models = newest_models + fixture_models()
    frame = models_frame(models)
    zero = (frame["prompt_usd_per_mtok"] == 0) & (frame["completion_usd_per_mtok"] == 0)
    elsewhere = set(frame.loc[zero & ~frame["is_free"].fillna(True).astype(bool), "id"])
    assert {"bytedance-seed/seedream-5-0-lite", "runway/gen-4.5", "openai/whisper-1"} <= elsewhere
    body = tmp_path / "models-2026-08-17.json"
    body.write_bytes(orjson.dumps({"data": models}))
    with ReplayServer(body) as server:
        result = CliRunner().invoke(
            main, ["models", "--output-modalities", "all"], env={"ORCATALOG_BASE_URL": server.base_url}
        )
        csv = CliRunner().invoke(
            main,
            ["models", "--output-modalities", "all", "--format", "csv"],
            env={"ORCATALOG_BASE_URL": server.base_url},
        )
    assert result.exit_code == 0, result.output
    header, *lines = result.stdout.splitlines()
    ends = [m.end() for m in re.finditer(r"\S+", header)]
    names = header.split()
    cells = {}
    for line in lines:
        row = [line[a:b].strip() for a, b in zip([0, *[e + 1 for e in ends[:-1]]], ends)]
        cells[row[0]] = dict(zip(names, row))
    assert len(cells) == len(models)
    for mid, row in cells.items():
        per_token = (row["prompt_usd_per_mtok"], row["completion_usd_per_mtok"])
        if mid in elsewhere:
            assert per_token == ("", ""), mid
        elif mid in ("deepgram/flux-tts:free", "example/chat-small:free"):
            assert [float(v) for v in per_token] == [0, 0]  # free models keep their zeros
    assert f"{len(elsewhere)} model(s) list no per-token price but other prices" in result.stderr
    printed = pd.read_csv(pd.io.common.StringIO(csv.stdout)).set_index("id")  # the data keep the API's zeros
    assert (printed.loc[sorted(elsewhere), "prompt_usd_per_mtok"] == 0).all()


@pytest.mark.parametrize(
    ("part", "can", "note"),
    [
        ({"audio_output_tokens": 100_000}, lambda m: "audio" in m["architecture"]["output_modalities"], "audio"),
        ({"audio_tokens": 100_000}, lambda m: "audio" in m["architecture"]["input_modalities"], "audio input"),
        (  # Gemini's image price equals its prompt price: a per-token rate, no fee per image
            {"images": 10},
            lambda m: (
                "image" in m["architecture"]["input_modalities"]
                and not 0 < float(m["pricing"].get("image", 0)) == float(m["pricing"]["prompt"])
            ),
            "image input",
        ),
        ({"web_searches": 5}, lambda m: float(m["pricing"].get("web_search", 0)) > 0, "no web_search price"),
    ],
    ids=["audio_output", "audio_input", "images", "web_searches"],
)
def test_a_part_is_priced_only_on_models_that_can_serve_it(
    newest_models: list[dict], part: dict, can: object, note: str
) -> None:
    """Issue 15 trial: audio output/input, images and web searches on text-only models (or models
    without a search price) were priced 0 (or as text) and ranked 1. Now such a row has a note and
    no total; the rows that keep a total are exactly the ones whose body says they can serve it."""
    cost = oc.estimate_cost(models_frame(newest_models), 1_000_000, 200_000, requests=1_000, **part).set_index("id")
    raw = {m["id"]: m for m in newest_models}
    dynamic = {i for i, m in raw.items() if m["pricing"]["prompt"] == "-1"}
    unlisted = {i for i, m in raw.items() if raw_unlisted_outputs(m) and _raw_free(m) is None}  # lyria
    serving = {i for i, m in raw.items() if can(m) and i not in dynamic | unlisted}  # type: ignore[operator]
    priced = set(cost.index[cost["total_usd"].notna()])
    assert priced == serving and 0 < len(priced) < len(raw)
    assert cost.loc[list(unlisted), "total_usd"].isna().all() and cost.loc[list(unlisted), "note"].notna().all()
    others = cost.drop(index=list(serving | dynamic | unlisted))
    assert others["note"].astype(str).str.contains(note).all() and others["rank"].isna().all()
    assert cost.loc[cost["rank"] == 1].index.isin(list(serving)).all()
    if "web_searches" in part:  # counted at the listed price, exactly
        for mid in priced:
            expected = 5 * Decimal(raw[mid]["pricing"]["web_search"])
            assert Decimal(str(cost.loc[mid, "cost_web_search"])) == expected.quantize(Decimal("1e-12"))
    if "audio_output_tokens" in part:  # gpt-audio: 100k audio tokens at its own rate, the rest as text
        p = raw["openai/gpt-audio"]["pricing"]
        expected = 1_000_000 * Decimal(p["prompt"]) + 100_000 * (Decimal(p["completion"]) + Decimal(p["audio_output"]))
        assert Decimal(str(cost.loc["openai/gpt-audio", "total_usd"])) == expected


def test_frontier_and_its_chart_are_one_set_of_models_that_serve(mixed: pd.DataFrame) -> None:
    """Issue 15: frontier(df) put music and image models priced 0 per token on the frontier and the
    chart drew a different set. Both now take the cost rule's candidates (a text-token workload)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for output_modalities in ("text", "all"):
        if output_modalities == "all":  # the text workload cannot price the image, speech, ... models: said (trial)
            with pytest.warns(oc.OrcatalogWarning, match="ranks every model on the text workload") as said:
                front = oc.frontier(mixed, output_modalities=output_modalities)
            totals = per_token_totals(mixed, output_modalities="all")
            unpriced = int((np.isnan(totals) & ~mixed["dynamic_pricing"].to_numpy(dtype=bool)).sum())
            (text,) = [str(w.message) for w in said if "text workload" in str(w.message)]
            assert f"cannot price {unpriced} models" in text and unpriced >= 5
        else:
            front = oc.frontier(mixed, output_modalities=output_modalities)
        rows = mixed.set_index("id").loc[front["id"]]
        if output_modalities == "text":
            assert all("text" in o for o in _outputs(rows))
        per_token = rows[["price_prompt", "price_completion"]].sum(axis=1) > 0
        per_unit = rows.filter(like="price_").drop(columns=["price_prompt", "price_completion"]).fillna(0).gt(0)
        assert not (~per_token & per_unit.any(axis=1)).any()  # no model priced 0 per token but per unit
        assert len(front) >= 3 and not rows["is_free"].any()
    # on the output_modalities=all frame: seedream (per image token), runway (per request) and whisper
    # (per audio token) were on it at price 0
    with pytest.warns(oc.OrcatalogWarning, match="text workload"):
        every = oc.frontier(mixed, output_modalities="all")
    assert not {"bytedance-seed/seedream-5-0-lite", "runway/gen-4.5", "openai/whisper-1"} & set(every["id"])
    fig, ax = plt.subplots(figsize=(12, 8))
    try:
        oc.plot_price_vs_context(mixed, ax=ax)
        line = next(li for li in ax.get_lines() if li.get_label().startswith("frontier"))
        front = oc.frontier(mixed)
        assert {t.get_text() for t in ax.texts} == set(front["id"].astype(str))
        np.testing.assert_array_equal(line.get_xdata(), front["prompt_usd_per_mtok"].to_numpy(dtype=float))
        np.testing.assert_array_equal(line.get_ydata(), front["context_length"].to_numpy(dtype=float))
    finally:
        plt.close(fig)


def test_the_cost_command_ranks_priced_rows_only(tmp_path: Path, newest_models: list[dict]) -> None:
    from click.testing import CliRunner

    from orcatalog.cli import main
    from orcatalog.testing import ReplayServer

    body = tmp_path / "models-2026-08-17.json"
    body.write_bytes(orjson.dumps({"data": newest_models + fixture_models()}))
    with ReplayServer(body) as server:
        env = {"ORCATALOG_BASE_URL": server.base_url}
        args = ["cost", "--prompt-tokens", "1000000", "--completion-tokens", "200000", "--audio-input", "1000"]
        args += ["--requests", "1000"]
        table = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
        assert table.exit_code == 0, table.output
        assert table.stdout.splitlines()[0].split()[:2] == ["rank", "id"]
        csv = CliRunner().invoke(main, [*args, "--format", "csv"], env=env, catch_exceptions=False)
    printed = pd.read_csv(pd.io.common.StringIO(csv.stdout))
    priced = printed[printed["total_usd"].notna()]
    assert len(priced) >= 3
    assert priced["rank"].tolist() == paid_rank(priced["total_usd"].to_numpy())
    unpriced = printed[printed["total_usd"].isna()]
    assert unpriced["rank"].isna().all() and unpriced["note"].notna().all()
    assert unpriced["note"].str.contains("does not accept audio input").any()


def test_library_cli_and_report_rank_the_cheapest_paid_model_1(tmp_path: Path, newest_models: list[dict]) -> None:
    """Issue 15 (trial 5): estimate_cost gave 18 free models rank 1 at 0 USD and the cheapest paid
    model rank 19 (x_cheapest 1.00), while the cost command and the report, which leave free models
    out, called that model rank 1. One rule now: rank counts paid rows (1 = cheapest paid, what
    x_cheapest 1.00 is), a free row has rank 0, a row without a total NA."""
    from click.testing import CliRunner

    from orcatalog.cli import main
    from orcatalog.testing import ReplayServer

    frame = models_frame(newest_models)
    cost = oc.estimate_cost(frame, **TEXT_WORKLOAD)
    totals = cost["total_usd"].to_numpy()
    known = ~np.isnan(totals)
    assert (totals == 0).sum() >= 10  # the recorded catalog has free models to get wrong
    assert cost.loc[known, "rank"].tolist() == paid_rank(totals[known])
    cheapest = cost[cost["rank"] == 1]
    assert len(cheapest) and (cheapest["x_cheapest"] == 1).all() and (cheapest["total_usd"] > 0).all()
    assert (cost.loc[totals == 0, "rank"] == 0).all() and cost.loc[~known, "rank"].isna().all()
    shown = cheapest_paid(cost)  # the report's table
    assert shown["rank"].iloc[0] == 1 and shown["id"].iloc[0] == cheapest["id"].iloc[0]
    by_id = cost.set_index("id")["rank"]
    assert shown.set_index("id")["rank"].equals(by_id.loc[shown["id"]])

    body = tmp_path / "models-2026-08-17.json"
    body.write_bytes(orjson.dumps({"data": newest_models}))
    args = ["cost", "--prompt-tokens", "1000000", "--completion-tokens", "200000", "--cached", "400000"]
    args += ["--requests", "1000"]
    with ReplayServer(body) as server:
        env = {"ORCATALOG_BASE_URL": server.base_url}
        for extra in ([], ["--include-free"]):
            run = CliRunner().invoke(main, [*args, *extra, "--format", "csv"], env=env, catch_exceptions=False)
            assert run.exit_code == 0, run.output
            printed = pd.read_csv(pd.io.common.StringIO(run.stdout)).dropna(subset=["total_usd"])
            assert printed["rank"].astype(int).tolist() == by_id.loc[printed["id"]].astype(int).tolist(), extra
            assert (printed["total_usd"] == 0).any() == bool(extra)


def test_frontier_of_a_non_text_output_ranks_the_models_that_produce_it(mixed: pd.DataFrame) -> None:
    """Issue 15 trial: frontier(output_modalities="embeddings" / "speech" / "image") was empty, with no
    warning, although paid embedding and speech models are there: the per-token workload counted
    completion tokens, which those models price 0 ("cannot serve"). The workload is now what each
    output is priced on (per_token_totals); video, priced per request, is refused."""
    raw = {m["id"]: m["pricing"] for m in fixture_models()}
    totals = pd.Series(per_token_totals(mixed, output_modalities="embeddings"), index=mixed["id"])
    # embeddings: a million prompt tokens alone, at its prompt rate
    assert Decimal(str(totals["openai/text-embedding-3-small"])) == 1_000_000 * Decimal(
        raw["openai/text-embedding-3-small"]["prompt"]
    )
    speech = pd.Series(per_token_totals(mixed, output_modalities="speech"), index=mixed["id"])
    p = raw["openai/gpt-4o-mini-tts"]  # its completion tokens are speech, at its audio_output rate
    assert Decimal(str(speech["openai/gpt-4o-mini-tts"])) == 1_000_000 * (
        Decimal(p["prompt"]) + Decimal(p["audio_output"])
    )
    assert speech["deepgram/flux-tts:free"] == 0  # free, so not on the frontier unless asked
    expected = {
        "embeddings": {"openai/text-embedding-3-small"},
        "rerank": {"voyageai/rerank-2.5"},
        "speech": {"openai/gpt-4o-mini-tts"},
        "transcription": {"openai/whisper-1"},
    }
    for modality, ids in expected.items():
        front = oc.frontier(mixed, output_modalities=modality)
        assert set(front["id"]) == ids, modality
        assert all(modality in o for o in _outputs(front))
    image = oc.frontier(mixed, output_modalities="image")
    assert "bytedance-seed/seedream-5-0-lite" in set(image["id"]) and all("image" in o for o in _outputs(image))
    free = oc.frontier(mixed, output_modalities="speech", include_free=True)
    assert "deepgram/flux-tts:free" in set(free["id"])  # longer context is not the point: price 0 wins
    with pytest.raises(oc.InvalidParameterError, match="video models are priced per request"):
        oc.frontier(mixed, output_modalities="video")


def test_a_frontier_that_is_not_text_ranks_on_the_price_its_models_are_sold_at(mixed: pd.DataFrame) -> None:
    """Issue 15: frontier(output_modalities="image") ranked on the prompt price, where seedream
    (priced per image-output token, prompt "0") and whisper (per audio input token) sat at 0 as
    "the cheapest", and the chart, which does not draw a 0 that is not free, drew another set (4 vs
    3). A workload that is not text now ranks on its own price per million tokens
    (workload_usd_per_mtok), and frontier and chart are one set for every output."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    raw = {m["id"]: m["pricing"] for m in fixture_models()}
    image = oc.frontier(mixed, output_modalities="image").set_index("id")
    seedream = raw["bytedance-seed/seedream-5-0-lite"]  # 1M prompt + 1M image-output tokens, per million
    expected = (1_000_000 * (Decimal(seedream["prompt"]) + Decimal(seedream["image_output"]))) / 2
    assert Decimal(str(image.loc["bytedance-seed/seedream-5-0-lite", "workload_usd_per_mtok"])) == expected
    whisper = oc.frontier(mixed, output_modalities="transcription").set_index("id")
    per_audio_token = Decimal(raw["openai/whisper-1"]["audio"])
    assert Decimal(str(whisper.loc["openai/whisper-1", "workload_usd_per_mtok"])) == 1_000_000 * per_audio_token
    # on the prompt axis, a 0 that is not free is no price: left out, with a warning naming the way
    with pytest.warns(oc.OrcatalogWarning, match="priced 0 on prompt_usd_per_mtok.*workload_usd_per_mtok"):
        on_prompt = oc.frontier(mixed, x="prompt_usd_per_mtok", output_modalities="image")
    assert (
        "bytedance-seed/seedream-5-0-lite" not in set(on_prompt["id"]) and (on_prompt["prompt_usd_per_mtok"] > 0).all()
    )
    for modality in ("text", "image", "speech", "audio", "transcription", "embeddings", "rerank"):
        front = oc.frontier(mixed, output_modalities=modality)
        fig, ax = plt.subplots(figsize=(12, 8))
        try:
            oc.plot_price_vs_context(mixed, ax=ax, output_modalities=modality)
            line = next(li for li in ax.get_lines() if li.get_label().startswith("frontier"))
            x = "prompt_usd_per_mtok" if modality == "text" else "workload_usd_per_mtok"
            np.testing.assert_array_equal(line.get_xdata(), front[x].to_numpy(dtype=float), err_msg=modality)
            assert {t.get_text() for t in ax.texts} == set(front["id"].astype(str)), modality
            if modality != "text":
                assert ax.get_xlabel().startswith(f"{modality} workload price (USD per million tokens; workload: 1M")
        finally:
            plt.close(fig)
    # a model that produces the output and cannot be priced (a router) is counted, with the cost rule's reason
    fig, ax = plt.subplots(figsize=(12, 8))
    try:
        oc.plot_price_vs_context(mixed, ax=ax, output_modalities="image")
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        routers = mixed["id"].isin(["openrouter/auto", "openrouter/auto-beta"]) & serves(mixed, "image")
        assert (
            f"{routers.sum()} not drawn, no price for this workload: dynamic pricing ({routers.sum()} models)" in labels
        )
    finally:
        plt.close(fig)
    # on the text chart too (trial R: its 5 routers were left out in silence)
    fig, ax = plt.subplots(figsize=(12, 8))
    try:
        oc.plot_price_vs_context(mixed, ax=ax)
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        dynamic = mixed["dynamic_pricing"].fillna(False).astype(bool) & serves(mixed, "text")
        assert dynamic.sum() >= 2
        assert f"{dynamic.sum()} not drawn, no prompt_usd_per_mtok: dynamic pricing ({dynamic.sum()})" in labels
    finally:
        plt.close(fig)


def test_a_model_that_cannot_produce_the_output_is_left_out_for_that_reason_first(mixed: pd.DataFrame) -> None:
    """Issue 15 trial: `cost --output-modality speech` listed routers ("dynamic pricing") and a
    model with a time-window price among the speech models: the check of what a model produces
    came after the pricing notes. It comes first now, for every row."""
    cost = oc.estimate_cost(mixed, 5, output_modalities="speech").set_index("id")
    speaks = np.array(["speech" in o for o in _outputs(mixed.set_index("id").loc[cost.index])])
    note = "does not produce speech output (see output_modalities=): no cost"
    assert (cost.loc[~speaks, "note"] == note).all()  # that reason alone, routers included
    dynamic = mixed.loc[mixed["dynamic_pricing"].fillna(False).astype(bool), "id"]
    assert len(dynamic) >= 1 and set(dynamic) <= set(cost.index[~speaks])
    windowed = oc.estimate_cost(mixed, 5).set_index("id")["note"].astype(str).str.contains("time-of-day")
    assert windowed.any()  # the recording has time-window prices; they are not the reason here
    assert set(cost.index[speaks]) == {"deepgram/flux-tts:free", "openai/gpt-4o-mini-tts"}
    assert cost.loc["openai/gpt-4o-mini-tts", "total_usd"] > 0


def test_the_cost_command_speaks_in_its_own_option_names(tmp_path: Path, newest_models: list[dict]) -> None:
    """Issue 15 trial: cost's table and CSV notes said "pass at=", "(see output_modalities=)",
    "web_searches= cannot be priced" (the library's spellings); they name the options now, by the
    one translation (orcatalog.cli.errors.in_cli_words). Only speech models are listed for speech;
    `--output-modality Text` is read as text and an empty item is named."""
    from click.testing import CliRunner

    from orcatalog.cli import main
    from orcatalog.testing import ReplayServer

    body = tmp_path / "models-2026-08-17.json"
    body.write_bytes(orjson.dumps({"data": newest_models + fixture_models()}))
    with ReplayServer(body) as server:
        env = {"ORCATALOG_BASE_URL": server.base_url}

        def run(*args: str) -> Any:
            return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)

        searches = run(
            "cost", "--prompt-tokens", "5", "--completion-tokens", "5", "--web-searches", "2", "--format", "csv"
        )
        speech = run("cost", "--prompt-tokens", "5", "--output-modality", "speech", "--format", "csv")
        table = run("cost", "--prompt-tokens", "5", "--output-modality", "speech", "--include-free")
        upper = run(
            "cost", "--prompt-tokens", "5", "--completion-tokens", "5", "--output-modality", "Text", "--format", "csv"
        )
        lower = run(
            "cost", "--prompt-tokens", "5", "--completion-tokens", "5", "--output-modality", "text", "--format", "csv"
        )
        empty = run("cost", "--prompt-tokens", "5", "--output-modality", "text,,image")
    notes = set(pd.read_csv(pd.io.common.StringIO(searches.stdout))["note"].dropna())
    assert any("pass --at" in n for n in notes) and any("so --web-searches cannot be priced" in n for n in notes)
    spoken = " ".join(notes) + searches.stderr + speech.stdout + speech.stderr + table.stdout + table.stderr
    for library_word in ("at=", "output_modalities=", "web_searches=", "requests="):
        assert library_word not in spoken
    printed = pd.read_csv(pd.io.common.StringIO(speech.stdout))
    priced = printed["total_usd"].notna()  # CSV keeps every row; the free one is counted apart
    assert set(printed.loc[priced, "id"]) == {"openai/gpt-4o-mini-tts"}
    assert (printed.loc[~priced, "note"] == "does not produce speech output (see --output-modality): no cost").all()
    assert "(see --output-modality)" in table.stderr  # the rest: left out in one line, for that reason
    assert [row.split()[1] for row in table.stdout.strip().splitlines()[1:]] == [
        "deepgram/flux-tts:free",
        "openai/gpt-4o-mini-tts",
    ]
    assert upper.exit_code == 0 and upper.stdout == lower.stdout
    assert empty.exit_code == 2 and "item 2 of 3 is empty" in empty.output


def test_a_frontier_with_no_candidate_says_why(mixed: pd.DataFrame) -> None:
    """Trial N (#15): frontier() of a frame with no text-output model returned 0 rows and no word.
    An empty answer from a non-empty frame warns with the counts and the two ways out; a frame that
    has candidates says nothing."""
    import warnings

    outputs = _outputs(mixed)
    no_text = mixed[[("text" not in o) and ("video" not in o) for o in outputs]]
    assert len(no_text) >= 5
    with pytest.warns(oc.OrcatalogWarning, match=rf"no candidate among the {len(no_text)} models") as said:
        assert oc.frontier(no_text).empty
    (message,) = [str(w.message) for w in said]
    free = int((per_token_totals(no_text) == 0).sum())
    assert (f"{free} are free (include_free=True" in message) == (free > 0)
    assert "output_modalities='all'" in message
    with pytest.warns(oc.OrcatalogWarning, match="cannot price"):  # seedream and whisper: not per text token
        assert len(oc.frontier(no_text, output_modalities="all")) > 0  # the way out it names works
    with warnings.catch_warnings():
        warnings.simplefilter("error", oc.OrcatalogWarning)
        assert len(oc.frontier(mixed)) > 0


def test_price_vs_context_of_no_text_model_says_which_outputs_they_produce(mixed: pd.DataFrame) -> None:
    """Trial Q: the chart of a frame of non-text models said "no model has a value of
    prompt_usd_per_mtok to draw", though every row has one: they produce other outputs. It says
    so, with the counts, and names output_modalities=, which then draws them."""
    import matplotlib.pyplot as plt

    outputs = _outputs(mixed)
    no_text = mixed[[("text" not in o) and ("video" not in o) for o in outputs]]
    with pytest.raises(oc.InvalidParameterError, match="output_modalities= draws them") as err:
        oc.plot_price_vs_context(no_text)
    assert f"among the models that produce 'text' output: {len(no_text)} produce" in str(err.value)
    ax = oc.plot_price_vs_context(no_text, output_modalities="all")
    assert ax.collections  # drawn
    plt.close(ax.figure)


def test_a_time_of_day_price_left_unevaluated_names_the_hours_another_price_applies(newest_models: list[dict]) -> None:
    """Trial R: without at=, deepseek/deepseek-v4-pro was priced at its base (cheapest) tier with the
    note "time-of-day price not evaluated: pass at=": nothing said the price doubles 01:00-04:00 and
    06:00-10:00 UTC. The note names the windows whose prices differ from the base ones (a window at
    the base prices is no other price)."""

    def hhmm(v: int) -> str:
        return f"{int(v) // 100:02d}:{int(v) % 100:02d}"

    windowed = {
        m["id"]: m["pricing"]
        for m in newest_models
        if any("utc_start" in e for e in m["pricing"].get("overrides", []) if isinstance(e, dict))
    }
    assert windowed  # the recording has time-of-day prices
    cost = oc.estimate_cost(models_frame(newest_models), **TEXT_WORKLOAD).set_index("id")
    for model_id, pricing in windowed.items():
        other = [
            f"{hhmm(e['utc_start'])}-{hhmm(e['utc_end'])}"
            for e in pricing["overrides"]
            if any(
                Decimal(str(v)) != Decimal(pricing.get(k, "0"))
                for k, v in e.items()
                if k not in ("utc_start", "utc_end")
            )
        ]
        assert other, model_id  # each recorded one has a window of other prices
        note = str(cost.loc[model_id, "note"])
        assert f"time-of-day price not evaluated: pass at= (other prices {', '.join(other)} UTC)" in note, note
    assert "01:00-04:00, 06:00-10:00" in str(cost.loc["deepseek/deepseek-v4-pro", "note"])
    assert "10:00-01:00" not in str(cost.loc["deepseek/deepseek-v4-pro", "note"])  # that window is at base prices


def test_the_chart_counts_frontier_models_that_cost_more_above_a_prompt_size(
    mixed: pd.DataFrame, newest_models: list[dict]
) -> None:
    """Trial R: qwen/qwen3.7-flash sits on the frontier at $0.03/M for a 1M context, but its prompt price
    is $0.20/M above 256k prompt tokens. The axis is the base price; the legend counts such models."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tiered = {
        m["id"]
        for m in newest_models
        if any("min_prompt_tokens" in e for e in m["pricing"].get("overrides", []) if isinstance(e, dict))
    }
    front = set(oc.frontier(mixed)["id"])
    assert front & tiered  # qwen/qwen3.7-flash, x-ai/grok-4.20
    fig, ax = plt.subplots(figsize=(12, 8))
    try:
        oc.plot_price_vs_context(mixed, ax=ax)
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
    finally:
        plt.close(fig)
    assert f"{len(front & tiered)} on the frontier cost more above a prompt size (pricing_overrides)" in labels


def test_one_request_must_fit_the_models_window_and_output_limit(tmp_path: Path, newest_models: list[dict]) -> None:
    """Trial R (F17): 1M prompt + 200k completion tokens without requests= is one request, priced at
    its long-context tier, yet it ranked models whose window cannot hold it (sao10k/l3-lunaris-8b,
    8,192 tokens, 7th). One request must now fit: prompt + completion within ``context_length``,
    completion within ``max_completion_tokens`` (each limit read here from the raw body)."""
    from click.testing import CliRunner

    from orcatalog.cli import main
    from orcatalog.testing import ReplayServer

    frame = models_frame(newest_models)
    one = oc.estimate_cost(frame, 1_000_000, 200_000).set_index("id")
    limits = {
        m["id"]: (m.get("context_length") or 0, (m.get("top_provider") or {}).get("max_completion_tokens") or 0)
        for m in newest_models
    }
    too_big = {i for i, (window, _) in limits.items() if 0 < window < 1_200_000}
    too_long = {i for i, (window, most) in limits.items() if i not in too_big and 0 < most < 200_000}
    pricing_reason = one["note"].astype(str).str.contains("at a price the catalog does not list")  # checked first
    assert too_big and too_long
    for ids, words in (
        (too_big, "its context window cannot hold one request of 1,200,000 tokens"),
        (too_long, "its max_completion_tokens is below one request's 200,000 completion tokens"),
    ):
        rows = one.loc[sorted(ids)]
        assert rows["total_usd"].isna().all() and rows["rank"].isna().all()
        assert rows.loc[~pricing_reason.loc[rows.index], "note"].str.startswith(words).all(), words
        assert "requests= spreads the tokens over several" in rows["note"].iloc[0]
    fits = one.drop(index=list(too_big | too_long))
    assert len(fits) and fits["note"].astype(str).str.contains("one request").sum() == 0
    assert one["total_usd"].notna().sum() == fits["total_usd"].notna().sum() > 0
    # spread over 1,000 requests every model fits, and the ones left out above are priced
    spread = oc.estimate_cost(frame, 1_000_000, 200_000, requests=1_000).set_index("id")
    assert not spread["note"].astype(str).str.contains("one request").any()
    assert spread.loc[sorted(too_big - set(one.index[pricing_reason])), "total_usd"].notna().mean() > 0.95
    # the trial's case: 100k prompt + 5k completion on an 8,192-token model
    lunaris = "sao10k/l3-lunaris-8b"
    assert limits[lunaris][0] < 105_000
    small = oc.estimate_cost(frame.loc[frame["id"] == lunaris], 100_000, 5_000).iloc[0]
    assert np.isnan(small["total_usd"]) and "one request of 105,000 tokens" in small["note"]
    # at the limit: two requests of half the window fit; one token more is half a token over each,
    # and the note rounds the request up (trial: it said the window's own number, which fits)
    nemo = frame.loc[frame["id"] == "mistralai/mistral-nemo"]
    window = limits["mistralai/mistral-nemo"][0]
    assert not np.isnan(oc.estimate_cost(nemo, 2 * window, 0, requests=2).iloc[0]["total_usd"])
    over = oc.estimate_cost(nemo, 2 * window + 1, 0, requests=2).iloc[0]
    assert np.isnan(over["total_usd"]) and f"one request of {window + 1:,} tokens" in over["note"], over["note"]
    # a per-token price comparison is no request: the frontier still weighs the small model
    assert not np.isnan(per_token_totals(frame.loc[frame["id"] == lunaris])[0])
    # the command line: the rows left out are counted with the reason, in its own option names
    body = tmp_path / "models-2026-08-17.json"
    body.write_bytes(orjson.dumps({"data": newest_models}))
    with ReplayServer(body) as server:
        env = {"ORCATALOG_BASE_URL": server.base_url}
        args = ["cost", "--prompt-tokens", "1000000", "--completion-tokens", "200000"]
        run = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    assert run.exit_code == 0, run.output
    said = f"{len(too_big - set(one.index[pricing_reason]))}: its context window cannot hold one request"
    assert said in run.stderr and "--requests spreads the tokens over several" in run.stderr, run.stderr


def test_report_cheapest_per_modality_is_paid_per_text_token(newest_models: list[dict]) -> None:
    """F22: a model priced 0 per prompt and completion token that charges a web-search fee is paid
    (is_free False) but was listed as the report's cheapest paid model per input modality, at 0
    USD/Mtok. The table now takes the frontier's rule (per_token_totals above 0); checked against
    the raw prices: the cheapest text-producing models with a positive token price, per input."""
    from orcatalog.report import _cheapest_by_modality

    donor = next(m for m in newest_models if m["id"] == "mistralai/mistral-nemo")
    zero = {
        **donor,
        "id": "test/zero-tokens-search-fee",
        "pricing": {"prompt": "0", "completion": "0", "web_search": "0.01"},
    }
    frame = models_frame(newest_models + [zero])
    assert not frame.loc[frame["id"] == zero["id"], "is_free"].item()  # paid: it lists a fee
    table = _cheapest_by_modality(frame)
    assert zero["id"] not in set(table["id"])

    def per_token(m: dict) -> tuple[float, float] | None:
        p = m["pricing"]
        if "text" not in m["architecture"]["output_modalities"] or "-1" in (p.get("prompt"), p.get("completion")):
            return None
        prompt, completion = float(p.get("prompt", 0)), float(p.get("completion", 0))
        return (prompt, completion) if prompt > 0 or completion > 0 else None

    for modality, rows in table.groupby("input_modality"):
        raw = [
            (per_token(m), m["id"]) for m in newest_models + [zero] if modality in m["architecture"]["input_modalities"]
        ]
        expected = [i for _, i in sorted((k, i) for k, i in raw if k is not None)[:5]]
        assert rows.sort_values("rank")["id"].tolist() == expected, modality
