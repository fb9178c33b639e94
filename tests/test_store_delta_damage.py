"""Damage in a Delta store (issue 14, review R14 gaps 2, 3, 5 and 7): a damaged or stray log file, a
missing data file, a flipped byte in a compacted file and a wrong read-back are typed errors that
name the file, and never hide or drop the snapshots whose files are intact."""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import orcatalog as oc
from orcatalog.cli import main as cli_main
from orcatalog.store.identity import content_hash, id_faults, row_faults, snapshot_id
from orcatalog.errors import AsOfWarning

from .conftest import read_body
from .test_store_delta import delta_store, reopen


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest) -> tuple[str, str | None]:
    return request.param, (request.getfixturevalue("s3_endpoint") if request.param == "s3" else None)


def _calls(files: list[Path]) -> dict:
    return {
        "snapshots": lambda st: st.snapshots(),
        "load": lambda st: st.load(),
        "import": lambda st: st.import_files(files[4], progress=False),
        "compact": lambda st: st.compact(),
    }


@pytest.mark.parametrize("table", ["snapshots", "versions"])
def test_a_truncated_commit_file_is_a_one_line_damage_error_naming_it(
    backend: tuple[str, str | None], table: str, tmp_path: Path, dated_files: list[Path]
) -> None:
    store = delta_store(backend[0], tmp_path, backend[1], auto_compact=None)
    for f in dated_files[:3]:
        store.import_files(f, progress=False)
    fs, base = store._layout.fs, store._base
    log = f"{base}/{table}/_delta_log/00000000000000000001.json"
    data = fs.cat_file(log)
    fs.pipe_file(log, data[: len(data) // 2])
    for what, call in _calls(dated_files).items():
        with pytest.raises(oc.StoreDamagedError) as info:
            call(oc.SnapshotStore(store.root, storage_options=store._storage_options))
        message = str(info.value)
        assert "\n" not in message and "{" not in message, what  # one line, no Rust debug value
        assert f"{table}/_delta_log/00000000000000000001.json is not a whole commit" in message, what
        assert message.endswith("restore that file from a backup (see data/README.md, Damage and recovery)"), what


def test_a_stray_commit_file_after_a_gap_is_named(tmp_path: Path, dated_files: list[Path]) -> None:
    """delta-rs's own error for a gap ends in a Rust debug value (``ParsedLogPath { location: ... }``
    of the commit before it): the store's error is one line naming the stray file and what to do."""
    store = oc.SnapshotStore(tmp_path / "s", layout="delta", auto_compact=None)
    for f in dated_files[:2]:
        store.import_files(f, progress=False)
    log = tmp_path / "s" / "snapshots" / "_delta_log"
    stray = log / "00000000000000000005.json"
    stray.write_text('{"commitInfo":{}}\n')
    for what, call in _calls(dated_files).items():
        with pytest.raises(oc.StoreDamagedError) as info:
            call(oc.SnapshotStore(tmp_path / "s"))
        message = str(info.value)
        assert "\n" not in message and "{" not in message and "ParsedLogPath" not in message, message
        assert message.startswith(
            f"the snapshots table of the store at {tmp_path / 's'} is damaged: {log}/00000000000000000005.json "
            "follows commit 1 with a gap (a stray file?) (delta-rs: "
        ), what
        assert message.endswith(
            "); delete that file if it is stray (copied in by hand), else restore the missing commits before it "
            "from a backup (see data/README.md, Damage and recovery)"
        ), what
    listed = CliRunner().invoke(cli_main, ["snapshots", "--store", str(tmp_path / "s")])
    assert listed.exit_code == 1 and listed.stdout == "", listed.output
    assert listed.stderr.count("\n") == 1 and listed.stderr.startswith("error: the snapshots table"), listed.stderr
    assert "00000000000000000005.json" in listed.stderr and "{" not in listed.stderr, listed.stderr
    stray.unlink()  # the advice: the stray file removed, the store answers as before
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(oc.SnapshotStore(tmp_path / "s").snapshots()) == 2


def _listing(store: oc.SnapshotStore) -> dict[str, int]:
    """The store's files and sizes (the compaction lock file, empty and not data, left out)."""
    fs = store._layout.fs
    fs.invalidate_cache()
    return {p: fs.info(p)["size"] for p in fs.find(store._base) if not p.endswith("/.orcatalog-compact.lock")}


def _import_each(store: oc.SnapshotStore, files: list[Path], table: str) -> list[tuple[str, str]]:
    """Import one file per write; each write's snapshot id and the data file it added to ``table``."""
    fs = store._layout.fs
    out = []
    for f in files:
        fs.invalidate_cache()
        before = set(fs.glob(f"{store._base}/{table}/*.parquet"))
        sid = store.import_files(f, progress=False)[0]
        fs.invalidate_cache()
        (added,) = set(fs.glob(f"{store._base}/{table}/*.parquet")) - before
        out.append((sid, added))
    return out


def _move_away(store: oc.SnapshotStore, victim: str) -> str:
    """Move a committed data file out of the store (data/README's old advice for a damaged file);
    returns its file name."""
    fs = store._layout.fs
    fs.makedirs(f"{store._base}-aside", exist_ok=True)
    name = victim.rsplit("/", 1)[-1]
    fs.mv(victim, f"{store._base}-aside/{name}")
    return name


def test_a_missing_versions_file_is_damage_naming_it_and_the_snapshots_it_holds(
    backend: tuple[str, str | None], tmp_path: Path, dated_files: list[Path]
) -> None:
    """R14 gap 2: a committed file moved away made every call fail with "kept changing while it
    was read", and compact() silently dropped it from the log."""
    store = delta_store(backend[0], tmp_path, backend[1], auto_compact=None)
    written = _import_each(store, dated_files[:4], "versions")
    sid, victim = written[1]
    name = _move_away(store, victim)
    with pytest.warns(RuntimeWarning, match=name):
        reader = reopen(store)
        listed = set(reader.snapshots()["snapshot_id"])
    assert sid not in listed and listed < {s for s, _ in written}
    for other, path in zip([s for s, _ in written], dated_files[:4]):
        if other in listed:
            assert reader.raw(other) == json.loads(read_body(path))  # intact snapshots read whole
    with pytest.raises(oc.StoreDamagedError, match=f"{name}: is missing.*affects snapshot.*{sid}"):
        reader.load(sid)
    before = _listing(store)
    with pytest.warns(RuntimeWarning), pytest.raises(oc.StoreDamagedError, match=f"nothing was changed.*{name}"):
        reopen(store).compact()
    assert _listing(store) == before  # refused before anything was changed: no FSCK, nothing dropped
    with pytest.warns(RuntimeWarning, match=name):  # the recovery data/README gives: import the bodies again
        reopen(store).import_files(dated_files[:4], progress=False)
        reader = reopen(store)
        for other, path in zip([s for s, _ in written], dated_files[:4]):
            assert reader.raw(other) == json.loads(read_body(path))
    if backend[0] == "local":  # the missing file is needed by no snapshot now: compact drops it from the log
        with pytest.warns(RuntimeWarning, match=name):
            reopen(store).compact()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert set(reopen(store).snapshots()["snapshot_id"]) == {s for s, _ in written}


def test_a_missing_snapshots_file_hides_only_its_rows_and_blocks_no_other_answer(
    backend: tuple[str, str | None], tmp_path: Path, dated_files: list[Path]
) -> None:
    store = delta_store(backend[0], tmp_path, backend[1], auto_compact=None)
    written = _import_each(store, dated_files[:4], "snapshots")
    sid, victim = written[2]
    name = _move_away(store, victim)
    with pytest.warns(RuntimeWarning, match=name):
        reader = reopen(store)
        assert list(reader.snapshots()["snapshot_id"]) == [s for s, _ in written if s != sid]
    when = pd.Timestamp(sid[:16])  # the id starts with its UTC time
    with pytest.raises(oc.StoreDamagedError, match=f"{name}: is missing"):
        reader.load(as_of=when + pd.Timedelta(days=1))  # an older answer would be wrong
    with pytest.warns(AsOfWarning):  # the older snapshot is the right answer there, with its age
        assert reader.load(as_of=when - pd.Timedelta(seconds=1)).attrs["snapshot_id"] == written[1][0]
    assert reader.load(written[3][0]).attrs["snapshot_id"] == written[3][0]
    before = _listing(store)
    with pytest.warns(RuntimeWarning), pytest.raises(oc.StoreDamagedError, match=f"nothing was changed.*{name}"):
        reopen(store).compact()
    assert _listing(store) == before  # never drops the file's snapshots from the log


def test_a_flipped_byte_in_a_compacted_versions_file_stays_in_its_row_group(
    tmp_path: Path, dated_files: list[Path]
) -> None:
    """R14 gap 3: a versions file was read whole, so one flipped byte made every snapshot naming any
    of its objects unreadable. Files are now read one row group at a time: in a merged file of
    several row groups (merged here with groups of 512 rows; compact() keeps delta-rs's default
    writer, whose groups are far larger, see data/README) only the snapshots naming an object of
    the damaged group become unreadable."""
    root = tmp_path / "s"
    store = oc.SnapshotStore(root, layout="delta", auto_compact=None)
    body_of = {}
    for i in range(0, 8, 2):
        sids = store.import_files(dated_files[i : i + 2], progress=False)
        body_of.update(zip(sids, dated_files[i : i + 2]))
    from deltalake import DeltaTable, WriterProperties

    versions = DeltaTable(str(root / "versions"))
    versions.optimize.compact(writer_properties=WriterProperties(max_row_group_size=512))
    versions.vacuum(retention_hours=0, enforce_retention_duration=False, dry_run=False)
    (victim,) = sorted((root / "versions").glob("*.parquet"))
    pf = pq.ParquetFile(victim)
    assert pf.metadata.num_row_groups > 1
    group = pf.metadata.num_row_groups // 2
    in_group = set(pf.read_row_group(group, columns=["version"]).column("version").to_pylist())
    state = oc.SnapshotStore(root)._delta.state()
    orders = dict(zip(state.manifest["snapshot_id"], state.orders.to_pylist()))
    hit = {sid for sid, order in orders.items() if in_group & set(order)}
    chunk = pf.metadata.row_group(group).column(pf.schema_arrow.names.index("raw"))
    data = bytearray(victim.read_bytes())
    data[(chunk.dictionary_page_offset or chunk.data_page_offset) + chunk.total_compressed_size // 2] ^= 0x01
    victim.write_bytes(bytes(data))
    with pytest.warns(RuntimeWarning, match=victim.name):
        reader = oc.SnapshotStore(root)
        listed = set(reader.snapshots()["snapshot_id"])
    assert set(orders) - hit <= listed < set(orders)  # damage stays in its group: the others read whole
    for sid in listed:
        assert reader.raw(sid) == json.loads(read_body(body_of[sid]))
    for sid in set(orders) - listed:
        with pytest.raises(oc.StoreDamagedError, match=victim.name):
            reader.load(sid)


@pytest.mark.parametrize("column", ["fetched_at", "top_level"])
def test_a_write_whose_row_reads_back_wrong_is_refused(
    column: str, tmp_path: Path, dated_files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """R14 gap 7: the read-back recomputed the content hash from the row it had just read and
    compared it with that same row, so a stored row unlike the one meant passed. The injected
    fault is at the library boundary: pyarrow returns the new snapshot's row with one value
    changed (its time; or its top-level JSON with a content hash that agrees with it, which then
    disagrees with the snapshot id: readers hide such a row, issue 14 H1)."""
    root = tmp_path / "s"
    store = oc.SnapshotStore(root, layout="delta", auto_compact=None)
    first = store.import_files(dated_files[0], progress=False)[0]
    real = pq.ParquetFile.read

    def wrong(self: pq.ParquetFile, *args: object, **kwargs: object) -> pa.Table:
        table = real(self, *args, **kwargs)
        if "snapshot_id" not in table.column_names or column not in table.column_names:
            return table
        new = pc.not_equal(table.column("snapshot_id"), first)
        if column == "fetched_at":
            later = pc.add(table.column("fetched_at"), pa.scalar(pd.Timedelta(hours=1)))
            return table.set_column(table.schema.get_field_index(column), column, pc.if_else(new, later, table[column]))
        top = pc.if_else(new, pa.scalar('{"changed":1}'), table["top_level"])
        table = table.set_column(table.schema.get_field_index("top_level"), "top_level", top)
        agreeing = [content_hash([], t) for t in top.to_pylist()]  # a hash that agrees with the changed row
        return table.set_column(
            table.schema.get_field_index("content_hash"),
            "content_hash",
            pc.if_else(new, pa.array(agreeing), table["content_hash"]),
        )

    monkeypatch.setattr(pq.ParquetFile, "read", wrong)
    named = {"fetched_at": "fetched_at", "top_level": "content_hash"}[
        column
    ]  # a hash agreeing with the row: not its id
    with pytest.raises(oc.StoreWriteError, match=f"does not read back equal to its body.*{named}"):
        oc.SnapshotStore(root).import_files(dated_files[1], progress=False)


def test_any_other_delta_error_is_one_line_through_the_store_s_exception_table() -> None:
    """A deltalake error the store does not diagnose itself reaches the command line as a one-line
    StoreError (delta-rs appends a multi-line Rust backtrace to its message)."""
    from deltalake.exceptions import DeltaError

    from orcatalog.store.faults import map_exception

    exc = DeltaError("Kernel error: Json error: odd\n   0: <unknown>\n   1: <unknown>\n")
    error = map_exception(exc, "/tmp/store")
    assert isinstance(error, oc.StoreError) and error.__cause__ is exc
    assert str(error) == "/tmp/store: the Delta tables cannot be read or written (Kernel error: Json error: odd)"


def _delta_exceptions() -> dict[str, type[BaseException]]:
    import inspect

    import deltalake.exceptions

    return dict(inspect.getmembers(deltalake.exceptions, inspect.isclass))


# (doing, the exception, the store error it becomes): each delta-rs class, and OSError, where the store meets them
DELTA_CASES = [
    ("commit", "CommitFailedError", "Transaction failed: Metadata changed since last commit", oc.SnapshotConflictError),
    ("commit", "SchemaMismatchError", "Cannot cast field price from Utf8 to Float64", oc.StoreWriteError),
    (
        "commit",
        "DeltaError",
        "Generic error: A Delta Lake table already exists at that location.",
        oc.SnapshotConflictError,
    ),
    ("commit", "DeltaProtocolError", "Invalid JSON in log record", oc.StoreWriteError),
    ("commit", "TableNotFoundError", "no log files", oc.StoreWriteError),
    ("commit", "OSError", "[Errno 28] No space left on device", oc.StoreWriteError),
    ("compact", "CommitFailedError", "Transaction failed: concurrent delete", oc.SnapshotConflictError),
    ("compact", "DeltaError", "Generic error: odd", oc.StoreWriteError),
    ("open", "TableNotFoundError", "no log files", oc.SnapshotNotFoundError),
    ("open", "DeltaError", "Kernel error: Json error: EOF", oc.StoreDamagedError),
    ("open", "DeltaProtocolError", "Invalid table version", oc.StoreDamagedError),
    ("open", "OSError", "[Errno 13] Permission denied", oc.StoreError),
    ("read", "DeltaError", "Parquet error: EOF", oc.StoreDamagedError),
    ("read", "OSError", "[Errno 5] Input/output error", oc.StoreDamagedError),
    ("read", "ArrowInvalid", "Parquet magic bytes not found in footer", oc.StoreDamagedError),
]


@pytest.mark.parametrize(
    ("doing", "name", "text", "expected"), DELTA_CASES, ids=[f"{c[0]}-{c[1]}" for c in DELTA_CASES]
)
def test_the_delta_exception_table(doing: str, name: str, text: str, expected: type) -> None:
    """faults.DELTA_TABLE, the one place delta-rs's exceptions become the store's: each class while
    committing, compacting, opening a log or reading data becomes one store error, in one line that
    keeps the table's path and drops delta-rs's Rust backtrace and every secret (a storage option's
    secret, or anything shaped like an API key) that the message carried."""
    from orcatalog.store.faults import delta_failures, map_delta

    cls = {**_delta_exceptions(), "OSError": OSError, "ArrowInvalid": pa.ArrowInvalid}[name]
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    exc = cls(f"{text} (secret {secret}, key sk-or-v1-0123456789abcdef)\n   0: <unknown>\n   1: rust backtrace\n")
    assert isinstance(exc, delta_failures(doing))  # the Delta layout's except clause catches it
    where = "s3://bucket/store/snapshots"
    error = map_delta(exc, doing, where, [secret])
    assert type(error) is expected and error.__cause__ is exc
    message = str(error)
    assert where in message and text.split(" (")[0][:20] in message and "\n" not in message
    assert secret not in message and "sk-or-v1" not in message and "backtrace" not in message


def test_a_delta_message_keeps_its_chained_causes_in_one_line() -> None:
    """delta-rs chains the causes of an error below its first line (with colour codes): the store's
    message keeps them, as delta-rs raised it for a commit into a log folder without write access."""
    from orcatalog.store.faults import map_delta

    exc = OSError(
        "Generic LocalFileSystem error\n          \x1b[31m↳\x1b[0m Unable to open file /s/snapshots/_delta_log/"
        "00000000000000000001.json#1\n           \x1b[31m↳\x1b[0m Permission denied (os error 13)\n"
    )
    assert str(map_delta(exc, "commit", "writing to /s/snapshots")) == (
        "writing to /s/snapshots failed: Generic LocalFileSystem error: Unable to open file "
        "/s/snapshots/_delta_log/00000000000000000001.json#1: Permission denied (os error 13); nothing was committed"
    )


def test_a_rust_debug_value_is_cut_from_a_delta_message() -> None:
    """delta-rs's gap error ends in the Rust debug value of a log path (new-user trial, issue 14):
    the message keeps the sentence before it, and an opened log's advice is the caller's."""
    from orcatalog.store.faults import LOG_ADVICE, delta_message, map_delta

    text = (
        "Kernel error: Generic delta kernel error: Expected contiguous commit files, but found gap: ParsedLogPath "
        '{ location: FileMeta { location: Url { scheme: "file", path: "/s/snapshots/_delta_log/0001.json" }, '
        'size: 1915 }, filename: "00000000000000000001.json", version: 1 }'
    )
    exc = _delta_exceptions()["DeltaError"](text)
    assert (
        delta_message(exc)
        == "Kernel error: Generic delta kernel error: Expected contiguous commit files, but found gap"
    )
    error = map_delta(exc, "open", "the log /s/snapshots/_delta_log", advice=LOG_ADVICE["gap"])
    assert str(error) == (
        "the log /s/snapshots/_delta_log (delta-rs: Kernel error: Generic delta kernel error: Expected contiguous "
        f"commit files, but found gap); {LOG_ADVICE['gap']}"
    )
    assert str(map_delta(exc, "open", "x")).endswith(LOG_ADVICE["truncated"])  # the row's own advice


def test_every_delta_exception_class_has_a_row_for_every_doing() -> None:
    """A class delta-rs adds later is still a store error, whatever the store was doing."""
    from orcatalog.store.faults import DELTA_TABLE, delta_failures, map_delta

    for doing in {row.doing for row in DELTA_TABLE}:
        for cls in _delta_exceptions().values():
            error = map_delta(cls("x"), doing, "/store/t")
            assert isinstance(error, oc.StoreError) and isinstance(cls("x"), delta_failures(doing)), (doing, cls)
    with pytest.raises(ValueError, match="no row"):
        map_delta(KeyError("x"), "commit", "/store/t")


def _flip_that_decodes(path: Path, column: str, changes: Callable[[object, object], bool]) -> object:
    """Flip one bit inside ``column``'s data in a one-row-group parquet file, at the first place
    where the file still reads, only that column changed, and ``changes(old, new)`` holds for its
    value: damage no decoder notices. Returns the new value (the file is left damaged)."""
    original = path.read_bytes()
    before = pq.read_table(path)
    pf = pq.ParquetFile(path)
    chunk = pf.metadata.row_group(0).column(pf.schema_arrow.names.index(column))
    start = chunk.dictionary_page_offset or chunk.data_page_offset
    for offset in range(start, start + chunk.total_compressed_size):
        for bit in (0x01, 0x10):
            data = bytearray(original)
            data[offset] ^= bit
            path.write_bytes(bytes(data))
            try:
                after = pq.read_table(path)
            except (pa.ArrowException, OSError, ValueError):
                continue
            others = [c for c in before.column_names if c != column]
            old, new = before.column(column)[0].as_py(), after.column(column)[0].as_py()
            if all(after.column(c).equals(before.column(c)) for c in others) and changes(old, new):
                return new
    path.write_bytes(original)
    pytest.fail(f"no bit of {column} in {path.name} flips to a value that still decodes")


_CHANGES: dict[str, Callable[[object, object], bool]] = {
    # a time a second or more away: the snapshot id (to the second) is the other copy of it
    "fetched_at": lambda old, new: abs(pd.Timestamp(new) - pd.Timestamp(old)) >= pd.Timedelta(seconds=1),
    "n_models": lambda old, new: old != new,
    "content_hash": lambda old, new: old != new,
    "versions": lambda old, new: old != new and len(old) == len(new),  # one version hash changed
}


def test_the_row_check_reads_every_row_at_once_and_names_what_one_row_contradicts() -> None:
    """#14 bench: a reader checks each ``snapshots`` row's id against its time and content hash
    (row_faults), every row of the store at once (id_faults: the Python loop over 8,760 rows was
    the part of an append that grew with the store). Each damage is named as one row's check names
    it: a time one second off or without a zone, a hash cut short or changed, a null anywhere."""
    chash = content_hash(["a" * 32, "b" * 32], '{"object":"list"}')
    when = pd.Timestamp("2026-01-07T22:17:17.123456Z")
    sid = snapshot_id(when, chash)
    cases = [
        (sid, when, chash, []),
        (sid, when.floor("s"), chash, []),  # the id holds the second
        (sid, when + pd.Timedelta(seconds=1), chash, ["fetched_at"]),
        (sid, when.tz_convert("Europe/Paris"), chash, []),  # the same instant in another zone
        (sid, when.tz_localize(None), chash, ["fetched_at"]),  # no zone: not a UTC time
        (sid, None, chash, ["fetched_at"]),
        (sid, when, chash[:63], ["content_hash"]),
        (sid, when, "f" + chash[1:], ["content_hash"]),
        (sid, when, None, ["content_hash"]),
        (sid[:-1] + "x", when + pd.Timedelta(days=1), chash, ["fetched_at", "content_hash"]),
        (None, when, chash, ["fetched_at", "content_hash"]),
        (sid.replace("-", "_"), when, chash, ["fetched_at", "content_hash"]),  # the id's shape, not only its time
        ("2026011" + sid[7:], when, chash, ["fetched_at"]),  # a digit changed: another day
        (sid[:4] + "13" + sid[6:], when.replace(month=12), chash, ["fetched_at"]),  # month 13: not a time at all
    ]
    rows = [{"snapshot_id": s, "fetched_at": w, "content_hash": c} for s, w, c, _ in cases]
    expected = [faults for *_, faults in cases]
    assert [row_faults({**r, "n_models": 2, "top_level": None}, None, None) for r in rows] == expected
    aware = [r for r, (_, w, *_) in zip(rows, cases) if w is None or w.tzinfo is not None]
    table = pa.table(
        {
            "snapshot_id": pa.array([r["snapshot_id"] for r in aware], pa.string()),
            "fetched_at": pa.array([r["fetched_at"] for r in aware], pa.timestamp("us", tz="UTC")),
            "content_hash": pa.array([r["content_hash"] for r in aware], pa.string()),
        }
    )
    assert id_faults(table) == [f for (_, w, _, f) in cases if w is None or w.tzinfo is not None]
    naive = table.set_column(1, "fetched_at", table.column("fetched_at").cast(pa.timestamp("us")))
    assert all("fetched_at" in f for f in id_faults(naive))  # a column without a zone: every row


@pytest.mark.parametrize("column", list(_CHANGES))
def test_a_snapshots_row_that_contradicts_itself_is_hidden_and_blocks_compaction(
    column: str, tmp_path: Path, dated_files: list[Path], caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 14 H1: a byte flipped inside a ``snapshots`` file where it still decodes (one row's
    time, model count, content hash or version list) silently changed load(as_of=), snapshots()
    and history, and compact() then made the bad value permanent. Each row is now checked against
    what it carries twice (store.identity.row_faults, the writer's read-back check): the row is
    hidden like a damaged file's rows, the warning and errors name the file and the snapshot,
    compact() refuses before changing anything, and importing the body again is the repair."""
    store = oc.SnapshotStore(tmp_path / "s", layout="delta", auto_compact=None)
    written = _import_each(store, dated_files[:4], "snapshots")
    sid, victim = written[2]
    before = reopen(store).history(columns=["id"])
    new = _flip_that_decodes(Path(victim), column, _CHANGES[column])
    name = Path(victim).name
    with pytest.warns(oc.StoreDamageWarning, match=f"{name}: the row of snapshot {sid} contradicts itself") as seen:
        reader = reopen(store)
        listed = reader.snapshots()
    assert not any("model versions are missing" in str(w.message) for w in seen)  # a bad list blames its own file
    assert list(listed["snapshot_id"]) == [s for s, _ in written if s != sid]
    for other, path in zip([s for s, _ in written], dated_files[:4]):
        if other != sid:
            assert reader.raw(other) == json.loads(read_body(path))
    with pytest.raises(oc.StoreDamagedError, match=f"{name}.*{sid}"):
        reader.load(sid)
    when = pd.Timestamp(sid[:16])
    for at in {when, pd.Timestamp(new) if column == "fetched_at" else when}:  # its time, and the time it now says
        with pytest.raises(oc.StoreDamagedError, match=name):
            reader.load(as_of=at + pd.Timedelta(hours=1))  # an older answer would be wrong
    history = reader.history(columns=["id"])
    assert set(history["snapshot_id"]) == set(before["snapshot_id"]) - {sid}
    assert len(history) == (before["snapshot_id"] != sid).sum()
    state = reader._delta.state()
    assert state.manifest["n_models"].tolist() == [len(o) for o in state.orders.to_pylist()] or sid in state.unreadable
    files = _listing(store)
    with pytest.warns(oc.StoreDamageWarning), pytest.raises(oc.StoreDamagedError) as info:
        reopen(store).compact()
    message = str(info.value)
    assert "nothing was changed" in message and name in message and sid in message and "\n" not in message
    assert "import the affected snapshots' bodies again" in message
    assert _listing(store) == files  # refused before anything was changed
    with pytest.warns(oc.StoreDamageWarning, match=sid):  # the repair data/README gives: import the body again
        again = reopen(store).import_files(dated_files[2], progress=False)
        assert again.added == again.again == [sid]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # its new copy stands in for the damaged row: nothing is hidden now
        repaired = reopen(store)
        assert list(repaired.snapshots()["snapshot_id"]) == [s for s, _ in written]
        assert repaired.raw(sid) == json.loads(read_body(dated_files[2]))
        assert repaired.snapshots()["n_models"].tolist() == listed_counts(dated_files[:4])
        with caplog.at_level(logging.WARNING, logger="orcatalog.store"):
            repaired.compact()
        compacted = reopen(store)
        assert list(compacted.snapshots()["snapshot_id"]) == [s for s, _ in written]
        assert compacted.raw(sid) == json.loads(read_body(dated_files[2]))
    from deltalake import DeltaTable

    held = DeltaTable(str(tmp_path / "s" / "snapshots")).to_pyarrow_table(columns=["snapshot_id"]).column(0)
    assert sorted(held.to_pylist()) == sorted(s for s, _ in written)  # the damaged row is gone, not made permanent
    assert "damaged copies of rows whose bodies were imported again" in caplog.text
    assert "concurrent compaction" not in caplog.text


def listed_counts(files: list[Path]) -> list[int]:
    """How many models each recorded body holds (what ``snapshots()["n_models"]`` must say)."""
    return [len(json.loads(read_body(f))["data"]) for f in files]


def test_after_the_repair_of_a_damaged_versions_file_compact_drops_the_bad_copies_and_blames_no_one(
    tmp_path: Path, dated_files: list[Path], caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 14 H1 item 4: after the documented repair of a flipped byte in a ``versions`` file
    (import the bodies again), compact() dropped the damaged copies of the objects stored again
    but logged them as "copies ... (an earlier concurrent compaction)"."""
    store = oc.SnapshotStore(tmp_path / "s", layout="delta", auto_compact=None)
    written = _import_each(store, dated_files[:4], "versions")
    sid, victim = written[1]
    _flip_that_decodes(Path(victim), "raw", lambda old, new: old != new)
    with pytest.warns(oc.StoreDamageWarning, match=f"{Path(victim).name}.*do not match their content hash.*{sid}"):
        assert sid not in set(reopen(store).snapshots()["snapshot_id"])
    repair = ["import", "--store", str(store.root), *map(str, dated_files[:4])]  # import the bodies again
    cli = CliRunner().invoke(cli_main, repair)
    said = f"1 recorded again ({sid}: held before but unreadable, readable now); 3 were already in the store"
    assert cli.exit_code == 0 and said in cli.output, cli.output  # not "1 new snapshot recorded"
    cli = CliRunner().invoke(cli_main, repair)
    assert cli.exit_code == 0 and "0 new snapshots recorded: all 4 were already in the store" in cli.output
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with caplog.at_level(logging.WARNING, logger="orcatalog.store"):
            reopen(store).compact()
        reader = reopen(store)
        assert list(reader.snapshots()["snapshot_id"]) == [s for s, _ in written]
        for other, path in zip([s for s, _ in written], dated_files[:4]):
            assert reader.raw(other) == json.loads(read_body(path))
    assert "damaged copies of rows whose bodies were imported again" in caplog.text
    assert "concurrent compaction" not in caplog.text
