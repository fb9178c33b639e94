"""Upkeep of the endpoint tables: automatic compaction after a write, ``compact()``, and the
``endpoints`` months rewritten sorted by model."""

from __future__ import annotations

import logging
import re
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds

from ...errors import (
    SnapshotConflictError,
    StoreWriteError,
)
from ..delta import ORPHAN_RETENTION_HOURS
from ..faults import delta_failures, map_delta
from .schema import ENDPOINT_TABLES, ROWS_SCHEMA, _row_writer
from .tables import EndpointTables

logger = logging.getLogger("orcatalog.store")


class EndpointUpkeep(EndpointTables):
    """Compaction of the endpoint tables (the upkeep of :class:`~orcatalog.store.endpoints.EndpointStore`)."""

    def _upkeep(self) -> None:
        if self.auto_compact is None or not any(self._due(name, self.auto_compact) for name in ENDPOINT_TABLES):
            return
        try:
            with self.layout.compacting():
                self._auto_compact()
        except SnapshotConflictError:
            logger.info("automatic compaction of %s skipped: another compaction is at work", self.layout.root)
        except StoreWriteError as exc:
            logger.warning("automatic compaction of %s skipped: %s", self.layout.root, exc)

    def _auto_compact(self) -> None:
        from ..delta import VACUUM_RETENTION_HOURS

        for name in ENDPOINT_TABLES:
            try:
                dt = self.layout.table(name)  # read anew under the lock (see DeltaLayout.compacting)
                if dt is not None and self._due(name, self.auto_compact, dt):
                    self._optimize(name, dt)
                    self.layout.vacuum(name, VACUUM_RETENTION_HOURS)
                    self._checkpoint(name)
            except Exception as exc:  # upkeep never fails a committed write
                logger.warning("automatic compaction of %s skipped: %s", self.layout.uris[name], exc)

    def _due(self, name: str, limit: int | None, dt: Any = None) -> bool:
        """Whether table ``name`` has more than ``limit`` files to merge (``endpoints``: sorted
        months stay split, so only the files of unsorted ones count). Without ``dt``: by the
        handle as this object last saw or wrote it (no new log read)."""
        dt = dt if dt is not None else self.layout.table(name, refresh=False)
        if dt is None or limit is None:
            return False
        n = sum(_unsorted_months(dt).values()) if name == "endpoints" else len(dt.file_uris())
        return n > limit

    def _checkpoint(self, name: str) -> None:
        """Write a checkpoint of a table's log: a reader opening it reads one file, not every commit."""
        dt = self.layout.table(name)
        if dt is not None:
            dt.create_checkpoint()

    def _optimize(self, name: str, dt: Any) -> int:
        """Merge a table's small files. ``endpoints`` months whose files overlap in model ids are
        rewritten sorted by (model_id, tag, fetched_at) (:func:`_sort_month`). Returns files removed."""
        if name == "endpoint_snapshots":  # clustered by scope: history reads one model's snapshots
            metrics = dt.optimize.z_order(["scope", "fetched_at"], writer_properties=_row_writer(False))
            return int(metrics.get("numFilesRemoved", 0))
        if name != "endpoints":
            return int(dt.optimize.compact().get("numFilesRemoved", 0))
        removed = 0
        for month, n in sorted(_unsorted_months(dt).items()):
            _sort_month(dt, month)
            removed += n
        return removed

    def compact(self, retention_hours: float, orphan_hours: float = ORPHAN_RETENTION_HOURS) -> int:
        """Optimize and vacuum the four tables, then checkpoint their logs (a new reader opens one
        file instead of replaying every commit); returns how many files were merged away. The
        caller holds :meth:`orcatalog.store.delta.DeltaLayout.compacting` (one compaction at a time)."""
        merged = 0
        for name in ENDPOINT_TABLES:
            dt = self.layout.table(name)
            if dt is None:
                continue
            if len(dt.file_uris()) > 1:
                merged += self._optimize(name, dt)
            self.layout.vacuum(name, retention_hours, orphan_hours)
            self._checkpoint(name)
        return merged


#: Bytes per file of a sorted ``endpoints`` month: each file holds a range of models, so one
#: model's series opens about one file a month (the log's per-file statistics skip the others).
SORTED_FILE_BYTES = 1 << 20


def _unsorted_months(dt: Any) -> dict[str, int]:
    """``endpoints`` months to sort, and their file counts: months of several files whose model-id
    ranges (the log's per-file statistics) overlap, or of more files than their size needs (many
    small appends). A sorted month's files hold consecutive ranges (one model may span two)."""
    actions = pa.table(dt.get_add_actions(flatten=True))
    names = actions.column_names
    n = actions.num_rows
    lows = actions.column("min.model_id").to_pylist() if "min.model_id" in names else [None] * n
    highs = actions.column("max.model_id").to_pylist() if "max.model_id" in names else [None] * n
    files: dict[str, list[tuple[Any, Any, int]]] = {}
    for month, low, high, size in zip(
        actions.column("partition.month").to_pylist(), lows, highs, actions.column("size_bytes").to_pylist()
    ):
        files.setdefault(month, []).append((low, high, size))
    out = {}
    for month, spans in files.items():
        if len(spans) < 2:
            continue
        spans.sort(key=lambda r: (r[0] is None, r[0] or "", r[1] or ""))
        overlap = any(a[1] is None or b[0] is None or a[1] > b[0] for a, b in zip(spans, spans[1:]))
        if overlap or len(spans) > sum(r[2] for r in spans) // SORTED_FILE_BYTES + 2:
            out[month] = len(spans)
    return out


def _sort_month(dt: Any, month: str, attempts: int = 5) -> None:
    """Rewrite one ``endpoints`` month sorted by (model_id, tag, fetched_at), in files of about
    :data:`SORTED_FILE_BYTES` (so each holds a model range) and row groups of
    :data:`ROW_GROUP_ROWS`: one transaction replacing the month's files (``overwrite`` with a
    ``month =`` predicate). A write that added rows to the month meanwhile makes delta-rs refuse
    the commit (nothing changes); the month is then read again, up to ``attempts`` times.

    Raises:
        SnapshotConflictError: writers kept adding to the month; StoreWriteError: the storage
        refused the rewrite. Either way the month is as it was.
    """
    from deltalake import write_deltalake

    from ...errors import SnapshotConflictError

    if not _MONTH.fullmatch(month):
        raise StoreWriteError(f"endpoints: unexpected month partition {month!r}")
    for _ in range(attempts):
        rows = dt.to_pyarrow_dataset().to_table(filter=ds.field("month") == month)
        rows = rows.select(ROWS_SCHEMA.names).cast(ROWS_SCHEMA)
        rows = rows.sort_by([("model_id", "ascending"), ("tag", "ascending"), ("fetched_at", "ascending")])
        try:
            write_deltalake(
                dt,
                rows.combine_chunks(),  # one batch: delta-rs writes several batches in parallel, out of order
                mode="overwrite",
                predicate=f"month = '{month}'",
                target_file_size=SORTED_FILE_BYTES,
                writer_properties=_row_writer(),
            )
            return
        except delta_failures("commit") as exc:
            error = map_delta(exc, "commit", f"sorting month {month} of endpoints")
            if not isinstance(error, SnapshotConflictError):  # a writer added rows meanwhile: read the month again
                raise error from exc
            dt.update_incremental()
    raise SnapshotConflictError(f"endpoints month {month}: writers kept adding rows while it was sorted; try again")


_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")
