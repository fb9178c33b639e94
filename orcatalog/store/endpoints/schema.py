"""The endpoint history tables: their names, columns and schemas, the paths a body comes from,
one body to record (:class:`EndpointBody`), and how the ``endpoints`` files are written."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa

from ...schema import KNOWN_PRICE_KEYS
from ...schema.endpoints import ENDPOINT_COLUMNS
from ...times import stored_time


#: The tables of endpoint and provider history (see the module docstring).
ENDPOINT_TABLES = ("endpoints", "endpoint_objects", "providers", "endpoint_snapshots")

#: Statistic leaves of an endpoint object (JSON path) and their columns: numbers that change hourly.
STATS: tuple[tuple[tuple[str, ...], str], ...] = tuple(
    (c.source, c.name)
    for c in ENDPOINT_COLUMNS
    if c.source is not None
    and c.source[0]
    in ("uptime_last_5m", "uptime_last_30m", "uptime_last_1d", "latency_last_30m", "throughput_last_30m")
)
STAT_COLUMNS: tuple[str, ...] = tuple(name for _, name in STATS)
#: Contract columns kept on every row beside the statistics (for history without parsing JSON).
ROW_COLUMNS: tuple[str, ...] = (
    "quantization",
    "context_length",
    "status",
    "discount",
    "prompt_usd_per_mtok",
    "completion_usd_per_mtok",
    "effective_prompt_usd_per_mtok",
    "effective_completion_usd_per_mtok",
    *(f"price_{k}" for k in KNOWN_PRICE_KEYS),
)

#: The endpoints a body can come from: its kind follows from which (:func:`_kind`), never from an
#: empty list (``{"data": []}`` is a valid answer of both ``/endpoints/zdr`` and ``/providers``).
ZDR_PATH = "/endpoints/zdr"
PROVIDERS_PATH = "/providers"
MODEL_PATH = "/models/{author}/{slug}/endpoints"  # a model's endpoints, the model named by the body
_MODEL_PATH = re.compile(r"/models/[^/]+/[^/]+/endpoints")

_UTC = pa.timestamp("us", tz="UTC")
ROWS_SCHEMA = pa.schema(
    [
        pa.field("scope", pa.string()),  # with fetched_at, names the snapshot (one body per scope and time)
        pa.field("fetched_at", _UTC),
        pa.field("month", pa.string()),
        pa.field("model_id", pa.string()),
        pa.field("provider_name", pa.string()),
        pa.field("tag", pa.string()),
        pa.field("position", pa.int32()),
        pa.field("template", pa.string()),
        pa.field("quantization", pa.string()),
        pa.field("context_length", pa.int64()),
        pa.field("status", pa.int64()),
        *(pa.field(c, pa.float64()) for c in ROW_COLUMNS[3:]),
        *(pa.field(c, pa.float64()) for c in STAT_COLUMNS),
    ]
)
OBJECTS_SCHEMA = pa.schema([("key", pa.string()), ("kind", pa.string()), ("raw", pa.string())])
PROVIDERS_SCHEMA = pa.schema([("key", pa.string()), ("slug", pa.string()), ("raw", pa.string())])
SNAPSHOTS_SCHEMA = pa.schema(
    [
        pa.field("snapshot_id", pa.string()),
        pa.field("fetched_at", _UTC),
        pa.field("kind", pa.string()),  # endpoints | providers
        pa.field("scope", pa.string()),
        pa.field("model_id", pa.string()),
        pa.field("base_url", pa.string()),
        pa.field("endpoint", pa.string()),
        pa.field("source", pa.string()),
        pa.field("time_precision", pa.string()),
        pa.field("top", pa.string()),  # key of the body's other fields in endpoint_objects
        pa.field("items", pa.list_(pa.string())),  # template or provider keys, in body order
        pa.field("n_items", pa.int64()),
        pa.field("content_hash", pa.string()),
        pa.field("orcatalog_version", pa.string()),
    ]
)


def is_endpoint_store(fs: Any, base: str) -> bool:
    """Whether ``base`` holds endpoint history tables (a Delta-layout store)."""
    try:
        return bool(fs.exists(f"{base}/endpoint_snapshots/_delta_log"))
    except OSError:
        return False


@dataclass
class EndpointBody:
    """One endpoints or providers body to record, and where it came from: ``endpoint`` is the path
    it was fetched from or declared to come from (None: undeclared, ``kind`` told by the shape)."""

    source: str
    fetched_at: pd.Timestamp
    body: Any
    kind: str = "endpoints"  # or "providers"
    base_url: str | None = None
    time_precision: str = "second"
    endpoint: str | None = None

    def __post_init__(self) -> None:
        self.fetched_at = stored_time(self.fetched_at)  # the store keeps microseconds: the one rule


def partitions_of(when: Any) -> list[str]:
    """The ``month`` partitions that can hold the rows fetched at ``when``: its month (``YYYY-MM``,
    where every write puts them) and its year (``YYYY``, where ``compact()`` folds the months
    before the newest one, :func:`orcatalog.store.endpoints.upkeep._fold_year`)."""
    return [f"{when:%Y-%m}", f"{when:%Y}"]


def partition_groups(start: Any, end: Any) -> list[list[tuple[str, str, Any]]]:
    """Tuple filters in disjunctive normal form selecting the ``month`` partitions (months and
    folded years, :func:`partitions_of`) that can hold rows fetched in [start, end] (either may be
    None); ``[]`` when neither bounds the read. A year sorts before its months (``"2026"`` <
    ``"2026-01"``), so the months' range alone would miss the start's year."""
    if start is None and end is None:
        return []
    months: list[tuple[str, str, Any]] = []
    if start is not None:
        months.append(("month", ">=", f"{start:%Y-%m}"))
    if end is not None:
        months.append(("month", "<=", f"{end:%Y-%m}"))
    first = int(f"{start:%Y}") if start is not None else None
    last = int(f"{end:%Y}") if end is not None else None
    if first is None:
        return [months]  # every year before the end's sorts below its months: "2025" < "2026-05"
    years = [str(y) for y in range(first, (last if last is not None else first) + 1)]
    return [months, [("month", "in", years)]] if years else [months]


#: Rows per Parquet row group of ``endpoints``: small enough that one endpoint's series skips most.
ROW_GROUP_ROWS = 4096


#: Rows per Parquet row group of a folded ``endpoints`` year (``compact()``): an endpoint's year
#: (8,760 hourly rows) in a row group or two, and a footer a quarter of the size, since a file's
#: footer is read whole (about 1.5 ms for an 8 MB file of 4,096-row groups, measured).
YEAR_ROW_GROUP_ROWS = 16384


def _row_writer(stats: bool = True, rows: int | None = None) -> Any:
    """How ``endpoints`` and ``endpoint_snapshots`` files are written: zstd, row groups of
    ``rows`` (default :data:`ROW_GROUP_ROWS`), and the statistics columns byte-stream-split (noisy
    floats compress better that way)."""
    from deltalake import ColumnProperties, WriterProperties

    floats = ColumnProperties(dictionary_enabled=False, encoding="BYTE_STREAM_SPLIT")
    return WriterProperties(
        compression="ZSTD",
        compression_level=9,
        max_row_group_size=ROW_GROUP_ROWS if rows is None else rows,
        column_properties={c: floats for c in STAT_COLUMNS} if stats else None,
    )
