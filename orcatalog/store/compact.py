"""Merging batches: fewer files, versions stored once, and the store's own upkeep after each write.

The protocol (see :mod:`.layout`): a compaction takes the ``compact`` claim, lists the batches
*once*, reads exactly those (refusing if any of them is damaged, or if the store has a known
loss), commits the merged batch, and only then deletes the batches it merged, each under a claim
so that no reader mistakes the half-deleted batch for a lost manifest. A batch committed by
another process meanwhile is never touched. Readers see every snapshot throughout: before the
merged commit in the old batches, after it in the merged one (duplicates count once).

Upkeep (tiered, like a log-structured merge): batches are grouped by size tier
(``floor(log_FANOUT(n_snapshots))``); when a tier holds :data:`FANOUT` batches they are merged
into one of the next tier. The number of batches stays about ``FANOUT * log_FANOUT(snapshots)``
and each snapshot is rewritten about ``log_FANOUT(snapshots)`` times, so a single append costs
about the same at the 10th and the 8,760th snapshot.
"""

from __future__ import annotations

import logging
import math
import uuid

import pandas as pd
import pyarrow as pa

from ..errors import SnapshotConflictError, StoreDamagedError, StoreError, StoreWriteError
from .index import Catalogue, read_catalogue
from .ingest import batch_tables, MANIFEST_SCHEMA
from .integrity import DamagedFile
from .layout import Layout
from .waits import Waits

__all__ = ["compact", "upkeep", "plan", "FANOUT", "new_batch_name"]

logger = logging.getLogger("orcatalog.store")

#: Batches per size tier before they are merged.
FANOUT = 8


def new_batch_name() -> str:
    """A unique batch name that sorts by creation time."""
    return f"{pd.Timestamp.now(tz='UTC'):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:12]}"


def plan(sizes: dict[str, int], fanout: int = FANOUT) -> list[str]:
    """The batches the upkeep merges now: the smallest tier that holds ``fanout`` batches, or none.

    Args:
        sizes: batch -> number of snapshots.
    """
    tiers: dict[int, list[str]] = {}
    for batch, n in sorted(sizes.items()):
        tiers.setdefault(int(math.log(max(n, 1), fanout)), []).append(batch)
    for tier in sorted(tiers):
        if len(tiers[tier]) >= fanout:
            return tiers[tier]
    return []


def compact(layout: Layout, catalogue: Catalogue, batches: list[str] | None = None, *, waits: Waits) -> int:
    """Merge ``batches`` (default all) of the catalogue into one batch; ``waits`` (the store's
    injected clock and sleep) paces re-reading the catalogue under the claim.

    Returns:
        How many batches were merged (0 when there was nothing to do).

    Raises:
        SnapshotConflictError: another compaction is running.
        StoreDamagedError: the store has a damaged file or a lost manifest (nothing is merged).
        StoreWriteError.
    """
    _refuse_damage(catalogue)
    if len(catalogue.digests if batches is None else batches) <= 1:
        return 0
    claims = layout.claim(["compact"], what="compaction")
    try:
        catalogue = read_catalogue(layout, cached=catalogue, waits=waits)  # under the claim: what is there now
        _refuse_damage(catalogue)
        digests = catalogue.digests
        chosen = sorted(digests if batches is None else set(batches) & set(digests))
        if len(chosen) <= 1:
            return 0
        manifest = catalogue.manifest
        manifest = manifest[manifest["batch"].isin(chosen)]
        orders_by_id: dict[str, list[str]] = {}
        version_tables = []
        for batch in chosen:
            try:
                table = layout.read_table(
                    layout.path("orders", batch), catalogue.data_digest(batch, "orders"), ["snapshot_id", "versions"]
                )
                versions = layout.read_table(layout.path("versions", batch), catalogue.data_digest(batch, "versions"))
            except DamagedFile as exc:
                raise StoreDamagedError(f"will not compact: {exc.path}: {exc.reason}") from None
            except FileNotFoundError as exc:
                if layout.fs.exists(layout.manifest_path(batch, digests[batch])):
                    raise StoreDamagedError(
                        f"will not compact a store that cannot be read whole: {exc.filename} "
                        "is missing although its batch is committed (moved or deleted?)"
                    ) from None
                raise StoreError(
                    f"compaction of {layout.root} stopped: {exc.filename} was removed meanwhile; nothing changed"
                ) from None
            orders_by_id.update(zip(table.column("snapshot_id").to_pylist(), table.column("versions").to_pylist()))
            version_tables.append(versions)
        versions = pa.concat_tables(version_tables, promote_options="permissive")
        seen: set[str] = set()
        first = [not (v in seen or seen.add(v)) for v in versions.column("version").to_pylist()]  # type: ignore[func-returns-value]
        versions = versions.filter(pa.array(first)).sort_by([("id", "ascending"), ("version", "ascending")])
        rows = manifest[[c for c in MANIFEST_SCHEMA.names if c not in ("seq", "batch")]].to_dict("records")
        orders = [orders_by_id[r["snapshot_id"]] for r in rows]
        merged = new_batch_name()
        claims += layout.claim([f"batch-{merged}"], what="batch")
        data, manifest_table = batch_tables(merged, rows, orders, versions.replace_schema_metadata(None))
        layout.write_batch(merged, data, manifest_table)  # the commit: from here the old batches are duplicates
        claims += layout.claim([f"batch-{b}" for b in chosen], what="batch")
        for batch in chosen:
            layout.remove_batch(batch, digests[batch])
    except OSError as exc:
        raise StoreWriteError(f"compacting {layout.root} failed: {exc}") from exc
    finally:
        layout.release(claims)
    return len(chosen)


def _refuse_damage(catalogue: Catalogue) -> None:
    if catalogue.problems:
        raise StoreDamagedError(
            "will not compact a store that cannot be read whole: " + "; ".join(p.message() for p in catalogue.problems)
        )


def upkeep(layout: Layout, catalogue: Catalogue, limit: int, *, waits: Waits) -> None:
    """The store's own compaction after a write: tiered merges, and a full one above ``limit`` batches.

    Never fails the write that triggered it: a conflict (another process compacts), damage or an
    I/O error is logged and left for the next write.
    """
    sizes = catalogue.sizes()
    batches = list(sizes) if len(sizes) > limit else plan(sizes)
    if len(batches) <= 1:
        return
    try:
        compact(layout, catalogue, batches, waits=waits)
    except SnapshotConflictError:
        logger.info("another process is compacting %s; skipping", layout.root)
    except (StoreError, OSError) as exc:
        logger.warning("automatic compaction of %s skipped: %s", layout.root, exc)
