"""The four tables on a store's Delta layout and their small reads (snapshot rows, objects,
which snapshots are committed): the base of :class:`~orcatalog.store.endpoints.EndpointStore`."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from ...errors import (
    StoreDamagedError,
)
from ..delta import DeltaLayout
from .schema import _UTC, ENDPOINT_TABLES, SNAPSHOTS_SCHEMA, partitions_of
from .split import _key


def table_dataset(dt: Any, predicate: Any = None) -> ds.Dataset:
    """A Delta table's live files as a pyarrow dataset (its partition columns included), the files
    kept by ``predicate`` (the Delta log's per-file statistics, ``file_pruning_predicate``).

    On local disk the files are read through pyarrow's own ``LocalFileSystem``: the dataset
    ``DeltaTable.to_pyarrow_dataset`` gives reads through a Python filesystem handler, and a
    process that used one ended, once in two or three runs, in ``terminate called without an
    active exception`` (exit 134) at interpreter shutdown, after its work was done (measured: 7 of 8
    runs of reading every snapshot's ``raw()``, 0 of 8 this way; the pyarrow/Rust shutdown order,
    delta-rs 2184 and polars 24169). An object store keeps deltalake's dataset."""
    uri = str(dt.table_uri)
    if not uri.startswith("file://"):
        return dt.to_pyarrow_dataset(file_pruning_predicate=predicate)
    from urllib.parse import unquote

    import pyarrow.fs as pafs

    root = unquote(uri.removeprefix("file://")).rstrip("/")
    schema = pa.schema(dt.schema().to_arrow())
    parts = dt.metadata().partition_columns
    partitioning = ds.partitioning(pa.schema([schema.field(c) for c in parts]), flavor="hive") if parts else None
    files = dt.file_uris(file_pruning_predicate=predicate) if predicate is not None else dt.file_uris()
    return ds.dataset(
        [unquote(f.removeprefix("file://")) for f in files],
        schema=schema,
        format="parquet",
        partitioning=partitioning,
        partition_base_dir=root,
        filesystem=pafs.LocalFileSystem(),
    )


class EndpointTables:
    """The endpoint tables of a store's Delta layout and their small reads (the arguments are
    :class:`~orcatalog.store.endpoints.EndpointStore`'s)."""

    def __init__(self, layout: DeltaLayout, auto_compact: int | None, version: str) -> None:
        self.layout = layout
        self.auto_compact = auto_compact
        self.version = version
        prefix = layout.root.rstrip("/") if not layout.local else os.path.abspath(layout.base)
        for name in ENDPOINT_TABLES:
            layout.uris.setdefault(name, f"{prefix}/{name}")
        self._cache: dict[tuple[str, int], Any] = {}

    # -- reading the small tables ----------------------------------------------------------

    def _read(self, name: str, columns: list[str] | None = None, filt: Any = None) -> pa.Table | None:
        dt = self.layout.table(name)
        if dt is None:
            return None
        key = (f"{name}:{columns}:{filt}", dt.version())
        if filt is None and key in self._cache:
            return self._cache[key]  # type: ignore[no-any-return]
        try:
            table = table_dataset(dt).to_table(columns=columns, filter=filt)
        except (pa.ArrowException, OSError) as exc:
            raise StoreDamagedError(f"{self.layout.uris[name]} cannot be read: {exc}") from exc
        if filt is None:
            self._cache = {k: v for k, v in self._cache.items() if not k[0].startswith(name + ":")}
            self._cache[key] = table
        return table

    def manifest(self) -> pd.DataFrame:
        """Committed snapshots, one row each (time order), without their item lists."""
        t = self._read("endpoint_snapshots")
        if t is None:
            return pd.DataFrame({f.name: pd.Series([], dtype=object) for f in SNAPSHOTS_SCHEMA if f.name != "items"})
        frame = t.drop_columns(["items"]).to_pandas()
        frame["fetched_at"] = frame["fetched_at"].astype("datetime64[us, UTC]")
        return frame.drop_duplicates("snapshot_id").sort_values(["fetched_at", "snapshot_id"]).reset_index(drop=True)

    def _objects(self, name: str, keys: Iterable[str] | None = None) -> dict[str, str]:
        """The objects of table ``name`` (all, or those of ``keys``) whose content matches their
        key (its address): a damaged or missing one is absent from the answer."""
        wanted = set(keys) if keys is not None else None
        if wanted is not None and not wanted:
            return {}
        t = self._read(name, ["key", "raw"])  # whole (a small table, cached per version): one read rule
        if t is None:
            return {}
        if wanted is not None:  # only these read out of Arrow and hashed
            column = t.column("key")
            t = t.filter(pc.is_in(column, value_set=pa.array(sorted(wanted), pa.string()).cast(column.type)))
        out: dict[str, str] = {}
        for k, r in zip(t.column("key").to_pylist(), t.column("raw").to_pylist()):
            if (wanted is None or k in wanted) and isinstance(r, str) and _key(r.encode()) == k:  # its content address
                out[k] = r
        return out

    def _committed(self, rows: list[dict[str, Any]]) -> list[bool]:
        """Which snapshot rows are committed: a providers snapshot (or an endpoints one without
        endpoints) by its row, an endpoints snapshot by its endpoint rows (the append after it).

        The rows are looked for in their month first, where every write appends them; only the
        snapshots not found whole there are looked for again in their month and year together
        (``compact()`` folds closed months into the year, and a year holds a million rows and more)."""
        wanted = [r for r in rows if r["kind"] == "endpoints" and r["n_items"]]
        found = self._row_counts(wanted, lambda when: partitions_of(when)[:1])
        short = [r for r in wanted if found.get((r["scope"], pd.Timestamp(r["fetched_at"])), 0) < r["n_items"]]
        if short:
            found.update(self._row_counts(short, partitions_of))
        return [
            r["kind"] != "endpoints"
            or not r["n_items"]
            or found.get((r["scope"], pd.Timestamp(r["fetched_at"])), 0) >= r["n_items"]
            for r in rows
        ]

    def _row_counts(
        self, rows: list[dict[str, Any]], partitions: Callable[[Any], list[str]]
    ) -> dict[tuple[str, pd.Timestamp], int]:
        """``endpoints`` rows per (scope, time) of ``rows``' snapshots, in the partitions that
        ``partitions(fetched_at)`` names, read in one go (one table version)."""
        if not rows:
            return {}
        months = sorted({p for t in {r["fetched_at"] for r in rows} for p in partitions(t)})
        scopes = sorted({r["scope"] for r in rows})
        times = pa.array(sorted({pd.Timestamp(r["fetched_at"]).to_pydatetime() for r in rows}), _UTC)
        # only the rows of the times asked for are grouped (a month holds thousands of others)
        filt = ds.field("month").isin(months) & ds.field("fetched_at").isin(times) & ds.field("scope").isin(scopes)
        got = self._read("endpoints", ["scope", "fetched_at"], filt)
        if got is None or not len(got):
            return {}
        counts = got.group_by(["scope", "fetched_at"]).aggregate([([], "count_all")])
        return {
            (s, pd.Timestamp(t)): n
            for s, t, n in zip(
                counts.column("scope").to_pylist(),
                counts.column("fetched_at").to_pylist(),
                counts.column("count_all").to_pylist(),
            )
        }

    def _snapshots_at(self, times: set[pd.Timestamp]) -> pd.DataFrame:
        """The committed snapshot rows fetched at these times (id, time, scope, source, kind, n_items)."""
        columns = ["snapshot_id", "fetched_at", "scope", "source", "kind", "n_items"]
        wanted = pa.array([t.to_pydatetime() for t in times], _UTC)
        got = self._read("endpoint_snapshots", columns, ds.field("fetched_at").isin(wanted))
        table = got if got is not None else SNAPSHOTS_SCHEMA.empty_table().select(columns)
        frame = table.to_pandas().drop_duplicates("snapshot_id")
        recs = frame.to_dict("records")
        return frame[self._committed(recs)] if recs else frame

    def snapshots(self) -> pd.DataFrame:
        """Every committed endpoints and providers snapshot, oldest first (see the mixin's docstring)."""
        m = self.manifest()
        return m[self._committed(m.to_dict("records"))].reset_index(drop=True) if len(m) else m
