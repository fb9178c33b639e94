"""Opening the two Delta tables (:class:`DeltaLayout`): the handles kept and brought up to date,
a damaged log named by the commit file at fault, the state a reader sees built from the data files
(:mod:`.files`), appending as one Delta commit, and the check that an object store honours
conditional writes (the commit relies on it). Upkeep is :mod:`.upkeep`."""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...errors import SnapshotConflictError, SnapshotNotFoundError, StoreDamagedError, StoreError, StoreWriteError
from ..faults import LOG_ADVICE, delta_failures, delta_message, map_delta, secrets_of
from ..timeline import extend_rules
from ..waits import Waits
from . import upkeep
from .files import DataFiles
from .schema import COMMIT_ATTEMPTS, MANIFEST_COLUMNS, ORPHAN_RETENTION_HOURS, TABLE_CONFIG, TABLES
from .state import Problem, State, _manifest, _warn

if TYPE_CHECKING:
    from ..layout import Layout


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


class DeltaLayout:
    """The two Delta tables of one store: reading them file by file, appending, optimizing.

    Args:
        root: the store's root as given (folder or URL).
        files: the store's files (its fsspec filesystem and path, for existence checks and sizes,
            and the locks of :mod:`orcatalog.store.lock`).
        storage_options: fsspec options (translated for delta-rs by :func:`delta_options`).
        waits: the store's clock, sleep and jitter, for its retries (:class:`orcatalog.store.waits.Waits`;
            required, so no path can fall back to real time on its own).
    """

    def __init__(self, root: str, files: Layout, storage_options: dict[str, Any], waits: Waits) -> None:
        self.root, self.files = root, files
        self.waits = waits
        self.fs, self.base, self.local = files.fs, files.base, files.local
        self.options = delta_options(storage_options)
        self.secrets = secrets_of(self.options)  # never repeated in a message (faults.map_delta)
        prefix = root.rstrip("/") if not self.local else os.path.abspath(self.base)
        self.uris = {t: f"{prefix}/{t}" for t in TABLES}
        self.data = DataFiles(self.fs, self.local, self.uris, self.options)  # read once each
        self._handles: dict[str, Any] = {}  # table name -> its DeltaTable, brought up to date before each use
        self._read_log: dict[str, float] = {}  # table name -> when its handle last read the log (waits' clock)
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
            if self._current(name, dt):
                return dt
            try:
                dt.update_incremental()
                self._read_log[name] = self.waits.now()
                return dt
            except delta_failures("open"):  # e.g. the log it would read next expired: open it anew
                del self._handles[name]
        try:
            self._read_log[name] = self.waits.now()
            dt = DeltaTable(self.uris[name], storage_options=self.options or None)
        except delta_failures("open") as exc:
            error = map_delta(exc, "open", f"the store at {self.root}", self.secrets)
            if isinstance(error, SnapshotNotFoundError):  # no such table yet
                return None
            if isinstance(error, StoreDamagedError):  # every read and write needs the log: name the file at fault
                what, advice = self._log_damage(name)
                error = map_delta(exc, "open", what, self.secrets, advice)
            raise error from None
        self._handles[name] = dt
        return dt

    def _current(self, name: str, dt: Any) -> bool:
        """Whether a kept handle of a table on disk is still its latest version: the log has no
        file for the next commit (Delta numbers commits without gaps, so any newer version has
        it), which one ``stat`` answers where asking delta-rs lists the log (about 1 ms a table).
        Trusted only for :data:`_LOG_TRUST_SECONDS` after the handle last read the log: a newer
        commit's file is deleted only once it is older than the log's retention (7 days), so
        within a day of that read it cannot have come and gone. On object stores: never (the
        log is asked)."""
        if not self.local or self.waits.now() - self._read_log.get(name, float("-inf")) > _LOG_TRUST_SECONDS:
            return False
        return not os.path.exists(os.path.join(self.uris[name], "_delta_log", f"{dt.version() + 1:020d}.json"))

    def _log_damage(self, name: str) -> tuple[str, str | None]:
        """What is wrong with a table whose Delta log cannot be read (the start of the
        :class:`StoreDamagedError` of :func:`orcatalog.store.faults.map_delta`): the commit file at fault (one that
        is not JSON lines, or one after a gap in the numbering), else the table's log folder; and
        what to do about it (:data:`~orcatalog.store.faults.LOG_ADVICE`; None: the mapping's own advice)."""
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
                culprit = (file, f"follows commit {commits[i - 1][0]} with a gap (a stray file?)", "gap")
                break
            try:
                for line in self.fs.cat_file(f"{log}/{file}").splitlines():
                    if line.strip():
                        json.loads(line)
            except (OSError, ValueError):
                culprit = (file, "is not a whole commit (cut short or damaged)", "truncated")
                break
        what = f"{where}/{culprit[0]} {culprit[1]}" if culprit else f"the log {where} cannot be read"
        return f"the {name} table of the store at {self.root} is damaged: {what}", (
            LOG_ADVICE[culprit[2]] if culprit else None
        )

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
        snapshot_files = self.data.read_files("snapshots", snaps, snap_uris, MANIFEST_COLUMNS, problems)
        version_tables = self.data.read_files("versions", vers, vers_uris, ["version", "id", "raw"], problems)
        manifest, rows, bad_rows = _manifest(
            snapshot_files, lists=lambda i: self.data.file_orders(snapshot_files[i][0])
        )
        problems += bad_rows
        raw: dict[str, str] = {}
        ids: dict[str, str] = {}
        checked = []
        for path, t in version_tables:
            checked.append((path, self.data.verified_file(path, t)))
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
            lambda: self.data.orders_of(snapshot_files, rows, manifest),
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
        rules to the new rows alone (:func:`orcatalog.store.timeline.extend_rules`). None when that would not be
        the same as reading everything: a file was removed (optimize), a file is damaged, a new
        row is not after every held one, or repeats a held snapshot; :meth:`_build` then reads it all."""
        held_snaps = {path for path, _ in old.snapshot_files}
        held_vers = set(old.version_files)
        if old._found or not held_snaps <= set(snap_uris) or not held_vers <= set(vers_uris):
            return None
        problems: list[Problem] = []
        added = self.data.read_files(
            "snapshots", snaps, [u for u in snap_uris if u not in held_snaps], MANIFEST_COLUMNS, problems
        )
        added_vers = self.data.read_files(
            "versions", vers, [u for u in vers_uris if u not in held_vers], ["version", "id", "raw"], problems
        )
        if problems:
            return None
        new, positions, bad_rows = _manifest(added, rules=False)
        if bad_rows:
            return None
        held = pa.Array.from_pandas(old.manifest["snapshot_id"])  # Arrow: pandas' isin makes Python strings
        if pc.any(pc.is_in(pa.Array.from_pandas(new["snapshot_id"]), value_set=held)).as_py():
            return None
        manifest = extend_rules(old.manifest, new)
        if manifest is None:
            return None
        raw, ids = dict(old.raw), dict(old.ids)
        for path, t in added_vers:
            v = self.data.verified_file(path, t)
            raw.update(v.raw)
            ids.update(v.ids)
        if any(x not in raw for path, t in added_vers for x in self.data.verified_file(path, t).failed):
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
            lambda: self.data.orders_of(snapshot_files, rows, manifest),
            self.uris["versions"],
            self.root,
            (snapshot_files, rows, old.version_files + [path for path, _ in added_vers]),
        )

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
            out.append(self.data.file_orders(state.snapshot_files[i][0])[row - start].as_py())
        return out

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

    # -- upkeep (:mod:`.upkeep`) -------------------------------------------------------------

    def compacting(self) -> contextlib.AbstractContextManager[None]:
        """Hold the store's one compaction lock for the block: :func:`.upkeep.compacting`."""
        return upkeep.compacting(self)

    def due(self, limit: int) -> bool:
        """Whether a table has more than ``limit`` files: :func:`.upkeep.due`."""
        return upkeep.due(self, limit)

    def optimize(self, limit: int | None, retention_hours: float, orphan_hours: float = ORPHAN_RETENTION_HOURS) -> int:
        """Merge small files, then vacuum; returns how many files were merged away: :func:`.upkeep.optimize`."""
        return upkeep.optimize(self, limit, retention_hours, orphan_hours)

    def drop_copies(self) -> int:
        """Rewrite tables holding a row more than once; returns rows dropped: :func:`.upkeep.drop_copies`."""
        return upkeep.drop_copies(self)

    def repair(self) -> None:
        """Drop from the log the data files that no longer exist: :func:`.upkeep.repair`."""
        upkeep.repair(self)

    def vacuum(self, name: str, retention_hours: float, orphan_hours: float = ORPHAN_RETENTION_HOURS) -> None:
        """Delete replaced and uncommitted files of table ``name``: :func:`.upkeep.vacuum`."""
        upkeep.vacuum(self, name, retention_hours, orphan_hours)


#: How long after a handle read a table's log the absence of the next commit's file is trusted
#: to mean no newer version (:meth:`DeltaLayout._current`): a day, far inside the 7 days a log
#: entry is kept (``delta.logRetentionDuration``).
_LOG_TRUST_SECONDS = 24 * 3600.0

_CONDITIONAL_PUT_OK: set[tuple[str | None, str]] = set()  # (endpoint, bucket) checked by this process
