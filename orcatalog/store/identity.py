"""What names a snapshot and what proves a stored row: the snapshot id rule, the hashes, the row self-check.

The snapshot id rule lives here: :func:`snapshot_id` makes an id (its UTC time to the second, then
12 hex digits of its content hash) and :func:`time_of_snapshot_id` reads the time back.
:func:`version_of` hashes one model object, :func:`content_hash` a whole snapshot, and
:func:`row_faults` is the one check of a stored ``snapshots`` row against its own redundant parts
(its id part, :func:`id_faults`, runs on every row a reader reads, all rows at once).
Pure work on memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "snapshot_id",
    "time_of_snapshot_id",
    "version_of",
    "content_hash",
    "row_faults",
    "id_faults",
    "order_faults",
]

#: How a snapshot id begins: the snapshot's time, UTC, to the second.
_ID_TIME = "%Y%m%dT%H%M%SZ"
#: The shape of that beginning, the time's digits then the dash before the content hash.
_ID_START = r"^[0-9]{8}T[0-9]{6}Z-"


def snapshot_id(fetched_at: pd.Timestamp, content: str) -> str:
    """The snapshot id rule, in one place: ``<UTC time to the second>-<12 hex digits of the content hash>``.

    Args:
        fetched_at: the snapshot's time (UTC).
        content: the hex content hash of the snapshot (its model versions in order and the body's other keys).
    """
    return f"{fetched_at:{_ID_TIME}}-{content[:12]}"


def time_of_snapshot_id(sid: str) -> pd.Timestamp | None:
    """The UTC time a snapshot id begins with (see :func:`snapshot_id`), or None when it does not."""
    try:
        return pd.to_datetime(sid.split("-", 1)[0], format=_ID_TIME, utc=True)
    except (ValueError, TypeError):
        return None


def version_of(model: dict[str, Any]) -> tuple[str, bytes]:
    """A model object's version hash (SHA-256 prefix of its JSON) and that JSON."""
    raw = orjson.dumps(model)
    return hashlib.sha256(raw).hexdigest()[:32], raw


def content_hash(order: list[str] | bytes | memoryview, top_level: str) -> str:
    """A snapshot's content hash: SHA-256 (hex) over its top-level JSON, then its version hashes in
    body order. ``order`` is the list of version hashes, or their UTF-8 bytes already concatenated
    (as a reader finds them in an Arrow string buffer: the same hash, without a Python string each)."""
    digest = hashlib.sha256(top_level.encode())
    digest.update(order if isinstance(order, (bytes, memoryview)) else "".join(order).encode())
    return digest.hexdigest()


def row_faults(row: Mapping[str, Any], order: list[str] | bytes | memoryview | None, length: int | None) -> list[str]:
    """What a stored snapshot row says that its own redundant parts contradict (empty when it is
    consistent): the one check of a ``snapshots`` row, by the writer's read-back and by every reader.

    A row carries three things twice: its time (``fetched_at``, and the start of ``snapshot_id``, to
    the second), its content hash (``content_hash``, the end of ``snapshot_id``, and the hash
    recomputed from ``top_level`` and the version list) and its size (``n_models``, the length of the
    version list). A flipped byte that still decodes changes one copy only.

    Args:
        row: the row's ``snapshot_id``, ``fetched_at`` (a UTC time), ``content_hash``, ``n_models``, ``top_level``.
        order: its version list (or the list's concatenated bytes, see :func:`content_hash`); None
            checks the other columns only (a reader that has not read the lists yet).
        length: how many versions ``order`` holds (None with ``order``).

    Returns:
        The names of the disagreeing parts, e.g. ``["fetched_at"]``, ``["n_models"]``.
    """
    return id_faults([row])[0] + ([] if order is None else order_faults(row, order, length))


def order_faults(row: Mapping[str, Any], order: list[str] | bytes | memoryview, length: int | None) -> list[str]:
    """The part of :func:`row_faults` that reads a row against its version list (``order``, of
    ``length`` versions): ``["n_models"]`` when the count differs, ``["the content hash of what
    was read"]`` when the hash recomputed from ``top_level`` and the list differs; empty when both agree."""
    faults = []
    if length is None or pd.isna(row["n_models"]) or int(row["n_models"]) != length:
        faults.append("n_models")
    if row["top_level"] is None or content_hash(order, str(row["top_level"])) != str(row["content_hash"]):
        faults.append("the content hash of what was read")
    return faults


def _rows_table(rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    """The columns :func:`id_faults` reads, from rows as mappings (a time without a zone, or none, is null)."""
    times = [
        pd.Timestamp(row["fetched_at"]) if isinstance(row["fetched_at"], str) else row["fetched_at"] for row in rows
    ]
    return pa.table(
        {
            "snapshot_id": pa.array([str(row["snapshot_id"]) for row in rows], pa.string()),
            # aware times only (NaT has no zone); Arrow takes each instant in UTC, to the microsecond
            "fetched_at": pa.array(
                [w if getattr(w, "tzinfo", None) is not None else None for w in times], pa.timestamp("us", tz="UTC")
            ),
            "content_hash": pa.array([str(row["content_hash"]) for row in rows], pa.string()),
        }
    )


def id_faults(rows: pa.Table | Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """The part of :func:`row_faults` that reads a row's id against its other columns, for many
    rows at once (Arrow compute: a reader checks every row of a store, 8,760 a year): a row's
    ``fetched_at`` must be a UTC-aware time whose second starts its ``snapshot_id``, and its
    ``content_hash`` 64 characters whose first 12 end it (:func:`snapshot_id`).

    Args:
        rows: a table with the columns ``snapshot_id``, ``fetched_at`` (a timestamp with a time
            zone; a missing time zone or value is a fault) and ``content_hash``; or rows as
            mappings with those keys (as :func:`row_faults` takes one).

    Returns:
        For each row, the names of the disagreeing parts (``"fetched_at"``, ``"content_hash"``), in that order.
    """
    if not isinstance(rows, pa.Table):
        rows = _rows_table(rows)
    sid = rows.column("snapshot_id").cast(pa.string())
    when = rows.column("fetched_at")
    n = len(rows)
    if pa.types.is_timestamp(when.type) and when.type.tz is not None:
        # the id's time read as a time and compared with fetched_at's second (the shape checked
        # first): parsing the ids costs a tenth of writing every time out as text (8 ms a year)
        seconds = pc.floor_temporal(when.cast(pa.timestamp(when.type.unit, tz="UTC")), unit="second")
        shaped = pc.match_substring_regex(sid, _ID_START)
        stated = pc.strptime(pc.utf8_slice_codeunits(sid, 0, 16), format=_ID_TIME, unit="s", error_is_null=True)
        same = pc.equal(stated, seconds.cast(pa.timestamp("s")))
        time_bad = pc.invert(pc.fill_null(pc.and_(shaped, same), False))
    else:
        time_bad = pa.array(np.ones(n, dtype=bool))
    chash = rows.column("content_hash").cast(pa.string())
    ends = pc.binary_join_element_wise("-", pc.utf8_slice_codeunits(chash, 0, 12), "")
    hash_bad = pc.or_(pc.not_equal(pc.utf8_length(chash), 64), pc.not_equal(pc.utf8_slice_codeunits(sid, -13), ends))
    hash_bad = pc.fill_null(hash_bad, True)
    time_np = np.asarray(time_bad.to_numpy(zero_copy_only=False), dtype=bool)
    hash_np = np.asarray(hash_bad.to_numpy(zero_copy_only=False), dtype=bool)
    out: list[list[str]] = [[] for _ in range(n)]
    for i in np.flatnonzero(time_np | hash_np).tolist():
        out[i] = (["fetched_at"] if time_np[i] else []) + (["content_hash"] if hash_np[i] else [])
    return out
