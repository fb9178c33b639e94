"""Endpoint and provider history in the Delta-layout store (issue 18): four more Delta tables.

Layout under the store's root (beside ``versions/`` and ``snapshots/``)::

    endpoints/           append-only, partitioned by ``month`` of fetched_at (``YYYY-MM``; the
                         months before the newest folded by ``compact()`` into ``YYYY``): one row per
                         (snapshot, endpoint): scope and fetched_at (which snapshot), model_id,
                         provider_name, tag, prices, status, uptime / latency / throughput,
                         and the key of its template
    endpoint_objects/    content-addressed (like ``versions``): endpoint templates and the
                         bodies' other fields (``kind`` says which)
    providers/           content-addressed: one row per distinct provider object
    endpoint_snapshots/  append-only: one row per endpoints or providers snapshot

**Templates.** Endpoint prices change rarely, their statistics every hour. An endpoint object is
split into its *template* (the object with each statistic leaf - ``uptime_last_5m/30m/1d``,
``latency_last_30m.pXX``, ``throughput_last_30m.pXX`` - set to null and the leaf's JSON type
noted) and the statistics, which are the row's float columns. Templates are content-addressed, so
an hour whose prices did not move stores one row of numbers per endpoint and no JSON at all.
``raw()`` puts the numbers back into the template (an integer stays an integer), so the body is
JSON-equal to the one received and its content hash is checked on the way out.

**Commits** are :class:`~orcatalog.store.delta.DeltaLayout`'s: a write appends the new objects,
then one ``endpoint_snapshots`` row per body (the commit of a providers snapshot), then the
endpoint rows (the commit of an endpoints snapshot: a snapshot row without its ``n_items`` rows
is a write that never finished, not listed and written again by the next import of the body).
So ``endpoint_history`` reads one table, and objects no committed snapshot names are never read.
Then the writer reads its snapshots back (:meth:`EndpointStore._read_back`). Snapshot ids are
``<fetched_at>-<first 12 hex of the body's SHA-256>``: the same body at the same time again is a
no-op, and another body of the same scope and time is refused (:func:`orcatalog.store.refusals.refuse_same_time`).
Scopes are the fetch's own (:func:`orcatalog.scope.scope_of` of its path): one per model
(``/models/openai/gpt-4o/endpoints``), ``/endpoints/zdr``, ``/providers``; never ``catalog``.

Only the Delta layout holds them; a parquet-layout store is told to ``orcatalog migrate``.

**The package**, in the order a write meets it: :mod:`.schema` (the four tables, their columns and
schemas, the paths a body comes from, how ``endpoints`` files are written), :mod:`.split` (an
endpoint object into its template and statistics, and back), :mod:`.files` (recorded body files:
the endpoint a name declares, a body's kind), :mod:`.tables` (the small reads every part shares:
snapshot rows, objects, which snapshots are committed), :mod:`.writer` (:class:`EndpointStore`:
a write and its read-back), :mod:`.upkeep` (compaction: past months folded into their year, the
newest month rewritten, sorted by model), :mod:`.reads` (``raw``, ``endpoint_history`` by file and
row-group statistics, providers history) and :mod:`.facade` (:class:`EndpointHistory`, the
methods of :class:`orcatalog.SnapshotStore`). A module-level setting (:data:`ROW_GROUP_ROWS`,
:data:`SORTED_FILE_BYTES`, :data:`YEAR_FILE_BYTES`, :data:`YEAR_ROW_GROUP_ROWS`) is read in the module that defines it; set it
there.
"""

from __future__ import annotations

# names in __all__, then (as X as X) every other name importable from the module this package was
from .facade import EndpointHistory as EndpointHistory
from .files import declared_endpoint, read_endpoint_files
from .schema import ENDPOINT_TABLES, STAT_COLUMNS, EndpointBody, is_endpoint_store
from .schema import MODEL_PATH as MODEL_PATH
from .schema import OBJECTS_SCHEMA as OBJECTS_SCHEMA
from .schema import PROVIDERS_PATH as PROVIDERS_PATH
from .schema import PROVIDERS_SCHEMA as PROVIDERS_SCHEMA
from .schema import ROW_COLUMNS as ROW_COLUMNS
from .schema import ROW_GROUP_ROWS as ROW_GROUP_ROWS
from .schema import YEAR_ROW_GROUP_ROWS as YEAR_ROW_GROUP_ROWS
from .schema import ROWS_SCHEMA as ROWS_SCHEMA
from .schema import SNAPSHOTS_SCHEMA as SNAPSHOTS_SCHEMA
from .schema import STATS as STATS
from .schema import ZDR_PATH as ZDR_PATH
from .upkeep import SORTED_FILE_BYTES as SORTED_FILE_BYTES
from .upkeep import YEAR_FILE_BYTES as YEAR_FILE_BYTES
from .writer import EndpointStore

__all__ = [
    "ENDPOINT_TABLES",
    "STAT_COLUMNS",
    "EndpointBody",
    "EndpointStore",
    "declared_endpoint",
    "is_endpoint_store",
    "read_endpoint_files",
]
