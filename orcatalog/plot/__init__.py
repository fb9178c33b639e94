"""Charts of catalog frames, history and analysis results (matplotlib, imported on first use).

Every function takes frames and an optional ``ax=``, draws on it (or on a new figure), and returns
the Axes. None fetches, reads files or calls ``show()``. Prices are in USD per million tokens.

Where each chart lives:

- :mod:`.price_history`: :func:`plot_price_history` (its marks for a price no longer listed and a
  dynamic price in :mod:`._history_marks`);
- :mod:`.price_context`: :func:`plot_price_vs_context`;
- :mod:`.market`: :func:`plot_market_trend`;
- :mod:`.catalog`: :func:`plot_catalog_size`;
- :mod:`.cost`: :func:`plot_cost`, :func:`plot_reprice`;
- :mod:`.endpoints`: :func:`plot_endpoints`.

Drawing rules, each in one helper: titles wrap to the Axes' width, a log axis labels plain numbers,
a price of 0 on a log axis is drawn at a marked floor line, never dropped (all in :mod:`._axes`);
point labels never overlap (:mod:`._labels`); lines and bands break at long gaps between snapshots
(:mod:`._gaps`).
"""

from .catalog import plot_catalog_size
from .cost import plot_cost, plot_reprice
from .endpoints import plot_endpoints
from .market import plot_market_trend
from .price_context import plot_price_vs_context
from .price_history import plot_price_history

__all__ = [
    "plot_price_history",
    "plot_price_vs_context",
    "plot_market_trend",
    "plot_catalog_size",
    "plot_cost",
    "plot_endpoints",
    "plot_reprice",
]
