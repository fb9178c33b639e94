"""Checked bodies in, batch tables out: hashing model versions, building the rows and files of a batch.

Pure work on memory: nothing here lists or writes files (:mod:`.layout` does that). The bodies
come checked from :mod:`.intake`; the ids and hashes are :mod:`.identity`'s; what a write refuses
first is :mod:`.refusals`'.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson
import pandas as pd
import pyarrow as pa

from ..errors import SchemaError
from ..frames.models import models_frame
from ..schema import SCHEMA_VERSION
from .identity import content_hash, snapshot_id, version_of
from .intake import Body, show_progress

__all__ = ["Recorded", "Batch", "prepare", "spans", "versions_table", "MANIFEST_SCHEMA", "batch_tables"]


class Recorded(list[str]):
    """What a write recorded: the snapshot ids it names, in time order (those the store already
    held included: the list itself), ``added``, the ids this write committed (time order), and
    ``again``, those of ``added`` the store held but could not read (a damaged file or row: the
    write recorded them again, the repair data/README gives)."""

    def __init__(self, ids: Iterable[str] = (), added: Iterable[str] = (), again: Iterable[str] = ()) -> None:
        super().__init__(ids)
        self.added: list[str] = list(added)
        self.again: list[str] = [sid for sid in added if sid in set(again)]


@dataclass
class Batch:
    """What one write adds: manifest rows, each snapshot's order, and versions not known before."""

    ids: list[str]  # every item's snapshot id, in time order
    rows: list[dict[str, Any]]
    orders: list[list[str]]
    new_versions: dict[str, tuple[str, bytes]]


def prepare(items: list[Body], known: set[str], version: str, progress: bool | None) -> Batch:
    """Hash the bodies into a batch (each snapshot once), leaving out versions ``known`` to be stored."""
    items = sorted(items, key=lambda b: b.fetched_at)
    out = Batch([], [], [], {})
    seen_ids: set[str] = set()
    for item in show_progress(items, "hashing", progress):
        order = []
        for m in item.body["data"]:
            try:
                v, raw = version_of(m)
            except orjson.JSONEncodeError as exc:  # nested past orjson's limit: the contract names the field
                models_frame([m], url=item.source, unique=False)
                raise SchemaError(
                    f"{item.source}: model {m.get('id')!r} cannot be stored ({exc})", url=item.source
                ) from None
            order.append(v)
            if v not in known and v not in out.new_versions:
                out.new_versions[v] = (m["id"], raw)
        top_json = orjson.dumps({k: val for k, val in item.body.items() if k != "data"}).decode()
        chash = content_hash(order, top_json)
        sid = snapshot_id(item.fetched_at, chash)
        out.ids.append(sid)
        if sid in seen_ids:
            continue  # the same body at the same time, twice in one call
        seen_ids.add(sid)
        out.rows.append(
            {
                "snapshot_id": sid,
                "fetched_at": item.fetched_at,
                "scope": item.scope,
                "base_url": item.base_url,
                "endpoint": item.endpoint,
                "query": json.dumps(item.query, sort_keys=True),
                "key_fingerprint": item.key_fingerprint,
                "n_models": len(order),
                "time_precision": item.time_precision,
                "content_hash": chash,
                "top_level": top_json,
                "source": item.source,
                "schema_version": SCHEMA_VERSION,
                "orcatalog_version": version,
            }
        )
        out.orders.append(order)
    return out


def spans(orders: list[list[str]]) -> tuple[list[str], list[int], list[int]]:
    """Runs of consecutive snapshots (by position in ``orders``) that hold each version."""
    open_runs: dict[str, int] = {}
    versions: list[str] = []
    firsts: list[int] = []
    lasts: list[int] = []
    previous: set[str] = set()
    for seq, order in enumerate(orders):
        current = set(order)
        for v in previous - current:
            versions.append(v)
            firsts.append(open_runs.pop(v))
            lasts.append(seq - 1)
        for v in current - previous:
            open_runs[v] = seq
        previous = current
    for v, first in open_runs.items():
        versions.append(v)
        firsts.append(first)
        lasts.append(len(orders) - 1)
    return versions, firsts, lasts


def versions_table(fresh: dict[str, tuple[str, bytes]]) -> pa.Table:
    """New model versions: hash, id, raw JSON, and the contract columns (for readers without orcatalog)."""
    items = sorted(fresh.items(), key=lambda kv: (kv[1][0], kv[0]))
    if not items:  # every model of the batch was already stored
        return pa.table(
            {"version": pa.array([], pa.string()), "id": pa.array([], pa.string()), "raw": pa.array([], pa.string())}
        )
    models = [orjson.loads(raw) for _, (_, raw) in items]
    frame = models_frame(models, unique=False)
    frame.insert(0, "raw", [raw.decode() for _, (_, raw) in items])
    frame.insert(0, "version", [v for v, _ in items])
    frame = frame.drop(columns=["description"])  # kept in raw; the largest text, repeated per version
    # no pandas metadata: readers get plain Arrow types (pandas cannot rebuild list dtypes from it)
    return pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)


MANIFEST_SCHEMA = pa.schema(
    [
        ("snapshot_id", pa.string()),
        ("fetched_at", pa.timestamp("us", tz="UTC")),
        ("seq", pa.int32()),
        ("batch", pa.string()),
        ("scope", pa.string()),
        ("base_url", pa.string()),
        ("endpoint", pa.string()),
        ("query", pa.string()),
        ("key_fingerprint", pa.string()),
        ("n_models", pa.int64()),
        ("time_precision", pa.string()),
        ("content_hash", pa.string()),
        ("top_level", pa.string()),
        ("source", pa.string()),
        ("schema_version", pa.int64()),
        ("orcatalog_version", pa.string()),
    ]
)


def batch_tables(
    batch: str, rows: list[dict[str, Any]], orders: list[list[str]], versions: dict[str, tuple[str, bytes]] | pa.Table
) -> tuple[dict[str, pa.Table], pa.Table]:
    """The data tables (versions, spans, orders) and the manifest table of a batch.

    Args:
        rows: manifest rows in time order; ``orders`` the matching model orders.
        versions: new versions (hash -> (id, raw JSON)); only those the batch references are kept.
            A ready table (a compaction's merged versions) is used as it is.
    """
    sids = [r["snapshot_id"] for r in rows]
    span_versions, firsts, lasts = spans(orders)
    if not isinstance(versions, pa.Table):
        referenced = set(span_versions)
        versions = versions_table({v: versions[v] for v in versions if v in referenced})
    data = {
        "versions": versions,
        "spans": pa.table(
            {
                "version": pa.array(span_versions, pa.string()),
                "first_seq": pa.array(firsts, pa.int32()),
                "last_seq": pa.array(lasts, pa.int32()),
                "first_snapshot_id": pa.array([sids[i] for i in firsts], pa.string()),
                "last_snapshot_id": pa.array([sids[i] for i in lasts], pa.string()),
            }
        ),
        "orders": pa.table(
            {
                "snapshot_id": pa.array(sids, pa.string()),
                "seq": pa.array(range(len(sids)), pa.int32()),
                "versions": pa.array(orders, pa.list_(pa.string())),
            }
        ),
    }
    records = [
        {
            **{c: _plain(r.get(c)) for c in MANIFEST_SCHEMA.names},
            "seq": seq,
            "batch": batch,
            "fetched_at": pd.Timestamp(r["fetched_at"]).tz_convert("UTC").to_pydatetime(),
        }
        for seq, r in enumerate(rows)
    ]
    return data, pa.Table.from_pylist(records, schema=MANIFEST_SCHEMA)


def _plain(value: Any) -> Any:
    """A manifest cell as Arrow takes it: pandas' missing values (NaN, None, NA) become None."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value
