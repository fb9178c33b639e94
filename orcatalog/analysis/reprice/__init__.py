"""Your usage, priced again: :func:`reprice` (each usage row at its own model's list price on its own
date, against what was billed, and on every alternative that could have served it) and
:meth:`Repricing.summary` (per alternative: the period's total, the saving against the bill, the
share of rows it could serve, how often it was missing from the catalog).

Pure functions on frames: no HTTP, no files. Every row is priced by :func:`orcatalog.analysis.price_at`
(the one join of usage times to snapshots and the one cost rule, with cached and reasoning tokens as
:func:`orcatalog.estimate_cost` prices them). Which alternative can serve a row is the serving rule
of :func:`orcatalog.analysis.catalog.serves` (the same output modalities as the row's own model)
plus :func:`orcatalog.analysis.catalog.fits_request` (one average request of the row, prompt +
completion, fits the context window, and its completion tokens ``max_completion_tokens``: the rule
:func:`orcatalog.estimate_cost` prices a workload by). What a row cost its owner
is :func:`orcatalog.schema.usage.billed_usd`. Where the list price and the bill disagree, and why it
may be, is :mod:`orcatalog.analysis.bills` (:func:`bill_reasons` and :func:`cache_reads_explain`,
re-exported here).

A model the catalog does not list on a row's date is "not in this catalog" (a note and no number),
never a guess or a zero. Daily activity rows carry no time of day, so time-of-day prices
(``pricing_overrides`` with ``utc_start``/``utc_end``) are evaluated at the row's time, 00:00 UTC.

The files, in the order :func:`reprice` uses them:

- :mod:`.inputs`: the arguments read once (prices as a history, the time each row is priced at,
  each model's latest row, the model ids factorized);
- :mod:`.own_price`: rows at a model's list price on their date, and the notes of a row with no
  price (:data:`NOT_LISTED`, :data:`NOT_LISTED_ON_DATE`, :data:`NO_SNAPSHOT`);
- :mod:`.alternatives`: every row on the alternatives that could serve it (the serving rule, then ``fits_request``);
- :mod:`.result`: :class:`Repricing`, the answer, and its :meth:`~Repricing.summary`;
- :mod:`.entry`: :func:`reprice`, the steps put together.
"""

from __future__ import annotations

from ..bills import CACHE_READS, ROUNDING_USD, bill_reasons, cache_reads_explain
from .entry import reprice
from .own_price import NO_SNAPSHOT, NOT_LISTED, NOT_LISTED_ON_DATE
from .result import Repricing

__all__ = [
    "reprice",
    "Repricing",
    "bill_reasons",
    "ROUNDING_USD",
    "NOT_LISTED",
    "NOT_LISTED_ON_DATE",
    "NO_SNAPSHOT",
    "CACHE_READS",
    "cache_reads_explain",
]
