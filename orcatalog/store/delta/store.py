"""The operations of :class:`orcatalog.SnapshotStore` on the Delta layout (:class:`DeltaStore`):
a write (new versions, the commit, the read-back), compaction, and the reads (which snapshot, its
frame, its raw body, the long-form history, the list of snapshots)."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ...errors import (
    SchemaError,
    SnapshotConflictError,
    SnapshotNotFoundError,
    StoreDamagedError,
    StoreError,
    StoreWriteError,
    TwinSnapshotWarning,
)
from ...scope import default_scope
from ..identity import row_faults, time_of_snapshot_id
from ..ingest import prepare, Recorded
from ..intake import Body
from ..refusals import refuse_same_time
from ..queries import no_snapshot_error, parse_versions, snapshot_frame, snapshot_times
from ..timeline import latest_of, partial_times, row_scope, twins_note
from .schema import ORPHAN_RETENTION_HOURS, VACUUM_RETENTION_HOURS, _plain, snapshot_rows, versions_rows
from .state import State, _forgettable
from .tables import DeltaLayout

logger = logging.getLogger("orcatalog.store")


#: The columns of a snapshot's row that a write reads back and compares with what it meant to write
#: (the others record provenance, which a second writer of the same snapshot may differ in).
READ_BACK_COLUMNS = ("fetched_at", "scope", "top_level", "content_hash")


def _read_back_differs(
    stored: pd.Series, order: list[str] | None, meant: dict[str, Any], wanted: list[str]
) -> list[str]:
    """What differs between a snapshot's row as read back from storage (its manifest columns and
    its version list) and the row and list the write meant: the names of the differing parts (the
    version list, :data:`READ_BACK_COLUMNS`, and what the row contradicts in itself, by the one
    check readers make too: :func:`orcatalog.store.identity.row_faults`)."""
    wrong = [] if order == wanted else ["the version list"]
    for c in READ_BACK_COLUMNS:
        got, want = stored[c], meant[c]
        if c == "scope":  # readers recompute a scope by today's rule (timeline.scope_column): so does this
            want = row_scope(meant["base_url"], meant["endpoint"], meant["query"], meant["key_fingerprint"])
        same = pd.Timestamp(got) == pd.Timestamp(want) if c == "fetched_at" else _plain(got) == _plain(want)
        if not same:
            wrong.append(c)
    wrong += [f for f in row_faults(stored, order or [], len(order or [])) if f not in wrong]
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
        holds; new writes are refused then, see :func:`orcatalog.store.refusals.refuse_same_time`).

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
        again = {sid for p in state.found for sid in p.snapshot_ids}  # rows left out as contradicting themselves
        if present:  # a snapshot already held counts only when it can be read (else it is written again)
            again |= present & set(state.unreadable)
            present -= again
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
        return Recorded(batch.ids, [r["snapshot_id"] for r in rows], again)

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
            # a row left out as contradicting itself (found when the manifest was read: no list is read here)
            hidden = {sid: p for p in state.found for sid in p.snapshot_ids if sid in absent} if absent else {}
            if hidden:  # its row reads back contradicting itself (store.identity.row_faults): readers hide it
                sid, problem = next(iter(hidden.items()))
                raise StoreWriteError(
                    f"snapshot {sid} was committed to {self.layout.root} but does not read back equal to its body "
                    f"({problem.reason}); check the storage"
                )
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
                    + "; restore the file(s) named from a backup, or import the affected snapshots' bodies again "
                    "(data/README.md, 'Damage and recovery')"
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
        return str(state.memo("default scope", lambda: default_scope(state.manifest)))

    def visible(self, state: State) -> np.ndarray:
        """Which manifest rows answers may use: not shadowed, not unreadable (a new array each call)."""

        def make() -> np.ndarray:
            m = state.manifest
            hidden = m["shadowed"].to_numpy(dtype=bool)
            if state.unreadable:
                hidden = hidden | m["snapshot_id"].isin(set(state.unreadable)).to_numpy()
            return ~hidden

        return np.array(state.memo("visible", make), copy=True)

    def of_scope(self, state: State, scope: str) -> np.ndarray:
        """Which manifest rows are of ``scope`` (a new array each call)."""
        return np.array(state.memo(("scope", scope), lambda: (state.manifest["scope"] == scope).to_numpy()), copy=True)

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
        mask = self.of_scope(state, scope) & self.visible(state)
        if when is not None:
            mask &= state.times <= when
        found = np.flatnonzero(mask)
        pos, note = latest_of(m, found) if len(found) else (None, None)
        if note is not None and notes is not None:
            notes.append(note)
        answer = m["fetched_at"].iloc[pos] if pos is not None else None
        until = when if when is not None else pd.Timestamp.max.tz_localize("UTC")
        between = np.zeros(len(m), dtype=bool)
        if state.unreadable:
            between = self.of_scope(state, scope) & m["snapshot_id"].isin(set(state.unreadable)).to_numpy()
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
            raise no_snapshot_error(scope, root, when)
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
        from ...frames.models import models_frame
        from ..queries import _columns

        m = state.manifest
        keep = self.visible(state)
        if scope == "default":
            scope = self.default_scope(state)
        if scope is not None:
            keep &= self.of_scope(state, scope)
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
        # the same rows kept (scope, start, end) give the same times (which cannot change): made once per state
        times = state.memo(("snapshot times", scope, start, end), lambda: snapshot_times(iso, keep, scopes))
        out.attrs["snapshot_times"] = dict(times)
        partials = keep & m["partial"].to_numpy(dtype=bool)
        out.attrs["partial_snapshots"] = m.loc[partials, "snapshot_id"].tolist() if partials.any() else []
        out.attrs["partial_times"] = partial_times(m, keep)
        # a store without twins has none among any rows it keeps (asked once per state)
        any_twins = state.memo("twins", lambda: twins_note(m, np.ones(len(m), dtype=bool)) is not None)
        note = twins_note(m, keep) if any_twins else None
        if note is not None:
            warnings.warn(note, TwinSnapshotWarning, stacklevel=5)  # the caller of SnapshotStore.history
        return out

    def snapshots(self, state: State) -> pd.DataFrame:
        m = state.manifest[~state.manifest["snapshot_id"].isin(set(state.unreadable))]
        return m.drop(columns=["top_level", "seq"]).reset_index(drop=True)
