"""``orcatalog``: a thin command line over the library (parse, call, format).

Every command prints a readable table by default (prices in USD per million tokens), or
``--format csv|json|parquet`` (``-o FILE`` picks the format from its extension). ``watch`` prints
JSON lines (one change each) or ``--format table``, and exits 3 on changes with ``--exit-code``. Errors are one
``error: ...`` line on stderr with exit status 1; bad usage exits 2; never a traceback.

Start-up stays light: pandas, pyarrow and requests are imported inside the commands that use them.

The files, one job each (importing this package registers every command on ``main``):

- ``app.py``: the ``main`` group and its output rules (one-line errors and warnings, the exit status);
- ``client.py``: the client of a command (the API, or the replay server under ``--replay``);
- ``options.py``: the options every command shares (filters, comma lists, ``--store``, ``--scope``);
- ``stores.py``: the store of a command and its messages ("no model X in the store");
- ``interrupts.py``: Ctrl-C during a write, and a pipe closed after one;
- ``catalog.py``: the commands that ask the API (``models``, ``model``, ``endpoints``, ...; ``replay``);
- ``recording.py``: the commands that write a store (``snapshot``, ``import``, ``compact``, ``migrate``);
- ``store_reads.py``: the plain reads of a store (``snapshots``, ``prices``, ``endpoint-history``);
- ``watch.py``: ``watch``; ``analysis/``: the analysis commands (its own map);
- ``errors.py``, ``output.py``, ``startup.py``: one-line errors; tables and formats; a fast start.
"""

from __future__ import annotations

from . import analysis  # noqa: F401 - registers the analysis commands (show, changes, diff, cost, report, ...)
from . import watch as _watch  # noqa: F401 - registers `orcatalog watch`

# the shared pieces and the commands: main, run and every name importable from here before stay so
from .app import main, run
from .catalog import (  # noqa: F401
    ENDPOINT_TABLE_COLUMNS,
    PROVIDER_TABLE_COLUMNS,
    count,
    endpoints,
    model,
    models,
    providers,
    replay,
    user_models,
)
from .client import REPLAY_HELP, _client, _import_requests_cache_lean  # noqa: F401
from .interrupts import _interrupts, _snapshot_ids, committed, interrupted_message  # noqa: F401
from .options import _check_modalities, _comma_list, _filter_options, _scope_option, _store_option  # noqa: F401
from .recording import compact, import_, migrate, snapshot  # noqa: F401
from .store_reads import endpoint_history, prices, snapshots  # noqa: F401
from .stores import _store, models_named, require_models, store_scope  # noqa: F401

__all__ = ["main", "run"]
