"""What a workload costs: :func:`estimate_cost` (per model, or per model and snapshot), by the cost
rules every priced row follows (:data:`orcatalog.workload.COMPONENTS`, the one table of priced
dimensions and their argument names; overrides; the zero/absent rule). Usage rows priced at the prices in effect when
they happened are :mod:`orcatalog.analysis.price_at`, which prices each row by these same rules.

Pure functions on contract frames (``fetch_models``, ``SnapshotStore.load`` / ``history``): no
HTTP, no files. Prices come from the ``price_<key>`` columns (USD per token, per request, per input
image, per search: :data:`orcatalog.schema.PRICE_UNITS`) read through
:func:`orcatalog.schema.settled_prices` (the zero/absent rule), and from ``pricing_overrides`` as the
spec's ``PricingOverride`` defines it. Costs are in USD. Which models a workload is priced on (output
modalities, free and paid) is the rule of :mod:`orcatalog.analysis.catalog`.

One module per step, each the one home of its rule:

- :mod:`.counts`: a workload's counts checked (the one count rule, :func:`bad_counts`; usage names;
  parts within their whole; :func:`check_workload`);
- :mod:`.overrides`: when a pricing override applies (prompt size, daily UTC window);
- :mod:`.serve`: which rows can serve a workload and be priced there (``_cannot_serve``), and why not;
- :mod:`.totals`: the arithmetic, component by component, into ``total_usd``;
- :mod:`.rank`: ``rank`` and ``x_cheapest`` within each snapshot, the frame's order;
- :mod:`.notes`: the per-row ``note`` texts;
- :mod:`.estimate`: :func:`estimate_cost`, the steps put together;
- :mod:`.endpoints`: an endpoint priced as a model, and the ranked cost frame of an endpoints frame;
- :mod:`.per_token`: the per-token workload of each output modality (:func:`per_token_totals`).
"""

from __future__ import annotations

from ...workload import COMPONENTS, TOKEN_ARGUMENTS
from .counts import COUNT_RULE as COUNT_RULE
from .counts import MAX_COUNT as MAX_COUNT
from .counts import _check_parts as _check_parts
from .counts import bad_counts as bad_counts
from .counts import check_workload
from .estimate import estimate_cost
from .overrides import _any_present as _any_present
from .per_token import per_token_totals
from .totals import _costs as _costs

__all__ = ["estimate_cost", "check_workload", "per_token_totals", "COMPONENTS", "TOKEN_ARGUMENTS"]
