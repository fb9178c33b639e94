"""Answers from an :class:`~.index.Index`: which snapshot, its frame, its body, the long history.

Functions of the index (and the layout, for the lazily read orders files); no caching, no retries:
the :class:`~orcatalog.store.SnapshotStore` facade does those.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import orjson
import pandas as pd

from ..errors import (
    RECORD_A_STORE,
    InvalidParameterError,
    SnapshotNotFoundError,
    StoreDamagedError,
    StoreError,
    TwinSnapshotWarning,
)
from ..frames.models import models_frame
from .. import scope as scope_rule
from .index import LATEST, Index
from .integrity import DamagedFile, unparsable
from .layout import ORDER_ROW_GROUP, Layout
from .timeline import latest_of, partial_times, twins_note

__all__ = ["pick", "default_scope", "order", "load", "raw", "history", "names"]


class Times(tuple[str, ...]):
    """Snapshot times as ISO text, the values of a history's ``attrs["snapshot_times"]``: a tuple
    (plain values: attrs must survive ``astype(str)``, ``concat`` and exports) that copies as
    itself, since it cannot change. pandas deep-copies a frame's ``attrs`` into every column read
    and every derived frame: a year's 8,760 times as a list made each column read of a one-model
    history cost 1.8 ms instead of 0.01 ms."""

    __slots__ = ()

    def __copy__(self) -> Times:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Times:
        return self


def snapshot_times(iso: np.ndarray, keep: np.ndarray, scopes: pd.Categorical) -> dict[str, Times]:
    """A history's ``attrs["snapshot_times"]``, both layouts: each scope's kept snapshot times.

    Args:
        iso: every manifest row's time as ISO text.
        keep: which rows the history kept.
        scopes: every manifest row's scope.
    """
    codes = scopes.codes
    return {
        str(sc): Times(iso[keep & (codes == i)].tolist())
        for i, sc in enumerate(scopes.categories)
        if (keep & (codes == i)).any()
    }


def default_scope(index: Index) -> str:
    """The scope answers take when none is named: :func:`orcatalog.scope.default_scope` of the store."""
    return scope_rule.default_scope(index.manifest)


def _scope_mask(index: Index, scope: str) -> np.ndarray:
    categories = index.scope_codes.categories
    return index.scope_codes.codes == (categories.get_loc(scope) if scope in categories else -2)


def pick(
    index: Index,
    root: str,
    snapshot_id: str | None,
    when: pd.Timestamp | None,
    scope: str | None,
    notes: list[str] | None = None,
) -> pd.Series:
    """The manifest row of a snapshot: by id, else the latest visible one at or before ``when``
    (among twins by :func:`~.timeline.latest_of`, whose note is appended to ``notes``).

    Raises:
        SnapshotNotFoundError; StoreDamagedError (the snapshot, or one between the answer and
        ``when``, is damaged or lost: an older snapshot would be a wrong answer).
    """
    manifest = index.manifest
    if snapshot_id is not None:
        index.catalogue.check(snapshot_id)
        rows = manifest[manifest["snapshot_id"] == snapshot_id]
        if rows.empty:
            raise SnapshotNotFoundError(f"no snapshot {snapshot_id!r} in {root}")
        return rows.iloc[0]
    scope = scope or default_scope(index)
    mask = _scope_mask(index, scope) & index.visible
    if when is not None:
        mask &= index.times <= when
    found = np.flatnonzero(mask)
    row = None
    if len(found):
        pos, note = latest_of(manifest, found)
        row = manifest.iloc[pos]
        if note is not None and notes is not None:
            notes.append(note)
    until = when if when is not None else LATEST
    index.catalogue.check_gap(None if row is None else row["fetched_at"], until, scope)
    if row is None:
        raise no_snapshot_error(scope, root, when)
    return row


def no_snapshot_error(scope: str, root: str, when: Any = None) -> SnapshotNotFoundError:
    """The error of a read that no snapshot of ``scope`` answers (both layouts): none at or
    before ``when``, or none at all (then how to record one, in the library's words)."""
    if when is not None:
        return SnapshotNotFoundError(f"no {scope!r} snapshot at or before {when} in {root}")
    return SnapshotNotFoundError(f"no {scope!r} snapshot in {root}; record one with {RECORD_A_STORE}")


def order(files: dict[str, Any], layout: Layout, row: pd.Series) -> list[str]:
    """The snapshot's model order: one row group of its batch's orders file (verified when opened,
    then kept in ``files``).

    Raises:
        FileNotFoundError: the orders file is gone (a compaction merged it: the caller re-reads).
        StoreDamagedError: naming the file and the snapshot (the file is left where it is).
        StoreReadError: the file's intact bytes cannot be parsed here.
    """
    batch = row["batch"]
    try:
        if batch not in files:
            digest = row.get("orders_sha256")
            files[batch] = layout.orders_file(batch, digest if isinstance(digest, str) else None)
        seq = int(row["seq"])
        group = files[batch].read_row_group(
            seq // ORDER_ROW_GROUP, columns=["snapshot_id", "versions"], use_threads=False
        )
    except DamagedFile as exc:
        raise StoreDamagedError(f"snapshot {row['snapshot_id']} cannot be read: {exc}") from None
    except (OSError, ValueError, KeyError, NotImplementedError) as exc:  # pyarrow's errors are these too
        if isinstance(exc, FileNotFoundError):
            raise
        digest = row.get("orders_sha256")
        found = unparsable(layout.path("orders", batch), digest if isinstance(digest, str) else None, exc)
        if isinstance(found, DamagedFile):
            raise StoreDamagedError(f"snapshot {row['snapshot_id']} cannot be read: {found}") from None
        raise found from None
    at = seq % ORDER_ROW_GROUP
    if at >= group.num_rows or group.column("snapshot_id")[at].as_py() != row["snapshot_id"]:
        raise StoreError(f"snapshot {row['snapshot_id']} has no model order in {layout.path('orders', batch)}")
    return group.column("versions")[at].as_py()


def parse_versions(raw: Any, snapshot_id: str, versions: Iterable[str]) -> list[dict[str, Any]]:
    """The model objects of a snapshot's versions (``raw``: version -> JSON text), parsed in one JSON
    call rather than one per model; a missing version is :class:`StoreDamagedError`. Both layouts."""
    try:
        texts = [raw[v] for v in versions]
    except KeyError as exc:
        raise StoreDamagedError(f"snapshot {snapshot_id} cannot be read: model version {exc} is missing") from None
    return orjson.loads("[" + ",".join(texts) + "]")


def snapshot_frame(models: list[dict[str, Any]], row: pd.Series, root: str) -> pd.DataFrame:
    """The contract frame of one snapshot from its model objects and manifest row, with its
    provenance in ``attrs`` (plain values). The one reading of a manifest row into attrs, both layouts."""
    frame = models_frame(models, url=f"{root}#{row['snapshot_id']}")
    frame.attrs.update(
        {
            "snapshot_id": row["snapshot_id"],
            "fetched_at": row["fetched_at"],
            "scope": row["scope"],
            "base_url": row["base_url"],
            "endpoint": row["endpoint"],
            "params": json.loads(row["query"]),
            "time_precision": row["time_precision"],
            "partial": bool(row["partial"]),
        }
    )
    return frame


def load(index: Index, layout: Layout, row: pd.Series) -> pd.DataFrame:
    """The contract frame of one snapshot, with its provenance in ``attrs`` (plain values)."""
    versions = order(index.order_files, layout, row)
    return snapshot_frame(parse_versions(index.raw, row["snapshot_id"], versions), row, str(layout.root))


def raw(index: Index, layout: Layout, row: pd.Series) -> dict[str, Any]:
    """The original body of a snapshot, JSON-equal to what was recorded (re-serialised, not the bytes)."""
    body = json.loads(row["top_level"])
    body["data"] = parse_versions(index.raw, row["snapshot_id"], order(index.order_files, layout, row))
    return body


def history(
    index: Index,
    wanted_ids: list[str] | None,
    columns: Sequence[str] | None,
    start: pd.Timestamp | None,
    end: pd.Timestamp | None,
    scope: str | None,
) -> pd.DataFrame:
    """Long form, one row per (visible snapshot, model present in it); see ``SnapshotStore.history``."""
    manifest = index.manifest
    keep = index.visible.copy()  # shadowed and unreadable snapshots are left out
    if scope == "default":
        scope = default_scope(index)
    if scope is not None:
        keep &= _scope_mask(index, scope)
    if start is not None:
        keep &= index.times >= start
    if end is not None:
        keep &= index.times <= end
    span_version = index.span_version
    chosen = span_version >= 0
    if wanted_ids is not None:
        codes = np.flatnonzero(pd.Index(index.version_ids).isin(wanted_ids))
        chosen &= np.isin(span_version, codes)
    first, last = index.span_first[chosen], index.span_last[chosen]
    counts = last - first + 1
    seq = np.repeat(first, counts) + _ranges(counts)
    keys = np.repeat(index.span_batch[chosen] << 32, counts) | seq
    version_code = np.repeat(span_version[chosen], counts)
    pos = index.manifest_keys.get_indexer(keys)
    present = pos >= 0
    present[present] = keep[pos[present]]
    pos, version_code = pos[present], version_code[present]
    version_rep = index.version_index.to_numpy()[version_code]
    needed = pd.unique(version_rep)
    frame = models_frame(orjson.loads("[" + ",".join([index.raw[v] for v in needed]) + "]"), unique=False)
    cols = _columns(frame, columns)
    frame = frame[cols]
    for c in cols:  # long form repeats each text value once per snapshot: categorical is the idiom
        if c != "id" and pd.api.types.is_string_dtype(frame[c].dtype) and not isinstance(frame[c].dtype, pd.ArrowDtype):
            frame[c] = frame[c].astype("category")
    take = pd.Index(needed).get_indexer(version_rep)
    id_rank = frame["id"].rank(method="dense").to_numpy(dtype=np.int64)[take]
    ordering = np.lexsort((id_rank, pos))  # manifest rows are in time order: sort by time, then id
    take, pos = take[ordering], pos[ordering]
    out = frame.take(take).reset_index(drop=True)
    scopes, sids = index.scope_codes, index.snapshot_codes
    out.insert(0, "scope", pd.Categorical.from_codes(scopes.codes[pos], scopes.categories))
    out.insert(0, "fetched_at", index.times.take(pos))
    out.insert(0, "snapshot_id", pd.Categorical.from_codes(sids.codes[pos], sids.categories))
    out.attrs["snapshot_times"] = snapshot_times(index.iso_times, keep, scopes)
    out.attrs["partial_snapshots"] = manifest.loc[keep & manifest["partial"].to_numpy(), "snapshot_id"].tolist()
    out.attrs["partial_times"] = partial_times(manifest, keep)
    note = twins_note(manifest, keep)
    if note is not None:
        warnings.warn(note, TwinSnapshotWarning, stacklevel=3)  # the caller of SnapshotStore.history
    return out


def _ranges(counts: np.ndarray) -> np.ndarray:
    """[0..c0-1, 0..c1-1, ...] for counts c."""
    if len(counts) == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(counts)
    starts = np.repeat(ends - counts, counts)
    return np.arange(ends[-1]) - starts


def names(what: str, value: Any) -> list[str]:
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
    wanted = names("columns", columns)
    unknown = [c for c in wanted if c not in frame.columns]
    if unknown:
        raise InvalidParameterError(f"unknown column(s) {unknown}; see orcatalog.schema")
    return ["id", *[c for c in wanted if c != "id"]]
