"""Endpoint and provider history in the Delta-layout store (issue 18): four more Delta tables.

Layout under the store's root (beside ``versions/`` and ``snapshots/``)::

    endpoints/           append-only, partitioned by ``month`` of fetched_at: one row per
                         (snapshot, endpoint): scope and fetched_at (which snapshot), model_id,
                         provider_name, tag, prices, status, uptime / latency / throughput,
                         and the key of its template
    endpoint_objects/    content-addressed (like ``versions``): endpoint templates and the
                         bodies' other fields (``kind`` says which)
    providers/           content-addressed: one row per distinct provider object
    endpoint_snapshots/  append-only: one row per endpoints or providers snapshot

**Templates.** Endpoint prices change rarely, their statistics every hour. An endpoint object is
split into its *template* (the object with each statistic leaf - ``uptime_last_5m/30m/1d``,
``latency_last_30m.pXX``, ``throughput_last_30m.pXX`` - set to null and the leaf's JSON type
noted) and the statistics, which are the row's float columns. Templates are content-addressed, so
an hour whose prices did not move stores one row of numbers per endpoint and no JSON at all.
``raw()`` puts the numbers back into the template (an integer stays an integer), so the body is
JSON-equal to the one received and its content hash is checked on the way out.

**Commits** are :class:`~orcatalog.store.delta.DeltaLayout`'s: a write appends the new objects,
then one ``endpoint_snapshots`` row per body (the commit of a providers snapshot), then the
endpoint rows (the commit of an endpoints snapshot: a snapshot row without its ``n_items`` rows
is a write that never finished, not listed and written again by the next import of the body).
So ``endpoint_history`` reads one table, and objects no committed snapshot names are never read.
Then the writer reads its snapshots back (:meth:`EndpointStore._read_back`). Snapshot ids are
``<fetched_at>-<first 12 hex of the body's SHA-256>``: the same body at the same time again is a
no-op, and another body of the same scope and time is refused (:func:`.ingest.refuse_same_time`).
Scopes are the fetch's own (:func:`orcatalog.scope.scope_of` of its path): one per model
(``/models/openai/gpt-4o/endpoints``), ``/endpoints/zdr``, ``/providers``; never ``catalog``.

Only the Delta layout holds them; a parquet-layout store is told to ``orcatalog migrate``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from ..errors import (
    InvalidParameterError,
    SchemaError,
    SnapshotConflictError,
    SnapshotNotFoundError,
    StoreDamagedError,
    StoreWriteError,
)
from ..frames import bodies
from ..frames.endpoints import endpoints_frame
from ..frames.providers import providers_frame
from ..schema import KNOWN_PRICE_KEYS
from ..schema_endpoints import ENDPOINT_COLUMNS
from ..scope import scope_of
from .delta import ORPHAN_RETENTION_HOURS, TABLE_CONFIG, DeltaLayout
from .faults import delta_failures, map_delta
from .ingest import answered_base_url, refuse_same_time, snapshot_id, utc, warn_if_name_disagrees

__all__ = [
    "ENDPOINT_TABLES",
    "STAT_COLUMNS",
    "EndpointBody",
    "EndpointStore",
    "declared_endpoint",
    "is_endpoint_store",
    "read_endpoint_files",
]

logger = logging.getLogger("orcatalog.store")

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


def _key(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:32]


def _split(endpoint: dict[str, Any]) -> tuple[bytes, list[float]]:
    """An endpoint object -> (its template JSON, its statistic values; NaN where not a number)."""
    template = dict(endpoint)
    holes: list[str] = []
    values: list[float] = []
    for path, _ in STATS:
        parent: Any = template
        if len(path) == 2:
            inner = template.get(path[0])
            if type(inner) is not dict:
                values.append(np.nan)
                continue
            parent = template[path[0]] = dict(inner)
        v = parent.get(path[-1])
        if type(v) in (int, float):
            holes.append(("i" if type(v) is int else "f") + ".".join(path))
            values.append(float(v))
            parent[path[-1]] = None
        else:
            values.append(np.nan)
    return orjson.dumps({"t": template, "h": holes}), values


def _join(template: dict[str, Any], values: dict[str, float]) -> dict[str, Any]:
    """The endpoint object back from its template and its row's statistics."""
    obj = template["t"]
    for hole in template["h"]:
        path = hole[1:].split(".")
        column = _STAT_BY_PATH[tuple(path)]
        v = values[column]
        target = obj if len(path) == 1 else obj[path[0]]
        target[path[-1]] = int(v) if hole[0] == "i" else float(v)
    return obj  # type: ignore[no-any-return]


_STAT_BY_PATH = dict(STATS)


def _endpoints_of(body: Any, source: str, endpoint: str | None = None) -> tuple[list[Any], dict[str, Any], str | None]:
    """The endpoint list of a body, the body without it (key kept, value null) and its model id.

    Raises:
        SchemaError: neither endpoints body shape, or not the shape of the declared ``endpoint``.
    """
    data = body.get("data") if isinstance(body, dict) else None
    if endpoint is not None and isinstance(data, list) != (endpoint == ZDR_PATH):
        want = "{'data': [endpoint, ...]}" if endpoint == ZDR_PATH else "{'data': {..., 'endpoints': [...]}}"
        raise SchemaError(f"{source}: declared as {endpoint}, but the body is not {want}", url=source)
    if isinstance(data, list):  # GET /endpoints/zdr
        return data, {**body, "data": None}, None
    if isinstance(data, dict) and isinstance(data.get("endpoints"), list):
        model = data.get("id")
        return (
            data["endpoints"],
            {**body, "data": {**data, "endpoints": None}},
            model if isinstance(model, str) else None,
        )
    raise SchemaError(f"{source}: expected {{'data': {{..., 'endpoints': [...]}}}} or {{'data': [...]}}", url=source)


def declared_endpoint(name: str) -> str | None:
    """The endpoint a recorded body file's name declares (an archive member by its own name):
    ``providers-<time>`` -> ``/providers``, ``endpoints-zdr-<time>`` -> ``/endpoints/zdr``,
    ``endpoints-<author>--<slug>-<time>`` -> a model's endpoints (:data:`MODEL_PATH`); None for
    any other name."""
    base = Path(name).name
    for suffix in bodies.ARCHIVE_SUFFIXES:
        base = base.partition(suffix + ":")[2] or base
    if base.startswith("providers-"):
        return PROVIDERS_PATH
    if base.startswith("endpoints-zdr-") and not base.startswith("endpoints-zdr--"):
        return ZDR_PATH
    if base.startswith("endpoints-") and "--" in base:
        return MODEL_PATH
    return None


def _check_endpoint(endpoint: str | None) -> None:
    """Raises InvalidParameterError for an ``endpoint=`` that no endpoints or providers body comes from."""
    if endpoint is not None and (
        not isinstance(endpoint, str)
        or (endpoint not in (ZDR_PATH, PROVIDERS_PATH) and not _MODEL_PATH.fullmatch(endpoint))
    ):
        raise InvalidParameterError(
            f"endpoint must be '{ZDR_PATH}', '{PROVIDERS_PATH}' or a model's '{MODEL_PATH}', got {endpoint!r}"
        )


def read_endpoint_files(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    fetched_at: Any = None,
    base_url: str | None = None,
    endpoint: str | None = None,
) -> list[EndpointBody]:
    """Recorded ``endpoints-*`` and ``providers-*`` bodies (files, folders, archives), dated by
    ``fetched_at`` or by their names; the endpoint each came from is ``endpoint`` or the one its
    name declares (:func:`declared_endpoint`), and its kind follows from that (:func:`_kind`).

    Raises:
        InvalidParameterError: a body without a time, a bad ``endpoint``, a name that declares
            another endpoint than ``endpoint``, an empty body of no declared endpoint;
        SchemaError (also a body that is not what its name declares); BodyFileError; FileNotFoundError.
    """
    _check_endpoint(endpoint)
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    files = [p for p in bodies.expand(list(paths)) if not p.name.startswith("models-count")]
    out = []
    for name, data in bodies.read_files(files):
        body = bodies.parse(name, data)  # what the file is, before when it was fetched
        named = declared_endpoint(name)
        if endpoint is not None and named is not None and _family(named) != _family(endpoint):
            raise InvalidParameterError(f"{name}: its name declares {named}, but endpoint={endpoint!r} was given")
        declared = endpoint or named
        how = f"name the file endpoints-zdr-<UTC time>.json or providers-<UTC time>.json, or {_PASS}"
        kind = _kind(body, name, declared, how)
        if fetched_at is not None:
            when, precision = utc(fetched_at, "fetched_at"), "second"
            warn_if_name_disagrees(name, when)
        else:
            dated = bodies.dated_name(name)
            if dated is None:
                if kind == "endpoints":  # a file that is no endpoints body says so first
                    _endpoints_of(body, name, declared)
                raise InvalidParameterError(
                    f"{name}: no fetch time; name the file with its UTC time "
                    "(endpoints-openai--gpt-4o-2026-08-31T120000Z.json) or pass fetched_at="
                )
            when, precision = dated
        when = when.tz_localize("UTC") if when.tzinfo is None else when.tz_convert("UTC")
        out.append(EndpointBody(name, when, body, kind, base_url, precision, declared))
    if fetched_at is not None and len(out) != 1:
        raise InvalidParameterError(f"fetched_at= applies to a single body, but {len(out)} were given")
    return out


_PASS = f"pass endpoint='{ZDR_PATH}' or endpoint='{PROVIDERS_PATH}'"


def _family(endpoint: str) -> str:
    return endpoint if endpoint in (ZDR_PATH, PROVIDERS_PATH) else MODEL_PATH


def _kind(body: Any, source: str, endpoint: str | None, how: str = _PASS) -> str:
    """A body's kind, ``providers`` or ``endpoints``: from the endpoint it came from when that is
    known (fetched, or declared by a file's name or ``endpoint=``), else from its shape (a list of
    objects with a ``slug`` is ``/providers``). An empty list has no shape to tell by.

    Raises:
        InvalidParameterError: an empty list of no declared endpoint (``how`` says how to declare it).
        SchemaError: a non-empty list whose shape is the other kind's.
    """
    data = body.get("data") if isinstance(body, dict) else None
    shape = None  # an empty list: /endpoints/zdr and /providers alike
    if isinstance(data, list) and data:
        shape = "providers" if isinstance(data[0], dict) and "slug" in data[0] else "endpoints"
    elif not isinstance(data, list):
        shape = "endpoints"  # one model's body (its shape checked when it is split)
    if endpoint is None:
        if shape is None:
            raise InvalidParameterError(
                f"{source}: an empty list ({{'data': []}}) may come from {ZDR_PATH} or {PROVIDERS_PATH}; "
                f"declare which: {how}"
            )
        return shape
    kind = "providers" if endpoint == PROVIDERS_PATH else "endpoints"
    if shape is not None and shape != kind:
        what = "a providers list" if shape == "providers" else "endpoints"
        raise SchemaError(f"{source}: declared as {endpoint}, but the body holds {what}", url=source)
    return kind


@dataclass
class _Prepared:
    rows: list[dict[str, Any]]  # snapshot rows
    objects: dict[str, tuple[str, bytes]]  # key -> (kind, json)
    providers: dict[str, tuple[str, bytes]]  # key -> (slug, json)
    endpoint_rows: pa.Table  # with ``_sid``, the snapshot id of each row (dropped before writing)


class EndpointStore:
    """Endpoint and provider snapshots on a store's Delta layout (the facade checks arguments).

    Args:
        layout: the store's :class:`~orcatalog.store.delta.DeltaLayout`; the four tables are
            registered on it, so its commits, retries and vacuum serve them too.
        auto_compact: optimize a table with more than this many files after a write (None: never).
        version: the orcatalog version written into each snapshot row.
    """

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
            table = dt.to_pyarrow_dataset().to_table(columns=columns, filter=filt)
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
        t = self._read(name, ["key", "raw"])
        if t is None:
            return {}
        out: dict[str, str] = {}
        for k, r in zip(t.column("key").to_pylist(), t.column("raw").to_pylist()):
            if isinstance(r, str) and _key(r.encode()) == k:  # its content address
                out[k] = r
        return out

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
            owner = np.repeat(np.array(members, dtype=np.int64), n)
            position = np.concatenate([np.arange(k) for k in n]) if n else np.zeros(0, dtype=np.int64)
            cols: dict[str, Any] = {
                "scope": [snap_rows[j]["scope"] for j in owner],
                "fetched_at": [snap_rows[j]["fetched_at"] for j in owner],
                "month": [f"{snap_rows[j]['fetched_at']:%Y-%m}" for j in owner],
                "model_id": frame["model_id"].astype(object).where(frame["model_id"].notna(), None).tolist(),
                "provider_name": frame["provider_name"].astype(object).tolist(),
                "tag": frame["tag"].astype(object).tolist(),
                "position": position.astype(np.int32),
                "template": [k for j in members for k in per_body[j][1]],
            }
            for c in ROW_COLUMNS:
                s = frame[c] if c in frame.columns else pd.Series([None] * len(frame))
                cols[c] = s.astype(object).where(s.notna(), None).tolist()
            matrix = np.array([v for j in members for v in per_body[j][2]], dtype=float).reshape(-1, len(STATS))
            for ci, c in enumerate(STAT_COLUMNS):
                cols[c] = matrix[:, ci]
            table = pa.table(cols, schema=ROWS_SCHEMA)
            sids = pa.array([snap_rows[j]["snapshot_id"] for j in owner], pa.string())
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

    def _committed(self, rows: list[dict[str, Any]]) -> list[bool]:
        """Which snapshot rows are committed: a providers snapshot (or an endpoints one without
        endpoints) by its row, an endpoints snapshot by its endpoint rows (the append after it)."""
        wanted = [r for r in rows if r["kind"] == "endpoints" and r["n_items"]]
        found: dict[tuple[str, pd.Timestamp], int] = {}
        if wanted:
            months = sorted({f"{r['fetched_at']:%Y-%m}" for r in wanted})
            scopes = sorted({r["scope"] for r in wanted})
            filt = ds.field("month").isin(months) & ds.field("scope").isin(scopes)
            got = self._read("endpoints", ["scope", "fetched_at"], filt)
            if got is not None and len(got):
                counts = got.group_by(["scope", "fetched_at"]).aggregate([([], "count_all")]).to_pylist()
                found = {(c["scope"], pd.Timestamp(c["fetched_at"])): c["count_all"] for c in counts}
        return [
            r["kind"] != "endpoints"
            or not r["n_items"]
            or found.get((r["scope"], pd.Timestamp(r["fetched_at"])), 0) >= r["n_items"]
            for r in rows
        ]

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
        from .delta import VACUUM_RETENTION_HOURS

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
        caller holds :meth:`.delta.DeltaLayout.compacting` (one compaction at a time)."""
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

    # -- reading ---------------------------------------------------------------------------

    def _snapshot_row(self, snapshot_id: str) -> dict[str, Any]:
        t = self._read("endpoint_snapshots")
        if t is not None:
            hit = t.filter(pc.equal(t.column("snapshot_id"), snapshot_id))
            if len(hit):
                return hit.slice(0, 1).to_pylist()[0]  # type: ignore[no-any-return]
        raise SnapshotNotFoundError(f"no endpoints or providers snapshot {snapshot_id!r} in {self.layout.root}")

    def raw(self, snapshot_id: str) -> dict[str, Any]:
        """The body of a snapshot, JSON-equal to the one received (its SHA-256 checked).

        Raises:
            SnapshotNotFoundError; StoreDamagedError (an object or row is missing or damaged).
        """
        row = self._snapshot_row(snapshot_id)
        objects = self._objects("endpoint_objects")
        if row["top"] not in objects:
            raise StoreDamagedError(f"snapshot {snapshot_id}: its body object {row['top']} is missing or damaged")
        body = orjson.loads(objects[row["top"]])
        if row["kind"] == "providers":
            provs = self._objects("providers")
            lost = [k for k in row["items"] if k not in provs]
            if lost:
                raise StoreDamagedError(f"snapshot {snapshot_id}: provider objects {lost[:3]} are missing or damaged")
            body["data"] = [orjson.loads(provs[k]) for k in row["items"]]
        else:
            filt = ds.field("month") == f"{row['fetched_at']:%Y-%m}"
            when = pa.scalar(row["fetched_at"], _UTC)
            filt = filt & (ds.field("scope") == row["scope"]) & (ds.field("fetched_at") == when)
            got = self._read("endpoints", ["position", *STAT_COLUMNS], filt)
            if row["items"] and (got is None or not len(got)):  # the write never committed its rows
                raise SnapshotNotFoundError(f"no endpoints snapshot {snapshot_id!r} in {self.layout.root}")
            by_pos: dict[int, dict[str, float]] = {}
            if got is not None:
                for rec in got.to_pylist():
                    by_pos.setdefault(rec["position"], rec)
            endpoints = []
            for pos, k in enumerate(row["items"]):
                if k not in objects or pos not in by_pos:
                    raise StoreDamagedError(f"snapshot {snapshot_id}: endpoint #{pos} is missing or damaged")
                endpoints.append(_join(orjson.loads(objects[k]), by_pos[pos]))
            if isinstance(body.get("data"), dict):
                body["data"]["endpoints"] = endpoints
            else:
                body["data"] = endpoints
        if hashlib.sha256(orjson.dumps(body)).hexdigest()[:32] != row["content_hash"]:
            raise StoreDamagedError(f"snapshot {snapshot_id} does not read back equal to its body (damaged store)")
        return body  # type: ignore[no-any-return]

    def _read_models(
        self,
        columns: list[str],
        models: list[str],
        months: list[tuple[str, str, str]],
        providers: pa.Array | None = None,
    ) -> pa.Table | None:
        """``endpoints`` rows of ``models`` in the months allowed by ``months`` (tuple filters),
        reading only what can hold them: the files whose per-file statistics in the Delta log allow
        one of the models (a sorted month keeps each model in about one file, :func:`_sort_month`),
        then the row groups whose Parquet statistics do (rows are sorted by model in every file).
        On local disk the rows of other ``providers`` (lower-cased names or tags, see
        :func:`_provider_hit`) are dropped file by file too; the caller filters them either way.

        Raises:
            StoreDamagedError: a data file cannot be read.
        """
        dt = self.layout.table("endpoints")
        if dt is None:
            return None
        wanted = sorted(set(models))  # the models asked for, each once
        predicate: list[tuple[str, str, Any]] = [("model_id", "in", wanted), *months]
        try:
            if self.layout.local:  # the files straight from disk, their row groups chosen here
                parts = set(dt.metadata().partition_columns)
                fields = {f.name: f for f in pa.schema(dt.schema().to_arrow()) if f.name not in parts}
                schema = pa.schema([fields[c] for c in columns])
                uris = dt.file_uris(file_pruning_predicate=predicate)
                _log_files_read(dt, len(uris), len(wanted))
                tables = [_read_row_groups(u, schema, wanted, providers) for u in uris]
                return pa.concat_tables(tables) if tables else schema.empty_table()
            data = dt.to_pyarrow_dataset(file_pruning_predicate=predicate)
            if logger.isEnabledFor(logging.DEBUG):
                _log_files_read(dt, sum(1 for _ in data.get_fragments()), len(wanted))
            rows = ds.field("model_id").isin(models)
            return data.to_table(columns=columns, filter=rows)  # an object store: threads overlap the requests
        except delta_failures("read") as exc:
            raise map_delta(exc, "read", self.layout.uris["endpoints"], self.layout.secrets) from exc

    def history(
        self,
        model: list[str] | None,
        provider: list[str] | None,
        start: pd.Timestamp | None,
        end: pd.Timestamp | None,
        columns: list[str] | None = None,
    ) -> pd.DataFrame:
        """Long form, one row per (committed snapshot, endpoint); see ``SnapshotStore.endpoint_history``."""
        months = []  # partition values select files exactly
        if start is not None:
            months.append(("month", ">=", f"{start:%Y-%m}"))
        if end is not None:
            months.append(("month", "<=", f"{end:%Y-%m}"))
        key = ["fetched_at", "model_id", "provider_name", "tag"]
        every = [f.name for f in ROWS_SCHEMA if f.name not in ("scope", "month", "template", "position", *key)]
        if columns is not None:
            unknown = [c for c in columns if c not in every and c not in key]
            if unknown:
                raise InvalidParameterError(f"unknown column(s) {unknown}; endpoint_history has {every}")
        wanted = key + [c for c in (every if columns is None else columns) if c not in key]
        low = pa.array([p.lower() for p in provider], pa.string()) if provider is not None else None
        if model is not None:
            got = self._read_models(wanted, model, months, low)
        else:
            filt = None
            for column, op, value in months:
                f = ds.field(column) >= value if op == ">=" else ds.field(column) <= value
                filt = f if filt is None else filt & f
            got = self._read("endpoints", wanted, filt)
        table = got if got is not None else ROWS_SCHEMA.empty_table().select(wanted)
        if low is not None:
            table = table.filter(_provider_hit(table, low))
        # every row is committed: its append was the commit
        if start is not None:
            table = table.filter(pc.greater_equal(table.column("fetched_at"), pa.scalar(start.to_pydatetime(), _UTC)))
        if end is not None:
            table = table.filter(pc.less_equal(table.column("fetched_at"), pa.scalar(end.to_pydatetime(), _UTC)))
        table = table.sort_by([("model_id", "ascending"), ("tag", "ascending"), ("fetched_at", "ascending")])
        table = _first_of_each(table, ["model_id", "tag", "fetched_at"])  # zdr and model bodies
        order = ["fetched_at", "model_id", "provider_name", "tag"]
        table = table.select(order + [c for c in table.column_names if c not in order])
        categories = [c for c in ("model_id", "provider_name", "tag", "quantization") if c in table.column_names]
        for c in categories:
            table = table.set_column(table.column_names.index(c), c, _category(table.column(c)))
        frame = table.to_pandas()
        frame["fetched_at"] = frame["fetched_at"].astype("datetime64[us, UTC]")
        for c in ("status", "context_length"):
            if c in frame.columns:
                frame[c] = frame[c].astype("Int64")
        for c in categories:
            if not isinstance(frame[c].dtype, pd.CategoricalDtype):  # no value to encode (see _category)
                frame[c] = frame[c].astype("category")
        return frame

    def providers_history(self) -> pd.DataFrame:
        """One row per (providers snapshot, provider): the providers contract plus ``fetched_at``."""
        m = self.manifest()
        m = m[m["kind"] == "providers"]
        t = self._read("endpoint_snapshots")
        provs = self._objects("providers")
        parts = []
        for sid, when in zip(m["snapshot_id"], m["fetched_at"]):
            row = t.filter(pc.equal(t.column("snapshot_id"), sid)).slice(0, 1).to_pylist()[0]  # type: ignore[union-attr]
            lost = [k for k in row["items"] if k not in provs]
            if lost:
                raise StoreDamagedError(f"snapshot {sid}: provider objects {lost[:3]} are missing or damaged")
            frame = providers_frame({"data": [orjson.loads(provs[k]) for k in row["items"]]})
            frame.insert(0, "snapshot_id", sid)
            frame.insert(0, "fetched_at", when)
            parts.append(frame)
        if not parts:
            empty = providers_frame({"data": []})
            empty.insert(0, "snapshot_id", pd.Series([], dtype=object))
            empty.insert(0, "fetched_at", pd.Series([], dtype="datetime64[us, UTC]"))
            return empty
        return pd.concat(parts, ignore_index=True)


#: Rows per Parquet row group of ``endpoints``: small enough that one endpoint's series skips most.
ROW_GROUP_ROWS = 4096
#: Bytes per file of a sorted ``endpoints`` month: each file holds a range of models, so one
#: model's series opens about one file a month (the log's per-file statistics skip the others).
SORTED_FILE_BYTES = 1 << 20


def _category(column: pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """A string column dictionary-encoded as pandas' ``astype("category")`` encodes it, so that
    ``to_pandas()`` gives that categorical without a Python string per row: the distinct non-null
    values sorted (UTF-8 byte order is code-point order), null as no category. A column without a
    value is returned as it is (pandas' categories of nothing have another dtype; the caller
    converts it)."""
    values = pc.unique(column).drop_null()
    if not len(values):
        return column
    values = values.take(pc.sort_indices(values))
    return pa.DictionaryArray.from_arrays(pc.index_in(column, value_set=values).combine_chunks(), values)


def _first_of_each(table: pa.Table, key: list[str]) -> pa.Table:
    """The first row of each run of rows equal in ``key`` (null equal to null): on a table sorted by
    ``key``, its rows without duplicates (one endpoint seen at one time in a zdr and a model body)."""
    if table.num_rows < 2:
        return table
    same = None
    for name in key:
        column = table.column(name)
        a, b = column.slice(1), column.slice(0, table.num_rows - 1)
        equal = pc.fill_null(pc.equal(a, b), pc.and_(pc.is_null(a), pc.is_null(b)))
        same = equal if same is None else pc.and_(same, equal)
    keep = pa.chunked_array([pa.array([True]), *pc.invert(same).chunks])
    return table.filter(keep)


def _log_files_read(dt: Any, read: int, n_models: int) -> None:
    """Say at DEBUG level how many ``endpoints`` data files a read of ``n_models`` model(s) opens of
    the table's live files (what the log's per-file statistics let it skip; a bench and a test
    read it). Costs nothing unless DEBUG is on for ``orcatalog.store``."""
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("endpoints: reading %d of %d files for %d model(s)", read, len(dt.file_uris()), n_models)


def _in(column: pa.ChunkedArray, values: pa.Array, lower: bool = False) -> pa.ChunkedArray:
    """Per row, whether a string column's value (lower-cased first with ``lower``) is one of
    ``values``: never null (a null value is not in ``values``). A dictionary-encoded chunk is
    tested once per dictionary entry and the answers taken by its indices (a file's
    ``model_id`` holds a few dozen distinct strings over thousands of rows)."""
    chunks = []
    for chunk in column.chunks:
        if pa.types.is_dictionary(chunk.type):
            words = pc.utf8_lower(chunk.dictionary) if lower else chunk.dictionary
            hit = pc.take(pc.is_in(words, value_set=values), chunk.indices)
            chunks.append(pc.fill_null(hit, False) if chunk.null_count else hit)
        else:
            chunks.append(pc.is_in(pc.utf8_lower(chunk) if lower else chunk, value_set=values))
    return pa.chunked_array(chunks, pa.bool_())


def _provider_hit(table: pa.Table, low: pa.Array) -> pa.ChunkedArray:
    """The provider rule of ``endpoint_history(provider=...)``, in one place: a row is kept when its
    ``provider_name`` or its ``tag``, lower-cased, is one of ``low`` (the names asked, lower-cased)."""
    return pc.or_(_in(table.column("provider_name"), low, lower=True), _in(table.column("tag"), low, lower=True))


def _read_row_groups(path: str, schema: pa.Schema, models: list[str], providers: pa.Array | None = None) -> pa.Table:
    """The rows of ``models`` (sorted) in one local ``endpoints`` file, as ``schema``: only the row
    groups whose ``model_id`` statistics can hold one of them are read (a sorted month keeps a
    model in a row group or two of a file), without threads (a row group or two per file: threads
    cost more than they share, 3x on a loaded machine), without a dataset (its set-up per file
    cost as much as the reading). A row group without string statistics is read whole. The
    string columns are read dictionary-encoded (decoding thousands of repeated ids cost more than
    the rest of the read) and decoded only for the rows kept; with ``providers`` (lower-cased),
    only the rows :func:`_provider_hit` keeps. No pre-buffering: on local disk it only hands the
    reads to Arrow's I/O threads (a fifth of a file's read, measured).

    Raises:
        pa.ArrowException, OSError: the file cannot be read.
    """
    import bisect

    import pyarrow.parquet as pq

    strings = [f.name for f in schema if f.type == pa.string()]
    file = pq.ParquetFile(path, read_dictionary=strings, pre_buffer=False)  # local: nothing to coalesce
    meta = file.metadata
    names = meta.schema.names
    at = names.index("model_id") if "model_id" in names else None
    groups = []
    for i in range(meta.num_row_groups):
        stats = meta.row_group(i).column(at).statistics if at is not None else None
        low = stats.min if stats is not None and stats.has_min_max else None
        high = stats.max if stats is not None and stats.has_min_max else None
        if type(low) is not str or type(high) is not str:
            groups.append(i)
            continue
        j = bisect.bisect_left(models, low)  # the first wanted model >= low
        if j < len(models) and models[j] <= high:
            groups.append(i)
    present = [c for c in schema.names if c in names]
    table = file.read_row_groups(groups, columns=present, use_threads=False)
    for name in schema.names:  # a column the file was written without (an older schema) reads as null
        if name not in present:
            table = table.append_column(name, pa.nulls(table.num_rows, schema.field(name).type))
    keep = _in(table.column("model_id"), pa.array(models, pa.string()))
    if providers is not None:
        keep = pc.and_(keep, _provider_hit(table, providers))
    return table.filter(keep).select(schema.names).cast(schema)


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

    from ..errors import SnapshotConflictError

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


def _row_writer(stats: bool = True) -> Any:
    """How ``endpoints`` and ``endpoint_snapshots`` files are written: zstd, small row groups,
    and the statistics columns byte-stream-split (noisy floats compress better that way)."""
    from deltalake import ColumnProperties, WriterProperties

    floats = ColumnProperties(dictionary_enabled=False, encoding="BYTE_STREAM_SPLIT")
    return WriterProperties(
        compression="ZSTD",
        compression_level=9,
        max_row_group_size=ROW_GROUP_ROWS,
        column_properties={c: floats for c in STAT_COLUMNS} if stats else None,
    )


def _endpoints_path(model_id: str) -> str:
    from ..fetch.endpoints import endpoints_path

    return endpoints_path(model_id)


class EndpointHistory:
    """The endpoint and provider methods of :class:`orcatalog.SnapshotStore` (a mixin: the store
    keeps one class, this module keeps the rules)."""

    root: str
    layout: str
    auto_compact: int | None
    _delta: Any
    _layout_asked: str

    def _endpoints(self) -> EndpointStore:
        """The endpoint tables of this store (Delta layout only).

        Raises:
            StoreError: a parquet-layout store (names ``orcatalog migrate``).
        """
        from ..errors import StoreError

        if self._delta is None and self._layout_asked == "auto" and _empty_parquet(self):
            self._use_delta()
        if self._delta is None:
            raise StoreError(
                f"the store at {self.root} uses the parquet layout, and endpoint and provider history "
                f"needs the Delta layout: copy it with `orcatalog migrate {self.root} NEW` and record into NEW"
            )
        cached = getattr(self, "_endpoint_store", None)
        if cached is None:
            from .. import __version__

            cached = EndpointStore(self._delta.layout, self.auto_compact, __version__)
            self._endpoint_store = cached
        return cached

    def _use_delta(self) -> None:
        from .delta import DeltaLayout, DeltaStore

        files = self._layout  # type: ignore[attr-defined]
        delta = DeltaLayout(self.root, files, self._storage_options, self._waits)  # type: ignore[attr-defined]
        from .. import __version__

        self._delta = DeltaStore(delta, self.auto_compact, __version__)
        self.layout = "delta"

    def snapshot_endpoints(
        self,
        model_id: str | None = None,
        *,
        models: Any = None,
        zdr: bool = False,
        client: Any = None,
        concurrency: int | None = None,
        refresh: bool = False,
        progress: bool | None = None,
    ) -> pd.DataFrame:
        """Fetch the endpoints of one model (or of ``models``, on a bounded pool) and record them:
        one snapshot per model body, in the model's own scope (``/models/{author}/{slug}/endpoints``);
        or, with ``zdr=True``, ``GET /endpoints/zdr`` as one snapshot in its own scope
        (``/endpoints/zdr``, an endpoints snapshot even when the list is empty).

        Args:
            model_id: ``author/slug``.
            models: a models frame (its ``id`` column) or a list of ids (instead of ``model_id``).
            zdr: record every zero-data-retention endpoint instead (one request).
            client: an :class:`orcatalog.Client` (default the environment-configured one).
            concurrency: requests in flight for ``models`` (default
                :data:`orcatalog.fetch.endpoints.DEFAULT_CONCURRENCY`).
            refresh: bypass the HTTP cache.
            progress: progress bar for ``models``.

        Returns:
            The endpoints frame as ``fetch_endpoints(models=...)`` gives it (an ``error`` row per
            model that could not be fetched: nothing is recorded for it), or as
            ``fetch_endpoints(model_id)`` / ``fetch_endpoints(zdr=True)`` give it;
            ``attrs["snapshot_ids"]`` holds the recorded snapshot ids.

        Raises:
            InvalidParameterError (before any request); with ``model_id`` or ``zdr``, the fetch
            error (NotFoundError...), nothing written; SchemaError; StoreError (parquet layout: run
            ``orcatalog migrate``); StoreWriteError; SnapshotConflictError.
        """
        from ..fetch.endpoints import DEFAULT_CONCURRENCY, _client, _model_ids, _provenance, fetch_many, many_frame
        from ..frames.endpoints import endpoints_body_frame

        if zdr not in (True, False):
            raise InvalidParameterError(f"zdr must be True or False, got {zdr!r}")
        if [model_id is not None, models is not None, zdr].count(True) != 1:
            raise InvalidParameterError("give exactly one of model_id, models= or zdr=True")
        store = self._endpoints()
        c = _client(client)
        if zdr:
            one = c._get(
                ZDR_PATH, None, headers=c._headers(None), retries=None, refresh=refresh, check=endpoints_body_frame
            )
            when = pd.Timestamp(one.fetched_at).tz_convert("UTC")
            kind = _kind(one.body, one.url, ZDR_PATH)
            written = store.write([EndpointBody(one.url, when, one.body, kind, c.base_url, endpoint=ZDR_PATH)])
            frame: pd.DataFrame = one.checked
            _provenance(frame, [one], c.base_url, ZDR_PATH)
            frame.attrs["url"] = one.url
            frame.attrs["snapshot_ids"] = written
            return frame
        ids = _model_ids([model_id] if model_id is not None else models)
        fetched, failed = fetch_many(
            c, ids, concurrency=concurrency or DEFAULT_CONCURRENCY, refresh=refresh, progress=progress
        )
        if model_id is not None and failed:
            raise next(iter(failed.values()))
        items = [
            EndpointBody(f.url, pd.Timestamp(f.fetched_at).tz_convert("UTC"), f.body, "endpoints", c.base_url)
            for f in (fetched[i] for i in ids if i in fetched)
        ]
        written = store.write(items)
        frame = many_frame(fetched, failed, ids)
        if model_id is not None:
            frame = frame.drop(columns=["error"])
        frame.attrs["snapshot_ids"] = written
        return frame

    def snapshot_providers(self, client: Any = None, *, refresh: bool = False) -> pd.DataFrame:
        """Fetch ``GET /providers`` and record it (scope ``/providers``).

        Returns:
            The providers frame as ``fetch_providers`` gives it; ``attrs["snapshot_id"]``.

        Raises:
            Fetch errors as ``fetch_providers``; StoreError (parquet layout); StoreWriteError.
        """
        from ..fetch.endpoints import _client

        store = self._endpoints()
        c = _client(client)
        one = c._get("/providers", None, headers=c._headers(None), retries=None, refresh=refresh, check=providers_frame)
        when = pd.Timestamp(one.fetched_at).tz_convert("UTC")
        written = store.write([EndpointBody(one.url, when, one.body, "providers", c.base_url, endpoint=PROVIDERS_PATH)])
        frame: pd.DataFrame = one.checked
        frame.attrs["snapshot_id"] = written[0]
        return frame

    def import_endpoints(
        self,
        paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
        *,
        fetched_at: Any = None,
        base_url: str | None = None,
        endpoint: str | None = None,
    ) -> list[str]:
        """Backfill recorded ``/models/{author}/{slug}/endpoints``, ``/endpoints/zdr`` and
        ``/providers`` bodies (``.json``, ``.json.gz``, tar archives, folders; ``models-count``
        files are skipped), dated by ``fetched_at`` (one body; a file name whose time contradicts
        it gets an :class:`~orcatalog.errors.OrcatalogWarning` naming both) or by the time in their
        names; a file that is no such body is refused as such before its time is asked for.
        Importing the same body at the same time again is a no-op.

        Which endpoint a body came from is declared by its name (``endpoints-<author>--<slug>-<time>``,
        ``endpoints-zdr-<time>``, ``providers-<time>``) or by ``endpoint`` (``"/endpoints/zdr"``,
        ``"/providers"`` or a model's ``"/models/{author}/{slug}/endpoints"``), and checked against
        the body; an undeclared body is told by its shape, except an empty list (``{"data": []}``
        answers both ``/endpoints/zdr`` and ``/providers``), which is refused.

        Returns:
            The snapshot ids, in the order read.

        Raises:
            InvalidParameterError: a body without a time, a bad ``endpoint``, an empty body of no
            declared endpoint (nothing written); SchemaError (also a body that is not what was
            declared; nothing written); SnapshotConflictError: two different bodies of one scope
            and time; StoreError (parquet layout); FileNotFoundError; StoreWriteError.
        """
        items = read_endpoint_files(paths, fetched_at, answered_base_url(base_url), endpoint)
        return self._endpoints().write(items)

    def import_endpoint_bodies(
        self, bodies: Iterable[tuple[Any, Any]], *, base_url: str | None = None, endpoint: str | None = None
    ) -> list[str]:
        """Record endpoints or providers bodies held in memory: ``(fetched_at, body)`` pairs, body as
        dict, str or bytes, as one write; ``endpoint`` declares where every one came from (as in
        :meth:`import_endpoints`; undeclared, the kind is told by the shape and an empty list is refused).

        Returns:
            The snapshot ids in the order given. Raises as :meth:`import_endpoints`.
        """
        _check_endpoint(endpoint)
        base_url = answered_base_url(base_url)
        items = []
        for i, (when, body) in enumerate(bodies):
            parsed = orjson.loads(body) if isinstance(body, (bytes, str)) else body
            kind = _kind(parsed, f"body #{i}", endpoint)
            items.append(EndpointBody(f"body #{i}", utc(when, "fetched_at"), parsed, kind, base_url, endpoint=endpoint))
        return self._endpoints().write(items)

    def endpoint_history(
        self,
        model: str | Iterable[str] | None = None,
        provider: str | Iterable[str] | None = None,
        *,
        start: Any = None,
        end: Any = None,
        columns: str | Iterable[str] | None = None,
    ) -> pd.DataFrame:
        """Endpoint prices and statistics over time: one row per (endpoint snapshot, endpoint).

        Args:
            model: model id(s) to keep (default all).
            provider: provider name(s) or tag(s) to keep, case-insensitive (``"Amazon Bedrock"``
                or ``"amazon-bedrock/eu-west-1"``).
            start, end: keep snapshots fetched in [start, end] (UTC unless stated).
            columns: the columns to read (default all); ``fetched_at``, ``model_id``,
                ``provider_name`` and ``tag`` are always there. Fewer columns read faster.

        Returns:
            Sorted by ``model_id``, ``tag``, ``fetched_at``: ``fetched_at`` (UTC), ``model_id``,
            ``provider_name``, ``tag``, ``quantization``, ``context_length``
            (tokens), ``status``, ``discount``, prices in USD per million tokens
            (``*_usd_per_mtok``, effective after the discount) and ``price_<key>`` (USD per token,
            request, image or search), ``uptime_last_5m/30m/1d`` (percent), ``latency_p50..p99``
            (milliseconds, time to first token), ``throughput_p50..p99`` (tokens per second).
            Empty when nothing matches.

        Raises:
            InvalidParameterError: bad times or names; SnapshotNotFoundError (no store there);
            StoreError (parquet layout).
        """
        from .queries import names

        models = names("model", model) if model is not None else None
        providers = names("provider", provider) if provider is not None else None
        wanted = names("columns", columns) if columns is not None else None
        start = utc(start, "start") if start is not None else None
        end = utc(end, "end") if end is not None else None
        self._require()  # type: ignore[attr-defined]
        return self._endpoints().history(models, providers, start, end, wanted)

    def endpoint_snapshots(self) -> pd.DataFrame:
        """The recorded endpoints and providers snapshots, oldest first: ``snapshot_id`` (for
        :meth:`raw`), ``fetched_at`` (UTC), ``kind`` (``endpoints`` or ``providers``), ``scope``,
        ``model_id`` (null for ``/endpoints/zdr`` and providers), ``base_url``, ``endpoint``,
        ``source``, ``time_precision``, ``n_items`` (endpoints or providers in the body),
        ``content_hash`` (SHA-256 prefix of the body's JSON), ``orcatalog_version``.

        Raises:
            SnapshotNotFoundError (no store there); StoreError (parquet layout).
        """
        self._require()  # type: ignore[attr-defined]
        return self._endpoints().snapshots()

    def providers_history(self) -> pd.DataFrame:
        """Every recorded ``/providers`` snapshot: one row per (snapshot, provider), the providers
        contract with ``fetched_at`` (UTC) and ``snapshot_id`` first.

        Raises:
            SnapshotNotFoundError (no store there); StoreError (parquet layout).
        """
        self._require()  # type: ignore[attr-defined]
        return self._endpoints().providers_history()


def _empty_parquet(store: Any) -> bool:
    """A local store folder with no data yet (a new store may still take the Delta layout)."""
    from .layout import FOLDERS

    files = store._layout
    if not files.local:
        return False
    try:
        return not any(n in FOLDERS for n in os.listdir(files.base))
    except FileNotFoundError:
        return True
