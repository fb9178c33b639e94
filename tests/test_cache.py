"""The "HTTP cache" table of reliability.md, on a real SQLite file, plus the no-secret scan."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import subprocess
import sys
import threading
from pathlib import Path

import orjson
import pandas as pd
import pytest

import orcatalog as oc
from orcatalog.fetch.cache import CACHE_FILE_NAME, cached_session
from orcatalog.testing import ReplayServer

from .conftest import FAST_RETRY, REPO, SERVED_FILE, TEST_KEY_A, TEST_KEY_B, FakeTime, read_body
from .secret_scan import assert_no_secret


def cache_bytes(cache_dir: Path) -> bytes:
    """Every byte the cache wrote: the database and its WAL/SHM/journal files."""
    return b"".join(p.read_bytes() for p in sorted(cache_dir.glob(CACHE_FILE_NAME + "*")) if p.is_file())


def entries(cache_dir: Path) -> dict[str, bytes]:
    con = sqlite3.connect(cache_dir / CACHE_FILE_NAME)
    try:
        return {k: v for k, v in con.execute("SELECT key, value FROM responses")}
    finally:
        con.close()


def test_second_call_is_served_from_cache(cached_client: oc.Client, server: ReplayServer) -> None:
    first = cached_client.fetch_models()
    second = cached_client.fetch_models()
    assert first.attrs["from_cache"] is False and second.attrs["from_cache"] is True
    assert len(server.requests) == 1
    # a cached answer carries the time it was originally fetched (when it was stored), not "now"
    (stored,) = cached_client.session.cache.filter()
    assert second.attrs["fetched_at"] == pd.Timestamp(stored.created_at).tz_convert("UTC")
    assert second.attrs["fetched_at"] <= pd.Timestamp.now(tz="UTC")
    assert second.equals(first)
    cached_client.fetch_models(refresh=True)
    assert len(server.requests) == 2


def expire_every_entry(client: oc.Client) -> None:
    """Make every stored entry expired now (requests-cache's public ``reset_expiration``), instead
    of sleeping past a short ``expire_after``."""
    client.session.cache.reset_expiration(0)


def test_two_keys_never_share_user_models(cached_client: oc.Client, server: ReplayServer) -> None:
    a = cached_client.fetch_user_models(TEST_KEY_A)
    b = cached_client.fetch_user_models(TEST_KEY_B)
    assert len(a) == 346 and len(b) == 2
    assert len(server.requests) == 2
    again_a = cached_client.fetch_user_models(TEST_KEY_A)
    again_b = cached_client.fetch_user_models(TEST_KEY_B)
    assert again_a.attrs["from_cache"] and again_b.attrs["from_cache"]
    assert len(again_a) == 346 and len(again_b) == 2
    assert len(server.requests) == 2


@pytest.mark.parametrize("how", ["api_key", "session-lower", "session-upper", "env"])
def test_key_never_reaches_cache_logs_errors_or_reprs(
    server: ReplayServer,
    cache_dir: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    how: str,
    fake_time: FakeTime,
) -> None:
    caplog.set_level(logging.DEBUG)
    session = cached_session(cache_dir)
    if how == "session-lower":
        session.headers["authorization"] = f"Bearer {TEST_KEY_A}"
    elif how == "session-upper":
        session.headers["AUTHORIZATION"] = f"Bearer {TEST_KEY_A}"
    elif how == "env":
        monkeypatch.setenv("OPENROUTER_API_KEY", TEST_KEY_A)
    c = oc.Client(
        base_url=server.base_url,
        session=session,
        retries=FAST_RETRY,
        api_key=TEST_KEY_A if how == "api_key" else None,
        **fake_time.options(),
    )
    texts: list[str] = [repr(c), str(c), repr(vars(c)), repr(getattr(c, "__dict__", {}))]
    df = c.fetch_user_models()
    c.fetch_models()
    texts += [repr(df.attrs), repr(session.cache), repr(session)]
    server.add_fault(path="/models/user", status=500, times=FAST_RETRY.attempts)
    with pytest.raises(oc.ServerError) as info:
        c.fetch_user_models(refresh=True)
    assert fake_time.slept == [FAST_RETRY.wait(1), FAST_RETRY.wait(2)]  # the backoff, on the injected sleep
    texts += [str(info.value), repr(info.value), repr(info.value.__dict__)]
    with pytest.raises(oc.UnauthorizedError) as info2:
        c.fetch_user_models("sk-or-v1-" + "9" * 64)
    texts += [str(info2.value), repr(info2.value.__dict__)]
    server.clear_faults()
    texts.append(caplog.text)
    session.close()
    assert_no_secret(cache_bytes(cache_dir), TEST_KEY_A, "sk-or-v1-" + "9" * 64)
    for text in texts:
        assert_no_secret(text, TEST_KEY_A, "sk-or-v1-" + "9" * 64)


def test_error_and_bad_bodies_are_never_cached_and_good_entry_survives(server: ReplayServer, cache_dir: Path) -> None:
    c = oc.Client(base_url=server.base_url, cache_dir=cache_dir, retries=oc.RetryConfig(attempts=1))
    good = c.fetch_models()
    expire_every_entry(c)  # the next call goes to the server
    before = entries(cache_dir)
    assert len(before) == 1
    for fault in (
        {"status": 200, "body": {"error": {"code": 500, "message": "boom"}}},
        {"status": 200, "truncate_at": 1000},
        {"status": 200, "body": b"<html>oops</html>", "content_type": "text/html"},
        {"status": 503},
        {"status": 404},
    ):
        server.add_fault(**fault)
        with pytest.raises(oc.OrcatalogError):
            c.fetch_models()
        assert entries(cache_dir) == before, fault  # byte-identical: nothing replaced or added
    fresh = c.fetch_models()
    assert fresh.attrs["from_cache"] is False and fresh.equals(good)


def test_error_on_first_fetch_leaves_cache_empty(server: ReplayServer, cache_dir: Path) -> None:
    c = oc.Client(base_url=server.base_url, cache_dir=cache_dir, retries=oc.RetryConfig(attempts=1))
    server.add_fault(path="/models/count", status=200, body={"error": {"code": 400, "message": "bad"}})
    with pytest.raises(oc.BadRequestError):
        c.count_models()
    assert entries(cache_dir) == {}
    assert c.count_models() == 346


def test_junk_cache_file_is_moved_aside(server: ReplayServer, cache_dir: Path) -> None:
    cache_dir.mkdir(parents=True)
    junk = b"this is not a database" * 100
    (cache_dir / CACHE_FILE_NAME).write_bytes(junk)
    c = oc.Client(base_url=server.base_url, cache_dir=cache_dir, retries=FAST_RETRY)
    with pytest.warns(RuntimeWarning, match="moved it"):
        df = c.fetch_models()
    assert len(df) == 346
    aside = list(cache_dir.glob(CACHE_FILE_NAME + ".corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == junk


def test_half_written_cache_file_is_moved_aside(server: ReplayServer, cache_dir: Path) -> None:
    c = oc.Client(base_url=server.base_url, cache_dir=cache_dir, retries=FAST_RETRY)
    c.fetch_models()
    c.session.close()
    path = cache_dir / CACHE_FILE_NAME
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    c2 = oc.Client(base_url=server.base_url, cache_dir=cache_dir, retries=FAST_RETRY)
    with pytest.warns(RuntimeWarning):
        assert len(c2.fetch_models()) == 346


def test_expired_entry_and_server_down(server: ReplayServer, cache_dir: Path, fake_time: FakeTime) -> None:
    retry = oc.RetryConfig(attempts=2, backoff=0.01)
    c = oc.Client(base_url=server.base_url, cache_dir=cache_dir, retries=retry, **fake_time.options())
    first = c.fetch_models()
    expire_every_entry(c)
    server.add_fault(status=503, times=100)
    with pytest.raises(oc.ServerError):  # default: fail, never silently stale
        c.fetch_models()
    stale_client = oc.Client(
        base_url=server.base_url, cache_dir=cache_dir, retries=retry, stale_if_error=True, **fake_time.options()
    )
    stale = stale_client.fetch_models()
    assert stale.attrs["stale"] is True and stale.attrs["from_cache"] is True
    assert abs(stale.attrs["fetched_at"] - first.attrs["fetched_at"]) < pd.Timedelta(seconds=1)
    assert fake_time.slept == [0.01, 0.01]  # one backoff per failing call, none really waited
    assert len(stale) == 346
    server.clear_faults()


def test_offline_mode(server: ReplayServer, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    offline = oc.Client(base_url=server.base_url, cache_dir=cache_dir, offline=True)
    with pytest.raises(oc.NotInCacheError, match="not in the cache") as info:
        offline.fetch_models()
    assert isinstance(info.value, LookupError)
    assert server.requests == []
    oc.Client(base_url=server.base_url, cache_dir=cache_dir).fetch_models()
    monkeypatch.setenv("ORCATALOG_OFFLINE", "1")
    monkeypatch.setenv("ORCATALOG_CACHE_DIR", str(cache_dir))
    monkeypatch.setenv("ORCATALOG_BASE_URL", server.base_url)
    df = oc.fetch_models()
    assert df.attrs["from_cache"] is True and len(server.requests) == 1


def test_serializer_is_json_not_pickle(cached_client: oc.Client, cache_dir: Path) -> None:
    cached_client.fetch_models()
    assert cached_client.session.cache.responses.serializer.name == "orcatalog-json"
    stored = entries(cache_dir)
    assert len(stored) == 1
    for value in stored.values():
        assert not value.startswith(b"\x80")  # no pickle protocol header
        head, newline, body = value.partition(b"\n")
        record = orjson.loads(head)  # response metadata: plain JSON
        assert newline and record["status_code"] == 200 and "_content" not in record
        recorded = read_body(SERVED_FILE)
        data_start = recorded.index(b"[")  # the recorded data array, exactly as served inside the envelope
        assert body.startswith(b'{"data":' + recorded[data_start : recorded.rindex(b"]") + 1] + b',"total_count":')
        assert orjson.loads(body)["data"] == orjson.loads(recorded)["data"]


def test_permissions(cached_client: oc.Client, cache_dir: Path) -> None:
    cached_client.fetch_models()
    assert stat.S_IMODE(os.stat(cache_dir).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(cache_dir / CACHE_FILE_NAME).st_mode) == 0o600


def test_threads_share_a_cache(server: ReplayServer, cache_dir: Path) -> None:
    c = oc.Client(base_url=server.base_url, cache_dir=cache_dir, retries=FAST_RETRY)
    errors: list[BaseException] = []
    sizes: list[int] = []

    def work(i: int) -> None:
        try:
            for _ in range(3):
                sizes.append(len(c.fetch_models(q=["gpt", "claude", "gemini", "llama"][i % 4])))
                c.count_models()
        except BaseException as exc:  # collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(sizes) == 24
    con = sqlite3.connect(cache_dir / CACHE_FILE_NAME)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()


WORKER = """
import sys, orcatalog as oc
c = oc.Client(base_url=sys.argv[1], cache_dir=sys.argv[2])
for i in range(5):
    assert len(c.fetch_models(refresh=(i % 2 == 0))) == 346
    assert c.count_models() == 346
print("ok")
"""


def test_processes_share_a_cache(server: ReplayServer, cache_dir: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, server.base_url, str(cache_dir)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(3)
    ]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
        assert out.strip() == b"ok"
    con = sqlite3.connect(cache_dir / CACHE_FILE_NAME)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()


def test_an_empty_catalog_is_refused_and_never_replaces_a_good_entry(server: ReplayServer, cache_dir: Path) -> None:
    """Issue 16: a 200 ``{"data": []}`` from an unfiltered /models was cached, and fetch_models()
    and offline mode then answered 0 rows. It is a failed fetch (the store's rule, one function):
    SchemaError, nothing cached, the good entry still answers online and offline."""
    c = oc.Client(base_url=server.base_url, cache_dir=cache_dir, retries=FAST_RETRY)
    good = c.fetch_models()
    before = entries(cache_dir)
    server.add_fault(path="/models", status=200, body={"data": []}, times=10)
    for call in (
        lambda: c.fetch_models(refresh=True),
        lambda: c.fetch_models(refresh=True, page_size=50),
        lambda: c.fetch_models(sort="pricing-low-to-high"),  # an order, not a filter (trial finding)
        lambda: oc.SnapshotStore(cache_dir.parent / "store").snapshot(c),
    ):
        with pytest.raises(oc.SchemaError, match="lists no models, and an unfiltered catalog is never empty"):
            call()
    assert entries(cache_dir) == before
    assert not (cache_dir.parent / "store").exists() or not any((cache_dir.parent / "store").rglob("*.parquet"))
    offline = oc.Client(base_url=server.base_url, cache_dir=cache_dir, offline=True).fetch_models()
    assert offline.equals(good) and len(offline) == 346


def test_a_filtered_list_may_be_empty(server: ReplayServer, cache_dir: Path) -> None:
    c = oc.Client(base_url=server.base_url, cache_dir=cache_dir, retries=FAST_RETRY)
    server.add_fault(path="/models", status=200, body={"data": []}, times=10)
    df = c.fetch_models(q="no-such-model")
    assert len(df) == 0 and list(df.columns) == list(c.fetch_models(input_modalities="audio").columns)
    server.clear_faults()
    again = c.fetch_models(q="no-such-model")
    assert again.attrs["from_cache"] and len(again) == 0  # an empty filtered answer is a real answer


MANY_WORKER = """
import sys, threading, warnings
import orcatalog as oc

base_url, cache_dir, me = sys.argv[1], sys.argv[2], int(sys.argv[3])
warnings.simplefilter("error", RuntimeWarning)  # a cache moved aside (or a damaged row) fails the run
queries = ["gpt", "claude", "gemini", "llama", "mistral", "qwen"]
errors = []

def work(t):
    try:
        for i in range(4):
            q = queries[(me + t + i) % len(queries)]
            c = oc.Client(base_url=base_url, cache_dir=cache_dir, retries=oc.RetryConfig(attempts=2, backoff=0))
            c.fetch_models(q=q, refresh=(i % 2 == 0))
            sys.stdout.write(q + "\\n")
            assert oc.Client(base_url=base_url, cache_dir=cache_dir).count_models() == 346
    except BaseException as exc:
        errors.append(f"{type(exc).__name__}: {exc}")

sys.stdin.readline()  # every process starts on the same signal
threads = [threading.Thread(target=work, args=(t,)) for t in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
if errors:
    sys.exit("\\n".join(errors))
"""


PROCESSES = 5


def test_many_processes_and_threads_share_one_new_cache_folder(server: ReplayServer, cache_dir: Path) -> None:
    """Issue 16: 5 processes x 3 threads start together on an empty cache folder, each fetch with a
    new Client. No healthy cache is moved aside, no lock error reaches anyone, and every entry a
    fetch wrote is then readable offline."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", MANY_WORKER, server.base_url, str(cache_dir), str(n)],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(PROCESSES)
    ]
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    fetched: set[str] = set()
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert "locked" not in err and "disk I/O" not in err and "moved" not in err, err
        fetched.update(out.split())
    assert len(fetched) == 6  # every query of the workers
    assert sorted(p.name for p in cache_dir.iterdir() if ".corrupt-" in p.name) == []
    offline = oc.Client(base_url=server.base_url, cache_dir=cache_dir, offline=True)
    for q in sorted(fetched):
        assert offline.fetch_models(q=q).attrs["from_cache"]
    assert offline.count_models() == 346
    con = sqlite3.connect(cache_dir / CACHE_FILE_NAME)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()


HOLDER = """
import sys
from orcatalog.fetch.cache import cached_session
session = cached_session(sys.argv[1])
print("holding", flush=True)
sys.stdin.readline()
session.close()
"""


def test_a_damaged_cache_is_never_moved_while_another_process_uses_it(server: ReplayServer, cache_dir: Path) -> None:
    """Moving the files of a cache another process has open breaks it (its -wal/-shm vanish); a
    file proven damaged is moved aside only when no other session holds the folder."""
    oc.Client(base_url=server.base_url, cache_dir=cache_dir).session.close()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(cache_dir)],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdin is not None
    assert holder.stdout.readline().strip() == "holding"
    junk = b"not a database, say a disk error wrote here " * 200
    (cache_dir / CACHE_FILE_NAME).write_bytes(junk)
    with pytest.raises(oc.CacheError, match="another orcatalog session or process is using it"):
        oc.Client(base_url=server.base_url, cache_dir=cache_dir).fetch_models()
    assert (cache_dir / CACHE_FILE_NAME).read_bytes() == junk
    assert list(cache_dir.glob("*.corrupt-*")) == []
    holder.stdin.write("done\n")
    holder.stdin.flush()
    assert holder.wait(timeout=60) == 0
    c = oc.Client(base_url=server.base_url, cache_dir=cache_dir)
    with pytest.warns(RuntimeWarning, match="moved it"):
        assert len(c.fetch_models()) == 346
    assert [p.read_bytes() for p in cache_dir.glob(CACHE_FILE_NAME + ".corrupt-*")] == [junk]


def _unopenable(cache_dir: Path) -> Path:
    """A folder where the cache file should be: SQLite cannot open it, an error that proves nothing
    about the file (as a busy or locked one), so opening waits and tries again."""
    blocker = cache_dir / CACHE_FILE_NAME
    blocker.mkdir(parents=True)
    return blocker


def test_a_busy_cache_file_is_waited_on_with_the_client_s_sleep(cache_dir: Path, fake_time: FakeTime) -> None:
    """Opening a cache that cannot be opened yet waits on the Client's injected sleep (0.05 s,
    doubling) and succeeds once the file is free: no real time passes, nothing is moved aside."""
    blocker = _unopenable(cache_dir)

    def sleep(seconds: float) -> None:
        fake_time.sleep(seconds)
        if len(fake_time.slept) == 2:
            blocker.rmdir()  # the other user lets go after the second wait

    client = oc.Client(cache_dir=cache_dir, clock=fake_time.clock, sleep=sleep)
    client.session.close()
    assert fake_time.slept == [0.05, 0.1]
    assert (cache_dir / CACHE_FILE_NAME).is_file()
    assert list(cache_dir.glob("*.corrupt-*")) == []


def test_a_cache_that_stays_busy_is_an_error_after_bounded_waits(cache_dir: Path) -> None:
    """A file that never opens is a CacheError after six tries and five waits (none after the last
    try); it is left in place."""
    blocker = _unopenable(cache_dir)
    waits: list[float] = []
    with pytest.raises(oc.CacheError, match="stayed busy after 6 tries"):
        cached_session(cache_dir, sleep=waits.append)
    assert waits == [0.05, 0.1, 0.2, 0.4, 0.8]
    assert blocker.is_dir() and list(cache_dir.glob("*.corrupt-*")) == []


def test_a_burst_reads_the_proxy_environment_once_as_requests_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A many-model fetch reads the environment's proxy settings once per host for its burst
    (requests reads every variable on every request); what it reads is requests' own answer, and
    a change after the burst is seen by the next request."""
    import requests

    from orcatalog.fetch.cache.session import environment_read_once

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("NO_PROXY", "localhost")
    url = "https://openrouter.ai/api/v1/models/a/b/endpoints"
    plain = requests.Session().merge_environment_settings(url, {}, None, None, None)
    assert plain["proxies"]["https"] == "http://proxy.invalid:3128"
    session = cached_session(tmp_path)
    try:
        with environment_read_once(session):
            first = session.merge_environment_settings(url, {}, None, None, None)
            monkeypatch.setenv("HTTPS_PROXY", "http://other.invalid:1")
            again = session.merge_environment_settings(url, {}, None, None, None)
            first["proxies"]["https"] = "edited by requests"  # what one request does to it stays its own
            third = session.merge_environment_settings(url, {}, None, None, None)
        assert again == plain and third == plain
        after = session.merge_environment_settings(url, {}, None, None, None)
        assert after["proxies"]["https"] == "http://other.invalid:1"
    finally:
        session.close()
