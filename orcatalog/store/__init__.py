"""SnapshotStore: every catalog snapshot kept losslessly, stored as what changes, queryable fast.

The package, by the question each file answers:

- :mod:`.snapshot_store` - the :class:`SnapshotStore` class: its settings and layout, its parts put together;
- :mod:`.reads` - whether there is a store; the manifest, one snapshot's frame or body, the history;
- :mod:`.writes` - a snapshot fetched now, bodies imported, one batch committed, compaction;
- :mod:`.runs` - run state: one run at a time (``orcatalog watch``) and the state it keeps;
- :mod:`.messages` - what the store tells a user: no store here, a file not a folder, migrate, partial;
- :mod:`.which_layout` - which layout a store uses, decided once;
- :mod:`.delta` - the store on two Delta Lake tables, the layout of new stores: commits by delta-rs;
- :mod:`.layout` - the earlier parquet layout (read, no longer written by users: see
  :func:`legacy_write_error`): where its files are, verified reads, how a batch was committed;
- :mod:`.claims` - the parquet layout's claims in generations (who writes a batch, who compacts; stale takeover);
- :mod:`.integrity` - what makes a store file trustworthy: a safe name, its SHA-256, parquet that parses;
- :mod:`.intake` - bodies taken in: checked, dated, given their scope;
- :mod:`.refusals` - what a write refuses before anything is written (a future time, not the default list,
  two bodies at one scope and time);
- :mod:`.identity` - the snapshot id rule, version and content hashes, the self-check of a stored row;
- :mod:`.ingest` - checked bodies in, batch tables out (version hashes, spans, the manifest rows);
- :mod:`.index` - what the store holds (manifest, damage, losses; the version index);
- :mod:`.timeline` - the rules that read a snapshot against its timeline (scope, shadowed, partial);
- :mod:`.queries` - which snapshot, its frame, its body, the long history;
- :mod:`.compact` - the parquet layout's batch merges, and its tiered upkeep after each write;
- :mod:`.endpoints` - endpoint and provider history on the Delta layout (issue 18);
- :mod:`.migrate` - copying a parquet-layout store into the Delta layout, checked snapshot by snapshot;
- :mod:`.lock` - one run at a time on a store (``orcatalog watch``): a file lock, or a claim on object stores;
- :mod:`.waits` - how long the store waits before it reads or commits again, on an injected clock and sleep;
- :mod:`.faults` - the object-store libraries' exceptions (botocore, a missing s3fs) as ``StoreError``, one table.

Which layout a store uses is decided once, by :func:`.which_layout._layout_of` (the one found at the root, else
Delta); both layouts and whose commit guarantees they are, in ``data/README.md``. A store in the
parquet layout is read as it is, but every write to it raises
:class:`~orcatalog.errors.LegacyLayoutError` naming ``orcatalog migrate`` (:func:`legacy_write_error`,
the one place); only :func:`orcatalog.testing.legacy.legacy_store` still writes one, for the tests
and the bench that need a store "as the earlier code wrote it".

The "no store here" rule (a read where there is no store is an error naming the path, never an
empty answer) lives in :mod:`.messages`, once: :func:`no_store_message`, used by the store's reads
and the CLI. This module only re-exports the package's public names.
"""

from __future__ import annotations

from ..frames.bodies import time_from_name
from ..scope import CATALOG_SCOPE
from .messages import legacy_write_error, migration_note, no_store_message, not_a_folder_message
from .snapshot_store import SnapshotStore

__all__ = [
    "SnapshotStore",
    "CATALOG_SCOPE",
    "time_from_name",
    "no_store_message",
    "not_a_folder_message",
    "migration_note",
    "legacy_write_error",
]
