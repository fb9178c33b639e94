"""The parquet layout's commit protocol under damage, losses, stale claims and concurrent processes (issue 6, items 6-9)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import pandas as pd
import pytest

import orcatalog as oc
from orcatalog.store.claims import _process_start
from orcatalog.testing.legacy import legacy_store

from .conftest import REPO, UNTIL_DONE, make_store, store_files


# These tests are about the earlier parquet layout's own files and its writer's commit protocol
# (the Delta layout's are in test_store_delta.py). Users no longer write that layout: every store
# here is written by the private writer kept for such tests (orcatalog.testing.legacy), here and in
# the processes they spawn; readers are ordinary SnapshotStore objects where the test is about reading.


def _small_store(root: Path, dated_files: list[Path], batches: int = 3) -> oc.SnapshotStore:
    """Old, small catalogs, one batch each, so versions are shared across batches."""
    store = legacy_store(root, auto_compact=None)
    for path in dated_files[:batches]:
        store.import_files(path, progress=False)
    return store


@pytest.mark.compact_only  # behaviour, not data: the compact set is enough
def test_bit_flips_are_errors_naming_the_file_never_wrong_answers(tmp_path: Path, dated_files: list[Path]) -> None:
    pristine = tmp_path / "pristine"
    store = _small_store(pristine, dated_files)
    truth = {sid: store.raw(sid) for sid in store.snapshots()["snapshot_id"]}
    files = sorted(p for p in pristine.rglob("*.parquet"))
    trials = 0
    for path in files:
        size = path.stat().st_size
        for offset in (size // 7, size // 2, size - 9):  # data pages, middle, footer
            root = tmp_path / f"t{trials}"
            shutil.copytree(pristine, root)
            target = root / path.relative_to(pristine)
            data = bytearray(target.read_bytes())
            data[offset] ^= 0x04
            target.write_bytes(bytes(data))
            before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
            trials += 1
            messages = []
            with warnings.catch_warnings(record=True) as warned:
                warnings.simplefilter("always")
                flipped = oc.SnapshotStore(root)
                listed = set(flipped.snapshots()["snapshot_id"])
                for sid in truth:
                    try:
                        assert flipped.raw(sid) == truth[sid], (target, offset)  # never a wrong answer
                    except oc.StoreDamagedError as exc:
                        messages.append(str(exc))
                        assert sid in str(exc)
            messages += [str(w.message) for w in warned]
            batch = target.name.split(".")[0]
            assert any(target.name in m or (target.parent.name == "manifest" and batch in m) for m in messages), target
            assert listed < set(truth) or target.parent.name == "orders"  # orders are checked when read
            assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before, target  # nothing moved
    assert trials == 3 * len(files)


@pytest.mark.compact_only  # behaviour, not data: the compact set is enough
def test_a_damaged_versions_file_is_reported_and_blocks_compaction(tmp_path: Path, dated_files: list[Path]) -> None:
    root = tmp_path / "s"
    store = _small_store(root, dated_files, batches=4)
    before = store.snapshots()
    first_batch = before["batch"].iloc[0]
    versions = root / "versions" / f"{first_batch}.parquet"
    versions.write_bytes(versions.read_bytes()[: versions.stat().st_size // 2])  # truncated
    files_before = {p.name for p in root.rglob("*.parquet")}
    reader = oc.SnapshotStore(root)
    damaged = versions.read_bytes()
    with pytest.warns(RuntimeWarning, match=f"{versions.name}.*SHA-256.*affects snapshot"):
        listed = reader.snapshots()
    assert before["snapshot_id"].iloc[0] not in set(listed["snapshot_id"])
    with pytest.raises(oc.StoreDamagedError, match=before["snapshot_id"].iloc[0]):
        reader.load(before["snapshot_id"].iloc[0])
    with pytest.raises(oc.StoreDamagedError, match="cannot be read whole"), pytest.warns(RuntimeWarning):
        legacy_store(root).compact()
    ids = legacy_store(root, auto_compact=2).import_files(dated_files[5], progress=False)  # upkeep skips
    after = {p.name for p in root.rglob("*.parquet")}
    assert files_before <= after  # nothing deleted
    assert versions.read_bytes() == damaged and not (root / "quarantine").exists()  # reported, left where it is
    with pytest.warns(RuntimeWarning):
        assert ids[0] in set(legacy_store(root).snapshots()["snapshot_id"])


@pytest.mark.compact_only  # behaviour, not data: the compact set is enough
def test_a_deleted_manifest_is_a_reported_loss(tmp_path: Path, dated_files: list[Path]) -> None:
    root = tmp_path / "s"
    store = _small_store(root, dated_files, batches=4)
    m = store.snapshots()
    lost = m.iloc[2]
    (manifest,) = (root / "manifest").glob(f"{lost['batch']}.*parquet")
    manifest.unlink()
    reader = oc.SnapshotStore(root)
    with pytest.warns(RuntimeWarning, match=f"{lost['snapshot_id']}"):
        assert len(reader.snapshots()) == 3
    with pytest.raises(oc.StoreDamagedError, match=lost["snapshot_id"]), pytest.warns(RuntimeWarning):
        legacy_store(root).load(as_of=lost["fetched_at"] + pd.Timedelta(days=1))  # never the older snapshot
    with pytest.warns(RuntimeWarning):
        assert legacy_store(root).load(as_of=m["fetched_at"].iloc[1]).attrs["snapshot_id"] == m["snapshot_id"].iloc[1]
    with pytest.raises(oc.StoreDamagedError), pytest.warns(RuntimeWarning):
        legacy_store(root).compact()


@pytest.mark.compact_only  # behaviour, not data: the compact set is enough
def test_a_writer_at_work_is_not_a_loss(tmp_path: Path, dated_files: list[Path]) -> None:
    root = tmp_path / "s"
    store = _small_store(root, dated_files, batches=2)
    batch = store.snapshots()["batch"].iloc[1]
    (manifest,) = (root / "manifest").glob(f"{batch}.*parquet")
    saved = manifest.read_bytes()
    manifest.unlink()
    claim = root / "claims" / f"batch-{batch}"
    claim.write_text(
        json.dumps(
            {"host": os.uname().nodename, "pid": os.getpid(), "start": _process_start(os.getpid()), "time": time.time()}
        )
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(oc.SnapshotStore(root).snapshots()) == 1  # in flight: not there yet, and no alarm
    manifest.write_bytes(saved)
    claim.unlink()
    assert len(oc.SnapshotStore(root).snapshots()) == 2


@pytest.mark.compact_only  # behaviour, not data: the compact set is enough
def test_a_claim_of_a_reused_pid_is_stale(tmp_path: Path, dated_files: list[Path]) -> None:
    root = tmp_path / "s"
    store = legacy_store(root)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        sid = legacy_store(tmp_path / "scratch").import_files(dated_files[0], progress=False)[0]
        claim = Path(store._claim_path(sid))
        claim.parent.mkdir(parents=True)
        owner = {"host": os.uname().nodename, "pid": other.pid, "time": time.time()}
        claim.write_text(json.dumps({**owner, "start": _process_start(other.pid)}))  # that very process: live
        with pytest.raises(oc.SnapshotConflictError):
            store.import_files(dated_files[0], progress=False)
        claim.write_text(json.dumps({**owner, "start": "1"}))  # a crashed writer's PID, now another process
        assert store.import_files(dated_files[0], progress=False) == [sid]
    finally:
        other.kill()
        other.wait(timeout=10)


@pytest.mark.compact_only  # behaviour, not data: the compact set is enough
def test_a_failed_upkeep_never_fails_the_write(tmp_path: Path, dated_files: list[Path]) -> None:
    root = tmp_path / "s"
    store = legacy_store(root, auto_compact=2)
    store.import_files(dated_files[0], progress=False)
    store.import_files(dated_files[1], progress=False)
    held = store._layout.claim(["compact"], what="compaction")  # another process is compacting
    try:
        ids = store.import_files(dated_files[2], progress=False)
    finally:
        store._layout.release(held)
    assert ids[0] in set(store.snapshots()["snapshot_id"]) and len(store.snapshots()) == 3


WRITER = """
    import json, sys, orcatalog as oc
    from orcatalog.testing.legacy import legacy_store
    store = legacy_store(sys.argv[1], storage_options=json.loads(sys.argv[2]), auto_compact=4)
    for path in sys.argv[3:]:
        print(store.import_files(path, progress=False)[0], flush=True)
"""

READER = (
    UNTIL_DONE
    + """
    import json, sys, orcatalog as oc
    from orcatalog.testing.legacy import legacy_store
    root, options = sys.argv[1], json.loads(sys.argv[2])
    seen, high, reads = set(), 0, 0
    while writers_at_work():
        store = legacy_store(root, storage_options=options, auto_compact=None)
        if not store.exists():  # the writers have not created the folder yet
            continue
        ids = list(store.snapshots()["snapshot_id"])
        assert len(ids) >= high, (len(ids), high)  # a committed snapshot never disappears
        assert seen <= set(ids), seen - set(ids)
        high, seen = len(ids), set(ids)
        if ids:
            store.load(ids[len(ids) // 2])  # orders files opened while compactions run
            store.history(ids="openai/gpt-4o", columns="price_prompt")
            reads += 1
    print("reads ok", high, reads, flush=True)
"""
)


def _spawn(code: str, *args: str, stdin: int | None = None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-W", "error::RuntimeWarning", "-c", textwrap.dedent(code), *args],
        env=env,
        text=True,
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


#: Bodies the concurrent test writes: 4 writers x 4 imports (was 40: ten rounds each, same property).
ROUNDS = 16


@pytest.mark.compact_only
@pytest.mark.parametrize("backend", ["local", "s3"])
def test_concurrent_writers_compactions_and_readers_lose_nothing(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, hourly_bodies: list
) -> None:
    endpoint = request.getfixturevalue("s3_endpoint") if backend == "s3" else None
    made = make_store(backend, tmp_path, endpoint)
    store = legacy_store(made.root, storage_options=made._storage_options)
    folder = tmp_path / "bodies"
    folder.mkdir()
    # 16 bodies, 4 per writer: each writer's upkeep (auto_compact=4) merges while the others commit,
    # and the reader reads throughout; more rounds only repeat the same interleavings at a higher cost
    chosen = hourly_bodies[:: max(1, len(hourly_bodies) // ROUNDS)][:ROUNDS]
    paths = []
    for name, raw in chosen:
        (folder / name).write_bytes(raw)
        paths.append(str(folder / name))
    options = json.dumps(store._storage_options)
    reader = _spawn(READER, store.root, options, stdin=subprocess.PIPE)
    writers = [_spawn(WRITER, store.root, options, *paths[i::4]) for i in range(4)]
    returned = []
    for w in writers:
        out, err = w.communicate(timeout=300)
        assert w.returncode == 0, err
        returned += out.split()
    out, err = reader.communicate(timeout=120)  # closes its stdin: the writers are done
    assert reader.returncode == 0 and out.startswith("reads ok"), err
    high, reads = map(int, out.split()[2:4])
    assert reads > 0 and high > 0, out  # the reader read while the writers and compactions ran
    final = legacy_store(store.root, storage_options=store._storage_options)
    assert set(returned) == set(final.snapshots()["snapshot_id"]) and len(returned) == len(paths)
    truth = dict(chosen)
    for sid, name in zip(returned, [Path(p).name for w in range(4) for p in paths[w::4]]):
        assert final.raw(sid) == json.loads(truth[name])  # every reported snapshot loads equal to its body
    final.compact()
    assert set(returned) == set(final.snapshots()["snapshot_id"])
    assert not [p for p in store_files(final) if "/quarantine/" in p or "/claims/" in p]
