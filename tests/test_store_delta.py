"""The Delta Lake layout of the snapshot store (issue 14): the same answers as the parquet layout on
real bodies, on disk and on S3 (moto), and the scenarios that broke the hand-made protocol."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import orcatalog as oc
from orcatalog.errors import LegacyLayoutError
from orcatalog.testing.legacy import legacy_store
from orcatalog.cli import main as cli_main
from orcatalog.store.delta import HISTORY_VIEW_SQL, TABLES
from orcatalog.store.migrate import migrate

from .conftest import REPO, S3_CREDENTIALS, UNTIL_DONE, new_bucket, read_body, store_files


def delta_store(backend: str, tmp: Path, endpoint: str | None, **kwargs) -> oc.SnapshotStore:
    if backend == "local":
        return oc.SnapshotStore(tmp / "delta", layout="delta", **kwargs)
    assert endpoint is not None
    options = {**S3_CREDENTIALS, "client_kwargs": {"endpoint_url": endpoint, "region_name": "us-east-1"}}
    return oc.SnapshotStore(f"s3://{new_bucket(endpoint)}/store", storage_options=options, layout="delta", **kwargs)


def reopen(store: oc.SnapshotStore, **kwargs) -> oc.SnapshotStore:
    return oc.SnapshotStore(store.root, storage_options=store._storage_options, **kwargs)


def files_of(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def data_files(root: Path, table: str) -> list[Path]:
    return sorted(p for p in (root / table).glob("*.parquet"))


def table_files(store: oc.SnapshotStore, table: str) -> list[str]:
    """The data files of one table of a store on disk or on S3, through the store's own filesystem."""
    fs = store._fs
    fs.invalidate_cache()
    return sorted(p for p in fs.ls(f"{store._base}/{table}", detail=False) if p.endswith(".parquet"))


def s3_env(store: oc.SnapshotStore) -> dict[str, str]:
    """The environment that points a child process (the CLI) at the loopback S3 server of ``store``."""
    options = store._storage_options or {}
    if not options:
        return {}
    return {
        "AWS_ACCESS_KEY_ID": options["key"],
        "AWS_SECRET_ACCESS_KEY": options["secret"],
        "AWS_ENDPOINT_URL": options["client_kwargs"]["endpoint_url"],
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ALLOW_HTTP": "true",  # delta-rs, for the loopback S3 server
    }


def spawn(code: str, *args: str, env: dict[str, str] | None = None, stdin: int | None = None) -> subprocess.Popen:
    full = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-W", "error::RuntimeWarning", "-c", textwrap.dedent(code), *args],
        env=full,
        text=True,
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.fixture(params=["local", "s3"])
def make_delta(request: pytest.FixtureRequest, tmp_path: Path):
    endpoint = request.getfixturevalue("s3_endpoint") if request.param == "s3" else None
    counter = iter(range(100))

    def factory(**kwargs) -> oc.SnapshotStore:
        return delta_store(request.param, tmp_path / f"d{next(counter)}", endpoint, **kwargs)

    return factory


# -- the same answers as the parquet layout --------------------------------------------------------


def test_delta_answers_equal_the_parquet_layout(
    make_delta,
    tmp_path: Path,
    recorded_dir: Path,
    hourly_bodies: list,
) -> None:
    dated = sorted(recorded_dir.glob("models-*.json.gz"))
    bodies = [(oc.store.time_from_name(n), raw) for n, raw in hourly_bodies[:30]]
    parquet = legacy_store(tmp_path / "parquet")
    delta = make_delta()
    for store in (parquet, delta):
        store.import_files(dated, progress=False)
        store.import_bodies(bodies[:20])
        for when, raw in bodies[20:]:  # single appends, as an hourly job makes them
            store.import_bodies([(when, raw)])
    delta = reopen(delta)
    assert delta.layout == "delta" and "layout='delta'" in repr(delta)
    pd.testing.assert_frame_equal(delta.snapshots().drop(columns="batch"), parquet.snapshots().drop(columns="batch"))
    m = delta.snapshots()
    assert str(m["fetched_at"].dtype) == "datetime64[us, UTC]" and m["snapshot_id"].is_unique
    for sid in m["snapshot_id"]:
        assert delta.raw(sid) == parquet.raw(sid)
    for path, sid in zip(dated, m[m["time_precision"] == "day"]["snapshot_id"]):
        assert delta.raw(sid) == json.loads(read_body(path))  # lossless: JSON-equal to the file
    for as_of in ("2025-02-09", "2025-12-20T05:00Z", None):
        pd.testing.assert_frame_equal(delta.load(as_of=as_of), parquet.load(as_of=as_of))
        assert delta.load(as_of=as_of).attrs == parquet.load(as_of=as_of).attrs
    for kwargs in (
        {},
        {"scope": None},
        {"ids": "openai/gpt-4o", "columns": ["price_prompt"]},
        {"start": "2025-12-19", "end": "2025-12-20", "ids": ["deepseek/deepseek-v3.2", "openai/gpt-4o"]},
    ):
        ours, theirs = delta.history(**kwargs), parquet.history(**kwargs)
        pd.testing.assert_frame_equal(ours, theirs)
        assert ours.attrs == theirs.attrs
    with pytest.warns(RuntimeWarning, match="before the first snapshot"):
        early = delta.load(as_of="2020-01-01")  # the first answers, and says so, in both layouts
    with pytest.warns(RuntimeWarning, match="before the first snapshot"):
        assert early.attrs == parquet.load(as_of="2020-01-01").attrs
    with pytest.raises(oc.SnapshotNotFoundError):
        delta.load(as_of="2020-01-01", scope="/models region=eu")
    with pytest.raises(oc.SnapshotNotFoundError):
        delta.load("20990101T000000Z-000000000000")


def test_each_model_object_is_stored_once(make_delta, hourly_bodies: list) -> None:
    from deltalake import DeltaTable

    store = make_delta(auto_compact=None)
    bodies = [(oc.store.time_from_name(n), raw) for n, raw in hourly_bodies[:12]]
    for when, raw in bodies[:6]:
        store.import_bodies([(when, raw)])
    store.import_bodies(bodies)  # six again (a no-op each) and six new
    assert store.import_bodies(bodies[:3]) == [sid for sid in store.snapshots()["snapshot_id"][:3]]
    layout = store._delta.layout  # type: ignore[union-attr]
    versions = DeltaTable(layout.uris["versions"], storage_options=layout.options or None).to_pyarrow_table(
        columns=["version"]
    )
    hashes = versions.column("version").to_pylist()
    distinct = {m for _, raw in bodies for m in map(lambda x: json.dumps(x, sort_keys=True), json.loads(raw)["data"])}
    assert len(hashes) == len(set(hashes)) == len(distinct)  # once each, however often it was seen
    assert len(store.snapshots()) == 12


def test_compact_is_optimize_and_vacuum_and_changes_no_answer(make_delta, dated_files: list[Path]) -> None:
    store = make_delta(auto_compact=None)
    for path in dated_files:
        store.import_files(path, progress=False)
    before = (store.snapshots(), store.history(scope=None), {s: store.raw(s) for s in store.snapshots()["snapshot_id"]})
    size = store.store_bytes()
    assert store.compact() > 0  # files merged; the replaced ones stay for readers (retention)
    local = store._delta.layout.local  # type: ignore[union-attr]
    assert store.store_bytes() > size or not local
    again = reopen(store)
    pd.testing.assert_frame_equal(again.snapshots(), before[0])
    pd.testing.assert_frame_equal(again.history(scope=None), before[1])
    assert {s: again.raw(s) for s in before[2]} == before[2]
    assert again.compact(_retention_hours=0) == 0  # nothing left to merge; what was replaced is vacuumed now
    assert again.store_bytes() < size or not local  # moto's listing for vacuum is not relied on
    pd.testing.assert_frame_equal(reopen(store).history(scope=None), before[1])


def test_one_compaction_at_a_time(make_delta, dated_files: list[Path], caplog: pytest.LogCaptureFixture) -> None:
    """delta-rs lets two optimize commits that remove the same files both succeed, and each keeps
    its own rewrite: every merged row is then held twice. A compaction waits for no other: while
    one holds the store's compaction lock, compact() refuses and a write's automatic compaction
    is skipped, and nothing is merged twice."""
    store = make_delta(auto_compact=None)
    for path in dated_files[:4]:
        store.import_files(path, progress=False)
    rival = reopen(store)
    with rival._delta.layout.compacting():  # type: ignore[union-attr]  # another process's compaction, held
        files = {t: len(rival._delta.layout.table(t).file_uris()) for t in TABLES}  # type: ignore[union-attr]
        with pytest.raises(oc.SnapshotConflictError, match="another compact run"):
            reopen(store).compact()
        writer = reopen(store, auto_compact=2)
        with caplog.at_level(logging.INFO, logger="orcatalog.store"):
            writer.import_files(dated_files[4], progress=False)
        assert "another compaction is at work" in caplog.text
        now = {t: len(reopen(store)._delta.layout.table(t).file_uris()) for t in TABLES}  # type: ignore[union-attr]
        assert now == {t: n + 1 for t, n in files.items()}  # appended, not merged
    assert reopen(store).compact() > 0  # the lock is free again
    for table, key in (("snapshots", "snapshot_id"), ("versions", "version")):
        rows = reopen(store)._delta.layout.table(table).to_pyarrow_table(columns=[key])  # type: ignore[union-attr]
        assert len(rows) == len(set(rows.column(0).to_pylist())), table  # no row held twice


def test_compact_drops_the_copies_an_earlier_concurrent_compaction_left(
    make_delta, dated_files: list[Path], caplog: pytest.LogCaptureFixture
) -> None:
    """A store two compactions rewrote at once before the lock existed (or another engine's
    OPTIMIZE racing ours) holds every merged row twice; readers answer right but read every copy.
    compact() rewrites such a table with one copy of each row; nothing a snapshot needs is lost."""
    from deltalake import DeltaTable

    store = make_delta(auto_compact=None)
    for path in dated_files[:4]:
        store.import_files(path, progress=False)
    layout = store._delta.layout  # type: ignore[union-attr]
    for table in TABLES:  # two optimizes from handles opened before either committed: both succeed
        first, second = (DeltaTable(layout.uris[table], storage_options=layout.options or None) for _ in "ab")
        first.optimize.compact()
        second.optimize.compact()

    def held() -> dict[str, tuple[int, int]]:
        out = {}
        for table, key in (("snapshots", "snapshot_id"), ("versions", "version")):
            rows = reopen(store)._delta.layout.table(table).to_pyarrow_table(columns=[key]).column(0)  # type: ignore[union-attr]
            out[table] = (len(rows), len(set(rows.to_pylist())))
        return out

    doubled = held()
    assert all(n == 2 * distinct for n, distinct in doubled.values()), doubled  # the damage, reproduced
    ids = list(store.snapshots()["snapshot_id"])
    bodies = {sid: reopen(store).raw(sid) for sid in ids}
    history = reopen(store).history(scope=None)
    with caplog.at_level(logging.WARNING, logger="orcatalog.store"):
        reopen(store).compact()
    assert "dropped" in caplog.text and "copies" in caplog.text
    assert held() == {t: (distinct, distinct) for t, (_, distinct) in doubled.items()}  # one copy of each row
    again = reopen(store)
    assert list(again.snapshots()["snapshot_id"]) == ids
    assert {sid: again.raw(sid) for sid in ids} == bodies
    pd.testing.assert_frame_equal(again.history(scope=None), history)


def test_an_overwrite_from_an_older_handle_keeps_what_was_appended_since(tmp_path: Path) -> None:
    """What drop_copies relies on, pinned against the installed delta-rs: an overwrite through a
    handle opened before another writer's append replaces only the files that handle holds."""
    import pyarrow as pa
    from deltalake import DeltaTable, write_deltalake

    uri = str(tmp_path / "t")
    write_deltalake(uri, pa.table({"version": ["a", "a", "b"]}))
    handle = DeltaTable(uri)  # what compact() read
    write_deltalake(uri, pa.table({"version": ["c"]}), mode="append")  # a writer, meanwhile
    write_deltalake(handle, pa.table({"version": ["a", "b"]}), mode="overwrite")
    assert sorted(DeltaTable(uri).to_pyarrow_table().column(0).to_pylist()) == ["a", "b", "c"]


def test_of_a_version_s_copies_an_intact_one_is_kept() -> None:
    """The copy rule keeps a copy whose JSON matches its content address over a damaged one, in
    whatever order the files hold them; snapshot rows are copies only when equal in every column."""
    import hashlib

    import pyarrow as pa

    from orcatalog.store.delta import _one_of_each

    good, other = b'{"id":"a/x","name":"X"}', b'{"id":"b/y","name":"Y"}'
    v, w = (hashlib.sha256(raw).hexdigest()[:32] for raw in (good, other))  # a version's content address
    versions = pa.table(
        {
            "version": [v, v, w, v],
            "id": ["a/x", "a/x", "b/y", "a/x"],
            "raw": [good.replace(b"X", b"Z").decode(), good.decode(), other.decode(), good.decode()],
        }
    )
    keep, damaged = _one_of_each("versions", versions, "version")
    assert list(keep) == [1, 2] and damaged == 1  # the copy failing its address: damage, not a concurrent copy
    from orcatalog.store.delta.schema import snapshot_rows
    from orcatalog.store.identity import content_hash, snapshot_id

    when = pd.Timestamp("2026-01-08T01:19:00Z")

    def row(order: list[str], source: str) -> dict:
        chash = content_hash(order, "{}")
        sid = snapshot_id(when, chash)
        return {
            "snapshot_id": sid,
            "fetched_at": when,
            "n_models": len(order),
            "content_hash": chash,
            "top_level": "{}",
            "source": source,
        }

    one, two = row([v], "a.json"), row([v, w], "b.json")
    rows = [one, one, {**one, "n_models": 2}, two, {**two, "source": "c.json"}]  # a copy, a damaged row, provenance
    snapshots = snapshot_rows(rows, [[v], [v], [v], [v, w], [v, w]], "batch")
    keep, damaged = _one_of_each("snapshots", snapshots, "snapshot_id")
    assert list(keep) == [0, 3, 4] and damaged == 1  # the row contradicting itself goes: its id has a sound row
    lonely = snapshot_rows([{**one, "n_models": 2}], [[v]], "batch")
    assert list(_one_of_each("snapshots", lonely, "snapshot_id")[0]) == [0]  # never the only row of its id


TEXT = "/models output_modalities=text"  # the scope of recorded bare GET /models bodies


def test_the_history_view_and_engines_read_the_tables(tmp_path: Path, hourly_bodies: list) -> None:
    """The README's DuckDB and polars queries, run as written: a model's price series and the catalog as of a date."""
    import duckdb
    import polars as pl
    from deltalake import DeltaTable

    store = oc.SnapshotStore(tmp_path / "data", layout="delta", auto_compact=None)
    bodies = [(oc.store.time_from_name(n), raw) for n, raw in hourly_bodies[:40]]
    store.import_bodies(bodies[:20])
    for when, raw in bodies[20:]:
        store.import_bodies([(when, raw)])
    # a second scope, as in the README's store (snapshot() records 'catalog'): the queries name theirs
    store.import_bodies([(bodies[5][0] + pd.Timedelta(minutes=30), bodies[-1][1])], query={"output_modalities": "all"})
    assert set(store.snapshots()["scope"]) == {"catalog", TEXT}
    root = store.root
    # DuckDB, offline: the tables as Arrow datasets, the history view as shipped
    con = duckdb.connect()
    con.register("snapshots", DeltaTable(f"{root}/snapshots").to_pyarrow_dataset())
    con.register("versions", DeltaTable(f"{root}/versions").to_pyarrow_dataset())
    con.execute(HISTORY_VIEW_SQL)
    series = con.sql(
        "SELECT fetched_at, price_prompt * 1e6 AS usd_per_mtok FROM history "
        "WHERE id = 'deepseek/deepseek-v3.2' AND scope = '/models output_modalities=text' ORDER BY fetched_at"
    ).df()
    ours = store.history(ids="deepseek/deepseek-v3.2", columns="price_prompt", scope=TEXT)
    assert len(series) == len(ours) == 40
    assert list(pd.to_datetime(series["fetched_at"], utc=True)) == list(ours["fetched_at"])
    assert series["usd_per_mtok"].tolist() == pytest.approx((ours["price_prompt"] * 1e6).tolist())
    as_of = con.sql(
        "SELECT id FROM history WHERE snapshot_id = (SELECT max_by(snapshot_id, fetched_at) FROM snapshots "
        "WHERE scope = '/models output_modalities=text' AND fetched_at <= TIMESTAMPTZ '2025-12-19 12:00:00+00') "
        "ORDER BY id"
    ).df()
    assert as_of["id"].tolist() == sorted(store.load(as_of="2025-12-19T12:00Z", scope=TEXT)["id"])
    # polars, natively
    snaps = pl.read_delta(f"{root}/snapshots").unique("snapshot_id")
    versions = pl.read_delta(f"{root}/versions").unique("version")
    text = pl.col("scope") == TEXT  # as data/README.md and README.md write it
    prices = (
        snaps.filter(text)
        .explode("versions")
        .rename({"versions": "version"})
        .join(versions, on="version")
        .filter(pl.col("id") == "deepseek/deepseek-v3.2")
        .sort("fetched_at")
        .select("fetched_at", "price_prompt")
    )
    assert prices["price_prompt"].to_list() == ours["price_prompt"].tolist()
    from datetime import datetime, timezone

    latest = (
        snaps.filter(text & (pl.col("fetched_at") <= datetime(2025, 12, 19, 12, tzinfo=timezone.utc)))
        .sort("fetched_at")
        .tail(1)
    )
    ids = latest.explode("versions").rename({"versions": "version"}).join(versions, on="version")["id"].sort()
    assert ids.to_list() == as_of["id"].tolist()


# -- the scenarios of issue 14 ------------------------------------------------------------------


def test_an_interrupted_write_leaves_nothing_visible_and_blocks_nothing(
    make_delta, dated_files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import deltalake

    store = make_delta(auto_compact=None)
    store.import_files(dated_files[:3], progress=False)
    before = store.snapshots()
    real = deltalake.write_deltalake

    def interrupted(uri, data, **kwargs):  # Ctrl-C just before the commit
        if str(getattr(uri, "table_uri", uri)).rstrip("/").endswith("/snapshots"):  # a URI or a kept DeltaTable
            raise KeyboardInterrupt
        return real(uri, data, **kwargs)

    monkeypatch.setattr(deltalake, "write_deltalake", interrupted)
    with pytest.raises(KeyboardInterrupt):
        reopen(store).import_files(dated_files[3:6], progress=False)
    monkeypatch.setattr(deltalake, "write_deltalake", real)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no alarm about a "lost" batch
        after = reopen(store)
        pd.testing.assert_frame_equal(after.snapshots(), before)
        pd.testing.assert_frame_equal(after.load(), store.load())
        assert after.compact() > 0  # compaction is not blocked
        ids = after.import_files(dated_files[3:6], progress=False)  # nor is the next writer
        assert set(ids) <= set(after.snapshots()["snapshot_id"]) and len(after.snapshots()) == 6


def test_an_interrupted_first_write_leaves_a_delta_store(
    make_delta, dated_files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C during the first write into a new store, after its versions table was created and before
    the snapshots commit: the folder is still a Delta store (it was taken for the earlier parquet
    layout, which then wrote its own files beside the Delta table), and the next write is Delta."""
    import deltalake

    new = make_delta()
    fs, base = new._fs, new._base
    real = deltalake.write_deltalake

    def interrupted(uri, data, **kwargs):  # Ctrl-C just before the commit
        if str(getattr(uri, "table_uri", uri)).rstrip("/").endswith("/snapshots"):
            raise KeyboardInterrupt
        return real(uri, data, **kwargs)

    monkeypatch.setattr(deltalake, "write_deltalake", interrupted)
    with pytest.raises(KeyboardInterrupt):
        oc.SnapshotStore(new.root, storage_options=new._storage_options).import_files(dated_files[:2], progress=False)
    monkeypatch.setattr(deltalake, "write_deltalake", real)
    fs.invalidate_cache()
    assert fs.isdir(f"{base}/versions/_delta_log") and not fs.exists(f"{base}/snapshots")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "migrate this parquet store" note either
        again = oc.SnapshotStore(new.root, storage_options=new._storage_options)
        assert again.snapshots().empty
        ids = again.import_files(dated_files[:2], progress=False)
    fs.invalidate_cache()
    assert len(ids.added) == 2 and not fs.exists(f"{base}/manifest")
    assert fs.isdir(f"{base}/snapshots/_delta_log")


COMMIT_REFUSED = """
    import os, sys, orcatalog as oc
    store = oc.SnapshotStore(sys.argv[1], auto_compact=None)
    store.snapshots()  # every module the store uses is loaded before privileges drop
    if os.geteuid() == 0:
        os.setgid(65534); os.setuid(65534)  # root ignores permissions: write as nobody
    try:
        store.import_files(sys.argv[2], progress=False)
    except oc.StoreWriteError as exc:
        print("StoreWriteError", exc)
"""


@pytest.mark.compact_only
def test_a_commit_the_storage_refuses_is_a_typed_error_and_leaves_nothing_visible(dated_files: list[Path]) -> None:
    """A real failure at the commit, not a patched one: the snapshots table's log folder is read-only
    (a user without write access there) while the versions table is writable, so the write stores its
    new versions and then delta-rs cannot create the commit file. The writer gets a StoreWriteError
    naming the table; readers see the store as it was, and the next writer and compaction proceed."""
    import shutil
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="orcatalog-commit-"))  # not under tmp_path: nobody must reach it
    try:
        root = base / "s"
        oc.SnapshotStore(root, auto_compact=None).import_files(dated_files[:3], progress=False)
        before = oc.SnapshotStore(root).snapshots()
        body = base / dated_files[3].name
        body.write_bytes(dated_files[3].read_bytes())
        base.chmod(0o755)
        if os.geteuid() == 0:
            for p in [base, *base.rglob("*")]:
                os.chown(p, 65534, 65534)
        log = root / "snapshots" / "_delta_log"
        log.chmod(0o555)
        try:
            out, err = spawn(COMMIT_REFUSED, str(root), str(body)).communicate(timeout=120)
        finally:
            log.chmod(0o755)
        assert out.startswith("StoreWriteError"), out + err
        assert f"{root}/snapshots failed" in out and "nothing was committed" in out and "\n" not in out.strip()
        assert "Permission denied" in out  # delta-rs's cause, chained below its first line, is kept
        assert any((root / "versions").glob("*.parquet"))  # it got as far as the versions table
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no alarm about what the refused write left behind
            after = oc.SnapshotStore(root, auto_compact=None)
            pd.testing.assert_frame_equal(after.snapshots(), before)
            ids = after.import_files(body, progress=False)  # the next writer is not blocked
            assert list(after.snapshots()["snapshot_id"]) == [*before["snapshot_id"], *ids]
            assert after.raw(ids[0]) == json.loads(read_body(dated_files[3]))
            assert after.compact() > 0  # nor is compaction
    finally:
        shutil.rmtree(base, ignore_errors=True)


SLOW_WRITER = """
    import json, sys, time, deltalake, orcatalog as oc
    real = deltalake.write_deltalake
    def announcing(uri, data, **kw):
        if str(getattr(uri, "table_uri", uri)).rstrip("/").endswith("/snapshots"):  # a URI or a kept DeltaTable
            print("committing", flush=True)
            if sys.argv[3] == "pause":
                time.sleep(60)
        return real(uri, data, **kw)
    deltalake.write_deltalake = announcing
    options = json.loads(sys.argv[4])
    ids = oc.SnapshotStore(sys.argv[1], storage_options=options, layout="delta").import_files(sys.argv[2].split(","), progress=False)
    print("done", ",".join(ids), flush=True)
"""


@pytest.mark.compact_only
def test_sigkill_before_the_commit_leaves_the_store_as_it_was(make_delta, dated_files: list[Path]) -> None:
    store = make_delta()
    store.import_files(dated_files[:4], progress=False)
    before = store.snapshots()
    proc = spawn(
        SLOW_WRITER, store.root, ",".join(map(str, dated_files[4:8])), "pause", json.dumps(store._storage_options)
    )
    for line in proc.stdout:  # type: ignore[union-attr]
        if line.startswith("committing"):
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        after = reopen(store)
        pd.testing.assert_frame_equal(after.snapshots(), before)
        ids = after.import_files(dated_files[4:8], progress=False)
        assert len(after.snapshots()) == 8 and set(ids) <= set(after.snapshots()["snapshot_id"])
        after.compact()
        assert len(reopen(store).snapshots()) == 8


@pytest.mark.compact_only
def test_two_writers_of_the_same_snapshot_both_succeed_and_it_counts_once(make_delta, dated_files: list[Path]) -> None:
    store = make_delta()
    options = json.dumps(store._storage_options)
    procs = [spawn(SLOW_WRITER, store.root, ",".join(map(str, dated_files[3:7])), "go", options) for _ in range(3)]
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        outs.append(out.split("done ")[1].strip())
    assert len(set(outs)) == 1  # the same ids for the same bodies
    m = reopen(store).snapshots()
    assert list(m["snapshot_id"]) == outs[0].split(",")  # each once, whichever commit came first


def _between_state_and_commit(monkeypatch: pytest.MonkeyPatch, other_commit) -> None:
    """Run ``other_commit`` (another writer's real commit) once, when this process's next write is
    about to commit its snapshots rows: after it read the store, before its commit."""
    import deltalake

    real = deltalake.write_deltalake
    pending = [other_commit]

    def racing(uri, data, **kwargs):
        if pending and str(getattr(uri, "table_uri", uri)).rstrip("/").endswith("/snapshots"):
            pending.pop()()
        return real(uri, data, **kwargs)

    monkeypatch.setattr(deltalake, "write_deltalake", racing)


def _no_real_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any wait that is not the injected one fails the test (the store looks time.sleep up at use)."""
    import time

    def real_sleep(seconds: float) -> None:
        raise AssertionError(f"the store slept for real ({seconds} s)")

    monkeypatch.setattr(time, "sleep", real_sleep)


@pytest.mark.compact_only  # behaviour, not data: the compact set is enough
def test_a_commit_that_loses_waits_on_the_injected_sleep_then_commits(
    tmp_path: Path, dated_files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer changes the snapshots table's metadata (an ALTER TABLE from any Delta engine)
    between this writer's read and its commit: delta-rs refuses the commit (it does not rebase over
    a metadata change), and the store waits by its jittered rule on the injected sleep, then commits."""
    from deltalake import DeltaTable

    waited: list[float] = []
    store = oc.SnapshotStore(tmp_path / "s", auto_compact=None, sleep=waited.append, jitter=lambda: 0.5)
    first = store.import_files(dated_files[:2], progress=False)
    assert waited == []  # nothing to wait for without a race

    def alter() -> None:
        DeltaTable(str(tmp_path / "s" / "snapshots")).alter.set_table_properties({"delta.appendOnly": "false"})

    _between_state_and_commit(monkeypatch, alter)
    _no_real_sleep(monkeypatch)
    ids = store.import_files(dated_files[2], progress=False)
    assert waited == [0.02]  # min(1, 0.02 * 2**0) * (0.5 + 0.5): one lost commit, one wait
    fresh = oc.SnapshotStore(tmp_path / "s")
    assert list(fresh.snapshots()["snapshot_id"]) == first + ids
    assert fresh.raw(ids[0]) == json.loads(read_body(dated_files[2]))


@pytest.mark.compact_only  # behaviour, not data: the compact set is enough
def test_a_file_vacuumed_under_a_write_is_read_again_after_the_injected_sleep(
    tmp_path: Path, dated_files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process compacts and vacuums (no retention) between this writer's read and its
    commit: the files this writer listed are gone when it reads its commit back, so it lists the
    table again after the injected wait, and the write succeeds."""
    waited: list[float] = []
    store = oc.SnapshotStore(tmp_path / "s", auto_compact=None, sleep=waited.append)
    first = store.import_files(dated_files[:3], progress=False)
    other = oc.SnapshotStore(tmp_path / "s", auto_compact=None)
    _between_state_and_commit(monkeypatch, lambda: other.compact(_retention_hours=0))
    _no_real_sleep(monkeypatch)
    ids = store.import_files(dated_files[3], progress=False)
    assert waited == [0.05]  # one re-read of the listing, by the rule of orcatalog.store.waits
    fresh = oc.SnapshotStore(tmp_path / "s")
    assert list(fresh.snapshots()["snapshot_id"]) == first + ids
    assert fresh.raw(ids[0]) == json.loads(read_body(dated_files[3]))


def test_a_damaged_versions_file_then_new_writes(make_delta, dated_files: list[Path]) -> None:
    """The silent loss of issue 14: a writer must not trust versions it cannot read back."""
    store = make_delta(auto_compact=None)
    fs = store._fs
    first = store.import_files(dated_files[-3], progress=False)[0]
    (path,) = table_files(store, "versions")
    data = bytearray(fs.cat_file(path))
    data[len(data) // 3] ^= 0x10
    fs.pipe_file(path, bytes(data))
    name = path.rsplit("/", 1)[-1]
    before = store_files(store)
    with pytest.warns(RuntimeWarning, match=name):
        reader = reopen(store)
        assert first not in set(reader.snapshots()["snapshot_id"])
        with pytest.raises(oc.StoreDamagedError, match=first):
            reader.load(first)
    assert store_files(store) == before  # a reader never changes the store (no quarantine, no repair)
    with pytest.warns(RuntimeWarning, match=name):
        new = [reopen(store).import_files(p, progress=False)[0] for p in dated_files[-2:]]
        reader = reopen(store)
        for sid, p in zip(new, dated_files[-2:]):
            assert reader.raw(sid) == json.loads(read_body(p))  # every new snapshot reads back whole
        with pytest.raises(oc.StoreDamagedError):
            reader.compact()  # not over a store it cannot read whole


def test_one_damaged_file_beside_intact_ones(tmp_path: Path, dated_files: list[Path]) -> None:
    root = tmp_path / "s"
    store = oc.SnapshotStore(root, layout="delta", auto_compact=None)
    for i in range(4):
        store.import_files(dated_files[i * 2 : i * 2 + 2], progress=False)
    m = store.snapshots()
    damaged = next(p for p in data_files(root, "snapshots") if m["snapshot_id"].iloc[2] in _ids_in(p))  # the 2nd of 4
    hit = _ids_in(damaged)
    damaged.write_bytes(damaged.read_bytes()[:50])
    with pytest.warns(RuntimeWarning, match=damaged.name):
        reader = oc.SnapshotStore(root)
        listed = set(reader.snapshots()["snapshot_id"])
        assert listed == set(m["snapshot_id"]) - set(hit) and len(listed) == 6
        for sid in listed:
            reader.raw(sid)  # every intact snapshot still reads
        hit_time = m.set_index("snapshot_id").loc[hit, "fetched_at"]
        with pytest.raises(oc.StoreDamagedError, match=damaged.name):
            reader.load(as_of=hit_time.max() + pd.Timedelta(hours=1))  # an older answer would be wrong
        with pytest.raises(oc.StoreDamagedError):
            reader.load(hit[0])
        older = m[m["fetched_at"] < hit_time.min()]
        if len(older):
            assert reader.load(as_of=older["fetched_at"].iloc[-1]).attrs["snapshot_id"] == older["snapshot_id"].iloc[-1]


def _ids_in(path: Path) -> list[str]:
    import pyarrow.parquet as pq

    return pq.read_table(path, columns=["snapshot_id"]).column(0).to_pylist()


def test_stray_and_leftover_files_change_nothing(make_delta, dated_files: list[Path]) -> None:
    """Stray files beside the tables (a copy, a name outside ``[0-9A-Za-z_-]``, a half-written
    ``.tmp-*`` file, a note in the log folder), then deleted by hand. On S3 nothing of ours writes a
    ``.tmp-*`` object (delta-rs puts whole objects), but a user or another tool can leave any of
    these, so the same files are put there as objects."""
    store = make_delta()
    fs, base = store._fs, store._base
    store.import_files(dated_files[:2], progress=False)
    before = store.snapshots()
    for table in ("snapshots", "versions"):
        fs.pipe_file(f"{base}/{table}/copy (1).parquet", fs.cat_file(table_files(store, table)[0]))
        fs.pipe_file(f"{base}/{table}/été.parquet", b"not even parquet")
        fs.pipe_file(f"{base}/{table}/.tmp-123-x.parquet", b"PAR1 half written")
        fs.pipe_file(f"{base}/{table}/_delta_log/notes.txt", b"a user's note")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reader = reopen(store)
        pd.testing.assert_frame_equal(reader.snapshots(), before)
        ids = reader.import_files(dated_files[2], progress=False)
        assert ids[0] in set(reader.snapshots()["snapshot_id"])
        reader.compact()
        fs.invalidate_cache()
        for table in ("snapshots", "versions"):  # the leftovers deleted by hand: still nothing changes
            for entry in fs.ls(f"{base}/{table}", detail=True):
                if entry["type"] == "file" and not entry["name"].rsplit("/", 1)[-1].startswith("part-"):
                    fs.rm_file(entry["name"])
        assert len(reopen(store).snapshots()) == 3


WRITER = """
    import json, sys, orcatalog as oc
    store = oc.SnapshotStore(sys.argv[1], storage_options=json.loads(sys.argv[2]), layout="delta", auto_compact=4)
    for path in sys.argv[3:]:
        print(store.import_files(path, progress=False)[0], flush=True)
"""

COMPACTOR = (
    UNTIL_DONE
    + """
    import json, sys, orcatalog as oc
    root, options = sys.argv[1], json.loads(sys.argv[2])
    runs = 0
    while writers_at_work():
        store = oc.SnapshotStore(root, storage_options=options, layout="delta")
        if store.exists() and len(store.snapshots()):
            try:
                store.compact()
                runs += 1
            except oc.SnapshotConflictError:
                pass
    print("compactions", runs, flush=True)
"""
)

READER = (
    UNTIL_DONE
    + """
    import json, sys, orcatalog as oc
    root, options = sys.argv[1], json.loads(sys.argv[2])
    seen, reads = set(), 0
    while writers_at_work():
        store = oc.SnapshotStore(root, storage_options=options, layout="delta", auto_compact=None)
        ids = list(store.snapshots()["snapshot_id"]) if store.exists() else []
        assert seen <= set(ids), seen - set(ids)  # a committed snapshot never disappears
        seen = set(ids)
        if ids:
            store.load(ids[len(ids) // 2])
            store.history(ids="openai/gpt-4o", columns="price_prompt")
            reads += 1
    print("reads ok", reads, flush=True)
"""
)


@pytest.mark.compact_only
@pytest.mark.parametrize("backend", ["local", "s3"])
def test_concurrent_writers_a_compactor_and_a_reader_lose_nothing(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, hourly_bodies: list
) -> None:
    endpoint = request.getfixturevalue("s3_endpoint") if backend == "s3" else None
    store = delta_store(backend, tmp_path, endpoint)
    folder = tmp_path / "bodies"
    folder.mkdir()
    # 16 bodies, 4 per writer (was 24): each writer's upkeep (auto_compact=4) and the compactor still
    # merge while the others commit; more rounds only repeat the same interleavings at a higher cost
    chosen = hourly_bodies[:: max(1, len(hourly_bodies) // 16)][:16]
    paths = []
    for name, raw in chosen:
        (folder / name).write_bytes(raw)
        paths.append(str(folder / name))
    options = json.dumps(store._storage_options)
    reader = spawn(READER, store.root, options, stdin=subprocess.PIPE)
    compactor = spawn(COMPACTOR, store.root, options, stdin=subprocess.PIPE)
    writers = [spawn(WRITER, store.root, options, *paths[i::4]) for i in range(4)]
    returned = []
    for w in writers:
        out, err = w.communicate(timeout=600)
        assert w.returncode == 0, err
        returned += out.split()
    for proc, word in ((reader, "reads ok"), (compactor, "compactions")):
        out, err = proc.communicate(timeout=300)  # closes its stdin: the writers are done
        assert proc.returncode == 0 and out.startswith(word), err
        assert int(out.split()[-1]) > 0, out  # it read (or compacted) while the writers ran
    final = reopen(store)
    assert set(returned) == set(final.snapshots()["snapshot_id"]) and len(returned) == len(paths)
    manifest = final._delta.layout.table("snapshots").to_pyarrow_table(columns=["snapshot_id"])  # type: ignore[union-attr]
    assert len(manifest) == len(paths)  # one row per snapshot: no two compactions merged the same files
    truth = dict(chosen)
    for sid, name in zip(returned, [Path(p).name for w in range(4) for p in paths[w::4]]):
        assert final.raw(sid) == json.loads(truth[name])  # every reported snapshot loads equal to its body
    final.compact(_retention_hours=0)
    assert set(returned) == set(reopen(store).snapshots()["snapshot_id"])


CLI_IMPORT = """
    import sys, deltalake
    real = deltalake.write_deltalake
    def announcing(uri, data, **kw):
        print("committing", str(getattr(uri, "table_uri", uri)).rstrip("/").rsplit("/", 1)[-1], file=sys.stderr, flush=True)
        return real(uri, data, **kw)
    deltalake.write_deltalake = announcing
    from orcatalog.cli import run
    sys.argv = ["orcatalog", "import", "--store", sys.argv[1], sys.argv[2]]
    run()
"""


@pytest.mark.compact_only
@pytest.mark.parametrize("at", ["versions", "snapshots"])
def test_sigint_during_cli_import(at: str, make_delta, tmp_path: Path, recorded_dir: Path) -> None:
    """Ctrl-C during `orcatalog import`, just before or during a commit: an import commits up to 168
    bodies at a time (IMPORT_PIECE; the 199 recorded hours are two pieces), so the store holds whole
    pieces, none, one or all of them, the CLI says which, and nothing blocks the next run.
    On S3 the CLI finds the server through the AWS_* environment, as a user's shell would give it."""
    archive = next(recorded_dir.glob("hourly-*.tar.xz"))
    target = make_delta()  # only its root and options: nothing is written through it
    env = {**os.environ, "PYTHONPATH": str(REPO), **s3_env(target)}
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(CLI_IMPORT), target.root, str(archive)],
        env={**env, "ORCATALOG_STORE_LAYOUT": "delta"},
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    for line in proc.stderr:  # type: ignore[union-attr]
        if line.startswith(f"committing {at}"):
            proc.send_signal(signal.SIGINT)
            break
    out, err = proc.communicate(timeout=120)
    assert "Traceback" not in err, err
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        store = reopen(target)
        n = len(store.snapshots()) if store.exists() else 0
        total = len(oc.SnapshotStore(tmp_path / "scratch", layout="delta").import_files(archive, progress=False))
        from orcatalog.store.writes import IMPORT_PIECE

        assert total > IMPORT_PIECE and n in (0, IMPORT_PIECE, total)  # whole pieces
        if proc.returncode == 0:  # the commit was done when the signal came: it says so
            assert f"{total} new snapshots recorded" in out and n == total
        else:
            said = "interrupted: nothing was recorded" if n == 0 else f"interrupted: after the write: {n} new snapshot"
            assert proc.returncode == 130 and said in err, err  # the CLI's one interrupt message
            if 0 < n < total:  # one piece of two: how to finish it (trial: "168 recorded" read as done)
                assert "the import may not have finished: run it again to record any rest" in err, err
            if n == 0:  # "as it was" is true: there was no store, and none is left (issue 15, third trial)
                target._fs.invalidate_cache()
                assert not target._fs.exists(target._base), sorted(store_files(target))
        again = subprocess.run(
            [sys.executable, "-m", "orcatalog", "import", "--store", target.root, str(archive)],
            env=env,
            text=True,
            capture_output=True,
            timeout=300,
        )
        assert again.returncode == 0 and again.stderr == "", again.stderr
        assert len(reopen(target).snapshots()) == total


def test_an_s3_server_that_ignores_conditional_writes_is_refused(tmp_path: Path) -> None:
    """A tiny S3 endpoint on loopback that accepts every PUT, If-None-Match or not."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    objects: dict[str, bytes] = {}

    class Lax(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # answers "Expect: 100-continue" as S3 does

        def log_message(self, *args: object) -> None:
            pass

        def do_PUT(self) -> None:
            objects[self.path.split("?")[0]] = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("ETag", '"x"')
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_DELETE(self) -> None:
            objects.pop(self.path.split("?")[0], None)
            self.send_response(204)
            self.end_headers()

        def do_HEAD(self) -> None:
            self.send_response(404 if self.path.split("?")[0] not in objects else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            if "list-type" not in self.path:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = b'<?xml version="1.0"?><ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>'
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Lax)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        endpoint = f"http://127.0.0.1:{server.server_address[1]}"
        options = {**S3_CREDENTIALS, "client_kwargs": {"endpoint_url": endpoint, "region_name": "us-east-1"}}
        store = oc.SnapshotStore("s3://lax-bucket/store", storage_options=options, layout="delta")
        body = {"data": [{"id": "a/b", "name": "B", "pricing": {"prompt": "0", "completion": "0"}}]}
        with pytest.raises(oc.StoreWriteError, match="If-None-Match"):
            store.import_bodies([("2026-01-01T00:00:00Z", body)])
        assert not [k for k in objects if "_delta_log" in k or k.endswith(".parquet")]  # nothing was written
    finally:
        server.shutdown()


def test_layout_is_found_and_checked(tmp_path: Path, dated_files: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    oc.SnapshotStore(tmp_path / "d", layout="delta").import_files(dated_files[0], progress=False)
    legacy_store(tmp_path / "p").import_files(dated_files[0], progress=False)  # as the earlier code wrote it
    assert oc.SnapshotStore(tmp_path / "d").layout == "delta" and oc.SnapshotStore(tmp_path / "p").layout == "parquet"
    assert oc.SnapshotStore(tmp_path / "new").layout == "delta"  # the layout of every new store (issue 14)
    monkeypatch.setenv("ORCATALOG_STORE_LAYOUT", "parquet")  # no longer read: users make no parquet stores
    assert oc.SnapshotStore(tmp_path / "new").layout == "delta"
    assert oc.SnapshotStore(tmp_path / "p").layout == "parquet"  # an existing store is read in its layout
    with pytest.raises(oc.InvalidParameterError, match="layout"):
        oc.SnapshotStore(tmp_path / "x", layout="iceberg")


def test_an_existing_parquet_store_on_s3_keeps_its_layout(s3_endpoint: str, dated_files: list[Path]) -> None:
    """The layout is found at the root on an object store too (no folders there, only prefixes)."""
    options = {**S3_CREDENTIALS, "client_kwargs": {"endpoint_url": s3_endpoint, "region_name": "us-east-1"}}
    bucket = new_bucket(s3_endpoint)
    old = legacy_store(f"s3://{bucket}/old", storage_options=options, auto_compact=None)
    ids = old.import_files(dated_files[:2], progress=False)
    found = oc.SnapshotStore(f"s3://{bucket}/old", storage_options=options)
    assert found.layout == "parquet" and list(found.snapshots()["snapshot_id"]) == ids
    before = store_files(found)
    with pytest.raises(LegacyLayoutError, match=f"orcatalog migrate s3://{bucket}/old NEW"):
        found.import_files(dated_files[2], progress=False)  # read, no longer written
    assert store_files(found) == before and not found._fs.exists(f"{found._base}/snapshots")
    assert oc.SnapshotStore(f"s3://{bucket}/fresh", storage_options=options).layout == "delta"


# -- migration from the parquet layout --------------------------------------------------------------


def test_migrate_copies_a_parquet_store_losslessly(
    tmp_path: Path, recorded_dir: Path, hourly_bodies: list, server
) -> None:
    """A store written by the parquet-layout code (several batches, day precision, a partial
    catalog, another scope), copied by `orcatalog migrate` and checked against the original."""
    import requests

    from .conftest import FAST_RETRY

    old = legacy_store(tmp_path / "old", auto_compact=None)
    old.import_files(sorted(recorded_dir.glob("models-*.json.gz")), progress=False)
    bodies = [(oc.store.time_from_name(n), raw) for n, raw in hourly_bodies[:12]]
    old.import_bodies(bodies[:6])
    for when, raw in bodies[6:]:
        old.import_bodies([(when, raw)])
    shrunk = json.loads(bodies[-1][1])
    shrunk = {k: v for k, v in shrunk.items() if k != "total_count"} | {"data": shrunk["data"][:5]}
    with pytest.warns(RuntimeWarning, match="partial"):
        old.import_bodies([(bodies[-1][0] + pd.Timedelta(hours=1), shrunk)])
    old.snapshot(oc.Client(base_url=server.base_url, session=requests.Session(), retries=FAST_RETRY))
    old_manifest = old.snapshots()
    assert old_manifest["partial"].sum() == 1 and old_manifest["scope"].nunique() == 2
    assert set(old_manifest["time_precision"]) == {"day", "second"}

    listed = CliRunner().invoke(cli_main, ["snapshots", "--store", old.root])
    assert listed.exit_code == 0 and f"orcatalog migrate {old.root} NEW" in listed.stderr  # the way out, named
    proc = subprocess.run(
        [sys.executable, "-m", "orcatalog", "migrate", old.root, str(tmp_path / "new")],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        text=True,
        capture_output=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"{len(old_manifest)} snapshots copied" in proc.stdout
    new = oc.SnapshotStore(tmp_path / "new")
    assert new.layout == "delta"
    listed = CliRunner().invoke(cli_main, ["snapshots", "--store", new.root])
    assert listed.exit_code == 0 and "migrate" not in listed.stderr  # a Delta store: nothing to say
    pd.testing.assert_frame_equal(new.snapshots().drop(columns="batch"), old_manifest.drop(columns="batch"))
    for sid in old_manifest["snapshot_id"]:
        assert new.raw(sid) == old.raw(sid)
    pd.testing.assert_frame_equal(new.history(scope=None), old.history(scope=None))
    pd.testing.assert_frame_equal(new.load(), old.load())
    # again: nothing new, everything checked; a Delta store is not migrated twice
    assert migrate(old.root, new.root) == list(old_manifest["snapshot_id"])
    with pytest.raises(oc.InvalidParameterError, match="already a Delta"):
        migrate(new.root, tmp_path / "other")


@pytest.mark.parametrize("at", ["first-write", "second-write", "second-check"])
def test_an_interrupted_migrate_says_what_new_holds_and_running_it_again_finishes(
    at: str, tmp_path: Path, dated_files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C during `orcatalog migrate OLD NEW` (new-user trial, issue 14): one line saying how many
    of OLD's snapshots NEW holds and whether each was checked (a chunk committed just before Ctrl-C
    is held, not yet checked), and the same command run again finishes, copying only what is
    missing and checking everything. A NEW that held nothing is left as it was (no folder)."""
    from orcatalog.store import migrate as migrate_module
    from orcatalog.store.delta.store import DeltaStore

    old = legacy_store(tmp_path / "old", auto_compact=None)
    for f in dated_files[:5]:
        old.import_files(f, progress=False)
    total = len(old.snapshots())
    monkeypatch.setattr(migrate_module, "CHUNK", 2)  # three chunks: 2, 2, 1
    nth, step = at.split("-")
    calls: list[int] = []
    if step == "write":
        real = DeltaStore.write

        def pressed(self, *args, **kwargs):  # Ctrl-C before this chunk's commit
            calls.append(1)
            if len(calls) == {"first": 1, "second": 2}[nth]:
                raise KeyboardInterrupt
            return real(self, *args, **kwargs)

        monkeypatch.setattr(DeltaStore, "write", pressed)
    else:
        real_check = migrate_module._check

        def pressed_in_check(*args, **kwargs):  # Ctrl-C after this chunk's commit, before its check
            calls.append(1)
            if len(calls) == 2:
                raise KeyboardInterrupt
            return real_check(*args, **kwargs)

        monkeypatch.setattr(migrate_module, "_check", pressed_in_check)
    new = tmp_path / "new"
    result = CliRunner().invoke(cli_main, ["migrate", str(old.root), str(new)])
    again = "run the same command again to finish (it checks every snapshot, and copies only what is missing)"
    held = {"first-write": 0, "second-write": 2, "second-check": 4}[at]
    where = oc.SnapshotStore(new).root
    said = {
        "first-write": f"{where} holds none of the {total} snapshots of {old.root} yet",
        "second-write": f"{where} holds 2 of the {total} snapshots of {old.root} (all checked)",
        "second-check": f"{where} holds 4 of the {total} snapshots of {old.root} (2 of them checked in this run)",
    }[at]
    assert result.exit_code == 130 and result.stdout == "", result.output
    assert result.stderr == f"interrupted: {said}; {again}\n", result.stderr
    if held:
        assert len(oc.SnapshotStore(new).snapshots()) == held
    else:
        assert not new.exists()  # nothing committed into a new folder: none is left behind
    monkeypatch.undo()  # the whole migration, as one command again
    finished = CliRunner().invoke(cli_main, ["migrate", str(old.root), str(new)])
    assert finished.exit_code == 0 and finished.stderr == "", finished.output
    assert (
        finished.stdout == f"{total} snapshots copied from {old.root} to {new} (Delta layout); each read back equal\n"
    )
    copy = oc.SnapshotStore(new)
    pd.testing.assert_frame_equal(copy.snapshots().drop(columns="batch"), old.snapshots().drop(columns="batch"))
    for sid in old.snapshots()["snapshot_id"]:
        assert copy.raw(sid) == old.raw(sid)


def test_migrate_refuses_a_damaged_store(tmp_path: Path, dated_files: list[Path]) -> None:
    old = legacy_store(tmp_path / "old", auto_compact=None)
    for p in dated_files[:3]:
        old.import_files(p, progress=False)
    victim = next((tmp_path / "old" / "versions").glob("*.parquet"))
    victim.write_bytes(victim.read_bytes()[:100])
    with pytest.raises(oc.StoreDamagedError, match="nothing was copied"):
        migrate(old.root, tmp_path / "new")
    assert not (tmp_path / "new" / "snapshots").exists()
    with pytest.raises(oc.SnapshotNotFoundError, match="no parquet-layout store"):  # a typo, not "already Delta"
        migrate(tmp_path / "typo", tmp_path / "new")


def test_an_open_store_sees_what_other_writers_commit(make_delta, dated_files: list[Path]) -> None:
    """A store object keeps its table handles and the files it read; it must still see every
    commit made by another process (appends, a compaction) and append after them."""
    mine = make_delta(auto_compact=None)
    first = mine.import_files(dated_files[0], progress=False)
    other = reopen(mine)
    others = other.import_files(dated_files[1:3], progress=False)
    assert list(mine.snapshots()["snapshot_id"]) == first + others
    other.compact()  # an optimize commit: the files mine read are replaced (kept for an hour)
    pd.testing.assert_frame_equal(mine.history(), other.history())
    last = mine.import_files(dated_files[3], progress=False)  # written through the handle mine kept
    fresh = reopen(mine)
    assert list(fresh.snapshots()["snapshot_id"]) == first + others + last
    assert fresh.raw(last[0]) == json.loads(read_body(dated_files[3]))
    pd.testing.assert_frame_equal(mine.history(), fresh.history())


def test_a_kept_store_object_answers_as_a_new_one_after_each_append(tmp_path: Path, dated_files: list[Path]) -> None:
    """A writer reads back only its new rows and applies the timeline rules to them alone; what it
    then answers equals what a store object reading everything answers: a day-precision body, one
    shadowed by a finer body of its day, a shrunken (partial) body, the next full one, a body older
    than the rest, and another writer's commits in between."""
    body = json.loads(read_body(dated_files[-1]))
    one = {k: v for k, v in body.items() if k != "total_count"} | {"data": body["data"][:1]}
    kept = oc.SnapshotStore(tmp_path / "s", layout="delta", auto_compact=None)
    other = oc.SnapshotStore(tmp_path / "s", layout="delta", auto_compact=None)

    def same() -> None:
        fresh = oc.SnapshotStore(tmp_path / "s")
        pd.testing.assert_frame_equal(kept.snapshots(), fresh.snapshots())
        pd.testing.assert_frame_equal(kept.history(scope=None), fresh.history(scope=None))

    kept.import_files(dated_files[-3], progress=False)  # a day-precision body (named by its date)
    same()
    day = kept.snapshots()["fetched_at"].iloc[-1]
    kept.import_bodies([(day + pd.Timedelta(hours=9), body)])  # a finer body that day: the first is shadowed
    assert kept.snapshots()["shadowed"].tolist() == [True, False]
    same()
    with pytest.warns(RuntimeWarning, match="partial"):
        kept.import_bodies([(day + pd.Timedelta(days=2), one)])
    other.import_bodies([(day + pd.Timedelta(days=3), body)])  # another writer's commit: read as new rows
    kept.import_bodies([(day + pd.Timedelta(days=4), body)])
    assert kept.snapshots()["partial"].tolist() == [False, False, True, False, False]
    same()
    kept.import_files(dated_files[0], progress=False)  # older than every row: everything is read again
    same()


def test_compact_deletes_a_killed_writers_files_only_past_the_orphan_retention(
    make_delta, dated_files: list[Path]
) -> None:
    """Data files no commit names (a writer killed between writing them and its commit) are deleted
    by compact() on disk and on S3, but only once older than the orphan retention: a file written
    just now may be a live writer's, about to be committed."""
    import uuid

    store = make_delta(auto_compact=None)
    for path in dated_files[:2]:
        store.import_files(path, progress=False)
    fs, base = store._fs, store._base
    orphans = []
    for table in ("snapshots", "versions"):  # what a killed writer leaves: a whole data file, never committed
        fs.invalidate_cache()
        source = sorted(p for p in fs.ls(f"{base}/{table}", detail=False) if p.endswith(".parquet"))[0]
        orphans.append(f"{base}/{table}/part-00000-{uuid.uuid4()}-c000.snappy.parquet")
        fs.pipe_file(orphans[-1], fs.cat_file(source))
    before = (store.snapshots(), store.history(scope=None))

    def left() -> list[str]:
        fs.invalidate_cache()
        return [p for p in orphans if fs.exists(p)]

    assert store.compact() > 0 and left() == orphans  # written just now: kept
    reopen(store).compact(_retention_hours=0, _orphan_hours=0)  # past the retentions: deleted
    assert left() == []
    again = reopen(store)
    pd.testing.assert_frame_equal(again.snapshots(), before[0])
    pd.testing.assert_frame_equal(again.history(scope=None), before[1])


def test_a_fetch_time_with_nanoseconds_is_stored_to_the_microsecond(tmp_path: Path, dated_files: list[Path]) -> None:
    """Issue 14 H1: a pd.Timestamp with nanoseconds as ``fetched_at`` was committed, then reported
    as a storage failure (the read-back found the microseconds stored), with a pandas UserWarning
    leaking. The one rule (orcatalog.times.stored_time) truncates it to microseconds first."""
    store = oc.SnapshotStore(tmp_path / "s", layout="delta", auto_compact=None)
    day = dated_files[-1].name.split("-", 1)[1][:10]  # models-YYYY-MM-DD.json.gz: a time within the named day
    given = pd.Timestamp(f"{day}T01:19:00.123456789Z")
    body = json.loads(read_body(dated_files[-1]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no pandas warning, no damage warning
        (sid,) = store.import_bodies([(given, body)], progress=False, now=given + pd.Timedelta(days=1))
        (again,) = store.import_files(
            dated_files[-1], fetched_at=given + pd.Timedelta(hours=1), progress=False, now=given + pd.Timedelta(days=1)
        )
        reader = reopen(store)
        listed = reader.snapshots().set_index("snapshot_id")["fetched_at"]
        assert listed[sid] == pd.Timestamp(f"{day}T01:19:00.123456Z")
        assert listed[again] == pd.Timestamp(f"{day}T02:19:00.123456Z")
        assert sid.startswith(f"{day.replace('-', '')}T011900Z-")
        assert reader.raw(sid) == body
        assert reader.load(as_of=given).attrs["snapshot_id"] == sid
        assert store.import_bodies([(given, body)], progress=False, now=given + pd.Timedelta(days=1)).added == []


def _checkpoints(root: Path, table: str) -> list[int]:
    """The versions at which a table's log holds a checkpoint (on disk)."""
    return sorted(int(p.name.split(".")[0]) for p in (root / table / "_delta_log").glob("*.checkpoint.parquet"))


def test_the_log_is_checkpointed_so_a_new_reader_does_not_replay_every_commit(
    tmp_path: Path, hourly_bodies: list
) -> None:
    """A new store's tables write a checkpoint every 10 commits on their own, and ``compact()``
    writes one on any store (also one whose tables were created without the interval): a new store
    object then opens each table from the checkpoint. Answers are the same either way."""
    from deltalake import DeltaTable

    from orcatalog.store import time_from_name
    from orcatalog.store.delta import schema as delta_schema

    bodies = [(time_from_name(name), raw) for name, raw in hourly_bodies[:12]]
    store = oc.SnapshotStore(tmp_path / "s", layout="delta", auto_compact=None)
    for when, raw in bodies:  # one commit each, as an hourly job writes
        store.import_bodies([(when, raw)], progress=False)
    assert _checkpoints(tmp_path / "s", "snapshots") == [9]  # the 10th commit
    fresh = oc.SnapshotStore(tmp_path / "s")
    pd.testing.assert_frame_equal(fresh.history(), store.history())
    assert fresh.raw(fresh.snapshots()["snapshot_id"].iloc[-1]) == json.loads(bodies[-1][1])

    # a store whose tables were created without the interval (before it was set): compact() checkpoints it
    old = tmp_path / "old"
    with pytest.MonkeyPatch.context() as mp:
        mp.delitem(delta_schema.TABLE_CONFIG, "delta.checkpointInterval")
        before = oc.SnapshotStore(old, layout="delta", auto_compact=None)
        for when, raw in bodies:
            before.import_bodies([(when, raw)], progress=False)
    assert _checkpoints(old, "snapshots") == []
    answers = oc.SnapshotStore(old).history()
    oc.SnapshotStore(old).compact()
    for table in TABLES:
        assert _checkpoints(old, table)[-1:] == [DeltaTable(str(old / table)).version()], table
    pd.testing.assert_frame_equal(oc.SnapshotStore(old).history(), answers)
