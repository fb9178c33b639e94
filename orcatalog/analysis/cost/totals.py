"""What a workload costs on each row, component by component (:func:`_costs`): base rates by the
zero/absent rule (:func:`orcatalog.schema.settled_prices`), overrides applied (:mod:`.overrides`),
each part of prompt/completion tokens at its own rate else the base one, the discount (taken off the
sum of the parts and shown as ``discount_usd``, so ``total_usd = sum(cost_*) - discount_usd``), the rows that
cannot be priced left out (:mod:`.serve`), dynamic and unknown prices noted, and every number rounded
to 12 significant digits (:func:`_tidy`, the one rounding rule of a cost frame).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ...schema import bool_array, settled_price_arrays
from ...workload import COMPONENTS
from .counts import _nonzero
from .notes import _Notes
from .overrides import _apply_overrides
from .serve import _cannot_serve, own_price_keys, own_rate


_DYNAMIC_NOTE = "dynamic pricing: the price is decided per request (router or alias), so no cost"
_UNKNOWN_NOTE = "no prompt/completion price in the catalog"


def _rates(frame: pd.DataFrame, keys: set[str]) -> dict[str, Any]:
    """Base rates (USD per unit) of these price keys, the zero/absent rule applied; every key of
    ``COMPONENTS`` gets an array, or a scalar when the frame has no such column (absent optional
    keys cost 0, absent prompt/completion are NaN)."""
    present = [f"price_{k}" for k in sorted(keys | {"discount"}) if f"price_{k}" in frame.columns]
    settled = settled_price_arrays(frame, present)
    rates: dict[str, Any] = {c.key: np.float64(0.0) for c in COMPONENTS}  # scalars broadcast: no arrays of zeros
    rates["prompt"] = rates["completion"] = np.float64(np.nan)
    for col, values in settled.items():
        rates[col[len("price_") :]] = values
    return rates


def _costs(
    frame: pd.DataFrame,
    counts: Mapping[str, Any],
    clock: np.ndarray | None,
    wanted: tuple[str, ...] | None = None,
    *,
    per_token: bool = False,
) -> dict[str, Any]:
    """``cost_<component>`` arrays (for the components the workload uses), ``total_usd`` and notes
    for every row of ``frame``; counts are scalars or per-row arrays (tokens are totals, spread
    evenly over ``requests``; the request fee counts only when ``requests`` is in ``counts``).
    ``wanted``: the output modalities the workload asks for, or None when the rows' own model served
    it (usage that happened); which rows can be priced is :func:`_cannot_serve`. ``per_token``: the
    counts are a per-token price comparison (:func:`per_token_totals`), not requests, so no request
    has to fit a context window."""
    n = len(frame)
    used = {c for c in COMPONENTS if c.name in ("prompt", "completion") or _nonzero(counts.get(c.argument, 0.0))}
    rates = _rates(frame, {k for c in used for k in own_price_keys(c)} | {c.part_of for c in used if c.part_of})
    notes = _Notes(n)
    requests = np.asarray(counts.get("requests", 1.0), dtype=float)
    prompt_tokens = np.asarray(counts.get("prompt_tokens", 0.0), dtype=float)
    per_request_prompt = np.broadcast_to(prompt_tokens / np.where(requests > 0, requests, 1.0), (n,))
    _apply_overrides(frame, rates, per_request_prompt, clock, notes)
    amounts = {c.name: np.asarray(counts.get(c.argument, 0.0), dtype=float) for c in COMPONENTS}
    for comp in COMPONENTS:  # the base prompt/completion cost only the tokens no part claims
        if comp.part_of is not None and comp.argument in counts:
            amounts[comp.part_of] = amounts[comp.part_of] - amounts[comp.name]
    columns: dict[str, np.ndarray] = {}
    zero_output = np.zeros(n, dtype=bool)  # completion-side tokens priced at a rate of 0
    for comp in COMPONENTS:
        amount = amounts[comp.name]
        if comp.part_of is None and comp.name not in ("prompt", "completion") and not _nonzero(amount):
            continue  # a dimension the workload does not use: no column of zeros
        if comp.part_of is None:
            rate = rates[comp.key]
        else:
            if not _nonzero(amount):
                continue
            own = own_rate(comp, rates)  # its own key, or another key of the same output (image_token)
            rate = np.where(own == 0, rates[comp.part_of], own)  # no separate rate: the base one
        if comp.name in ("prompt", "completion") and not _nonzero(amount):
            cost = np.where(np.isnan(rate), np.nan, 0.0)  # unknown base price: unknown cost, even for 0 tokens
        else:
            cost = np.multiply(amount, rate)
        if "completion" in (comp.name, comp.part_of):
            zero_output |= (amount > 0) & (rate == 0)
        # a fresh array of n rows (owned and writable: edited in place below), never a view of a rate
        columns[f"cost_{comp.name}"] = cost if np.shape(cost) == (n,) else np.array(np.broadcast_to(cost, (n,)))
    costs = iter(columns.values())
    total = next(costs).copy()  # prompt and completion are always there
    for cost in costs:
        total += cost
    off = None
    if "discount" in rates:  # an endpoint's discount: what it takes off is its own column, so the parts add up
        off = total * np.nan_to_num(rates["discount"])
        total = total - off
    dynamic = bool_array(frame["dynamic_pricing"]) if "dynamic_pricing" in frame.columns else np.zeros(n, dtype=bool)
    cannot = _cannot_serve(frame, counts, columns, total, notes, dynamic, wanted, zero_output, per_token=per_token)
    dynamic = dynamic & ~cannot
    if dynamic.any():
        for cost in columns.values():
            cost[dynamic] = np.nan
        total[dynamic] = np.nan
        if off is not None:
            off[dynamic] = np.nan
        notes.add(dynamic, _DYNAMIC_NOTE)
    unknown = np.isnan(total) & (notes.codes < 0)
    if unknown.any():
        unknown &= ~dynamic
        notes.add(unknown, _UNKNOWN_NOTE)
    if off is not None:
        columns["discount_usd"] = np.where(np.isnan(total), np.nan, off)  # no total, nothing taken off
    columns["total_usd"] = total
    for values in columns.values():
        _tidy(values)
    return {"columns": columns, "notes": notes}


def _tidy(values: np.ndarray) -> np.ndarray:
    """Round (in place) to 12 significant digits, and return ``values``: the one rounding rule of a
    cost frame's numbers (every ``cost_<component>``, ``total_usd``, and ``x_cheapest`` in
    :func:`.rank._result`), so CSV and parquet hold 2.1, not 2.0999999999999996.

    Why 12 significant digits: tokens x per-token floats, summed over a handful of parts and divided
    for ``x_cheapest``, leave binary noise of a few units in the 16th digit (3.5999999999999996 for
    $3.60) that no price or count justifies; 12 digits leave a margin of 1,000 over it at any size
    (a fixed 1e-12 USD did not: above about $9,000 the scaled value passes 2**53 and the noise
    stayed). A price has at most about 5 significant digits, so a real cost needs more than 12 only
    for counts in the hundreds of millions of tokens, and then loses less than 1e-11 of itself.
    Zero, NaN and infinities are kept.
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        magnitude = np.floor(np.log10(np.abs(values)))
        scale = np.power(10.0, np.where(np.isfinite(magnitude), 11 - magnitude, 0.0))
        rounded = np.rint(values * scale) / scale
    np.copyto(values, rounded, where=np.isfinite(rounded) & (values != 0))
    return values
