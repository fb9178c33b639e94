"""The snapshot store on Delta Lake: two tables written with ``deltalake`` (delta-rs), on disk or S3.

Layout under the root (a folder or ``s3://bucket/prefix``)::

    versions/    Delta table, append-only: one row per distinct model object (content-addressed)
    snapshots/   Delta table, append-only: one row per snapshot, with its ordered list of versions

**The commit is delta-rs's**, not ours: a write appends the new model objects to ``versions``, then
one row per snapshot to ``snapshots``. That second append is the commit: a Delta commit is one
create-if-absent of the next ``_delta_log/<n>.json`` (``O_EXCL``-like on disk, a conditional
``PUT`` with ``If-None-Match: *`` on S3, no DynamoDB), retried by delta-rs on a conflict with
another append. Before it, nothing the write did is visible: versions nobody names are ignored by
readers, and data files no commit names are never read. After it, the writer reads its new rows
back (found in the table, each row and version list as read from the new file equal to what it
meant to write, every version they name present and intact, the content hash recomputed from what
was read) and only then reports success; a version it finds missing (a damaged file) is stored
again and checked again.

**Readers never modify the store.** Every data file is read on its own (a ``versions`` file row
group by row group), so a damaged or missing file makes only the snapshots that need it unreadable
(a warning names the file); a model object is checked against its content address (SHA-256 of its
JSON) when read, so a flipped bit is an error, never a wrong answer. A damaged or stray commit file
in ``_delta_log`` is a :class:`~orcatalog.errors.StoreDamagedError` naming it. What to do about
each kind of damage is in ``data/README.md`` (Damage and recovery).

**Upkeep.** ``compact()`` is Delta's ``optimize`` (small files merged; an ordinary commit, so it
runs beside writers and readers) and ``vacuum`` of what optimize replaced, only once it is older
than :data:`VACUUM_RETENTION_HOURS` (a reader that opened the table before keeps its files). Files
that no commit names (a writer killed before its commit) are vacuumed, on disk and on S3, once
last modified more than :data:`ORPHAN_RETENTION_HOURS` ago, far longer than any write takes. After each write the store runs
optimize itself when a table has more than ``auto_compact`` files.

The rules that read a snapshot against its timeline are the parquet store's
(:mod:`orcatalog.store.timeline`); bodies are checked and hashed by :mod:`orcatalog.store.ingest`,
so ids, hashes and errors are the same in both layouts. The layout is documented in
``data/README.md``; the SQL view of the flat history is :data:`HISTORY_VIEW_SQL`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import uuid
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import (
    StoreDamageWarning,
    TwinSnapshotWarning,
    SchemaError,
    SnapshotConflictError,
    SnapshotNotFoundError,
    StoreDamagedError,
    StoreError,
    StoreWriteError,
)
from ..scope import default_scope
from .faults import delta_failures, delta_message, first_line, map_delta, secrets_of
from .ingest import (
    MANIFEST_SCHEMA,
    Body,
    Recorded,
    content_hash,
    prepare,
    refuse_same_time,
    time_of_snapshot_id,
    versions_table,
)
from .queries import parse_versions, snapshot_frame
from .timeline import apply_rules, extend_rules, latest_of, scope_column, twins_note
from .waits import Waits

if TYPE_CHECKING:
    from .layout import Layout

__all__ = [
    "DeltaLayout",
    "TABLES",
    "HISTORY_VIEW_SQL",
    "VACUUM_RETENTION_HOURS",
    "ORPHAN_RETENTION_HOURS",
    "SNAPSHOTS_SCHEMA",
    "is_delta_store",
]

logger = logging.getLogger("orcatalog.store")

#: The two tables of the model catalog (the endpoint history tables are :mod:`.endpoints`).
TABLES = ("versions", "snapshots")
#: Hours a file replaced by ``optimize`` is kept for readers that opened the table before.
VACUUM_RETENTION_HOURS = 1.0
#: Hours before a data file that no commit names (a killed writer's) is deleted.
ORPHAN_RETENTION_HOURS = 24.0
#: How often a write retries a commit that lost a race with another commit (delta-rs retries too).
COMMIT_ATTEMPTS = 20
#: Table properties set when a table is created.
TABLE_CONFIG = {
    "delta.logRetentionDuration": "interval 7 days",
    "delta.deletedFileRetentionDuration": "interval 1 hours",
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


def is_delta_store(fs: Any, base: str) -> bool:
    """Whether ``base`` holds a Delta-layout store: a ``snapshots`` or a ``versions`` table log (a
    first write interrupted before its snapshots commit leaves only the versions table; the earlier
    parquet layout's ``versions/`` folder has no log)."""
    for table in ("snapshots", "versions"):
        try:
            fs.invalidate_cache(f"{base}/{table}")
            if fs.exists(f"{base}/{table}/_delta_log"):
                return True
        except OSError:
            continue
    return False


def delta_options(storage_options: dict[str, Any]) -> dict[str, str]:
    """fsspec/s3fs storage options (``key``, ``secret``, ``client_kwargs.endpoint_url``...) as the
    ``AWS_*`` options of delta-rs; upper-case keys are passed on as they are."""
    out: dict[str, str] = {k: str(v) for k, v in storage_options.items() if isinstance(k, str) and k.isupper()}
    client = storage_options.get("client_kwargs") or {}
    pairs = {
        "key": "AWS_ACCESS_KEY_ID",
        "secret": "AWS_SECRET_ACCESS_KEY",
        "token": "AWS_SESSION_TOKEN",
        "endpoint_url": "AWS_ENDPOINT_URL",
        "region_name": "AWS_REGION",
    }
    for source in (storage_options, client):
        for k, name in pairs.items():
            if source.get(k):
                out[name] = str(source[k])
    for name in ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"):  # what boto3/s3fs read from the environment
        if "AWS_ENDPOINT_URL" not in out and os.environ.get(name):
            out["AWS_ENDPOINT_URL"] = os.environ[name]
    if out.get("AWS_ENDPOINT_URL", "").startswith("http://"):
        out.setdefault("AWS_ALLOW_HTTP", "true")
    if "AWS_ENDPOINT_URL" in out:
        out.setdefault("AWS_REGION", "us-east-1")
    return out


@dataclass
class Problem:
    """A file that cannot be read, and what that makes unreadable."""

    path: str
    reason: str
    snapshot_ids: list[str] = field(default_factory=list)
    window: tuple[pd.Timestamp, pd.Timestamp] | None = None  # a snapshots file: the times it held

    def message(self) -> str:
        what = f"{self.path}: {self.reason}"
        if self.snapshot_ids:
            return f"{what}; affects snapshot(s) {', '.join(self.snapshot_ids[:5])}" + (
                f" and {len(self.snapshot_ids) - 5} more" if len(self.snapshot_ids) > 5 else ""
            )
        if self.window is not None:
            return f"{what}; it held snapshots fetched {self.window[0]} .. {self.window[1]}"
        return what


@dataclass
class Verified:
    """One ``versions`` file's model objects that match their content address, and those that do not."""

    raw: dict[str, str]  # version -> model JSON
    ids: dict[str, str]  # version -> model id
    failed: list[str]  # versions whose JSON here fails its hash


def _verify(t: pa.Table) -> Verified:
    """Check each model object of one ``versions`` file against its content address (SHA-256)."""
    raw: dict[str, str] = {}
    ids: dict[str, str] = {}
    failed = []
    columns = [t.column(c).cast(pa.binary()).to_pylist() for c in ("version", "id", "raw")]  # no UTF-8 check
    for vb, ib, rb in zip(*columns):
        try:  # a flipped byte can make a value invalid UTF-8: that is damage, not a crash
            v, i, r = (None if b is None else b.decode() for b in (vb, ib, rb))
        except UnicodeDecodeError:
            failed.append(vb.decode(errors="replace") if vb is not None else "")
            continue
        if v is None or v in raw:
            continue
        if r is None or hashlib.sha256(rb).hexdigest()[:32] != v:
            failed.append(v)
            continue
        raw[v] = r
        ids[v] = i or ""
    return Verified(raw, ids, failed)


class State:
    """What a reader sees at one pair of table versions.

    The manifest and the verified model objects are read when the state is built. The snapshots'
    version lists (``orders``, the bulk of the ``snapshots`` table) and what they make unreadable
    are read on first use: a writer that adds a new snapshot needs neither, a reader needs both.
    When a ``versions`` file is damaged they are worked out at once (the warning names the
    snapshots it affects).
    """

    def __init__(
        self,
        key: tuple[int, int],
        manifest: pd.DataFrame,
        raw: dict[str, str],
        ids: dict[str, str],
        found: list[Problem],
        read_orders: Callable[[], tuple[pa.ListArray, list[Problem]]],
        where: str,
        root: str,
        files: tuple[list[tuple[str, pa.Table]], np.ndarray, list[str]] | None = None,
    ) -> None:
        self.key = key
        self.manifest = manifest  # time order, one row per snapshot id, timeline rules applied
        self.raw = raw  # version -> model JSON (verified against the version hash)
        self.ids = ids  # version -> model id
        self._found = found  # what building the state found (warned then)
        self._read_orders = read_orders
        self._where, self._root = where, root
        self._orders: pa.ListArray | None = None
        self._problems: list[Problem] = found
        self._unreadable: dict[str, Problem] | None = None
        self._codes: tuple[pa.Array, np.ndarray, np.ndarray] | None = None
        self._postings: tuple[np.ndarray, np.ndarray] | None = None
        self._columns: tuple[pd.Categorical, pd.Categorical, np.ndarray] | None = None
        # the snapshots files read (in the order ``rows`` counts them), each manifest row's position
        # in them, and the versions files read: what a state built from this one starts from
        self.snapshot_files, self.rows, self.version_files = files or ([], np.zeros(0, dtype=np.int64), [])

    @property
    def times(self) -> pd.DatetimeIndex:
        return pd.DatetimeIndex(self.manifest["fetched_at"])

    @property
    def orders(self) -> pa.ListArray:
        """Each manifest row's model versions, in body order."""
        if self._orders is None:
            self.check()
        assert self._orders is not None
        return self._orders

    @property
    def unreadable(self) -> dict[str, Problem]:
        """Snapshot id -> why it cannot be read."""
        if self._unreadable is None:
            self.check()
        assert self._unreadable is not None
        return self._unreadable

    @property
    def problems(self) -> list[Problem]:
        """Every file that cannot be read, and what it makes unreadable."""
        if self._unreadable is None:
            self.check()
        return self._problems

    def codes(self) -> tuple[pa.Array, np.ndarray, np.ndarray]:
        """The orders flattened once: the distinct versions, each entry's index into them, and
        each entry's manifest row (so a query selects entries with numpy, never strings)."""
        if self._codes is None:
            flat = pc.list_flatten(self.orders)
            if not len(flat):
                empty = np.zeros(0, dtype=np.int64)
                self._codes = (pa.array([], pa.string()), empty, empty)
            else:
                encoded = flat.dictionary_encode()
                self._codes = (
                    encoded.dictionary,
                    encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64),
                    pc.list_parent_indices(self.orders).to_numpy().astype(np.int64),
                )
        return self._codes

    def columns(self) -> tuple[pd.Categorical, pd.Categorical, np.ndarray]:
        """The manifest's scope and snapshot id as categoricals and its times as ISO text, made
        once per state (every history() answer takes from them)."""
        if self._columns is None:
            m = self.manifest
            iso = np.datetime_as_string(m["fetched_at"].to_numpy(dtype="datetime64[us]"), unit="us", timezone="UTC")
            self._columns = (pd.Categorical(m["scope"]), pd.Categorical(m["snapshot_id"]), iso)
        return self._columns

    def entries_of(self, versions: np.ndarray) -> np.ndarray:
        """The positions (in flat order) of the order entries naming any of ``versions`` (indices
        into :meth:`codes`' dictionary): an inverted index sorted once per state, so one model's
        rows cost what that model holds, not what the store holds."""
        _, codes, _ = self.codes()
        if self._postings is None:
            by_code = np.argsort(codes, kind="stable")
            starts = np.searchsorted(codes[by_code], np.arange(len(self.codes()[0]) + 1))
            self._postings = (by_code, starts)
        by_code, starts = self._postings
        parts = [by_code[starts[c] : starts[c + 1]] for c in versions.tolist()]
        return np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    def check(self, warn: bool = True) -> None:
        """Read the orders and work out which snapshots name a model object no file holds intact."""
        orders, extra = self._read_orders()
        problems = self._found + extra
        unreadable: dict[str, Problem] = {}
        for p in extra:
            unreadable.update(dict.fromkeys(p.snapshot_ids, p))
        manifest = self.manifest
        if len(orders):
            flat = pc.list_flatten(orders)
            parents = pc.list_parent_indices(orders).to_numpy()
            uniques = pc.unique(flat).to_pylist()
            missing = [v for v in uniques if v not in self.raw]
            if missing:
                hit = pc.is_in(flat, value_set=pa.array(missing, pa.string())).to_numpy(zero_copy_only=False)
                bad_rows = np.unique(parents[hit])
                sids = [s for s in manifest["snapshot_id"].to_numpy()[bad_rows].tolist() if s not in unreadable]
                damaged = [p for p in problems if p.window is None and not p.snapshot_ids]
                where = damaged[0].path if damaged else self._where
                reason = damaged[0].reason if damaged else "model versions are missing"
                problem = Problem(where, reason, sids)
                problems = [p for p in problems if p.window is not None or p.snapshot_ids] + [problem]
                unreadable.update(dict.fromkeys(sids, problem))
            for p in problems:
                if p.window is None and not p.snapshot_ids and not p.reason.endswith(")"):
                    p.reason += " (no snapshot needs what it held)"
        new = [p for p in problems if p not in self._found]
        self._orders, self._unreadable, self._problems = orders, unreadable, problems
        if warn and new:
            _warn(self._root, new)


#: How a :class:`Problem` starts its reason for a committed data file that is not there.
MISSING = "is missing"


def _forgettable(problem: Problem) -> bool:
    """A missing ``versions`` file that no snapshot needs (every object it held is held again):
    dropping it from the log loses nothing."""
    return (
        problem.reason.startswith(MISSING)
        and problem.window is None
        and not problem.snapshot_ids
        and ("/versions/" in problem.path)
    )


def _warn(root: str, problems: list[Problem]) -> None:
    warnings.warn(
        "orcatalog: the store at " + root + " has unreadable files: " + "; ".join(p.message() for p in problems),
        StoreDamageWarning,
        stacklevel=6,
    )


class DeltaLayout:
    """The two Delta tables of one store: reading them file by file, appending, optimizing.

    Args:
        root: the store's root as given (folder or URL).
        files: the store's files (its fsspec filesystem and path, for existence checks and sizes,
            and the locks of :mod:`.lock`).
        storage_options: fsspec options (translated for delta-rs by :func:`delta_options`).
        waits: the clock, sleep and jitter of its retries (:class:`.waits.Waits`; default real time).
    """

    def __init__(self, root: str, files: Layout, storage_options: dict[str, Any], waits: Waits | None = None) -> None:
        self.root, self.files = root, files
        self.waits = waits or Waits()
        self.fs, self.base, self.local = files.fs, files.base, files.local
        self.options = delta_options(storage_options)
        self.secrets = secrets_of(self.options)  # never repeated in a message (faults.map_delta)
        prefix = root.rstrip("/") if not self.local else os.path.abspath(self.base)
        self.uris = {t: f"{prefix}/{t}" for t in TABLES}
        self._files: dict[str, pa.Table] = {}  # data file URI -> its table (Delta data files never change)
        self._partial: dict[str, str] = {}  # versions file URI -> why some of its row groups are not in _files
        self._orders: dict[str, pa.ChunkedArray | pa.Array] = {}  # snapshots file URI -> its versions column
        self._verified: dict[str, Verified] = {}  # versions file URI -> its objects checked against their hashes
        self._handles: dict[str, Any] = {}  # table name -> its DeltaTable, brought up to date before each use
        self._state: State | None = None

    # -- tables ----------------------------------------------------------------------------

    def table(self, name: str, refresh: bool = True) -> Any | None:
        """The Delta table ``name`` at its latest version, or None when it does not exist yet.

        The handle is kept by this object and brought up to date from the log (only the commits
        after the one it has are read), so asking again costs one listing of ``_delta_log``;
        ``refresh=False`` takes it as it is (a handle this object just wrote through is current
        up to its own commit).
        """
        from deltalake import DeltaTable

        dt = self._handles.get(name)
        if dt is not None and not refresh:
            return dt
        if dt is not None:
            try:
                dt.update_incremental()
                return dt
            except delta_failures("open"):  # e.g. the log it would read next expired: open it anew
                del self._handles[name]
        try:
            dt = DeltaTable(self.uris[name], storage_options=self.options or None)
        except delta_failures("open") as exc:
            error = map_delta(exc, "open", f"the store at {self.root}", self.secrets)
            if isinstance(error, SnapshotNotFoundError):  # no such table yet
                return None
            if isinstance(error, StoreDamagedError):  # every read and write needs the log: name the file at fault
                error = map_delta(exc, "open", self._log_damage(name), self.secrets)
            raise error from None
        self._handles[name] = dt
        return dt

    def _log_damage(self, name: str) -> str:
        """What is wrong with a table whose Delta log cannot be read (the start of the
        :class:`StoreDamagedError` of :func:`.faults.map_delta`): the commit file at fault (one that
        is not JSON lines, or one after a gap in the numbering), else the table's log folder."""
        log = f"{self.base}/{name}/_delta_log"
        where = f"{self.uris[name]}/_delta_log"
        try:
            self.fs.invalidate_cache(log)
            names = sorted(p.rsplit("/", 1)[-1] for p in self.fs.ls(log, detail=False))
        except OSError:
            names = []
        commits = sorted((int(n[:20]), n) for n in names if len(n) == 25 and n.endswith(".json") and n[:20].isdigit())
        culprit = None
        for i, (number, file) in enumerate(commits):
            if i and number != commits[i - 1][0] + 1:
                culprit = (file, f"follows commit {commits[i - 1][0]} with a gap (a stray file?)")
                break
            try:
                for line in self.fs.cat_file(f"{log}/{file}").splitlines():
                    if line.strip():
                        json.loads(line)
            except (OSError, ValueError) as bad:
                culprit = (file, f"is not a whole commit ({type(bad).__name__}: {first_line(bad)[:120]})")
                break
        what = f"{where}/{culprit[0]} {culprit[1]}" if culprit else f"the log {where} cannot be read"
        return f"the {name} table of the store at {self.root} is damaged: {what}"

    def _read_file(self, uri: str, columns: list[str] | None) -> pa.Table:
        """One data file of a table, read on its own: from disk directly, from an object store
        through the store's fsspec filesystem (the URI without its scheme)."""
        import pyarrow.parquet as pq

        if self.local:  # one file: ParquetFile, not read_table's dataset machinery
            return pq.ParquetFile(uri).read(columns=columns, use_threads=False)
        path = uri.split("://", 1)[-1]
        try:
            with self.fs.open(path, "rb") as f:
                return pq.read_table(f, columns=columns, use_threads=False)
        except FileNotFoundError:  # s3fs answers from its listing cache: a file written since is "missing"
            self.fs.invalidate_cache(path)
            with self.fs.open(path, "rb") as f:
                return pq.read_table(f, columns=columns, use_threads=False)

    def _read_groups(self, uri: str, columns: list[str] | None) -> tuple[pa.Table, str | None]:
        """A ``versions`` file read row group by row group: the groups that read, and which did not
        (None when all did). Raises as :meth:`_read_file` when the footer or every group fails."""
        import pyarrow.parquet as pq

        if self.local:
            source: Any = uri
        else:
            path = uri.split("://", 1)[-1]
            self.fs.invalidate_cache(path)
            source = pa.BufferReader(self.fs.cat_file(path))
        pf = pq.ParquetFile(source)
        parts, bad = [], []
        error: Exception | None = None
        for i in range(pf.metadata.num_row_groups):
            try:
                parts.append(pf.read_row_group(i, columns=columns, use_threads=False))
            except (pa.ArrowException, OSError, ValueError) as exc:
                bad.append(i)
                error = exc
        if error is not None and not parts:
            raise error
        table = pa.concat_tables(parts) if parts else pf.schema_arrow.empty_table().select(columns or [])
        if not bad:
            return table, None
        n = pf.metadata.num_row_groups
        groups = ", ".join(str(i + 1) for i in bad)
        return table, f"row group(s) {groups} of {n} cannot be read ({type(error).__name__}: {str(error)[:200]})"

    def _read_files(
        self, name: str, dt: Any, uris: list[str], columns: list[str] | None, problems: list[Problem]
    ) -> list[tuple[str, pa.Table]]:
        """Data files of a table version (``uris``, from ``dt.file_uris()``), each read on its own
        and once per store object (a Delta data file never changes): a damaged file is a
        :class:`Problem`, never a failure of the others."""
        out = []
        stats: dict[str, tuple[pd.Timestamp, pd.Timestamp]] | None = None
        for uri in uris:
            reason: str | None = None
            if uri not in self._files:
                try:
                    if name == "versions":  # by row group: a damaged group loses only its objects
                        self._files[uri], partial = self._read_groups(uri, columns)
                        if partial is not None:
                            self._partial[uri] = partial
                    else:
                        self._files[uri] = self._read_file(uri, columns)
                except FileNotFoundError:
                    if not self._still_named(name, uri):
                        raise  # vacuumed after a compaction since the listing: the caller lists again
                    reason = f"{MISSING} (moved away or deleted; the log still names it as committed)"
                except (pa.ArrowException, OSError, ValueError) as exc:
                    reason = f"cannot be read ({type(exc).__name__}: {str(exc)[:200]})"
            if reason is not None:
                if stats is None:
                    stats = _file_stats(dt) if name == "snapshots" else {}
                problems.append(Problem(uri, reason, window=stats.get(uri.rsplit("/", 1)[-1])))
                continue
            if uri in self._partial:  # some row groups read: the others are damage
                problems.append(Problem(uri, self._partial[uri]))
            out.append((uri, self._files[uri]))
        return out

    def _still_named(self, name: str, uri: str) -> bool:
        """Whether the table's latest version, read anew from the log, still names a data file that
        is not there: then it is damage (a committed file moved away or deleted), not a file that a
        compaction replaced and vacuum removed after this reader listed the table."""
        from deltalake import DeltaTable

        try:
            latest = DeltaTable(self.uris[name], storage_options=self.options or None)
        except delta_failures("open"):
            return False
        return uri in set(latest.file_uris())

    def state(self, refresh: bool = True) -> State:
        """The store as it is now (re-read only when a table has a new version; only the data
        files not read before are read, and when no file was removed only the new rows get the
        timeline rules: see :meth:`_extend`). ``refresh=False``: as of the table versions this
        object last saw or wrote, without asking the log (a writer reading back its own commit);
        a retry always asks the log, since the kept handles are what named the vacuumed files."""
        for attempt in range(5):
            fresh = refresh or attempt > 0
            snaps, vers = self.table("snapshots", fresh), self.table("versions", fresh)
            key = (-1 if snaps is None else snaps.version(), -1 if vers is None else vers.version())
            if self._state is not None and self._state.key == key:
                return self._state
            try:
                uris = (snaps.file_uris() if snaps is not None else [], vers.file_uris() if vers is not None else [])
                built = self._extend(self._state, key, snaps, vers, *uris) if self._state is not None else None
                self._state = built if built is not None else self._build(key, snaps, vers, *uris)
                return self._state
            except FileNotFoundError:  # vacuumed between listing and reading: list again
                self.waits.reread(attempt + 1, step=0.05)
        raise StoreError(f"the store at {self.root} kept changing while it was read; try again")

    def _build(self, key: tuple[int, int], snaps: Any, vers: Any, snap_uris: list[str], vers_uris: list[str]) -> State:
        problems: list[Problem] = []
        snapshot_files = self._read_files("snapshots", snaps, snap_uris, MANIFEST_COLUMNS, problems)
        version_tables = self._read_files("versions", vers, vers_uris, ["version", "id", "raw"], problems)
        manifest, rows = _manifest([t for _, t in snapshot_files])
        raw: dict[str, str] = {}
        ids: dict[str, str] = {}
        checked = []
        for path, t in version_tables:
            checked.append((path, self._verified_file(path, t)))
            raw.update(checked[-1][1].raw)
            ids.update(checked[-1][1].ids)
        for path, v in checked:  # objects whose only copy fails its hash; a copy stored again is enough
            lost = [x for x in v.failed if x not in raw]
            if lost:
                problems.append(
                    Problem(path, f"{len(lost)} model object(s) do not match their content hash (bit rot?)")
                )
        state = State(
            key,
            manifest,
            raw,
            ids,
            problems,
            lambda: self._orders_of(snapshot_files, rows, manifest),
            self.uris["versions"],
            self.root,
            (snapshot_files, rows, [path for path, _ in version_tables]),
        )
        if any(p.window is None for p in problems):  # a versions file is damaged: say now what it affects
            state.check(warn=False)
            problems = state.problems
        if problems:
            _warn(self.root, problems)
        return state

    def _extend(
        self, old: State, key: tuple[int, int], snaps: Any, vers: Any, snap_uris: list[str], vers_uris: list[str]
    ) -> State | None:
        """The state after commits that only added files (appends; this object's own write
        included), built from ``old`` by reading the new files alone and applying the timeline
        rules to the new rows alone (:func:`.timeline.extend_rules`). None when that would not be
        the same as reading everything: a file was removed (optimize), a file is damaged, a new
        row is not after every held one, or repeats a held snapshot; :meth:`_build` then reads it all."""
        held_snaps = {path for path, _ in old.snapshot_files}
        held_vers = set(old.version_files)
        if old._found or not held_snaps <= set(snap_uris) or not held_vers <= set(vers_uris):
            return None
        problems: list[Problem] = []
        added = self._read_files(
            "snapshots", snaps, [u for u in snap_uris if u not in held_snaps], MANIFEST_COLUMNS, problems
        )
        added_vers = self._read_files(
            "versions", vers, [u for u in vers_uris if u not in held_vers], ["version", "id", "raw"], problems
        )
        if problems:
            return None
        new, positions = _manifest([t for _, t in added], rules=False)
        held = pa.Array.from_pandas(old.manifest["snapshot_id"])  # Arrow: pandas' isin makes Python strings
        if pc.any(pc.is_in(pa.Array.from_pandas(new["snapshot_id"]), value_set=held)).as_py():
            return None
        manifest = extend_rules(old.manifest, new)
        if manifest is None:
            return None
        raw, ids = dict(old.raw), dict(old.ids)
        for path, t in added_vers:
            v = self._verified_file(path, t)
            raw.update(v.raw)
            ids.update(v.ids)
        if any(x not in raw for path, t in added_vers for x in self._verified_file(path, t).failed):
            return None
        snapshot_files = old.snapshot_files + added
        offset = sum(len(t) for _, t in old.snapshot_files)
        rows = np.concatenate([old.rows, positions + offset])
        return State(
            key,
            manifest,
            raw,
            ids,
            [],
            lambda: self._orders_of(snapshot_files, rows, manifest),
            self.uris["versions"],
            self.root,
            (snapshot_files, rows, old.version_files + [path for path, _ in added_vers]),
        )

    def _verified_file(self, path: str, table: pa.Table) -> Verified:
        """A versions file's objects checked against their hashes, once per store object."""
        if path not in self._verified:
            self._verified[path] = _verify(table)
        return self._verified[path]

    def orders_at(self, state: State, positions: list[int]) -> list[list[str] | None]:
        """The version lists of some manifest rows, read from the files that hold them (only
        those files: a writer reading back its own rows), None for a row whose list is null.

        Raises:
            pyarrow / OS errors of the file (the caller says the write does not read back).
        """
        ends = np.cumsum([len(t) for _, t in state.snapshot_files])
        out: list[list[str] | None] = []
        for pos in positions:
            row = int(state.rows[pos])
            i = int(np.searchsorted(ends, row, side="right"))
            start = int(ends[i - 1]) if i else 0
            out.append(self._file_orders(state.snapshot_files[i][0])[row - start].as_py())
        return out

    def _file_orders(self, path: str) -> pa.Array | pa.ChunkedArray:
        """A snapshots file's ``versions`` column, read once per store object."""
        if path not in self._orders:
            column = self._read_file(path, ["versions"]).column("versions")
            self._orders[path] = column.cast(SNAPSHOTS_SCHEMA.field("versions").type)
        return self._orders[path]

    def _orders_of(
        self, files: list[tuple[str, pa.Table]], rows: np.ndarray, manifest: pd.DataFrame
    ) -> tuple[pa.ListArray, list[Problem]]:
        """The ``versions`` column of the snapshots files (read once each), aligned with the
        manifest; a file whose column cannot be read makes its snapshots unreadable."""
        parts, problems = [], []
        for path, t in files:
            if path not in self._orders:
                try:
                    self._file_orders(path)
                except FileNotFoundError:
                    raise
                except (pa.ArrowException, OSError, ValueError) as exc:
                    sids = [s for s in t.column("snapshot_id").to_pylist() if s in set(manifest["snapshot_id"])]
                    reason = f"cannot be read ({type(exc).__name__}: {str(exc)[:200]})"
                    problems.append(Problem(path, reason, sids))
                    parts.append(pa.nulls(len(t), SNAPSHOTS_SCHEMA.field("versions").type))
                    continue
            parts.append(self._orders[path])
        if not parts:
            return SNAPSHOTS_SCHEMA.empty_table().column("versions").combine_chunks(), problems
        chunks = [c for part in parts for c in getattr(part, "chunks", [part])]
        chunked = pa.chunked_array(chunks, type=SNAPSHOTS_SCHEMA.field("versions").type)
        return chunked.take(pa.array(rows, pa.int64())).combine_chunks(), problems

    # -- writing ---------------------------------------------------------------------------

    def check_conditional_put(self) -> None:
        """On an object store, check once per process and bucket that a create-if-absent PUT
        (``If-None-Match: *``) is refused when the object exists: Delta's commit relies on it, and
        a server that ignores it would let two writers overwrite each other's commit silently.

        Raises:
            StoreWriteError: the server ignores ``If-None-Match`` (nothing is written to the store).
        """
        if self.local:
            return
        bucket = self.base.split("/", 1)[0]
        key = (self.options.get("AWS_ENDPOINT_URL"), bucket)
        if key in _CONDITIONAL_PUT_OK:
            return
        probe = f"{self.base}/.probe-{uuid.uuid4().hex}"  # inside the prefix: writable wherever the store is
        try:
            self.fs.pipe_file(probe, b"1", mode="create")
            try:
                self.fs.pipe_file(probe, b"2", mode="create")
                honoured = False
            except FileExistsError:
                honoured = True
            finally:
                self.fs.rm_file(probe)
        except (OSError, TypeError) as exc:
            raise StoreWriteError(f"cannot check conditional writes at {self.root}: {exc}") from exc
        if not honoured:
            raise StoreWriteError(
                f"the object store of {self.root} ignores conditional writes (If-None-Match); "
                "concurrent commits could overwrite each other, so nothing was written"
            )
        _CONDITIONAL_PUT_OK.add(key)

    def append(self, name: str, data: pa.Table, merge_schema: bool = False, writer_properties: Any = None) -> None:
        """Append rows to a table as one Delta commit (created on first use), retrying lost races.
        ``writer_properties`` (a ``deltalake.WriterProperties``) sets row groups and encodings.

        Raises:
            SnapshotConflictError: the commit kept losing to other commits.
            StoreWriteError: the storage refused the write (nothing became visible).
        """
        from deltalake import CommitProperties, write_deltalake

        self.check_conditional_put()
        last: BaseException | None = None
        for attempt in range(COMMIT_ATTEMPTS):
            try:
                dt = self.table(name, refresh=attempt > 0) if name in self._handles else None
                write_deltalake(
                    self.uris[name] if dt is None else dt,  # the kept handle: no reopening; delta-rs updates it
                    data,
                    mode="append",
                    schema_mode="merge" if merge_schema else None,
                    configuration=TABLE_CONFIG,
                    storage_options=self.options or None,
                    commit_properties=CommitProperties(max_commit_retries=50),
                    writer_properties=writer_properties,
                )
                return
            except delta_failures("commit") as exc:
                error = map_delta(exc, "commit", f"writing to {self.uris[name]}", self.secrets)
                if not isinstance(error, SnapshotConflictError):  # a lost race is tried again, after a wait
                    raise error from exc
                last = exc
                self.waits.recommit(attempt)
        raise SnapshotConflictError(
            f"{self.uris[name]}: the commit lost to other writers {COMMIT_ATTEMPTS} times "
            f"({delta_message(last) if last else ''}); nothing was committed, try again"
        )

    def compacting(self) -> contextlib.AbstractContextManager[None]:
        """Hold the store's one compaction lock for the block (:func:`.lock.run_lock` named
        ``compact``, not waited for). Two compactions must never run at once: delta-rs lets two
        ``optimize`` commits that remove the same files both succeed (a remove without data change
        passes its conflict check), so both rewrites stay in the table and every row they merged is
        then held twice; compactions racing in a loop doubled a 444-row table to 792,902 rows.

        Raises:
            SnapshotConflictError: another compaction holds it (nothing was changed).
            StoreWriteError: the lock cannot be created.
        """
        from .lock import run_lock

        return run_lock(self.files, "compact", wait=0, clock=self.waits.now, sleep=self.waits.wait)

    def due(self, limit: int) -> bool:
        """Whether a table has more than ``limit`` files, by the handles as this object last saw or
        wrote them (no new log read): the automatic compaction takes the lock only then."""
        return any(
            dt is not None and len(dt.file_uris()) > limit for dt in (self.table(n, refresh=False) for n in TABLES)
        )

    def optimize(self, limit: int | None, retention_hours: float, orphan_hours: float = ORPHAN_RETENTION_HOURS) -> int:
        """Merge each table's small files (optimize) when it has more than ``limit`` files (None:
        always), then vacuum what was replaced longer than ``retention_hours`` ago.

        Returns:
            How many files were merged away.
        """
        merged = 0
        for name in TABLES:
            dt = self.table(name)  # read anew under the lock: an optimize of an older version would
            # pass delta-rs's conflict check against a compaction committed since, and keep both rewrites
            if dt is None:
                continue
            n_files = len(dt.file_uris())
            if n_files <= 1 or (limit is not None and n_files <= limit):
                if limit is None:  # a full compaction vacuums even a table with nothing to merge
                    self.vacuum(name, retention_hours, orphan_hours)
                continue
            try:
                metrics = dt.optimize.compact()
            except delta_failures("compact") as exc:
                raise map_delta(exc, "compact", f"optimize of {self.uris[name]}", self.secrets) from None
            merged += int(metrics.get("numFilesRemoved", 0))
            self.vacuum(name, retention_hours, orphan_hours)
        return merged

    def drop_copies(self) -> int:
        """Rewrite each table that holds a row more than once (the same ``version`` in
        ``versions``, the same snapshot row in ``snapshots``) with one copy of each, and return how
        many rows were dropped. Stores compacted by two compactions at once before the compaction
        lock existed (or by another engine's OPTIMIZE racing ours) hold every merged row twice or
        more: readers answer right, but read and hold every copy.

        Only the caller's compaction may run (it holds :meth:`compacting`). The rewrite is an
        overwrite from the handle read here: it replaces only the files that handle holds, so rows
        a writer appends meanwhile stay. Of a ``version``'s copies one whose JSON matches its
        content address is kept (a damaged copy never wins over an intact one); a snapshot row is
        a copy only when every column, its ``versions`` list included, is equal (two different rows
        of one id are left for the readers' rule).
        """
        from deltalake import write_deltalake

        dropped = 0
        for name, key in _ROW_KEYS.items():
            dt = self.table(name)
            if dt is None:
                continue
            keys = dt.to_pyarrow_table(columns=[key]).column(key)
            if pc.count_distinct(keys).as_py() == len(keys):  # the usual case: one column read, nothing else
                continue
            table = dt.to_pyarrow_table()
            keep = _one_of_each(name, table, key)
            if len(keep) == len(table):
                continue
            try:
                write_deltalake(
                    dt, table.take(pa.array(keep, pa.int64())), mode="overwrite", storage_options=self.options or None
                )
            except delta_failures("compact") as exc:  # nothing committed: the copies stay, answers as before
                raise map_delta(exc, "compact", f"dropping copies in {self.uris[name]}", self.secrets) from None
            logger.warning(
                "%s: dropped %d copies of rows held more than once (an earlier concurrent compaction)",
                self.uris[name],
                len(table) - len(keep),
            )
            dropped += len(table) - len(keep)
        return dropped

    def repair(self) -> None:
        """Delta's FSCK: drop from the log the data files that no longer exist. It drops whatever a
        missing file held, so only :meth:`DeltaStore.compact` calls it, and only when no snapshot
        needs a missing file (see :func:`_forgettable`)."""
        if not self.local:  # it lists the whole prefix; moto's listing of it times out, so disk only for now
            return
        for name in TABLES:
            dt = self.table(name)
            if dt is not None:
                metrics = dt.repair(dry_run=False)
                if metrics.get("files_removed"):
                    logger.warning(
                        "%s: removed missing files from the log: %s", self.uris[name], metrics["files_removed"]
                    )

    def vacuum(self, name: str, retention_hours: float, orphan_hours: float = ORPHAN_RETENTION_HOURS) -> None:
        """Delete files replaced longer than ``retention_hours`` ago, and data files no commit names
        (a writer killed before its commit) last modified more than ``orphan_hours`` ago (by the
        file's time on disk or the object's ``LastModified``: a live writer commits its files
        seconds after writing them, far inside :data:`ORPHAN_RETENTION_HOURS`); then expired log
        entries. On disk and on object stores alike (delta-rs's full vacuum lists the table's prefix)."""
        dt = self.table(name)
        if dt is None:
            return
        try:
            dt.vacuum(
                retention_hours=int(retention_hours) if retention_hours >= 1 else 0,
                dry_run=False,
                enforce_retention_duration=False,
                full=False,
            )
            dt.vacuum(  # files no commit names: delta-rs keeps those younger than the retention
                retention_hours=int(max(retention_hours, orphan_hours)),
                dry_run=False,
                enforce_retention_duration=False,
                full=True,
            )
            dt.cleanup_metadata()
        except OSError as exc:  # vacuum only frees space: the data is whole without it
            logger.warning("vacuum of %s skipped: %s", self.uris[name], exc)


_CONDITIONAL_PUT_OK: set[tuple[str | None, str]] = set()  # (endpoint, bucket) checked by this process


def _file_stats(dt: Any) -> dict[str, tuple[pd.Timestamp, pd.Timestamp]]:
    """The fetch-time window each snapshots file held, from the Delta log's file statistics."""
    try:
        actions = pa.table(dt.get_add_actions(flatten=True))
        paths = actions.column("path").to_pylist()
        lows = actions.column("min.fetched_at").to_pylist()
        highs = actions.column("max.fetched_at").to_pylist()
    except (KeyError, pa.ArrowException, TypeError, ValueError):
        return {}
    out = {}
    for p, lo, hi in zip(paths, lows, highs):
        if lo is not None and hi is not None:
            out[p.rsplit("/", 1)[-1]] = (
                pd.Timestamp(lo).tz_convert("UTC") if pd.Timestamp(lo).tzinfo else pd.Timestamp(lo, tz="UTC"),
                pd.Timestamp(hi).tz_convert("UTC") if pd.Timestamp(hi).tzinfo else pd.Timestamp(hi, tz="UTC"),
            )
    return out


#: The column that names a row of each table: rows sharing it are copies (see :func:`_one_of_each`).
_ROW_KEYS = {"versions": "version", "snapshots": "snapshot_id"}


def _one_of_each(name: str, table: pa.Table, key: str) -> np.ndarray:
    """Positions of the rows of ``table`` to keep, in table order: one copy of each row held more
    than once. ``versions``: per ``version``, the first copy whose ``raw`` matches the content
    address (the first copy when none does: readers then report it damaged, as before).
    ``snapshots``: only rows equal in every column are copies."""
    n = len(table)
    if name == "versions":
        ids = table.column(key).to_pandas().to_numpy(dtype=object)
        copied = np.flatnonzero(pd.Series(ids).duplicated(keep=False).to_numpy())
        intact = np.ones(n, dtype=bool)
        raws = table.column("raw").take(pa.array(copied, pa.int64())).cast(pa.binary()).to_pylist()
        intact[copied] = [r is not None and hashlib.sha256(r).hexdigest()[:32] == v for r, v in zip(raws, ids[copied])]
        order = np.lexsort((np.arange(n), ~intact))  # intact copies first, each in table order
        first = order[~pd.Series(ids[order]).duplicated().to_numpy()]
        return np.sort(first)
    rows = [orjson.dumps(r, default=str) for r in table.to_pylist()]  # one row per snapshot: small
    return np.flatnonzero(~pd.Series(rows).duplicated().to_numpy())


#: The ``snapshots`` columns read to build the manifest (the ``versions`` lists are read on demand).
MANIFEST_COLUMNS = [f.name for f in SNAPSHOTS_SCHEMA if f.name != "versions"]


def _manifest(tables: list[pa.Table], rules: bool = True) -> tuple[pd.DataFrame, np.ndarray]:
    """The snapshot rows of some files (each file's manifest columns): one per id (a snapshot
    committed twice counts once), in time order, with the timeline rules applied (``rules``);
    and each row's position in the files' rows (in the order given)."""
    if not tables:
        frame = SNAPSHOTS_SCHEMA.empty_table().drop_columns(["versions"]).to_pandas()
        frame["seq"] = pd.Series([], dtype=np.int32)
        return (apply_rules(frame) if rules else frame), np.zeros(0, dtype=np.int64)
    types = {f.name: f.type for f in SNAPSHOTS_SCHEMA}
    same = [t.select([c for c in MANIFEST_COLUMNS if c in t.column_names]) for t in tables]
    same = [t.cast(pa.schema([pa.field(f.name, types[f.name]) for f in t.schema])) for t in same]
    table = pa.concat_tables(same, promote_options="default") if len(same) > 1 else same[0]
    keep = np.arange(len(table))
    ids = table.column("snapshot_id")
    if pc.count_distinct(ids).as_py() < len(ids):  # first of each id, in file order
        keep = np.flatnonzero(~pd.Series(ids.to_numpy()).duplicated().to_numpy())
        table = table.take(pa.array(keep, pa.int64()))
    order = pc.sort_indices(table, [("fetched_at", "ascending"), ("snapshot_id", "ascending")]).to_numpy()
    rows = keep[order]
    frame = table.take(pa.array(order, pa.int64())).to_pandas(ignore_metadata=True)
    frame["seq"] = np.zeros(len(frame), dtype=np.int32)
    return (apply_rules(frame) if rules else frame), rows


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


#: The columns of a snapshot's row that a write reads back and compares with what it meant to write
#: (the others record provenance, which a second writer of the same snapshot may differ in).
READ_BACK_COLUMNS = ("fetched_at", "scope", "top_level", "content_hash")


def _read_back_differs(
    stored: pd.Series, order: list[str] | None, meant: dict[str, Any], wanted: list[str]
) -> list[str]:
    """What differs between a snapshot's row as read back from storage (its manifest columns and
    its version list) and the row and list the write meant: the names of the differing parts (the
    version list, :data:`READ_BACK_COLUMNS`, the content hash recomputed from what was read)."""
    wrong = [] if order == wanted else ["the version list"]
    for c in READ_BACK_COLUMNS:
        got, want = stored[c], meant[c]
        if c == "scope":  # readers recompute a scope by today's rule (timeline.scope_column): so does this
            want = scope_column(pd.DataFrame([meant]))[0]
        same = pd.Timestamp(got) == pd.Timestamp(want) if c == "fetched_at" else _plain(got) == _plain(want)
        if not same:
            wrong.append(c)
    if content_hash(order or [], str(stored["top_level"])) != meant["content_hash"]:
        wrong.append("the content hash of what was read")
    return wrong


class DeltaStore:
    """The operations of :class:`orcatalog.SnapshotStore` on the Delta layout (the facade checks
    arguments and calls these)."""

    def __init__(self, layout: DeltaLayout, auto_compact: int | None, version: str) -> None:
        self.layout = layout
        self.auto_compact = auto_compact
        self.version = version

    def state(self, refresh: bool = True) -> State:
        return self.layout.state(refresh)

    # -- writing ---------------------------------------------------------------------------

    def write(
        self,
        items: list[Body],
        progress: bool | None,
        naming: Callable[[SchemaError], SchemaError],
        provenance: dict[str, dict[str, Any]] | None = None,
    ) -> Recorded:
        """Record bodies: new versions, then the snapshot rows (the commit), then read them back.

        ``provenance`` overrides manifest fields per snapshot id (a migration keeps the versions
        that wrote each snapshot, and copies two bodies of one scope and time that an older store
        holds; new writes are refused then, see :func:`.ingest.refuse_same_time`).

        Raises:
            SchemaError (nothing written); StoreWriteError; SnapshotConflictError (also: two
            bodies of one scope and time differ; nothing written).
        """
        if not items:
            return Recorded()
        self.layout.check_conditional_put()  # before anything is read or written
        state = self.state()
        batch = prepare(items, set(state.raw), self.version, progress)
        if provenance is None:  # one body per scope and time (a migration copies what the old store holds)
            refuse_same_time(batch.rows, state.manifest)
        held = state.manifest["snapshot_id"]
        present = set(held[held.isin(batch.ids)])
        if present:  # a snapshot already held counts only when it can be read (else it is written again)
            present -= set(state.unreadable)
        keep = [i for i, r in enumerate(batch.rows) if r["snapshot_id"] not in present]
        if not keep:
            return Recorded(batch.ids)  # the same bodies at the same times: a no-op
        rows, orders = [batch.rows[i] for i in keep], [batch.orders[i] for i in keep]
        rows = [{**r, **(provenance or {}).get(r["snapshot_id"], {})} for r in rows]
        needed = {v for order in orders for v in order}
        fresh = {v: batch.new_versions[v] for v in batch.new_versions if v in needed}
        try:
            full, bare = versions_rows(fresh)
        except SchemaError as exc:
            raise naming(exc) from None
        write_id = f"{pd.Timestamp.now(tz='UTC'):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:12]}"
        self._append_versions(full, bare)
        self.layout.append("snapshots", snapshot_rows(rows, orders, write_id))  # the commit
        self._read_back(rows, orders, batch.new_versions, items)
        if self.auto_compact is not None and self.layout.due(self.auto_compact):
            try:
                with self.layout.compacting():
                    self.layout.optimize(self.auto_compact, VACUUM_RETENTION_HOURS)
            except SnapshotConflictError:
                logger.info("automatic compaction of %s skipped: another compaction is at work", self.layout.root)
            except (StoreError, OSError) as exc:
                logger.warning("automatic compaction of %s skipped: %s", self.layout.root, exc)
            except Exception as exc:  # delta-rs errors: upkeep never fails a committed write
                logger.warning("automatic compaction of %s skipped: %s", self.layout.root, exc)
        return Recorded(batch.ids, [r["snapshot_id"] for r in rows])

    def _append_versions(self, full: pa.Table, bare: pa.Table) -> None:
        if not len(full):
            return
        try:
            self.layout.append("versions", full, merge_schema=True)
        except StoreWriteError as exc:  # delta-rs's schema errors, as faults.DELTA_TABLE words them
            if "schema" not in str(exc).lower():
                raise
            logger.info(
                "contract columns not merged into %s (%s): writing version, id, raw only",
                self.layout.uris["versions"],
                exc,
            )
            self.layout.append("versions", bare, merge_schema=True)

    def _read_back(
        self,
        rows: list[dict[str, Any]],
        orders: list[list[str]],
        known: dict[str, tuple[str, bytes]],
        items: list[Body],
    ) -> None:
        """A write succeeds only when its snapshots read back whole: its rows found in the table,
        their version lists read from the files that hold them (those files only) equal to what
        was written, and every version they name held intact (checked against its hash; versions
        another file was believed to hold, a damaged one, are stored again, once)."""
        sids = [r["snapshot_id"] for r in rows]
        for attempt in range(2):
            state = self.layout.state(refresh=False)  # the handles include this write's commits
            held = state.manifest["snapshot_id"]
            at = np.flatnonzero(held.isin(sids).to_numpy())
            found = dict(zip(held.to_numpy()[at].tolist(), at.tolist()))
            absent = [sid for sid in sids if sid not in found]
            if absent:
                raise StoreWriteError(
                    f"snapshot(s) {', '.join(absent)} were committed to {self.layout.root} "
                    "but do not read back; check the storage"
                )
            try:
                read = self.layout.orders_at(state, [found[sid] for sid in sids])
            except (pa.ArrowException, OSError, ValueError, IndexError) as exc:
                raise StoreWriteError(
                    f"snapshot(s) {', '.join(sids)} were committed to {self.layout.root} but their version "
                    f"lists do not read back ({type(exc).__name__}: {str(exc)[:200]}); check the storage"
                ) from None
            missing = sorted({v for order in read for v in order or [] if v not in state.raw})
            if not missing:
                for row, order, got in zip(rows, orders, read):
                    wrong = _read_back_differs(state.manifest.iloc[found[row["snapshot_id"]]], got, row, order)
                    if wrong:
                        raise StoreWriteError(
                            f"snapshot {row['snapshot_id']} was committed to {self.layout.root} but does not "
                            f"read back equal to its body ({', '.join(wrong)} differ); check the storage"
                        )
                return
            if attempt == 0:
                fresh: dict[str, tuple[str, bytes]] = {}
                for item in items:
                    for m in item.body["data"]:
                        raw = orjson.dumps(m)
                        v = hashlib.sha256(raw).hexdigest()[:32]
                        if v in missing:
                            fresh[v] = (m["id"], raw)
                full, bare = versions_rows(fresh)
                self._append_versions(full, bare)
        raise StoreWriteError(
            f"model versions {missing[:3]} of the new snapshot(s) do not read back from "
            f"{self.layout.root}; check the storage"
        )

    def compact(self, retention_hours: float, orphan_hours: float = ORPHAN_RETENTION_HOURS) -> int:
        """Drop rows held twice (:meth:`DeltaLayout.drop_copies`), optimize both tables and vacuum;
        see :meth:`orcatalog.SnapshotStore.compact`.

        A store with damage is refused before anything is changed, except one whose only damage is
        missing ``versions`` files that no snapshot needs any more (their objects were stored again
        by a later write): those are dropped from the log first (Delta's FSCK, on disk).

        Raises:
            StoreDamagedError: a file cannot be read or is missing, and a snapshot needs it.
            StoreWriteError.

        The caller holds :meth:`DeltaLayout.compacting` (one compaction at a time).
        """
        state = self.state()
        if state.problems:
            if not self.layout.local or not all(_forgettable(p) for p in state.problems):
                raise StoreDamagedError(
                    "will not compact a store that cannot be read whole (nothing was changed): "
                    + "; ".join(p.message() for p in state.problems)
                )
            self.layout.repair()
            state = self.state()
            if state.problems:
                raise StoreDamagedError(
                    "will not compact a store that cannot be read whole: "
                    + "; ".join(p.message() for p in state.problems)
                )
        try:
            self.layout.drop_copies()
            return self.layout.optimize(None, retention_hours, orphan_hours)
        except OSError as exc:
            raise StoreWriteError(f"compacting {self.layout.root} failed: {exc}") from exc

    # -- reading ---------------------------------------------------------------------------

    def default_scope(self, state: State) -> str:
        """The scope answers take when none is named: :func:`orcatalog.scope.default_scope`."""
        return default_scope(state.manifest)

    def visible(self, state: State) -> np.ndarray:
        m = state.manifest
        return ~m["shadowed"].to_numpy(dtype=bool) & ~m["snapshot_id"].isin(set(state.unreadable)).to_numpy()

    def pick(
        self,
        state: State,
        snapshot_id: str | None,
        when: pd.Timestamp | None,
        scope: str | None,
        notes: list[str] | None = None,
    ) -> int:
        """The manifest position of a snapshot: by id, else the latest visible one at or before ``when``
        (among twins by :func:`~.timeline.latest_of`, whose note is appended to ``notes``).

        Raises:
            SnapshotNotFoundError; StoreDamagedError (the snapshot is unreadable, or a damaged
            snapshots file held times between the answer and ``when``).
        """
        m = state.manifest
        root = self.layout.root
        if snapshot_id is not None:
            if snapshot_id in state.unreadable:
                raise StoreDamagedError(
                    f"snapshot {snapshot_id} cannot be read: {state.unreadable[snapshot_id].message()}"
                )
            found = np.flatnonzero(m["snapshot_id"].to_numpy() == snapshot_id)
            if not len(found):
                at = time_of_snapshot_id(snapshot_id)
                for p in state.problems:
                    if p.window is not None and at is not None and p.window[0] <= at <= p.window[1]:
                        raise StoreDamagedError(f"snapshot {snapshot_id} may be in a damaged file: {p.message()}")
                raise SnapshotNotFoundError(f"no snapshot {snapshot_id!r} in {root}")
            return int(found[0])
        scope = scope or self.default_scope(state)
        mask = (m["scope"] == scope).to_numpy() & self.visible(state)
        if when is not None:
            mask &= state.times <= when
        found = np.flatnonzero(mask)
        pos, note = latest_of(m, found) if len(found) else (None, None)
        if note is not None and notes is not None:
            notes.append(note)
        answer = m["fetched_at"].iloc[pos] if pos is not None else None
        until = when if when is not None else pd.Timestamp.max.tz_localize("UTC")
        between = m["scope"].eq(scope).to_numpy() & m["snapshot_id"].isin(set(state.unreadable)).to_numpy()
        between &= (state.times <= until) & ((state.times > answer) if answer is not None else True)
        if between.any():
            sid = m["snapshot_id"].to_numpy()[between][-1]
            raise StoreDamagedError(
                f"snapshot {sid} cannot be read ({state.unreadable[sid].message()}); "
                "an older snapshot would be a wrong answer"
            )
        for p in state.problems:
            if p.window is not None and p.window[0] <= until and (answer is None or p.window[1] > answer):
                raise StoreDamagedError(f"a damaged snapshots file may hold the answer: {p.message()}")
        if pos is None:
            if when is not None:
                raise SnapshotNotFoundError(f"no {scope!r} snapshot at or before {when} in {root}")
            raise SnapshotNotFoundError(f"no {scope!r} snapshot in {root}; run snapshot() or import_files()")
        return pos

    def models(self, state: State, pos: int) -> list[dict[str, Any]]:
        sid = state.manifest["snapshot_id"].iloc[pos]
        return parse_versions(state.raw, sid, state.orders[pos].as_py() or [])

    def load(self, state: State, pos: int) -> pd.DataFrame:
        return snapshot_frame(self.models(state, pos), state.manifest.iloc[pos], str(self.layout.root))

    def raw(self, state: State, pos: int) -> dict[str, Any]:
        body = json.loads(state.manifest["top_level"].iloc[pos])
        body["data"] = self.models(state, pos)
        return body

    def history(
        self,
        state: State,
        wanted: list[str] | None,
        columns: Sequence[str] | None,
        start: pd.Timestamp | None,
        end: pd.Timestamp | None,
        scope: str | None,
    ) -> pd.DataFrame:
        """Long form, one row per (visible snapshot, model in it); see ``SnapshotStore.history``."""
        from ..frames.models import models_frame
        from .queries import _columns

        m = state.manifest
        keep = self.visible(state)
        if scope == "default":
            scope = self.default_scope(state)
        if scope is not None:
            keep &= (m["scope"] == scope).to_numpy()
        if start is not None:
            keep &= state.times >= start
        if end is not None:
            keep &= state.times <= end
        dictionary, codes, parents = state.codes()  # flattened once per state: selecting is numpy
        if wanted is None:
            hit = keep[parents]
            chosen, pos = codes[hit], parents[hit]
        else:  # the entries of these models only, through the inverted index
            want = set(wanted)
            versions = pa.array([v for v, i in state.ids.items() if i in want], pa.string())
            named = np.flatnonzero(pc.is_in(dictionary, value_set=versions).to_numpy(zero_copy_only=False))
            entries = state.entries_of(named)
            entries = entries[keep[parents[entries]]]
            chosen, pos = codes[entries], parents[entries]
        present = np.zeros(len(dictionary), dtype=bool)
        present[chosen] = True
        used = np.flatnonzero(present)
        renumber = np.zeros(len(dictionary), dtype=np.int64)
        renumber[used] = np.arange(len(used))
        take = renumber[chosen]
        needed = dictionary.take(pa.array(used, pa.int64())).to_pylist()
        frame = models_frame(orjson.loads("[" + ",".join(state.raw[v] for v in needed) + "]"), unique=False)
        cols = _columns(frame, columns)
        frame = frame[cols]
        for c in cols:  # long form repeats each text value once per snapshot: categorical is the idiom
            if (
                c != "id"
                and pd.api.types.is_string_dtype(frame[c].dtype)
                and not isinstance(frame[c].dtype, pd.ArrowDtype)
            ):
                frame[c] = frame[c].astype("category")
        id_rank = frame["id"].rank(method="dense").to_numpy(dtype=np.int64)[take] if len(frame) else take
        ordering = np.lexsort((id_rank, pos))
        take, pos = take[ordering], pos[ordering]
        out = frame.take(take).reset_index(drop=True)
        scopes, sids, iso = state.columns()
        out.insert(0, "scope", pd.Categorical.from_codes(scopes.codes[pos], scopes.categories))
        out.insert(0, "fetched_at", m["fetched_at"].array.take(pos))
        out.insert(0, "snapshot_id", pd.Categorical.from_codes(sids.codes[pos], sids.categories))
        out.attrs["snapshot_times"] = {
            str(sc): iso[keep & (scopes.codes == i)].tolist()
            for i, sc in enumerate(scopes.categories)
            if (keep & (scopes.codes == i)).any()
        }
        out.attrs["partial_snapshots"] = m.loc[keep & m["partial"].to_numpy(), "snapshot_id"].tolist()
        note = twins_note(m, keep)
        if note is not None:
            warnings.warn(note, TwinSnapshotWarning, stacklevel=5)  # the caller of SnapshotStore.history
        return out

    def snapshots(self, state: State) -> pd.DataFrame:
        m = state.manifest[~state.manifest["snapshot_id"].isin(set(state.unreadable))]
        return m.drop(columns=["top_level", "seq"]).reset_index(drop=True)
