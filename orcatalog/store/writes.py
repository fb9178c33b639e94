"""The writing half of :class:`~orcatalog.store.SnapshotStore` (:class:`Writes`, a mixin): a
snapshot fetched now, bodies imported from files or memory, one batch committed, compaction.

Rules that live here: every write to the earlier parquet layout is refused before any I/O
(:meth:`Writes._writable`, with :func:`~orcatalog.store.messages.legacy_write_error`); a batch's
contract error names the body that holds the model (:func:`_naming_the_source`); the parquet
layout's one-body-per-scope-and-time check reads the snapshots at those times from the manifests in
memory (:func:`_at_times`; the rule itself is :func:`orcatalog.store.refusals.refuse_same_time`).
Bodies checked is :mod:`.intake`, refused before any write :mod:`.refusals`, hashed into batch tables
:mod:`.ingest`; the Delta commit is :mod:`.delta`.

Layer: store, write side; the reads it builds on are :mod:`.reads`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import chain, islice
from typing import Any

import orjson
import pandas as pd

from ..errors import InvalidParameterError, SchemaError
from ..frames import bodies
from . import compact as _compact
from .delta import ORPHAN_RETENTION_HOURS, VACUUM_RETENTION_HOURS
from .index import Catalogue, partial_among
from .ingest import Recorded, batch_tables, prepare
from .identity import time_of_snapshot_id
from .intake import Body, answered_base_url, answered_query, check_whole, given_time, make_body, read_bodies
from .refusals import refuse_future, refuse_not_default, refuse_same_time
from .messages import _warn_partial_write, legacy_write_error
from .reads import Reads
from .timeline import scope_column


#: Bodies per commit of a long import (:meth:`Writes.import_files`, :meth:`Writes.import_bodies`):
#: a week of hourly bodies, about 300 MB parsed (1.75 MB each). A longer series is checked whole
#: first, then committed a piece at a time, so a year of hourly bodies no longer needs 15 GB.
IMPORT_PIECE = 168


def _pieces(items: Iterable[Body], size: int) -> Iterator[list[Body]]:
    """``items`` in lists of ``size`` (the last one shorter), read one piece at a time."""
    it = iter(items)
    while piece := list(islice(it, size)):
        yield piece


class Writes(Reads):
    """The write methods of :class:`~orcatalog.store.SnapshotStore` (a mixin: the store keeps one
    class, this module keeps its writes)."""

    _legacy_writes: bool

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
        from ..fetch.shortcuts import default_client

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
        now: Any = None,
    ) -> Recorded:
        """Backfill from raw ``/models`` bodies: ``.json``, ``.json.gz``, tar archives of them, or folders.

        The fetch time comes from ``fetched_at`` (only for a single body), else from an ISO time
        in the file name (``models-2026-01-03T231610Z.json``, or ``models-2025-12-18.json.gz``:
        a bare date is recorded with ``time_precision="day"``), else the import fails: never
        silently "now". A date-only ``fetched_at`` (``"2026-01-08"``) is day precision too, by the
        same rule (:func:`orcatalog.store.intake.given_time`). A ``fetched_at`` that the file name's time contradicts wins, with an
        :class:`~orcatalog.errors.OrcatalogWarning` naming both (a time within the named day
        agrees). A file that is no models body is refused as such before its time is asked for.
        Every body is checked before anything is written; importing the same
        body at the same time again is a no-op, and a different body of the same scope and time
        is refused (:func:`orcatalog.store.refusals.refuse_same_time`). Up to :data:`IMPORT_PIECE`
        (168) bodies are one commit; a longer series is checked whole first (every refusal above,
        before anything is written; the files are then read a second time), then committed 168
        bodies at a time, so memory holds one piece (about 1.75 MB per 636 KB hourly body), not
        the series (``data/README.md``, Import memory).

        Args:
            paths: one path or several.
            fetched_at: the fetch time (UTC unless it says otherwise) when there is one body; stored
                to the microsecond (finer digits are dropped: :func:`orcatalog.times.stored_time`).
            base_url: the API the bodies came from (default: the public API).
            query: the list filters the bodies answered, as ``fetch_models`` takes them (e.g.
                ``{"output_modalities": "all"}``, ``{"input_modalities": "image"}``); none means the
                server's default list (text-output models only, as a bare ``GET /models`` answers).
                With ``base_url`` it sets the snapshots' scope by the one rule
                (:func:`orcatalog.scope.scope_of`): ``{"output_modalities": "all"}`` and the public
                API is ``catalog``, no query is ``/models output_modalities=text``.
            progress: show a progress bar (default: only on a terminal).
            now: the current time (default the clock; tests inject it): a body dated after it
                (beyond :data:`~orcatalog.store.refusals.FUTURE_TOLERANCE`) is refused.

        Returns:
            The snapshot ids, in time order (including those that were already there): a list
            whose ``added`` attribute lists the ones this call recorded.

        Raises:
            InvalidParameterError: no time for a body, a fetched_at= in the future
                (:func:`orcatalog.store.refusals.refuse_future`), fetched_at given for several bodies, a
                bad ``query`` or ``base_url`` (one with ``user:password@`` included; before anything is read); with no ``output_modalities`` in ``query``,
                a body holding a model without text output, which the server's default list cannot
                hold (:func:`orcatalog.store.refusals.refuse_not_default`; the files are named,
                nothing is written).
            LegacyLayoutError: the store is in the earlier parquet layout (before anything is read).
            SchemaError: a body is not a models list, or its ``total_count`` disagrees with its
                models (named in the message).
            BodyFileError: a file whose name dates it in the future (nothing is written), or one
                that cannot be read.
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
        when = given_time(fetched_at, "fetched_at") if fetched_at is not None else None

        def read() -> Iterator[Body]:
            return read_bodies(files, when, base_url, progress, asked)

        def one_body(n: int) -> None:
            if when is not None and n != 1:
                raise InvalidParameterError(
                    f"fetched_at= applies to a single body, but {n} were given; name the files with their times instead"
                )

        return self._import(read, now, progress, one_body, named=when is None)

    def import_bodies(
        self,
        bodies: Iterable[tuple[Any, Any]],
        *,
        base_url: str | None = None,
        query: Mapping[str, Any] | None = None,
        progress: bool | None = None,
        now: Any = None,
    ) -> Recorded:
        """Record bodies held in memory: ``(fetched_at, body)`` pairs, body as dict, str or bytes.

        ``base_url`` and ``query`` (the filters the bodies answered; none: the server's default list)
        set the scope as in :meth:`import_files`, and the same evidence rule applies; a body dated
        after ``now`` (default the clock) is refused as there. Times are stored to the microsecond
        (a ``pandas.Timestamp``'s nanoseconds are dropped: :func:`orcatalog.times.stored_time`).
        Up to :data:`IMPORT_PIECE` (168) bodies are one commit; a longer series is committed 168
        at a time. A list (any sequence) is checked whole first, as :meth:`import_files` does; a
        generator is read once, so each piece is checked before it is committed, and a refusal in
        a later piece leaves the earlier pieces recorded (the error is raised then). Bodies given as
        bytes or text are parsed one piece at a time (about 1.75 MB per 636 KB hourly body).

        Returns:
            The snapshot ids in time order, with ``added`` (:meth:`import_files`). Raises as :meth:`import_files`.
        """
        self._writable()
        asked, base_url = answered_query(query), answered_base_url(base_url)
        again = bodies if isinstance(bodies, Sequence) else None  # a list can be read twice, a generator once

        def read() -> Iterator[Body]:
            for i, (when, body) in enumerate(bodies if again is None else again):
                parsed = orjson.loads(body) if isinstance(body, (bytes, str)) else body
                at, precision = given_time(when, "fetched_at")  # a date only: day precision, as in a file name
                yield make_body(f"body #{i}", parsed, at, base_url, precision, query=asked)

        return self._import(read, now, progress, once=again is None)

    def _import(
        self,
        read: Callable[[], Iterator[Body]],
        now: Any,
        progress: bool | None,
        check_count: Callable[[int], None] | None = None,
        *,
        once: bool = False,
        named: bool = False,
    ) -> Recorded:
        """Record the bodies ``read()`` yields: up to :data:`IMPORT_PIECE` of them checked and
        committed at once, as always; a longer series is checked whole first (every refusal of
        :mod:`.refusals`, before anything is written: ``read()`` is called again to write it), then
        committed a piece at a time, so memory holds one piece, not the whole series. ``once``: the
        bodies can be read only once (a generator given to :meth:`import_bodies`): each piece is
        checked, then committed, and a refusal in a later piece leaves the earlier ones recorded.
        ``check_count``: refuses a number of bodies (``fetched_at=`` is for one). ``named``: the
        times are the file names' (a time in the future is then the file's fault)."""
        bodies_read = read()
        first = list(islice(bodies_read, IMPORT_PIECE + 1))
        if len(first) <= IMPORT_PIECE:  # one piece: one commit
            if check_count is not None:
                check_count(len(first))
            refuse_not_default(first)
            refuse_future(first, now, named=named)
            return self._write(first, progress=progress)
        if once:
            pieces = _pieces(chain(first, bodies_read), IMPORT_PIECE)
        else:
            self._check_series(chain(first, bodies_read), now, check_count, named=named)
            del first
            pieces = _pieces(read(), IMPORT_PIECE)
        ids: list[str] = []
        added: list[str] = []
        again: list[str] = []
        for piece in pieces:
            if once:
                refuse_not_default(piece)
                refuse_future(piece, now, named=named)
            written = self._write(piece, progress=progress)
            ids += written
            added += written.added
            again += written.again

        def by_time(sid: str) -> pd.Timestamp:  # ids begin with their UTC time (the id rule's own reading)
            return time_of_snapshot_id(sid) or pd.Timestamp(0, tz="UTC")

        return Recorded(sorted(dict.fromkeys(ids), key=by_time), sorted(added, key=by_time), again)

    def _check_series(
        self, items: Iterable[Body], now: Any, check_count: Callable[[int], None] | None, *, named: bool = False
    ) -> None:
        """Every check a write makes before it writes, on a series read one piece at a time: the
        refusals of each piece, then one body per scope and time across the series and against the
        store (:func:`~orcatalog.store.refusals.refuse_same_time`)."""
        rows: list[dict[str, Any]] = []
        for piece in _pieces(items, IMPORT_PIECE):
            refuse_not_default(piece)
            refuse_future(piece, now, named=named)
            rows += [
                {k: r[k] for k in ("snapshot_id", "fetched_at", "scope", "source")}
                for r in prepare(piece, set(), _version(), False).rows
            ]
        if check_count is not None:
            check_count(len(rows))
        if self._delta is not None:
            refuse_same_time(rows, self._delta.state().manifest)
        else:
            refuse_same_time(rows, _at_times(self._catalogue(), rows))

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
            _compact.upkeep(layout, self._catalogue(), self.auto_compact, waits=self._waits)
        return Recorded(batch.ids, [r["snapshot_id"] for r in rows])

    def _warn_partial(self, ids: list[str]) -> None:
        """The partial-catalog warning for the snapshots just written (Delta layout)."""
        assert self._delta is not None
        m = self._delta.state(refresh=False).manifest  # as the write read it back
        m = m[m["partial"].to_numpy(dtype=bool)]  # few rows or none: only they are compared with the ids
        for row in m[m["snapshot_id"].isin(ids)].itertuples():
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
            catalogue = self._index().catalogue  # the index checks every file first
            return _compact.compact(self._layout, catalogue, waits=self._waits)
        finally:
            self._index_cache = None


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


def _version() -> str:
    from .. import __version__

    return __version__
