"""What the store holds, read once per listing: the manifest, damage and losses, and the version index.

Two levels, so a write reads only what it needs:

- :class:`Catalogue` - every committed snapshot (the manifests; small), with the timeline rules
  of :mod:`.timeline` applied, plus what is known to be damaged or lost.
- :class:`Index` - the catalogue plus every model version and span, as integer arrays, for
  ``history()`` / ``load()`` / ``raw()``.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import StoreDamagedError, StoreDamageWarning
from .identity import time_of_snapshot_id
from .ingest import MANIFEST_SCHEMA
from .integrity import DamagedFile
from .layout import DATA_KINDS, Layout
from .timeline import PARTIAL_THRESHOLD, apply_rules
from .waits import Waits

__all__ = ["Catalogue", "Index", "read_catalogue", "read_index", "partial_among", "LATEST"]

_VERSION_KEYS = pa.schema([("version", pa.string()), ("id", pa.string()), ("raw", pa.string())])
#: The ``until`` of a question without a time (the latest snapshot), as :func:`.queries.pick` passes it.
LATEST = pd.Timestamp.max.tz_localize("UTC")
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
    problems: list[Problem]
    tables: dict[tuple[str, str | None], pa.Table] = field(default_factory=dict)  # read manifests, reused
    _manifest: pd.DataFrame | None = None

    @property
    def manifest(self) -> pd.DataFrame:
        """One row per snapshot in time order, with the timeline rules applied (computed on first use)."""
        if self._manifest is None:
            self._manifest = apply_rules(_concat(list(self.tables[key] for key in self.listing if key in self.tables)))
        return self._manifest

    def committed(self, snapshot_ids: list[str]) -> set[str]:
        """Those of ``snapshot_ids`` already committed (a vectorised look-up: cheap in a large store)."""
        import pyarrow.compute as pc

        wanted = pa.array(snapshot_ids, pa.string())
        found: set[str] = set()
        for key in self.listing:
            if key in self.tables:
                column = self.tables[key].column("snapshot_id")
                found.update(column.filter(pc.is_in(column, value_set=wanted)).to_pylist())
        return found

    def sizes(self) -> dict[str, int]:
        """batch -> number of snapshot rows in its manifest."""
        return {batch: len(self.tables[(batch, d)]) if (batch, d) in self.tables else 0 for batch, d in self.listing}

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
        unreadable = self.unreadable()
        if not unreadable:
            return
        scopes = dict(zip(self.manifest["snapshot_id"].tolist(), self.manifest["scope"].tolist()))
        for sid, problem in unreadable.items():
            if scopes.get(sid, scope) != scope:
                continue
            when = time_of_snapshot_id(sid)
            if when is not None and when <= until and (after is None or when > after):
                asked = "with the latest snapshot" if until == LATEST else f"as of {until}"
                raise StoreDamagedError(
                    f"cannot answer {asked}: snapshot {sid} at {when} is damaged or lost, "
                    f"and an older snapshot would be a wrong answer: {problem.message()}"
                )


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

    @functools.cached_property
    def iso_times(self) -> np.ndarray:
        """Each snapshot's time as ISO 8601 text (UTC), computed once."""
        return np.datetime_as_string(self.times.to_numpy(dtype="datetime64[us]"), unit="us", timezone="UTC")


def _warn(problems: list[Problem], root: str) -> None:
    for p in problems:
        warnings.warn(f"orcatalog: store {root}: {p.message()}", StoreDamageWarning, stacklevel=4)


def read_catalogue(layout: Layout, *, cached: Catalogue | None = None, waits: Waits) -> Catalogue:
    """Every committed snapshot, verified; damaged manifests and lost batches are reported (never
    moved: a reader does not change the store).

    A file removed between listing and reading (a compaction in another process) makes it list
    again after ``waits.reread`` (the store's injected clock and sleep, :class:`.waits.Waits`); what was read already
    is kept (files never change), so the retries converge.
    """
    known = dict(cached.tables) if cached is not None else {}
    for attempt in range(RETRIES):
        listing = tuple(layout.manifests().items())
        if cached is not None and cached.listing == listing:
            return cached
        try:
            return _read_catalogue(layout, listing, known)
        except FileNotFoundError:
            waits.reread(attempt)  # a compaction is deleting what it merged: list again
    return _read_catalogue(layout, tuple(layout.manifests().items()), known)


def _read_catalogue(
    layout: Layout, listing: tuple[tuple[str, str | None], ...], known: dict[tuple[str, str | None], pa.Table]
) -> Catalogue:
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
            problems.append(Problem(path, exc.reason, _ids_in_orders(layout, batch)))
    catalogue = Catalogue(listing, problems, tables)
    problems += _lost_batches(layout, catalogue)
    _warn(problems, layout.root)
    return catalogue


def _concat(tables: list[pa.Table]) -> pd.DataFrame:
    """Manifest tables as one frame in time order; a snapshot in two batches (a compaction between
    its commit and its cleanup) counts once: the newer batch wins."""
    manifest = (
        pa.concat_tables(tables, promote_options="permissive").to_pandas()
        if tables
        else MANIFEST_SCHEMA.empty_table().to_pandas()
    )
    for column in ("time_precision", *(f"{k}_sha256" for k in DATA_KINDS)):
        if column not in manifest:
            manifest[column] = None
    manifest = manifest.sort_values(["fetched_at", "snapshot_id", "batch"], kind="stable")
    return manifest.drop_duplicates("snapshot_id", keep="last").reset_index(drop=True)


def partial_among(catalogue: Catalogue, rows: list[dict[str, Any]], window: int = 256) -> list[dict[str, Any]]:
    """Which of the rows just written :func:`partial` flags, without reading anything.

    A row with at least ``1 - PARTIAL_THRESHOLD`` of the largest recorded snapshot of its scope
    cannot be partial; otherwise the rules run over the ``window`` snapshots of its scope before
    it, so the cost does not grow with the store.
    """
    import pyarrow.compute as pc

    largest: dict[str, int] = {}
    for r in rows:  # the rows themselves count: a full body and a cut one in one import
        largest[r["scope"]] = max(largest.get(r["scope"], 0), int(r["n_models"]))
    for table in catalogue.tables.values():
        for scope in {r["scope"] for r in rows}:
            n = pc.max(table.filter(pc.equal(table.column("scope"), scope)).column("n_models")).as_py()
            largest[scope] = max(largest.get(scope, 0), n or 0)
    if all(r["n_models"] >= (1 - PARTIAL_THRESHOLD) * largest.get(r["scope"], 0) for r in rows):
        return []
    manifest = _with_new_rows(catalogue, rows, window)
    flagged = set(manifest.loc[manifest["partial"], "snapshot_id"])
    return [r for r in rows if r["snapshot_id"] in flagged]


def _with_new_rows(catalogue: Catalogue, rows: list[dict[str, Any]], window: int) -> pd.DataFrame:
    """The newest snapshots of the scopes of ``rows`` as they are after writing them, rules applied."""
    import pyarrow.compute as pc

    new = pd.DataFrame(rows).assign(batch="", seq=0)
    new["fetched_at"] = pd.to_datetime(new["fetched_at"], utc=True).astype("datetime64[us, UTC]")
    wanted = pa.array(sorted(set(new["scope"])), pa.string())
    columns = [
        "snapshot_id",
        "fetched_at",
        "batch",
        "base_url",
        "endpoint",
        "query",
        "key_fingerprint",
        "n_models",
        "time_precision",
        "scope",
    ]
    tables = [
        t.filter(pc.is_in(t.column("scope"), value_set=wanted)).select([c for c in columns if c in t.column_names])
        for t in catalogue.tables.values()
    ]
    tables = [t for t in tables if len(t)]
    if tables:
        recent = pa.concat_tables(tables, promote_options="permissive").sort_by([("fetched_at", "descending")])
        old = _concat([recent.slice(0, window)])
    else:
        old = _concat([])
    both = pd.concat(
        [old[[c for c in columns if c in old.columns]], new[[c for c in columns if c in new.columns]]],
        ignore_index=True,
    )
    return apply_rules(both.sort_values(["fetched_at", "snapshot_id"], kind="stable").reset_index(drop=True))


def _ids_in_orders(layout: Layout, batch: str) -> list[str]:
    """The snapshot ids a batch's orders file names (unverified: for reporting only)."""
    import pyarrow.parquet as pq

    try:
        data = layout.fs.cat_file(layout.path("orders", batch))
        return (
            pq.ParquetFile(pa.BufferReader(data)).read(columns=["snapshot_id"], use_threads=False).column(0).to_pylist()
        )
    except Exception:  # best effort: the report must not fail on a second damaged file
        return []


def _lost_batches(layout: Layout, catalogue: Catalogue) -> list[Problem]:
    """Batches with data files but no manifest and no claim: committed, then their manifest was deleted.

    The claim is checked before the manifests are listed again: a writer releases its claim only
    after its manifest is written, so a batch committed meanwhile is in that second listing.
    """
    orphans = sorted(layout.data_batches() - set(catalogue.digests))
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
        named = _ids_in_orders(layout, batch)
        elsewhere = catalogue.committed(named)  # e.g. merged by a compaction that stopped mid-cleanup
        ids = [sid for sid in named if sid not in elsewhere]
        if ids:
            reason = "damaged, in quarantine/manifest/" if batch in quarantined else "missing (deleted?)"
            problems.append(
                Problem(
                    layout.manifest_path(batch, None).replace(".parquet", ".*.parquet"),
                    f"the manifest of this committed batch is {reason}",
                    ids,
                )
            )
    return problems


def read_index(layout: Layout, catalogue: Catalogue, known: dict[tuple[str, str], pa.Table] | None = None) -> Index:
    """The version index over a catalogue; damaged data files are reported with the snapshots that
    need them (a warning now; StoreDamagedError when one is asked for), and left where they are.

    Raises:
        FileNotFoundError: a listed file is gone (the caller lists again).
        StoreReadError: a file's intact bytes cannot be parsed here (not damage).
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
        else pd.DataFrame(
            {
                "version": pd.Series([], dtype=str),
                "first_seq": pd.Series([], dtype=np.int32),
                "last_seq": pd.Series([], dtype=np.int32),
                "batch": pd.Series([], dtype=str),
            }
        )
    )
    batch_index = pd.Index(sorted(set(span_frame["batch"]) | set(manifest["batch"])))
    manifest_keys = pd.Index(
        batch_index.get_indexer(manifest["batch"]).astype(np.int64) << 32 | manifest["seq"].to_numpy(np.int64)
    )
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
            problem.snapshot_ids = (
                sorted(unreadable) or manifest.loc[manifest["batch"] == batch, "snapshot_id"].tolist()
            )
        problems.append(problem)
    if unreadable and not bad_batches:
        problems.append(Problem(layout.root, "model versions are missing", sorted(unreadable)))
    if len(problems) > len(catalogue.problems):
        _warn(problems[len(catalogue.problems) :], layout.root)
    if problems != catalogue.problems:
        catalogue = Catalogue(catalogue.listing, problems, catalogue.tables, manifest)
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


def _read_data(
    layout: Layout,
    catalogue: Catalogue,
    batch: str,
    kind: str,
    columns: list[str],
    bad: dict[str, Problem],
    known: dict[tuple[str, str], pa.Table] | None,
) -> pa.Table | None:
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
        bad[batch] = Problem(path, exc.reason)
    except FileNotFoundError:
        manifest = layout.manifest_path(batch, catalogue.digests.get(batch))
        layout.fs.invalidate_cache(manifest.rsplit("/", 1)[0])
        if not layout.fs.exists(manifest):
            raise
        bad[batch] = Problem(path, "missing although its batch is committed (moved or deleted?)")
    return None
