"""Copying a store in the parquet (batch) layout into the Delta layout, losslessly, checked snapshot by snapshot.

The one function here, :func:`migrate`, is what ``orcatalog migrate OLD NEW`` calls. Ctrl-C during the
copy raises :class:`MigrationInterrupted`, a ``KeyboardInterrupt`` that says what NEW holds.
"""

from __future__ import annotations

import json
import os
import warnings
from typing import Any

from ..errors import InvalidParameterError, SnapshotNotFoundError, StoreDamagedError, StoreDamageWarning, StoreError
from .delta import is_delta_store
from .intake import Body

__all__ = ["migrate", "MigrationInterrupted"]

#: Snapshots copied per Delta commit (bounded memory; each chunk is checked before the next).
CHUNK = 500


class MigrationInterrupted(KeyboardInterrupt):
    """Ctrl-C (``KeyboardInterrupt``) during :func:`migrate`'s copy, saying in its message what the
    new store holds then: how many of the old store's snapshots, and whether each was checked.
    It is a ``KeyboardInterrupt``, so ``except KeyboardInterrupt`` still catches it.

    Attributes:
        held: snapshots of the old store that the new one holds (None: it could not be read).
        checked: those of them read back equal in this run (a chunk committed just before Ctrl-C
            is held but not yet checked; the next run checks every snapshot).
        total: snapshots in the old store.
    """

    def __init__(self, old: str, new: str, held: int | None, checked: int, total: int, why: str = "") -> None:
        self.held, self.checked, self.total = held, checked, total
        again = "run the same command again to finish (it checks every snapshot, and copies only what is missing)"
        if held is None:
            said = (
                f"{new} could not be read to tell how many of the {total} snapshots of {old} it holds ({why}); {again}"
            )
        elif held == 0:
            said = f"{new} holds none of the {total} snapshots of {old} yet; {again}"
        else:
            checks = "all checked" if checked >= held else f"{checked} of them checked in this run"
            said = f"{new} holds {held} of the {total} snapshots of {old} ({checks}); {again}"
        super().__init__(said)


def migrate(
    old: str | os.PathLike[str],
    new: str | os.PathLike[str],
    *,
    storage_options: dict[str, Any] | None = None,
    new_storage_options: dict[str, Any] | None = None,
    progress: bool | None = None,
) -> list[str]:
    """Copy every snapshot of a parquet-layout store into a Delta-layout store.

    Each snapshot keeps its id, time, scope, provenance (source, versions) and body; after each
    chunk is committed, every copied snapshot is read back from the new store and compared with
    the old one (its manifest row and its body, JSON-equal). Snapshots already in the new store are
    checked the same way and not written again, so an interrupted migration can simply be re-run.

    Args:
        old: the parquet-layout store (folder or URL).
        new: where the Delta-layout store goes (a new or Delta-layout folder or URL).
        storage_options, new_storage_options: fsspec options of each (``new`` defaults to ``old``'s).
        progress: show progress bars (default: only on a terminal).

    Returns:
        The snapshot ids copied or found, in time order.

    Raises:
        InvalidParameterError: ``old`` is not a parquet-layout store, or ``new`` is one.
        SnapshotNotFoundError: ``old`` holds no store (neither layout).
        StoreDamagedError: the old store cannot be read whole (nothing is copied), or a copy does
            not read back equal (the message names the snapshot).
        StoreWriteError, SnapshotConflictError.
        MigrationInterrupted: Ctrl-C during the copy (a ``KeyboardInterrupt``); its message says how
            many snapshots the new store holds and whether they were checked. Call again to finish.
    """
    from . import SnapshotStore

    source = SnapshotStore(old, storage_options=storage_options, layout="auto", auto_compact=None)
    if source.layout != "parquet":
        if not is_delta_store(source._fs, source._base):  # nothing there: new stores default to Delta
            raise SnapshotNotFoundError(f"no parquet-layout store at {source.root}: nothing to migrate; check the path")
        raise InvalidParameterError(f"{source.root} is already a Delta-layout store: nothing to migrate")
    target = SnapshotStore(
        new,
        storage_options=new_storage_options if new_storage_options is not None else storage_options,
        layout="auto",
        auto_compact=None,
    )
    if target.exists() and target.layout != "delta" and len(target.snapshots()):
        raise InvalidParameterError(f"{target.root} is a parquet-layout store: give a new folder for the Delta layout")
    target = SnapshotStore(target.root, storage_options=target._storage_options, layout="delta", auto_compact=None)
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        manifest = source.snapshots()
    damage = [str(w.message) for w in warned if issubclass(w.category, StoreDamageWarning)]
    if damage:
        raise StoreDamagedError(
            f"will not migrate {source.root}: it cannot be read whole ({damage[0]}); nothing was copied"
        )
    rows = manifest.to_dict("records")
    done: list[str] = []
    try:
        for start in range(0, len(rows), CHUNK):
            done += _copy_chunk(source, target, manifest, rows, start, progress)
    except KeyboardInterrupt:
        held: int | None = None
        why = ""
        try:
            held = int(target.snapshots()["snapshot_id"].isin(manifest["snapshot_id"]).sum()) if target.exists() else 0
        except Exception as exc:  # unreadable right now: say so; the next run will tell
            why = str(exc)
        raise MigrationInterrupted(source.root, target.root, held, len(done), len(rows), why) from None
    return done


def _copy_chunk(
    source: Any, target: Any, manifest: Any, rows: list[dict[str, Any]], start: int, progress: bool | None
) -> list[str]:
    """Copy the snapshots of ``rows[start:start + CHUNK]`` (one Delta commit) and check each; their ids."""
    chunk = rows[start : start + CHUNK]
    bodies = {r["snapshot_id"]: source.raw(r["snapshot_id"]) for r in chunk}
    items = [
        Body(
            source=str(r["source"]),
            fetched_at=r["fetched_at"],
            body=bodies[r["snapshot_id"]],
            scope=str(r["scope"]),
            base_url=_text(r["base_url"]),
            endpoint=str(r["endpoint"]),
            query=json.loads(r["query"]),
            key_fingerprint=_text(r["key_fingerprint"]),
            time_precision=str(r["time_precision"]),
        )
        for r in chunk
    ]
    provenance = {
        r["snapshot_id"]: {"schema_version": r["schema_version"], "orcatalog_version": r["orcatalog_version"]}
        for r in chunk
    }
    assert target._delta is not None
    ids = target._delta.write(items, progress, lambda exc: exc, provenance=provenance)
    if ids != [r["snapshot_id"] for r in chunk]:
        raise StoreError(f"migrating {source.root}: the new store named snapshots differently ({ids[:3]} ...)")
    _check(source, target, manifest.iloc[start : start + CHUNK], bodies)
    return list(ids)


def _check(source: Any, target: Any, expected: Any, bodies: dict[str, Any]) -> None:
    """Every snapshot of a chunk reads back from the new store as it was in the old one."""
    got = target.snapshots().set_index("snapshot_id")
    compared = [c for c in expected.columns if c not in ("batch",)]
    for row in expected.to_dict("records"):
        sid = row["snapshot_id"]
        if sid not in got.index:
            raise StoreDamagedError(f"migrated snapshot {sid} is not in {target.root}")
        mine = got.loc[sid]
        for c in compared:
            if c == "snapshot_id":
                continue
            a, b = row[c], mine[c]
            if not (a == b or (_missing(a) and _missing(b))):
                raise StoreDamagedError(
                    f"migrated snapshot {sid}: {c} is {b!r} in {target.root}, {a!r} in {source.root}"
                )
        if target.raw(sid) != bodies[sid]:
            raise StoreDamagedError(f"migrated snapshot {sid} does not read back equal to its body in {source.root}")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
