"""Read an orcatalog store with Spark and check its answers against DuckDB, polars and orcatalog.

Optional: not run by the tests or CI, and pyspark is not a dependency of orcatalog. It needs Java 17
and a side venv (``python -m venv /tmp/spark-venv && /tmp/spark-venv/bin/pip install pyspark duckdb polars -e .``):

    /tmp/spark-venv/bin/python docs/spark_query.py STORE

Spark reads each Delta table without the delta-spark connector (whose jars come from Maven, not
PyPI): ``spark.read.parquet(*DeltaTable(path).file_uris())``, the data files of the table's current
version. That is the table only because orcatalog's tables are append-only: it never deletes or
updates a row (no deletion vectors, no column mapping), and ``compact()`` replaces files by files
holding the same rows. With the connector, ``spark.read.format("delta").load(path)`` replaces it.
"""

from __future__ import annotations

import math
import os
import sys
import time

os.environ["TZ"] = "UTC"  # pyspark turns timestamps into naive datetimes of the process's zone
time.tzset()

import duckdb  # noqa: E402
import pandas as pd  # noqa: E402
import polars as pl  # noqa: E402
from deltalake import DeltaTable  # noqa: E402
from pyspark.sql import SparkSession  # noqa: E402

import orcatalog as oc  # noqa: E402
from orcatalog.store.delta import HISTORY_VIEW_SQL  # noqa: E402

#: HISTORY_VIEW_SQL in Spark SQL: no DISTINCT ON (row_number() instead), explode() for UNNEST().
SPARK_HISTORY_VIEW_SQL = """\
CREATE OR REPLACE TEMP VIEW history AS
WITH snaps AS (
  SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY snapshot_id ORDER BY batch) AS _n FROM snapshots)
  WHERE _n = 1
), vers AS (
  SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY version ORDER BY version) AS _n FROM versions)
  WHERE _n = 1
), members AS (
  SELECT snapshot_id, fetched_at, scope, time_precision, explode(versions) AS version FROM snaps
)
SELECT m.snapshot_id, m.fetched_at, m.scope, m.time_precision, v.* EXCEPT (_n)
FROM members m JOIN vers v USING (version)
"""
MODEL, AS_OF = "openai/gpt-4o", "2026-01-01 12:00:00"
#: The recorded bodies are bare GET /models answers: the server's default list (orcatalog.scope.SERVER_DEFAULT_SCOPE).
SCOPE = "/models output_modalities=text"
#: The same text runs in Spark SQL and DuckDB (both sessions in UTC).
QUERIES = {
    "price series": f"SELECT fetched_at, price_prompt * 1e6 AS usd_per_mtok FROM history "
    f"WHERE id = '{MODEL}' AND scope = '{SCOPE}' ORDER BY fetched_at",
    "as-of": "SELECT id, price_prompt * 1e6 AS usd_per_mtok FROM history WHERE snapshot_id = ("
    "SELECT max_by(snapshot_id, fetched_at) FROM snapshots "
    f"WHERE scope = '{SCOPE}' AND fetched_at <= TIMESTAMP '{AS_OF}') ORDER BY id",
    "endpoint latency": "SELECT DISTINCT fetched_at, latency_p50 FROM endpoints "
    "WHERE model_id = 'anthropic/claude-sonnet-4.5' AND tag = 'anthropic' ORDER BY 1",
}


def _norm(rows: list[tuple]) -> list[tuple]:
    """Rows comparable across engines: times as UTC ISO text, floats rounded to 12 digits, NaN as None."""
    out = []
    for row in rows:
        cells = []
        for v in row:
            if hasattr(v, "isoformat"):
                t = pd.Timestamp(v)
                v = (t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")).isoformat()
            elif isinstance(v, float):
                v = None if math.isnan(v) else float(f"{v:.12g}")
            cells.append(v)
        out.append(tuple(cells))
    return out


def main(root: str) -> int:
    tables = ("snapshots", "versions", "endpoints")
    spark = (
        SparkSession.builder.master("local[1]")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    for name in tables:
        path = os.path.abspath(os.path.join(root, name))
        # basePath: Spark finds the partition column (endpoints' month) in the file paths
        frame = spark.read.option("basePath", path).parquet(*DeltaTable(path).file_uris())
        frame.createOrReplaceTempView(name)
    spark.sql(SPARK_HISTORY_VIEW_SQL)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for name in tables:
        con.register(name, DeltaTable(os.path.join(root, name)).to_pyarrow_dataset())
    con.execute(HISTORY_VIEW_SQL)

    store = oc.SnapshotStore(root)
    h = store.history(ids=[MODEL], columns=["price_prompt"])
    snaps = pl.read_delta(os.path.join(root, "snapshots")).unique("snapshot_id")
    versions = pl.read_delta(os.path.join(root, "versions")).unique("version")
    joined = snaps.explode("versions").rename({"versions": "version"}).join(versions, on="version")
    at = pd.Timestamp(AS_OF, tz="UTC")
    last = snaps.filter(pl.col("fetched_at") <= at).sort("fetched_at").tail(1)["snapshot_id"][0]
    loaded = store.load(as_of=at)
    lat = store.endpoint_history("anthropic/claude-sonnet-4.5", "anthropic", columns=["latency_p50"])
    others = {
        "price series": {
            "orcatalog": list(zip(h["fetched_at"], h["price_prompt"] * 1e6)),
            "polars": joined.filter(pl.col("id") == MODEL)
            .sort("fetched_at")
            .select("fetched_at", pl.col("price_prompt") * 1e6)
            .rows(),
        },
        "as-of": {
            "orcatalog": sorted(zip(loaded["id"], loaded["price_prompt"] * 1e6)),
            "polars": joined.filter(pl.col("snapshot_id") == last)
            .sort("id")
            .select("id", pl.col("price_prompt") * 1e6)
            .rows(),
        },
        "endpoint latency": {
            "orcatalog": list(lat[["fetched_at", "latency_p50"]].itertuples(index=False, name=None)),
        },
    }
    print(
        f"pyspark {spark.version}, Java {spark.sparkContext._jvm.System.getProperty('java.version')}, "
        f"duckdb {duckdb.__version__}, polars {pl.__version__}, orcatalog {oc.__version__}"
    )
    failed = 0
    for label, sql in QUERIES.items():
        start = time.perf_counter()
        got = _norm([tuple(r) for r in spark.sql(sql).collect()])
        took = time.perf_counter() - start
        answers = {"duckdb": _norm(con.sql(sql).fetchall()), **{k: _norm(v) for k, v in others[label].items()}}
        same = [k for k, v in answers.items() if v == got]
        differ = [k for k in answers if k not in same]
        failed += bool(differ)
        print(
            f"{label}: Spark {len(got)} rows in {took:.2f} s; equal to {', '.join(same) or 'none'}"
            + (f"; DIFFERENT from {', '.join(differ)}" if differ else "")
        )
        print(f"  first rows: {got[:3]}")
    spark.stop()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "data"))
