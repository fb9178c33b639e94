"""Issue 7: the fetch layer against hostile servers and hostile files (rows "added after an independent
adversarial trial" of reliability.md). Real loopback servers, the real cache file, no mocks."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
import requests
import requests_cache

import orcatalog as oc
from orcatalog.fetch.cache import CACHE_FILE_NAME, cached_session
from orcatalog.testing import ReplayServer

from . import hostile
from .conftest import FAST_RETRY, TEST_KEY_A, TEST_KEY_B, read_body
from .secret_scan import (
    assert_no_secret,
    assert_no_secret_in_cache,
    assert_no_secret_in_files,
    assert_no_secret_in_logs,
)

# -- the key never leaks -------------------------------------------------------------------------


@pytest.fixture
def latest_body(latest_file: Path) -> bytes:
    return read_body(latest_file)


@pytest.mark.compact_only  # behaviour, not data: the compact set is enough
@pytest.mark.parametrize("kind", ["same-port", "other-port", "localhost"])
def test_redirect_never_writes_the_key_anywhere(
    kind: str, latest_body: bytes, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Row "a redirect in front of /models/user": a 302 to another path of the same server, to
    another port, or to ``localhost``. Every file the library writes (cache incl. -wal/-shm, store,
    exports), every DEBUG line of every logger, every error and repr is free of the key."""
    caplog.set_level(logging.DEBUG)
    cache_dir = tmp_path / "cache"
    with hostile.HostileServer(hostile.serve(latest_body)) as other:
        front = hostile.HostileServer(hostile.serve(b""))
        target = {
            "same-port": "/final",
            "other-port": f"http://127.0.0.1:{other.port}/final",
            "localhost": f"http://localhost:{front.port}/final",
        }[kind]
        front.handler = hostile.redirect_then_serve(
            lambda p: target + p if p.startswith("/api/v1/") else None, latest_body
        )
        with front, ReplayServer(latest_body, keys={}) as refusing:
            c = oc.Client(base_url=front.url(), api_key=TEST_KEY_A, cache_dir=cache_dir, retries=FAST_RETRY)
            df = c.fetch_user_models()
            assert len(df) == 346 and c.fetch_user_models().attrs["from_cache"]
            store = oc.SnapshotStore(tmp_path / "store")
            snap = store.snapshot(c, user=True)
            oc.to_csv(df, tmp_path / "export.csv")
            oc.to_parquet(df, tmp_path / "export.parquet")
            with pytest.raises(oc.UnauthorizedError) as info:
                oc.Client(base_url=refusing.base_url, session=requests.Session()).fetch_user_models(TEST_KEY_B)
            texts = [
                repr(c),
                repr(df.attrs),
                repr(snap.attrs),
                repr(store.snapshots().to_dict()),
                str(info.value),
                repr(info.value.__dict__),
            ]
            c.session.close()
        texts.append(caplog.text)
        sent = [h.get("Authorization", "") for _, h in front.requests]
    assert any(TEST_KEY_A in s for s in sent)  # the key really went out, so the scan means something
    written = [cache_dir, tmp_path / "store", tmp_path / "export.csv", tmp_path / "export.parquet"]
    assert assert_no_secret_in_files(written, TEST_KEY_A, TEST_KEY_B) >= 5
    for text in texts:
        assert_no_secret(text, TEST_KEY_A, TEST_KEY_B, where="log/error/repr")


def test_a_foreign_cached_session_is_refused_for_keyed_requests(server: ReplayServer, tmp_path: Path) -> None:
    """Row "a user's own CachedSession passed as session=": requests-cache leaves Authorization out
    of its key, so key B would get key A's list; orcatalog refuses before sending anything."""
    own = requests_cache.CachedSession(str(tmp_path / "mine"), backend="sqlite")
    c = oc.Client(base_url=server.base_url, session=own, retries=FAST_RETRY)
    assert len(c.fetch_models()) == 346  # no credential: any session is fine
    before = len(server.requests)
    for call in (lambda: c.fetch_user_models(TEST_KEY_A), lambda: c.fetch_user_models(TEST_KEY_B)):
        with pytest.raises(oc.InvalidParameterError, match="cached_session") as info:
            call()
        assert_no_secret(str(info.value), TEST_KEY_A, TEST_KEY_B)
    own.headers["Authorization"] = f"Bearer {TEST_KEY_A}"  # a key on the session itself counts too
    with pytest.raises(oc.InvalidParameterError):
        c.fetch_models(refresh=True)
    assert len(server.requests) == before
    own.close()


def test_orcatalogs_cached_session_keeps_keys_apart_when_passed_in(server: ReplayServer, tmp_path: Path) -> None:
    session = cached_session(tmp_path / "cache")
    c = oc.Client(base_url=server.base_url, session=session, retries=FAST_RETRY)
    assert len(c.fetch_user_models(TEST_KEY_A)) == 346
    assert len(c.fetch_user_models(TEST_KEY_B)) == 2
    session.close()


@pytest.mark.parametrize("userinfo", [f"user:{TEST_KEY_A}", TEST_KEY_A, f":{TEST_KEY_A}"])
@pytest.mark.parametrize("via", ["argument", "environment"])
def test_credentials_in_the_base_url_are_refused(
    userinfo: str,
    via: str,
    server: ReplayServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Row "credentials in the base URL": refused before any request, log line, cache or store write,
    with a message pointing to api_key= that does not repeat the key."""
    caplog.set_level(logging.DEBUG)
    url = server.base_url.replace("http://", f"http://{userinfo}@")
    monkeypatch.setenv("ORCATALOG_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(oc.InvalidParameterError, match="api_key=") as info:
        if via == "argument":
            oc.Client(base_url=url)
        else:
            monkeypatch.setenv("ORCATALOG_BASE_URL", url)
            oc.SnapshotStore(tmp_path / "store").snapshot()
    assert server.requests == []
    assert not (tmp_path / "cache").exists()
    for text in (str(info.value), repr(info.value), caplog.text):
        assert_no_secret(text, TEST_KEY_A)


# -- the cache is never poisoned -----------------------------------------------------------------


def _entries(cache_dir: Path) -> dict[str, bytes]:
    con = sqlite3.connect(cache_dir / CACHE_FILE_NAME)
    try:
        return dict(con.execute("SELECT key, value FROM responses"))
    finally:
        con.close()


def _deep(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


POISON = {
    "data-null": {"data": None},
    "duplicate-ids": {"data": [{"id": "a/b", "pricing": {}}, {"id": "a/b", "pricing": {}}]},
    "price-true": {"data": [{"id": "a/b", "pricing": {"prompt": True, "completion": "0"}}]},
    "price-list": {"data": [{"id": "a/b", "pricing": {"prompt": ["0.1"], "completion": "0"}}]},
    "count-1e30": {"data": [{"id": "a/b", "context_length": 1e30}]},
    "created-1e18": {"data": [{"id": "a/b", "created": -1e18}]},
    "dict-modality": {
        "data": [{"id": "a/b", "architecture": {"input_modalities": ["text"], "output_modalities": [{"x": 1}]}}]
    },
    "deep-nesting": {"data": [{"id": "a/b", "future": _deep(300)}]},
}


@pytest.mark.parametrize("poison", POISON.values(), ids=POISON.keys())
def test_a_json_200_that_is_not_a_models_list_never_replaces_a_good_entry(
    poison: dict, server: ReplayServer, cache_dir: Path
) -> None:
    """Row "a valid-JSON 200 that is not a models list after a good fetch": typed error, the good
    entry stays byte-identical, the next call is served from it, and stale_if_error falls back on it."""
    c = oc.Client(base_url=server.base_url, cache_dir=cache_dir, retries=FAST_RETRY)
    good = c.fetch_models()
    before = _entries(cache_dir)
    server.add_fault(status=200, body=json.dumps(poison).encode(), times=2)  # json: orjson stops at 254 levels
    with pytest.raises(oc.SchemaError):
        c.fetch_models(refresh=True)  # refresh: straight to the (now broken) server
    assert _entries(cache_dir) == before
    stale = oc.Client(base_url=server.base_url, cache_dir=cache_dir, retries=FAST_RETRY, stale_if_error=True)
    fallback = stale.fetch_models(refresh=True)
    assert fallback.attrs["stale"] and fallback.equals(good)
    server.clear_faults()
    again = c.fetch_models()
    assert again.attrs["from_cache"] and again.equals(good)
    assert _entries(cache_dir) == before


MALFORMED = {k: v for k, v in POISON.items() if k not in ("data-null", "duplicate-ids")}


@pytest.mark.parametrize("poison", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_body_is_never_snapshotted(poison: dict, tmp_path: Path) -> None:
    """Rows "prices of the wrong JSON type ..." and "deep nesting ...": a typed error naming the
    model, and nothing written to the store."""
    store = oc.SnapshotStore(tmp_path / "store")
    with ReplayServer(json.dumps(poison).encode()) as srv:
        c = oc.Client(base_url=srv.base_url, session=requests.Session(), retries=FAST_RETRY)
        with pytest.raises(oc.SchemaError, match="'a/b'"):
            store.snapshot(c)
    assert not store.exists() or len(store.snapshots()) == 0  # nothing was written
    assert [p for p in (tmp_path / "store").rglob("*") if p.is_file()] == []


IMPORT_CASES = [pytest.param(v, id=k) for k, v in MALFORMED.items()]


@pytest.mark.parametrize("poison", IMPORT_CASES)
def test_a_malformed_body_file_is_never_imported(poison: dict, tmp_path: Path) -> None:
    store = oc.SnapshotStore(tmp_path / "store")
    body = tmp_path / "models-2026-01-01T000000Z.json"
    body.write_text(json.dumps(poison))
    with pytest.raises(oc.SchemaError, match="'a/b'"):
        store.import_files([body])
    assert not store.exists() or len(store.snapshots()) == 0  # nothing was written
    assert [p for p in (tmp_path / "store").rglob("*") if p.is_file()] == []


def _foreign_schema(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE responses (key TEXT PRIMARY KEY, data BLOB)")
    con.commit()
    con.close()


def _other_app(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    con.execute("INSERT INTO notes (text) VALUES ('keep me')")
    con.commit()
    con.close()


@pytest.mark.parametrize("make", [_foreign_schema, _other_app], ids=["foreign-responses-table", "other-app"])
def test_a_sqlite_file_of_a_foreign_schema_is_moved_aside(make, server: ReplayServer, cache_dir: Path) -> None:
    """Row "a cache file that is SQLite with a foreign schema": warning, moved aside intact, work goes on."""
    cache_dir.mkdir(parents=True)
    make(cache_dir / CACHE_FILE_NAME)
    original = (cache_dir / CACHE_FILE_NAME).read_bytes()
    c = oc.Client(base_url=server.base_url, cache_dir=cache_dir, retries=FAST_RETRY)
    with pytest.warns(RuntimeWarning, match="moved it"):
        assert len(c.fetch_models()) == 346
    aside = list(cache_dir.glob(CACHE_FILE_NAME + ".corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == original
    assert c.fetch_models().attrs["from_cache"]


@pytest.mark.parametrize("bad", [b'{"status_code": "not a number"}\n{}', b"\xff\xfe not json", b'{"url": 1}\n'])
def test_a_malformed_cache_row_is_a_miss_with_a_warning(bad: bytes, server: ReplayServer, cache_dir: Path) -> None:
    """Row "... or a bad row": the damaged entry is ignored with a warning and replaced by a good one."""
    c = oc.Client(base_url=server.base_url, cache_dir=cache_dir, retries=FAST_RETRY)
    good = c.fetch_models()
    con = sqlite3.connect(cache_dir / CACHE_FILE_NAME)
    con.execute("UPDATE responses SET value = ?", (bad,))
    con.commit()
    con.close()
    with pytest.warns(RuntimeWarning, match="damaged HTTP cache entry"):
        again = c.fetch_models()
    assert not again.attrs["from_cache"] and again.equals(good)
    assert c.fetch_models().attrs["from_cache"]
    assert len(server.requests) == 2


# -- bounded time and memory ---------------------------------------------------------------------


def test_headers_dripped_byte_by_byte_hit_the_overall_deadline() -> None:
    """Row "headers dripped one byte at a time": each byte arrives well inside the read timeout,
    so only the overall deadline can stop it. The drip ends after ~4 s with a dropped connection;
    without a deadline on the header phase that (and retries) is what the caller would see."""
    with hostile.HostileServer(hostile.drip_headers(0.05, nbytes=80)) as drip:
        c = oc.Client(
            base_url=drip.url(),
            session=requests.Session(),
            timeout=(3, 5),
            retries=oc.RetryConfig(attempts=3, backoff=0.01, deadline=1.0),
        )
        with pytest.raises(oc.RequestTimeoutError, match="overall deadline of 1.0 s") as info:
            c.fetch_models()
        assert len(drip.requests) == 1 and info.value.attempts == 1


def test_the_deadline_holds_in_the_header_phase_of_a_cached_session(tmp_path: Path) -> None:
    with hostile.HostileServer(hostile.drip_headers(0.05, nbytes=80)) as drip:
        c = oc.Client(
            base_url=drip.url(),
            cache_dir=tmp_path / "cache",
            timeout=(3, 5),
            retries=oc.RetryConfig(attempts=2, backoff=0.01, deadline=1.0),
        )
        with pytest.raises(oc.RequestTimeoutError, match="overall deadline"):
            c.fetch_models()
        c.session.close()
    assert _entries(tmp_path / "cache") == {}


def test_a_gzip_bomb_is_a_typed_error_in_bounded_memory(tmp_path: Path) -> None:
    """Row "a gzip bomb": 256 MiB of decoded body from ~256 KB on the wire, against the default cap
    (64 MiB): BodyTooLargeError, memory bounded by the cap, nothing cached."""
    import tracemalloc

    with hostile.HostileServer(hostile.gzip_bomb(decoded_mb=256)) as bomb:
        c = oc.Client(base_url=bomb.url(), cache_dir=tmp_path / "cache", retries=FAST_RETRY)
        assert c.max_body_bytes == 64 * 2**20
        tracemalloc.start()
        try:
            with pytest.raises(oc.BodyTooLargeError, match="max_body_bytes") as info:
                c.fetch_models()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        c.session.close()
        assert len(bomb.requests) == 1  # never retried: a bigger body will not shrink
    assert isinstance(info.value, oc.InvalidResponseError)
    assert peak < 2 * c.max_body_bytes, f"peak {peak / 2**20:.0f} MiB"
    assert _entries(tmp_path / "cache") == {}


def test_a_body_over_a_set_cap_is_refused_and_not_cached(server: ReplayServer, cache_dir: Path) -> None:
    """The cap is settable; a real 560 KB catalog over a 100 KB cap is refused (announced length)."""
    c = oc.Client(base_url=server.base_url, cache_dir=cache_dir, retries=FAST_RETRY, max_body_bytes=100_000)
    with pytest.raises(oc.BodyTooLargeError, match="100000"):
        c.fetch_models()
    assert _entries(cache_dir) == {} and len(server.requests) == 1
    assert len(oc.Client(base_url=server.base_url, cache_dir=cache_dir).fetch_models()) == 346


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "64MB", None])
def test_max_body_bytes_is_checked_before_any_request(bad: object) -> None:
    with pytest.raises(oc.InvalidParameterError, match="max_body_bytes"):
        oc.Client(max_body_bytes=bad)  # type: ignore[arg-type]


# -- issue 16: the key where a hostile server puts it ---------------------------------------------

CANARY = "sk-or-v1-LEAKCANARY0123456789"


def _keyed_front(kind: str, body: bytes, other_port: int | None = None) -> hostile.Handler:
    """The three server scenarios of issue 16, answering ``/api/v1/models/user``:

    - ``same-host``: a 302 whose Location carries the key in its path and query, on the same host;
    - ``cross-host``: a 302 to another host (``localhost``, other port) with the key in its path,
      which redirects back to the first host with the key in the query;
    - ``echo``: a 200 with a header echoing ``Bearer <key>``;
    - ``code-401``: a 401 whose error ``code`` (and message) hold ``Bearer <key>``.
    """

    def handler(conn, path: str, headers: dict[str, str], stop) -> None:
        if kind == "echo":
            conn.sendall(
                hostile.response(
                    200, body, {"Content-Type": "application/json", "X-Echo": headers.get("Authorization", "")}
                )
            )
        elif kind == "code-401":
            error = {"error": {"code": f"Bearer {CANARY}", "message": f"bad key {CANARY}", "metadata": {"key": CANARY}}}
            conn.sendall(hostile.response(401, json.dumps(error).encode()))
        elif path.startswith("/api/v1/models/user") and kind == "same-host":
            conn.sendall(hostile.response(302, b"", {"Location": f"/final/{CANARY}?k={CANARY}"}))
        elif path.startswith("/api/v1/models/user"):
            conn.sendall(hostile.response(302, b"", {"Location": f"http://localhost:{other_port}/hop/{CANARY}"}))
        else:  # the final hop
            conn.sendall(hostile.response(200, body))

    return handler


def _back_home(front_port: list[int]) -> hostile.Handler:
    def handler(conn, path: str, headers: dict[str, str], stop) -> None:
        conn.sendall(hostile.response(302, b"", {"Location": f"http://127.0.0.1:{front_port[0]}/final?x={CANARY}"}))

    return handler


def _all_bytes(folder: Path) -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted(folder.glob("*")) if p.is_file()]


@pytest.mark.compact_only  # behaviour, not data: the compact set is enough
@pytest.mark.parametrize("kind", ["same-host", "cross-host", "echo", "code-401"])
def test_the_key_never_reaches_cache_logs_or_errors_whatever_the_server_does(
    kind: str, latest_body: bytes, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16's three server scenarios with a canary key: the cache files (database, -wal and
    -shm, scanned while the session is still open and again after), every DEBUG record of every
    logger, the exception's str, repr and traceback, and the command line's stderr (also with
    ORCATALOG_DEBUG=1) never hold the key."""
    import traceback

    from click.testing import CliRunner

    from orcatalog.cli import main

    caplog.set_level(logging.DEBUG)
    cache_dir = tmp_path / "cache"
    front_port: list[int] = []
    with hostile.HostileServer(_back_home(front_port)) as other:
        with hostile.HostileServer(_keyed_front(kind, latest_body, other.port)) as front:
            front_port.append(front.port)
            c = oc.Client(base_url=front.url(), api_key=CANARY, cache_dir=cache_dir, retries=FAST_RETRY)
            texts: list[str] = []
            if kind == "code-401":
                with pytest.raises(oc.UnauthorizedError) as info:
                    c.fetch_user_models()
                exc = info.value
                assert "REDACTED" in exc.code and exc.api_message == "bad key REDACTED"
                texts += [str(exc), repr(exc), repr(vars(exc)), "".join(traceback.format_exception(exc))]
            else:
                df = c.fetch_user_models()
                assert len(df) == 346 and c.fetch_user_models().attrs["from_cache"]
                texts.append(repr(df.attrs))
            assert_no_secret_in_cache(cache_dir, CANARY, while_open=True)
            open_files = _all_bytes(cache_dir)  # the session is open: the -wal and -shm files exist
            c.session.close()
            monkeypatch.setenv("OPENROUTER_API_KEY", CANARY)
            monkeypatch.setenv("ORCATALOG_BASE_URL", front.url())
            monkeypatch.setenv("ORCATALOG_CACHE_DIR", str(tmp_path / "cli-cache"))
            for debug in ("0", "1"):
                monkeypatch.setenv("ORCATALOG_DEBUG", debug)
                result = CliRunner().invoke(main, ["user-models"])
                texts += [result.output, getattr(result, "stderr", "")]
                if result.exception is not None and not isinstance(result.exception, SystemExit):
                    texts.append("".join(traceback.format_exception(result.exception)))
            if kind == "code-401":
                assert "UnauthorizedError" in texts[-1] or "HTTP 401" in " ".join(texts)
        sent = [h.get("Authorization", "") for _, h in front.requests]
    assert any(CANARY in s for s in sent)  # the key really went out, so the scan means something
    assert {name for name, _ in open_files} >= {CACHE_FILE_NAME, CACHE_FILE_NAME + "-wal", CACHE_FILE_NAME + "-shm"}
    for name, data in open_files:
        assert_no_secret(data, CANARY, where=f"{name} (session open)")
    assert assert_no_secret_in_cache(cache_dir, CANARY) >= 1
    assert assert_no_secret_in_cache(tmp_path / "cli-cache", CANARY) >= 1
    assert_no_secret_in_logs(caplog.records, caplog.text, CANARY)
    for text in texts:
        assert_no_secret(text, CANARY, where="log/error/stderr")
    if kind in ("same-host", "cross-host"):  # the DEBUG lines did talk about the hops: the filter rewrote them
        assert "REDACTED" in caplog.text


# -- issue 16: values read strictly ----------------------------------------------------------------

UNREADABLE_PRICES = [
    "1_000",
    "Infinity",
    "1e400",
    "-5",
    "-1e-9",
    "-Infinity",
    "NaN",
    -5,
    " 1",
    "+1",
    "0x10",
    "1e-400",
    "-1.0",
    "-01",
    "-1e0",
]  # the last four: issue 16's trial (read as 0 / as dynamic)


@pytest.mark.parametrize("raw", UNREADABLE_PRICES, ids=[repr(v) for v in UNREADABLE_PRICES])
def test_a_price_that_is_not_a_price_is_kept_in_extra_with_a_warning(raw: object, tmp_path: Path) -> None:
    """Issue 16's value table, fetched from a real server into the real cache: a price string
    float() would take ("1_000", "Infinity", "NaN"), one beyond float's range ("1e400"), a
    negative price other than -1: never a number, never the dynamic-pricing flag, never free;
    the raw value is in ``extra`` under its field and a warning names model and field."""
    body = {
        "data": [
            {"id": "x/odd", "pricing": {"prompt": raw, "completion": "0.000002"}},
            {"id": "x/plain", "pricing": {"prompt": "0.000001", "completion": "0.000002"}},
        ]
    }
    with ReplayServer(json.dumps(body).encode()) as srv:
        c = oc.Client(base_url=srv.base_url, cache_dir=tmp_path / "cache", retries=FAST_RETRY)
        with pytest.warns(oc.UnreadableValueWarning, match=r"'x/odd' pricing\.prompt="):
            df = c.fetch_models().set_index("id")
    odd = df.loc["x/odd"]
    assert pd.isna(odd["price_prompt"]) and pd.isna(odd["prompt_usd_per_mtok"])
    assert not odd["dynamic_pricing"] and pd.isna(odd["is_free"])
    assert json.loads(odd["extra"]) == {"pricing.prompt": raw}
    assert df.loc["x/plain", "prompt_usd_per_mtok"] == 1.0 and not df.loc["x/plain", "dynamic_pricing"]


@pytest.mark.parametrize(
    ("raw", "price", "dynamic", "free"),
    [("-1", None, True, None), (-1, None, True, None), ("-0", 0.0, False, True), ("0", 0.0, False, True)],
)
def test_only_minus_one_means_dynamic_and_minus_zero_is_free(
    raw: object, price: float | None, dynamic: bool, free: bool | None
) -> None:
    body = {"data": [{"id": "x/m", "pricing": {"prompt": raw, "completion": raw}}]}
    with ReplayServer(json.dumps(body).encode()) as srv:
        row = oc.Client(base_url=srv.base_url, session=requests.Session(), retries=FAST_RETRY).fetch_models().iloc[0]
    assert bool(row["dynamic_pricing"]) is dynamic
    if price is None:
        assert pd.isna(row["price_prompt"]) and pd.isna(row["is_free"])
    else:
        assert row["price_prompt"] == price and str(row["price_prompt"]) == "0.0"  # not -0.0
        assert row["is_free"] == free and str(row["prompt_usd_per_mtok"]) == "0.0"
    assert pd.isna(row["extra"])


@pytest.mark.parametrize("raw", [2**53 + 1, 2**63, "1_000", "Infinity", "1e400", "-5", -1])
def test_a_count_out_of_range_or_not_an_integer_is_refused_and_not_cached(
    raw: object, server: ReplayServer, cache_dir: Path
) -> None:
    """context_length 2**53 + 1 used to be stored as 2**53, past the documented range (0..2**53)."""
    c = oc.Client(base_url=server.base_url, cache_dir=cache_dir, retries=FAST_RETRY)
    good = c.fetch_models()
    before = _entries(cache_dir)
    body = json.dumps({"data": [{"id": "x/long", "context_length": raw}]}).encode()
    server.add_fault(status=200, body=body, times=5)
    with pytest.raises(oc.SchemaError, match=r"model 'x/long'.*context_length"):
        c.fetch_models(refresh=True)
    assert _entries(cache_dir) == before
    server.clear_faults()
    assert c.fetch_models().equals(good)


def test_the_largest_count_is_read_exactly() -> None:
    body = {"data": [{"id": "x/long", "context_length": 2**53, "top_provider": {"max_completion_tokens": "4096"}}]}
    with ReplayServer(json.dumps(body).encode()) as srv:
        row = oc.Client(base_url=srv.base_url, session=requests.Session(), retries=FAST_RETRY).fetch_models().iloc[0]
    assert row["context_length"] == 2**53 and row["max_completion_tokens"] == 4096


@pytest.mark.compact_only  # behaviour, not data: the compact set is enough
def test_a_200_body_that_holds_the_key_is_refused_and_never_cached(latest_body: bytes, tmp_path: Path) -> None:
    """A server that writes the caller's key into a 200 body (here: "your key is <key>" in a model's
    description) would put the key into the cache file. The body is refused with a typed error
    that does not quote it, nothing is cached, and the good entry from before still answers."""
    good = json.loads(latest_body)
    poisoned = json.loads(latest_body)
    poisoned["data"][0]["description"] = f"your key is {CANARY}"
    bodies = [json.dumps(good).encode(), json.dumps(poisoned).encode()]

    def handler(conn, path: str, headers: dict[str, str], stop) -> None:
        conn.sendall(hostile.response(200, bodies[min(len(served), 1)], {"Content-Type": "application/json"}))
        served.append(path)

    served: list[str] = []
    cache_dir = tmp_path / "cache"
    with hostile.HostileServer(handler) as server:
        c = oc.Client(base_url=server.url(), api_key=CANARY, cache_dir=cache_dir, retries=FAST_RETRY)
        before = c.fetch_user_models()
        with pytest.raises(
            oc.InvalidResponseError, match="contains the request's API key; refused and not cached"
        ) as info:
            c.fetch_user_models(refresh=True)
        assert_no_secret(str(info.value) + repr(info.value), CANARY, where="the error")
        assert_no_secret_in_cache(cache_dir, CANARY, while_open=True)
        again = c.fetch_user_models()
        c.session.close()
    assert len(served) == 2 and again.attrs["from_cache"] and again.equals(before)
    assert assert_no_secret_in_cache(cache_dir, CANARY) >= 1
