"""The endpoints and providers contracts on every real body (2025 and 2026 shapes) and on drifted ones."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pytest

from orcatalog import SchemaError
from orcatalog.frames.endpoints import check_endpoints_body, endpoints_body_frame, endpoints_frame
from orcatalog.frames.providers import providers_frame
from orcatalog.schema.endpoints import ENDPOINT_COLUMNS, PERCENTILES, PROVIDER_COLUMNS, STATUS_LABELS

from .conftest import read_body

DTYPES = {"str": "str", "json": "str", "bool": "bool", "boolean": "boolean", "Int64": "Int64", "float64": "float64"}


def _bodies(recorded_dir: Path, prefix: str) -> list[tuple[str, dict]]:
    files = sorted((recorded_dir / "endpoints").glob(f"{prefix}*.json.gz"))
    assert files, f"no {prefix} bodies in {recorded_dir}"
    return [(f.name, orjson.loads(read_body(f))) for f in files]


def _assert_contract(df: pd.DataFrame, columns: tuple) -> None:
    assert list(df.columns[: len(columns) - (columns[-1].name == "extra")]) == [
        c.name for c in columns if c.name != "extra"
    ]
    for col in columns:
        if col.dtype == "list<string>":
            assert str(df[col.name].dtype).startswith("list<"), col.name
        else:
            assert str(df[col.name].dtype) == DTYPES[col.dtype], (col.name, df[col.name].dtype)


def _null(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def test_every_endpoints_body_parses_with_exact_prices(recorded_dir: Path) -> None:
    for name, body in _bodies(recorded_dir, "endpoints"):
        endpoints = body["data"]["endpoints"]
        df = endpoints_body_frame(body)
        _assert_contract(df, ENDPOINT_COLUMNS)
        assert len(df) == len(endpoints), name
        # the key within a model: the tag, or the provider name in a body without tags (2025)
        assert df["tag"].astype(object).fillna(df["provider_name"].astype(object)).is_unique, name
        assert (df["model_id"] == body["data"]["id"]).all()
        for row, e in zip(df.itertuples(index=False), endpoints):
            row = row._asdict()
            for key, raw in e["pricing"].items():
                if key in ("overrides", "discount"):
                    continue
                assert row[f"price_{key}"] == float(raw), (name, key)
            for key, column in (("prompt", "prompt_usd_per_mtok"), ("completion", "completion_usd_per_mtok")):
                assert row[column] == float(Decimal(e["pricing"][key]).scaleb(6)), (name, key)
            assert row["discount"] == e["pricing"]["discount"] and isinstance(row["discount"], float)
            assert row["effective_prompt_usd_per_mtok"] == row["prompt_usd_per_mtok"] * (1 - e["pricing"]["discount"])
            assert row["tag"] == e["tag"] if "tag" in e else _null(row["tag"])  # nulls stay null
            assert row["status_label"] == STATUS_LABELS[e["status"]]
            overrides = e["pricing"].get("overrides")
            assert (
                json.loads(row["pricing_overrides"]) if overrides is not None else row["pricing_overrides"]
            ) == overrides or _null(row["pricing_overrides"])
            for window in ("5m", "30m", "1d"):  # nulls stay null; numbers are the body's
                value = e.get(f"uptime_last_{window}")
                assert _null(row[f"uptime_last_{window}"]) if value is None else row[f"uptime_last_{window}"] == value
            for stat, prefix in (("latency_last_30m", "latency"), ("throughput_last_30m", "throughput")):
                obj = e.get(stat)
                for p in PERCENTILES:
                    got = row[f"{prefix}_{p}"]
                    assert _null(got) if obj is None else got == obj[p], (name, stat, p)
            assert list(row["supported_parameters"]) == e["supported_parameters"]
            assert _null(row["extra"])  # every field of every recorded body is in the contract


def test_the_2025_shape_parses_without_tag_or_statistics(recorded_dir: Path) -> None:
    (name, body), *_ = _bodies(recorded_dir, "endpoints-google--gemini-2.5-pro-preview-2025-05-12")
    assert "tag" not in body["data"]["endpoints"][0]
    df = endpoints_body_frame(body)
    assert df["tag"].isna().all()  # nulls stay null: provider_name is the key of this shape
    assert list(df["provider_name"]) == [e["provider_name"] for e in body["data"]["endpoints"]]
    stats = [c for c in df.columns if c.startswith(("uptime_", "latency_", "throughput_"))]
    assert len(stats) == 11 and df[stats].isna().all().all()
    assert df["quantization"].isna().all() and df["supports_implicit_caching"].isna().all()
    assert df.attrs["model"]["id"] == body["data"]["id"] and "endpoints" not in df.attrs["model"]


def test_one_provider_name_two_endpoints_tag_tells_them_apart(recorded_dir: Path) -> None:
    _, body = _bodies(recorded_dir, "endpoints-anthropic--claude-sonnet-4.5")[-1]
    df = endpoints_body_frame(body)
    assert df["provider_name"].duplicated().any() and df["tag"].is_unique
    bedrock = df[df["provider_name"] == "Amazon Bedrock"].set_index("tag")
    raw = {
        e["tag"]: e["pricing"]["prompt"] for e in body["data"]["endpoints"] if e["provider_name"] == "Amazon Bedrock"
    }
    assert len(bedrock) == 2
    for tag, price in raw.items():
        assert bedrock.loc[tag, "price_prompt"] == float(price)


def test_degraded_status_keeps_its_value_and_label(recorded_dir: Path) -> None:
    _, body = _bodies(recorded_dir, "endpoints-openai--gpt-4o")[-1]
    df = endpoints_body_frame(body)
    raw = {e["tag"]: e["status"] for e in body["data"]["endpoints"]}
    assert any(v != 0 for v in raw.values())
    for tag, status in raw.items():
        row = df[df["tag"] == tag].iloc[0]
        assert row["status"] == status and row["status_label"] == ("ok" if status == 0 else "degraded")


def _endpoint(recorded_dir: Path) -> dict:
    _, body = _bodies(recorded_dir, "endpoints-anthropic--claude-sonnet-4.5")[-1]
    return copy.deepcopy(body["data"]["endpoints"][0])


def test_drift_new_keys_go_to_extra_and_new_prices_get_columns(recorded_dir: Path) -> None:
    e = _endpoint(recorded_dir)
    e["brand_new"] = {"x": 1}
    e["pricing"]["video_second"] = "0.002"
    e["latency_last_30m"]["p999"] = 9000
    e["supports_tool_choice"]["parallel"] = True
    df = endpoints_frame([e])
    extra = json.loads(df.loc[0, "extra"])
    assert extra == {"brand_new": {"x": 1}, "latency_last_30m.p999": 9000, "supports_tool_choice.parallel": True}
    assert df.loc[0, "price_video_second"] == 0.002


def test_discount_dynamic_and_null_prices(recorded_dir: Path) -> None:
    e = _endpoint(recorded_dir)
    e["pricing"]["discount"] = 0.25
    dyn = copy.deepcopy(e)
    dyn["tag"], dyn["pricing"]["prompt"], dyn["pricing"]["completion"] = "router", "-1", "-1"
    df = endpoints_frame([e, dyn])
    list_price = float(Decimal(e["pricing"]["prompt"]).scaleb(6))
    assert df.loc[0, "effective_prompt_usd_per_mtok"] == list_price * 0.75
    assert not df.loc[0, "dynamic_pricing"] and df.loc[1, "dynamic_pricing"]
    assert np.isnan(df.loc[1, "price_prompt"]) and np.isnan(df.loc[1, "effective_prompt_usd_per_mtok"])
    assert df.loc[1, "is_free"] is pd.NA


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("latency_last_30m", {"p50": "fast", "p75": 1, "p90": 1, "p99": 1}),
        ("uptime_last_1d", True),
        ("context_length", 1e30),
        ("supported_parameters", "tools"),
        ("latency_last_30m", [1, 2]),
    ],
)
def test_wrong_json_types_are_refused_naming_endpoint_and_field(recorded_dir: Path, field: str, value: object) -> None:
    e = _endpoint(recorded_dir)
    e[field] = value
    with pytest.raises(SchemaError, match=rf"endpoint '.*{e['tag']}'.*{field}") as err:
        endpoints_frame([e])
    # the check a many-model fetch runs before caching (no frame built) refuses it with the same words
    with pytest.raises(SchemaError) as checked:
        check_endpoints_body({"data": {"id": "a/b", "endpoints": [e]}})
    with pytest.raises(SchemaError) as framed:
        endpoints_body_frame({"data": {"id": "a/b", "endpoints": [e]}})
    assert str(checked.value) == str(framed.value) and str(err.value)


@pytest.mark.parametrize(
    "body", [{"data": {"id": "a/b"}}, {"data": 3}, [], {"data": [{"pricing": {}}]}, {"data": [{"provider_name": "X"}]}]
)
def test_bodies_of_the_wrong_shape_are_schema_errors(body: object) -> None:
    with pytest.raises(SchemaError) as framed:
        endpoints_body_frame(body)
    with pytest.raises(SchemaError) as checked:
        check_endpoints_body(body)
    assert str(checked.value) == str(framed.value)


def test_the_check_before_caching_accepts_every_recorded_body(recorded_dir: Path) -> None:
    """check_endpoints_body (a many-model fetch's check) passes every body whose frame can be made."""
    paths = sorted((recorded_dir / "endpoints").glob("endpoints-*.json.gz"))
    assert paths
    for path in paths:
        body = orjson.loads(read_body(path))
        assert len(endpoints_body_frame(body)) > 0
        assert check_endpoints_body(body) is None


def test_duplicate_tags_are_refused(recorded_dir: Path) -> None:
    e = _endpoint(recorded_dir)
    with pytest.raises(SchemaError, match="appears twice"):
        endpoints_frame([e, copy.deepcopy(e)])


def test_zdr_shape_is_a_list_of_endpoints_of_many_models(recorded_dir: Path) -> None:
    endpoints = [
        e
        for _, b in _bodies(recorded_dir, "endpoints")
        if "model_id" in b["data"]["endpoints"][0]
        for e in b["data"]["endpoints"]
    ]
    unique = {(e["model_id"], e["tag"]): e for e in endpoints}  # two dates of one model: keep one
    df = endpoints_body_frame({"data": list(unique.values())})
    assert len(df) == len(unique) and set(df["model_id"]) == {k[0] for k in unique}


def test_every_providers_body_parses(recorded_dir: Path) -> None:
    for name, body in _bodies(recorded_dir, "providers"):
        df = providers_frame(body)
        _assert_contract(df, PROVIDER_COLUMNS)
        assert list(df["slug"]) == [p["slug"] for p in body["data"]], name
        for row, p in zip(df.itertuples(index=False), body["data"]):
            assert list(row.datacenters) == (p["datacenters"] or []), name
            assert row.datacenters_listed == (p["datacenters"] is not None)
            for key in ("name", "headquarters", "privacy_policy_url", "terms_of_service_url", "status_page_url"):
                got = getattr(row, key)
                assert _null(got) if p[key] is None else got == p[key], (name, key)
        kinds = {type(p["datacenters"]).__name__ + str(bool(p["datacenters"])) for p in body["data"]}
        assert {"NoneTypeFalse", "listFalse", "listTrue"} <= kinds, name  # null, [] and countries all occur


def test_providers_drift_and_bad_shapes(recorded_dir: Path) -> None:
    _, body = _bodies(recorded_dir, "providers")[-1]
    body = copy.deepcopy(body)
    body["data"][0]["regions"] = ["eu-west-1"]
    df = providers_frame(body)
    assert json.loads(df.loc[0, "extra"]) == {"regions": ["eu-west-1"]}
    body["data"].append(copy.deepcopy(body["data"][1]))
    with pytest.raises(SchemaError, match="duplicate provider slug"):
        providers_frame(body)
    with pytest.raises(SchemaError, match="provider .*datacenters"):
        providers_frame({"data": [{"slug": "x", "datacenters": "US"}]})
    with pytest.raises(SchemaError):
        providers_frame({"data": {"slug": "x"}})


def test_unknown_fields_land_in_extra_whether_every_endpoint_has_them_or_some(recorded_dir: Path) -> None:
    """Unknown top-level fields are kept column by column when every endpoint has them and endpoint
    by endpoint when only some do: either way each row's ``extra`` holds exactly its own."""
    a, b = _endpoint(recorded_dir), _endpoint(recorded_dir)
    b["tag"] = "second"
    for e, n in ((a, 1), (b, 2)):
        e["brand_new"], e["other_new"] = {"n": n}, None
    every = endpoints_frame([a, b])
    assert [json.loads(x) for x in every["extra"]] == [
        {"brand_new": {"n": 1}, "other_new": None},
        {"brand_new": {"n": 2}, "other_new": None},
    ]
    del b["other_new"]
    some = endpoints_frame([a, b])
    assert [json.loads(x) for x in some["extra"]] == [
        {"brand_new": {"n": 1}, "other_new": None},
        {"brand_new": {"n": 2}},
    ]


def test_the_first_endpoint_at_fault_in_body_order_is_named(recorded_dir: Path) -> None:
    """The shape check reads its columns at C level, but names the first endpoint at fault in body
    order whatever is wrong with the later ones."""
    good, no_pricing = _endpoint(recorded_dir), _endpoint(recorded_dir)
    del no_pricing["pricing"]
    with pytest.raises(SchemaError, match=r"endpoint #1 .* has no 'pricing' object"):
        endpoints_frame([good, no_pricing, ["not", "an", "object"]])
    with pytest.raises(SchemaError, match=r"endpoint #1 is not an object with a string 'provider_name'"):
        endpoints_frame([good, {**good, "provider_name": 3}, no_pricing])
