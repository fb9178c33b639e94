"""SnapshotStore: every catalog snapshot kept losslessly, stored as what changes, queryable fast.

Layout under the root (local folder or any fsspec URL such as ``s3://bucket/prefix``), all
parquet, readable without orcatalog (see ``data/README.md``)::

    manifest/<batch>.parquet   one row per snapshot: id, fetched_at (UTC), scope, counts, hashes
    versions/<batch>.parquet   each distinct model object once: version hash, raw JSON, contract columns
    spans/<batch>.parquet      which snapshots of the batch hold each version: runs [first_seq, last_seq]
    orders/<batch>.parquet     per snapshot, the body's model order (list of version hashes)

A *batch* is one write (one ``snapshot()`` or one ``import_files`` call). Its manifest file is
written last, by an atomic rename: a batch without a manifest does not exist for readers, so a
writer killed mid-write leaves the store as it was. A model object that does not change is stored
once, however many snapshots hold it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import socket
import time
import uuid
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa

from .frames import bodies
from .frames.bodies import dated_name, time_from_name
from .frames.models import check_body, models_frame
from .errors import (
    InvalidParameterError,
    SchemaError,
    SnapshotConflictError,
    SnapshotNotFoundError,
    StoreError,
    StoreWriteError,
)
from .schema import SCHEMA_VERSION
from .scope import CATALOG_SCOPE, scope_of

__all__ = ["SnapshotStore", "CATALOG_SCOPE", "time_from_name"]

logger = logging.getLogger(__name__)

_ORDER_ROW_GROUP = 64


@dataclass
class _Body:
    source: str
    fetched_at: pd.Timestamp
    body: dict[str, Any]
    scope: str
    base_url: str | None
    endpoint: str
    query: dict[str, str]
    key_fingerprint: str | None = None
    time_precision: str = "second"


def _utc(value: Any, name: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(f"{name}={value!r} is not a time: {exc}") from None
    if ts is pd.NaT:
        raise InvalidParameterError(f"{name} must be a time, got NaT")
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _content_hash(order: list[str], top_level: str) -> str:
    digest = hashlib.sha256(top_level.encode())
    for v in order:
        digest.update(v.encode())
    return digest.hexdigest()


def _version_of(model: dict[str, Any]) -> tuple[str, bytes]:
    raw = orjson.dumps(model)
    return hashlib.sha256(raw).hexdigest()[:32], raw


def _spans(orders: list[list[str]]) -> tuple[list[str], list[int], list[int]]:
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


class SnapshotStore:
    """A reproducible record of the catalog over time.

    Args:
        root: a folder or fsspec URL (``s3://bucket/prefix``); default ``$ORCATALOG_DATA_DIR``
            or ``./data``.
        storage_options: passed to fsspec (e.g. ``{"client_kwargs": {"endpoint_url": ...}}``).
        auto_compact: after a write, merge all batches when there are more than this many
            (see :meth:`compact`); None turns it off.

    Raises:
        InvalidParameterError: root is not a string or path.
    """

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        *,
        storage_options: dict[str, Any] | None = None,
        auto_compact: int | None = 64,
    ) -> None:
        import fsspec

        if auto_compact is not None and (isinstance(auto_compact, bool) or not isinstance(auto_compact, int) or auto_compact < 2):
            raise InvalidParameterError(f"auto_compact must be an int >= 2 or None, got {auto_compact!r}")
        self.auto_compact = auto_compact

        if root is None:
            root = os.environ.get("ORCATALOG_DATA_DIR") or "./data"
        if not isinstance(root, (str, os.PathLike)) or not os.fspath(root).strip():
            raise InvalidParameterError(f"root must be a folder or URL, got {root!r}")
        self.root = os.fspath(root)
        self._storage_options = dict(storage_options or {})
        self._fs, self._base = fsspec.core.url_to_fs(self.root, **self._storage_options)
        self._base = self._base.rstrip("/")
        self._local = "file" in (self._fs.protocol if isinstance(self._fs.protocol, tuple) else (self._fs.protocol,))
        self._cache: tuple[tuple[str, ...], dict[str, Any]] | None = None

    def __repr__(self) -> str:
        return f"SnapshotStore(root={self.root!r})"

    # -- paths: the only place that builds them --------------------------------------------------

    def _path(self, kind: str, batch: str) -> str:
        if not re.fullmatch(r"[0-9A-Za-z_-]+", batch):
            raise StoreError(f"invalid batch name {batch!r}")
        return f"{self._base}/{kind}/{batch}.parquet"

    def _claim_path(self, snapshot_id: str) -> str:
        if not re.fullmatch(r"[0-9A-Za-z_-]+", snapshot_id):
            raise StoreError(f"invalid snapshot id {snapshot_id!r}")
        return f"{self._base}/claims/{snapshot_id}"

    def _batches(self) -> list[str]:
        folder = f"{self._base}/manifest"
        self._fs.invalidate_cache(folder)  # object-store listings are cached; other writers add batches
        try:
            names = self._fs.ls(folder, detail=False)
        except FileNotFoundError:
            return []
        out = []
        for name in names:
            base = name.rstrip("/").rsplit("/", 1)[-1]
            if base.endswith(".parquet") and not base.startswith("."):
                out.append(base[: -len(".parquet")])
        return sorted(out)

    # -- writing -------------------------------------------------------------------------------

    def snapshot(self, client: Any = None, *, user: bool = False, api_key: str | None = None, **filters: Any) -> pd.DataFrame:
        """Fetch the catalog now (all output modalities, all pages) and record it.

        Args:
            client: an :class:`orcatalog.Client`; default the environment-configured one.
            user: record ``GET /models/user`` (the key's own list) instead of ``/models``; the
                snapshot is tagged with the key's fingerprint, never the key.
            api_key: the key for ``user=True`` (default the client's).
            filters: list filters as in ``fetch_models``. A filtered, regional or per-key
                snapshot gets its own ``scope`` and is never compared with the catalog by default.

        Returns:
            The snapshot as a contract frame (``attrs`` carry ``snapshot_id``, ``fetched_at``, ``scope``).

        Raises:
            Any fetch error or InvalidParameterError (nothing is written then); StoreWriteError,
            SnapshotConflictError.
        """
        from .fetch.client import default_client

        client = client or default_client()
        body, meta = client.fetch_body(user=user, api_key=api_key, **filters)
        _check_whole(meta["url"], body)
        item = _Body(
            source="fetch",
            fetched_at=pd.Timestamp(meta["fetched_at"]).tz_convert("UTC"),
            body=body,
            scope=meta["scope"],
            base_url=client.base_url,
            endpoint=meta["endpoint"],
            query=meta["params"],
            key_fingerprint=meta["key_fingerprint"],
        )
        ids = self._write([item])
        return self.load(ids[0])

    def import_files(
        self,
        paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
        *,
        fetched_at: Any = None,
        base_url: str | None = None,
        progress: bool | None = None,
    ) -> list[str]:
        """Backfill from raw ``/models`` bodies: ``.json``, ``.json.gz``, tar archives of them, or folders.

        The fetch time comes from ``fetched_at`` (only for a single body), else from an ISO time
        in the file name (``models-2026-01-03T231610Z.json`` or ``models-2025-12-18.json.gz``),
        else the import fails: never silently "now". Every body is checked before anything is
        written; importing the same body at the same time again is a no-op.

        Args:
            paths: one path or several.
            fetched_at: the fetch time (UTC unless it says otherwise) when there is one body.
            base_url: the API the bodies came from (default: the public API, scope ``catalog``).
            progress: show a progress bar (default: only on a terminal).

        Returns:
            The snapshot ids, in time order (including those that were already there).

        Raises:
            InvalidParameterError: no time for a body, or fetched_at given for several bodies.
            SchemaError: a body is not a models list (named in the message).
            FileNotFoundError; StoreWriteError; SnapshotConflictError.
        """
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        if not isinstance(paths, Iterable):
            raise InvalidParameterError(f"paths must be a path or a list of paths, got {paths!r}")
        paths = list(paths)
        if not all(isinstance(p, (str, os.PathLike)) for p in paths):
            raise InvalidParameterError(f"paths must be a path or a list of paths, got {paths!r}")
        files = list(bodies.expand(paths))
        when = _utc(fetched_at, "fetched_at") if fetched_at is not None else None
        items = list(_read_bodies(files, when, base_url, progress))
        if when is not None and len(items) != 1:
            raise InvalidParameterError(
                f"fetched_at applies to a single body, but {len(items)} were given; name the files with their times instead"
            )
        return self._write(items, progress=progress)

    def import_bodies(self, bodies: Iterable[tuple[Any, Any]], *, base_url: str | None = None,
                      progress: bool | None = None) -> list[str]:  # fmt: skip
        """Record bodies held in memory: ``(fetched_at, body)`` pairs, body as dict, str or bytes.

        Returns:
            The snapshot ids in time order. Raises as :meth:`import_files`.
        """
        items = []
        for i, (when, body) in enumerate(bodies):
            parsed = orjson.loads(body) if isinstance(body, (bytes, str)) else body
            items.append(_make_body(f"body #{i}", parsed, _utc(when, "fetched_at"), base_url))
        return self._write(items, progress=progress)

    def _write(self, items: list[_Body], progress: bool | None = None) -> list[str]:
        if not items:
            return []
        items = sorted(items, key=lambda b: b.fetched_at)
        tables = self._tables()
        known_versions: set[str] = tables["known_versions"]
        committed: set[str] = set(tables["manifest"]["snapshot_id"])
        new_versions: dict[str, tuple[str, bytes]] = {}
        rows: list[dict[str, Any]] = []
        orders: list[list[str]] = []
        ids: list[str] = []
        for item in _progress(items, "hashing", progress):
            order = []
            for m in item.body["data"]:
                v, raw = _version_of(m)
                order.append(v)
                if v not in known_versions and v not in new_versions:
                    new_versions[v] = (m["id"], raw)
            top = {k: val for k, val in item.body.items() if k != "data"}
            top_json = orjson.dumps(top).decode()
            chash = _content_hash(order, top_json)
            sid = f"{item.fetched_at:%Y%m%dT%H%M%SZ}-{chash[:12]}"
            ids.append(sid)
            if sid in committed or any(r["snapshot_id"] == sid for r in rows):
                continue  # the same body at the same time: already recorded
            rows.append(
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
                    "orcatalog_version": _version(),
                }
            )
            orders.append(order)
        if not rows:
            return ids
        batch = f"{pd.Timestamp.now(tz='UTC'):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:12]}"
        claims = self._claim([r["snapshot_id"] for r in rows])
        try:
            committed = set(self._tables()["manifest"]["snapshot_id"])  # re-read under the claims
            keep = [i for i, r in enumerate(rows) if r["snapshot_id"] not in committed]
            rows = [rows[i] for i in keep]
            orders = [orders[i] for i in keep]
            if rows:
                self._write_batch(batch, rows, orders, new_versions)
        finally:
            self._release(claims)
        self._cache = None
        self._warn_partial({r["snapshot_id"] for r in rows})
        if self.auto_compact is not None and len(self._batches()) > self.auto_compact:
            try:
                self.compact()
            except SnapshotConflictError:
                logger.info("another process is compacting %s; skipping", self.root)
        return ids

    def _warn_partial(self, written: set[str]) -> None:
        """Warn about the snapshots just written that :func:`partial` flags."""
        m = self._tables()["manifest"]
        flagged = m[m["snapshot_id"].isin(written) & m["partial"]]
        for row in flagged.itertuples():
            warnings.warn(f"orcatalog: snapshot {row.snapshot_id} ({row.scope}) has {row.n_models} models, far fewer "
                          "than the previous one: recorded but flagged partial (see snapshots())",
                          RuntimeWarning, stacklevel=4)  # fmt: skip

    def _claim(self, snapshot_ids: list[str]) -> list[str]:
        held: list[str] = []
        try:
            for sid in snapshot_ids:
                path = self._claim_path(sid)
                if not self._create_exclusive(path, _claim_text()):
                    if self._stale_claim(path):
                        self._fs.rm(path)
                        if self._create_exclusive(path, _claim_text()):
                            held.append(path)
                            continue
                    raise SnapshotConflictError(
                        f"snapshot {sid} is being written by another writer ({self._read_claim(path)}); "
                        "try again when it has finished"
                    )
                held.append(path)
        except BaseException:
            self._release(held)
            raise
        return held

    def _create_exclusive(self, path: str, text: str) -> bool:
        try:
            self._fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
            if self._local:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
                with os.fdopen(fd, "w") as fh:
                    fh.write(text)
                return True
            with self._fs.open(path, "xb") as fh:  # conditional put where the backend supports it
                fh.write(text.encode())
            return True
        except FileExistsError:
            return False
        except OSError as exc:
            raise StoreWriteError(f"cannot write to the store at {self.root}: {exc}") from exc

    def _read_claim(self, path: str) -> str:
        try:
            return self._fs.cat_file(path).decode(errors="replace")
        except (OSError, FileNotFoundError):
            return "unknown writer"

    def _stale_claim(self, path: str) -> bool:
        """A claim left by a writer that died: same host and its process is gone, or older than an hour."""
        try:
            info = json.loads(self._read_claim(path))
        except ValueError:
            return True
        if info.get("host") == socket.gethostname() and isinstance(info.get("pid"), int):
            try:
                os.kill(info["pid"], 0)
            except ProcessLookupError:
                return True
            except PermissionError:
                return False
            return False
        return time.time() - float(info.get("time", 0)) > 3600

    def _release(self, claims: list[str]) -> None:
        for path in claims:
            try:
                self._fs.rm(path)
            except (OSError, FileNotFoundError):
                logger.warning("could not remove claim %s", path)

    def _write_batch(self, batch: str, rows: list[dict[str, Any]], orders: list[list[str]],
                     new_versions: dict[str, tuple[str, bytes]] | pa.Table) -> None:  # fmt: skip
        sids = [r["snapshot_id"] for r in rows]
        versions, firsts, lasts = _spans(orders)
        if isinstance(new_versions, pa.Table):
            versions_table = new_versions
        else:
            referenced = set(versions)
            versions_table = _versions_table({v: new_versions[v] for v in new_versions if v in referenced})
        tables = {
            "versions": versions_table,
            "spans": pa.table(
                {
                    "version": pa.array(versions, pa.string()),
                    "first_seq": pa.array(firsts, pa.int32()),
                    "last_seq": pa.array(lasts, pa.int32()),
                    "first_snapshot_id": pa.array([sids[i] for i in firsts], pa.string()),
                    "last_snapshot_id": pa.array([sids[i] for i in lasts], pa.string()),
                }
            ),
            "orders": pa.table(
                {"snapshot_id": pa.array(sids, pa.string()), "seq": pa.array(range(len(sids)), pa.int32()),
                 "versions": pa.array(orders, pa.list_(pa.string()))}  # fmt: skip
            ),
        }
        manifest = pd.DataFrame(rows)
        manifest.insert(2, "seq", np.arange(len(rows), dtype=np.int32))
        manifest.insert(3, "batch", batch)
        manifest["fetched_at"] = pd.to_datetime(manifest["fetched_at"], utc=True).astype("datetime64[us, UTC]")
        tables["manifest"] = pa.Table.from_pandas(manifest, preserve_index=False, schema=_MANIFEST_SCHEMA)
        written: list[str] = []
        temps: list[str] = []
        try:
            for kind in ("versions", "spans", "orders", "manifest"):  # manifest last: the commit
                final = self._path(kind, batch)
                tmp = f"{final.rsplit('/', 1)[0]}/.tmp-{batch}-{kind}.parquet"
                self._fs.makedirs(final.rsplit("/", 1)[0], exist_ok=True)
                temps.append(tmp)
                with self._fs.open(tmp, "wb") as fh:
                    _pq().write_table(
                        tables[kind], fh, compression="zstd", compression_level=9,
                        row_group_size=_ORDER_ROW_GROUP if kind == "orders" else None,
                        use_dictionary=kind != "orders",
                    )  # fmt: skip
                    if self._local:
                        fh.flush()
                        os.fsync(fh.fileno())
                self._fs.mv(tmp, final)
                temps.remove(tmp)
                written.append(final)
        except OSError as exc:
            for path in temps + written:
                try:
                    self._fs.rm(path)
                except (OSError, FileNotFoundError):
                    pass
            raise StoreWriteError(f"writing snapshots to {self.root} failed: {exc}; nothing was changed") from exc

    def compact(self) -> int:
        """Merge every batch into one: fewer, larger files, with spans over the whole history.

        Each ``snapshot()`` call writes a small batch; an hourly job makes thousands. Compacting
        keeps the store's size proportional to what changed. Readers see the same snapshots
        before, during and after (duplicates from an interrupted compaction are ignored and
        removed by the next one).

        Returns:
            How many batches were merged (0 when there was nothing to do).

        Raises:
            SnapshotConflictError: another compaction is running; StoreWriteError.
        """
        t = self._tables()
        manifest = t["manifest"]
        old_batches = self._batches()
        if len(old_batches) <= 1:
            return 0
        claims = self._claim(["compact"])
        try:
            orders_by_id: dict[str, list[str]] = {}
            version_tables = []
            for batch in sorted(set(manifest["batch"])):
                table = _pq().read_table(self._path("orders", batch), columns=["snapshot_id", "versions"],
                                         filesystem=self._fs)  # fmt: skip
                orders_by_id.update(zip(table.column("snapshot_id").to_pylist(), table.column("versions").to_pylist()))
                version_tables.append(_pq().read_table(self._path("versions", batch), filesystem=self._fs))
            versions = pa.concat_tables(version_tables, promote_options="permissive")
            seen: set[str] = set()
            first = [not (v in seen or seen.add(v)) for v in versions.column("version").to_pylist()]  # type: ignore[func-returns-value]
            versions = versions.filter(pa.array(first)).sort_by([("id", "ascending"), ("version", "ascending")])
            rows = manifest.drop(columns=["seq", "batch"]).to_dict("records")
            orders = [orders_by_id[r["snapshot_id"]] for r in rows]
            batch = f"{pd.Timestamp.now(tz='UTC'):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:12]}"
            self._write_batch(batch, rows, orders, versions.replace_schema_metadata(None))
            for old in old_batches:  # the manifest first: the old batch disappears at once
                for kind in ("manifest", "spans", "orders", "versions"):
                    try:
                        self._fs.rm(self._path(kind, old))
                    except FileNotFoundError:
                        pass
        except OSError as exc:
            raise StoreWriteError(f"compacting {self.root} failed: {exc}") from exc
        finally:
            self._release(claims)
            self._cache = None
        return len(old_batches)

    # -- reading -------------------------------------------------------------------------------

    def _tables(self) -> dict[str, Any]:
        batches = tuple(self._batches())
        if self._cache is not None and self._cache[0] == batches:
            return self._cache[1]
        manifests, versions, spans = [], [], []
        for batch in batches:
            try:
                m = _pq().read_table(self._path("manifest", batch), filesystem=self._fs)
                v = _pq().read_table(self._path("versions", batch), columns=["version", "id", "raw"], filesystem=self._fs)
                s = _pq().read_table(self._path("spans", batch), columns=["version", "first_seq", "last_seq"],
                                  filesystem=self._fs)  # fmt: skip
            except (OSError, pa.ArrowInvalid) as exc:
                warnings.warn(f"orcatalog: skipping unreadable batch {batch} in {self.root}: {exc}",
                              RuntimeWarning, stacklevel=3)  # fmt: skip
                continue
            manifests.append(m)
            versions.append(v)
            spans.append(s.append_column("batch", pa.array([batch] * len(s), pa.string())))
        manifest = (
            pa.concat_tables(manifests, promote_options="permissive").to_pandas()
            if manifests
            else _MANIFEST_SCHEMA.empty_table().to_pandas()
        )
        vt = (
            pa.concat_tables([v.cast(_VERSION_KEYS) for v in versions])
            if versions
            else _VERSION_KEYS.empty_table()
        )
        version_frame = vt.to_pandas(ignore_metadata=True)
        if len(version_frame):
            version_frame = version_frame.drop_duplicates("version").set_index("version")
        else:
            version_frame = pd.DataFrame({"id": [], "raw": []}, index=pd.Index([], name="version"))
        span_frame = (
            pa.concat_tables(spans).to_pandas(ignore_metadata=True)
            if spans
            else pd.DataFrame({"version": [], "first_seq": [], "last_seq": [], "batch": []})
        )
        # a snapshot in two batches (an interrupted compact()) counts once: the newer batch wins
        manifest = manifest.sort_values(["fetched_at", "snapshot_id", "batch"], kind="stable")
        manifest = manifest.drop_duplicates("snapshot_id", keep="last").reset_index(drop=True)
        manifest["scope"] = _scopes(manifest)
        manifest["time_precision"] = manifest["time_precision"].fillna("second")  # stores before issue 6
        manifest["shadowed"] = shadowed(manifest)
        manifest["partial"] = partial(manifest)
        manifest = _drop_incomplete(manifest, span_frame, version_frame)
        # integer codes, computed once per open store, so history() filters and joins numbers, not strings
        batch_index = pd.Index(sorted(set(span_frame["batch"]) | set(manifest["batch"])))
        version_index = version_frame.index
        manifest_keys = batch_index.get_indexer(manifest["batch"]).astype(np.int64) << 32 | manifest["seq"].to_numpy(np.int64)
        out = {
            "manifest": manifest,
            "versions": version_frame,
            "spans": span_frame,
            "known_versions": set(version_index),
            "raw": dict(zip(version_index, version_frame["raw"])),
            "version_index": version_index,
            "version_ids": version_frame["id"].to_numpy(dtype=object),
            "span_version": version_index.get_indexer(span_frame["version"]),
            "span_batch": batch_index.get_indexer(span_frame["batch"]).astype(np.int64),
            "span_first": span_frame["first_seq"].to_numpy(np.int64),
            "span_last": span_frame["last_seq"].to_numpy(np.int64),
            "manifest_keys": pd.Index(manifest_keys),
            "scope_codes": pd.Categorical(manifest["scope"]),
            "snapshot_codes": pd.Categorical(manifest["snapshot_id"]),
            "times": manifest["fetched_at"].array,
            "visible": ~manifest["shadowed"].to_numpy(dtype=bool),
            "order_files": {},
        }
        self._cache = (batches, out)
        return out

    def snapshots(self) -> pd.DataFrame:
        """The manifest: one row per snapshot, oldest first.

        Columns: ``snapshot_id``, ``fetched_at`` (UTC), ``scope`` (``catalog`` for the unfiltered
        public catalog), ``base_url``, ``endpoint``, ``query`` (JSON), ``key_fingerprint`` (for
        ``/models/user``; never the key), ``n_models``, ``time_precision`` (``second``, or ``day``
        for a file named by its date only), ``shadowed`` (a day-precision snapshot left out of
        as-of lookups and history because finer ones exist that day, see :func:`shadowed`),
        ``partial`` (lost more than 20% of the previous snapshot's models, see :func:`partial`),
        ``content_hash``, ``schema_version``, ``orcatalog_version``, ``source``, ``batch``.
        """
        m = self._tables()["manifest"]
        return m.drop(columns=["top_level", "seq"]).reset_index(drop=True)

    def _pick(self, snapshot_id: str | None, as_of: Any, scope: str | None) -> pd.Series:
        if snapshot_id is not None and as_of is not None:
            raise InvalidParameterError("give snapshot_id or as_of, not both")
        if snapshot_id is not None and not isinstance(snapshot_id, str):
            raise InvalidParameterError(f"snapshot_id must be a string, got {type(snapshot_id).__name__}")
        when = _utc(as_of, "as_of") if as_of is not None else None
        manifest = self._tables()["manifest"]
        if snapshot_id is not None:
            rows = manifest[manifest["snapshot_id"] == snapshot_id]
            if rows.empty:
                raise SnapshotNotFoundError(f"no snapshot {snapshot_id!r} in {self.root}")
            return rows.iloc[0]
        scope = scope or self._default_scope()
        t = self._tables()
        categories = t["scope_codes"].categories
        mask = t["scope_codes"].codes == (categories.get_loc(scope) if scope in categories else -2)
        mask &= t["visible"]
        if when is not None:
            mask &= t["times"] <= when
            if not mask.any():
                raise SnapshotNotFoundError(f"no {scope!r} snapshot at or before {when} in {self.root}")
        if not mask.any():
            raise SnapshotNotFoundError(f"no {scope!r} snapshot in {self.root}; run snapshot() or import_files()")
        return manifest.iloc[int(np.flatnonzero(mask)[-1])]

    def _default_scope(self) -> str:
        """``catalog`` when the store has such snapshots; else the newest unfiltered ``/models``
        scope (the whole catalog of another base URL, such as a replay server); else the newest."""
        t = self._tables()
        manifest = t["manifest"]
        if manifest.empty or CATALOG_SCOPE in t["scope_codes"].categories:
            return CATALOG_SCOPE
        whole = manifest[(manifest["endpoint"] == "/models") & manifest["query"].isin(["{}", '{"output_modalities": "all"}'])]
        return str((whole if len(whole) else manifest)["scope"].iloc[-1])

    def _order(self, row: pd.Series) -> list[str]:
        """The snapshot's model order: one row group of its batch's orders file (64 snapshots each)."""
        files = self._tables()["order_files"]
        batch = row["batch"]
        if batch not in files:
            files[batch] = _pq().ParquetFile(self._fs.open(self._path("orders", batch), "rb"))
        seq = int(row["seq"])
        group = files[batch].read_row_group(seq // _ORDER_ROW_GROUP, columns=["snapshot_id", "versions"])
        at = seq % _ORDER_ROW_GROUP
        if at >= group.num_rows or group.column("snapshot_id")[at].as_py() != row["snapshot_id"]:
            raise StoreError(f"snapshot {row['snapshot_id']} has no model order in {self.root}")
        return group.column("versions")[at].as_py()

    def load(self, snapshot_id: str | None = None, as_of: Any = None, *, scope: str | None = None) -> pd.DataFrame:
        """The contract frame of one snapshot: by id, else the latest at or before ``as_of``, else the latest.

        Args:
            snapshot_id: an id from :meth:`snapshots`.
            as_of: a time (UTC unless it says otherwise): the latest snapshot at or before it.
            scope: which kind of snapshot for ``as_of``/latest (default ``catalog``; in a store
                without catalog snapshots, the newest unfiltered ``/models`` scope).

        Returns:
            The frame as ``fetch_models`` gives it; ``attrs`` hold ``snapshot_id``, ``fetched_at``,
            ``scope``, ``base_url``, ``endpoint``, ``params``, ``time_precision`` and ``partial``.

        Raises:
            SnapshotNotFoundError (a LookupError); InvalidParameterError.
        """
        row = self._pick(snapshot_id, as_of, scope)
        raws = self._tables()["raw"]
        order = self._order(row)
        frame = models_frame(_parse_versions(raws, order), url=f"{self.root}#{row['snapshot_id']}")
        frame.attrs.update(
            {"snapshot_id": row["snapshot_id"], "fetched_at": row["fetched_at"], "scope": row["scope"],
             "base_url": row["base_url"], "endpoint": row["endpoint"], "params": json.loads(row["query"]),
             "time_precision": row["time_precision"], "partial": bool(row["partial"])}  # fmt: skip
        )
        return frame

    def raw(self, snapshot_id: str) -> dict[str, Any]:
        """The original body of a snapshot, JSON-equal to what was fetched or imported.

        Raises:
            SnapshotNotFoundError.
        """
        row = self._pick(snapshot_id, None, None)
        raws = self._tables()["raw"]
        body = json.loads(row["top_level"])
        body["data"] = _parse_versions(raws, self._order(row))
        return body

    def history(
        self,
        ids: str | Sequence[str] | None = None,
        columns: str | Sequence[str] | None = None,
        start: Any = None,
        end: Any = None,
        *,
        scope: str | None = "default",
    ) -> pd.DataFrame:
        """Long form: one row per (snapshot, model present in it).

        Args:
            ids: model ids to keep (default all).
            columns: contract columns to include (default all); ``snapshot_id``, ``fetched_at``,
                ``scope`` and ``id`` are always there.
            start, end: keep snapshots fetched in [start, end] (UTC unless stated).
            scope: which snapshots: default ``catalog`` (in a store without catalog snapshots,
                the newest unfiltered ``/models`` scope); None for every scope.

        Returns:
            Rows sorted by ``fetched_at`` then ``id``; contract columns keep their dtypes except
            text columns other than ``id``, which are categorical (each value repeats once per
            snapshot). ``attrs["snapshot_times"]`` maps each scope to
            every snapshot time in range as ISO text (a model absent from one has no row there);
            ``attrs["partial_snapshots"]`` lists the ids of partial catalogs in range. Shadowed
            day-precision snapshots (see :func:`shadowed`) are left out.

        Raises:
            InvalidParameterError: unknown column, bad times.
        """
        if columns is not None:
            _names("columns", columns)
        wanted_ids = _names("ids", ids) if ids is not None else None
        start = _utc(start, "start") if start is not None else None
        end = _utc(end, "end") if end is not None else None
        t = self._tables()
        manifest = t["manifest"]
        keep = t["visible"].copy()  # shadowed day-precision snapshots are left out (see shadowed())
        if scope == "default":
            scope = self._default_scope()
        if scope is not None:
            categories = t["scope_codes"].categories
            code = categories.get_loc(scope) if scope in categories else -2
            keep &= t["scope_codes"].codes == code
        if start is not None:
            keep &= t["times"] >= start
        if end is not None:
            keep &= t["times"] <= end
        span_version = t["span_version"]
        chosen = np.ones(len(span_version), dtype=bool)
        if wanted_ids is not None:
            codes = np.flatnonzero(pd.Index(t["version_ids"]).isin(wanted_ids))
            chosen = np.isin(span_version, codes)
        first, last = t["span_first"][chosen], t["span_last"][chosen]
        counts = last - first + 1
        seq = np.repeat(first, counts) + _ranges(counts)
        keys = np.repeat(t["span_batch"][chosen] << 32, counts) | seq
        version_code = np.repeat(span_version[chosen], counts)
        pos = t["manifest_keys"].get_indexer(keys)
        present = pos >= 0
        present[present] = keep[pos[present]]
        pos, version_code = pos[present], version_code[present]
        version_rep = t["version_index"].to_numpy()[version_code]
        needed = pd.unique(version_rep)
        raws = t["raw"]
        frame = models_frame(_parse_versions(raws, needed), unique=False)
        cols = _columns(frame, columns)
        frame = frame[cols]
        for c in cols:  # long form repeats each text value once per snapshot: categorical is the idiom
            if c != "id" and pd.api.types.is_string_dtype(frame[c].dtype) and not isinstance(frame[c].dtype, pd.ArrowDtype):
                frame[c] = frame[c].astype("category")
        take = pd.Index(needed).get_indexer(version_rep)
        id_rank = frame["id"].rank(method="dense").to_numpy(dtype=np.int64)[take]
        order = np.lexsort((id_rank, pos))  # manifest rows are in time order: sort by time, then id
        take, pos = take[order], pos[order]
        out = frame.take(take).reset_index(drop=True)
        scopes, sids = t["scope_codes"], t["snapshot_codes"]
        out.insert(0, "scope", pd.Categorical.from_codes(scopes.codes[pos], scopes.categories))
        out.insert(0, "fetched_at", t["times"].take(pos))
        out.insert(0, "snapshot_id", pd.Categorical.from_codes(sids.codes[pos], sids.categories))
        codes = t["scope_codes"].codes
        out.attrs["snapshot_times"] = {  # plain values: attrs must survive astype(str), concat, exports
            str(sc): [ts.isoformat() for ts in t["times"][keep & (codes == i)]]
            for i, sc in enumerate(t["scope_codes"].categories)
            if (keep & (codes == i)).any()
        }
        out.attrs["partial_snapshots"] = manifest.loc[keep & manifest["partial"].to_numpy(), "snapshot_id"].tolist()
        return out

    def store_bytes(self) -> int:
        """Total size of the store's files in bytes."""
        try:
            return int(sum(self._fs.du(self._base, total=False).values()))
        except FileNotFoundError:
            return 0


#: A whole-list snapshot with fewer than this share of the previous one's models is flagged ``partial``.
PARTIAL_THRESHOLD = 0.2


def shadowed(manifest: pd.DataFrame) -> np.ndarray:
    """The time-precision rule: which snapshots are left out of as-of lookups and change detection.

    A snapshot whose time is known only to the day (``time_precision == "day"``: imported from
    ``models-2025-12-18.json.gz``) is recorded at that day's midnight, but was taken at an unknown
    time that day. When its scope has finer snapshots on the same UTC day, ordering it against them
    would invent events (its evening price would look like a morning price), so it is *shadowed*:
    kept, listed by ``snapshots()`` and loadable by id, but not used by ``load(as_of=...)``, the
    latest snapshot, ``history()`` and everything computed from it. On its own it stands for its day.

    Args:
        manifest: rows with ``scope``, ``fetched_at`` (UTC) and ``time_precision``.

    Returns:
        A boolean array, True for shadowed snapshots.
    """
    if manifest.empty:
        return np.zeros(0, dtype=bool)
    day = manifest["fetched_at"].dt.floor("D")
    coarse = (manifest["time_precision"] == "day").to_numpy()
    fine_days = set(zip(manifest["scope"][~coarse], day[~coarse]))
    return coarse & np.array([(sc, d) in fine_days for sc, d in zip(manifest["scope"], day)], dtype=bool)


def partial(manifest: pd.DataFrame, threshold: float = PARTIAL_THRESHOLD) -> np.ndarray:
    """The partial-catalog rule: an unfiltered list snapshot holding fewer than ``1 - threshold`` of
    the models of the previous (not partial, not shadowed) snapshot of its scope is flagged. It is
    kept as it is; ``snapshots()`` shows the flag and ``diff`` / ``lifecycle`` warn about it.

    Args:
        manifest: rows in time order with ``scope``, ``query``, ``n_models`` and ``shadowed``.
        threshold: the share of models (0..1) a snapshot may lose before it is flagged.

    Returns:
        A boolean array, True for partial snapshots.
    """
    out = np.zeros(len(manifest), dtype=bool)
    previous: dict[str, int] = {}
    unfiltered = manifest["query"].isin(["{}", '{"output_modalities": "all"}']).to_numpy()
    rows = zip(manifest["scope"], manifest["n_models"], manifest["shadowed"], unfiltered)
    for i, (sc, n, hidden, whole) in enumerate(rows):
        if hidden or not whole:
            continue
        if sc in previous and n < (1 - threshold) * previous[sc]:
            out[i] = True
        else:
            previous[sc] = int(n)
    return out


def _scopes(manifest: pd.DataFrame) -> list[str]:
    """Each snapshot's scope by today's rule (:func:`orcatalog.scope.scope_of`), from its recorded
    provenance, so stores written by older versions answer by the same rule."""
    keys = ["base_url", "endpoint", "query", "key_fingerprint"]
    rows = manifest[keys].astype(object).where(manifest[keys].notna(), None).itertuples(index=False, name=None)
    memo: dict[tuple[Any, ...], str] = {}
    out = []
    for key in rows:
        if key not in memo:
            base_url, endpoint, query, fingerprint = key
            memo[key] = scope_of(base_url, endpoint or "/models", json.loads(query or "{}"), fingerprint)
        out.append(memo[key])
    return out


def _parse_versions(raws: dict[str, str], versions: Iterable[str]) -> list[dict[str, Any]]:
    """The model objects of these versions, parsed in one JSON call rather than one per model."""
    return orjson.loads("[" + ",".join([raws[v] for v in versions]) + "]")


def _ranges(counts: np.ndarray) -> np.ndarray:
    """[0..c0-1, 0..c1-1, ...] for counts c."""
    if len(counts) == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(counts)
    starts = np.repeat(ends - counts, counts)
    return np.arange(ends[-1]) - starts


def _names(what: str, value: Any) -> list[str]:
    """A string or a sequence of strings as a list; anything else is an InvalidParameterError."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable) and not isinstance(value, (bytes, dict)):
        items = list(value)
        if all(isinstance(v, str) for v in items):
            return items
    raise InvalidParameterError(f"{what} must be a string or a list of strings, got {value!r}")


def _columns(frame: pd.DataFrame, columns: str | Sequence[str] | None) -> list[str]:
    if columns is None:
        return list(frame.columns)
    wanted = _names("columns", columns)
    unknown = [c for c in wanted if c not in frame.columns]
    if unknown:
        raise InvalidParameterError(f"unknown column(s) {unknown}; see orcatalog.schema")
    return ["id", *[c for c in wanted if c != "id"]]


def _drop_incomplete(manifest: pd.DataFrame, spans: pd.DataFrame, versions: pd.DataFrame) -> pd.DataFrame:
    """Snapshots whose versions went missing (a damaged file) are left out, with a warning."""
    if spans.empty:
        return manifest
    missing = ~spans["version"].isin(versions.index)
    if not missing.any():
        return manifest
    bad_batches = set(spans.loc[missing, "batch"])
    warnings.warn(f"orcatalog: snapshots of batches {sorted(bad_batches)} reference missing model versions "
                  "and are skipped", RuntimeWarning, stacklevel=4)  # fmt: skip
    return manifest[~manifest["batch"].isin(bad_batches)].reset_index(drop=True)


def _versions_table(fresh: dict[str, tuple[str, bytes]]) -> pa.Table:
    """New model versions: hash, id, raw JSON, and the contract columns (for readers without orcatalog)."""
    items = sorted(fresh.items(), key=lambda kv: (kv[1][0], kv[0]))
    if not items:  # every model of the batch was already stored
        return pa.table({"version": pa.array([], pa.string()), "id": pa.array([], pa.string()),
                         "raw": pa.array([], pa.string())})  # fmt: skip
    models = [orjson.loads(raw) for _, (_, raw) in items]
    frame = models_frame(models, unique=False)
    frame.insert(0, "raw", [raw.decode() for _, (_, raw) in items])
    frame.insert(0, "version", [v for v, _ in items])
    frame = frame.drop(columns=["description"])  # kept in raw; the largest text, repeated per version
    # no pandas metadata: readers get plain Arrow types (pandas cannot rebuild list dtypes from it)
    return pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)


_VERSION_KEYS = pa.schema([("version", pa.string()), ("id", pa.string()), ("raw", pa.string())])

_MANIFEST_SCHEMA = pa.schema(
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


def _pq() -> Any:
    """pyarrow.parquet, imported on first use so that ``import orcatalog`` stays light."""
    import pyarrow.parquet

    return pyarrow.parquet


def _version() -> str:
    from . import __version__

    return __version__


def _claim_text() -> str:
    return json.dumps({"host": socket.gethostname(), "pid": os.getpid(), "time": time.time()})


def _check_whole(source: str, body: dict[str, Any]) -> list[Any]:
    """The body's ``data`` after the checks every recorded body passes: a models list, string
    ids, no duplicates, and as many models as its ``total_count`` says (a page is not a catalog).

    Raises:
        SchemaError: naming ``source``.
    """
    data = check_body(body, url=source)
    ids = [m.get("id") if isinstance(m, dict) else None for m in data]
    if any(not isinstance(i, str) for i in ids):
        raise SchemaError(f"{source}: a model has no string 'id'", url=source)
    if len(set(ids)) != len(ids):
        raise SchemaError(f"{source}: duplicate model ids", url=source)
    total = body.get("total_count")
    if isinstance(total, int) and not isinstance(total, bool) and total != len(data):
        raise SchemaError(f"{source}: total_count says {total} models but the body has {len(data)} "
                          "(one page of a paginated list?); nothing was written", url=source)  # fmt: skip
    return data


def _make_body(source: str, body: Any, when: pd.Timestamp, base_url: str | None, precision: str = "second") -> _Body:
    _check_whole(source, body)
    return _Body(source=source, fetched_at=when, body=body, scope=scope_of(base_url),
                 base_url=base_url, endpoint="/models", query={}, time_precision=precision)  # fmt: skip


def _read_bodies(files: list[Path], when: pd.Timestamp | None, base_url: str | None,
                 progress: bool | None) -> Iterator[_Body]:  # fmt: skip
    for name, data in bodies.read_files(_progress(files, "reading", progress)):
        dated = (when, "second") if when is not None else dated_name(name)
        if dated is None:
            raise InvalidParameterError(
                f"{name}: no fetch time. Name the file with its UTC time (models-2026-01-03T231610Z.json) "
                "or pass fetched_at="
            )
        yield _make_body(name, bodies.parse(name, data), dated[0], base_url, dated[1])


def _progress(items: Iterable[Any], desc: str, show: bool | None) -> Iterable[Any]:
    from tqdm.auto import tqdm

    return tqdm(items, desc=desc, disable=(None if show is None else not show), leave=False)
