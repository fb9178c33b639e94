"""Analysis commands: read the store (or the catalog), call one analysis function, print the frame.

Same output options and one-line errors as every other command; pandas and matplotlib load inside
them. Importing this package registers the commands on :func:`orcatalog.cli.app.main`; each module
imports from the shared modules of :mod:`orcatalog.cli` (``app``, ``client``, ``interrupts``,
``options``, ``stores``) and its siblings, never from :mod:`orcatalog.cli` itself:

- :mod:`.history`: ``show``, ``history`` (a model or the catalog as the store saw it);
- :mod:`.changes`: ``changes``, ``diff``, ``movers`` (what changed between snapshots);
- :mod:`.cost`: ``cost`` (a workload on each model);
- :mod:`.usage`: ``price-at``, ``reprice`` (your usage priced from the store);
- :mod:`.plots`: ``plot``;
- :mod:`.report`: ``report``;
- :mod:`.answers`: the store reads and "snapshot X answers" lines the commands share;
- :mod:`.options`: the count option type ``cost`` and ``plot`` share (the filter, store and scope
  options of every command are in :mod:`orcatalog.cli.options`).
"""

from __future__ import annotations

from . import changes, cost, history, plots, report, usage

__all__ = ["changes", "cost", "history", "plots", "report", "usage"]
