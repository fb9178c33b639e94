"""The earlier parquet layout after issue 14: read, never written by users, never changed by a reader;
and claims (that layout's, and the S3 run lock of ``watch``) that two contenders cannot both take."""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import orcatalog as oc
from orcatalog.cli import main as cli_main
from orcatalog.errors import LegacyLayoutError, StoreReadError
from orcatalog.store import lock as lock_module
from orcatalog.store.claims import CLAIM_MAX_AGE
from orcatalog.testing.legacy import legacy_store

from .conftest import make_store, store_files


def files_of(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def old_root(tmp_path: Path, dated_files: list[Path]) -> Path:
    """A parquet-layout store as the earlier code wrote it: three batches."""
    root = tmp_path / "old"
    store = legacy_store(root, auto_compact=None)
    for path in dated_files[:3]:
        store.import_files(path, progress=False)
    return root


# -- users no longer write the parquet layout ----------------------------------------------------


def test_every_write_to_a_parquet_store_is_refused_naming_migrate(
    old_root: Path, dated_files: list[Path], server: Any, client: oc.Client
) -> None:
    before = files_of(old_root)
    store = oc.SnapshotStore(old_root)
    assert store.layout == "parquet" and len(store.snapshots()) == 3  # read as it is
    body = json.loads(__import__("gzip").decompress(dated_files[4].read_bytes()))
    writes = {
        "snapshot": lambda: store.snapshot(client),
        "import_files": lambda: store.import_files(dated_files[4], progress=False),
        "import_bodies": lambda: store.import_bodies([("2026-06-01T00:00Z", body)]),
        "compact": store.compact,
        "watch": lambda: oc.watch(store, client=client),
    }
    for name, write in writes.items():
        with pytest.raises(LegacyLayoutError, match=f"`orcatalog migrate {old_root} NEW`") as info:
            write()
        assert isinstance(info.value, oc.StoreError) and "\n" not in str(info.value), name
        assert "migrate.migrate(OLD, NEW)" in str(info.value)  # the library call, named too
    assert server.requests == []  # refused before anything was fetched
    assert files_of(old_root) == before  # ... or written (no claim, no lock file)
    assert len(oc.SnapshotStore(old_root).snapshots()) == 3


def test_layout_parquet_makes_no_new_store(tmp_path: Path, dated_files: list[Path]) -> None:
    store = oc.SnapshotStore(tmp_path / "new", layout="parquet")
    with pytest.raises(LegacyLayoutError, match="no longer makes new stores"):
        store.import_files(dated_files[0], progress=False)
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("command", [["import", "FILE"], ["compact"]])
def test_the_cli_says_it_in_one_line(old_root: Path, dated_files: list[Path], command: list[str]) -> None:
    before = files_of(old_root)
    args = [str(dated_files[4]) if a == "FILE" else a for a in command]
    result = CliRunner().invoke(cli_main, [args[0], "--store", str(old_root), *args[1:]])
    assert result.exit_code == 1, result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: ") and f"orcatalog migrate {old_root} NEW" in line and "migrate(OLD" not in line
    assert files_of(old_root) == before


# -- readers never change a store --------------------------------------------------------------------


def _fails_once(real: Any, calls: list[int]) -> Any:
    def failing(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise pa.ArrowNotImplementedError("Unsupported encoding: a newer writer's feature")
        return real(*args, **kwargs)

    return failing


@pytest.mark.parametrize("where", ["read", "read_row_group"])
def test_a_parse_error_on_verified_bytes_moves_nothing(
    old_root: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """pyarrow failing on intact bytes (their SHA-256 matched) is not damage: a typed error naming the
    file and the library, no quarantine; a second, healthy reader sees every snapshot."""
    truth = oc.SnapshotStore(old_root).snapshots()
    wanted = truth["snapshot_id"].iloc[1]
    before = files_of(old_root)
    calls: list[int] = []
    monkeypatch.setattr(pq.ParquetFile, where, _fails_once(getattr(pq.ParquetFile, where), calls))
    reader = oc.SnapshotStore(old_root)
    with pytest.raises(StoreReadError, match=rf"\.parquet: its bytes match .* pyarrow {pa.__version__} cannot parse"):
        reader.snapshots() if where == "read" else reader.load(wanted)
    assert calls and files_of(old_root) == before  # nothing moved, nothing written
    monkeypatch.undo()
    healthy = oc.SnapshotStore(old_root)
    assert list(healthy.snapshots()["snapshot_id"]) == list(truth["snapshot_id"])
    assert healthy.load(wanted).attrs["snapshot_id"] == wanted


def test_a_hash_mismatch_is_reported_and_left_in_place(old_root: Path) -> None:
    m = oc.SnapshotStore(old_root).snapshots()
    (orders,) = (old_root / "orders").glob(f"{m['batch'].iloc[2]}.parquet")
    data = bytearray(orders.read_bytes())
    data[len(data) // 2] ^= 0x10
    orders.write_bytes(bytes(data))
    before = files_of(old_root)
    with pytest.raises(oc.StoreDamagedError, match=f"{orders.name}.*SHA-256"):
        oc.SnapshotStore(old_root).load(m["snapshot_id"].iloc[2])
    assert files_of(old_root) == before and not (old_root / "quarantine").exists()


# -- two contenders for one stale claim --------------------------------------------------------------

DEAD = {"host": "a-host-long-gone", "pid": 1, "time": time.time() - 2 * CLAIM_MAX_AGE}


def _claims(store: oc.SnapshotStore) -> list[str]:
    return sorted(p.rsplit("/", 1)[-1] for p in store_files(store) if "/claims/" in p)


def _plant_dead_claim(store: oc.SnapshotStore, name: str) -> None:
    store._fs.makedirs(store._claim_path(name).rsplit("/", 1)[0], exist_ok=True)
    store._fs.pipe_file(store._claim_path(name), json.dumps(DEAD).encode())


def _pair(new_store: Any) -> tuple[oc.SnapshotStore, oc.SnapshotStore]:
    made = new_store()
    first = legacy_store(made.root, storage_options=made._storage_options)
    return first, legacy_store(made.root, storage_options=made._storage_options)


def _once(step: str, action: Any) -> Any:
    """A claim step hook that runs ``action`` (the other contender) the first time ``step`` is reached."""
    done: list[bool] = []

    def hook(at: str, name: str) -> None:
        if at == step and not done:
            done.append(True)
            action()

    return hook


def test_two_contenders_for_a_stale_claim_never_both_win(new_store: Any) -> None:
    """On disk and S3: A finds the dead claim stale and has chosen to take it over; B takes it over
    first (the old protocol's read -> delete -> create let A then delete B's claim and make its own)."""
    a, b = _pair(new_store)
    _plant_dead_claim(a, "compact")
    held: list[list[str]] = []
    a._layout._step = _once("observed", lambda: held.append(b._layout.claim(["compact"], what="compaction")))
    with pytest.raises(oc.SnapshotConflictError, match="compaction compact is being written by another"):
        a._layout.claim(["compact"], what="compaction")
    assert held and _claims(a) == ["compact.1"]  # B's, the next generation; the dead one is gone
    assert a._layout.claim_state("compact") == "live"
    b._layout.release(held[0])
    assert _claims(a) == []
    a._layout._step = lambda at, name: None
    a._layout.release(a._layout.claim(["compact"]))  # free again


def test_a_late_contender_backs_off_from_a_takeover_it_did_not_see(new_store: Any) -> None:
    """E listed no claim; meanwhile a claim was made, its process died, and F took it over (removing
    the dead generation 0). E's create of generation 0 then succeeds, but E sees F's higher one and backs off."""
    e, f = _pair(new_store)
    held: list[list[str]] = []

    def meanwhile() -> None:
        _plant_dead_claim(e, "compact")
        held.append(f._layout.claim(["compact"]))

    e._layout._step = _once("observed", meanwhile)
    with pytest.raises(oc.SnapshotConflictError):
        e._layout.claim(["compact"])
    assert held and _claims(e) == ["compact.1"]
    f._layout.release(held[0])
    assert _claims(e) == []


def test_a_write_takes_over_a_dead_writers_claim(new_store: Any, dated_files: list[Path]) -> None:
    store, scratch = _pair(new_store), new_store()
    store = store[0]
    sid = legacy_store(scratch.root, storage_options=scratch._storage_options).import_files(
        dated_files[0], progress=False
    )[0]  # its id, found elsewhere
    _plant_dead_claim(store, sid)
    assert store.import_files(dated_files[0], progress=False) == [sid]
    assert _claims(store) == []  # the dead generation removed, the writer's own released


def test_two_watch_runs_never_both_take_a_stale_run_lock(new_store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The run lock of ``watch`` on S3 is a claim (on disk too where fcntl is missing, forced here):
    a run that died left it stale; of two runs taking it over, one wins, the other waits and gives up."""
    monkeypatch.setattr(lock_module, "fcntl", None)
    made = new_store()
    a = oc.SnapshotStore(made.root, storage_options=made._storage_options)
    b = oc.SnapshotStore(made.root, storage_options=made._storage_options)
    _plant_dead_claim(a, "run-watch")
    with contextlib.ExitStack() as stack:
        a._layout._step = _once("observed", lambda: stack.enter_context(b.run_lock("watch", wait=0)))
        with pytest.raises(oc.SnapshotConflictError, match="another watch run"):
            with a.run_lock("watch", wait=0):
                pytest.fail("two holders of one run lock")
        assert _claims(a) == ["run-watch.1"]
    assert _claims(a) == []
    with a.run_lock("watch", wait=0):
        assert _claims(a) == ["run-watch.0"]


def test_an_s3_409_on_a_claim_is_a_lost_race_not_a_write_error(
    s3_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """S3 answers a concurrent If-None-Match create of one key with 409 ConditionalRequestConflict,
    which s3fs passes on as OSError(EIO): the claim is the other contender's, not a failed write."""
    from botocore.exceptions import ClientError
    from s3fs.errors import translate_boto_error

    made = make_store("s3", tmp_path, s3_endpoint)
    a, b = (legacy_store(made.root, storage_options=made._storage_options) for _ in range(2))
    conflict = ClientError(
        {"Error": {"Code": "ConditionalRequestConflict", "Message": "A conflicting operation is in progress"}},
        "PutObject",
    )
    real = a._fs.pipe_file  # (one filesystem object serves both: fsspec caches it)
    held: list[list[str]] = []
    fired: list[bool] = []

    def racing(path: str, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("mode") == "create" and not fired:
            fired.append(True)
            held.append(b._layout.claim(["compact"]))  # the other contender's PUT lands first ...
            raise translate_boto_error(conflict)  # ... and ours is answered 409
        return real(path, *args, **kwargs)

    monkeypatch.setattr(a._fs, "pipe_file", racing)
    err = translate_boto_error(conflict)
    assert isinstance(err, OSError) and not isinstance(err, FileExistsError)  # what s3fs gives us
    with pytest.raises(oc.SnapshotConflictError, match="being written by another"):
        a._layout.claim(["compact"])
    assert held and _claims(a) == ["compact.0"]


def test_a_lost_manifest_refuses_the_latest_answer_in_words(old_root: Path) -> None:
    """The refusal of load() with no time says 'the latest snapshot', not pandas' largest time."""
    m = oc.SnapshotStore(old_root).snapshots()
    (manifest,) = (old_root / "manifest").glob(f"{m['batch'].iloc[-1]}.*parquet")
    manifest.unlink()
    with pytest.warns(RuntimeWarning, match=m["snapshot_id"].iloc[-1]):
        with pytest.raises(oc.StoreDamagedError, match="cannot answer with the latest snapshot") as info:
            oc.SnapshotStore(old_root).load()
    assert "2262-04-11" not in str(info.value)  # pandas' largest time (a batch id may hold the digits 2262)


# -- the earlier layout's compaction waits on the store's injected sleep ----------------------------


@pytest.mark.compact_only  # behaviour, not data: the compact set is enough
def test_a_compaction_lists_again_after_the_store_s_injected_wait(
    tmp_path: Path, dated_files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under its claim, a compaction reads the catalogue again (B committed a batch meanwhile); the
    new manifest vanishes twice between listing and reading (a cleanup elsewhere), so it lists again
    after the store's injected wait (:meth:`orcatalog.store.waits.Waits.reread`), never a real sleep,
    and merges all three batches."""
    root = tmp_path / "old"
    waited: list[float] = []
    a = legacy_store(root, auto_compact=None, sleep=waited.append)
    first = [a.import_files(path, progress=False)[0] for path in dated_files[:2]]
    b = legacy_store(root, auto_compact=None)
    vanished: list[str] = []
    real_read = a._layout.read_bytes

    def read_bytes(path: str, digest: str | None) -> bytes:
        if b_wrote and "/manifest/" in path and len(vanished) < 2:
            vanished.append(path)
            raise FileNotFoundError(path)
        return real_read(path, digest)

    b_wrote: list[str] = []
    a._layout._step = _once("created", lambda: b_wrote.extend(b.import_files(dated_files[2], progress=False)))
    monkeypatch.setattr(a._layout, "read_bytes", read_bytes)

    def real_sleep(seconds: float) -> None:
        raise AssertionError(f"the store slept for real ({seconds} s)")

    monkeypatch.setattr(time, "sleep", real_sleep)
    assert a.compact() == 3
    assert len(vanished) == 2 and len(set(vanished)) == 1  # B's new manifest, twice
    assert waited == [0.01]  # attempt 0 lists again at once, attempt 1 after 0.01 s
    fresh = oc.SnapshotStore(root)
    assert list(fresh.snapshots()["snapshot_id"]) == first + b_wrote
    assert fresh.snapshots()["batch"].nunique() == 1
