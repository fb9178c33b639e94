"""The replay server's endpoints, ZDR and providers routes, and its spec-shaped endpoint fixtures."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import requests
from openrouter import components, operations

from orcatalog.frames.endpoints import endpoints_body_frame
from orcatalog.frames.providers import providers_frame
from orcatalog.testing import ReplayServer
from orcatalog.testing.fixtures import spec_endpoints_body


def _get(server: ReplayServer, path: str) -> requests.Response:
    return requests.get(server.base_url + path, timeout=10)


def test_providers_route_serves_the_newest_recorded_body(recorded_dir: Path) -> None:
    newest = sorted((recorded_dir / "endpoints").glob("providers-*.json.gz"))[-1]
    with ReplayServer(recorded_dir / "models-2026-04-17.json.gz", endpoints=recorded_dir / "endpoints") as server:
        reply = _get(server, "/providers")
    assert reply.status_code == 200 and reply.content == gzip.decompress(newest.read_bytes())
    operations.ListProvidersResponse.model_validate(reply.json())  # the official SDK accepts it
    assert len(providers_frame(reply.json())) == len(reply.json()["data"])


def test_providers_route_is_a_404_without_a_recording(recorded_dir: Path) -> None:
    with ReplayServer(recorded_dir / "models-2026-04-17.json.gz") as server:
        assert _get(server, "/providers").status_code == 404


def test_zdr_lists_the_2026_recordings_endpoints_and_fixture_ones(recorded_dir: Path) -> None:
    source = recorded_dir / "endpoints"
    recorded = {}
    for f in sorted(source.glob("endpoints-*.json.gz")):
        data = orjson.loads(gzip.decompress(f.read_bytes()))["data"]
        recorded[data["id"]] = data["endpoints"]  # the newest recording of each model wins
    expected = sum(len(e) for e in recorded.values() if "model_id" in e[0])
    with ReplayServer(recorded_dir / "models-2026-04-17.json.gz", endpoints=source) as server:
        plain = _get(server, "/endpoints/zdr").json()
    with ReplayServer(recorded_dir / "models-2026-04-17.json.gz", endpoints=source, spec_endpoints=True) as server:
        with_fixtures = _get(server, "/endpoints/zdr").json()
    assert len(plain["data"]) == expected > 0
    assert len(with_fixtures["data"]) > expected
    assert all("_zdr" not in e for e in with_fixtures["data"])
    frame = endpoints_body_frame(with_fixtures)
    assert frame["model_id"].nunique() > 10 and len(frame) == len(with_fixtures["data"])


def test_spec_fixtures_are_what_the_official_sdk_accepts_and_recordings_win(recorded_dir: Path) -> None:
    catalog = orjson.loads(gzip.decompress((recorded_dir / "models-2026-04-17.json.gz").read_bytes()))["data"]
    recorded_id = "openai/gpt-4o"
    other = next(
        m
        for m in catalog
        if m["id"] not in (recorded_id, "anthropic/claude-sonnet-4.5")
        and not m["id"].startswith("google/gemini-2.5-pro-preview")
    )
    with ReplayServer(
        recorded_dir / "models-2026-04-17.json.gz", endpoints=recorded_dir / "endpoints", spec_endpoints=True
    ) as server:
        fixture = _get(server, f"/models/{other['id']}/endpoints")
        again = _get(server, f"/models/{other['id']}/endpoints")
        real = _get(server, f"/models/{recorded_id}/endpoints")
        missing = _get(server, "/models/nobody/nothing/endpoints")
    assert fixture.headers["X-Replay-Fixture"] == "spec-shaped" and "X-Replay-Fixture" not in real.headers
    assert fixture.content == again.content  # deterministic
    parsed = components.ListEndpointsResponse.model_validate(fixture.json()["data"])
    assert len(parsed.endpoints) >= 2 and missing.status_code == 404
    frame = endpoints_body_frame(fixture.json())
    assert (frame["model_id"] == other["id"]).all() and frame["tag"].is_unique
    assert frame["latency_p50"].notna().any() and frame["provider_name"].duplicated().sum() <= 1


def test_fixture_prices_scale_the_catalog_price() -> None:
    model = {
        "id": "acme/big",
        "name": "Acme Big",
        "pricing": {"prompt": "0.000001", "completion": "0.000002"},
        "context_length": 1000,
    }
    body = spec_endpoints_body(model, providers=12)
    prices = [float(e["pricing"]["prompt"]) / 0.000001 for e in body["data"]["endpoints"]]
    assert len(prices) == 12 and all(0.6 <= p <= 1.4 for p in prices) and len(set(prices)) > 3
