"""fetch_endpoints / fetch_providers against the replay server: one model, many models with faults,
ZDR, providers, caching, bad arguments and Ctrl-C. Time is injected: nothing here really sleeps."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from pathlib import Path

import orjson
import pandas as pd
import pytest
import requests

import orcatalog as oc
from orcatalog.fetch.endpoints import PoolGate, fetch_many, many_frame
from orcatalog.frames.endpoints import endpoints_body_frame
from orcatalog.frames.providers import providers_frame
from orcatalog.testing import ReplayServer

from .conftest import COMPACT_DIR

RETRY = oc.RetryConfig(attempts=3, backoff=0.5, multiplier=2, max_wait=30, deadline=20)
CATALOG = COMPACT_DIR / "models-2026-04-17.json.gz"
ENDPOINTS = COMPACT_DIR / "endpoints"


class FakeTime:
    """A monotonic clock that only moves when someone sleeps (thread-safe)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


@pytest.fixture
def eserver() -> Iterator[ReplayServer]:
    with ReplayServer(CATALOG, endpoints=ENDPOINTS, spec_endpoints=True) as srv:
        yield srv


def _client(server: ReplayServer, cache_dir: Path | None = None, **kw: object) -> oc.Client:
    session = None if cache_dir else requests.Session()
    return oc.Client(
        base_url=server.base_url, session=session, cache_dir=cache_dir, retries=RETRY, timeout=(5, 10), **kw
    )  # type: ignore[arg-type]


def _catalog_ids(n: int) -> list[str]:
    return [m["id"] for m in orjson.loads(gzip.decompress(CATALOG.read_bytes()))["data"][:n]]


def _recorded(name: str) -> dict:
    return orjson.loads(gzip.decompress(sorted(ENDPOINTS.glob(f"{name}*.json.gz"))[-1].read_bytes()))


def test_one_model_is_the_recorded_body_flattened_and_cached(eserver: ReplayServer, tmp_path: Path) -> None:
    client = _client(eserver, tmp_path / "cache")
    first = oc.fetch_endpoints("anthropic/claude-sonnet-4.5", client=client)
    again = oc.fetch_endpoints("anthropic/claude-sonnet-4.5", client=client)
    expected = endpoints_body_frame(_recorded("endpoints-anthropic--claude-sonnet-4.5"))
    pd.testing.assert_frame_equal(first, expected)
    pd.testing.assert_frame_equal(again, expected)
    assert not first.attrs["from_cache"] and again.attrs["from_cache"] and len(eserver.requests) == 1
    assert first.attrs["endpoint"] == "/models/anthropic/claude-sonnet-4.5/endpoints"


def test_unknown_model_is_a_not_found_error(eserver: ReplayServer) -> None:
    with pytest.raises(oc.NotFoundError):
        oc.fetch_endpoints("nobody/nothing", client=_client(eserver))


def test_zdr_and_providers(eserver: ReplayServer) -> None:
    client = _client(eserver)
    zdr = oc.fetch_endpoints(zdr=True, client=client)
    providers = oc.fetch_providers(client=client)
    raw = requests.get(eserver.base_url + "/providers", timeout=10).json()
    pd.testing.assert_frame_equal(providers, providers_frame(raw))
    assert zdr["model_id"].nunique() > 10 and zdr.attrs["endpoint"] == "/endpoints/zdr"
    assert "error" not in zdr.columns


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"model_id": "a/b", "zdr": True},
        {"model_id": "a/b", "models": ["c/d"]},
        {"model_id": "../etc"},
        {"models": ["a/b", "no slash"]},
        {"models": "a/b"},
        {"models": ["a/b"], "concurrency": 0},
        {"models": ["a/b"], "concurrency": 1000},
        {"zdr": "yes"},
        {"models": pd.DataFrame({"x": [1]})},
    ],
)
def test_bad_arguments_fail_before_any_request(eserver: ReplayServer, kwargs: dict) -> None:
    with pytest.raises(oc.InvalidParameterError):
        oc.fetch_endpoints(client=_client(eserver), **kwargs)
    assert eserver.requests == []


def test_many_models_with_a_429_a_404_and_a_reset(eserver: ReplayServer) -> None:
    ids = _catalog_ids(20)
    missing = "nobody/nothing"
    eserver.add_fault(path="/models/", status=429, headers={"Retry-After": "2"})
    eserver.add_fault(path="/models/", status=200, reset_after=50)
    fake = FakeTime()
    fetched, failed = fetch_many(_client(eserver), [*ids, missing], concurrency=4, clock=fake.clock, sleep=fake.sleep)
    frame = many_frame(fetched, failed, [*ids, missing])
    assert set(fetched) == set(ids) and list(failed) == [missing]
    assert isinstance(failed[missing], oc.NotFoundError)
    good = frame[frame["error"].isna()]
    assert set(good["model_id"]) == set(ids) and good["tag"].notna().all()
    bad = frame[frame["error"].notna()]
    assert list(bad["model_id"]) == [missing] and bad["error"].iloc[0].startswith("NotFoundError")
    assert bad["dynamic_pricing"].dtype == bool and bad["price_prompt"].isna().all()
    assert 2.0 in fake.sleeps  # Retry-After honoured, through the injected sleep
    assert len(eserver.requests) == len(ids) + 1 + 2  # every model once, plus one retry per fault
    for model_id in ids:  # every body as served, flattened alike
        served = requests.get(eserver.base_url + f"/models/{model_id}/endpoints", timeout=10).json()
        pd.testing.assert_frame_equal(
            good[good["model_id"] == model_id].drop(columns="error").reset_index(drop=True),
            endpoints_body_frame(served),
            check_like=False,
        )


def test_public_many_fetch_reports_errors_and_requests(eserver: ReplayServer) -> None:
    ids = _catalog_ids(6)
    frame = oc.fetch_endpoints(models=pd.DataFrame({"id": [*ids, ids[0], "nobody/nothing"]}), client=_client(eserver))
    assert frame.attrs["requests"] == len(eserver.requests) == len(ids) + 1
    assert frame["error"].notna().sum() == 1 and set(frame["model_id"]) == {*ids, "nobody/nothing"}
    # rows in the order asked, a failed model in its place (trial: it came last)
    middle = oc.fetch_endpoints(models=[ids[0], "nobody/nothing", ids[1]], client=_client(eserver))
    assert list(dict.fromkeys(middle["model_id"].astype(str))) == [ids[0], "nobody/nothing", ids[1]]


def test_a_server_error_storm_ends_in_one_error_row_after_the_attempts(eserver: ReplayServer) -> None:
    ids = _catalog_ids(5)
    eserver.add_fault(path=f"/models/{ids[2]}/endpoints", status=503, times=10)
    fake = FakeTime()
    fetched, failed = fetch_many(_client(eserver), ids, concurrency=2, clock=fake.clock, sleep=fake.sleep)
    assert list(failed) == [ids[2]] and isinstance(failed[ids[2]], oc.ServerError)
    assert failed[ids[2]].attempts == RETRY.attempts
    assert len(eserver.requests) == len(ids) - 1 + RETRY.attempts
    assert fake.sleeps == [RETRY.wait(1), RETRY.wait(2)]


def test_a_huge_retry_after_fails_that_model_at_once(eserver: ReplayServer) -> None:
    ids = _catalog_ids(3)
    eserver.add_fault(path=f"/models/{ids[0]}/endpoints", status=429, headers={"Retry-After": "3600"})
    fake = FakeTime()
    fetched, failed = fetch_many(_client(eserver), ids, clock=fake.clock, sleep=fake.sleep)
    assert list(failed) == [ids[0]] and isinstance(failed[ids[0]], oc.RateLimitError)
    assert fake.sleeps == [] and len(eserver.requests) == len(ids)


def test_a_429_closes_the_gate_for_every_worker() -> None:
    fake = FakeTime()
    gate = PoolGate(fake.clock, fake.sleep, threading.Event())
    assert gate.wait() and fake.sleeps == []
    gate.pause(2.0)
    gate.pause(0.5)  # a shorter pause never reopens the gate early
    seen: list[bool] = []
    others = [threading.Thread(target=lambda: seen.append(gate.wait())) for _ in range(3)]
    for t in others:
        t.start()
    for t in others:
        t.join()
    assert seen == [True, True, True] and fake.now >= 1002.0
    assert sum(fake.sleeps) == pytest.approx(2.0)  # the first waiter slept; the clock then let the rest pass


def test_the_pool_retries_by_the_one_rule_of_a_single_request(eserver: ReplayServer) -> None:
    """A model of a many-model fetch is retried as fetch_endpoints(model) would be (fetch/http.py's
    decide): a redirect loop (requests' TooManyRedirects) is not worth retrying there, so the pool
    tries it once too, where its own rule used to retry every TransportError."""
    ids = _catalog_ids(3)
    path = f"/models/{ids[1]}/endpoints"
    url = eserver.base_url + path
    eserver.add_fault(path=path, status=302, headers={"Location": url}, body=b"", times=1000)
    fake = FakeTime()
    fetched, failed = fetch_many(_client(eserver), ids, concurrency=2, clock=fake.clock, sleep=fake.sleep)
    assert set(fetched) == {ids[0], ids[2]} and list(failed) == [ids[1]]
    assert isinstance(failed[ids[1]], oc.TransportError) and "TooManyRedirects" in str(failed[ids[1]])
    looped = [r for r in eserver.requests if r["path"].endswith(path)]
    eserver.clear_faults()
    with pytest.raises(oc.TransportError, match="TooManyRedirects"):
        eserver.add_fault(path=path, status=302, headers={"Location": url}, body=b"", times=1000)
        oc.fetch_endpoints(ids[1], client=_client(eserver))
    alone = [r for r in eserver.requests if r["path"].endswith(path)][len(looped) :]
    assert len(looped) == len(alone) == requests.Session().max_redirects + 1 and fake.sleeps == []


def test_ctrl_c_stops_cleanly_and_keeps_what_was_fetched_cached(eserver: ReplayServer, tmp_path: Path) -> None:
    ids = _catalog_ids(30)
    done: list[str] = []

    def interrupt_after_three(model_id: str) -> None:
        done.append(model_id)
        if len(done) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fetch_many(_client(eserver, tmp_path / "cache"), ids, concurrency=2, on_result=interrupt_after_three)
    # The workers run ahead of the calling thread, so how many were sent before the interrupt
    # was seen depends on scheduling; what is promised: the rest are never sent, nothing is sent
    # after the call returns, and every request that was sent finished and stayed in the cache.
    sent = [r["path"].removeprefix("/api/v1/models/").removesuffix("/endpoints") for r in eserver.requests]
    assert set(done) <= set(sent) and len(sent) < len(ids)
    offline = _client(eserver, tmp_path / "cache", offline=True)
    for model_id in sent:
        assert oc.fetch_endpoints(model_id, client=offline).attrs["from_cache"], model_id
    assert len(eserver.requests) == len(sent)  # the offline reads sent nothing, and no worker ran on


def test_a_body_that_breaks_the_contract_is_that_models_error_and_is_not_cached(
    eserver: ReplayServer, tmp_path: Path
) -> None:
    ids = _catalog_ids(3)
    eserver.add_fault(path=f"/models/{ids[1]}/endpoints", status=200, body={"data": {"endpoints": [{"x": 1}]}})
    client = _client(eserver, tmp_path / "cache")
    frame = oc.fetch_endpoints(models=ids, client=client)
    bad = frame[frame["error"].notna()]
    assert list(bad["model_id"]) == [ids[1]] and bad["error"].iloc[0].startswith("SchemaError")
    assert set(frame.loc[frame["error"].isna(), "model_id"]) == {ids[0], ids[2]}
    with pytest.raises(oc.NotInCacheError):  # the refused body never reached the cache
        oc.fetch_endpoints(ids[1], client=_client(eserver, tmp_path / "cache", offline=True))
    assert oc.fetch_endpoints(ids[0], client=_client(eserver, tmp_path / "cache", offline=True)).attrs["from_cache"]


def test_the_pool_waits_on_the_client_s_injected_clock(eserver: ReplayServer) -> None:
    """fetch_endpoints(models=...) through the public API: a 429's Retry-After is waited on the
    Client's own clock and sleep (issue 17: the clock and the sleep reach every loop), never really."""
    ids = _catalog_ids(4)
    eserver.add_fault(path="/models/", status=429, headers={"Retry-After": "3"})
    fake = FakeTime()
    frame = oc.fetch_endpoints(models=ids, client=_client(eserver, clock=fake.clock, sleep=fake.sleep))
    assert frame["error"].isna().all() and set(frame["model_id"]) == set(ids)
    assert 3.0 in fake.sleeps and fake.now >= 1003.0


def test_client_methods_are_the_module_functions_with_that_client(eserver: ReplayServer) -> None:
    """client.fetch_endpoints / fetch_providers / fetch_activity answer what the module functions
    given client= answer (one implementation), from the replay server."""
    from orcatalog.testing.fixtures import spec_activity_body

    client = _client(eserver)
    model = "anthropic/claude-sonnet-4.5"
    pd.testing.assert_frame_equal(client.fetch_endpoints(model), oc.fetch_endpoints(model, client=client))
    many = client.fetch_endpoints(models=[model, "nobody/nothing"], progress=False)
    assert set(many["model_id"]) == {model, "nobody/nothing"} and many["error"].notna().sum() == 1
    pd.testing.assert_frame_equal(client.fetch_providers(), oc.fetch_providers(client=client))
    key = "sk-or-v1-" + "e6" * 32
    with ReplayServer(CATALOG, management_keys=[key], activity=spec_activity_body()) as usage:
        c = _client(usage)
        pd.testing.assert_frame_equal(c.fetch_activity(api_key=key), oc.fetch_activity(api_key=key, client=c))
        assert len(c.fetch_activity(api_key=key)) == len(spec_activity_body()["data"])


def test_a_variant_and_an_alias_of_one_model_never_sink_the_fetch(eserver: ReplayServer) -> None:
    """Trial (issue 18): the replay server answered nvidia/nemotron-3-nano-30b-a3b with its :free
    variant's body (the first id sharing its canonical slug), and the two bodies' rows then had one
    (model_id, tag) key: the whole fetch of 80 models was refused. A base id is answered with its
    own body now; and an id answered with a model another id of the list already gave (here the
    canonical slug of claude-opus-4.7, asked beside its id) is one error row, the others kept."""
    ids = _catalog_ids(80)
    base, variant = "nvidia/nemotron-3-nano-30b-a3b", "nvidia/nemotron-3-nano-30b-a3b:free"
    assert {base, variant} <= set(ids)
    frame = oc.fetch_endpoints(models=ids, client=_client(eserver))
    assert frame["error"].isna().all()
    assert set(frame["model_id"]) == set(ids)  # every row is of the model asked for
    slug = "anthropic/claude-4.7-opus-20260416"  # canonical_slug of anthropic/claude-opus-4.7
    both = oc.fetch_endpoints(models=["anthropic/claude-opus-4.7", slug, "openai/gpt-4o"], client=_client(eserver))
    (error,) = both.loc[both["error"].notna()].itertuples()
    assert error.model_id == slug and "answered with the endpoints of anthropic/claude-opus-4.7" in error.error
    assert set(both.loc[both["error"].isna(), "model_id"]) == {"anthropic/claude-opus-4.7", "openai/gpt-4o"}


def test_requests_counts_what_went_out_not_what_the_cache_answered(eserver: ReplayServer, tmp_path: Path) -> None:
    """Trial (issue 18): a second, cached fetch of the same models said it made as many requests
    as the first. attrs['requests'] now counts the requests sent: the server's own count."""
    ids = _catalog_ids(5)
    client = _client(eserver, cache_dir=tmp_path / "cache")
    first = oc.fetch_endpoints(models=ids, client=client)
    assert first.attrs["requests"] == len(eserver.requests) == len(ids)
    again = oc.fetch_endpoints(models=[*ids, "nobody/nothing"], client=client)
    assert len(eserver.requests) == len(ids) + 1  # only the uncached one went out
    assert again.attrs["requests"] == 1
