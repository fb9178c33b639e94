"""One scope rule (orcatalog.scope) for fetched frames, stored snapshots and diff."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

import orcatalog as oc
from orcatalog.scope import (
    CATALOG_SCOPE,
    SERVER_DEFAULT_SCOPE,
    asks_server_default,
    frame_scope,
    is_unfiltered,
    scope_of,
    unfiltered_rows,
)
from orcatalog.testing import ReplayServer
from orcatalog.testing.legacy import store_in_layout

from .conftest import FAST_RETRY, TEST_KEY_A

EU = "https://eu.openrouter.ai/api/v1"


def test_the_rule() -> None:
    assert (
        scope_of(None, "/models", {"output_modalities": "all"})
        == scope_of("https://openrouter.ai/api/v1/", "/models", {"output_modalities": "all"})
        == CATALOG_SCOPE
    )
    # a bare /models is the server's default list, text output only (the spec: "Defaults to text"):
    # the same scope as an explicit output_modalities=text, never the whole catalog
    assert scope_of(None) == scope_of(None, "/models", {"output_modalities": "text"}) == SERVER_DEFAULT_SCOPE
    assert SERVER_DEFAULT_SCOPE == "/models output_modalities=text" != CATALOG_SCOPE
    assert asks_server_default("/models", {}) and asks_server_default("/models/count", {"sort": "newest"})
    assert not asks_server_default("/models", {"output_modalities": "text"})
    assert not asks_server_default("/models/user", {})  # the spec documents no such filter there
    assert scope_of(None, "/models/user", {}, "abc") == scope_of(
        None, "/models/user", {"output_modalities": "all"}, "abc"
    )
    # a region is the same scope whether asked by host or by filter
    assert scope_of(EU) == scope_of(None, "/models", {"region": "eu"}) == "/models region=eu output_modalities=text"
    assert scope_of(EU, "/models", {"output_modalities": "all"}) == "/models region=eu"
    assert scope_of("https://us.openrouter.ai/api/v1", "/models", {"output_modalities": "all"}) == "/models region=us"
    # a replay server's random port is not part of the scope; a proxy's host and port are
    assert scope_of("http://127.0.0.1:40001/api/v1") == scope_of("http://127.0.0.1:40002/api/v1")
    assert scope_of("https://proxy.example:8443/api/v1") != scope_of("https://proxy.example:9443/api/v1")
    assert "secret" not in scope_of("https://user:secret@proxy.example/api/v1")
    assert scope_of(None, "/models", {"input_modalities": "image", "output_modalities": "all"}) == (
        "/models input_modalities=image"
    )
    # a filter without output_modalities still gets the server's default
    assert (
        scope_of(None, "/models", {"input_modalities": "image"})
        == "/models input_modalities=image output_modalities=text"
    )
    assert scope_of(None, "/models/user", {}, "abc123") == "/models/user key=abc123"
    # sort orders the list, it chooses no models: the sorted catalog is the catalog, and unfiltered
    assert scope_of(None, "/models", {"sort": "pricing-low-to-high", "output_modalities": "all"}) == CATALOG_SCOPE
    assert scope_of(None, "/models", {"sort": "pricing-low-to-high"}) == SERVER_DEFAULT_SCOPE
    assert is_unfiltered("/models", {"sort": "newest", "output_modalities": "all"})
    assert not is_unfiltered("/models", {"sort": "newest", "q": "gpt"})
    # the server's default list is a whole list of its scope (never empty; the partial rule applies)
    assert is_unfiltered("/models", {}) and is_unfiltered("/models", {"output_modalities": "text"})
    assert not is_unfiltered("/models", {"output_modalities": "image"})
    assert not is_unfiltered("/models", {"output_modalities": "text", "q": "gpt"})


def test_snapshot_and_fetch_of_one_server_compare(new_store, server: ReplayServer) -> None:
    client = oc.Client(base_url=server.base_url, session=requests.Session(), retries=FAST_RETRY)
    store = new_store()
    snap = store.snapshot(client)
    fetched = client.fetch_models()
    assert fetched.attrs["scope"] == snap.attrs["scope"] == store.snapshots()["scope"].iloc[0]
    d = oc.diff(snap, fetched)  # raised MixedScopeError before: two rules disagreed
    assert d.empty
    user = client.fetch_user_models(api_key=TEST_KEY_A)
    assert user.attrs["scope"].startswith("/models/user") and user.attrs["key_fingerprint"] in user.attrs["scope"]
    with pytest.raises(oc.MixedScopeError):
        oc.diff(fetched, user)


def test_replay_servers_on_other_ports_are_one_scope(new_store, dated_files: list[Path]) -> None:
    store = new_store()
    ids = []
    for path in dated_files[-2:]:  # two recorded days, each served on its own random port
        with ReplayServer(path) as srv:
            client = oc.Client(base_url=srv.base_url, session=requests.Session(), retries=FAST_RETRY)
            ids.append(store.snapshot(client).attrs["snapshot_id"])
    assert store.snapshots()["scope"].nunique() == 1
    assert len(oc.diff(store.load(ids[0]), store.load(ids[1]))) > 0  # raised MixedScopeError before
    assert len(store.history().attrs["snapshot_times"][store.snapshots()["scope"].iloc[0]]) == 2


def test_an_eu_import_is_not_the_global_catalog(new_store, dated_files: list[Path]) -> None:
    store = new_store()
    (glob,) = store.import_files(dated_files[-1], progress=False)
    (eu,) = store.import_files(dated_files[-2], base_url=EU, progress=False)
    scopes = store.snapshots().set_index("snapshot_id")["scope"]
    assert scopes[glob] == SERVER_DEFAULT_SCOPE and scopes[eu] == "/models region=eu output_modalities=text"
    with pytest.raises(oc.MixedScopeError):
        oc.diff(store.load(eu), store.load(glob))
    assert frame_scope({"base_url": EU, "endpoint": "/models", "params": {}}) == scopes[eu]
    assert frame_scope({"base_url": EU, "endpoint": "/models", "params": {"output_modalities": "all"}}) != scopes[eu]


def test_unfiltered_rows_is_is_unfiltered_on_stored_query_texts() -> None:
    """The store's manifest rows answer by the same rule as a fetch: key order, the default
    ``output_modalities=all`` and a missing query do not matter; a filter or /models/user does."""
    queries = [
        "{}",
        '{"output_modalities": "all"}',
        '{"input_modalities": "image"}',
        None,
        "{}",
        '{"output_modalities": "text"}',
        '{"output_modalities": "image"}',
    ]
    endpoints = ["/models", "/models", "/models", "/models", "/models/user", "/models", "/models"]
    got = unfiltered_rows(queries, endpoints)
    assert got == [True, True, False, True, False, True, False]
    assert got[:3] == [
        is_unfiltered("/models", p) for p in ({}, {"output_modalities": "all"}, {"input_modalities": "image"})
    ]
    # without endpoints only the filters count (the partial-catalog rule covers /models/user too)
    assert unfiltered_rows(queries) == [True, True, False, True, True, True, False]


@pytest.mark.parametrize("layout", ["parquet", "delta"])
def test_the_default_scope_prefers_the_catalog_then_the_servers_default_list(
    tmp_path: Path, dated_files: list[Path], layout: str
) -> None:
    """One rule (orcatalog.scope.default_scope) for both layouts: catalog, else the server's default
    list, else the newest whole list of another host or region, else the newest snapshot."""
    store = store_in_layout(tmp_path / "s", layout)
    by_name = {p.name: p for p in dated_files}
    store.import_files(by_name["models-2025-12-18.json.gz"], query={"input_modalities": "image"}, progress=False)
    assert store.load().attrs["scope"] == "/models input_modalities=image output_modalities=text"  # the newest
    store.import_files(by_name["models-2025-12-25.json.gz"], base_url=EU, progress=False)
    store.import_files(by_name["models-2026-01-01.json.gz"], query={"q": "gpt"}, progress=False)
    assert store.load().attrs["scope"] == "/models region=eu output_modalities=text"  # the newest whole list
    store.import_files(by_name["models-2025-11-12.json.gz"], progress=False)  # older, but the server's default
    assert store.load().attrs["scope"] == SERVER_DEFAULT_SCOPE
    assert set(store.history().attrs["snapshot_times"]) == {SERVER_DEFAULT_SCOPE}
    store.import_files(by_name["models-2025-05-22.json.gz"], query={"output_modalities": "all"}, progress=False)
    assert store.load().attrs["scope"] == CATALOG_SCOPE  # the oldest of all, but the whole catalog
    assert set(store.history().attrs["snapshot_times"]) == {CATALOG_SCOPE}
