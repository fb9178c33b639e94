"""The Delta layout's two tables: their names and table settings, the ``snapshots`` schema, the rows
one write appends to each, and the SQL view of the flat history (see :mod:`orcatalog.store.delta`)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa

from ..ingest import MANIFEST_SCHEMA, versions_table

#: The two tables of the model catalog (the endpoint history tables are :mod:`orcatalog.store.endpoints`).
TABLES = ("versions", "snapshots")
#: Hours a file replaced by ``optimize`` is kept for readers that opened the table before.
VACUUM_RETENTION_HOURS = 1.0
#: Hours before a data file that no commit names (a killed writer's) is deleted.
ORPHAN_RETENTION_HOURS = 24.0
#: How often a write retries a commit that lost a race with another commit (delta-rs retries too).
COMMIT_ATTEMPTS = 20
#: Table properties set when a table is created: the log kept 7 days, replaced files 1 hour
#: (see data/README.md, "Retention"), and a checkpoint every 10 commits (delta-rs' default is 100:
#: a new reader replays every commit since the last checkpoint, 28-29 ms at 99 commits).
TABLE_CONFIG = {
    "delta.logRetentionDuration": "interval 7 days",
    "delta.deletedFileRetentionDuration": "interval 1 hours",
    "delta.checkpointInterval": "10",
}

#: The ``snapshots`` table: the manifest columns of the parquet layout, a write id, and the order.
SNAPSHOTS_SCHEMA = pa.schema(
    [f for f in MANIFEST_SCHEMA if f.name not in ("seq", "batch")]
    + [pa.field("batch", pa.string()), pa.field("versions", pa.list_(pa.string()))]
)

#: The flat history as a SQL view (DuckDB / Spark SQL): one row per (snapshot, model object in it).
#: Register ``snapshots`` and ``versions`` as the two Delta tables first (see data/README.md).
HISTORY_VIEW_SQL = """\
CREATE OR REPLACE VIEW history AS
WITH members AS (
  SELECT snapshot_id, fetched_at, scope, time_precision, UNNEST(versions) AS version
  FROM (SELECT DISTINCT ON (snapshot_id) * FROM snapshots)
)
SELECT m.snapshot_id, m.fetched_at, m.scope, m.time_precision, v.*
FROM members m
JOIN (SELECT DISTINCT ON (version) * FROM versions) v USING (version)
"""


#: The ``snapshots`` columns read to build the manifest (the ``versions`` lists are read on demand).
MANIFEST_COLUMNS = [f.name for f in SNAPSHOTS_SCHEMA if f.name != "versions"]


def snapshot_rows(rows: list[dict[str, Any]], orders: list[list[str]], batch: str) -> pa.Table:
    """The ``snapshots`` rows of one write."""
    records = []
    for r, order in zip(rows, orders):
        rec = {c: _plain(r.get(c)) for c in SNAPSHOTS_SCHEMA.names if c not in ("versions", "batch")}
        rec["fetched_at"] = pd.Timestamp(r["fetched_at"]).tz_convert("UTC").to_pydatetime()
        rec["batch"], rec["versions"] = batch, order
        records.append(rec)
    return pa.Table.from_pylist(records, schema=SNAPSHOTS_SCHEMA)


def versions_rows(fresh: dict[str, tuple[str, bytes]]) -> tuple[pa.Table, pa.Table]:
    """New model versions: with their contract columns (for engines without orcatalog), and as the
    three columns alone (written instead when a contract column's type cannot merge with the table's)."""
    full = versions_table(fresh)
    keep = [i for i, f in enumerate(full.schema) if not pa.types.is_null(f.type)]  # Delta has no null type
    full = full.select(keep)
    full = full.cast(
        pa.schema([pa.field(f.name, pa.string()) if pa.types.is_large_string(f.type) else f for f in full.schema])
    )
    return full, full.select(["version", "id", "raw"])


def _plain(value: Any) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value
