"""The column contract on every real body we have (2024-2026 schemas), and on drifted shapes."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pytest

from orcatalog import SchemaError
from orcatalog.frames.models import check_body, models_frame
from orcatalog.schema import COLUMNS, FAMILIES, KNOWN_MODALITIES, KNOWN_PRICE_KEYS

from .conftest import read_body

EXPECTED_DTYPES = {
    "str": "str",
    "bool": "bool",
    "boolean": "boolean",
    "Int64": "Int64",
    "float64": "float64",
    "datetime64[s, UTC]": "datetime64[s, UTC]",
    "datetime64[s]": "datetime64[s]",
    "json": "str",
}


def frame_of(raw: bytes) -> pd.DataFrame:
    return models_frame(check_body(orjson.loads(raw)))


def assert_contract(df: pd.DataFrame, body: dict) -> None:
    """Every declared column is present with its declared dtype; families are typed; rows match ids."""
    for col in COLUMNS:
        assert col.name in df.columns, col.name
        got = df[col.name].dtype
        if col.dtype == "list<string>":
            assert isinstance(got, pd.ArrowDtype) and str(got.pyarrow_dtype) == "list<item: string>", (col.name, got)
        else:
            assert str(got) == EXPECTED_DTYPES[col.dtype], (col.name, got)
    for name in df.columns:
        for prefix, (dtype, _) in FAMILIES.items():
            if name.startswith(prefix) and name not in {c.name for c in COLUMNS}:
                assert str(df[name].dtype) == dtype, (name, df[name].dtype)
    assert not any(df[c].dtype == object for c in df.columns), "no object-dtype columns"
    assert list(df["id"]) == [m["id"] for m in body["data"]]
    assert df["id"].is_unique
    for key in KNOWN_PRICE_KEYS:
        assert f"price_{key}" in df.columns
    for m in KNOWN_MODALITIES:
        assert f"input_{m}" in df.columns or f"output_{m}" in df.columns


def test_every_dated_body_parses_into_the_contract(dated_files: list[Path]) -> None:
    assert len(dated_files) == 14
    for path in dated_files:
        raw = read_body(path)
        body = json.loads(raw)
        df = frame_of(raw)
        assert len(df) == len(body["data"]), path.name
        assert_contract(df, body)
        # no price is ever negative: "-1" means dynamic pricing
        prices = df[[c for c in df.columns if c.startswith("price_")]]
        assert not (prices < 0).any().any(), path.name
        # every price key in the body has a column
        keys = {k for m in body["data"] for k in m["pricing"] if k != "overrides"}
        assert {f"price_{k}" for k in keys} <= set(df.columns), path.name


def test_every_hourly_body_parses_into_the_contract(hourly_bodies: list[tuple[str, bytes]]) -> None:
    assert len(hourly_bodies) == 199
    for name, raw in hourly_bodies:
        body = json.loads(raw)
        df = frame_of(raw)
        assert 347 <= len(df) <= 353, name
        assert df["id"].is_unique
        assert df["price_prompt"].dtype == "float64"
        assert len(df) == len(body["data"])


def _row(df: pd.DataFrame, model_id: str) -> pd.Series:
    rows = df[df["id"] == model_id]
    assert len(rows) == 1, model_id
    return rows.iloc[0]


def test_gpt4o_price_cut_between_2024_09_and_2025_02(recorded_dir: Path) -> None:
    before = _row(frame_of(read_body(recorded_dir / "models-2024-09-27.json.gz")), "openai/gpt-4o")
    after = _row(frame_of(read_body(recorded_dir / "models-2025-02-08.json.gz")), "openai/gpt-4o")
    assert before["price_prompt"] == pytest.approx(0.000005)
    assert after["price_prompt"] == pytest.approx(0.0000025)
    assert before["prompt_usd_per_mtok"] == pytest.approx(5.0)
    assert after["completion_usd_per_mtok"] == pytest.approx(10.0)


def test_minus_one_prices_are_dynamic_not_negative(recorded_dir: Path) -> None:
    raw = read_body(recorded_dir / "models-2024-06-13.json.gz")
    body = json.loads(raw)
    df = frame_of(raw)
    dynamic_ids = {m["id"] for m in body["data"] if any(v == "-1" for v in m["pricing"].values())}
    assert len(dynamic_ids) == 6  # openrouter/auto plus the five ordinary models PROVENANCE names
    assert "huggingfaceh4/zephyr-7b-beta" in dynamic_ids
    assert set(df.loc[df["dynamic_pricing"], "id"]) == dynamic_ids
    auto = _row(df, "openrouter/auto")
    assert math.isnan(auto["price_prompt"]) and pd.isna(auto["is_free"])
    assert not df.loc[~df["dynamic_pricing"], "price_prompt"].isna().any()


def test_old_schema_fills_modality_flags_and_limits(recorded_dir: Path) -> None:
    raw = read_body(recorded_dir / "models-2024-04-19.json.gz")
    body = json.loads(raw)
    df = frame_of(raw)
    multimodal = {m["id"] for m in body["data"] if m["architecture"]["modality"] == "multimodal"}
    assert len(multimodal) == 12
    assert set(df.loc[df["input_image"], "id"]) == multimodal
    assert df["input_text"].all() and df["output_text"].all()
    assert df["created"].isna().all() and df["supported_parameters"].isna().all()
    # per_request_limits: "Infinity" -> inf, numeric strings -> numbers, consistently float64
    lim = df["per_request_limit_prompt_tokens"]
    assert lim.dtype == "float64"
    infinite = {m["id"] for m in body["data"] if (m["per_request_limits"] or {}).get("prompt_tokens") == "Infinity"}
    assert infinite and set(df.loc[np.isinf(lim), "id"]) == infinite
    numeric = [m for m in body["data"] if (m["per_request_limits"] or {}).get("prompt_tokens") not in (None, "Infinity")]
    sample = numeric[0]
    assert _row(df, sample["id"])["per_request_limit_prompt_tokens"] == float(sample["per_request_limits"]["prompt_tokens"])


def test_arrow_modality_strings_and_new_fields(recorded_dir: Path) -> None:
    df = frame_of(read_body(recorded_dir / "models-2026-04-17.json.gz"))
    grok = _row(df, "x-ai/grok-4.20")
    assert grok["knowledge_cutoff"] == pd.Timestamp("2025-09-01")
    opus = _row(df, "anthropic/claude-opus-4.7")
    assert opus["links_details"] == "/api/v1/models/anthropic/claude-4.7-opus-20260416/endpoints"
    assert opus["canonical_slug"] == "anthropic/claude-4.7-opus-20260416"
    assert opus["created"].tz is not None and str(opus["created"].tz) == "UTC"
    assert df["expiration_date"].notna().sum() == 6
    assert "price_request" in df.columns and df["price_request"].isna().all()  # key gone in 2026-04, column kept


def test_hugging_face_empty_string_becomes_null(recorded_dir: Path) -> None:
    raw = read_body(recorded_dir / "models-2025-05-22.json.gz")
    body = json.loads(raw)
    df = frame_of(raw)
    real = sum(1 for m in body["data"] if m.get("hugging_face_id"))
    assert real == 184
    assert df["hugging_face_id"].notna().sum() == 184
    assert (df["hugging_face_id"] != "").all() or df["hugging_face_id"].isna().any()


def test_variants_and_ids_are_split(recorded_dir: Path) -> None:
    df = frame_of(read_body(recorded_dir / "models-2025-11-12.json.gz"))
    kat = _row(df, "kwaipilot/kat-coder-pro:free")
    assert (kat["author"], kat["slug"], kat["variant"]) == ("kwaipilot", "kat-coder-pro", "free")
    assert (df["variant"] == "exacto").any()
    plain = _row(df, "openai/gpt-4o")
    assert pd.isna(plain["variant"])


def _model(**overrides: object) -> dict:
    base = {
        "id": "acme/widget",
        "name": "Acme: Widget",
        "pricing": {"prompt": "0.000001", "completion": "0.000002"},
        "architecture": {"modality": "text->text", "input_modalities": ["text"], "output_modalities": ["text"]},
    }
    base.update(overrides)
    return base


def test_schema_drift_keeps_rows_and_unknown_fields() -> None:
    models = [
        _model(),
        _model(id="acme/number-price", pricing={"prompt": 0.5e-6, "completion": None, "brand_new_key": "0.01"}),
        _model(id="~acme/widget-latest", pricing={"prompt": "-1", "completion": "-1"},
               alias_target={"slug": "acme/widget", "name": "Acme: Widget"}),  # fmt: skip
        _model(id="acme/odd:thinking", future_field={"x": [1, 2]}, architecture={"modality": "text+video->speech"}),
        {"id": "acme/bare", "name": "bare", "pricing": {"prompt": "0", "completion": "0"}},
        _model(id="acme/overrides", pricing={"prompt": "0.000003", "completion": "0.000015",
               "overrides": [{"min_prompt_tokens": 200000, "prompt": "0.000006"}]}),  # fmt: skip
        _model(id="acme/garbage-price", pricing={"prompt": "n/a", "completion": "0"}),
    ]
    df = models_frame(models)
    assert list(df["id"]) == [m["id"] for m in models]
    num = _row(df, "acme/number-price")
    assert num["price_prompt"] == pytest.approx(0.5e-6) and math.isnan(num["price_completion"])
    assert num["price_brand_new_key"] == pytest.approx(0.01)
    alias = _row(df, "~acme/widget-latest")
    assert alias["is_alias"] and alias["author"] == "acme" and alias["slug"] == "widget-latest"
    assert alias["dynamic_pricing"] and alias["alias_target_slug"] == "acme/widget"
    odd = _row(df, "acme/odd:thinking")
    assert json.loads(odd["extra"]) == {"future_field": {"x": [1, 2]}}
    assert odd["input_video"] and odd["output_speech"] and not odd["output_text"]
    bare = _row(df, "acme/bare")
    assert bare["is_free"] and pd.isna(bare["context_length"]) and pd.isna(bare["modality"])
    ov = _row(df, "acme/overrides")
    assert json.loads(ov["pricing_overrides"]) == [{"min_prompt_tokens": 200000, "prompt": "0.000006"}]
    bad = _row(df, "acme/garbage-price")
    assert math.isnan(bad["price_prompt"]) and json.loads(bad["extra"]) == {"pricing.prompt": "n/a"}


@pytest.mark.parametrize(
    "body",
    [
        {"models": []},
        {"data": {"id": "x/y"}},
        [],
        {"data": [{"name": "no id"}]},
        {"data": [{"id": "a/b"}, {"id": "a/b"}]},
        {"data": ["a/b"]},
    ],
)
def test_bad_bodies_are_schema_errors(body: object) -> None:
    with pytest.raises(SchemaError):
        models_frame(check_body(body))


def test_empty_catalog_is_an_empty_typed_frame() -> None:
    df = models_frame([])
    assert len(df) == 0
    assert str(df["created"].dtype) == "datetime64[s, UTC]"
    assert str(df["price_prompt"].dtype) == "float64"


def test_gzip_helper_matches_provenance_size(shared_dir: Path) -> None:
    # the fixture reads exactly the recorded bytes (PROVENANCE lists 640378 bytes for this file)
    assert len(gzip.decompress((shared_dir / "models-2025-12-18.json.gz").read_bytes())) == 640378


def test_fast_frame_construction_equals_the_public_constructor(recorded_dir: Path) -> None:
    from orcatalog.frames.models import _frame

    df = frame_of(read_body(recorded_dir / "models-2025-12-18.json.gz"))
    cols = {c: df[c].array for c in df.columns}
    pd.testing.assert_frame_equal(_frame(cols, len(df)), pd.DataFrame(cols))
