"""The column contract on every real body we have (2024-2026 schemas), and on drifted shapes."""

from __future__ import annotations

import gzip
import json
import math
import warnings
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pytest

import orcatalog as oc
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
    numeric = [
        m for m in body["data"] if (m["per_request_limits"] or {}).get("prompt_tokens") not in (None, "Infinity")
    ]
    sample = numeric[0]
    assert _row(df, sample["id"])["per_request_limit_prompt_tokens"] == float(
        sample["per_request_limits"]["prompt_tokens"]
    )


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
        _model(
            id="~acme/widget-latest",
            pricing={"prompt": "-1", "completion": "-1"},
            alias_target={"slug": "acme/widget", "name": "Acme: Widget"},
        ),
        _model(id="acme/odd:thinking", future_field={"x": [1, 2]}, architecture={"modality": "text+video->speech"}),
        {"id": "acme/bare", "name": "bare", "pricing": {"prompt": "0", "completion": "0"}},
        _model(
            id="acme/overrides",
            pricing={
                "prompt": "0.000003",
                "completion": "0.000015",
                "overrides": [{"min_prompt_tokens": 200000, "prompt": "0.000006"}],
            },
        ),
        _model(id="acme/garbage-price", pricing={"prompt": "n/a", "completion": "0"}),
    ]
    with pytest.warns(oc.UnreadableValueWarning, match=r"'acme/garbage-price' pricing.prompt=\"n/a\""):
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


def _nested(depth: int) -> object:
    value: object = "bottom"
    for _ in range(depth):
        value = {"x": value}
    return value


WRONG_TYPES = {
    "price-true": (_model(pricing={"prompt": True, "completion": "0"}), "pricing.prompt"),
    "price-false": (_model(pricing={"prompt": False, "completion": False}), "pricing.prompt"),
    "price-list": (_model(pricing={"prompt": ["0.1"], "completion": "0"}), "pricing.prompt"),
    "price-object": (_model(pricing={"prompt": "0", "completion": {"usd": 1}}), "pricing.completion"),
    "pricing-not-object": (_model(pricing="free"), "pricing"),
    "count-1e30": (_model(context_length=1e30), "context_length"),
    "count-negative": (_model(context_length=-5), "context_length"),
    "count-fraction": (_model(context_length=1.5), "context_length"),
    "count-bool": (_model(context_length=True), "context_length"),
    "count-text": (_model(context_length="lots"), "context_length"),
    "count-huge-int": (_model(context_length=10**400), "context_length"),
    "nested-count": (_model(top_provider={"max_completion_tokens": 1e30}), "top_provider.max_completion_tokens"),
    "created-past": (_model(created=-1e18), "created"),
    "created-future": (_model(created=1e18), "created"),
    "created-text": (_model(created="2024-01-01"), "created"),
    "created-bool": (_model(created=True), "created"),
    "flag-text": (_model(top_provider={"is_moderated": "yes"}), "top_provider.is_moderated"),
    "date-number": (_model(knowledge_cutoff=20250101), "knowledge_cutoff"),
    "modality-object": (
        _model(architecture={"input_modalities": ["text"], "output_modalities": [{"x": 1}]}),
        "architecture.output_modalities",
    ),
    "modality-number": (
        _model(architecture={"input_modalities": ["text", 5], "output_modalities": ["text"]}),
        "architecture.input_modalities",
    ),
    "list-of-lists": (_model(supported_parameters=[["tools"]]), "supported_parameters"),
    "list-is-text": (_model(supported_parameters="tools"), "supported_parameters"),
    "list-with-null": (_model(supported_parameters=["tools", None]), "supported_parameters"),
    "architecture-text": (_model(architecture="text->text"), "architecture"),
    "deep-unknown-field": (_model(future=_nested(300)), "future"),
    "deep-json-column": (_model(reasoning=_nested(300)), "reasoning"),
    "deep-in-known-object": (_model(top_provider={"new": _nested(300)}), "top_provider.new"),
}


@pytest.mark.parametrize(("model", "field"), WRONG_TYPES.values(), ids=WRONG_TYPES.keys())
def test_values_of_the_wrong_json_type_are_refused_naming_model_and_field(model: dict, field: str) -> None:
    """Issue 7 items 8-9: never a silently wrong number or an untyped crash, always a SchemaError
    naming the model and the field (the rules are in schema's contract docs)."""
    models = [_model(id="acme/fine"), {**model, "id": "acme/broken"}]
    with pytest.raises(SchemaError, match=f"'acme/broken'.*{field.replace('.', '[.]')}"):
        models_frame(models, url="http://127.0.0.1/api/v1/models")


KEPT_IN_EXTRA = {
    "price-text": (_model(pricing={"prompt": "n/a", "completion": "0"}), "pricing.prompt", "price_prompt"),
    "date-text": (_model(knowledge_cutoff="soon"), "knowledge_cutoff", "knowledge_cutoff"),
    "default-text": (
        _model(default_parameters={"temperature": "hot"}),
        "default_parameters.temperature",
        "default_temperature",
    ),
    "default-new-bool": (_model(default_parameters={"stream": False}), "default_parameters.stream", None),
    "limit-object": (
        _model(per_request_limits={"prompt_tokens": {"max": 5}}),
        "per_request_limits.prompt_tokens",
        "per_request_limit_prompt_tokens",
    ),
}


@pytest.mark.parametrize(("model", "field", "column"), KEPT_IN_EXTRA.values(), ids=KEPT_IN_EXTRA.keys())
def test_unreadable_values_of_the_right_type_go_to_extra_with_a_warning(
    model: dict, field: str, column: str | None
) -> None:
    with pytest.warns(oc.UnreadableValueWarning, match=f"'acme/widget' {field.replace('.', '[.]')}="):
        df = models_frame([model])
    with warnings.catch_warnings():  # one filter on the library's base class reaches this warning too
        warnings.simplefilter("error", oc.OrcatalogWarning)
        with pytest.raises(oc.UnreadableValueWarning):
            models_frame([model])
    assert field in json.loads(df["extra"].iloc[0])
    if column is not None:
        assert pd.isna(df[column].iloc[0])


def test_prices_per_million_tokens_are_the_exact_decimal_scaling() -> None:
    """Issue 6 item 4: 0.000000239 USD per token is 0.239 USD per million, not 0.23900000000000002."""
    models = [
        _model(id="a/string", pricing={"prompt": "0.000000239", "completion": "0.0000025"}),
        _model(id="a/number", pricing={"prompt": 2.39e-7, "completion": 1e-7}),
        _model(id="a/dynamic", pricing={"prompt": "-1", "completion": "-1"}),
        _model(id="a/absent", pricing={}),
    ]
    df = models_frame(models).set_index("id")
    assert 0.000000239 * 1e6 != 0.239  # the float noise this avoids
    assert df.loc["a/string", "prompt_usd_per_mtok"] == 0.239
    assert df.loc["a/string", "completion_usd_per_mtok"] == 2.5
    assert df.loc["a/number", "prompt_usd_per_mtok"] == 0.239 and df.loc["a/number", "completion_usd_per_mtok"] == 0.1
    assert df.loc[["a/dynamic", "a/absent"], "prompt_usd_per_mtok"].isna().all()
    assert df.loc["a/string", "price_prompt"] == 0.000000239  # the per-token column keeps the API's unit


def test_per_million_columns_are_exact_on_every_dated_body(dated_files: list[Path]) -> None:
    from decimal import Decimal

    for path in dated_files:
        raw = read_body(path)
        df = frame_of(raw).set_index("id")
        for m in json.loads(raw)["data"]:
            for key in ("prompt", "completion"):
                value = m["pricing"].get(key)
                got = df.loc[m["id"], f"{key}_usd_per_mtok"]
                if value is None or str(value).startswith("-"):
                    assert math.isnan(got), (path.name, m["id"])
                else:
                    assert got == float(Decimal(str(value)) * 1_000_000), (path.name, m["id"], value, got)


def test_every_column_says_where_its_value_comes_from() -> None:
    """A column either has a source (converted by its dtype) or one derivation; nothing else."""
    from orcatalog.frames.models import CONVERTERS, DERIVED

    derived = {c.name for c in COLUMNS if c.source is None}
    assert derived == set(DERIVED)
    for c in COLUMNS:
        if c.source is not None:
            assert c.dtype in CONVERTERS and 1 <= len(c.source) <= 2, c


def test_a_new_contract_column_is_one_line_in_the_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    """Declaring a Column with a source is all it takes: it is filled, typed, checked, and no longer
    lands in ``extra``."""
    import importlib

    import orcatalog.frames.models as models_module
    from orcatalog import schema

    new = schema.Column("top_provider_new_count", "Int64", "a new count in tokens", ("top_provider", "new_count"))
    monkeypatch.setattr(schema, "COLUMNS", (*schema.COLUMNS[:-1], new, schema.COLUMNS[-1]))
    fresh = importlib.reload(models_module)
    try:
        df = fresh.models_frame([_model(top_provider={"new_count": 7}), _model(id="acme/other")])
        assert str(df["top_provider_new_count"].dtype) == "Int64"
        assert df["top_provider_new_count"].iloc[0] == 7 and pd.isna(df["top_provider_new_count"].iloc[1])
        assert df["extra"].isna().all()
        with pytest.raises(SchemaError, match="top_provider.new_count"):
            fresh.models_frame([_model(top_provider={"new_count": 1e30})])
    finally:
        monkeypatch.undo()
        importlib.reload(models_module)


def test_frame_from_arrays_equals_the_public_constructor(recorded_dir: Path) -> None:
    """The one private pandas call (kept for speed, see its docstring) builds the same frame."""
    from orcatalog.frames.models import frame_from_arrays

    df = frame_of(read_body(recorded_dir / "models-2025-12-18.json.gz"))
    cols = {c: df[c].array for c in df.columns}
    pd.testing.assert_frame_equal(frame_from_arrays(cols, len(df)), pd.DataFrame(cols, index=pd.RangeIndex(len(df))))


def test_string_array_equals_the_public_conversion() -> None:
    """The one use of pandas' ``StringDtype.__from_arrow__`` hook gives what the public
    ``pd.array(values, dtype=...)`` gives, nulls included, for plain and large strings."""
    import pyarrow as pa

    from orcatalog.frames.convert import string_array

    values = ["openai/gpt-4o", None, "", "naïve ✓", "x" * 1000]
    public = pd.array(values, dtype=pd.StringDtype(na_value=np.nan))
    for kind in (pa.string(), pa.large_string()):
        ours = string_array(pa.array(values, type=kind))
        pd.testing.assert_extension_array_equal(ours, public)
        chunked = string_array(pa.chunked_array([pa.array(values[:2], type=kind), pa.array(values[2:], type=kind)]))
        pd.testing.assert_extension_array_equal(chunked, public)
