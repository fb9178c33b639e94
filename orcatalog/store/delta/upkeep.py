"""Upkeep of the two tables: one compaction at a time (:func:`compacting`), when one is due
(:func:`due`), Delta's ``optimize`` and ``vacuum``, dropping rows held twice (:func:`drop_copies`) and
Delta's FSCK (:func:`repair`). :class:`~.tables.DeltaLayout` offers each as a method of the same name."""

from __future__ import annotations

import contextlib
import hashlib
import logging
from typing import TYPE_CHECKING

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..faults import delta_failures, map_delta
from .schema import ORPHAN_RETENTION_HOURS, TABLES

if TYPE_CHECKING:
    from .tables import DeltaLayout

logger = logging.getLogger("orcatalog.store")


def compacting(layout: DeltaLayout) -> contextlib.AbstractContextManager[None]:
    """Hold the store's one compaction lock for the block (:func:`orcatalog.store.lock.run_lock` named
    ``compact``, not waited for). Two compactions must never run at once: delta-rs lets two
    ``optimize`` commits that remove the same files both succeed (a remove without data change
    passes its conflict check), so both rewrites stay in the table and every row they merged is
    then held twice; compactions racing in a loop doubled a 444-row table to 792,902 rows.

    Raises:
        SnapshotConflictError: another compaction holds it (nothing was changed).
        StoreWriteError: the lock cannot be created.
    """
    from ..lock import run_lock

    return run_lock(layout.files, "compact", wait=0, waits=layout.waits)


def due(layout: DeltaLayout, limit: int) -> bool:
    """Whether a table has more than ``limit`` files, by the handles as this object last saw or
    wrote them (no new log read): the automatic compaction takes the lock only then."""
    return any(
        dt is not None and len(dt.file_uris()) > limit for dt in (layout.table(n, refresh=False) for n in TABLES)
    )


def optimize(
    layout: DeltaLayout, limit: int | None, retention_hours: float, orphan_hours: float = ORPHAN_RETENTION_HOURS
) -> int:
    """Merge each table's small files (optimize) when it has more than ``limit`` files (None:
    always), then vacuum what was replaced longer than ``retention_hours`` ago.

    Returns:
        How many files were merged away.
    """
    merged = 0
    for name in TABLES:
        dt = layout.table(name)  # read anew under the lock: an optimize of an older version would
        # pass delta-rs's conflict check against a compaction committed since, and keep both rewrites
        if dt is None:
            continue
        n_files = len(dt.file_uris())
        if n_files <= 1 or (limit is not None and n_files <= limit):
            if limit is None:  # a full compaction vacuums even a table with nothing to merge
                vacuum(layout, name, retention_hours, orphan_hours)
                checkpoint(layout, name)
            continue
        try:
            metrics = dt.optimize.compact()
        except delta_failures("compact") as exc:
            raise map_delta(exc, "compact", f"optimize of {layout.uris[name]}", layout.secrets) from None
        merged += int(metrics.get("numFilesRemoved", 0))
        vacuum(layout, name, retention_hours, orphan_hours)
        checkpoint(layout, name)
    return merged


def checkpoint(layout: DeltaLayout, name: str) -> None:
    """Write a checkpoint of table ``name``'s log, so the next reader opens it from one file
    instead of replaying every commit since the last one (3.5 ms at 10 commits, 28-29 ms at 99).
    Tables created since 2026-12-08 also checkpoint every 10 commits on their own
    (``delta.checkpointInterval``, :data:`~.schema.TABLE_CONFIG`); older ones only here.
    A checkpoint only speeds reads up: failing to write one is logged, never raised."""
    dt = layout.table(name)
    if dt is None:
        return
    try:
        dt.create_checkpoint()
    except Exception as exc:  # delta-rs errors too: the log is whole without it
        logger.warning("checkpoint of %s skipped: %s", layout.uris[name], exc)


def drop_copies(layout: DeltaLayout) -> int:
    """Rewrite each table that holds a row more than once (the same ``version`` in
    ``versions``, the same snapshot row in ``snapshots``) with one copy of each, and return how
    many rows were dropped. Stores compacted by two compactions at once before the compaction
    lock existed (or by another engine's OPTIMIZE racing ours) hold every merged row twice or
    more: readers answer right, but read and hold every copy.

    Only the caller's compaction may run (it holds :meth:`compacting`). The rewrite is an
    overwrite from the handle read here: it replaces only the files that handle holds, so rows
    a writer appends meanwhile stay. Of a ``version``'s copies one whose JSON matches its
    content address is kept (a damaged copy never wins over an intact one); a snapshot row is
    a copy only when every column, its ``versions`` list included, is equal (two different rows
    of one id are left for the readers' rule).
    """
    from deltalake import write_deltalake

    dropped = 0
    for name, key in _ROW_KEYS.items():
        dt = layout.table(name)
        if dt is None:
            continue
        keys = dt.to_pyarrow_table(columns=[key]).column(key)
        if pc.count_distinct(keys).as_py() == len(keys):  # the usual case: one column read, nothing else
            continue
        table = dt.to_pyarrow_table()
        keep, damaged = _one_of_each(name, table, key)
        if len(keep) == len(table):
            continue
        try:
            write_deltalake(
                dt, table.take(pa.array(keep, pa.int64())), mode="overwrite", storage_options=layout.options or None
            )
        except delta_failures("compact") as exc:  # nothing committed: the copies stay, answers as before
            raise map_delta(exc, "compact", f"dropping copies in {layout.uris[name]}", layout.secrets) from None
        if damaged:  # what the repair of data/README ("import the bodies again") leaves behind
            logger.warning(
                "%s: dropped %d damaged copies of rows whose bodies were imported again (the intact copies are kept)",
                layout.uris[name],
                damaged,
            )
        if len(table) - len(keep) > damaged:
            logger.warning(
                "%s: dropped %d copies of rows held more than once (an earlier concurrent compaction)",
                layout.uris[name],
                len(table) - len(keep) - damaged,
            )
        dropped += len(table) - len(keep)
    return dropped


def repair(layout: DeltaLayout) -> None:
    """Delta's FSCK: drop from the log the data files that no longer exist. It drops whatever a
    missing file held, so only :meth:`DeltaStore.compact` calls it, and only when no snapshot
    needs a missing file (see :func:`_forgettable`)."""
    if not layout.local:  # it lists the whole prefix; moto's listing of it times out, so disk only for now
        return
    for name in TABLES:
        dt = layout.table(name)
        if dt is not None:
            metrics = dt.repair(dry_run=False)
            if metrics.get("files_removed"):
                logger.warning(
                    "%s: removed missing files from the log: %s", layout.uris[name], metrics["files_removed"]
                )


def vacuum(
    layout: DeltaLayout, name: str, retention_hours: float, orphan_hours: float = ORPHAN_RETENTION_HOURS
) -> None:
    """Delete files replaced longer than ``retention_hours`` ago, and data files no commit names
    (a writer killed before its commit) last modified more than ``orphan_hours`` ago (by the
    file's time on disk or the object's ``LastModified``: a live writer commits its files
    seconds after writing them, far inside :data:`ORPHAN_RETENTION_HOURS`); then expired log
    entries. On disk and on object stores alike (delta-rs's full vacuum lists the table's prefix)."""
    dt = layout.table(name)
    if dt is None:
        return
    try:
        dt.vacuum(
            retention_hours=int(retention_hours) if retention_hours >= 1 else 0,
            dry_run=False,
            enforce_retention_duration=False,
            full=False,
        )
        dt.vacuum(  # files no commit names: delta-rs keeps those younger than the retention
            retention_hours=int(max(retention_hours, orphan_hours)),
            dry_run=False,
            enforce_retention_duration=False,
            full=True,
        )
        dt.cleanup_metadata()
    except OSError as exc:  # vacuum only frees space: the data is whole without it
        logger.warning("vacuum of %s skipped: %s", layout.uris[name], exc)


#: The column that names a row of each table: rows sharing it are copies (see :func:`_one_of_each`).
_ROW_KEYS = {"versions": "version", "snapshots": "snapshot_id"}


def _one_of_each(name: str, table: pa.Table, key: str) -> tuple[np.ndarray, int]:
    """Positions of the rows of ``table`` to keep, in table order: one copy of each row held more
    than once; and how many of the rows left out were damaged copies of a row kept intact.
    ``versions``: per ``version``, the first copy whose ``raw`` matches the content address (the
    first copy when none does: readers then report it damaged, as before). ``snapshots``: a row
    that contradicts itself (:func:`orcatalog.store.identity.row_faults`) is left out when a
    consistent row of its id is kept (an import of its body again, the repair data/README gives),
    and of the others only rows equal in every column are copies."""
    n = len(table)
    if name == "versions":
        ids = table.column(key).to_pandas().to_numpy(dtype=object)
        copied = np.flatnonzero(pd.Series(ids).duplicated(keep=False).to_numpy())
        intact = np.ones(n, dtype=bool)
        raws = table.column("raw").take(pa.array(copied, pa.int64())).cast(pa.binary()).to_pylist()
        intact[copied] = [r is not None and hashlib.sha256(r).hexdigest()[:32] == v for r, v in zip(raws, ids[copied])]
        order = np.lexsort((np.arange(n), ~intact))  # intact copies first, each in table order
        first = order[~pd.Series(ids[order]).duplicated().to_numpy()]
        kept_intact = set(ids[first[intact[first]]].tolist())
        damaged = int(sum(1 for i in np.flatnonzero(~intact).tolist() if ids[i] in kept_intact))
        return np.sort(first), damaged
    from .state import list_faults

    records = table.to_pylist()  # one row per snapshot: small
    faults = list_faults(records, table.column("versions").combine_chunks())
    sound = {r["snapshot_id"] for r, f in zip(records, faults) if not f}
    bad = np.array([bool(f) and r["snapshot_id"] in sound for r, f in zip(records, faults)], dtype=bool)
    rows = [orjson.dumps(r, default=str) for r in records]
    keep = np.flatnonzero(~pd.Series(rows).duplicated().to_numpy() & ~bad)
    return keep, int(bad.sum())
