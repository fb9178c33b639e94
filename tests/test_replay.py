"""The replay server as real clients see it: one spec-shaped envelope around the recorded bytes,
API-like sorting and 400s, honest about what it cannot filter, the links.details routes, and the
official OpenRouter SDK running its models calls against it."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from orcatalog.testing import ReplayServer
from orcatalog.testing.replay import IGNORED_HEADER

from .conftest import read_body


def _get(server: ReplayServer, path: str, **query: str) -> requests.Response:
    return requests.get(server.base_url + path, params=query, timeout=30)


def _data_array(raw: bytes) -> bytes:
    return raw[raw.index(b"[") : raw.rindex(b"]") + 1]


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"output_modalities": "all"},
        {"q": "gpt"},
        {"offset": "10", "limit": "50"},
        {"sort": "pricing-low-to-high", "output_modalities": "all"},
    ],
)
def test_every_list_reply_is_the_spec_envelope_with_recorded_bytes(latest_file: Path, query: dict[str, str]) -> None:
    recorded = read_body(latest_file)
    with ReplayServer(latest_file) as server:
        reply = _get(server, "/models", **query)
    body = reply.json()
    assert reply.status_code == 200 and list(body) == ["data", "total_count", "links"] and "next" in body["links"]
    if query == {"output_modalities": "all"}:  # nothing left out: the whole recorded array, byte for byte
        assert reply.content.startswith(b'{"data":' + _data_array(recorded) + b',"total_count":346,')
    for model in body["data"]:  # every model is its recorded bytes, as recorded (indentation and all)
        start = recorded.index(b'"id": "' + model["id"].encode() + b'"')
        assert json.loads(recorded[recorded.rindex(b"{", 0, start) : recorded.index(b"\n    }", start) + 6]) == model


def test_pricing_sort_is_by_average_of_prompt_and_completion(latest_file: Path) -> None:
    with ReplayServer(latest_file) as server:
        data = _get(server, "/models", sort="pricing-low-to-high", output_modalities="all").json()["data"]
    prices = [(Decimal(m["pricing"]["prompt"]), Decimal(m["pricing"]["completion"])) for m in data]
    averages = [(p + c) / 2 for p, c in prices if p >= 0 and c >= 0]  # exact decimals, as the API states them
    assert len(averages) > 300 and averages == sorted(averages)
    assert [p for p, _ in prices if p >= 0] != sorted(p for p, _ in prices if p >= 0)  # not by prompt alone


@pytest.mark.parametrize(
    ("name", "value"), [("sort", "cheapest"), ("category", "cooking"), ("output_modalities", "imagez")]
)
def test_unknown_values_get_the_api_400(latest_file: Path, name: str, value: str) -> None:
    with ReplayServer(latest_file) as server:
        reply = _get(server, "/models", **{name: value})
    assert (
        reply.status_code == 400 and reply.json()["error"]["code"] == 400 and value in reply.json()["error"]["message"]
    )


def test_filters_it_cannot_answer_are_not_applied_and_named(recorded_dir: Path) -> None:
    with ReplayServer(recorded_dir / "models-2024-04-19.json.gz") as server:  # no supported_parameters then
        whole = _get(server, "/models", output_modalities="all")
        tools = _get(server, "/models", output_modalities="all", supported_parameters="tools", providers="openai")
    assert IGNORED_HEADER not in whole.headers
    assert tools.headers[IGNORED_HEADER] == "providers,supported_parameters"
    assert tools.json()["total_count"] == whole.json()["total_count"] == 134  # not "0 models"
    with ReplayServer(recorded_dir / "models-2026-04-17.json.gz") as server:  # has them: applied
        tools = _get(server, "/models", output_modalities="all", supported_parameters="tools", sort="most-popular")
    assert tools.headers[IGNORED_HEADER] == "sort" and 0 < tools.json()["total_count"] < 346


@pytest.mark.parametrize("name", ["models-2026-01-01.json.gz", "models-2026-04-17.json.gz"])
def test_fill_required_adds_only_what_the_spec_allows(recorded_dir: Path, name: str) -> None:
    with ReplayServer(recorded_dir / name) as server:
        as_recorded = _get(server, "/models", output_modalities="all").json()["data"]
    with ReplayServer(recorded_dir / name, fill_required=True) as server:
        filled = _get(server, "/models", output_modalities="all").json()["data"]
        one = _get(server, "/model/openai/gpt-4o").json()["data"]
    assert all("supported_voices" not in m for m in as_recorded)  # "as recorded" is the default
    for before, after in zip(as_recorded, filled):
        added = {k: v for k, v in after.items() if k not in before}
        assert {k: after[k] for k in before} == before  # nothing recorded changes
        assert set(added) <= {"supported_voices", "links", "per_request_limits", "default_parameters", "context_length"}
        assert added.get("supported_voices", None) is None
        if "links" in added:
            assert added["links"] == {"details": f"/api/v1/models/{before['canonical_slug']}/endpoints"}
    assert one["supported_voices"] is None and one["links"]["details"].endswith("/endpoints")


def test_fill_required_invents_nothing_for_2024_bodies(recorded_dir: Path) -> None:
    with ReplayServer(recorded_dir / "models-2024-04-19.json.gz", fill_required=True) as server:
        data = _get(server, "/models", output_modalities="all").json()["data"]
    assert all("canonical_slug" not in m and "links" not in m and m["supported_voices"] is None for m in data)


def test_links_details_routes_answer_from_recorded_endpoints(recorded_dir: Path) -> None:
    endpoints = recorded_dir / "endpoints"
    with ReplayServer(recorded_dir / "models-2026-04-17.json.gz", endpoints=endpoints) as server:
        catalog = {m["id"]: m for m in _get(server, "/models", output_modalities="all").json()["data"]}
        details = catalog["anthropic/claude-sonnet-4.5"]["links"]["details"]  # by canonical slug
        found = requests.get(server.base_url.removesuffix("/api/v1") + details, timeout=30)
        by_id = _get(server, "/models/openai/gpt-4o/endpoints")
        missing = _get(server, "/models/mistralai/no-such-model/endpoints")
    newest = sorted(endpoints.glob("endpoints-anthropic--claude-sonnet-4.5-*.json.gz"))[-1]
    assert found.status_code == 200 and found.content == read_body(newest)
    assert by_id.status_code == 200 and by_id.json()["data"]["id"] == "openai/gpt-4o"
    assert missing.status_code == 404 and missing.json() == {"error": {"code": 404, "message": "Resource not found"}}
    with ReplayServer() as sample:  # the packaged sample carries its endpoints bodies too
        assert _get(sample, "/models/openai/gpt-4o/endpoints").status_code == 200


@pytest.mark.parametrize("name", ["models-2025-12-18.json.gz", "models-2026-04-17.json.gz"])
def test_the_official_sdk_runs_its_models_calls(recorded_dir: Path, name: str) -> None:
    from openrouter import OpenRouter

    key = "sk-or-v1-" + "c3" * 32
    with ReplayServer(recorded_dir / name, keys={key: None}, fill_required=True) as server:
        sdk = OpenRouter(api_key=key, server_url=server.base_url)
        listed = sdk.models.list(output_modalities="all")
        one = sdk.models.get(author="openai", slug="gpt-4o")
        count = sdk.models.count(output_modalities="all")
        mine = sdk.models.list_for_user(security={"bearer": key}, output_modalities="all")
    total = len(json.loads(read_body(recorded_dir / name))["data"])
    assert listed is not None and len(listed.result.data) == listed.result.total_count == total
    assert one.data.id == "openai/gpt-4o" and float(one.data.pricing.prompt) > 0
    assert count.data.count == total
    assert mine is not None and len(mine.result.data) == total
