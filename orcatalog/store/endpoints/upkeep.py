"""Upkeep of the endpoint tables: automatic compaction after a write, ``compact()``, and the
``endpoints`` rewritten sorted by model: the months before the newest folded into their year, the
newest month on its own."""

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
from ..delta.upkeep import checkpoint
from ..faults import delta_failures, map_delta
from . import schema
from .schema import ENDPOINT_TABLES, ROWS_SCHEMA, _row_writer
from .tables import EndpointTables, table_dataset

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
                    checkpoint(self.layout, name)
            except Exception as exc:  # upkeep never fails a committed write
                logger.warning("automatic compaction of %s skipped: %s", self.layout.uris[name], exc)

    def _due(self, name: str, limit: int | None, dt: Any = None) -> bool:
        """Whether table ``name`` has more than ``limit`` files to merge (``endpoints``: a sorted
        newest month and folded years stay split, so only the files of an unsorted newest month and
        of months to fold count). Without ``dt``: by the
        handle as this object last saw or wrote it (no new log read)."""
        dt = dt if dt is not None else self.layout.table(name, refresh=False)
        if dt is None or limit is None:
            return False
        n = sum(_unsorted_months(dt).values()) if name == "endpoints" else len(dt.file_uris())
        return n > limit

    def _optimize(self, name: str, dt: Any) -> int:
        """Merge a table's small files. ``endpoints``: the months before its newest are folded into
        their year (:func:`_fold_year`), the newest month is rewritten sorted by (model_id, tag,
        fetched_at) when its files overlap in model ids (:func:`_sort_month`). Returns files removed."""
        if name == "endpoint_snapshots":  # clustered by scope: history reads one model's snapshots
            metrics = dt.optimize.z_order(["scope", "fetched_at"], writer_properties=_row_writer(False))
            return int(metrics.get("numFilesRemoved", 0))
        if name != "endpoints":
            return int(dt.optimize.compact().get("numFilesRemoved", 0))
        removed = 0
        for part, n in sorted(_unsorted_months(dt).items()):
            if len(part) == 4:  # a year: its months before the newest are folded into it
                _fold_year(dt, part)
            else:
                _sort_month(dt, part)
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
            checkpoint(self.layout, name)
        return merged


#: Bytes per file of a sorted ``endpoints`` month: each file holds a range of models, so one
#: model's series opens about one file a month (the log's per-file statistics skip the others).
SORTED_FILE_BYTES = 1 << 20

#: Bytes per file of a folded ``endpoints`` year (:func:`_fold_year`): each file holds a range of
#: models, so one model's series over the year opens a file or two, not one a month.
YEAR_FILE_BYTES = 8 << 20


def _unsorted_months(dt: Any) -> dict[str, int]:
    """``endpoints`` partitions to rewrite, and how many files each rewrite merges away:

    - each year (``YYYY``) that has months (``YYYY-MM``) before the table's newest month: those
      months are folded into it (:func:`_fold_year`), a series then opens a file or two of the
      year instead of one a month; the count is the months' files;
    - the newest month, when it has several files whose model-id ranges (the log's per-file
      statistics) overlap, or more files than its size needs (many small appends); a sorted
      month's files hold consecutive ranges (one model may span two).

    The newest month stays a month: writes append to it (an hourly store writes it all month),
    and sorting it rewrites a month, not a year.
    """
    actions = pa.table(dt.get_add_actions(flatten=True))
    names = actions.column_names
    n = actions.num_rows
    lows = actions.column("min.model_id").to_pylist() if "min.model_id" in names else [None] * n
    highs = actions.column("max.model_id").to_pylist() if "max.model_id" in names else [None] * n
    files: dict[str, list[tuple[Any, Any, int]]] = {}
    for part, low, high, size in zip(
        actions.column("partition.month").to_pylist(), lows, highs, actions.column("size_bytes").to_pylist()
    ):
        files.setdefault(part, []).append((low, high, size))
    months = sorted(p for p in files if _MONTH.fullmatch(p))
    out: dict[str, int] = {}
    for month in months[:-1]:  # closed: fold into the year
        out[month[:4]] = out.get(month[:4], 0) + len(files[month])
    if months:
        newest, spans = months[-1], files[months[-1]]
        if len(spans) >= 2:
            spans.sort(key=lambda r: (r[0] is None, r[0] or "", r[1] or ""))
            overlap = any(a[1] is None or b[0] is None or a[1] > b[0] for a, b in zip(spans, spans[1:]))
            if overlap or len(spans) > sum(r[2] for r in spans) // SORTED_FILE_BYTES + 2:
                out[newest] = len(spans)
    return out


def _sort_month(dt: Any, month: str) -> None:
    """Rewrite one ``endpoints`` month sorted by (model_id, tag, fetched_at), in files of about
    :data:`SORTED_FILE_BYTES` (so each holds a model range); see :func:`_rewrite`."""
    if not _MONTH.fullmatch(month):
        raise StoreWriteError(f"endpoints: unexpected month partition {month!r}")
    _rewrite(dt, [month], month, SORTED_FILE_BYTES, None)  # None: schema.ROW_GROUP_ROWS, read when written


def _fold_year(dt: Any, year: str) -> None:
    """Fold the ``endpoints`` months of ``year`` before the table's newest month into the year's
    partition (``month = 'YYYY'``), sorted by (model_id, tag, fetched_at) with the rows already
    there, in files of about :data:`YEAR_FILE_BYTES`; see :func:`_rewrite`. Readers look for a
    time's rows in its month and its year (:func:`~.schema.partitions_of`)."""
    if not _YEAR.fullmatch(year):
        raise StoreWriteError(f"endpoints: unexpected year partition {year!r}")

    def sources() -> list[str]:  # read anew on each attempt: a writer may have opened a month meanwhile
        parts = set(pa.table(dt.get_add_actions(flatten=True)).column("partition.month").to_pylist())
        months = sorted(p for p in parts if _MONTH.fullmatch(p))
        return sorted({year} | {m for m in months[:-1] if m.startswith(year + "-")})

    _rewrite(dt, sources, year, YEAR_FILE_BYTES, schema.YEAR_ROW_GROUP_ROWS)


def _rewrite(dt: Any, sources: Any, target: str, file_bytes: int, group_rows: int | None, attempts: int = 5) -> None:
    """Rewrite the ``endpoints`` partitions ``sources`` (a list, or a function giving it) as the
    one partition ``target``, sorted by (model_id, tag, fetched_at), in files of about
    ``file_bytes`` (so each holds a model range) and row groups of ``group_rows`` (None:
    :data:`~.schema.ROW_GROUP_ROWS`): one
    transaction replacing the partitions' files (``overwrite`` with a ``month IN (...)``
    predicate). A write that added rows to them meanwhile makes delta-rs refuse the commit
    (nothing changes); they are then read again, up to ``attempts`` times.

    Raises:
        SnapshotConflictError: writers kept adding to them; StoreWriteError: the storage refused
        the rewrite. Either way the table is as it was.
    """
    from deltalake import write_deltalake

    from ...errors import SnapshotConflictError

    for _ in range(attempts):
        parts = sorted(sources() if callable(sources) else sources)
        if any(not (_MONTH.fullmatch(p) or _YEAR.fullmatch(p)) for p in parts) or target not in parts:
            raise StoreWriteError(f"endpoints: unexpected partitions {parts!r} to rewrite as {target!r}")
        rows = table_dataset(dt).to_table(filter=ds.field("month").isin(parts))
        rows = rows.select(ROWS_SCHEMA.names).cast(ROWS_SCHEMA)
        at = ROWS_SCHEMA.names.index("month")
        rows = rows.set_column(at, ROWS_SCHEMA.field("month"), pa.array([target] * rows.num_rows, pa.string()))
        rows = rows.sort_by([("model_id", "ascending"), ("tag", "ascending"), ("fetched_at", "ascending")])
        listed = ", ".join(f"'{p}'" for p in parts)
        try:
            write_deltalake(
                dt,
                rows.combine_chunks(),  # one batch: delta-rs writes several batches in parallel, out of order
                mode="overwrite",
                predicate=f"month IN ({listed})",
                target_file_size=file_bytes,
                writer_properties=_row_writer(rows=group_rows),
            )
            return
        except delta_failures("commit") as exc:
            error = map_delta(exc, "commit", f"rewriting {listed} of endpoints")
            if not isinstance(error, SnapshotConflictError):  # a writer added rows meanwhile: read again
                raise error from exc
            dt.update_incremental()
    raise SnapshotConflictError(f"endpoints {target}: writers kept adding rows while it was rewritten; try again")


_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")
_YEAR = re.compile(r"[0-9]{4}")
