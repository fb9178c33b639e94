"""The reading half of :class:`~orcatalog.store.SnapshotStore` (:class:`Reads`, a mixin): whether
there is a store, the manifest, one snapshot's frame or body, the long history.

Rules that live here: a read where there is no store raises (:meth:`Reads._require`, with the
message of :func:`~orcatalog.store.messages.no_store_message`); a file merged or vacuumed away
under a read makes the read list again after :meth:`~orcatalog.store.waits.Waits.reread`
(:meth:`Reads._answer` on the parquet layout, :func:`_delta_retry` on the Delta layout); the
arguments of ``load``/``raw`` are checked before any I/O (:func:`_check_pick`). Which snapshot
answers, and how, is :mod:`.queries` (parquet layout) and :mod:`.delta` (Delta layout).

Layer: store, read side; the store's writes are :mod:`.writes`.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from ..errors import (
    RECORD_A_STORE,
    AsOfWarning,
    InvalidParameterError,
    PartialSnapshotWarning,
    SnapshotNotFoundError,
    StoreError,
    TwinSnapshotWarning,
)
from ..times import answer_notes, answer_warning, parse_time
from . import queries
from .delta import DeltaStore
from .endpoints import EndpointHistory
from .index import RETRIES, Catalogue, Index, read_catalogue, read_index
from .intake import utc
from .layout import Layout
from .messages import holds_store_tables, no_store_message, warn_unknown_models
from .waits import Waits

T = TypeVar("T")


class Reads(EndpointHistory):
    """The read methods of :class:`~orcatalog.store.SnapshotStore` (a mixin: the store keeps one
    class, this module keeps its reads)."""

    root: str
    _layout: Layout
    _delta: DeltaStore | None
    _waits: Waits
    _catalogue_cache: Catalogue | None
    _index_cache: Index | None
    _data_tables: dict[tuple[str, str], Any]

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
        return holds_store_tables(names) or all(n.startswith((".", "README")) for n in names)

    def _require(self) -> None:
        """Reads where there is no store are errors, not empty answers (a mistyped path)."""
        why = no_store_message(self, RECORD_A_STORE)
        if why is not None:
            raise SnapshotNotFoundError(why)

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
                when,
                answered,
                first=answered if answered > when else None,
                scope=frame.attrs.get("scope"),
                precision=frame.attrs.get("time_precision"),
            )
            said = answer_warning(when, answered, precision=frame.attrs.get("time_precision"))  # first, future, stale
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
            range as ISO text, a tuple (a model absent from one has no row there; an immutable
            tuple, so the copy of ``attrs`` pandas makes for every column read costs nothing);
            ``attrs["partial_snapshots"]`` lists the ids of partial catalogs in range. Shadowed
            day-precision snapshots and damaged ones (a warning names them) are left out. Two
            different snapshots of one scope at one time (an older store may hold such twins) are
            both kept, and a ``TwinSnapshotWarning`` says so once.

        Raises:
            InvalidParameterError: unknown column, bad times.
            SnapshotNotFoundError: the store is a local folder that does not exist.

        Warns:
            UnknownModelWarning: an id in ``ids`` that no snapshot of the scope lists (a typo:
                the message suggests the closest id); the answer has no rows for it.
        """
        if columns is not None:  # each once; the columns always there asked too are not an error
            always = ("snapshot_id", "fetched_at", "scope")
            columns = [c for c in dict.fromkeys(queries.names("columns", columns)) if c not in always]
        wanted = queries.names("ids", ids) if ids is not None else None
        start = utc(start, "start") if start is not None else None
        end = utc(end, "end", end=True) if end is not None else None  # a date-only end: through that day
        self._require()
        if (delta := self._delta) is not None:
            out = _delta_retry(self._waits, lambda: delta.history(delta.state(), wanted, columns, start, end, scope))
        else:
            out = queries.history(self._index(), wanted, columns, start, end, scope)
        if wanted:  # an id no snapshot of the scope lists: a warning with the suggestion, never a silent empty frame
            of = "" if scope in (None, "default") else f" of scope {scope!r}"
            warn_unknown_models(
                wanted,
                pd.unique(_column(out, "id")),
                lambda: self.history(columns=[], scope=scope)["id"].unique(),
                f"any snapshot{of} of {self.root}",
            )
        return out


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A column's values, read without pandas deep-copying the frame's ``attrs`` into the column
    (every column read does: a history's attrs list every snapshot time, 8,760 a year, which made
    that copy a fifth of one model's history on a year's store)."""
    attrs, frame.attrs = frame.attrs, {}
    try:
        return frame[name].to_numpy()
    finally:
        frame.attrs = attrs


def _delta_retry(waits: Waits, question: Callable[[], T]) -> T:
    """Ask again, after ``waits.reread``, when a file was vacuumed between listing and reading (Delta layout)."""
    for attempt in range(RETRIES):
        try:
            return question()
        except FileNotFoundError:
            waits.reread(attempt)
    raise StoreError("the store kept changing while it was read; try again")


def _check_pick(snapshot_id: Any, as_of: Any) -> pd.Timestamp | None:
    """Check the arguments of load/raw before any I/O."""
    if snapshot_id is not None and as_of is not None:
        raise InvalidParameterError("give snapshot_id or as_of, not both")
    if snapshot_id is not None and not isinstance(snapshot_id, str):
        raise InvalidParameterError(f"snapshot_id must be a string, got {type(snapshot_id).__name__}")
    return parse_time(as_of, "as_of") if as_of is not None else None  # the one time rule (orcatalog.times)
