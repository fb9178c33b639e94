"""The "Snapshot store" (its earlier parquet layout) and "Exports" tables of reliability.md: real processes, real files."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import orcatalog as oc

from orcatalog.testing.legacy import legacy_store

from .conftest import REPO, make_store, store_files


@pytest.fixture
def new_store(backend: str, tmp_path: Path, request: pytest.FixtureRequest):
    """These tests are about the earlier parquet layout's own files and its writer's commit
    protocol (the Delta layout's are in test_store_delta.py). Users no longer write that layout;
    every store here is written by the private writer kept for such tests
    (:func:`orcatalog.testing.legacy.legacy_store`), here and in the processes they spawn."""
    endpoint = request.getfixturevalue("s3_endpoint") if backend == "s3" else None
    counter = iter(range(100))

    def factory() -> oc.SnapshotStore:
        made = make_store(backend, tmp_path / f"s{next(counter)}", endpoint)
        return legacy_store(made.root, storage_options=made._storage_options)

    return factory


def files_of(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def spawn(code: str, *args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,
    )


# A writer that announces each file it is about to write and, before the manifest (the commit),
# stops to be killed. Only pyarrow's write is wrapped; the store's own code runs unchanged.
SLOW_WRITER = """
    import json, sys, time, pyarrow.parquet as pq, orcatalog as oc
    from orcatalog.testing.legacy import legacy_store
    real = pq.write_table
    def announcing(table, where, **kw):
        names = set(table.column_names)
        kind = "manifest" if "content_hash" in names else "other"
        print("writing", kind, flush=True)
        if kind == "manifest" and sys.argv[3] == "pause":
            time.sleep(60)
        return real(table, where, **kw)
    pq.write_table = announcing  # the store looks it up on pyarrow.parquet at each write
    options = json.loads(sys.argv[4]) if len(sys.argv) > 4 else None
    ids = legacy_store(sys.argv[1], storage_options=options).import_files(sys.argv[2].split(","), progress=False)
    print("done", ",".join(ids), flush=True)
"""


@pytest.mark.compact_only
def test_sigkill_mid_write_leaves_the_store_as_it_was(new_store, dated_files: list[Path]) -> None:
    store = new_store()
    store.import_files(dated_files[:4], progress=False)
    before = store_files(store)
    manifest_before = store.snapshots()
    proc = spawn(
        SLOW_WRITER, store.root, ",".join(map(str, dated_files[4:8])), "pause", json.dumps(store._storage_options)
    )
    for line in proc.stdout:  # type: ignore[union-attr]
        if line.startswith("writing manifest"):
            break  # the child prints before it pauses, and pauses before the manifest: a kill now lands before the commit
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    after = legacy_store(store.root, storage_options=store._storage_options)
    pd.testing.assert_frame_equal(after.snapshots(), manifest_before)  # the new batch is absent, not half there
    now = store_files(after)
    for name, data in before.items():
        assert now[name] == data  # earlier snapshots byte-identical
    pd.testing.assert_frame_equal(after.load(), store.load())
    # the killed writer's claim does not block the next writer on this machine: its process is gone
    ids = after.import_files(dated_files[4:8], progress=False)
    assert len(after.snapshots()) == 8 and set(ids) <= set(after.snapshots()["snapshot_id"])


@pytest.mark.compact_only  # behaviour, not data: the compact set is enough
def test_disk_full_is_a_typed_error_and_nothing_is_touched(tmp_path: Path, dated_files: list[Path]) -> None:
    """RLIMIT_FSIZE makes the kernel refuse writes past a size (EFBIG), as a full disk would (ENOSPC)."""
    root = tmp_path / "s"
    legacy_store(root).import_files(dated_files[:2], progress=False)
    before = files_of(root)
    code = """
        import resource, signal, sys, orcatalog as oc
        from orcatalog.testing.legacy import legacy_store
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))
        try:
            legacy_store(sys.argv[1]).import_files(sys.argv[2].split(","), progress=False)
        except oc.StoreWriteError as exc:
            print("StoreWriteError", isinstance(exc, OSError), exc)
    """
    proc = spawn(code, str(root), ",".join(map(str, dated_files[2:12])))
    out, err = proc.communicate(timeout=120)
    assert out.startswith("StoreWriteError True"), err
    assert "nothing was changed" in out
    assert files_of(root) == before  # no temp file left, nothing earlier touched
    assert len(legacy_store(root).snapshots()) == 2


@pytest.mark.compact_only  # behaviour, not data: the compact set is enough
def test_read_only_target_is_a_typed_error(tmp_path: Path, dated_files: list[Path]) -> None:
    base = Path(tempfile.mkdtemp(prefix="orcatalog-ro-"))
    try:
        root = base / "s"
        legacy_store(root).import_files(dated_files[:1], progress=False)
        before = files_of(root)
        # the input is read by `nobody` below: a copy in the test's own folder, not the clone's file
        # (a clone in a private 0700 home is unreadable to nobody)
        body = base / dated_files[1].name
        body.write_bytes(dated_files[1].read_bytes())
        for p in [base, *base.rglob("*")]:
            p.chmod(0o555 if p.is_dir() else 0o444)
        code = """
            import os, sys, gzip, tarfile, orcatalog as oc, orcatalog.progress, tqdm.std, orcatalog.fetch.client
            from orcatalog.testing.legacy import legacy_store
            store = legacy_store(sys.argv[1])
            store.snapshots()  # every module the store uses is loaded before privileges drop
            if os.geteuid() == 0:
                os.setgid(65534); os.setuid(65534)  # root ignores permissions: write as nobody
            try:
                store.import_files(sys.argv[2].split(","), progress=False)
            except oc.StoreWriteError as exc:
                print("StoreWriteError", exc)
            print(len(legacy_store(sys.argv[1]).snapshots()))
        """
        proc = spawn(code, str(root), str(body))
        out, err = proc.communicate(timeout=120)
        assert out.startswith("StoreWriteError"), err
        assert out.strip().endswith("1")  # the store still reads
        assert files_of(root) == before
    finally:
        for p in [base, *base.rglob("*")]:
            p.chmod(0o755 if p.is_dir() else 0o644)
        import shutil

        shutil.rmtree(base)


@pytest.mark.compact_only
def test_two_writers_different_snapshots_both_land(new_store, dated_files: list[Path]) -> None:
    store = new_store()
    options = json.dumps(store._storage_options)
    procs = [
        spawn(SLOW_WRITER, store.root, ",".join(map(str, files)), "go", options)
        for files in (dated_files[0:7], dated_files[7:14])
    ]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    assert len(legacy_store(store.root, storage_options=store._storage_options).snapshots()) == 14


@pytest.mark.compact_only
def test_two_writers_same_snapshot_one_wins(new_store, dated_files: list[Path]) -> None:
    store = new_store()
    slow = spawn(SLOW_WRITER, store.root, str(dated_files[5]), "pause", json.dumps(store._storage_options))
    for line in slow.stdout:  # type: ignore[union-attr]
        if line.startswith("writing manifest"):
            break
    try:
        with pytest.raises(oc.SnapshotConflictError, match="another writer"):
            store.import_files(dated_files[5], progress=False)
    finally:
        slow.send_signal(signal.SIGKILL)
        slow.wait(timeout=10)
    assert store.snapshots().empty  # the killed winner committed nothing, and nothing was overwritten
    first = store.import_files(dated_files[5], progress=False)
    before = store_files(store)
    assert store.import_files(dated_files[5], progress=False) == first  # same body, same time: a no-op
    assert store_files(store) == before


@pytest.mark.compact_only  # behaviour, not data: the compact set is enough
def test_truncated_file_from_an_old_crash_is_skipped(tmp_path: Path, dated_files: list[Path]) -> None:
    root = tmp_path / "s"
    store = legacy_store(root)
    store.import_files(dated_files[:3], progress=False)
    store.import_files(dated_files[3:5], progress=False)
    m = store.snapshots()
    damaged_batch = m["batch"].iloc[-1]
    (path,) = (root / "manifest").glob(f"{damaged_batch}.*parquet")
    path.write_bytes(path.read_bytes()[:100])
    before = files_of(root)
    with pytest.warns(RuntimeWarning, match=f"{path.name}.*SHA-256.*affects snapshot"):
        after = oc.SnapshotStore(root).snapshots()
    assert list(after["snapshot_id"]) == list(m["snapshot_id"].iloc[:3])
    with (
        pytest.raises(oc.StoreDamagedError, match=m["snapshot_id"].iloc[-1]),
        pytest.warns(RuntimeWarning, match=path.name),
    ):
        oc.SnapshotStore(root).load()  # the latest snapshot is lost: an older one would be a wrong answer
    assert files_of(root) == before  # readers report the damage and leave the file where it is
    with pytest.warns(RuntimeWarning, match=path.name):
        assert len(legacy_store(root).load(as_of=m["fetched_at"].iloc[2])) == len(
            json.loads(__import__("gzip").decompress(dated_files[2].read_bytes()))["data"]
        )


@pytest.mark.compact_only  # behaviour, not data: the compact set is enough
def test_temp_files_of_a_dead_writer_are_ignored(tmp_path: Path, dated_files: list[Path]) -> None:
    root = tmp_path / "s"
    store = legacy_store(root)
    store.import_files(dated_files[:2], progress=False)
    (root / "manifest" / ".tmp-20990101-x-manifest.parquet").write_bytes(b"PAR1 half written")
    (root / "versions" / "orphan-batch.parquet").write_bytes(b"not even parquet")
    assert len(legacy_store(root).snapshots()) == 2


# -- exports -----------------------------------------------------------------------------------


def test_csv_neutralises_formulas_and_keeps_numbers(tmp_path: Path, latest_file: Path) -> None:
    from .conftest import read_body

    body = json.loads(read_body(latest_file))
    body["data"][0]["name"] = '=HYPERLINK("http://evil","x")'
    body["data"][1]["name"] = "+1+1"
    body["data"][2]["name"] = "-2"
    body["data"][3]["name"] = "@SUM(A1)"
    body["data"][4]["name"] = "\tTab"
    body["data"][5]["name"] = "\rCR"
    store = oc.SnapshotStore(tmp_path / "s")
    (sid,) = store.import_bodies([("2026-06-01T00:00:00Z", body)])
    df = store.load(sid)
    path = tmp_path / "out.csv"
    oc.to_csv(df, path)
    back = pd.read_csv(path)
    names = list(back["name"].iloc[:6])
    assert names[0] == '\'=HYPERLINK("http://evil","x")' and names[1] == "'+1+1" and names[2] == "'-2"
    assert names[3] == "'@SUM(A1)" and names[4].startswith("'") and names[5].startswith("'")
    assert back["price_prompt"].dtype == "float64" and back["context_length"].dtype == "int64"
    assert back["price_prompt"].iloc[10] == pytest.approx(df["price_prompt"].iloc[10])


def test_list_columns_round_trip(tmp_path: Path, latest_file: Path) -> None:
    store = oc.SnapshotStore(tmp_path / "s")
    store.import_files(latest_file, progress=False)
    df = store.load()
    csv_path = tmp_path / "out.csv"
    oc.to_csv(df, csv_path)
    back = pd.read_csv(csv_path)
    parsed = [json.loads(v) if isinstance(v, str) else None for v in back["input_modalities"]]
    assert parsed == [list(v) for v in df["input_modalities"]]
    pq_path = tmp_path / "out.parquet"
    oc.to_parquet(df, pq_path)
    again = pd.read_parquet(pq_path)  # plain pandas, no orcatalog reader
    for a, b in zip(again["supported_parameters"], df["supported_parameters"]):
        assert (a is None and b is None) or list(a) == list(b)
    assert again["price_prompt"].equals(df["price_prompt"])
    h = store.history(columns=["price_prompt", "input_modalities"])
    oc.to_parquet(h, tmp_path / "h.parquet")
    assert len(pd.read_parquet(tmp_path / "h.parquet")) == len(h)
    buf = io.StringIO()
    oc.to_csv(oc.price_changes(h), buf)
    header = next(__import__("csv").reader(io.StringIO(buf.getvalue())))
    assert header[:6] == ["id", "fetched_at", "field", "old", "new", "pct_change"]
    assert np.isfinite(df["prompt_usd_per_mtok"].fillna(0)).all()


@pytest.mark.compact_only  # behaviour, not data: the compact set is enough
def test_object_store_never_overwrites_silently(s3_endpoint: str, tmp_path: Path, dated_files: list[Path]) -> None:
    """On S3 the claim is a conditional put (If-None-Match): a held claim means a conflict."""
    made = make_store("s3", tmp_path, s3_endpoint)
    store = legacy_store(made.root, storage_options=made._storage_options)
    first = store.import_files(dated_files[0], progress=False)[0]
    before = store_files(store)
    # another machine is writing the next snapshot right now
    other = {"host": "another-host", "pid": 1, "time": time.time()}
    body = json.loads(__import__("gzip").decompress(dated_files[1].read_bytes()))
    target_id = _snapshot_id_of(store, dated_files[1], body)
    store._fs.pipe_file(store._claim_path(target_id), json.dumps(other).encode())
    with pytest.raises(oc.SnapshotConflictError, match="another-host"):
        store.import_files(dated_files[1], progress=False)
    assert {k: v for k, v in store_files(store).items() if "/claims/" not in k} == before
    store._fs.rm(store._claim_path(target_id))
    assert store.import_files(dated_files[1], progress=False) == [target_id]
    assert list(store.snapshots()["snapshot_id"]) == [first, target_id]


def _snapshot_id_of(store: oc.SnapshotStore, path: Path, body: dict) -> str:
    """The id a writer would give this body: import it into a scratch local store."""
    with tempfile.TemporaryDirectory() as tmp:
        return legacy_store(tmp).import_files(path, progress=False)[0]


def test_csv_neutralises_formulas_in_history_categoricals(tmp_path: Path, latest_file: Path) -> None:
    from .conftest import read_body

    body = json.loads(read_body(latest_file))
    for model, name in zip(body["data"], ("=1+1", "+1+1", "-1+1", "@SUM(A1)", "\tTab")):
        model["name"] = model["description"] = name
    store = oc.SnapshotStore(tmp_path / "s")
    store.import_bodies([("2026-06-01T00:00:00Z", body), ("2026-06-01T01:00:00Z", body)])
    h = store.history()
    assert isinstance(h["name"].dtype, pd.CategoricalDtype)  # the case the writer missed
    path = tmp_path / "h.csv"
    oc.to_csv(h, path)
    with open(path, newline="") as fh:
        cells = [cell for row in csv.reader(fh) for cell in row]
    assert sum(c.startswith("'") for c in cells) == 2 * 2 * 5
    assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r")) or (c.startswith("-") and not _number(c))]
    h.astype(str)  # attrs are plain values: this raised on DatetimeIndex attrs
    assert all(isinstance(t, str) for times in h.attrs["snapshot_times"].values() for t in times)


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@pytest.mark.compact_only  # behaviour, not data: the compact set is enough
def test_a_failed_cleanup_is_reported_not_called_nothing_changed(tmp_path: Path, dated_files: list[Path]) -> None:
    """When the commit fails and removing the batch's data files fails too, the error names the
    files left behind instead of saying that nothing was changed."""
    root = tmp_path / "s"
    root.mkdir()
    (root / "manifest").write_text("not a folder")  # the commit (the manifest write) fails
    store = legacy_store(root)
    layout = store._layout

    from fsspec.implementations.local import LocalFileSystem

    class CannotRemove(LocalFileSystem):  # the store's own disk, with removal failing
        def rm(self, path, *args, **kwargs):
            raise PermissionError(f"cannot remove {path}")

    layout.fs = CannotRemove()
    with pytest.raises(oc.StoreWriteError) as info:
        store.import_files(dated_files[:1], progress=False)
    message = str(info.value)
    assert "nothing was changed" not in message and "could not be removed" in message
    left = sorted(root.rglob("*.parquet"))
    assert left and all(p.name in message for p in left)
