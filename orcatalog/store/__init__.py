"""SnapshotStore: every catalog snapshot kept losslessly, stored as what changes, queryable fast.

The package, by the question each file answers:

- :mod:`.delta` - the store on two Delta Lake tables, the layout of new stores: commits by delta-rs;
- :mod:`.layout` - the earlier parquet layout (read, no longer written by users: see
  :func:`legacy_write_error`): where its files are, how a batch was committed, claims, integrity checks;
- :mod:`.ingest` - bodies in, batch tables out (checks, version hashes, spans);
- :mod:`.index` - what the store holds (manifest, damage, losses; the version index);
- :mod:`.timeline` - the rules that read a snapshot against its timeline (scope, shadowed, partial);
- :mod:`.queries` - which snapshot, its frame, its body, the long history;
- :mod:`.compact` - the parquet layout's batch merges, and its tiered upkeep after each write;
- :mod:`.endpoints` - endpoint and provider history on the Delta layout (issue 18);
- :mod:`.migrate` - copying a parquet-layout store into the Delta layout, checked snapshot by snapshot;
- :mod:`.lock` - one run at a time on a store (``orcatalog watch``): a file lock, or a claim on object stores;
- :mod:`.waits` - how long the store waits before it reads or commits again, on an injected clock and sleep;
- :mod:`.faults` - the object-store libraries' exceptions (botocore, a missing s3fs) as ``StoreError``, one table.

Which layout a store uses is decided once, by :func:`_layout_of` (the one found at the root, else
Delta); both layouts and whose commit guarantees they are, in ``data/README.md``. A store in the
parquet layout is read as it is, but every write to it raises
:class:`~orcatalog.errors.LegacyLayoutError` naming ``orcatalog migrate`` (:func:`legacy_write_error`,
the one place); only :func:`orcatalog.testing.legacy.legacy_store` still writes one, for the tests
and the bench that need a store "as the earlier code wrote it".

The "no store here" rule (a read where there is no store is an error naming the path, never an
empty answer) lives here, once: :func:`no_store_message`, used by the store's reads and the CLI.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import orjson
import pandas as pd

from ..errors import (
    RECORD_A_STORE,
    AsOfWarning,
    InvalidParameterError,
    LegacyLayoutError,
    PartialSnapshotWarning,
    SchemaError,
    SnapshotNotFoundError,
    StoreError,
    TwinSnapshotWarning,
)
from ..frames import bodies
from ..frames.bodies import time_from_name
from ..scope import CATALOG_SCOPE
from ..times import answer_notes, answer_warning, parse_time
from . import compact as _compact
from . import queries
from .index import RETRIES, Catalogue, Index, partial_among, read_catalogue, read_index
from .ingest import (
    answered_base_url,
    Body,
    Recorded,
    answered_query,
    batch_tables,
    check_whole,
    make_body,
    prepare,
    read_bodies,
    refuse_not_default,
    refuse_same_time,
    utc,
)
from .delta import TABLES as DELTA_TABLES
from .delta import ORPHAN_RETENTION_HOURS, VACUUM_RETENTION_HOURS, DeltaStore, is_delta_store
from .endpoints import ENDPOINT_TABLES, EndpointHistory, is_endpoint_store
from .layout import FOLDERS, Layout
from .timeline import scope_column
from .waits import Waits

__all__ = [
    "SnapshotStore",
    "CATALOG_SCOPE",
    "time_from_name",
    "no_store_message",
    "not_a_folder_message",
    "migration_note",
    "legacy_write_error",
]


def no_store_message(store: SnapshotStore, record: str, *, empty: bool = False) -> str | None:
    """The "no store here" rule, in one place (the store's reads and the CLI's read commands):
    why reading ``store`` fails, or None when there is a store to read.

    Args:
        store: the store (its folder may not exist).
        record: how the caller records a store (the library's :data:`orcatalog.errors.RECORD_A_STORE`,
            or the CLI's commands), named in the message.
        empty: also refuse a local folder that holds nothing yet. To the library it is an empty
            store (writing fills it); to a command that only reads (``orcatalog snapshots
            --store DIR``) it is a mistyped path more often than a store, and a header with no
            rows would not say so.

    Returns:
        One line: a folder that is not a store, an empty folder (with ``empty``), or no folder at
        all; None when the store exists.
    """
    if store.exists():
        if not (empty and store._layout.local and not _holds_store_tables(os.listdir(store._base))):
            return None
        why = "the folder is empty"
    else:
        file = not_a_folder_message(store)
        if file is not None:
            return file
        if os.path.isdir(store._base):
            return (
                f"{store.root} is a folder but not a snapshot store (none of its folders: "
                f"{', '.join(dict.fromkeys((*DELTA_TABLES, *FOLDERS)))}): "
                "check the path"
            )
        why = "the folder does not exist"
    return f"no snapshot store at {store.root}: {why}; record one with {record}, or check the path"


def _holds_store_tables(names: Iterable[str]) -> bool:
    """Whether a local folder holding ``names`` holds a folder of a store (tables or the earlier layout's)."""
    return any(n in FOLDERS or n in DELTA_TABLES or n in ENDPOINT_TABLES for n in names)


def not_a_folder_message(store: SnapshotStore) -> str | None:
    """Why a store cannot be written or read where it points: its local path is a file (or
    anything but a folder); None otherwise (a folder, a path that does not exist yet, a URL)."""
    if store._layout.local and os.path.lexists(store._base) and not os.path.isdir(store._base):
        return f"{store.root} is a file, not a folder: a snapshot store is a folder; check the path"
    return None


def migration_note(store: SnapshotStore) -> str | None:
    """The one place that tells a user of a store in the earlier parquet layout how to move it to
    the Delta layout (the CLI shows it where a user looks at a store: ``orcatalog snapshots``).

    Returns:
        One line for a store in the parquet layout; None otherwise (a Delta store, or no store).
    """
    if store.layout != "parquet":
        return None
    return (
        f"{store.root} is in the earlier parquet layout (read, no longer written); "
        f"`orcatalog migrate {store.root} NEW` copies it into a Delta Lake store, the layout of every new store"
    )


def legacy_write_error(store: SnapshotStore) -> LegacyLayoutError:
    """The one rule for writes to the earlier parquet layout: they are refused, naming the way out.

    The parquet layout's hand-made commit protocol has bugs that only a write can trigger (issue
    14: an interrupted write blocked the whole store). Its stores are still read, and
    ``orcatalog migrate OLD NEW`` (:func:`orcatalog.store.migrate.migrate`) copies them into the
    Delta layout, where they are written again.

    Returns:
        The error to raise (one line), before anything is fetched or written.
    """
    if _is_parquet_store(store._layout):
        return LegacyLayoutError(
            f"the store at {store.root} is in the earlier parquet layout, which orcatalog reads but no longer "
            f"writes: copy it into a Delta Lake store with `orcatalog migrate {store.root} NEW` "
            "(orcatalog.store.migrate.migrate(OLD, NEW)) and write to NEW; nothing was fetched or written"
        )
    return LegacyLayoutError(
        f"layout='parquet' no longer makes new stores (the earlier layout is read, not written): leave layout "
        f"out and {store.root} becomes a Delta Lake store; nothing was fetched or written"
    )


T = TypeVar("T")


class SnapshotStore(EndpointHistory):
    """A reproducible record of the catalog over time (and, on the Delta layout, of endpoints and
    providers: :class:`~orcatalog.store.endpoints.EndpointHistory`).

    Args:
        root: a folder or fsspec URL (``s3://bucket/prefix``); default ``$ORCATALOG_DATA_DIR``
            or ``./data``.
        storage_options: passed to fsspec (e.g. ``{"client_kwargs": {"endpoint_url": ...}}``).
        auto_compact: the store's own upkeep after each write: tiered merges of small batches
            (see :mod:`orcatalog.store.compact`), and a full merge when there are more than this
            many batches (Delta layout: ``optimize`` of a table with more than this many files);
            None turns all automatic compaction off.
        layout: ``"delta"`` (two Delta Lake tables, :mod:`orcatalog.store.delta`; the layout of
            every new store), ``"parquet"`` (the earlier hand-made batch layout: read, but every
            write raises :class:`~orcatalog.errors.LegacyLayoutError`; ``orcatalog migrate`` copies
            it into the Delta layout), or ``"auto"``: the layout of the store found at ``root`` (on
            disk or an object store), Delta for a new store.
        clock, sleep, jitter: the store's monotonic clock (seconds), its wait (seconds) and the
            jitter source of its commit retries (a float in [0, 1)); default the real ones
            (:class:`~orcatalog.store.waits.Waits`). Every retry wait of the store and of
            :meth:`run_lock` goes through them: tests inject them, and nothing real sleeps.

    Raises:
        InvalidParameterError: root is not a string or path; an unknown layout; a clock, sleep or
        jitter that is not callable.
    """

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        *,
        storage_options: dict[str, Any] | None = None,
        auto_compact: int | None = 64,
        layout: str = "auto",
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], object] | None = None,
        jitter: Callable[[], float] | None = None,
    ) -> None:
        if auto_compact is not None and (
            isinstance(auto_compact, bool) or not isinstance(auto_compact, int) or auto_compact < 2
        ):
            raise InvalidParameterError(f"auto_compact must be an int >= 2 or None, got {auto_compact!r}")
        self.auto_compact = auto_compact
        self._waits = Waits(clock, sleep, jitter)
        if root is None:
            root = os.environ.get("ORCATALOG_DATA_DIR") or "./data"
        if not isinstance(root, (str, os.PathLike)) or not os.fspath(root).strip():
            raise InvalidParameterError(
                f"root={root!r} is invalid: give a folder or an fsspec URL (s3://bucket/prefix)"
            )
        self.root = os.fspath(root)
        self._storage_options = dict(storage_options or {})
        self._layout = Layout(self.root, self._storage_options)
        self._catalogue_cache: Catalogue | None = None
        self._index_cache: Index | None = None
        self._data_tables: dict[tuple[str, str], Any] = {}  # (batch, kind) -> verified table; files never change
        self._layout_asked = layout
        self.layout = _layout_of(layout, self._layout)
        self._legacy_writes = False  # only orcatalog.testing.legacy.legacy_store sets it (see there)
        self._delta: DeltaStore | None = None
        if self.layout == "delta":
            from .delta import DeltaLayout

            delta = DeltaLayout(self.root, self._layout, self._storage_options, self._waits)
            self._delta = DeltaStore(delta, auto_compact, _version())

    def __repr__(self) -> str:
        return (
            f"SnapshotStore(root={self.root!r})"
            if self._delta is None
            else f"SnapshotStore(root={self.root!r}, layout='delta')"
        )

    # for tests and tools that look at the files themselves
    @property
    def _fs(self) -> Any:
        return self._layout.fs

    @property
    def _base(self) -> str:
        return self._layout.base

    def _claim_path(self, name: str) -> str:
        return self._layout.claim_path(name)

    def exists(self) -> bool:
        """Whether there is a store to read. False for a local folder that does not exist (a typo,
        or nothing recorded yet) and for one that holds other things but none of a store's
        folders (the Delta tables ``snapshots/``, ``versions/``, or the earlier layout's ``manifest/``,
        ...); an empty folder (hidden files and READMEs aside) is an empty store.
        Object-store prefixes always exist (an empty prefix is an empty store). Writing creates
        what is missing."""
        if not self._layout.local:
            return True
        try:
            names = os.listdir(self._base)
        except (FileNotFoundError, NotADirectoryError):
            return False
        return _holds_store_tables(names) or all(n.startswith((".", "README")) for n in names)

    def _require(self) -> None:
        """Reads where there is no store are errors, not empty answers (a mistyped path)."""
        why = no_store_message(self, RECORD_A_STORE)
        if why is not None:
            raise SnapshotNotFoundError(why)

    # -- writing -------------------------------------------------------------------------------

    def snapshot(
        self, client: Any = None, *, user: bool = False, api_key: str | None = None, **filters: Any
    ) -> pd.DataFrame:
        """Fetch the catalog now (all output modalities, all pages) and record it.

        Args:
            client: an :class:`orcatalog.Client`; default the environment-configured one.
            user: record ``GET /models/user`` (the key's own list) instead of ``/models``; the
                snapshot is tagged with the key's fingerprint, never the key.
            api_key: the key for ``user=True`` (default the client's).
            filters: list filters as in ``fetch_models``. A filtered, regional or per-key
                snapshot gets its own ``scope`` (:func:`orcatalog.scope.scope_of`) and is never
                compared with the catalog by default.

        Returns:
            The snapshot as a contract frame (``attrs`` as :meth:`load`).

        Raises:
            Any fetch error or InvalidParameterError (nothing is written then); SchemaError (a
            body whose ``total_count`` disagrees with its models); StoreWriteError,
            SnapshotConflictError; LegacyLayoutError (a store in the earlier parquet layout: nothing
            is fetched).
        """
        from ..fetch.client import default_client

        self._writable()
        client = client or default_client()
        got = client.fetch_body(user=user, api_key=api_key, **filters)
        check_whole(got.url, got.body)
        item = Body(
            source="fetch",
            fetched_at=pd.Timestamp(got.fetched_at).tz_convert("UTC"),
            body=got.body,
            scope=got.scope,
            base_url=client.base_url,
            endpoint=got.endpoint,
            query=got.params,
            key_fingerprint=got.key_fingerprint,
        )
        ids = self._write([item])
        return self.load(ids[0])

    def import_files(
        self,
        paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
        *,
        fetched_at: Any = None,
        base_url: str | None = None,
        query: Mapping[str, Any] | None = None,
        progress: bool | None = None,
    ) -> Recorded:
        """Backfill from raw ``/models`` bodies: ``.json``, ``.json.gz``, tar archives of them, or folders.

        The fetch time comes from ``fetched_at`` (only for a single body), else from an ISO time
        in the file name (``models-2026-01-03T231610Z.json``, or ``models-2025-12-18.json.gz``:
        a bare date is recorded with ``time_precision="day"``), else the import fails: never
        silently "now". A ``fetched_at`` that the file name's time contradicts wins, with an
        :class:`~orcatalog.errors.OrcatalogWarning` naming both (a time within the named day
        agrees). A file that is no models body is refused as such before its time is asked for.
        Every body is checked before anything is written; importing the same
        body at the same time again is a no-op, and a different body of the same scope and time
        is refused (:func:`orcatalog.store.ingest.refuse_same_time`).

        Args:
            paths: one path or several.
            fetched_at: the fetch time (UTC unless it says otherwise) when there is one body.
            base_url: the API the bodies came from (default: the public API).
            query: the list filters the bodies answered, as ``fetch_models`` takes them (e.g.
                ``{"output_modalities": "all"}``, ``{"input_modalities": "image"}``); none means the
                server's default list (text-output models only, as a bare ``GET /models`` answers).
                With ``base_url`` it sets the snapshots' scope by the one rule
                (:func:`orcatalog.scope.scope_of`): ``{"output_modalities": "all"}`` and the public
                API is ``catalog``, no query is ``/models output_modalities=text``.
            progress: show a progress bar (default: only on a terminal).

        Returns:
            The snapshot ids, in time order (including those that were already there): a list
            whose ``added`` attribute lists the ones this call recorded.

        Raises:
            InvalidParameterError: no time for a body, fetched_at given for several bodies, a
                bad ``query`` or ``base_url`` (one with ``user:password@`` included; before anything is read); with no ``output_modalities`` in ``query``,
                a body holding a model without text output, which the server's default list cannot
                hold (:func:`orcatalog.store.ingest.refuse_not_default`; the files are named,
                nothing is written).
            LegacyLayoutError: the store is in the earlier parquet layout (before anything is read).
            SchemaError: a body is not a models list, or its ``total_count`` disagrees with its
                models (named in the message).
            SnapshotConflictError: two bodies of one scope and time differ (both named; nothing
                is written), or another writer holds the snapshot.
            FileNotFoundError; StoreWriteError.
        """
        self._writable()
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        if not isinstance(paths, Iterable):
            raise InvalidParameterError(f"paths must be a path or a list of paths, got {paths!r}")
        paths = list(paths)
        if not all(isinstance(p, (str, os.PathLike)) for p in paths):
            raise InvalidParameterError(f"paths must be a path or a list of paths, got {paths!r}")
        asked, base_url = answered_query(query), answered_base_url(base_url)
        files = list(bodies.expand(paths))
        when = utc(fetched_at, "fetched_at") if fetched_at is not None else None
        items = list(read_bodies(files, when, base_url, progress, asked))
        if when is not None and len(items) != 1:
            raise InvalidParameterError(
                f"fetched_at= applies to a single body, but {len(items)} were given; name the files with their times instead"
            )
        refuse_not_default(items)
        return self._write(items, progress=progress)

    def import_bodies(
        self,
        bodies: Iterable[tuple[Any, Any]],
        *,
        base_url: str | None = None,
        query: Mapping[str, Any] | None = None,
        progress: bool | None = None,
    ) -> Recorded:
        """Record bodies held in memory: ``(fetched_at, body)`` pairs, body as dict, str or bytes.

        ``base_url`` and ``query`` (the filters the bodies answered; none: the server's default list)
        set the scope as in :meth:`import_files`, and the same evidence rule applies.

        Returns:
            The snapshot ids in time order, with ``added`` (:meth:`import_files`). Raises as :meth:`import_files`.
        """
        self._writable()
        asked, base_url = answered_query(query), answered_base_url(base_url)
        items = []
        for i, (when, body) in enumerate(bodies):
            parsed = orjson.loads(body) if isinstance(body, (bytes, str)) else body
            items.append(make_body(f"body #{i}", parsed, utc(when, "fetched_at"), base_url, query=asked))
        refuse_not_default(items)
        return self._write(items, progress=progress)

    def _writable(self) -> None:
        """Refuse a write to the earlier parquet layout (:func:`legacy_write_error`), before any I/O.

        Raises:
            LegacyLayoutError: unless this object came from :func:`orcatalog.testing.legacy.legacy_store`.
        """
        if self._delta is None and not self._legacy_writes:
            raise legacy_write_error(self)

    def _write(self, items: list[Body], progress: bool | None = None) -> Recorded:
        """Record bodies as one batch: read only the manifests and one previous order, claim, commit."""
        if not items:
            return Recorded()
        if self._delta is not None:
            written = self._delta.write(items, progress, lambda exc: _naming_the_source(exc, items))
            self._warn_partial(written)
            return written
        layout = self._layout
        catalogue = self._catalogue()
        batch = prepare(items, self._known_versions(catalogue, {i.scope for i in items}), _version(), progress)
        refuse_same_time(batch.rows, _at_times(catalogue, batch.rows))  # one body per scope and time, before any claim
        done = catalogue.committed([r["snapshot_id"] for r in batch.rows])  # the same body at the same time: a no-op
        rows = [r for r in batch.rows if r["snapshot_id"] not in done]
        if not rows:
            return Recorded(batch.ids)
        name = _compact.new_batch_name()
        claims = layout.claim([r["snapshot_id"] for r in rows])
        try:
            claims += layout.claim([f"batch-{name}"], what="batch")
            catalogue = self._catalogue()  # again under the claims: another writer may have committed
            refuse_same_time(batch.rows, _at_times(catalogue, batch.rows))
            done = catalogue.committed([r["snapshot_id"] for r in batch.rows])
            keep = [i for i, r in enumerate(batch.rows) if r["snapshot_id"] not in done]
            rows, orders = [batch.rows[i] for i in keep], [batch.orders[i] for i in keep]
            if rows:
                try:
                    data, manifest = batch_tables(name, rows, orders, batch.new_versions)
                except SchemaError as exc:  # a model breaks the contract: say which file (or body) holds it
                    raise _naming_the_source(exc, items) from None
                layout.write_batch(name, data, manifest)
        finally:
            layout.release(claims)
        self._index_cache = None
        for row in partial_among(catalogue, rows) if rows else []:
            _warn_partial_write(row["snapshot_id"], row["scope"], row["n_models"], stacklevel=4)
        if self.auto_compact is not None:
            _compact.upkeep(layout, self._catalogue(), self.auto_compact)
        return Recorded(batch.ids, [r["snapshot_id"] for r in rows])

    def _warn_partial(self, ids: list[str]) -> None:
        """The partial-catalog warning for the snapshots just written (Delta layout)."""
        assert self._delta is not None
        m = self._delta.state(refresh=False).manifest  # as the write read it back
        for row in m[m["snapshot_id"].isin(ids) & m["partial"]].itertuples():
            _warn_partial_write(str(row.snapshot_id), str(row.scope), int(row.n_models), stacklevel=5)

    def _known_versions(self, catalogue: Catalogue, scopes: set[str]) -> set[str]:
        """Versions a new batch need not store again: those of the latest snapshot of each scope.

        A version seen only longer ago is written again (a few KB); reads and compaction drop
        the duplicate. An append so reads one orders row group instead of every batch.
        """
        import pyarrow as pa
        import pyarrow.compute as pc

        latest: dict[str, tuple[Any, str, int]] = {}  # scope as recorded -> (time, batch, seq); no rules needed
        wanted = pa.array(sorted(scopes), pa.string())
        for table in catalogue.tables.values():
            rows = table.filter(pc.is_in(table.column("scope"), value_set=wanted))
            for scope in set(rows.column("scope").to_pylist()):
                mine = rows.filter(pc.equal(rows.column("scope"), scope))
                at = pc.index(mine.column("fetched_at"), pc.max(mine.column("fetched_at"))).as_py()
                when = mine.column("fetched_at")[at].as_py()
                if scope not in latest or when > latest[scope][0]:
                    latest[scope] = (when, mine.column("batch")[at].as_py(), mine.column("seq")[at].as_py())
        known: set[str] = set()
        for _, batch, seq in latest.values():
            # one row group, not the whole (verified) file: a damaged hash here only stores a version again
            known.update(self._layout.order_unverified(batch, seq))
        return known

    def compact(
        self, *, _retention_hours: float = VACUUM_RETENTION_HOURS, _orphan_hours: float = ORPHAN_RETENTION_HOURS
    ) -> int:
        """Merge the store's small files: ``optimize`` of its tables, then ``vacuum``.

        ``vacuum`` removes the files it replaced once they are older than
        :data:`orcatalog.store.delta.VACUUM_RETENTION_HOURS` (readers that opened the table before
        keep theirs), and data files no commit names (a writer killed before its commit) once last
        modified more than a day ago, on disk and S3. It runs beside writers and readers (an
        ordinary Delta commit). The store already merges small files itself after each write
        (``auto_compact``); a full compaction makes it as small as it gets. A store in the earlier
        parquet layout is not compacted (it is no longer written): migrate it.

        Returns:
            How many files were merged (0 when there was nothing to do).

        A store with a damaged or missing file is refused before anything is changed (on disk, a
        missing ``versions`` file that no snapshot needs any more is dropped from the log first);
        ``data/README.md`` (Damage and recovery) says what to do.

        Raises:
            LegacyLayoutError: the store is in the earlier parquet layout (read, no longer written).
            StoreDamagedError: a file is damaged or missing (nothing was changed).
            SnapshotConflictError: another compaction is at work on the store (nothing was changed).
            StoreWriteError.
        """
        if self._delta is not None:
            with self._delta.layout.compacting():  # one compaction at a time (see there)
                return self._delta.compact(_retention_hours, _orphan_hours) + self._endpoints().compact(
                    _retention_hours, _orphan_hours
                )
        self._writable()
        try:
            return _compact.compact(self._layout, self._index().catalogue)  # the index checks every file first
        finally:
            self._index_cache = None

    # -- reading -------------------------------------------------------------------------------

    def _catalogue(self) -> Catalogue:
        self._catalogue_cache = read_catalogue(self._layout, cached=self._catalogue_cache, waits=self._waits)
        return self._catalogue_cache

    def _index(self) -> Index:
        for attempt in range(RETRIES):
            catalogue = self._catalogue()
            if self._index_cache is not None and self._index_cache.catalogue.listing == catalogue.listing:
                return self._index_cache
            try:
                self._index_cache = read_index(self._layout, catalogue, self._data_tables)
            except FileNotFoundError:
                self._waits.reread(attempt)  # a compaction merged a listed batch meanwhile: list again
                continue
            listed = {b for b, _ in catalogue.listing}
            self._data_tables = {k: v for k, v in self._data_tables.items() if k[0] in listed}
            return self._index_cache
        raise StoreError(f"the store at {self.root} kept changing while it was read; try again")

    def _answer(self, question: Callable[[Index], T]) -> T:
        """Ask the index; a file merged away meanwhile (a compaction elsewhere) makes it re-read and ask again."""
        for attempt in range(RETRIES):
            index = self._index()
            try:
                return question(index)
            except FileNotFoundError:
                self._index_cache = None
                self._waits.reread(attempt)
        raise StoreError(f"the store at {self.root} kept changing while it was read; try again")

    def snapshots(self) -> pd.DataFrame:
        """The manifest: one row per snapshot, oldest first.

        Columns: ``snapshot_id``, ``fetched_at`` (UTC), ``scope`` (``catalog`` for the whole public
        catalog, ``/models output_modalities=text`` for the server's default list, see
        :func:`orcatalog.scope.scope_of`), ``base_url``, ``endpoint``, ``query``
        (JSON), ``key_fingerprint`` (for ``/models/user``; never the key), ``n_models``,
        ``time_precision`` (``second``, or ``day`` for a file named by its date only), ``shadowed``
        (a day-precision snapshot left out of as-of lookups and history because finer ones exist
        that day, see :func:`orcatalog.store.timeline.shadowed`), ``partial`` (lost more than 20% of
        the previous snapshot's models, see :func:`orcatalog.store.timeline.partial`),
        ``content_hash``, ``schema_version``, ``orcatalog_version``, ``source``, ``batch``.
        A damaged or lost snapshot is not listed; a warning names it and its file.

        Raises:
            SnapshotNotFoundError: the store is a local folder that does not exist.
        """
        self._require()
        if self._delta is not None:
            return self._delta.snapshots(self._delta.state())
        index = self._index()
        m = index.manifest[~index.manifest["snapshot_id"].isin(set(index.catalogue.unreadable()))]
        hidden = ["top_level", "seq", *[c for c in m.columns if c.endswith("_sha256")]]
        return m.drop(columns=hidden).reset_index(drop=True)

    def _pick(
        self, index: Index, snapshot_id: str | None, as_of: Any, scope: str | None, notes: list[str] | None = None
    ) -> pd.Series:
        return queries.pick(index, self.root, snapshot_id, as_of, scope, notes)

    def load(self, snapshot_id: str | None = None, as_of: Any = None, *, scope: str | None = None) -> pd.DataFrame:
        """The contract frame of one snapshot: by id, else the latest at or before ``as_of``, else the latest.

        Args:
            snapshot_id: an id from :meth:`snapshots`.
            as_of: a time (UTC unless it says otherwise): the latest snapshot at or before it
                (shadowed day-precision snapshots are skipped; among two different snapshots of
                the scope at that time, which an older store may hold, the one with the most models,
                and a ``TwinSnapshotWarning`` says which and why: :func:`orcatalog.store.timeline.latest_of`).
            scope: which kind of snapshot for ``as_of``/latest (default by
                :func:`orcatalog.scope.default_scope`: ``catalog``, else the server's default list,
                else the newest whole list of another host or region).

        Returns:
            The frame as ``fetch_models`` gives it; ``attrs`` hold ``snapshot_id``, ``fetched_at``,
            ``scope``, ``base_url``, ``endpoint``, ``params``, ``time_precision`` and ``partial``,
            and for ``as_of`` ``notes``: what the answer says about its snapshot by the one time
            rule (:func:`orcatalog.times.answer_notes`): an ``as_of`` before the first snapshot
            of the scope is answered by the first, and says so; an answer from an older snapshot
            says how much older; a time in the future says so. The first two, and an answer more
            than a week older than ``as_of``, are also a ``RuntimeWarning``
            (:func:`orcatalog.times.answer_warning`), as is a snapshot flagged ``partial``.

        Raises:
            SnapshotNotFoundError (a LookupError; also for a local store folder that does not
            exist, or a scope without snapshots); InvalidParameterError; StoreDamagedError (the
            snapshot, or one of its scope between the answer and ``as_of``, is damaged or lost:
            an older snapshot would be a wrong answer).
        """
        when = _check_pick(snapshot_id, as_of)
        self._require()
        twins: list[str] = []  # an older store may hold two snapshots of one scope and time: say which answers
        try:
            frame = self._load(snapshot_id, when, scope, twins)
        except SnapshotNotFoundError:
            if when is None:
                raise
            first = self._first(scope)  # before the first snapshot: the first answers, and says so
            if first is None:
                raise
            frame = self._load(None, first, scope, twins)
        for note in twins:
            warnings.warn(note, TwinSnapshotWarning, stacklevel=2)
        if when is not None:
            answered = pd.Timestamp(frame.attrs["fetched_at"])
            frame.attrs["notes"] = answer_notes(
                when, answered, first=answered if answered > when else None, scope=frame.attrs.get("scope")
            )
            said = answer_warning(when, answered)  # before the first, in the future, or stale
            if said:
                warnings.warn(f"orcatalog: {said}", AsOfWarning, stacklevel=2)
        if frame.attrs.get("partial"):
            warnings.warn(
                f"orcatalog: snapshot {frame.attrs['snapshot_id']} is flagged partial: it lists far fewer "
                "models than the snapshot before it (a missing model may not have left the catalog)",
                PartialSnapshotWarning,
                stacklevel=2,
            )
        return frame

    def _load(
        self, snapshot_id: str | None, when: pd.Timestamp | None, scope: str | None, twins: list[str] | None = None
    ) -> pd.DataFrame:
        """One snapshot's frame (see :meth:`load`); the note of a choice among twins goes to ``twins``."""
        if (delta := self._delta) is not None:

            def answer() -> pd.DataFrame:
                del twins_seen[:]  # a retry asks again
                state = delta.state()
                return delta.load(state, delta.pick(state, snapshot_id, when, scope, twins_seen))

            twins_seen: list[str] = []
            frame = _delta_retry(self._waits, answer)
        else:
            twins_seen = []
            frame = self._answer(
                lambda ix: queries.load(ix, self._layout, self._pick(ix, snapshot_id, when, scope, twins_seen))
            )
        if twins is not None:
            twins.extend(dict.fromkeys(twins_seen))  # once, even when a retry asked twice
        return frame

    def _first(self, scope: str | None) -> pd.Timestamp | None:
        """The time of the first visible (not shadowed) snapshot of ``scope`` (default as :meth:`load`)."""
        try:
            scope = scope or str(self._load(None, None, None).attrs["scope"])  # the default scope, as load picks it
        except SnapshotNotFoundError:
            return None
        m = self.snapshots()
        rows = m[(m["scope"] == scope) & ~m["shadowed"].astype(bool)]
        return pd.Timestamp(rows["fetched_at"].iloc[0]) if len(rows) else None

    def raw(self, snapshot_id: str) -> dict[str, Any]:
        """The original body of a snapshot (models, endpoints or providers), JSON-equal to what was
        fetched or imported.

        Raises:
            SnapshotNotFoundError; StoreDamagedError.
        """
        _check_pick(snapshot_id, None)
        self._require()
        if (delta := self._delta) is not None:
            try:
                return _delta_retry(
                    self._waits, lambda: delta.raw(st := delta.state(), delta.pick(st, snapshot_id, None, None))
                )
            except SnapshotNotFoundError:
                return _delta_retry(self._waits, lambda: self._endpoints().raw(snapshot_id))
        return self._answer(lambda ix: queries.raw(ix, self._layout, self._pick(ix, snapshot_id, None, None)))

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
            start, end: keep snapshots fetched in [start, end] (UTC unless stated; a date-only end
                means through that day, :func:`orcatalog.times.parse_time`).
            scope: which snapshots: default ``"default"``, the scope of
                :func:`orcatalog.scope.default_scope` (``catalog``, else the server's default list,
                else the newest whole list of another host or region); None for every scope.

        Returns:
            Rows sorted by ``fetched_at`` then ``id``; contract columns keep their dtypes except
            text columns other than ``id``, which are categorical (each value repeats once per
            snapshot). ``attrs["snapshot_times"]`` maps each scope to every snapshot time in
            range as ISO text (a model absent from one has no row there);
            ``attrs["partial_snapshots"]`` lists the ids of partial catalogs in range. Shadowed
            day-precision snapshots and damaged ones (a warning names them) are left out. Two
            different snapshots of one scope at one time (an older store may hold such twins) are
            both kept, and a ``TwinSnapshotWarning`` says so once.

        Raises:
            InvalidParameterError: unknown column, bad times.
            SnapshotNotFoundError: the store is a local folder that does not exist.
        """
        if columns is not None:
            queries.names("columns", columns)
        wanted = queries.names("ids", ids) if ids is not None else None
        start = utc(start, "start") if start is not None else None
        end = utc(end, "end", end=True) if end is not None else None  # a date-only end: through that day
        self._require()
        if (delta := self._delta) is not None:
            return _delta_retry(self._waits, lambda: delta.history(delta.state(), wanted, columns, start, end, scope))
        return queries.history(self._index(), wanted, columns, start, end, scope)

    def run_lock(
        self,
        name: str = "watch",
        *,
        wait: float = 10.0,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> Any:
        """A context manager holding the store's ``name`` lock: one such run at a time (:mod:`.lock`).

        Args:
            name: what the run is (``"watch"``).
            wait: seconds a second run waits for the first to finish before giving up.
            clock, sleep: the time source and the wait (default the store's own, see the class).

        Raises:
            SnapshotConflictError: another run held it for the whole wait; StoreWriteError;
            InvalidParameterError.
        """
        from .lock import run_lock

        return run_lock(self._layout, name, wait=wait, clock=clock or self._waits.now, sleep=sleep or self._waits.wait)

    def run_state(self, name: str = "watch") -> dict[str, Any]:
        """The small JSON state the ``name`` run keeps beside its lock (:func:`.lock.read_state`);
        ``{}`` when there is none. Read it while holding :meth:`run_lock`.

        Raises:
            StoreError: the store cannot be read; InvalidParameterError: a bad name.
        """
        from .lock import read_state

        return read_state(self._layout, name)

    def save_run_state(self, state: dict[str, Any], name: str = "watch") -> None:
        """Replace the ``name`` run's state (JSON-able), whole (:func:`.lock.write_state`); write it
        while holding :meth:`run_lock`.

        Raises:
            StoreWriteError: it cannot be written; InvalidParameterError: a bad name.
        """
        from .lock import write_state

        write_state(self._layout, name, state)

    def store_bytes(self) -> int:
        """Total size of the store's files in bytes."""
        try:
            self._fs.invalidate_cache()  # object-store listings are cached; delta-rs writes around fsspec
            return int(sum(self._fs.du(self._base, total=False).values()))
        except FileNotFoundError:
            return 0


def _warn_partial_write(snapshot_id: str, scope: str, n_models: int, *, stacklevel: int) -> None:
    """The partial-catalog warning of a write, in one wording for both layouts (``stacklevel``
    points at the caller of ``import_files``/``snapshot``)."""
    warnings.warn(
        f"orcatalog: snapshot {snapshot_id} ({scope}) has {n_models} models, "
        "far fewer than the previous one: recorded but flagged partial (see snapshots())",
        PartialSnapshotWarning,
        stacklevel=stacklevel,
    )


def _layout_of(layout: Any, files: Layout) -> str:
    """Which layout a store uses: as asked, else the one found at its root (on disk or an object
    store: one listing of the root), else ``delta``, the layout of every new store.

    Raises:
        InvalidParameterError: an unknown layout name.
    """
    if layout not in ("auto", "parquet", "delta"):
        raise InvalidParameterError(f"layout must be 'auto', 'parquet' or 'delta', got {layout!r}")
    if layout != "auto":
        return str(layout)
    if is_delta_store(files.fs, files.base) or is_endpoint_store(files.fs, files.base):
        return "delta"
    if _is_parquet_store(files):
        return "parquet"
    return "delta"


def _is_parquet_store(files: Layout) -> bool:
    """Whether the root holds a store in the earlier (parquet batch) layout: one of its folders
    (``manifest/``, ``versions/`` ... without a Delta log) on disk or under an object-store prefix."""
    try:
        files.fs.invalidate_cache(files.base)  # object-store listings are cached; another process may have written
        names = files.fs.ls(files.base, detail=False)
    except (FileNotFoundError, NotADirectoryError):
        return False
    return any(str(n).rstrip("/").rsplit("/", 1)[-1] in FOLDERS for n in names)


def _delta_retry(waits: Waits, question: Callable[[], T]) -> T:
    """Ask again, after ``waits.reread``, when a file was vacuumed between listing and reading (Delta layout)."""
    for attempt in range(RETRIES):
        try:
            return question()
        except FileNotFoundError:
            waits.reread(attempt)
    raise StoreError("the store kept changing while it was read; try again")


def _naming_the_source(error: SchemaError, items: list[Body]) -> SchemaError:
    """The contract error of a batch's new model versions, re-found in the body that holds the model
    so that the message names its file (the batch's versions are checked together, without it)."""
    from ..frames.models import models_frame

    for item in items:
        try:
            models_frame(item.body["data"], url=item.source, unique=False)
        except SchemaError as found:
            return found
    return error


def _at_times(catalogue: Catalogue, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The committed snapshots fetched at the times of ``rows`` (their id, time, scope by today's rule
    and source), read from the manifests already in memory, filtered in Arrow: the cost does not grow
    with the store. The scope is recomputed from the provenance (an older store recorded bare imports
    as ``catalog``): the one-body-per-scope-and-time rule compares scopes as readers see them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = ["snapshot_id", "fetched_at", "scope", "source"]
    provenance = ["base_url", "endpoint", "query", "key_fingerprint"]
    times = [pd.Timestamp(r["fetched_at"]).to_pydatetime() for r in rows]
    parts = []
    for table in catalogue.tables.values():
        wanted = pa.array(times, pa.timestamp("us", tz="UTC")).cast(table.schema.field("fetched_at").type)
        hit = table.filter(pc.is_in(table.column("fetched_at"), value_set=wanted))
        if hit.num_rows:
            part = hit.select([c for c in columns + provenance if c in hit.column_names]).to_pandas()
            part = part.reindex(columns=columns + provenance)
            part["scope"] = scope_column(part)
            parts.append(part[columns])
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def _check_pick(snapshot_id: Any, as_of: Any) -> pd.Timestamp | None:
    """Check the arguments of load/raw before any I/O."""
    if snapshot_id is not None and as_of is not None:
        raise InvalidParameterError("give snapshot_id or as_of, not both")
    if snapshot_id is not None and not isinstance(snapshot_id, str):
        raise InvalidParameterError(f"snapshot_id must be a string, got {type(snapshot_id).__name__}")
    return parse_time(as_of, "as_of") if as_of is not None else None  # the one time rule (orcatalog.times)


def _version() -> str:
    from .. import __version__

    return __version__
