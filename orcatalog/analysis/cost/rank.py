"""The cost frame a caller gets (:func:`_result`): ``rank`` (the one ranking rule: 1 = the cheapest
paid model, counted among the paid rows only; equal totals share a rank; 0 for a free row, total 0,
flagged as cheaper than any rank; NA without a total) and ``x_cheapest`` within each snapshot (:func:`_ranks`; rounded by the
cost frame's one rule, :func:`.totals._tidy`); a catalog sorted
cheapest first, a history kept in its own (time) order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .totals import _tidy


def _ranks(total: np.ndarray, group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: its rank within its group (1 = cheapest; equal totals share a rank; 0 when the
    total is missing, made NA by :func:`_result`) and its group's cheapest non-zero total.

    Costs repeat a lot (one value per model version, not per snapshot), so the distinct totals
    are hashed once and counted per group; no 70k-row sort is needed. Very long histories with
    many distinct totals fall back to pandas' grouped rank.
    """
    codes, uniques = pd.factorize(total, use_na_sentinel=True)
    n_values = len(uniques)
    order = np.argsort(uniques, kind="stable")
    n_groups = int(group.max()) + 1 if len(group) else 0
    ok = codes >= 0
    all_ok = bool(ok.all())
    if n_groups * n_values <= 4_000_000:
        # one cell per (group, distinct total): its count, then the rows of the group below it
        unique_rank = np.empty(n_values, dtype=np.int64)
        unique_rank[order] = np.arange(n_values)
        cell = group * n_values if all_ok else group[ok] * n_values
        cell += unique_rank[codes] if all_ok else unique_rank[codes[ok]]
        counts = np.bincount(cell, minlength=n_groups * n_values)
        below = np.cumsum(counts.reshape(n_groups, n_values), axis=1).ravel()
        below -= counts
        if all_ok:
            rank = below[cell]
            rank += 1
        else:
            rank = np.zeros(len(total), dtype=np.int64)
            rank[ok] = below[cell] + 1
        values = uniques[order]
        first_paid = int(np.searchsorted(values, 0.0, side="right"))  # values are sorted: the paid ones follow
        paid = counts.reshape(n_groups, n_values)[:, first_paid:] > 0
        if paid.size:
            cheapest = np.where(paid.any(axis=1), values[first_paid:][paid.argmax(axis=1)], np.nan)
        else:  # no row has a paid total (only routers or free models, or no rows): nothing is cheapest
            cheapest = np.full(n_groups, np.nan)
    else:
        ranked = pd.Series(total).groupby(group).rank(method="min").to_numpy()
        rank = np.zeros(len(total), dtype=np.int64)
        rank[ok] = ranked[ok].astype(np.int64)
        cheapest = np.full(n_groups, np.nan)
        np.fmin.at(cheapest, group, np.where(total > 0, total, np.nan))
    return rank, cheapest[group] if len(group) else np.zeros(0)


def paid_ranks(total: np.ndarray, group: np.ndarray) -> tuple[pd.arrays.IntegerArray, np.ndarray]:
    """The one ranking rule of a cost frame, per group (a snapshot, or an endpoints frame's model):
    ``rank`` counted among the paid rows (total above zero: 1 = the cheapest paid one, equal totals
    share a rank), 0 for a free row (total 0), NA without a total; and ``x_cheapest``, the total over
    the group's cheapest paid total (0 for a free row), rounded by the cost frame's one rule."""
    rank, cheapest = _ranks(np.where(total > 0, total, np.nan), group)
    ranks = pd.arrays.IntegerArray(rank, np.isnan(total))  # no total, no rank: NA
    with np.errstate(divide="ignore", invalid="ignore"):
        x = _tidy(np.where(total == 0, 0.0, total / cheapest))
    return ranks, x


def _result(models: pd.DataFrame, result: dict[str, Any]) -> pd.DataFrame:
    """The cost frame: a catalog sorted cheapest first; a history kept in its own (time) order.
    Either way ``rank`` and ``x_cheapest`` are within each snapshot."""
    is_history = "fetched_at" in models.columns  # load()/fetch_models() frames keep the time in attrs
    keys = [k for k in ["id", *(["fetched_at", "snapshot_id"] if is_history else [])] if k in models.columns]
    columns = result["columns"]
    total = columns["total_usd"]
    group = _groups(models) if is_history else np.zeros(len(models), dtype=np.int64)
    rank, x = paid_ranks(total, group)
    if is_history:  # the history's rows and order stay
        data: dict[str, Any] = {k: models[k].array for k in keys}
        data.update(columns)
        data.update(x_cheapest=x, rank=rank, note=result["notes"].strings())
    else:
        order = np.argsort(np.where(np.isnan(total), np.inf, total), kind="stable")
        data = {k: models[k].array.take(order) for k in keys}
        data.update({name: values[order] for name, values in columns.items()})
        data.update(x_cheapest=x[order], rank=rank[order], note=result["notes"].strings(order))
    return pd.DataFrame(data, copy=False)


def _groups(frame: pd.DataFrame) -> np.ndarray:
    """Integer snapshot codes (one per row) of a history frame."""
    column = frame["snapshot_id"] if "snapshot_id" in frame.columns else frame["fetched_at"]
    if isinstance(column.dtype, pd.CategoricalDtype):
        return np.asarray(column.array.codes, dtype=np.int64)
    return pd.factorize(column, sort=False)[0].astype(np.int64)
