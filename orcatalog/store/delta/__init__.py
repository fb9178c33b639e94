"""The snapshot store on Delta Lake: two tables written with ``deltalake`` (delta-rs), on disk or S3.

Layout under the root (a folder or ``s3://bucket/prefix``)::

    versions/    Delta table, append-only: one row per distinct model object (content-addressed)
    snapshots/   Delta table, append-only: one row per snapshot, with its ordered list of versions

**The commit is delta-rs's**, not ours: a write appends the new model objects to ``versions``, then
one row per snapshot to ``snapshots``. That second append is the commit: a Delta commit is one
create-if-absent of the next ``_delta_log/<n>.json`` (``O_EXCL``-like on disk, a conditional
``PUT`` with ``If-None-Match: *`` on S3, no DynamoDB), retried by delta-rs on a conflict with
another append. Before it, nothing the write did is visible: versions nobody names are ignored by
readers, and data files no commit names are never read. After it, the writer reads its new rows
back (found in the table, each row and version list as read from the new file equal to what it
meant to write, every version they name present and intact, the content hash recomputed from what
was read) and only then reports success; a version it finds missing (a damaged file) is stored
again and checked again.

**Readers never modify the store.** Every data file is read on its own (a ``versions`` file row
group by row group), so a damaged or missing file makes only the snapshots that need it unreadable
(a warning names the file); a model object is checked against its content address (SHA-256 of its
JSON) when read, so a flipped bit is an error, never a wrong answer. A damaged or stray commit file
in ``_delta_log`` is a :class:`~orcatalog.errors.StoreDamagedError` naming it. What to do about
each kind of damage is in ``data/README.md`` (Damage and recovery).

**Upkeep.** ``compact()`` is Delta's ``optimize`` (small files merged; an ordinary commit, so it
runs beside writers and readers) and ``vacuum`` of what optimize replaced, only once it is older
than :data:`VACUUM_RETENTION_HOURS` (a reader that opened the table before keeps its files). Files
that no commit names (a writer killed before its commit) are vacuumed, on disk and on S3, once
last modified more than :data:`ORPHAN_RETENTION_HOURS` ago, far longer than any write takes. After each write the store runs
optimize itself when a table has more than ``auto_compact`` files.

The rules that read a snapshot against its timeline are the parquet store's
(:mod:`orcatalog.store.timeline`); bodies are checked by :mod:`orcatalog.store.intake` and hashed by :mod:`orcatalog.store.ingest`,
so ids, hashes and errors are the same in both layouts. The layout is documented in
``data/README.md``; the SQL view of the flat history is :data:`HISTORY_VIEW_SQL`.

**The package**, in the order a write meets it: :mod:`.schema` (the two tables, their settings,
the rows of a write, the SQL view), :mod:`.tables` (:class:`DeltaLayout`: opening a table,
appending one commit, the conditional-PUT check, building the state), :mod:`.files` (each data
file read on its own, once), :mod:`.state` (what a reader sees, and what it cannot read),
:mod:`.upkeep` (one compaction at a time, optimize, vacuum, dropping copies, repair) and
:mod:`.store` (:class:`DeltaStore`: write and read back, compact, and the reads).
"""

from __future__ import annotations

from .schema import (
    COMMIT_ATTEMPTS,
    HISTORY_VIEW_SQL,
    ORPHAN_RETENTION_HOURS,
    SNAPSHOTS_SCHEMA,
    TABLE_CONFIG,
    TABLES,
    VACUUM_RETENTION_HOURS,
)
from .state import Problem, State
from .store import DeltaStore
from .tables import DeltaLayout, delta_options, is_delta_store
from .upkeep import _one_of_each as _one_of_each

__all__ = [
    "DeltaLayout",
    "DeltaStore",
    "TABLES",
    "HISTORY_VIEW_SQL",
    "VACUUM_RETENTION_HOURS",
    "ORPHAN_RETENTION_HOURS",
    "COMMIT_ATTEMPTS",
    "TABLE_CONFIG",
    "SNAPSHOTS_SCHEMA",
    "Problem",
    "State",
    "delta_options",
    "is_delta_store",
]
