"""The :class:`SnapshotStore` class: its settings, its layout chosen once, and the methods of its
parts put together (reads :mod:`.reads`, writes :mod:`.writes`, run state :mod:`.runs`, endpoint
and provider history :mod:`.endpoints`).

Layer: store (the facade every caller above the store uses, re-exported by :mod:`orcatalog.store`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from ..errors import InvalidParameterError
from .delta import DeltaStore
from .index import Catalogue, Index
from .layout import Layout
from .runs import Runs
from .waits import Waits
from .which_layout import _layout_of
from .writes import Writes, _version


class SnapshotStore(Writes, Runs):
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
    def store_bytes(self) -> int:
        """Total size of the store's files in bytes."""
        try:
            self._fs.invalidate_cache()  # object-store listings are cached; delta-rs writes around fsspec
            return int(sum(self._fs.du(self._base, total=False).values()))
        except FileNotFoundError:
            return 0
