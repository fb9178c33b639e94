"""Which layout a store uses, decided once: :func:`_layout_of` (the one found at the root, else
Delta, the layout of every new store), and whether a root holds the earlier parquet layout
(:func:`_is_parquet_store`).

Layer: store. Both layouts, and whose commit guarantees they are, in ``data/README.md``.
"""

from __future__ import annotations

from typing import Any

from ..errors import InvalidParameterError
from .delta import is_delta_store
from .endpoints import is_endpoint_store
from .layout import FOLDERS, Layout


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
