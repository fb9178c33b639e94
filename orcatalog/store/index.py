"""What the store holds, read once per listing: the manifest, damage and losses, and the version index.

Two levels, so a write reads only what it needs:

- :class:`Catalogue` - every committed snapshot (the manifests; small), with the rules that
  depend on the whole timeline applied (scope, :func:`shadowed`, :func:`partial`), plus what is
  known to be damaged or lost.
- :class:`Index` - the catalogue plus every model version and span, as integer arrays, for
  ``history()`` / ``load()`` / ``raw()``.
"""

from __future__ import annotations

import json
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import StoreDamagedError
from ..scope import scope_of
from .ingest import MANIFEST_SCHEMA
from .layout import DATA_KINDS, DamagedFile, Layout

__all__ = ["Catalogue", "Index", "read_catalogue", "read_index", "shadowed", "partial", "PARTIAL_THRESHOLD"]

#: A whole-list snapshot with fewer than this share of the previous one's models is flagged ``partial``.
PARTIAL_THRESHOLD = 0.2
_VERSION_KEYS = pa.schema([("version", pa.string()), ("id", pa.string()), ("raw", pa.string())])
#: How often a reader lists again when a compaction removed a file it was about to read.
RETRIES = 20


@dataclass
class Problem:
    """A damaged file or a lost manifest, and the snapshots it makes unreadable."""

    path: str
    reason: str
    snapshot_ids: list[str] = field(default_factory=list)

    def message(self) -> str:
        affected = ", ".join(self.snapshot_ids[:5]) + (" ..." if len(self.snapshot_ids) > 5 else "")
        return f"{self.path}: {self.reason} (affects snapshot(s) {affected or 'unknown'})"


@dataclass
class Catalogue:
    """Every readable committed snapshot, one row each in time order, and what is damaged or lost."""

    listing: tuple[tuple[str, str | None], ...]  # (batch, manifest digest)
    manifest: pd.DataFrame
    problems: list[Problem]
    tables: dict[tuple[str, str | None], pa.Table] = field(default_factory=dict)  # read manifests, reused

    @property
    def digests(self) -> dict[str, str | None]:
        return dict(self.listing)

    def data_digest(self, batch: str, kind: str) -> str | None:
        """The recorded SHA-256 of a batch's data file (None for stores written before they were recorded)."""
        table = self.tables.get((batch, self.digests.get(batch)))
        column = f"{kind}_sha256"
        if table is None or column not in table.column_names or len(table) == 0:
            return None
        return table.column(column)[0].as_py()

    def unreadable(self) -> dict[str, Problem]:
        """snapshot id -> the problem that makes it unreadable."""
        return {sid: p for p in self.problems for sid in p.snapshot_ids}

    def check(self, snapshot_id: str) -> None:
        """Raise StoreDamagedError when this snapshot is known to be damaged or lost."""
        problem = self.unreadable().get(snapshot_id)
        if problem is not None:
            raise StoreDamagedError(f"snapshot {snapshot_id} cannot be read: {problem.message()}")

    def check_gap(self, after: pd.Timestamp | None, until: pd.Timestamp, scope: str) -> None:
        """Refuse an as-of answer when a damaged or lost snapshot (of this scope, or of an unknown
        one: a lost manifest) lies in (after, until]."""
        scopes = dict(zip(self.manifest["snapshot_id"], self.manifest["scope"]))
        for sid, problem in self.unreadable().items():
            if scopes.get(sid, scope) != scope:
                continue
            when = _time_of_id(sid)
            if when is not None and when <= until and (after is None or when > after):
                raise StoreDamagedError(f"cannot answer as of {until}: snapshot {sid} at {when} is damaged or lost, "
                                        f"and an older snapshot would be a wrong answer: {problem.message()}")  # fmt: skip


@dataclass
class Index:
    """The catalogue plus the version index: integer codes so history() filters numbers, not strings."""

    catalogue: Catalogue
    raw: dict[str, str]  # version -> model JSON
    version_index: pd.Index
    version_ids: np.ndarray
    span_version: np.ndarray
    span_batch: np.ndarray
    span_first: np.ndarray
    span_last: np.ndarray
    manifest_keys: pd.Index
    scope_codes: pd.Categorical
    snapshot_codes: pd.Categorical
    times: Any
    visible: np.ndarray
    order_files: dict[str, Any] = field(default_factory=dict)

    @property
    def manifest(self) -> pd.DataFrame:
        return self.catalogue.manifest


def _time_of_id(snapshot_id: str) -> pd.Timestamp | None:
    try:
        return pd.to_datetime(snapshot_id.split("-", 1)[0], format="%Y%m%dT%H%M%SZ", utc=True)
    except (ValueError, TypeError):
        return None


def _warn(problems: list[Problem], root: str) -> None:
    for p in problems:
        warnings.warn(f"orcatalog: store {root}: {p.message()}", RuntimeWarning, stacklevel=4)


def read_catalogue(layout: Layout, *, cached: Catalogue | None = None) -> Catalogue:
    """Every committed snapshot, verified; damaged manifests are quarantined, lost batches reported.

    A file removed between listing and reading (a compaction in another process) makes it list
    again; what was read already is kept (files never change), so the retries converge.
    """
    known = dict(cached.tables) if cached is not None else {}
    for attempt in range(RETRIES):
        listing = tuple(layout.manifests().items())
        if cached is not None and cached.listing == listing:
            return cached
        try:
            return _read_catalogue(layout, listing, known)
        except FileNotFoundError:
            time.sleep(0.01 * attempt)  # a compaction is deleting what it merged: list again
    return _read_catalogue(layout, tuple(layout.manifests().items()), known)


def _read_catalogue(layout: Layout, listing: tuple[tuple[str, str | None], ...],
                    known: dict[tuple[str, str | None], pa.Table]) -> Catalogue:  # fmt: skip
    """Read the manifests of ``listing``; those in ``known`` are reused, the new ones added to it."""
    tables: dict[tuple[str, str | None], pa.Table] = {}
    problems = []
    for batch, digest in listing:
        if (batch, digest) in known:
            tables[(batch, digest)] = known[(batch, digest)]
            continue
        path = layout.manifest_path(batch, digest)
        try:
            tables[(batch, digest)] = known[(batch, digest)] = layout.read_table(path, digest)
        except DamagedFile as exc:
            where = layout.quarantine(path)
            problems.append(Problem(path, f"{exc.reason}; moved to {where}", _ids_in_orders(layout, batch)))
    manifest = (
        pa.concat_tables(list(tables.values()), promote_options="permissive").to_pandas()
        if tables
        else MANIFEST_SCHEMA.empty_table().to_pandas()
    )
    for column in ("time_precision", *(f"{k}_sha256" for k in DATA_KINDS)):
        if column not in manifest:
            manifest[column] = None
    # a snapshot in two batches (a compaction between commit and cleanup) counts once: the newer batch wins
    manifest = manifest.sort_values(["fetched_at", "snapshot_id", "batch"], kind="stable")
    manifest = manifest.drop_duplicates("snapshot_id", keep="last").reset_index(drop=True)
    problems += _lost_batches(layout, {b for b, _ in listing}, set(manifest["snapshot_id"]))
    catalogue = Catalogue(listing, _with_rules(manifest), problems, tables)
    _warn(problems, layout.root)
    return catalogue


def _with_rules(manifest: pd.DataFrame) -> pd.DataFrame:
    manifest["scope"] = _scopes(manifest)
    manifest["time_precision"] = manifest["time_precision"].fillna("second")  # stores before issue 6
    manifest["shadowed"] = shadowed(manifest)
    manifest["partial"] = partial(manifest)
    return manifest


def with_new_rows(catalogue: Catalogue, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The manifest as it is after a write of ``rows``, rules applied (no I/O)."""
    new = pd.DataFrame(rows).assign(batch="", seq=0)
    new["fetched_at"] = pd.to_datetime(new["fetched_at"], utc=True).astype("datetime64[us, UTC]")
    both = pd.concat([catalogue.manifest.drop(columns=["shadowed", "partial"]), new], ignore_index=True)
    return _with_rules(both.sort_values(["fetched_at", "snapshot_id"], kind="stable").reset_index(drop=True))


def _ids_in_orders(layout: Layout, batch: str) -> list[str]:
    """The snapshot ids a batch's orders file names (unverified: for reporting only)."""
    import pyarrow.parquet as pq

    try:
        data = layout.fs.cat_file(layout.path("orders", batch))
        return pq.read_table(pa.BufferReader(data), columns=["snapshot_id"]).column(0).to_pylist()
    except Exception:  # noqa: BLE001 - best effort: the report must not fail on a second damaged file
        return []


def _lost_batches(layout: Layout, committed: set[str], known_ids: set[str]) -> list[Problem]:
    """Batches with data files but no manifest and no claim: committed, then their manifest was deleted.

    The claim is checked before the manifests are listed again: a writer releases its claim only
    after its manifest is written, so a batch committed meanwhile is in that second listing.
    """
    orphans = sorted(layout.data_batches() - committed)
    if not orphans:
        return []
    unclaimed = [b for b in orphans if layout.claim_state(f"batch-{b}") == "none"]  # live or stale: no loss
    if not unclaimed:
        return []
    committed_now = set(layout.manifests())
    present = layout.data_batches()  # a compaction may have removed some meanwhile
    quarantined = {n.split(".", 1)[0] for n in layout.names("quarantine/manifest")}
    problems = []
    for batch in unclaimed:
        if batch in committed_now or batch not in present:
            continue
        ids = [sid for sid in _ids_in_orders(layout, batch) if sid not in known_ids]
        if ids:
            reason = "damaged, in quarantine/manifest/" if batch in quarantined else "missing (deleted?)"
            problems.append(Problem(layout.manifest_path(batch, None).replace(".parquet", ".*.parquet"),
                                    f"the manifest of this committed batch is {reason}", ids))  # fmt: skip
    return problems


def read_index(layout: Layout, catalogue: Catalogue, known: dict[tuple[str, str], pa.Table] | None = None) -> Index:
    """The version index over a catalogue; damaged data files are quarantined and the snapshots
    that need them are reported (a warning now; StoreDamagedError when one is asked for).

    Raises:
        FileNotFoundError: a listed file is gone (the caller lists again).
    """
    manifest = catalogue.manifest
    versions, spans, problems = [], [], list(catalogue.problems)
    bad_batches: dict[str, Problem] = {}
    for batch, _ in catalogue.listing:
        if (batch, catalogue.digests[batch]) not in catalogue.tables:
            continue  # its manifest is damaged (reported)
        v = _read_data(layout, catalogue, batch, "versions", ["version", "id", "raw"], bad_batches, known)
        s = _read_data(layout, catalogue, batch, "spans", ["version", "first_seq", "last_seq"], bad_batches, known)
        if s is None and batch in bad_batches:
            bad_batches[batch].snapshot_ids = manifest.loc[manifest["batch"] == batch, "snapshot_id"].tolist()
        if v is not None:
            versions.append(v.cast(_VERSION_KEYS))
        if s is not None:
            spans.append(s.append_column("batch", pa.array([batch] * len(s), pa.string())))
    vt = pa.concat_tables(versions) if versions else _VERSION_KEYS.empty_table()
    version_frame = vt.to_pandas(ignore_metadata=True).drop_duplicates("version").set_index("version")
    span_frame = (
        pa.concat_tables(spans).to_pandas(ignore_metadata=True)
        if spans
        else pd.DataFrame({"version": pd.Series([], dtype=str), "first_seq": pd.Series([], dtype=np.int32),
                           "last_seq": pd.Series([], dtype=np.int32), "batch": pd.Series([], dtype=str)})  # fmt: skip
    )
    batch_index = pd.Index(sorted(set(span_frame["batch"]) | set(manifest["batch"])))
    manifest_keys = pd.Index(batch_index.get_indexer(manifest["batch"]).astype(np.int64) << 32
                             | manifest["seq"].to_numpy(np.int64))  # fmt: skip
    span_batch = batch_index.get_indexer(span_frame["batch"]).astype(np.int64)
    span_first = span_frame["first_seq"].to_numpy(np.int64)
    span_last = span_frame["last_seq"].to_numpy(np.int64)
    # snapshots whose versions are gone (a damaged versions file): named, never silently dropped
    missing = ~span_frame["version"].isin(version_frame.index).to_numpy()
    unreadable = set()
    for b, f, la in zip(span_batch[missing], span_first[missing], span_last[missing]):
        keys = (b << 32) | np.arange(f, la + 1)
        pos = manifest_keys.get_indexer(keys)
        unreadable |= set(manifest["snapshot_id"].to_numpy()[pos[pos >= 0]])
    for batch, problem in bad_batches.items():
        if not problem.snapshot_ids:
            problem.snapshot_ids = sorted(unreadable) or manifest.loc[manifest["batch"] == batch, "snapshot_id"].tolist()
        problems.append(problem)
    if unreadable and not bad_batches:
        problems.append(Problem(layout.root, "model versions are missing", sorted(unreadable)))
    if len(problems) > len(catalogue.problems):
        _warn(problems[len(catalogue.problems):], layout.root)
    if problems != catalogue.problems:
        catalogue = Catalogue(catalogue.listing, manifest, problems, catalogue.tables)
    bad_ids = set(catalogue.unreadable())
    readable = ~manifest["snapshot_id"].isin(bad_ids).to_numpy()
    version_index = version_frame.index
    return Index(
        catalogue=catalogue,
        raw=dict(zip(version_index, version_frame["raw"])),
        version_index=version_index,
        version_ids=version_frame["id"].to_numpy(dtype=object),
        span_version=version_index.get_indexer(span_frame["version"]),
        span_batch=span_batch,
        span_first=span_first,
        span_last=span_last,
        manifest_keys=manifest_keys,
        scope_codes=pd.Categorical(manifest["scope"]),
        snapshot_codes=pd.Categorical(manifest["snapshot_id"]),
        times=manifest["fetched_at"].array,
        visible=~manifest["shadowed"].to_numpy(dtype=bool) & readable,
    )


def _read_data(layout: Layout, catalogue: Catalogue, batch: str, kind: str, columns: list[str],
               bad: dict[str, Problem], known: dict[tuple[str, str], pa.Table] | None) -> pa.Table | None:  # fmt: skip
    """One verified data file (reused from ``known``, the tables read before; new ones are added);
    None (and an entry in ``bad``) when it is damaged or missing.

    Raises:
        FileNotFoundError: the file and its manifest are gone (a compaction merged them: list again).
    """
    path = layout.path(kind, batch)
    known = {} if known is None else known
    try:
        if (batch, kind) not in known:
            known[(batch, kind)] = layout.read_table(path, catalogue.data_digest(batch, kind), columns)
        return known[(batch, kind)]
    except DamagedFile as exc:
        bad[batch] = Problem(path, f"{exc.reason}; moved to {layout.quarantine(path)}")
    except FileNotFoundError:
        manifest = layout.manifest_path(batch, catalogue.digests.get(batch))
        layout.fs.invalidate_cache(manifest.rsplit("/", 1)[0])
        if not layout.fs.exists(manifest):
            raise
        bad[batch] = Problem(path, "missing although its batch is committed (see quarantine/)")
    return None


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
