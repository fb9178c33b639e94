"""Where a store's files live and how a batch is committed: paths, the commit, claims, integrity.

Files under the root (a folder or an fsspec URL)::

    manifest/<batch>.<sha256 prefix>.parquet   the commit: one row per snapshot of the batch
    versions/<batch>.parquet                   model versions first written by the batch
    spans/<batch>.parquet                      which snapshots of the batch hold each version
    orders/<batch>.parquet                     each snapshot's model order
    claims/<name>.<generation>                 who is writing a snapshot id / a batch / compacting
    quarantine/<kind>/<file>                   damaged files moved here by earlier versions (no longer)

**The commit** (how stores in this layout were written; users no longer write them, see
:func:`orcatalog.store.legacy_write_error`: the writer is kept for tests and the bench only). A
writer claims the batch (``claims/batch-<batch>``), writes the three data files, then the manifest,
and only then releases the claim. A manifest is named by the SHA-256 of its own bytes and records
the SHA-256 of each data file, so every read verifies every file it uses (a flipped bit is an error
naming the file, never a wrong answer). Readers never change the store: only a hash mismatch is
damage, and it is reported, the file left where it is; intact bytes that the reading library
cannot parse raise :class:`~orcatalog.errors.StoreReadError` (:func:`unparsable`). Data files of a
batch with no manifest are a writer still at work (its claim is live), a writer that died before
committing (its claim is stale: the files are debris), or, with no claim at all, a batch whose
manifest was deleted after its commit: a loss, reported with the snapshot ids the orders file names.

**Claims** (also the run lock of ``orcatalog watch`` on object stores, :mod:`.lock`) are files
created exclusively (``O_EXCL`` locally, a conditional PUT on object stores), in generations: the
claim of ``<name>`` is its highest ``claims/<name>.<n>``. A stale claim (below) is taken over by
creating generation ``n + 1`` exclusively, never by deleting it first, so of two contenders for
one stale claim at most one wins (rarely neither: both then report a conflict); the winner checks
that no higher generation and no live lower one exists, and removes the older ones
(:meth:`Layout.claim`). A claim holds the host, the PID and that process's start time: on the same
host it is live while that very process runs; from another host it is live for
:data:`CLAIM_MAX_AGE` seconds. The start time is read from ``/proc`` (Linux), so only there is a
PID reused by another process not "alive"; elsewhere a claim stays live while any process holds
its PID.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import socket
import time
from collections.abc import Callable, Iterable
from typing import Any

import pyarrow as pa

from ..errors import SnapshotConflictError, StoreError, StoreReadError, StoreWriteError
from .faults import lost_create_race

__all__ = ["Layout", "DamagedFile", "DATA_KINDS", "CLAIM_MAX_AGE"]

logger = logging.getLogger("orcatalog.store")

#: Data files of a batch, written before its manifest.
DATA_KINDS = ("versions", "spans", "orders")

#: Every folder a store keeps under its root (what tells a store from another folder).
FOLDERS = ("manifest", *DATA_KINDS, "claims", "quarantine")
#: Seconds after which a claim from another host (or with no readable owner) is considered stale.
CLAIM_MAX_AGE = 3600.0
ORDER_ROW_GROUP = 64
_NAME = re.compile(r"[0-9A-Za-z_-]+")


class DamagedFile(Exception):
    """Internal: a file failed its content check, or, having no recorded hash, could not be parsed
    (``path``, ``reason``). Intact bytes that cannot be parsed are no damage: :func:`unparsable`."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def sha256(data: bytes) -> str:
    """Hex SHA-256 of bytes (about 1 ms for a few hundred KB)."""
    return hashlib.sha256(data).hexdigest()


def _process_start(pid: int) -> str | None:
    """The start time of a process (Linux ``/proc``), or None where that cannot be read (other
    systems: a claim's PID is then trusted alone, see the module docstring)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read().decode(errors="replace")
        return stat.rsplit(")", 1)[1].split()[19]  # field 22, after the command name
    except (OSError, IndexError):
        return None


class Layout:
    """The files of one store: the only place that builds paths, commits batches and takes claims.

    Args:
        root: folder or fsspec URL.
        storage_options: passed to fsspec.
    """

    def __init__(self, root: str, storage_options: dict[str, Any]) -> None:
        import fsspec

        from .faults import MappedFileSystem, map_exception

        self.root = root
        try:
            fs, base = fsspec.core.url_to_fs(root, **storage_options)
        except Exception as exc:  # a missing s3fs, botocore's set-up errors
            error = map_exception(exc, root)
            if error is None:
                raise
            raise error from exc
        self.fs = MappedFileSystem(fs, root)
        self.base = base.rstrip("/")
        protocols = self.fs.protocol if isinstance(self.fs.protocol, tuple) else (self.fs.protocol,)
        self.local = "file" in protocols
        #: Called between the steps of a claim (``"observed"``, ``"created"``, and the name): tests
        #: inject a contender there to run a fixed interleaving; a no-op otherwise.
        self._step: Callable[[str, str], None] = lambda step, name: None

    # -- names ------------------------------------------------------------------------------

    def path(self, kind: str, batch: str) -> str:
        """The data file of a batch (``kind`` in :data:`DATA_KINDS`)."""
        if not _NAME.fullmatch(batch):
            raise StoreError(f"invalid batch name {batch!r}")
        return f"{self.base}/{kind}/{batch}.parquet"

    def manifest_path(self, batch: str, digest: str | None) -> str:
        """The manifest of a batch; ``digest`` is None for stores written before content-named manifests."""
        if not _NAME.fullmatch(batch):
            raise StoreError(f"invalid batch name {batch!r}")
        return f"{self.base}/manifest/{batch}{'.' + digest if digest else ''}.parquet"

    def claim_path(self, name: str, generation: int = 0) -> str:
        """The claim file of ``name`` at ``generation`` (see the module docstring)."""
        if not _NAME.fullmatch(name):
            raise StoreError(f"invalid snapshot id {name!r}")
        return f"{self.base}/claims/{name}.{generation}"

    def names(self, folder: str) -> list[str]:
        path = f"{self.base}/{folder}"
        self.fs.invalidate_cache(path)  # object-store listings are cached; other writers add files
        try:
            names = self.fs.ls(path, detail=False)
        except FileNotFoundError:
            return []
        return [n.rstrip("/").rsplit("/", 1)[-1] for n in names]

    def manifests(self) -> dict[str, str | None]:
        """Committed batches: batch name -> manifest digest (None for old, unnamed ones), sorted."""
        out: dict[str, str | None] = {}
        for name in self.names("manifest"):
            if name.startswith(".") or not name.endswith(".parquet"):
                continue
            stem = name[: -len(".parquet")]
            batch, _, digest = stem.partition(".")
            if _NAME.fullmatch(batch):
                out[batch] = digest or None
        return dict(sorted(out.items()))

    def data_batches(self) -> set[str]:
        """Batches that have an orders file (committed or not)."""
        return {n[: -len(".parquet")] for n in self.names("orders") if n.endswith(".parquet") and not n.startswith(".")}

    # -- reading ----------------------------------------------------------------------------

    def read_bytes(self, path: str, digest: str | None) -> bytes:
        """A file's bytes, checked against its recorded SHA-256 (``digest``: full hex or a prefix).

        Raises:
            FileNotFoundError: the file is gone (a compaction removed it: re-list and retry).
            DamagedFile: the content does not match.
        """
        data = self.fs.cat_file(path)
        if digest and not sha256(data).startswith(digest):
            raise DamagedFile(path, "content does not match its recorded SHA-256 (bit rot or a partial copy)")
        return data

    def read_table(self, path: str, digest: str | None, columns: list[str] | None = None) -> pa.Table:
        """A verified parquet file as a table.

        Raises:
            FileNotFoundError; DamagedFile (hash mismatch, or no hash and not parquet);
            StoreReadError (the bytes match their hash but pyarrow cannot parse them).
        """
        import pyarrow.parquet as pq

        data = self.read_bytes(path, digest)
        try:  # ParquetFile.read, not read_table: the dataset machinery costs ~25 ms per file
            return pq.ParquetFile(pa.BufferReader(data)).read(columns=columns, use_threads=False)
        except (pa.ArrowException, OSError, ValueError, KeyError) as exc:
            raise unparsable(path, digest, exc) from None

    def orders_file(self, batch: str, digest: str | None) -> Any:
        """A verified orders file, opened for row-group reads (``pyarrow.parquet.ParquetFile``).

        Raises:
            as :meth:`read_table`.
        """
        import pyarrow.parquet as pq

        path = self.path("orders", batch)
        data = self.read_bytes(path, digest)
        try:
            return pq.ParquetFile(pa.BufferReader(data))
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise unparsable(path, digest, exc) from None

    def order_unverified(self, batch: str, seq: int) -> list[str]:
        """One snapshot's model order read from its row group alone (no content check; [] when it
        cannot be read). Only for choosing which versions a new batch need not store again."""
        import pyarrow.parquet as pq

        try:
            with self.fs.open(self.path("orders", batch), "rb") as fh:
                group = pq.ParquetFile(fh).read_row_group(
                    seq // ORDER_ROW_GROUP, columns=["versions"], use_threads=False
                )
                return list(group.column("versions")[seq % ORDER_ROW_GROUP].as_py() or [])
        except Exception:  # merged away, damaged, anything: the batch just stores more
            return []

    # -- writing ----------------------------------------------------------------------------

    def write_batch(self, batch: str, data: dict[str, pa.Table], manifest: pa.Table) -> None:
        """Write a batch's data files, then commit it by writing its manifest (content-named).

        The manifest table gets one ``<kind>_sha256`` column per data file. Call under the batch's
        claim (:meth:`claim_batch`).

        Raises:
            StoreWriteError: no snapshot is recorded then; the message says whether uncommitted
                data files were left behind (when removing them failed too).
        """
        import pyarrow.parquet as pq

        written: list[str] = []
        try:
            for kind in DATA_KINDS:
                blob = _parquet_bytes(
                    pq,
                    data[kind],
                    row_group_size=ORDER_ROW_GROUP if kind == "orders" else None,
                    use_dictionary=kind != "orders",
                )
                manifest = manifest.append_column(
                    f"{kind}_sha256", pa.array([sha256(blob)] * len(manifest), pa.string())
                )
                written.append(self._put(self.path(kind, batch), blob))
            blob = _parquet_bytes(pq, manifest)
            self._put(self.manifest_path(batch, sha256(blob)[:16]), blob)  # the commit
        except OSError as exc:
            left = []
            for path in written:
                try:
                    self.fs.rm(path)
                except FileNotFoundError:
                    pass
                except OSError:
                    left.append(path)
            outcome = (
                "nothing was changed"
                if not left
                else f"no snapshot was recorded, but {len(left)} uncommitted data file(s) could not be removed "
                f"({', '.join(left)}): remove them, or the store reports them as a lost batch"
            )
            raise StoreWriteError(f"writing snapshots to {self.root} failed: {exc}; {outcome}") from exc

    def _put(self, final: str, blob: bytes) -> str:
        """Write a whole file atomically: a temp file renamed locally, one PUT on object stores."""
        folder = final.rsplit("/", 1)[0]
        self.fs.makedirs(folder, exist_ok=True)
        if not self.local:
            self.fs.pipe_file(final, blob)
            return final
        tmp = f"{folder}/.tmp-{os.getpid()}-{final.rsplit('/', 1)[-1]}"
        try:
            with open(tmp, "wb") as fh:
                fh.write(blob)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, final)
        except OSError:
            try:
                os.remove(tmp)
            except OSError:
                pass
            raise
        return final

    def remove_batch(self, batch: str, digest: str | None) -> None:
        """Delete a batch, its manifest first (so it disappears at once for readers)."""
        for path in (self.manifest_path(batch, digest), *(self.path(k, batch) for k in DATA_KINDS)):
            try:
                self.fs.rm(path)
            except FileNotFoundError:
                pass

    # -- claims -----------------------------------------------------------------------------

    def claim(self, names: Iterable[str], what: str = "snapshot") -> list[str]:
        """Take exclusive claims, each in generations (module docstring); a stale claim is taken
        over by creating the next generation exclusively, so two contenders never both win.

        One claim is held when, after its exclusive create, a listing shows it still there, no
        higher generation, and only stale lower ones (a contender that listed before a takeover
        may create a lower generation late; it then sees the higher one and backs off). The
        winner removes the lower generations.

        Returns:
            The claim files held (give them to :meth:`release`).

        Raises:
            SnapshotConflictError: a live claim is held by someone else (nothing is held then).
            StoreWriteError.
        """
        held: list[str] = []
        try:
            for name in names:
                held.append(self._claim_one(name, what))
        except BaseException:
            self.release(held)
            raise
        return held

    def _claim_one(self, name: str, what: str) -> str:
        self.claim_path(name, 0)  # checks the name
        for _ in range(CLAIM_ATTEMPTS):
            seen = self._generations(name)
            generation = 0
            if seen:
                top, top_path = seen[-1]
                info = self._claim_info(top_path)
                if info is None:
                    continue  # released meanwhile: list again
                if not _stale(info):
                    raise _held_by_another(what, name, info)
                generation = top + 1
            path = self.claim_path(name, generation)
            self._step("observed", name)  # the generation to create is chosen
            if not self._create_exclusive(path, _claim_text()):
                continue  # another contender created it first: list again (it is live then)
            self._step("created", name)
            now = self._generations(name)
            live_below = [
                info
                for g, p in now
                if g < generation and (info := self._claim_info(p)) is not None and not _stale(info)
            ]
            above = [p for g, p in now if g > generation]
            if above or live_below or (generation, path) not in now:
                self._remove(path)  # a contender won this round
                other = self._claim_info(above[-1]) if above else (live_below[-1] if live_below else None)
                raise _held_by_another(what, name, other)
            for g, p in now:
                if g < generation:
                    self._remove(p)  # stale generations (checked just above)
            return path
        raise SnapshotConflictError(
            f"{what} {name}: its claim kept changing hands (other writers at work); try again when they have finished"
        )

    def release(self, claims: list[str]) -> None:
        for path in claims:
            if not self._remove(path):
                logger.warning("could not remove claim %s", path)

    def claim_state(self, name: str) -> str:
        """``"none"``, ``"live"`` or ``"stale"`` for the claim of this name (its highest generation)."""
        try:
            seen = self._generations(name)
        except OSError:
            return "none"
        for _, path in reversed(seen):
            info = self._claim_info(path)
            if info is not None:
                return "stale" if _stale(info) else "live"
        return "none"

    def _generations(self, name: str) -> list[tuple[int, str]]:
        """The claim files of ``name``, lowest generation first: ``<name>.<n>``, and ``<name>``
        (generation -1) as versions before generations wrote it."""
        found = []
        for entry in self.names("claims"):
            if entry == name:
                found.append((-1, f"{self.base}/claims/{entry}"))
            else:
                stem, dot, number = entry.rpartition(".")
                if dot and stem == name and number.isdigit():
                    found.append((int(number), f"{self.base}/claims/{entry}"))
        return sorted(found)

    def _remove(self, path: str) -> bool:
        """Delete a file; True when it is gone (also when it was gone already)."""
        try:
            self.fs.rm(path)
        except FileNotFoundError:
            pass
        except OSError:
            return False
        return True

    def _create_exclusive(self, path: str, text: str) -> bool:
        try:
            self.fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
            if self.local:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
                with os.fdopen(fd, "w") as fh:
                    fh.write(text)
                return True
            # a conditional put (If-None-Match) on S3: s3fs honours mode="create" since 2024.12, but
            # open(path, "xb") only from 2025.7 (before, a small "xb" write overwrote silently)
            self.fs.pipe_file(path, text.encode(), mode="create")
            return True
        except FileExistsError:
            return False
        except OSError as exc:
            if lost_create_race(exc):  # S3 409: a concurrent create of the same key won
                return False
            raise StoreWriteError(f"cannot write to the store at {self.root}: {exc}") from exc

    def _claim_info(self, path: str) -> dict[str, Any] | None:
        """What a claim file says (``{}`` when it is empty or not JSON: such a claim is stale);
        None when the file is gone."""
        try:
            blob = self.fs.cat_file(path)
        except FileNotFoundError:
            return None
        except OSError:
            return {}
        try:
            info = json.loads(blob)
        except ValueError:
            return {}
        return info if isinstance(info, dict) else {}


#: How often :meth:`Layout.claim` lists again when a claim changes hands while it looks.
CLAIM_ATTEMPTS = 8


def _stale(info: dict[str, Any]) -> bool:
    """Whether a claim (what its file says) is stale: see the module docstring."""
    pid = info.get("pid")
    if info.get("host") == socket.gethostname() and isinstance(pid, int):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            pass  # alive, owned by another user
        start = info.get("start")
        return start is not None and _process_start(pid) not in (None, start)  # a reused PID
    try:
        age = time.time() - float(info.get("time", 0))
    except (TypeError, ValueError):
        age = float("inf")
    return age > CLAIM_MAX_AGE


def _held_by_another(what: str, name: str, info: dict[str, Any] | None) -> SnapshotConflictError:
    holder = json.dumps(info) if info else "unknown writer"
    return SnapshotConflictError(
        f"{what} {name} is being written by another writer ({holder}); try again when it has finished"
    )


def _claim_text() -> str:
    return json.dumps(
        {"host": socket.gethostname(), "pid": os.getpid(), "start": _process_start(os.getpid()), "time": time.time()}
    )


def unparsable(path: str, digest: str | None, exc: Exception) -> Exception:
    """What a parse error of a store file means, in one place: with a recorded hash that matched
    (``digest``), not damage but this library failing on intact bytes (StoreReadError, naming the
    file and the library; nothing is moved); with no hash to check, the file may be damaged
    (DamagedFile, reported by the reader, never moved)."""
    if digest:
        return StoreReadError(
            f"{path}: its bytes match their recorded SHA-256, but pyarrow {pa.__version__} cannot parse them "
            f"({type(exc).__name__}: {exc}); this is not damage and nothing was changed: read the store "
            "with another pyarrow version"
        )
    return DamagedFile(path, f"not a readable parquet file ({type(exc).__name__}: {exc})")


def _parquet_bytes(pq: Any, table: pa.Table, **options: Any) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", compression_level=9, **options)
    return sink.getvalue().to_pybytes()
