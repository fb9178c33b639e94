"""Where a store's files live and how a batch is committed: paths, listings, verified reads, the commit.

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

**Claims** (``claims/``: who is writing a snapshot id, a batch, or compacting) are taken in
generations, so of two contenders for one stale claim at most one wins: :mod:`.claims`. What makes
a file trustworthy (its name, its hash, parquet that parses) is :mod:`.integrity`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pyarrow as pa

from ..errors import StoreError, StoreWriteError
from .claims import Claims
from .integrity import SAFE_NAME, DamagedFile, parquet_bytes, sha256, unparsable

__all__ = ["Layout", "DATA_KINDS", "FOLDERS", "ORDER_ROW_GROUP"]

#: Data files of a batch, written before its manifest.
DATA_KINDS = ("versions", "spans", "orders")

#: Every folder a store keeps under its root (what tells a store from another folder).
FOLDERS = ("manifest", *DATA_KINDS, "claims", "quarantine")
ORDER_ROW_GROUP = 64


class Layout(Claims):
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
        if not SAFE_NAME.fullmatch(batch):
            raise StoreError(f"invalid batch name {batch!r}")
        return f"{self.base}/{kind}/{batch}.parquet"

    def manifest_path(self, batch: str, digest: str | None) -> str:
        """The manifest of a batch; ``digest`` is None for stores written before content-named manifests."""
        if not SAFE_NAME.fullmatch(batch):
            raise StoreError(f"invalid batch name {batch!r}")
        return f"{self.base}/manifest/{batch}{'.' + digest if digest else ''}.parquet"

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
            if SAFE_NAME.fullmatch(batch):
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
                blob = parquet_bytes(
                    pq,
                    data[kind],
                    row_group_size=ORDER_ROW_GROUP if kind == "orders" else None,
                    use_dictionary=kind != "orders",
                )
                manifest = manifest.append_column(
                    f"{kind}_sha256", pa.array([sha256(blob)] * len(manifest), pa.string())
                )
                written.append(self._put(self.path(kind, batch), blob))
            blob = parquet_bytes(pq, manifest)
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
