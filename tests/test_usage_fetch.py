"""Usage fetches (``/activity``, ``/generation``) against the loopback replay server: the contract
on the recorded activity body, management keys, keys kept out of the cache, logs and errors, and bad
arguments refused before any request."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import requests

import orcatalog as oc
from orcatalog.fetch.cache import cached_session
from orcatalog.frames.usage import activity_frame, generation_body_frame
from orcatalog.schema.usage import ACTIVITY_COLUMNS, GENERATION_COLUMNS
from orcatalog.testing import ReplayServer
from orcatalog.testing.fixtures import spec_activity_body

from .conftest import FAST_RETRY, TEST_KEY_A, shared_data_dir
from .secret_scan import assert_no_secret, assert_no_secret_in_cache, assert_no_secret_in_logs

MANAGEMENT_KEY = "sk-or-v1-" + "e5" * 32


def activity_files(recorded_dir: Path) -> list[Path]:
    return sorted((recorded_dir / "activity").glob("activity-*.json.gz"))


@pytest.fixture
def activity_file(recorded_dir: Path) -> Path:
    (path,) = activity_files(recorded_dir)
    return path


@pytest.fixture
def usage_server(activity_file: Path) -> Iterator[ReplayServer]:
    with ReplayServer(keys={TEST_KEY_A: None}, management_keys=[MANAGEMENT_KEY], activity=activity_file) as srv:
        yield srv


def plain_client(server: ReplayServer, **kwargs: object) -> oc.Client:
    return oc.Client(base_url=server.base_url, session=requests.Session(), retries=FAST_RETRY, **kwargs)  # type: ignore[arg-type]


def test_activity_contract_on_the_recorded_body(usage_server: ReplayServer, activity_file: Path) -> None:
    raw = json.loads(gzip.decompress(activity_file.read_bytes()))["data"]
    df = oc.fetch_activity(api_key=MANAGEMENT_KEY, client=plain_client(usage_server))
    assert list(df.columns) == [c.name for c in ACTIVITY_COLUMNS] + ["extra"]
    assert len(df) == len(raw)
    # "YYYY-MM-DD 00:00:00" is a UTC day
    assert str(df["date"].dtype) == "datetime64[s, UTC]"
    assert (df["date"] == df["date"].dt.normalize()).all()
    assert [str(d.date()) for d in df["date"]] == [r["date"][:10] for r in raw]
    # every number as sent; usage -> usage_usd
    for column, key in (
        ("prompt_tokens", "prompt_tokens"),
        ("requests", "requests"),
        ("usage_usd", "usage"),
        ("byok_usage_inference_usd", "byok_usage_inference"),
        ("byok_requests", "byok_requests"),
    ):
        assert df[column].tolist() == [r[key] for r in raw], column
    # the slug's quantization suffix is split off, never lost
    assert df["provider_name"].tolist() == [r["provider_name"] for r in raw]
    suffixed = df["provider_name"].str.contains("/")
    assert suffixed.any() and (~suffixed).any()
    assert (df.loc[suffixed, "provider_slug"] + "/" + df.loc[suffixed, "quantization"]).tolist() == df.loc[
        suffixed, "provider_name"
    ].tolist()
    assert df.loc[~suffixed, "quantization"].isna().all()
    assert df["extra"].isna().all()  # the recorded fields are all in the contract
    assert df.attrs["endpoint"] == "/activity" and df.attrs["key_fingerprint"]


def test_activity_date_filter_and_spec_shaped_body(usage_server: ReplayServer, activity_file: Path) -> None:
    client = plain_client(usage_server)
    raw = json.loads(gzip.decompress(activity_file.read_bytes()))["data"]
    day = raw[-1]["date"][:10]
    for given in (day, dt.date.fromisoformat(day), pd.Timestamp(day)):
        one = oc.fetch_activity(given, api_key=MANAGEMENT_KEY, client=client)
        assert len(one) == sum(r["date"].startswith(day) for r in raw) > 0
        assert (one["date"].dt.strftime("%Y-%m-%d") == day).all()
    assert usage_server.requests[-1]["query"] == {"date": day}
    # the spec's own shape: date "YYYY-MM-DD", display names, no byok_requests
    with ReplayServer(management_keys=[MANAGEMENT_KEY], activity=spec_activity_body()) as spec:
        df = oc.fetch_activity(api_key=MANAGEMENT_KEY, client=plain_client(spec))
    item = spec_activity_body()["data"][0]
    assert df["date"].iloc[0] == pd.Timestamp(item["date"], tz="UTC")
    assert df["provider_slug"].iloc[0] == "OpenAI" and pd.isna(df["quantization"].iloc[0])
    assert pd.isna(df["byok_requests"].iloc[0]) and df["usage_usd"].iloc[0] == item["usage"]


@pytest.mark.parametrize(
    "bad", ["2026-8-1", "2026-02-30", "yesterday", "2026-08-01T12:00:00", 20260801, pd.Timestamp("2026-08-01 12:00")]
)
@pytest.mark.compact_only  # behaviour, not data: the compact set is enough
def test_bad_date_is_refused_before_any_request(usage_server: ReplayServer, bad: object) -> None:
    with pytest.raises(oc.InvalidParameterError, match="date="):
        oc.fetch_activity(bad, api_key=MANAGEMENT_KEY, client=plain_client(usage_server))
    with pytest.raises(oc.InvalidParameterError, match="api_key_hash"):
        oc.fetch_activity(api_key_hash=MANAGEMENT_KEY, api_key=MANAGEMENT_KEY, client=plain_client(usage_server))
    assert usage_server.requests == []


@pytest.mark.compact_only  # behaviour, not data: the compact set is enough
def test_no_key_is_refused_before_any_request(usage_server: ReplayServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    with pytest.raises(oc.InvalidParameterError, match="management key"):
        oc.fetch_activity(client=plain_client(usage_server))
    with pytest.raises(oc.InvalidParameterError, match="API key"):
        oc.fetch_generation("gen-1", client=plain_client(usage_server))
    with pytest.raises(oc.InvalidParameterError, match="generation id"):
        oc.fetch_generation("gen 1", api_key=TEST_KEY_A, client=plain_client(usage_server))
    assert usage_server.requests == []


@pytest.mark.compact_only  # behaviour, not data: the compact set is enough
def test_inference_or_unknown_key_says_a_management_key_is_needed(usage_server: ReplayServer) -> None:
    client = plain_client(usage_server)
    with pytest.raises(oc.ForbiddenError) as forbidden:
        oc.fetch_activity(api_key=TEST_KEY_A, client=client)
    with pytest.raises(oc.UnauthorizedError) as unauthorized:
        oc.fetch_activity(api_key="sk-or-v1-" + "7" * 64, client=client)
    for info, status in ((forbidden, 403), (unauthorized, 401)):
        text = str(info.value)
        assert "\n" not in text and "management key" in text and f"HTTP {status}" in text
        assert info.value.status == status
        assert_no_secret(text + repr(info.value.__dict__), TEST_KEY_A, "sk-or-v1-" + "7" * 64)
    assert "Only management keys" in str(forbidden.value)  # the API's own words are kept


def test_generation_one_row_with_tokens_cost_latency_provider(usage_server: ReplayServer, activity_file: Path) -> None:
    raw = json.loads(gzip.decompress(activity_file.read_bytes()))["data"]
    ids = usage_server.generation_ids()
    assert len(ids) == len(raw) == len(set(ids))
    i = max(range(len(raw)), key=lambda k: raw[k]["prompt_tokens"])
    g = oc.fetch_generation(ids[i], api_key=TEST_KEY_A, client=plain_client(usage_server))
    assert list(g.columns) == [c.name for c in GENERATION_COLUMNS] + ["extra"] and len(g) == 1
    row = g.iloc[0]
    assert row["model"] == raw[i]["model"] and row["provider_name"] == raw[i]["provider_name"]
    assert row["tokens_prompt"] == raw[i]["prompt_tokens"] // raw[i]["requests"]
    assert row["native_tokens_reasoning"] <= row["native_tokens_completion"]
    assert row["latency_ms"] > row["generation_time_ms"] > 0
    assert row["created_at"].strftime("%Y-%m-%d") == raw[i]["date"][:10]
    assert json.loads(row["extra"])["data_region"] == "global"
    with pytest.raises(oc.NotFoundError):
        oc.fetch_generation("gen-unknown", api_key=TEST_KEY_A, client=plain_client(usage_server))


def test_spec_example_generation_reads() -> None:
    yaml = pytest.importorskip("yaml")
    path = shared_data_dir().parent.parent / "spec" / "openrouter-openapi.yaml"
    if not path.is_file():
        pytest.skip(f"the OpenAPI spec is not at {path}")
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    example = spec["components"]["schemas"]["GenerationResponse"]["example"]
    g = generation_body_frame(example, url="spec")
    data = example["data"]
    assert g["total_cost_usd"].iloc[0] == data["total_cost"] and g["latency_ms"].iloc[0] == data["latency"]
    assert g["native_tokens_cached"].iloc[0] == data["native_tokens_cached"]
    assert g["created_at"].iloc[0] == pd.Timestamp(data["created_at"]).floor("s")
    assert json.loads(g["extra"].iloc[0])["router"] == data["router"]


@pytest.mark.parametrize(
    "field, value",
    [("prompt_tokens", "many"), ("usage", True), ("date", "30/07/2026"), ("requests", [1]), ("model", None)],
)
def test_wrong_types_are_refused_naming_row_and_field(field: str, value: object) -> None:
    item = dict(spec_activity_body()["data"][0])
    item[field] = value
    with pytest.raises(oc.SchemaError, match=field):
        activity_frame([item])


def test_unknown_fields_are_kept_in_extra() -> None:
    item = {**spec_activity_body()["data"][0], "cache_read_tokens": 12}
    df = activity_frame([item])
    assert json.loads(df["extra"].iloc[0]) == {"cache_read_tokens": 12}


@pytest.mark.compact_only  # behaviour, not data: the compact set is enough
def test_management_key_never_reaches_cache_logs_or_reprs(
    usage_server: ReplayServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    cache = tmp_path / "cache"
    session = cached_session(cache)
    client = oc.Client(base_url=usage_server.base_url, session=session, retries=FAST_RETRY, api_key=MANAGEMENT_KEY)
    first = oc.fetch_activity(client=client)
    again = oc.fetch_activity(client=client)
    assert not first.attrs["from_cache"] and again.attrs["from_cache"]
    # a second key never sees the first key's cached activity
    with pytest.raises(oc.ForbiddenError) as info:
        oc.fetch_activity(api_key=TEST_KEY_A, client=client)
    generation = oc.fetch_generation(usage_server.generation_ids()[0], client=client)
    texts = [repr(client), repr(first.attrs), repr(generation.attrs), str(info.value), repr(info.value.__dict__)]
    assert_no_secret_in_cache(cache, MANAGEMENT_KEY, TEST_KEY_A, while_open=True)
    assert_no_secret_in_logs(caplog.records, caplog.text, MANAGEMENT_KEY, TEST_KEY_A)
    for text in texts:
        assert_no_secret(text, MANAGEMENT_KEY, TEST_KEY_A)
    session.close()
    assert np.array_equal(first["usage_usd"].to_numpy(), again["usage_usd"].to_numpy())
