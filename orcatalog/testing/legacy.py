"""A store in the earlier parquet layout, written "as the earlier code wrote it": for tests and benches only.

orcatalog reads stores in the earlier parquet (batch) layout but no longer writes them: every write
raises :class:`~orcatalog.errors.LegacyLayoutError` naming ``orcatalog migrate OLD NEW``
(:func:`orcatalog.store.legacy_write_error`). Its hand-made commit protocol had bugs only a write
could trigger (issue 14), so users no longer reach it.

The tests that check reading and migrating such stores, and ``bench/history.py``'s comparison of
the two layouts, still need one built by that protocol; :func:`legacy_store` is the one private
way to get it. Do not use it to keep a store in that layout: migrate it.
"""

from __future__ import annotations

import os
from typing import Any

from ..store import SnapshotStore

__all__ = ["legacy_store", "store_in_layout"]


def legacy_store(root: str | os.PathLike[str], **options: Any) -> SnapshotStore:
    """A :class:`~orcatalog.SnapshotStore` in the parquet layout whose writes use the earlier protocol.

    Args:
        root: a folder or fsspec URL (new, or holding a parquet-layout store).
        options: ``storage_options``, ``auto_compact`` as :class:`~orcatalog.SnapshotStore` takes them.

    Raises:
        InvalidParameterError: as :class:`~orcatalog.SnapshotStore`.
    """
    store = SnapshotStore(root, layout="parquet", **options)
    store._legacy_writes = True
    return store


def store_in_layout(root: str | os.PathLike[str], layout: str, **options: Any) -> SnapshotStore:
    """A store to write in ``layout``: ``"parquet"`` by :func:`legacy_store`, else an ordinary
    :class:`~orcatalog.SnapshotStore` (for tests that run the same checks on both layouts)."""
    if layout == "parquet":
        return legacy_store(root, **options)
    return SnapshotStore(root, layout=layout, **options)
