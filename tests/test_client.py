"""Every endpoint, filter and header against the loopback replay server."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import requests

import orcatalog as oc
from orcatalog.testing import ReplayServer

from .conftest import FAST_RETRY, SERVED_FILE, TEST_KEY_A, TEST_KEY_B, read_body


def test_fetch_models_defaults_to_whole_catalog(client: oc.Client, server: ReplayServer) -> None:
    body = json.loads(read_body(SERVED_FILE))
    df = client.fetch_models()
    assert len(df) == len(body["data"]) == 346
    assert server.requests[-1]["query"] == {"output_modalities": "all"}


def test_default_all_shows_models_the_server_default_hides(latest_file: Path) -> None:
    """The recorded bodies are text-output catalogs; add an embedding model as the live API has them."""
    body = json.loads(read_body(latest_file))
    embed = {
        "id": "openai/text-embedding-3-small",
        "name": "OpenAI: Text Embedding 3 Small",
        "pricing": {"prompt": "0.00000002", "completion": "0"},
        "architecture": {
            "modality": "text->embeddings",
            "input_modalities": ["text"],
            "output_modalities": ["embeddings"],
        },
    }
    body["data"].append(embed)
    with ReplayServer(body) as srv:
        c = oc.Client(base_url=srv.base_url, session=requests.Session(), retries=FAST_RETRY)
        everything = c.fetch_models()
        text_only = c.fetch_models(output_modalities="text")
        assert len(everything) == 347 and len(text_only) == 346
        row = everything[everything["id"] == embed["id"]].iloc[0]
        assert row["output_embeddings"] and not row["output_text"]
        assert c.count_models() == 347 and c.count_models("text") == 346


def test_provenance_attrs(client: oc.Client, server: ReplayServer) -> None:
    before = pd.Timestamp.now(tz="UTC")
    df = client.fetch_models(q="claude")
    attrs = df.attrs
    assert attrs["url"] == server.base_url + "/models"
    assert attrs["params"] == {"q": "claude", "output_modalities": "all"}
    assert attrs["endpoint"] == "/models"
    assert attrs["from_cache"] is False and attrs["stale"] is False
    assert attrs["fetched_at"].tz is not None and attrs["fetched_at"] >= before.floor("s")
    assert isinstance(attrs["server_date"], pd.Timestamp)
    assert abs(attrs["server_date"] - attrs["fetched_at"]) < pd.Timedelta(seconds=5)


def test_filters_are_sent_and_applied(client: oc.Client, server: ReplayServer) -> None:
    df = client.fetch_models(
        input_modalities=["image", "file"],
        context=100_000,
        max_price=5.0,
        model_authors=["google", "openai"],
        supported_parameters="tools",
        sort="pricing-low-to-high",
    )
    query = server.requests[-1]["query"]
    assert query == {
        "input_modalities": "image,file",
        "context": "100000",
        "max_price": "5",
        "model_authors": "google,openai",
        "supported_parameters": "tools",
        "sort": "pricing-low-to-high",
        "output_modalities": "all",
    }
    assert len(df) > 0
    assert df["input_image"].all() and df["input_file"].all()
    assert (df["context_length"] >= 100_000).all()
    assert (df["prompt_usd_per_mtok"] <= 5.0).all()
    assert set(df["author"]) <= {"google", "openai"}
    assert df["supported_parameters"].map(lambda p: "tools" in list(p)).all()
    # the API sorts by the average of prompt and completion price (the spec's words), not by prompt alone
    assert ((df["prompt_usd_per_mtok"] + df["completion_usd_per_mtok"]) / 2).is_monotonic_increasing


def test_every_documented_filter_is_accepted(client: oc.Client, server: ReplayServer) -> None:
    filters = dict(
        category="programming",
        supported_parameters=["tools", "temperature"],
        output_modalities=["text", "image"],
        sort="newest",
        q="gpt",
        input_modalities=["text"],
        context=8000,
        min_price=0,
        max_price=100,
        min_output_price=0.0,
        max_output_price=200.0,
        arch="GPT",
        model_authors=["openai"],
        providers=["OpenAI"],
        distillable=True,
        zdr=True,
        region="eu",
        min_age_days=0,
        max_age_days=10_000,
        min_intelligence_index=0,
        max_intelligence_index=100,
        min_coding_index=1.5,
        max_coding_index=99,
        min_agentic_index=0,
        max_agentic_index=100,
        min_tool_success_rate=0.5,
        max_tool_success_rate=1,
    )
    client.fetch_models(**filters)
    query = server.requests[-1]["query"]
    assert set(query) == set(filters)
    assert query["distillable"] == "true" and query["zdr"] == "true" and query["region"] == "eu"
    assert query["providers"] == "OpenAI" and query["min_tool_success_rate"] == "0.5"
    client.fetch_models(distillable=False)
    assert server.requests[-1]["query"]["distillable"] == "false"


def test_pagination_is_followed(client: oc.Client, server: ReplayServer) -> None:
    full = client.fetch_models()
    paged = client.fetch_models(page_size=100)
    assert paged.attrs["pages"] == 4 and paged.attrs["total_count"] == 346
    assert list(paged["id"]) == list(full["id"])
    offsets = [r["query"].get("offset") for r in server.requests[-4:]]
    assert offsets == ["0", "100", "200", "300"]


@pytest.mark.compact_only  # behaviour, not data: the compact set is enough
def test_partial_pages_without_links_use_offset(latest_file: Path) -> None:
    """A server that pages on its own (total_count larger than the page, no links.next) is followed."""
    body = json.loads(read_body(latest_file))

    class PagingServer(ReplayServer):
        def _list(self, b, models, query, path):  # type: ignore[no-untyped-def]
            offset = int(query.get("offset", 0))
            page = models[offset : offset + 150]
            return 200, {"data": page, "total_count": len(models), "links": {"next": None}}, {}

    with PagingServer(body) as srv:
        c = oc.Client(base_url=srv.base_url, session=requests.Session(), retries=FAST_RETRY)
        df = c.fetch_models()
        assert len(df) == 346 and df["id"].is_unique and df.attrs["pages"] == 3


@pytest.mark.compact_only  # behaviour, not data: the compact set is enough
def test_overlapping_pages_do_not_duplicate(latest_file: Path) -> None:
    body = json.loads(read_body(latest_file))

    class ShiftingServer(ReplayServer):
        def _list(self, b, models, query, path):  # type: ignore[no-untyped-def]
            offset = int(query.get("offset", 0))
            start = max(offset - 5, 0)  # the catalog shifted: each page repeats 5 models
            page = models[start : offset + 200]
            nxt = f"/api/v1/models?offset={offset + 200}&limit=200" if offset + 200 < len(models) else None
            return 200, {"data": page, "total_count": len(models), "links": {"next": nxt}}, {}

    with ShiftingServer(body) as srv:
        c = oc.Client(base_url=srv.base_url, session=requests.Session(), retries=FAST_RETRY)
        df = c.fetch_models()
        assert df["id"].is_unique and len(df) == 346


def test_count_models(client: oc.Client, server: ReplayServer) -> None:
    assert client.count_models() == 346
    assert server.requests[-1]["query"] == {"output_modalities": "all"}
    n_image = client.count_models(["image"])
    assert n_image == len(client.fetch_models(output_modalities="image")) == 6


def test_fetch_model_variants_aliases_and_404(client: oc.Client, server: ReplayServer) -> None:
    one = client.fetch_model("openai/gpt-4o")
    assert list(one["id"]) == ["openai/gpt-4o"] and one["price_prompt"].iloc[0] > 0
    assert server.requests[-1]["path"] == "/api/v1/model/openai/gpt-4o"
    free = client.fetch_model("google/gemma-4-31b-it:free")
    assert free["variant"].iloc[0] == "free" and bool(free["is_free"].iloc[0])
    assert server.requests[-1]["path"] == "/api/v1/model/google/gemma-4-31b-it:free"
    alias = client.fetch_model("~anthropic/claude-opus-latest")
    assert alias["alias_target_slug"].iloc[0] == "anthropic/claude-opus-4.7" and alias["is_alias"].iloc[0]
    with pytest.raises(oc.NotFoundError) as info:
        client.fetch_model("openai/no-such-model")
    assert isinstance(info.value, LookupError) and info.value.status == 404
    assert "openai/no-such-model" in str(info.value)


@pytest.mark.parametrize(
    "bad", ["gpt-4o", "openai/", "/gpt-4o", "a/b/c", "a/../b", "a/b c", "a/b?x=1", 42, None, "a/b:"]
)
def test_fetch_model_rejects_bad_ids_before_any_request(client: oc.Client, server: ReplayServer, bad: object) -> None:
    with pytest.raises(oc.InvalidParameterError):
        client.fetch_model(bad)  # type: ignore[arg-type]
    assert server.requests == []


def test_user_models_need_a_key_and_see_their_own_list(client: oc.Client, server: ReplayServer) -> None:
    with pytest.raises(oc.InvalidParameterError, match="OPENROUTER_API_KEY"):
        client.fetch_user_models()
    assert server.requests == []
    a = client.fetch_user_models(TEST_KEY_A)
    b = client.fetch_user_models(TEST_KEY_B)
    assert len(a) == 346 and set(b["id"]) == {"openai/gpt-4o", "anthropic/claude-opus-4.7"}
    assert a.attrs["key_fingerprint"] != b.attrs["key_fingerprint"]
    with pytest.raises(oc.UnauthorizedError) as info:
        client.fetch_user_models("sk-or-v1-" + "0" * 64)
    assert info.value.status == 401


def test_a_required_key_is_resolved_once_for_every_user_call(server: ReplayServer) -> None:
    """The argument, the client's key and an injected session's Authorization header are one rule
    for fetch_user_models and a /models/user body: same fingerprint, same scope, same message."""
    bare = oc.Client(base_url=server.base_url, session=requests.Session(), retries=FAST_RETRY)
    for call in (bare.fetch_user_models, lambda: bare.fetch_body(user=True)):
        with pytest.raises(oc.InvalidParameterError, match="needs an API key: pass api_key= or set OPENROUTER_API_KEY"):
            call()
    assert server.requests == []
    by_argument = bare.fetch_body(user=True, api_key=TEST_KEY_B)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {TEST_KEY_B}"
    by_session = oc.Client(base_url=server.base_url, session=session, retries=FAST_RETRY)
    frame = by_session.fetch_user_models()
    body = by_session.fetch_body(user=True)
    assert len(frame) == 2 and len(body.body["data"]) == 2
    assert frame.attrs["key_fingerprint"] == body.key_fingerprint == by_argument.key_fingerprint
    assert frame.attrs["scope"] == body.scope == by_argument.scope


def test_user_models_key_from_environment(server: ReplayServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", TEST_KEY_B)
    monkeypatch.setenv("ORCATALOG_BASE_URL", server.base_url)
    df = oc.fetch_user_models()
    assert len(df) == 2


def test_app_headers_per_client_and_per_call(server: ReplayServer) -> None:
    c = oc.Client(
        base_url=server.base_url,
        session=requests.Session(),
        http_referer="https://example.org/nb",
        title="My Notebook",
        categories=["cli-agent", "cloud-agent"],
    )
    c.fetch_models()
    sent = server.requests[-1]["headers"]
    assert sent["HTTP-Referer"] == "https://example.org/nb"
    assert sent["X-OpenRouter-Title"] == "My Notebook"
    assert sent["X-OpenRouter-Categories"] == "cli-agent,cloud-agent"
    c.count_models(headers={"X-OpenRouter-Title": "Per Call"})
    assert server.requests[-1]["headers"]["X-OpenRouter-Title"] == "Per Call"
    with pytest.raises(oc.InvalidParameterError):
        c.fetch_models(headers={"Authorization": "Bearer x"})


def test_module_functions_use_the_environment(server: ReplayServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORCATALOG_BASE_URL", server.base_url)
    assert len(oc.fetch_models(q="gpt-4o")) >= 1
    assert oc.count_models() == 346
    assert oc.fetch_model("openai/gpt-4o")["id"].iloc[0] == "openai/gpt-4o"
    assert all(r["path"].startswith("/api/v1/") for r in server.requests)


def test_every_function_takes_client(client: oc.Client, server: ReplayServer) -> None:
    assert len(oc.fetch_models(client=client, q="claude")) > 0
    assert oc.count_models(client=client) == 346
    assert len(oc.fetch_model("openai/gpt-4o", client=client)) == 1
    assert len(oc.fetch_user_models(TEST_KEY_B, client=client)) == 2


def test_per_call_retries_override(server: ReplayServer) -> None:
    c = oc.Client(
        base_url=server.base_url, session=requests.Session(), retries=oc.RetryConfig(attempts=3, backoff=0.01)
    )
    server.add_fault(status=503, times=2)
    assert len(c.fetch_models()) == 346  # two failures, third attempt wins
    server.add_fault(status=503, times=2)
    with pytest.raises(oc.ServerError) as info:
        c.fetch_models(retries=oc.RetryConfig(attempts=1))
    assert info.value.attempts == 1
    server.clear_faults()


def test_regional_base_url_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    c = oc.Client(base_url="https://eu.openrouter.ai/api/v1/")
    assert c.base_url == "https://eu.openrouter.ai/api/v1"
    for bad in ("ftp://x", "openrouter.ai", "https://x/api?k=1", 5):
        with pytest.raises(oc.InvalidParameterError):
            oc.Client(base_url=bad)  # type: ignore[arg-type]
