""":class:`EndpointStore`: a write of endpoints and providers bodies (objects, snapshot rows,
endpoint rows: the commits) and its read-back."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ...errors import (
    SchemaError,
    SnapshotConflictError,
    StoreWriteError,
)
from ...frames.endpoints import endpoints_frame
from ...frames.providers import providers_frame
from ...scope import scope_of
from ..delta import TABLE_CONFIG
from ..faults import delta_failures, map_delta
from ..identity import snapshot_id
from ..refusals import refuse_same_time
from .reads import EndpointReads
from .schema import (
    _UTC,
    OBJECTS_SCHEMA,
    PROVIDERS_PATH,
    PROVIDERS_SCHEMA,
    ROW_COLUMNS,
    ROWS_SCHEMA,
    SNAPSHOTS_SCHEMA,
    STAT_COLUMNS,
    STATS,
    ZDR_PATH,
    EndpointBody,
    _row_writer,
)
from .split import _endpoints_of, _key, _split
from .upkeep import EndpointUpkeep


@dataclass
class _Prepared:
    rows: list[dict[str, Any]]  # snapshot rows
    objects: dict[str, tuple[str, bytes]]  # key -> (kind, json)
    providers: dict[str, tuple[str, bytes]]  # key -> (slug, json)
    endpoint_rows: pa.Table  # with ``_sid``, the snapshot id of each row (dropped before writing)


class EndpointStore(EndpointUpkeep, EndpointReads):
    """Endpoint and provider snapshots on a store's Delta layout (the facade checks arguments).

    Args:
        layout: the store's :class:`~orcatalog.store.delta.DeltaLayout`; the four tables are
            registered on it, so its commits, retries and vacuum serve them too.
        auto_compact: optimize a table with more than this many files after a write (None: never).
        version: the orcatalog version written into each snapshot row.
    """

    # -- writing ---------------------------------------------------------------------------

    def write(self, items: list[EndpointBody]) -> list[str]:
        """Record bodies: new objects, then rows, then the snapshot rows (the commit), then read back.

        Returns:
            Snapshot ids in the order of ``items`` (those already there too).

        Raises:
            SchemaError (nothing written); SnapshotConflictError; StoreWriteError.
        """
        if not items:
            return []
        self.layout.check_conditional_put()
        prepared = self._prepare(items)
        near = self._snapshots_at({pd.Timestamp(r["fetched_at"]) for r in prepared.rows})
        refuse_same_time(prepared.rows, near)
        _refuse_one_id_in_two_scopes(prepared.rows, near)
        present = set(near["snapshot_id"])
        ids = [r["snapshot_id"] for r in prepared.rows]
        fresh = [r for r in prepared.rows if r["snapshot_id"] not in present]
        fresh = list({r["snapshot_id"]: r for r in fresh}.values())
        if not fresh:
            return ids
        wanted = {r["snapshot_id"] for r in fresh}
        known = set(self._objects("endpoint_objects"))
        objects = {k: v for k, v in prepared.objects.items() if k not in known}
        if objects:
            self.layout.append(
                "endpoint_objects",
                pa.table(
                    {
                        "key": list(objects),
                        "kind": [v[0] for v in objects.values()],
                        "raw": [v[1].decode() for v in objects.values()],
                    },
                    schema=OBJECTS_SCHEMA,
                ),
            )
        known_p = set(self._objects("providers"))
        provs = {k: v for k, v in prepared.providers.items() if k not in known_p}
        if provs:
            self.layout.append(
                "providers",
                pa.table(
                    {
                        "key": list(provs),
                        "slug": [v[0] for v in provs.values()],
                        "raw": [v[1].decode() for v in provs.values()],
                    },
                    schema=PROVIDERS_SCHEMA,
                ),
            )
        snaps = pa.Table.from_pylist(fresh, schema=SNAPSHOTS_SCHEMA)
        self.layout.append("endpoint_snapshots", snaps, writer_properties=_row_writer(False))  # providers: the commit
        rows = prepared.endpoint_rows
        if len(rows):
            rows = rows.filter(pc.is_in(rows.column("_sid"), value_set=pa.array(sorted(wanted)))).drop_columns(["_sid"])
            rows = rows.sort_by([("model_id", "ascending"), ("tag", "ascending"), ("fetched_at", "ascending")])
            self._create("endpoints", ROWS_SCHEMA, ["month"])
            self.layout.append("endpoints", rows, writer_properties=_row_writer())  # endpoints: the commit
        self._read_back(fresh, prepared)
        self._upkeep()
        return ids

    def _create(self, name: str, schema: pa.Schema, partition_by: list[str]) -> None:
        """Create a partitioned table before its first append (an existing one is left alone)."""
        if self.layout.table(name) is not None:
            return
        from deltalake import DeltaTable

        try:
            DeltaTable.create(
                self.layout.uris[name],
                schema=schema,
                partition_by=partition_by,
                mode="ignore",
                configuration=TABLE_CONFIG,
                storage_options=self.layout.options or None,
            )
        except delta_failures("commit") as exc:  # a racing creator is fine
            if self.layout.table(name) is None:
                raise map_delta(exc, "commit", f"creating {self.layout.uris[name]}", self.layout.secrets) from exc

    def _prepare(self, items: list[EndpointBody]) -> _Prepared:
        snap_rows: list[dict[str, Any]] = []
        objects: dict[str, tuple[str, bytes]] = {}
        providers: dict[str, tuple[str, bytes]] = {}
        # endpoint rows, gathered per body and flattened in groups without a repeated model (one
        # endpoints_frame call per group: the contract's checks and prices, no per-body pandas)
        groups: list[tuple[set[str], list[int]]] = []
        per_body: list[tuple[list[dict[str, Any]], list[str], list[list[float]]]] = []
        for i, item in enumerate(items):
            raw = orjson.dumps(item.body)
            digest = hashlib.sha256(raw).hexdigest()[:32]
            when = pd.Timestamp(item.fetched_at).tz_convert("UTC")
            sid = snapshot_id(when, digest)
            if item.kind == "providers":
                providers_frame(item.body, url=item.source)  # the contract's checks
                keys = []
                for p in item.body["data"]:
                    pj = orjson.dumps(p)
                    k = _key(pj)
                    providers[k] = (p["slug"], pj)
                    keys.append(k)
                top = orjson.dumps({**item.body, "data": None})
                path, model = PROVIDERS_PATH, None
                per_body.append(([], [], []))
            else:
                endpoints, rest, model = _endpoints_of(item.body, item.source, item.endpoint)
                if any(type(e) is not dict for e in endpoints):
                    raise SchemaError(f"{item.source}: an endpoint is not an object", url=item.source)
                keys, values = [], []
                for e in endpoints:
                    tj, v = _split(e)
                    k = _key(tj)
                    objects[k] = ("endpoint", tj)
                    keys.append(k)
                    values.append(v)
                top = orjson.dumps(rest)
                path = _endpoints_path(model) if model else ZDR_PATH
                defaults = {"model_id": model, "model_name": (item.body["data"] or {}).get("name") if model else None}
                flat = [
                    {**defaults, **{k: v for k, v in e.items() if v is not None or k not in defaults}}
                    for e in endpoints
                ]
                mids = {str(e.get("model_id")) for e in flat}
                for taken, members in groups:
                    if not taken & mids:
                        taken |= mids
                        members.append(i)
                        break
                else:
                    groups.append((set(mids), [i]))
                per_body.append((flat, keys, values))
            tk = _key(top)
            objects[tk] = ("body", top)
            snap_rows.append(
                {
                    "snapshot_id": sid,
                    "fetched_at": when.to_pydatetime(),
                    "kind": item.kind,
                    "scope": scope_of(item.base_url, path, {}, None),
                    "model_id": model,
                    "base_url": item.base_url,
                    "endpoint": path,
                    "source": item.source,
                    "time_precision": item.time_precision,
                    "top": tk,
                    "items": keys,
                    "n_items": len(keys),
                    "content_hash": digest,
                    "orcatalog_version": self.version,
                }
            )
        parts = []
        for _, members in groups:
            flat = [e for i in members for e in per_body[i][0]]
            frame = endpoints_frame(flat, url=items[members[0]].source if len(members) == 1 else None)
            n = [len(per_body[i][0]) for i in members]
            at = pa.array(np.repeat(np.arange(len(members), dtype=np.int64), n))  # each row's body, in members
            position = np.concatenate([np.arange(k) for k in n]) if n else np.zeros(0, dtype=np.int64)
            cols: dict[str, Any] = {
                "scope": pa.array([snap_rows[j]["scope"] for j in members], pa.string()).take(at),
                "fetched_at": pa.array([snap_rows[j]["fetched_at"] for j in members], _UTC).take(at),
                "month": pa.array([f"{snap_rows[j]['fetched_at']:%Y-%m}" for j in members], pa.string()).take(at),
                "position": position.astype(np.int32),
                "template": [k for j in members for k in per_body[j][1]],
            }
            for c in ("model_id", "provider_name", "tag", *ROW_COLUMNS):  # nulls (None, NaN, NA) stay null
                kind = ROWS_SCHEMA.field(c).type
                cols[c] = (
                    pa.Array.from_pandas(frame[c], type=kind) if c in frame.columns else pa.nulls(len(frame), kind)
                )
            matrix = np.array([v for j in members for v in per_body[j][2]], dtype=float).reshape(-1, len(STATS))
            for ci, c in enumerate(STAT_COLUMNS):
                cols[c] = matrix[:, ci]
            table = pa.table(cols, schema=ROWS_SCHEMA)
            sids = pa.array([snap_rows[j]["snapshot_id"] for j in members], pa.string()).take(at)
            parts.append(table.append_column("_sid", sids))
        empty = ROWS_SCHEMA.append(pa.field("_sid", pa.string())).empty_table()
        table = pa.concat_tables(parts) if parts else empty
        return _Prepared(snap_rows, objects, providers, table)

    def _read_back(self, fresh: list[dict[str, Any]], prepared: _Prepared) -> None:
        """A write succeeds only when its snapshots read back whole (rows, templates, bodies)."""
        sids = [r["snapshot_id"] for r in fresh]
        have = set(self._snapshots_at({pd.Timestamp(r["fetched_at"]) for r in fresh})["snapshot_id"])
        absent = [s for s in sids if s not in have]
        if absent:
            raise StoreWriteError(f"snapshot(s) {', '.join(absent[:3])} were committed but do not read back")
        objects = self._objects("endpoint_objects")
        provs = self._objects("providers")
        for r in fresh:
            missing = [
                k
                for k in [r["top"], *r["items"]]
                if k not in (provs if r["kind"] == "providers" else objects) and k != r["top"]
            ]
            if r["top"] not in objects or missing:
                raise StoreWriteError(
                    f"snapshot {r['snapshot_id']}: stored objects do not read back; check the storage"
                )
        for r, ok in zip(fresh, self._committed(fresh)):
            if not ok:
                raise StoreWriteError(f"snapshot {r['snapshot_id']}: its endpoint rows do not read back")


def _refuse_one_id_in_two_scopes(rows: list[dict[str, Any]], near: pd.DataFrame) -> None:
    """A snapshot id names a time and a body, not a scope: the same body at the same time in two
    scopes (``{"data": []}`` from ``/endpoints/zdr`` and from ``/providers``) would be one id, and
    the second write would silently record nothing. Refused instead, before anything is written.

    Raises:
        SnapshotConflictError: naming the body, both scopes and the id.
    """
    scopes = {str(sid): str(scope) for sid, scope in zip(near["snapshot_id"], near["scope"])}
    for r in rows:
        other = scopes.setdefault(r["snapshot_id"], r["scope"])
        if other != r["scope"]:
            raise SnapshotConflictError(
                f"{r['source']}: the same body at the same time {r['fetched_at']:%Y-%m-%d %H:%M:%S} UTC is "
                f"snapshot {r['snapshot_id']} of scope {other!r}; it cannot also be one of scope {r['scope']!r} "
                "(a snapshot id names the time and the body, not the scope); nothing was written"
            )


def _endpoints_path(model_id: str) -> str:
    from ...fetch.endpoints import endpoints_path

    return endpoints_path(model_id)
